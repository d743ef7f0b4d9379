/** @file client_address.h
 *  @brief Who the client is behind reverse proxies: address ranges
 *  ("10.0.0.0/8", "::1/128") and the X-Forwarded-For walk that only
 *  believes the proxies it was told to trust.
 *
 *  Each proxy appends the address it was connected from to
 *  X-Forwarded-For, so the header reads "client, proxy1, proxy2" and the
 *  server sees proxy3 (or the client) as its peer. Anything left of the
 *  first entry a trusted proxy wrote may be invented by the client, so the
 *  walk goes from the right and stops at the first address that is not a
 *  trusted proxy.
 */
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kb {

/// An IPv4 or IPv6 address in network byte order. IPv4 is kept as its
/// IPv4-mapped IPv6 form (::ffff:a.b.c.d), so "127.0.0.1" and
/// "::ffff:127.0.0.1" (an IPv4 peer on a dual-stack socket) are equal.
struct IpAddress {
  std::array<std::uint8_t, 16> bytes{};
  bool is_v4 = false;

  /// "192.0.2.7", "2001:db8::1"; also the forms proxies write: with a port
  /// ("192.0.2.7:4711", "[2001:db8::1]:4711") or in brackets. Surrounding
  /// spaces are ignored. Anything else (names, "unknown", zones) is nullopt.
  static std::optional<IpAddress> parse(std::string_view text);
  /// Canonical text: "192.0.2.7", "2001:db8::1".
  std::string to_string() const;
  bool operator==(const IpAddress& other) const { return bytes == other.bytes; }
};

/// Who a rate limit counts @p address as: an IPv4 address itself, an IPv6
/// address by its /64 ("2001:db8:1:2::/64"). A subscriber is given a whole
/// /64 and its hosts pick the low 64 bits freely, so a limit per IPv6
/// address is one that any client can step around. Text that is not an
/// address is its own key.
std::string rate_limit_key(std::string_view address);

/// A network: an address and a prefix length ("10.0.0.0/8"; a bare
/// address is the one-address network /32 or /128).
class AddressRange {
 public:
  /// Throws std::invalid_argument saying what is wrong with @p cidr.
  static AddressRange parse(std::string_view cidr);
  bool contains(const IpAddress& address) const;
  std::string to_string() const;

 private:
  IpAddress network_;
  int prefix_ = 0;  ///< of the 128-bit form: an IPv4 /8 is 104 here
};

/// The proxies whose X-Forwarded-For is believed.
class TrustedProxies {
 public:
  TrustedProxies() = default;
  explicit TrustedProxies(std::vector<AddressRange> ranges) : ranges_(std::move(ranges)) {}

  bool empty() const { return ranges_.empty(); }
  bool trusts(const IpAddress& address) const;

  /// The client's address for a request from @p peer carrying
  /// @p forwarded_for (every X-Forwarded-For line joined with ","; "" when
  /// none). When the peer is not trusted, the header is ignored: it is the
  /// peer. Otherwise it is the right-most entry that is not a trusted
  /// proxy; the left-most when all are. An entry that is not an address
  /// ends the walk at the last trusted hop, so garbage never yields an
  /// address nobody connected from. Returns @p peer as given when it is
  /// not an address itself.
  std::string client_address(std::string_view peer, std::string_view forwarded_for) const;

 private:
  std::vector<AddressRange> ranges_;
};

}  // namespace kb
