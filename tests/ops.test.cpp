/** @file ops.test.cpp
 *  @brief Integration: kb-server's settings in layers (flags > KB_*
 *  environment > configuration file > defaults) and its one-line start-up
 *  errors, through the real binary.
 */
#include "support/server_process.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <sstream>

using namespace kb::test;
using Catch::Matchers::Equals;

namespace {

/// Runs kb-server with environment variables set (through env(1)).
int run_server(const std::vector<std::string>& env, const std::vector<std::string>& args, std::string& out) {
  std::vector<std::string> argv{"/usr/bin/env", "-u", "KB_CONFIG"};
  argv.insert(argv.end(), env.begin(), env.end());
  argv.push_back(KB_SERVER_BIN);
  argv.insert(argv.end(), args.begin(), args.end());
  return run_program(argv, out);
}

std::map<std::string, std::string> parse_printed(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const auto eq = line.find(" = ");
    if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 3);
  }
  return out;
}

}  // namespace

TEST_CASE("kb-server settings: flags > environment > file > defaults", "[ops][config]") {
  TempDir dir;
  const auto conf = dir.write("kb.conf",
                              "# a test configuration\n"
                              "port = 9000\n"
                              "threads = 3\n"
                              "bind = 0.0.0.0\n"
                              "session_timeout = 600\n"
                              "admin-token = from-file\n");
  std::string out;
  REQUIRE(run_server({"KB_PORT=9100", "KB_THREADS=4"},
                     {"--config", conf.string(), "--threads", "5", "--print-config"}, out) == 0);
  const auto settings = parse_printed(out);
  CHECK(settings.at("threads") == "5");             // flag over environment and file
  CHECK(settings.at("port") == "9100");             // environment over file
  CHECK(settings.at("bind") == "0.0.0.0");          // file over default
  CHECK(settings.at("session-timeout") == "600");   // underscores name the same key
  CHECK(settings.at("flush-interval-ms") == "200"); // default
  CHECK(settings.at("admin-token") == "(set)");     // secrets are not printed
  CHECK(out.find("from-file") == std::string::npos);

  // KB_CONFIG names the file too.
  REQUIRE(run_server({"KB_CONFIG=" + conf.string()}, {"--print-config"}, out) == 0);
  CHECK(parse_printed(out).at("port") == "9000");
}

TEST_CASE("kb-server settings: --trusted-proxy is repeatable, a list in the file and the environment", "[ops][config]") {
  TempDir dir;
  const auto conf = dir.write("kb.conf", "trusted-proxy = 10.0.0.0/8, fd00::/8\n");
  std::string out;
  REQUIRE(run_server({}, {"--config", conf.string(), "--print-config"}, out) == 0);
  CHECK(parse_printed(out).at("trusted-proxy") == "10.0.0.0/8, fd00::/8");
  REQUIRE(run_server({"KB_TRUSTED_PROXY=127.0.0.1/32,::1"}, {"--config", conf.string(), "--print-config"}, out) == 0);
  CHECK(parse_printed(out).at("trusted-proxy") == "127.0.0.1/32, ::1");
  REQUIRE(run_server({"KB_TRUSTED_PROXY=::1"},
                     {"--config", conf.string(), "--trusted-proxy", "127.0.0.1", "--trusted-proxy", "192.168.0.0/16",
                      "--print-config"},
                     out) == 0);
  CHECK(parse_printed(out).at("trusted-proxy") == "127.0.0.1, 192.168.0.0/16");
  REQUIRE(run_server({}, {"--print-config"}, out) == 0);
  CHECK(parse_printed(out).at("trusted-proxy").empty());
}

TEST_CASE("kb-server settings: every start-up error is one line and exit 2", "[ops][config]") {
  TempDir dir;
  struct Row {
    const char* file;  ///< configuration text, or nullptr for none
    std::vector<std::string> env;
    std::vector<std::string> args;
    std::string message;  ///< the whole output, with CONF for the file's path
  };
  const std::vector<Row> rows = {
      {"port = 8080\n\n# x\nprot = 8081\n", {}, {}, "kb-server: error: CONF:4: unknown key \"prot\" (did you mean \"port\"?)\n"},
      {"help = 1\n", {}, {}, "kb-server: error: CONF:1: unknown key \"help\"\n"},
      {"threads = 0\n", {}, {}, "kb-server: error: CONF:1: bad value for \"threads\": Value 0 not in range 1 to 256\n"},
      {"log-format = xml\n", {}, {}, "kb-server: error: CONF:1: bad value for \"log-format\": xml not in {json,text}\n"},
      {"watch = maybe\n", {}, {}, "kb-server: error: CONF:1: bad value for \"watch\": Could not convert: --watch = maybe\n"},
      {"port 8080\n", {}, {}, "kb-server: error: CONF:1: expected \"key = value\"\n"},
      {"trusted-proxy = 10.1.0.0/8\n", {}, {},
       "kb-server: error: CONF:1: bad value for \"trusted-proxy\": \"10.1.0.0/8\" has bits set past its prefix length "
       "(a network address, like 10.0.0.0/8, is expected)\n"},
      {nullptr, {"KB_TRUSTED_PROXY=localhost"}, {},
       "kb-server: error: --trusted-proxy: \"localhost\" is not an IPv4 or IPv6 address or CIDR range (like "
       "10.0.0.0/8) (see --help)\n"},
      {nullptr, {"KB_PORT=http"}, {}, "kb-server: error: --port: Value http not in range 0 to 65535 (see --help)\n"},
      {nullptr, {}, {"--index", "/nonexistent/index"},
       "kb-server: error: cannot open index /nonexistent/index: no such directory (build it with kb-index; set it with "
       "--index, KB_INDEX or index =)\n"},
  };
  for (const Row& row : rows) {
    std::vector<std::string> args = row.args;
    std::string expected = row.message;
    if (row.file) {
      const auto conf = dir.write("kb.conf", row.file);
      args.insert(args.begin(), {"--config", conf.string()});
      expected.replace(expected.find("CONF"), 4, conf.string());
    }
    std::string out;
    INFO(expected);
    CHECK(run_server(row.env, args, out) == 2);
    CHECK_THAT(out, Equals(expected));
  }
  std::string out;
  CHECK(run_server({}, {"--config", (dir / "missing.conf").string()}, out) == 2);
  CHECK_THAT(out, Equals("kb-server: error: " + (dir / "missing.conf").string() + ": cannot read the configuration file\n"));
}
