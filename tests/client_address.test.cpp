/** @file client_address.test.cpp
 *  @brief Addresses as proxies write them, CIDR ranges, and the
 *  X-Forwarded-For walk: who the client is, and that a client cannot choose
 *  it.
 */
#include "kb/client_address.h"

#include <catch2/catch.hpp>

#include <stdexcept>

using namespace kb;
using Catch::Matchers::Contains;

namespace {

TrustedProxies trusting(std::initializer_list<const char*> ranges) {
  std::vector<AddressRange> parsed;
  for (const char* r : ranges) parsed.push_back(AddressRange::parse(r));
  return TrustedProxies(std::move(parsed));
}

}  // namespace

TEST_CASE("client address: addresses in the forms proxies write", "[client_address]") {
  struct Row {
    const char* text;
    const char* canonical;  // nullptr: not an address
  };
  const Row rows[] = {
      {"192.0.2.7", "192.0.2.7"},
      {"  192.0.2.7\t", "192.0.2.7"},
      {"192.0.2.7:4711", "192.0.2.7"},
      {"2001:db8::1", "2001:db8::1"},
      {"2001:DB8:0:0:0:0:0:1", "2001:db8::1"},
      {"[2001:db8::1]", "2001:db8::1"},
      {"[2001:db8::1]:443", "2001:db8::1"},
      {"::1", "::1"},
      {"::ffff:127.0.0.1", "127.0.0.1"},  // an IPv4 peer on a dual-stack socket
      {"", nullptr},
      {"unknown", nullptr},
      {"example.com", nullptr},
      {"_hidden", nullptr},
      {"192.0.2", nullptr},
      {"192.0.2.256", nullptr},
      {"0x7f.0.0.1", nullptr},
      {"192.0.2.7:", nullptr},
      {"192.0.2.7:http", nullptr},
      {"192.0.2.7:123456", nullptr},
      {"[192.0.2.7]", nullptr},
      {"[2001:db8::1", nullptr},
      {"[2001:db8::1]x", nullptr},
      {"fe80::1%eth0", nullptr},
      {"2001:db8::1::2", nullptr},
      {"1.2.3.4 5.6.7.8", nullptr},
      {"\x01\xff", nullptr},
  };
  for (const Row& row : rows) {
    INFO(row.text);
    const auto a = IpAddress::parse(row.text);
    if (row.canonical == nullptr) {
      CHECK_FALSE(a);
    } else {
      REQUIRE(a);
      CHECK(a->to_string() == row.canonical);
    }
  }
  CHECK_FALSE(IpAddress::parse(std::string(200, '1')));
  CHECK(*IpAddress::parse("::ffff:10.0.0.1") == *IpAddress::parse("10.0.0.1"));
}

TEST_CASE("client address: CIDR ranges, IPv4 and IPv6", "[client_address]") {
  struct Row {
    const char* range;
    const char* address;
    bool inside;
  };
  const Row rows[] = {
      {"127.0.0.1/32", "127.0.0.1", true},
      {"127.0.0.1/32", "127.0.0.2", false},
      {"127.0.0.1", "127.0.0.1", true},  // a bare address is /32
      {"10.0.0.0/8", "10.255.1.2", true},
      {"10.0.0.0/8", "11.0.0.1", false},
      {"172.16.0.0/12", "172.31.255.255", true},
      {"172.16.0.0/12", "172.32.0.0", false},
      {"192.168.1.128/25", "192.168.1.200", true},
      {"192.168.1.128/25", "192.168.1.127", false},
      {"0.0.0.0/0", "203.0.113.9", true},
      {"0.0.0.0/0", "2001:db8::1", false},  // an IPv4 range holds IPv4 only
      {"10.0.0.0/8", "::ffff:10.1.2.3", true},
      {"2001:db8::/32", "2001:db8:ffff::1", true},
      {"2001:db8::/32", "2001:db9::1", false},
      {"fd00::/8", "fdab:cd::1", true},
      {"::1/128", "::1", true},
      {"::1", "::2", false},
      {"::/0", "192.0.2.1", true},  // every address, IPv4 ones too
  };
  for (const Row& row : rows) {
    INFO(row.range << " contains " << row.address);
    CHECK(AddressRange::parse(row.range).contains(*IpAddress::parse(row.address)) == row.inside);
  }
  CHECK(AddressRange::parse(" 10.0.0.0/8 ").to_string() == "10.0.0.0/8");
  CHECK(AddressRange::parse("2001:DB8::/32").to_string() == "2001:db8::/32");
  CHECK(AddressRange::parse("127.0.0.1").to_string() == "127.0.0.1/32");
}

TEST_CASE("client address: a range that is not one says why", "[client_address]") {
  struct Row {
    const char* range;
    const char* message;
  };
  const Row rows[] = {
      {"", "is not an IPv4 or IPv6 address"},
      {"localhost", "is not an IPv4 or IPv6 address"},
      {"10.0.0.0/", "the prefix length must be 0-32"},
      {"10.0.0.0/33", "the prefix length must be 0-32"},
      {"10.0.0.0/-1", "the prefix length must be 0-32"},
      {"10.0.0.0/8x", "the prefix length must be 0-32"},
      {"2001:db8::/129", "the prefix length must be 0-128"},
      {"10.1.2.3/8", "bits set past its prefix length"},
      {"2001:db8::1/32", "bits set past its prefix length"},
      {"10.0.0.0:80/8", "is not an IPv4 or IPv6 address"},
      {"[::1]/128", "is not an IPv4 or IPv6 address"},
  };
  for (const Row& row : rows) {
    INFO(row.range);
    try {
      AddressRange::parse(row.range);
      FAIL("accepted");
    } catch (const std::invalid_argument& e) {
      CHECK_THAT(e.what(), Contains(row.message));
    }
  }
}

