/** @file text.test.cpp
 *  @brief UTF-8 validation, escaping, anchors and slugs.
 */
#include "kb/text.h"

#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

using namespace kb;

TEST_CASE("find_invalid_utf8 finds the first bad byte", "[text]") {
  CHECK_FALSE(find_invalid_utf8("plain ascii"));
  CHECK_FALSE(find_invalid_utf8("비밀번호 パスワード ü €"));
  CHECK(find_invalid_utf8("ab\xff") == std::optional<std::size_t>(2));
  CHECK(find_invalid_utf8("\xc0\xaf") == std::optional<std::size_t>(0));        // overlong '/'
  CHECK(find_invalid_utf8("x\xed\xa0\x80") == std::optional<std::size_t>(1));   // surrogate
  CHECK(find_invalid_utf8("\xf4\x90\x80\x80") == std::optional<std::size_t>(0));  // > U+10FFFF
  CHECK(find_invalid_utf8("\xe2\x82") == std::optional<std::size_t>(0));        // truncated
}

TEST_CASE("printable escapes bytes that are not UTF-8 and control characters", "[text]") {
  CHECK(kb::printable("vpn/caf\xc3\xa9.md:3: error: x") == "vpn/caf\xc3\xa9.md:3: error: x");  // UTF-8 stays
  CHECK(kb::printable("caf\xe9.md") == "caf\\xE9.md");                                             // Latin-1
  CHECK(kb::printable("a\nb\x7f\tc") == "a\\x0Ab\\x7F\\x09c");
  CHECK(kb::printable("\xc3") == "\\xC3");  // cut short
  CHECK(kb::printable("\xff\xfe") == "\\xFF\\xFE");
  CHECK(kb::printable("") == "");
  CHECK(kb::printable("a\\xE9") == "a\\x5CxE9");       // a name that looks escaped is not mistaken for one
  CHECK(kb::printable("x\xc2\x85y\xc2\xa0") == "x\\xC2\\x85y\xc2\xa0");  // C1 control escaped, no-break space kept
}

TEST_CASE("line_of_offset counts lines from 1", "[text]") {
  CHECK(line_of_offset("a\nb\nc", 0) == 1);
  CHECK(line_of_offset("a\nb\nc", 2) == 2);
  CHECK(line_of_offset("a\nb\nc", 4) == 3);
}

TEST_CASE("html_escape escapes markup and quotes", "[text]") {
  CHECK(html_escape("<script>alert('x') & \"y\"</script>") ==
        "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;");
  // Runs between special characters are copied whole: the first, the
  // last, and a text with none at all must all survive.
  CHECK(html_escape("a<b") == "a&lt;b");
  CHECK(html_escape("<ab>") == "&lt;ab&gt;");
  CHECK(html_escape("plain text é") == "plain text é");
  CHECK(html_escape("") == "");
}

TEST_CASE("append_html_escaped appends to what is there", "[text]") {
  std::string out = "<mark>";
  append_html_escaped(out, "R&D's \"tools\"");
  append_html_escaped(out, "");
  CHECK(out == "<mark>R&amp;D&#39;s &quot;tools&quot;");
}

TEST_CASE("heading_anchor follows GitHub", "[text]") {
  struct Row {
    const char* heading;
    const char* anchor;
  };
  const Row rows[] = {
      {"Step 1: Restart the router", "step-1-restart-the-router"},
      {"What's new?", "whats-new"},
      {"Error 0x80070005 (Access denied)", "error-0x80070005-access-denied"},
      {"Use `ipconfig /flushdns`", "use-ipconfig-flushdns"},
      {"snake_case stays", "snake_case-stays"},
      {"비밀번호 재설정", "비밀번호-재설정"},
      {"パスワードをリセット", "パスワードをリセット"},
      {"Ünïcode Heading", "ünïcode-heading"},
  };
  for (const auto& row : rows) {
    INFO(row.heading);
    CHECK(heading_anchor(row.heading) == row.anchor);
  }
}

