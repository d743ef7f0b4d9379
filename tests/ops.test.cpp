/** @file ops.test.cpp
 *  @brief Integration: kb-server's settings in layers (flags > KB_*
 *  environment > configuration file > defaults) and its one-line start-up
 *  errors, through the real binary; kb-index reading the same file.
 */
#include "support/server_process.h"
#include "support/temp_dir.h"

#include "kb/config_keys.h"

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

/// Runs kb-index with environment variables set (through env(1)).
int run_indexer(const std::vector<std::string>& env, const std::vector<std::string>& args, std::string& out) {
  std::vector<std::string> argv{"/usr/bin/env", "-u", "KB_CONFIG", "-u", "KB_INDEX", "-u", "KB_ARTICLES", "-u", "KB_DATA"};
  argv.insert(argv.end(), env.begin(), env.end());
  argv.push_back(KB_INDEX_BIN);
  argv.insert(argv.end(), args.begin(), args.end());
  return run_program(argv, out);
}

/// A start-up error: the configuration file's text (nullptr: no file), the
/// environment, the arguments, and the program's whole output, with CONF
/// standing for the file's path.
struct ErrorRow {
  const char* file;
  std::vector<std::string> env;
  std::vector<std::string> args;
  std::string message;
};

using Runner = int (*)(const std::vector<std::string>&, const std::vector<std::string>&, std::string&);

/// Each row makes @p run exit 2 with exactly its message, after the
/// arguments @p common; so does a configuration file that is missing.
void check_error_lines(Runner run, const std::string& program, const std::vector<ErrorRow>& rows,
                       const std::vector<std::string>& common) {
  TempDir dir;
  for (const ErrorRow& row : rows) {
    std::vector<std::string> args = common;
    args.insert(args.end(), row.args.begin(), row.args.end());
    std::string expected = row.message;
    if (row.file) {
      const auto conf = dir.write("kb.conf", row.file);
      args.insert(args.begin(), {"--config", conf.string()});
      expected.replace(expected.find("CONF"), 4, conf.string());
    }
    std::string out;
    INFO(expected);
    CHECK(run(row.env, args, out) == 2);
    CHECK_THAT(out, Equals(expected));
  }
  std::string out;
  CHECK(run({}, {"--config", (dir / "missing.conf").string()}, out) == 2);
  CHECK_THAT(out, Equals(program + ": error: " + (dir / "missing.conf").string() + ": cannot read the configuration file\n"));
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
                              "admin-token = from-the-config-file\n");
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
  CHECK(out.find("from-the-config-file") == std::string::npos);

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
  const std::vector<ErrorRow> rows = {
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
      {nullptr, {"KB_PUBLIC_URL=help.example.com"}, {},
       "kb-server: error: --public-url: \"help.example.com\" is not an http:// or https:// URL (see --help)\n"},
      // A token is a password anyone can try: one that is short can be
      // guessed, and one shared by admins and agents gives agents the
      // admin pages. The messages never repeat the token.
      {"admin-token = short\n", {}, {},
       "kb-server: error: CONF:1: bad value for \"admin-token\": a token must be at least 16 characters long (this one "
       "has 5); make one with: head -c 24 /dev/urandom | base64\n"},
      {nullptr, {"KB_AGENT_TOKEN=0123456789"}, {},
       "kb-server: error: --agent-token: a token must be at least 16 characters long (this one has 10); make one with: "
       "head -c 24 /dev/urandom | base64 (see --help)\n"},
      {nullptr, {}, {"--metrics-token", "abc"},
       "kb-server: error: --metrics-token: a token must be at least 16 characters long (this one has 3); make one with: "
       "head -c 24 /dev/urandom | base64 (see --help)\n"},
      {nullptr, {"KB_ADMIN_TOKEN=the-same-token-for-both"}, {"--agent-token", "the-same-token-for-both"},
       "kb-server: error: --admin-token and --agent-token are the same token: each must be its own, or agents could "
       "open the admin pages\n"},
      {nullptr, {}, {"--admin-token", "the-same-token-for-both", "--metrics-token", "the-same-token-for-both"},
       "kb-server: error: --admin-token and --metrics-token are the same token: each must be its own, or whoever "
       "scrapes /metrics could open the admin pages\n"},
      {nullptr, {}, {"--index", "/nonexistent/index"},
       "kb-server: error: cannot open index /nonexistent/index: no such directory (build it with kb-index; set it with "
       "--index, KB_INDEX or index =)\n"},
  };
  check_error_lines(run_server, "kb-server", rows, {});
}


