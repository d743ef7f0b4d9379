/** @file hostile.test.cpp
 *  @brief Integration: hostile input against the real kb-server and
 *  kb-index. Every request below gets a 4xx (or, where that is the right
 *  answer, a normal 2xx), never a 5xx, a crash or a hang; afterwards the
 *  server still answers a normal search correctly.
 *
 *  Decisions this file pins down:
 *  - A query that is not valid UTF-8 is a 400 (never searched, never stored).
 *  - NUL bytes and control characters inside a (valid UTF-8) query are
 *    searched as separators: 200.
 *  - Anything that looks like a path in a slug is simply an unknown slug:
 *    404; nothing outside the index is ever read.
 */
#include "support/browser.h"
#include "support/raw_http.h"
#include "support/search_site.h"
#include "support/server_process.h"
#include "support/temp_dir.h"

#include <catch2/catch.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <thread>

using namespace kb::test;
using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

constexpr const char* kAdminToken = "hostile-admin-token-5d1c";
constexpr const char* kAgentToken = "hostile-agent-token-9e2f";

/// The search fixture, indexed, with this test's server arguments.
struct Site : SearchSite {
  std::vector<std::string> args(std::vector<std::string> extra = {}) const {
    std::vector<std::string> a{"--index", (dir / "index").string(), "--data", (dir / "data").string(),
                               "--admin-token", kAdminToken, "--agent-token", kAgentToken, "--threads", "4",
                               "--read-timeout", "2"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
};

/// A normal search, answered correctly within @p wait: the printer
/// article comes first.
void expect_normal_search(int port, std::chrono::seconds wait = std::chrono::seconds(5)) {
  httplib::Client cli("127.0.0.1", port);
  cli.set_connection_timeout(wait);
  cli.set_read_timeout(wait);
  const auto res = cli.Get("/api/search?q=printer+offline");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  const json body = json::parse(res->body);
  REQUIRE_FALSE(body["results"].empty());
  CHECK(body["results"][0]["slug"] == "printer-offline");
}

std::string get(const std::string& target, const std::string& extra_headers = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + extra_headers + "\r\n";
}

std::string post(const std::string& target, const std::string& type, const std::string& body,
                 const std::string& extra_headers = "") {
  return "POST " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: " + type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" + extra_headers + "\r\n" + body;
}

std::string repeat(const std::string& s, std::size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

/// One hostile request and the statuses that are right for it.
struct Case {
  const char* name;
  std::string request;
  std::set<int> allowed;
  /// Text that must not appear in the response (headers or body).
  std::string must_not_contain = {};
  /// Whether must_not_contain is only checked in the headers (header
  /// injection: the text may be shown, escaped, on the page).
  bool headers_only = false;
};

/// A string with embedded NULs, whole.
template <std::size_t N>
std::string bytes(const char (&literal)[N]) {
  return std::string(literal, N - 1);
}

std::vector<Case> battery() {
  const std::string huge_query = "q=" + std::string(100 * 1024, 'a');
  std::string ten_thousand_terms = "q=";
  for (int i = 0; i < 10000; ++i) ten_thousand_terms += "t" + std::to_string(i) + "+";
  // As many terms as the query limit (4096 bytes) allows: searched.
  const std::string many_short_terms = "q=" + repeat("a+", 2000);
  std::string deep_json = repeat("[", 100000) + repeat("]", 100000);
  const std::string big_body(2 * 1024 * 1024, 'x');
  const std::string ticket = R"({"subject":"VPN drops","description":"since Monday","email":"a@example.com"})";
  return {
      {"100 KB query on the search page", get("/search?" + huge_query), {400, 414}},
      {"100 KB query on the API", get("/api/search?" + huge_query), {400, 414}},
      {"10,000 query terms", get("/api/search?" + ten_thousand_terms), {400, 414}},
      {"2,000 one-letter terms (inside the limit)", get("/api/search?" + many_short_terms), {200}},
      {"invalid UTF-8 query (page)", get("/search?q=%FF%FEabc"), {400}},
      {"invalid UTF-8 query (API)", get("/api/search?q=caf%C3"), {400}},
      {"overlong UTF-8 encoding of '/'", get("/api/search?q=%C0%AF"), {400}},
      {"UTF-16 surrogate encoded in UTF-8", get("/api/search?q=%ED%A0%80"), {400}},
      {"invalid UTF-8 in suggestions", get("/api/suggest?q=%FF%FF"), {200, 400}},
      {"NUL bytes in the query", get("/api/search?q=printer%00offline%00"), {200}},
      {"control characters in the query", get("/api/search?q=%01%02%07%08%1B%7Fprinter"), {200}},
      {"raw NUL byte in the request line", bytes("GET /search?q=a\0b HTTP/1.1\r\nHost: x\r\n\r\n"), {400}},
      {"one CJK character between two words (Xapian parse error)", get("/search?q=printer+%E3%81%A7+offline"), {200}},
      {"Xapian operators and unbalanced brackets", get("/api/search?q=%28%28%28+AND+OR+NOT+%22+NEAR%2F3+title%3A*"), {200}},
      {"path traversal in a slug", get("/articles/../../../../etc/passwd"), {400, 404}, "root:"},
      {"percent-encoded traversal in a slug", get("/articles/%2e%2e%2f%2e%2e%2fetc%2fpasswd"), {404}, "root:"},
      {"..%2f traversal in a slug", get("/articles/..%2f..%2f..%2fetc%2fpasswd"), {404}, "root:"},
      {"double-encoded traversal in a slug", get("/articles/%252e%252e%252f%252e%252e%252fetc%252fpasswd"), {404}, "root:"},
      {"backslash traversal in a slug", get("/articles/..\\..\\..\\etc\\passwd"), {400, 404}, "root:"},
      {"traversal to a Markdown source", get("/articles/..%2f..%2fREADME.md"), {404}, "kb turns"},
      {"traversal out of /static", get("/static/../../../CMakeLists.txt"), {400, 404}, "cmake_minimum_required"},
      {"encoded traversal out of /static", get("/static/..%2f..%2f..%2fCMakeLists.txt"), {400, 404}, "cmake_minimum_required"},
      {"double-encoded traversal out of /static", get("/static/%252e%252e/%252e%252e/CMakeLists.txt"), {400, 404},
       "cmake_minimum_required"},
      {"CR/LF in the ui parameter (Set-Cookie)", get("/search?q=x&ui=en%0D%0ASet-Cookie:%20evil=1"), {200}, "evil=1", true},
      {"CR/LF in a slug (redirect)", get("/articles/printer-not-working%0D%0AX-Injected:%201"), {400, 404}, "X-Injected", true},
      {"NUL in a static file's path (type from after it)", get("/static/kb.js%00.html"), {400}, "progressive enhancement only"},
      {"NUL in an article's path", get("/articles/printer-offline%00.html"), {400}},
      {"a byte range of a page (200 must be the whole page)", get("/", "Range: bytes=0-10\r\n"), {200}, "Content-Range", true},
      {"a byte range of the search API", get("/api/search?q=printer", "Range: bytes=0-10\r\n"), {200}, "Content-Range", true},
      {"a path that starts //host (links must stay on the site)", get("//evil.example/x"), {404}, "href=\"//evil.example"},
      {"a path that starts /\\host", get("/%5Cevil.example"), {404}, "href=\"/\\evil.example"},
      {"CR/LF in a raw header value", "GET / HTTP/1.1\r\nHost: x\r\nX-A: b\rX-Injected: 1\r\nConnection: close\r\n\r\n",
       {200, 400}, "X-Injected: 1", true},
      {"CR/LF in an export's date (Content-Disposition)",
       get("/api/stats/export?kind=tickets&to=2026-01-01%0D%0AX-Injected:%201",
           std::string("Authorization: Bearer ") + kAdminToken + "\r\n"),
       {400}, "X-Injected", true},
      {"oversized JSON body", post("/api/tickets", "application/json", big_body), {413}},
      {"oversized form body", post("/tickets", "application/x-www-form-urlencoded", big_body), {413}},
      {"ticket JSON as text/plain", post("/api/tickets", "text/plain", ticket), {415}},
      {"feedback JSON as a form", post("/api/feedback", "application/x-www-form-urlencoded", "slug=a&helpful=true"), {415}},
      {"malformed JSON", post("/api/tickets", "application/json", R"({"subject": "a", )"), {400}},
      {"JSON that is not an object", post("/api/feedback", "application/json", "[1,2,3]"), {400}},
      {"JSON with wrong types", post("/api/tickets", "application/json", R"({"subject":5,"email":[],"description":{}})"),
       {400}},
      {"deeply nested JSON (100,000 levels)", post("/api/tickets", "application/json", deep_json), {400}},
      {"deeply nested JSON inside a field", post("/api/feedback", "application/json",
                                                 R"({"slug":"printer-offline","helpful":)" + deep_json + "}"),
       {400}},
      {"unclosed deep JSON", post("/api/tickets", "application/json", repeat("{\"a\":", 50000)), {400}},
      {"huge Content-Length, no body", "POST /api/tickets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                       "Content-Length: 99999999999999\r\n\r\n",
       {413}},
      {"negative Content-Length", "POST /api/tickets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                  "Content-Length: -5\r\nConnection: close\r\n\r\n{}",
       {400, 413}},
      {"garbage Content-Length", "POST /api/tickets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                                 "Content-Length: lots\r\nConnection: close\r\n\r\n{}",
       {400, 413}},
      {"bad chunk size", "POST /api/tickets HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                         "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nZZZZ\r\n{}\r\n0\r\n\r\n",
       {400}},
      {"unknown method", "BREW /search?q=a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", {400, 404, 405}},
      {"DELETE on a page", "DELETE /search HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", {400, 404, 405}},
      {"PUT on the ticket API", "PUT /api/tickets HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
       {400, 404, 405}},
      {"absurd Range on a static file", get("/static/kb.css", "Range: bytes=99999999999999-\r\n"), {200, 416}},
      {"thousand ranges on a page", get("/search?q=printer", "Range: bytes=" + repeat("0-1,", 1000) + "2-3\r\n"),
       {200, 206, 416}},
      {"inverted Range", get("/", "Range: bytes=500-10\r\n"), {200, 416}},
      {"100 KB header line", get("/", "X-Big: " + std::string(100 * 1024, 'h') + "\r\n"), {400, 413, 431}},
      {"10,000 headers", get("/", repeat("X-H: v\r\n", 10000)), {431}},
      {"HTTP version 9.9", "GET / HTTP/9.9\r\nHost: x\r\nConnection: close\r\n\r\n", {200, 400}},
      {"TLS handshake on the HTTP port", bytes("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n"), {400}},
      {"negative page", get("/api/search?q=printer&page=-1"), {400}},
      {"page past the int range", get("/api/search?q=printer&page=99999999999999999999"), {400}},
      {"per_page 100000", get("/api/search?q=printer&per_page=100000"), {400}},
      {"1,000 tag filters", get("/api/search?q=a&" + repeat("tag=x&", 1000)), {400}},
      {"300-byte category", get("/api/search?q=a&category=" + std::string(300, 'c')), {400}},
      {"10 KB slug", get("/articles/" + std::string(10 * 1024, 's')), {404, 414}},
      {"long suggestion prefix", get("/api/suggest?q=" + std::string(300, 'p')), {400}},
      {"script tag as the Host header", get("/opensearch.xml", "Host: <script>alert(1)</script>\r\n"), {200},
       "<script>alert(1)"},
      {"garbage session cookie", get("/search?q=printer", "Cookie: kb_session=" + std::string(4000, '\x7f') + "\r\n"),
       {200, 400}},
      {"1,000 Accept-Language entries", get("/search?q=printer", "Accept-Language: " + repeat("x-y;q=0.5,", 700) + "\r\n"),
       {200}},
      {"wrong admin token", get("/api/stats", std::string("Authorization: Bearer wrong\r\n")), {401}},
      {"wrong agent token login", post("/agent/login", "application/x-www-form-urlencoded", "token=wrong"), {401, 403}},
      {"ticket without a CSRF token", post("/tickets", "application/x-www-form-urlencoded", "subject=a&email=a%40b.co"),
       {403}},
      {"cross-site JSON ticket", post("/api/tickets", "application/json", ticket, "Origin: https://evil.example\r\n"),
       {403}},
  };
}

}  // namespace

TEST_CASE("hostile requests get 4xx, never 5xx, and the server keeps serving", "[hostile]") {
  Site site;
  ServerProcess server(site.args());
  const std::vector<Case> cases = battery();
  REQUIRE(cases.size() >= 40);
  for (const Case& c : cases) {
    INFO("case: " << c.name);
    const auto start = std::chrono::steady_clock::now();
    const std::string response = raw_exchange(server.port(), c.request, std::chrono::seconds(15));
    const auto took = std::chrono::steady_clock::now() - start;
    INFO(response.substr(0, 300));
    const int status = status_of(response);
    CHECK(c.allowed.count(status) == 1);
    CHECK(took < std::chrono::seconds(10));
    if (!c.must_not_contain.empty()) {
      CHECK_THAT(c.headers_only ? response.substr(0, response.find("\r\n\r\n")) : response, !Contains(c.must_not_contain));
    }
  }
  WARN("hostile battery: " << cases.size() << " requests");
  expect_normal_search(server.port());
  INFO(server.output());
  CHECK_THAT(server.output(), !Contains("internal error"));
}

TEST_CASE("a client that never finishes its request is dropped after the read timeout", "[hostile]") {
  Site site;
  ServerProcess server(site.args());  // --read-timeout 2
  // Sends the start of a request and no more: the server gives up after the
  // read timeout (2 s here), answers 400 and closes once the keep-alive
  // wait (5 s) passes. The bounds leave room for a loaded sanitizer build
  // (one answer took over 5 s there) and still catch a server that waits
  // for the client's 20 s.
  auto dropped = [&](const std::string& unfinished) {
    RawSocket slow(server.port());
    REQUIRE(slow.send_all(unfinished));
    const auto start = std::chrono::steady_clock::now();
    const std::string response = slow.read_response(std::chrono::seconds(20));
    INFO(response);
    CHECK(status_of(response) == 400);
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(9));
    if (!slow.closed()) slow.read_response(std::chrono::seconds(10));
    CHECK(slow.closed());
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(16));
  };
  SECTION("headers never end") { dropped("GET /search?q=printer HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "); }
  SECTION("the body never comes") {
    dropped("POST /api/tickets HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "Content-Length: 500\r\n\r\n{\"subject\":");
  }
  expect_normal_search(server.port());
}

TEST_CASE("a body longer than allowed, or a length that is no number, is refused before it is read", "[hostile]") {
  Site site;
  ServerProcess server(site.args());  // --read-timeout 2
  for (const auto& [length, status] : std::vector<std::pair<std::string, int>>{
           {"2000000", 413}, {"-5", 400}, {"99999999999999999999", 400}, {"12abc", 400}}) {
    INFO("Content-Length: " << length);
    RawSocket client(server.port());
    REQUIRE(client.send_all("POST /api/tickets HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                            "Content-Length: " + length + "\r\n\r\n{}"));
    const auto start = std::chrono::steady_clock::now();
    const std::string response = client.read_response(std::chrono::seconds(10));
    CHECK(status_of(response) == status);
    // At once, not after waiting for a body that never comes (the read timeout).
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
  }
  expect_normal_search(server.port());
}

TEST_CASE("thousands of idle connections do not starve real requests", "[hostile]") {
  // Each connection is a descriptor here and in the server.
  rlimit limit{};
  REQUIRE(getrlimit(RLIMIT_NOFILE, &limit) == 0);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  const std::size_t wanted = 2000;
  const std::size_t count = std::min<std::size_t>(wanted, limit.rlim_cur > 200 ? limit.rlim_cur - 200 : 0);
  if (count < wanted) WARN("open-file limit " << limit.rlim_cur << ": only " << count << " idle connections");

  Site site;
  ServerProcess server(site.args());
  std::vector<RawSocket> idle;
  idle.reserve(count);
  for (std::size_t i = 0; i < count; ++i) idle.emplace_back(server.port());
  // Give the server time to accept them all and hand them to workers.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));

  // With a fixed pool a real request waits for idle connections to time
  // out, 5 s each, 2,000 of them over 4 workers: about 40 minutes. Here it
  // takes about a second; the bound leaves room for a loaded machine
  // (httplib's waiting threads poll every 10 ms) and for ASan, and the
  // client waits as long as the bound (a clean-clone ASan run on a busy
  // machine once took over the 5 s it used to wait).
#if defined(__SANITIZE_ADDRESS__)
  const std::chrono::seconds bound(30);
#else
  const std::chrono::seconds bound(10);
#endif
  const auto start = std::chrono::steady_clock::now();
  expect_normal_search(server.port(), bound);
  const auto during = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  WARN("search with " << count << " idle connections open: " << during.count() << " ms");
  CHECK(during < bound);

  // Some of the idle connections now send a request, before the keep-alive
  // timeout (5 s) drops them, and are answered too.
  for (std::size_t i = count - 10; i < count; ++i) {
    REQUIRE(idle[i].send_all("GET /api/search?q=keyboard HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    CHECK(status_of(idle[i].read_response(std::chrono::seconds(5))) == 200);
  }
  // The rest are dropped by the server once the keep-alive timeout passes.
  std::this_thread::sleep_for(std::chrono::seconds(6));
  CHECK(idle.front().read_response(std::chrono::seconds(5)).empty());
  CHECK(idle.front().closed());
  idle.clear();
  expect_normal_search(server.port());
  INFO(server.output());
  CHECK_THAT(server.output(), !Contains("error"));
}

TEST_CASE("kb-index reports and skips hostile article files, and indexes the rest", "[hostile][index]") {
  TempDir dir;
  const auto articles = dir / "articles";
  dir.write("articles/good.md", article("Good printer guide", "Turn the printer off and on."));
  dir.write("articles/nested-quotes.md", article("Nested quotes", std::string(100000, '>') + " deep"));
  dir.write("articles/nested-lists.md", article("Nested lists", repeat("- ", 50000) + "deep"));
  dir.write("articles/nested-brackets.md", article("Nested brackets", repeat("[", 50000) + "x" + repeat("](y)", 50000)));
  dir.write("articles/nested-emphasis.md", article("Nested emphasis", repeat("*a ", 100000)));
  // Billion laughs: nine levels of aliases, each ten times the one before.
  std::string laughs = "---\ntitle: \"Laughs\"\na: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n";
  for (char c = 'b'; c <= 'i'; ++c) {
    const char prev = static_cast<char>(c - 1);
    laughs += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) laughs += std::string(i ? "," : "") + "*" + prev;
    laughs += "]\n";
  }
  dir.write("articles/yaml-bomb.md", laughs + "tags: *i\naliases: *i\nsummary: *i\n---\nBody\n");
  dir.write("articles/yaml-bomb-unused.md", laughs + "---\nBody with unused aliases\n");
  dir.write("articles/invalid-utf8.md", article("Bad bytes", "caf\xC3 \xFF\xFE"));
  std::string binary;
  for (int i = 0; i < 4096; ++i) binary += static_cast<char>((i * 7919) & 0xFF);
  dir.write("articles/binary.md", binary);
  // A 1 GB file that costs no disk: sparse.
  {
    std::ofstream(articles / "huge.md").put('-');
    REQUIRE(::truncate((articles / "huge.md").c_str(), 1024L * 1024 * 1024) == 0);
  }
  std::filesystem::create_symlink("loop-b.md", articles / "loop-a.md");
  std::filesystem::create_symlink("loop-a.md", articles / "loop-b.md");
  std::filesystem::create_directory_symlink("..", articles / "parent-loop");
  std::filesystem::create_symlink("/dev/zero", articles / "zero.md");

  std::string out;
  const auto start = std::chrono::steady_clock::now();
  const int rc = run_program({KB_INDEX_BIN, "--articles", articles.string(), "--index", (dir / "index").string(), "-q"}, out);
  const auto took = std::chrono::steady_clock::now() - start;
  INFO(out);
  CHECK(rc == 1);  // documented: 1 when some articles were skipped
  CHECK(took < std::chrono::seconds(60));
  // One message per refused file, naming it.
  CHECK_THAT(out, Contains("huge.md:1: error: file is 1073741824 bytes, over the limit"));
  CHECK_THAT(out, Contains("invalid-utf8.md:4: error: invalid UTF-8"));
  CHECK_THAT(out, Contains("binary.md:1: error:"));
  CHECK_THAT(out, Contains("loop-a.md:1: error:"));
  CHECK_THAT(out, Contains("loop-b.md:1: error:"));
  CHECK_THAT(out, Contains("zero.md:1: error: not a regular file"));
  CHECK_THAT(out, Contains("yaml-bomb.md:"));

  // What was fine is searchable, deep nesting included.
  ServerProcess server({"--index", (dir / "index").string(), "--data", (dir / "data").string()});
  httplib::Client cli("127.0.0.1", server.port());
  for (const char* q : {"printer", "nested+quotes", "nested+lists", "nested+brackets", "nested+emphasis", "unused+aliases"}) {
    INFO(q);
    const auto res = cli.Get((std::string("/api/search?q=") + q).c_str());
    REQUIRE(res);
    REQUIRE(res->status == 200);
    CHECK_FALSE(json::parse(res->body)["results"].empty());
  }
  const auto page = cli.Get("/articles/nested-quotes");
  REQUIRE(page);
  CHECK(page->status == 200);
}
