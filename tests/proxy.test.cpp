/** @file proxy.test.cpp
 *  @brief Integration: kb-server behind a reverse proxy (--trusted-proxy).
 *  The per-address limits count the client X-Forwarded-For names when the
 *  peer is trusted, ignore the header otherwise, cannot be dodged by a
 *  client writing its own entries, and no header value gives a 5xx.
 */
#include "support/browser.h"
#include "support/search_site.h"
#include "support/server_process.h"

#include <catch2/catch.hpp>
#include <httplib.h>
#include <nlohmann/json.hpp>

using namespace kb::test;
using nlohmann::json;

namespace {

using Site = SearchSite;

/// What a proxy on this host sends for a client at @p address that wrote
/// @p claimed itself (nginx's $proxy_add_x_forwarded_for appends).
httplib::Headers via_proxy(const std::string& address, const std::string& claimed = "") {
  return {{"X-Forwarded-For", claimed.empty() ? address : claimed + ", " + address}};
}

int status(const httplib::Result& res) { return res ? res->status : -1; }

}  // namespace

TEST_CASE("behind a trusted proxy, each forwarded client has its own limits", "[proxy][server]") {
  Site site;
  ServerProcess server(site.args({"--trusted-proxy", "127.0.0.1/32", "--searches-per-address-minute", "3",
                                  "--tickets-per-address-hour", "1"}));
  Browser b(server.port());
  const auto alice = via_proxy("203.0.113.5");
  for (int i = 0; i < 3; ++i) CHECK(status(b.get("/api/search?q=printer", alice)) == 200);
  CHECK(status(b.get("/api/search?q=printer", alice)) == 429);
  // Another client behind the same proxy is not held back by the first.
  CHECK(status(b.get("/api/search?q=printer", via_proxy("2001:db8::7"))) == 200);
  // An IPv6 client is its /64: new low bits for every request do not
  // make it a new client. Another /64 is.
  CHECK(status(b.get("/api/search?q=printer", via_proxy("2001:db8::8"))) == 200);
  CHECK(status(b.get("/api/search?q=printer", via_proxy("2001:db8::abcd:1234"))) == 200);
  CHECK(status(b.get("/api/search?q=printer", via_proxy("2001:db8::9:9:9:9"))) == 429);
  CHECK(status(b.get("/api/search?q=printer", via_proxy("2001:db8:0:1::7"))) == 200);
  // The first client inventing earlier hops is still the first client.
  CHECK(status(b.get("/api/search?q=printer", via_proxy("203.0.113.5", "198.51.100.99"))) == 429);
  CHECK(status(b.get("/api/search?q=printer", via_proxy("203.0.113.5", "198.51.100.99, 127.0.0.1"))) == 429);

  const std::string ticket = json{{"subject", "VPN drops"}, {"description", "x"}, {"email", "a@example.com"}}.dump();
  CHECK(status(b.post_json("/api/tickets", ticket, via_proxy("203.0.113.5"))) == 201);
  CHECK(status(b.post_json("/api/tickets", ticket, via_proxy("203.0.113.5"))) == 429);
  CHECK(status(b.post_json("/api/tickets", ticket, via_proxy("198.51.100.20"))) == 201);
}

TEST_CASE("without --trusted-proxy, X-Forwarded-For changes nothing", "[proxy][server]") {
  Site site;
  ServerProcess server(site.args({"--searches-per-address-minute", "2"}));
  Browser b(server.port());
  CHECK(status(b.get("/api/search?q=printer", via_proxy("203.0.113.1"))) == 200);
  CHECK(status(b.get("/api/search?q=printer", via_proxy("203.0.113.2"))) == 200);
  // A client rotating the header is still one address.
  CHECK(status(b.get("/api/search?q=printer", via_proxy("203.0.113.3"))) == 429);
  CHECK(status(b.get("/api/search?q=printer")) == 429);
}

TEST_CASE("no X-Forwarded-For value gives a 5xx and garbage gets no limit of its own", "[proxy][server]") {
  Site site;
  ServerProcess server(site.args({"--trusted-proxy", "127.0.0.1/32,::1/128", "--searches-per-address-minute", "40"}));
  Browser b(server.port());
  const std::vector<std::string> garbage{"",
                                         ",,,,",
                                         "unknown",
                                         "[::1",
                                         "999.1.1.1",
                                         "1.2.3.4:99999999",
                                         "fe80::1%eth0",
                                         "\xff\xfe\x80",
                                         std::string(6000, '9'),
                                         std::string(3000, ','),
                                         "_obfuscated, 203.0.113.9 junk",
                                         "127.0.0.1, 127.0.0.1, ::1"};
  for (const std::string& value : garbage) {
    INFO(value.substr(0, 40));
    const auto res = b.get("/api/search?q=printer", {{"X-Forwarded-For", value}});
    CHECK(status(res) == 200);
  }
  for (int i = 0; i < 40 - static_cast<int>(garbage.size()); ++i) {
    REQUIRE(status(b.get("/api/search?q=printer", {{"X-Forwarded-For", "junk"}})) == 200);
  }
  // Every value above was counted against the proxy's own address.
  CHECK(status(b.get("/api/search?q=printer")) == 429);
  // Two header lines are one list, read from the right across both lines
  // (the first line alone, or the last alone, would name the proxy).
  CHECK(status(b.get("/api/search?q=printer", {{"X-Forwarded-For", "127.0.0.1"}, {"X-Forwarded-For", "203.0.113.78"}})) ==
        200);
  CHECK(status(b.get("/api/search?q=printer", {{"X-Forwarded-For", "203.0.113.79"}, {"X-Forwarded-For", "127.0.0.1"}})) ==
        200);
}

TEST_CASE("a trusted local proxy does not open /metrics to the clients it forwards", "[proxy][server]") {
  Site site;
  ServerProcess server(site.args({"--trusted-proxy", "127.0.0.1/32"}));
  Browser b(server.port());
  CHECK(status(b.get("/metrics")) == 200);
  CHECK(status(b.get("/metrics", via_proxy("127.0.0.1"))) == 200);
  CHECK(status(b.get("/metrics", via_proxy("203.0.113.5"))) == 403);
  CHECK(status(b.get("/metrics", via_proxy("203.0.113.5", "127.0.0.1"))) == 403);
}