TEST_CASE("kb-index reads kb.conf: flags > environment > file, kb-server's keys skipped", "[ops][config]") {
  TempDir dir;
  dir.write("articles/vpn.md", article("VPN drops", "It drops."));
  // kb-server's keys are in the same file; kb-index skips them.
  const auto conf = dir.write("kb.conf", "port = 9000\nadmin-token = s3cret\ntrusted-proxy = 127.0.0.1\n"
                                         "index = " + (dir / "from-file").string() + "\n"
                                         "articles = " + (dir / "articles").string() + "\n");
  std::string out;
  INFO(out);
  REQUIRE(run_indexer({}, {"--config", conf.string(), "-q"}, out) == 0);
  CHECK_THAT(out, Equals("added 1, updated 0, moved 0, renamed 0, removed 0, unchanged 0, skipped 0 in " +
                         out.substr(out.find(" in ") + 4)));
  CHECK(std::filesystem::is_directory(dir / "from-file"));

  REQUIRE(run_indexer({"KB_INDEX=" + (dir / "from-env").string()}, {"--config", conf.string(), "-q"}, out) == 0);
  CHECK(std::filesystem::is_directory(dir / "from-env"));

  REQUIRE(run_indexer({"KB_INDEX=" + (dir / "from-env-2").string()},
                      {"--config", conf.string(), "--index", (dir / "from-flag").string(), "-q"}, out) == 0);
  CHECK(std::filesystem::is_directory(dir / "from-flag"));
  CHECK_FALSE(std::filesystem::exists(dir / "from-env-2"));

  // KB_CONFIG names the file too, and a subcommand takes its keys:
  // `kb-index new` writes into the file's articles folder.
  REQUIRE(run_indexer({"KB_CONFIG=" + conf.string()}, {"new", "Printer jams"}, out) == 0);
  CHECK(std::filesystem::exists(dir / "articles/general/printer-jams.md"));
  // A flag after the subcommand's name still wins over the environment.
  REQUIRE(run_indexer({"KB_ARTICLES=" + (dir / "env-articles").string()},
                      {"--config", conf.string(), "new", "Badge reader", "--articles", (dir / "articles").string()},
                      out) == 0);
  CHECK(std::filesystem::exists(dir / "articles/general/badge-reader.md"));
  CHECK_FALSE(std::filesystem::exists(dir / "env-articles"));
}

TEST_CASE("kb-index reads every key it owns from kb.conf", "[ops][config]") {
  TempDir dir;
  dir.write("articles/vpn.md", article("VPN drops", "It drops."));
  std::string text;
  for (const std::string_view key : kb::index_config_keys()) {
    const std::map<std::string_view, std::string> values{{"index", (dir / "index").string()},
                                                         {"articles", (dir / "articles").string()},
                                                         {"data", (dir / "data").string()},
                                                         {"stats-db", "postgresql://kb@127.0.0.1:1/kb"},
                                                         {"session-timeout", "600"},
                                                         {"changesets", "10"}};
    INFO(key);
    REQUIRE(values.count(key) == 1);  // a new key needs a value here
    text += std::string(key) + " = " + values.at(key) + "\n";
  }
  const auto conf = dir.write("kb.conf", text);
  std::string out;
  // `new` touches no database, so the PostgreSQL address is only read.
  REQUIRE(run_indexer({}, {"--config", conf.string(), "new", "Badge reader"}, out) == 0);
  CHECK(std::filesystem::exists(dir / "articles/general/badge-reader.md"));
}

TEST_CASE("kb-index: every configuration error is one line and exit 2", "[ops][config]") {
  TempDir dir;
  const std::vector<ErrorRow> rows = {
      {"index = /tmp/x\nidnex = /tmp/y\n", {}, {}, "kb-index: error: CONF:2: unknown key \"idnex\" (did you mean \"index\"?)\n"},
      {"quiet = true\n", {}, {}, "kb-index: error: CONF:1: unknown key \"quiet\"\n"},
      {"changesets = -1\n", {}, {}, "kb-index: error: CONF:1: bad value for \"changesets\": Value -1 not in range 0 to 1000000\n"},
      {"port 8080\n", {}, {}, "kb-index: error: CONF:1: expected \"key = value\"\n"},
      {nullptr, {"KB_CHANGESETS=many"}, {}, "kb-index: error: --changesets: Value many not in range 0 to 1000000 (see --help)\n"},
  };
  check_error_lines(run_indexer, "kb-index", rows, {"-q", "--articles", (dir / "none").string()});
}

TEST_CASE("kb-server skips kb-index's keys and knows exactly the keys listed for it", "[ops][config]") {
  TempDir dir;
  const auto conf = dir.write("kb.conf", "changesets = 100\nport = 9000\n");
  std::string out;
  REQUIRE(run_server({}, {"--config", conf.string(), "--print-config"}, out) == 0);
  const auto settings = parse_printed(out);
  CHECK(settings.at("port") == "9000");
  CHECK(settings.count("changesets") == 0);
  // kb-index reads the file too, so kb.conf's key list must be kb-server's options.
  std::vector<std::string> printed;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) printed.push_back(line.substr(0, line.find(" = ")));
  const std::vector<std::string> listed(kb::server_config_keys().begin(), kb::server_config_keys().end());
  CHECK_THAT(printed, Equals(listed));

  const auto typo = dir.write("typo.conf", "changesetz = 1\n");
  CHECK(run_server({}, {"--config", typo.string()}, out) == 2);
  CHECK_THAT(out, Equals("kb-server: error: " + typo.string() + ":1: unknown key \"changesetz\" (did you mean \"changesets\"?)\n"));
}

TEST_CASE("kb-index names a file whose name is not UTF-8 with the bad bytes escaped", "[ops]") {
  TempDir dir;
  dir.write("articles/ok.md", article("VPN drops", "It drops."));
  // A Latin-1 file name from another system, with a front matter that is
  // not YAML: its error line must stay one readable line.
  dir.write("articles/caf\xe9.md", "---\ntitle: \"unclosed\n---\nBody.\n");
  std::string out;
  const int status = run_indexer({}, {"--articles", (dir / "articles").string(), "--index", (dir / "index").string(), "-q"}, out);
  INFO(out);
  CHECK(status == 1);
  CHECK_THAT(out, Catch::Matchers::Contains("caf\\xE9.md:"));
  CHECK(out.find('\xe9') == std::string::npos);
  CHECK_THAT(out, Catch::Matchers::Contains("added 1, updated 0, moved 0, renamed 0, removed 0, unchanged 0, skipped 1 in "));
}
