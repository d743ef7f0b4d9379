/** @file config_file.test.cpp
 *  @brief The "key = value" configuration file: what it accepts, and the
 *  line each error names.
 */
#include "kb/config_file.h"

#include <catch2/catch.hpp>

using namespace kb;
using Catch::Matchers::Equals;

TEST_CASE("config file: keys, values, comments and quotes", "[config]") {
  const auto entries = parse_config_text(
      "# kb.conf\n"
      "\n"
      "port = 8080\n"
      "  bind=127.0.0.1  \n"
      "; another comment\n"
      "index = /var/lib/kb/index # where kb-index writes\n"
      "admin-token = \"  spaced # not a comment \"\n"
      "ticket_redirect = \"a \\\"quoted\\\" \\\\ value\"\r\n"
      "theme =\n",
      "kb.conf");
  REQUIRE(entries.size() == 6);
  struct Row {
    const char* key;
    const char* value;
    int line;
  };
  const Row expected[] = {{"port", "8080", 3},
                          {"bind", "127.0.0.1", 4},
                          {"index", "/var/lib/kb/index", 6},
                          {"admin-token", "  spaced # not a comment ", 7},
                          {"ticket_redirect", "a \"quoted\" \\ value", 8},
                          {"theme", "", 9}};
  for (std::size_t i = 0; i < entries.size(); ++i) {
    CHECK(entries[i].key == expected[i].key);
    CHECK(entries[i].value == expected[i].value);
    CHECK(entries[i].line == expected[i].line);
  }
  // The option an entry sets, where it stands, and a refused value's message.
  CHECK(entries[4].option() == "ticket-redirect");
  CHECK(entries[4].where() == "kb.conf:8: ");
  CHECK_THAT(bad_config_value(entries[0], "--port: Value 99999 not in range").what(),
             Equals("kb.conf:3: bad value for \"port\": Value 99999 not in range"));
  CHECK_THAT(bad_config_value(entries[0], "not a number").what(), Equals("kb.conf:3: bad value for \"port\": not a number"));
}

TEST_CASE("config file: every syntax error names its line", "[config]") {
  struct Row {
    const char* text;
    const char* message;
  };
  const Row rows[] = {
      {"port = 1\nport 8080\n", "kb.conf:2: expected \"key = value\""},
      {"= 8080\n", "kb.conf:1: missing key before '='"},
      {"\n\nPort = 1\n", "kb.conf:3: invalid key \"Port\" (use lower-case option names)"},
      {"port = 1\nbind = x\nport = 2\n", "kb.conf:3: key \"port\" is given twice"},
      {"web = \"/srv/kb\n", "kb.conf:1: unterminated quoted value"},
      {"web = \"/srv\" kb\n", "kb.conf:1: text after the closing quote"},
      {"a = 1\nb = \xff\n", "kb.conf:2: not UTF-8"},
  };
  for (const Row& row : rows) {
    INFO(row.text);
    CHECK_THROWS_WITH(parse_config_text(row.text, "kb.conf"), Equals(row.message));
  }
  CHECK_THROWS_WITH(parse_config_file("/nonexistent/kb.conf"),
                    Equals("/nonexistent/kb.conf: cannot read the configuration file"));
}