TEST_CASE("slugs: validation and derivation from file names", "[text]") {
  CHECK(is_valid_slug("reset-password"));
  CHECK(is_valid_slug("error_0x80070005"));
  CHECK_FALSE(is_valid_slug(""));
  CHECK_FALSE(is_valid_slug("Reset"));
  CHECK_FALSE(is_valid_slug("../etc/passwd"));
  CHECK_FALSE(is_valid_slug("-leading"));
  CHECK_FALSE(is_valid_slug(std::string(201, 'a')));
  CHECK(slug_from_file_stem("How To Reset MFA") == "how-to-reset-mfa");
  CHECK(slug_from_file_stem("vpn--setup!!") == "vpn-setup");
  CHECK(slug_from_file_stem("_stat-family") == "stat-family");
  CHECK(slug_from_file_stem("日本語") == "");
  // Latin letters with accents keep their base letter, not a gap.
  CHECK(slug_from_file_stem("café-ü") == "cafe-u");
  CHECK(slug_from_file_stem("Straße Ærø Łódź") == "strasse-aero-lodz");
  CHECK(slug_from_file_stem("a\xE9" "b") == "a-b");  // a Latin-1 byte, not UTF-8: a separator
}

TEST_CASE("url_encode encodes a query component", "[text]") {
  CHECK(url_encode("reset password") == "reset+password");
  CHECK(url_encode("a&b=c/d") == "a%26b%3Dc%2Fd");
  CHECK(url_encode("비") == "%EB%B9%84");
}

TEST_CASE("utf8_prefix never splits a character", "[text]") {
  CHECK(utf8_prefix("비밀", 4) == "비");
  CHECK(utf8_prefix("abc", 10) == "abc");
}

TEST_CASE("fnv1a64 is stable", "[text]") {
  CHECK(to_hex(fnv1a64("")) == "cbf29ce484222325");
  CHECK(to_hex(fnv1a64("a")) == "af63dc4c8601ec8c");
}

TEST_CASE("cjk_bigrams splits CJK runs and keeps other words", "[text]") {
  CHECK(cjk_bigrams("パスワード") == "パス スワ ワー ード");
  CHECK(cjk_bigrams("VPN 연결") == "VPN 연결");
  CHECK(cjk_bigrams("Outlookのパスワード") == "Outlook のパ パス スワ ワー ード");
  CHECK(cjk_bigrams("字") == "字");
  CHECK(cjk_bigrams("reset password") == "reset password");
  CHECK(is_cjk(U'비'));
  CHECK_FALSE(is_cjk(U'a'));
}

TEST_CASE("csv_field quotes separators and defuses a formula wherever a cell could start", "[text]") {
  const std::vector<std::pair<std::string, std::string>> table{
      {"vpn drops", "vpn drops"},
      {"", ""},
      {"=1+1", "'=1+1"},
      {"+1", "'+1"},
      {"-2", "'-2"},
      {"@SUM(A1)", "'@SUM(A1)"},
      {"\t=1", "\"'\t'=1\""},  // a tab splits cells where tabs separate them
      // A semicolon splits cells in many locales' spreadsheets.
      {"vpn;=cmd|' /C calc'!A0", "\"vpn;'=cmd|' /C calc'!A0\""},
      {"a;b", "\"a;b\""},
      {"a,@SUM(1)", "\"a,'@SUM(1)\""},
      {"say \"hi\"", "\"say \"\"hi\"\"\""},
      {"one\r\n+two", "\"one\r\n'+two\""},
      {"a\tb", "\"a\tb\""},
      // NUL and other control characters are not kept.
      {std::string("a\0b", 3), "ab"},
      {"x\x01y\x1bz\x7f", "xyz"},
      {std::string("\0=1", 3), "'=1"},
      {"비밀번호; =x", "\"비밀번호; =x\""},
  };
  for (const auto& [value, expected] : table) {
    INFO(printable(value));
    CHECK(csv_field(value) == expected);
  }
}

TEST_CASE("folder-qualified slugs, nearest folder first", "[text]") {
  CHECK(kb::folder_qualified_slugs("overview", "security/network/overview.md") ==
        std::vector<std::string>{"network-overview", "security-network-overview"});
  CHECK(kb::folder_qualified_slugs("overview", "overview.md").empty());
}
