/** @file postgres.h
 *  @brief A throw-away PostgreSQL cluster for tests, on a free loopback
 *  port, started and stopped by deploy/postgres.sh. When PostgreSQL cannot
 *  be started the test process says so loudly and exits 77 (ctest: skipped).
 */
#pragma once

#include "support/server_process.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace kb::test {

/// A TCP port nobody listens on right now (for programs without "port 0").
inline int free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), len) == 0);
  REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  close(fd);
  return ntohs(addr.sin_port);
}

class Postgres {
 public:
  Postgres() {
    // As root the cluster runs as user postgres, which must reach the folder.
    chmod(dir_.path().c_str(), 0711);
    std::string out;
    // A free port can be taken before PostgreSQL binds it: try a few.
    for (int attempt = 0; attempt < 3 && uri_.empty(); ++attempt) {
      const int rc =
          run_program({"/bin/bash", script(), "start", (dir_ / "pg").string(), std::to_string(free_port()), "--fast"}, out);
      if (rc == 0 && out.rfind("postgresql://") != std::string::npos) {
        uri_ = out.substr(out.rfind("postgresql://"));
        while (!uri_.empty() && std::isspace(static_cast<unsigned char>(uri_.back()))) uri_.pop_back();
      } else if (rc != 77) {
        FAIL("deploy/postgres.sh failed (exit " << rc << "): " << out);
      }
    }
    if (uri_.empty()) {
      std::fprintf(stderr,
                   "\n*** SKIPPED: this test needs a PostgreSQL server and none could be started here ***\n"
                   "*** (scripts/deps.sh --test installs it)\n%s\n",
                   out.c_str());
      std::exit(77);
    }
  }
  ~Postgres() {
    std::string out;
    run_program({"/bin/bash", script(), "stop", (dir_ / "pg").string()}, out);
  }
  Postgres(const Postgres&) = delete;
  Postgres& operator=(const Postgres&) = delete;

  /// postgresql://kb@127.0.0.1:PORT/kb
  const std::string& uri() const { return uri_; }

 private:
  static std::string script() { return std::string(KB_DEPLOY_DIR) + "/postgres.sh"; }
  TempDir dir_;
  std::string uri_;
};

}  // namespace kb::test