TEST_CASE("client address: the X-Forwarded-For walk", "[client_address]") {
  const TrustedProxies proxies = trusting({"127.0.0.1/32", "10.0.0.0/8", "fd00::/8"});
  struct Row {
    const char* peer;
    const char* forwarded_for;
    const char* client;
    const char* why;
  };
  const Row rows[] = {
      {"127.0.0.1", "203.0.113.5", "203.0.113.5", "one trusted proxy"},
      {"::ffff:127.0.0.1", "203.0.113.5", "203.0.113.5", "the proxy on a dual-stack socket"},
      {"127.0.0.1", "203.0.113.5, 10.1.1.1", "203.0.113.5", "two trusted proxies"},
      {"127.0.0.1", "2001:db8::7, fd00::2", "2001:db8::7", "IPv6 behind an IPv6 proxy"},
      {"127.0.0.1", "[2001:db8::7]:5555", "2001:db8::7", "a proxy that writes ports"},
      {"127.0.0.1", "203.0.113.5:61000", "203.0.113.5", "IPv4 with a port"},
      {"127.0.0.1", "198.51.100.1, 203.0.113.5", "203.0.113.5", "a spoofed entry left of the real one"},
      {"127.0.0.1", "10.9.9.9, 203.0.113.5", "203.0.113.5", "a spoofed trusted-looking entry"},
      {"127.0.0.1", "10.2.2.2, 10.1.1.1", "10.2.2.2", "all trusted: the furthest one"},
      {"127.0.0.1", "", "127.0.0.1", "no header: the peer"},
      {"127.0.0.1", "   ", "127.0.0.1", "a blank header: the peer"},
      {"127.0.0.1", "garbage", "127.0.0.1", "garbage: the last trusted hop"},
      {"127.0.0.1", "203.0.113.5, garbage, 10.1.1.1", "10.1.1.1", "garbage stops the walk"},
      {"127.0.0.1", "203.0.113.5,", "127.0.0.1", "an empty last entry"},
      {"127.0.0.1", ",,,,", "127.0.0.1", "only commas"},
      {"127.0.0.1", "unknown, 203.0.113.5", "203.0.113.5", "junk left of the client is never read"},
      {"127.0.0.1", "203.0.113.5\r\nX-Evil: 1", "127.0.0.1", "a smuggled line"},
      {"203.0.113.5", "198.51.100.1", "203.0.113.5", "an untrusted peer: the header is ignored"},
      {"203.0.113.5", "127.0.0.1", "203.0.113.5", "an untrusted peer cannot claim to be local"},
      {"2001:db8::7", "10.1.1.1", "2001:db8::7", "an untrusted IPv6 peer"},
      {"not-an-address", "203.0.113.5", "not-an-address", "a peer that is not an address"},
  };
  for (const Row& row : rows) {
    INFO(row.why);
    CHECK(proxies.client_address(row.peer, row.forwarded_for) == row.client);
  }
}

TEST_CASE("client address: without trusted proxies the header is never read", "[client_address]") {
  const TrustedProxies none;
  CHECK(none.empty());
  CHECK(none.client_address("127.0.0.1", "203.0.113.5") == "127.0.0.1");
  CHECK(none.client_address("::1", "2001:db8::7") == "::1");
}

TEST_CASE("client address: a very long header is walked without trouble", "[client_address]") {
  const TrustedProxies proxies = trusting({"127.0.0.1/32", "10.0.0.0/8"});
  std::string chain = "203.0.113.5";
  for (int i = 0; i < 2000; ++i) chain += ", 10.0.0.1";
  CHECK(proxies.client_address("127.0.0.1", chain) == "203.0.113.5");
  CHECK(proxies.client_address("127.0.0.1", std::string(100000, ',')) == "127.0.0.1");
}

TEST_CASE("client address: rate limits count an IPv6 client by its /64, an IPv4 one by its address", "[client_address]") {
  CHECK(rate_limit_key("192.0.2.7") == "192.0.2.7");
  CHECK(rate_limit_key("::ffff:192.0.2.7") == "192.0.2.7");  // an IPv4 peer on a dual-stack socket
  CHECK(rate_limit_key("192.0.2.8") != rate_limit_key("192.0.2.7"));
  // Hosts of one /64 choose their low bits freely: one client.
  CHECK(rate_limit_key("2001:db8:1:2::1") == "2001:db8:1:2::/64");
  CHECK(rate_limit_key("2001:db8:1:2:a:b:c:d") == "2001:db8:1:2::/64");
  CHECK(rate_limit_key("[2001:db8:1:2:ffff::9]:4711") == "2001:db8:1:2::/64");
  CHECK(rate_limit_key("2001:db8:1:3::1") == "2001:db8:1:3::/64");
  CHECK(rate_limit_key("::1") == "::/64");
  CHECK(rate_limit_key("unknown") == "unknown");
}
