/** @file client_address.cpp
 *  @brief Address parsing with inet_pton, ranges as prefix compares, and
 *  the right-to-left X-Forwarded-For walk.
 */
#include "kb/client_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <stdexcept>

namespace kb {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool all_digits(std::string_view s, std::size_t max_length) {
  return !s.empty() && s.size() <= max_length &&
         std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// Dotted-quad IPv4 or IPv6 text and nothing else (no port, brackets, zone).
std::optional<IpAddress> parse_plain(std::string_view text) {
  // The longest IPv6 text is 45 characters; longer input is not an address.
  if (text.empty() || text.size() > 45) return std::nullopt;
  const std::string z(text);  // inet_pton wants a terminated string
  IpAddress a;
  if (z.find(':') == std::string::npos) {
    in_addr v4{};
    if (inet_pton(AF_INET, z.c_str(), &v4) != 1) return std::nullopt;
    a.bytes[10] = a.bytes[11] = 0xff;
    std::copy_n(reinterpret_cast<const std::uint8_t*>(&v4), 4, a.bytes.begin() + 12);
    a.is_v4 = true;
    return a;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, z.c_str(), &v6) != 1) return std::nullopt;
  std::copy_n(reinterpret_cast<const std::uint8_t*>(&v6), 16, a.bytes.begin());
  static constexpr std::uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  a.is_v4 = std::equal(std::begin(mapped), std::end(mapped), a.bytes.begin());
  return a;
}

}  // namespace

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  text = trim(text);
  if (!text.empty() && text.front() == '[') {  // "[v6]" or "[v6]:port"
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty() && (rest.front() != ':' || !all_digits(rest.substr(1), 5))) return std::nullopt;
    auto a = parse_plain(text.substr(1, close - 1));
    if (a && a->is_v4) return std::nullopt;  // brackets are for IPv6
    return a;
  }
  const std::size_t colon = text.find(':');
  if (colon != std::string_view::npos && text.find(':', colon + 1) == std::string_view::npos) {
    // One colon: "a.b.c.d:port" (IPv6 has at least two).
    if (!all_digits(text.substr(colon + 1), 5)) return std::nullopt;
    auto a = parse_plain(text.substr(0, colon));
    if (a && !a->is_v4) return std::nullopt;
    return a;
  }
  return parse_plain(text);
}

std::string IpAddress::to_string() const {
  char buffer[INET6_ADDRSTRLEN] = {};
  if (is_v4) {
    inet_ntop(AF_INET, bytes.data() + 12, buffer, sizeof buffer);
  } else {
    inet_ntop(AF_INET6, bytes.data(), buffer, sizeof buffer);
  }
  return buffer;
}

AddressRange AddressRange::parse(std::string_view cidr) {
  const std::string text(trim(cidr));
  const std::size_t slash = text.find('/');
  const auto address = parse_plain(text.substr(0, slash));
  if (!address) {
    throw std::invalid_argument("\"" + text + "\" is not an IPv4 or IPv6 address or CIDR range (like 10.0.0.0/8)");
  }
  const int bits = address->is_v4 ? 32 : 128;
  int prefix = bits;
  if (slash != std::string::npos) {
    const std::string length = text.substr(slash + 1);
    if (!all_digits(length, 3) || std::stoi(length) > bits) {
      throw std::invalid_argument("\"" + text + "\": the prefix length must be 0-" + std::to_string(bits));
    }
    prefix = std::stoi(length);
  }
  AddressRange range;
  range.network_ = *address;
  range.prefix_ = prefix + (address->is_v4 ? 96 : 0);
  // Host bits set ("10.1.2.3/8") is most likely a typo for another range.
  for (auto bit = static_cast<std::size_t>(range.prefix_); bit < 128; ++bit) {
    if (range.network_.bytes[bit / 8] & (0x80u >> (bit % 8))) {
      throw std::invalid_argument("\"" + text + "\" has bits set past its prefix length (a network address, like " +
                                  "10.0.0.0/8, is expected)");
    }
  }
  return range;
}

bool AddressRange::contains(const IpAddress& address) const {
  const auto whole = static_cast<std::size_t>(prefix_ / 8);
  for (std::size_t i = 0; i < whole; ++i) {
    if (network_.bytes[i] != address.bytes[i]) return false;
  }
  const int rest = prefix_ % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (network_.bytes[whole] & mask) == (address.bytes[whole] & mask);
}

std::string AddressRange::to_string() const {
  return network_.to_string() + "/" + std::to_string(network_.is_v4 ? prefix_ - 96 : prefix_);
}

bool TrustedProxies::trusts(const IpAddress& address) const {
  return std::any_of(ranges_.begin(), ranges_.end(), [&](const AddressRange& r) { return r.contains(address); });
}

std::string TrustedProxies::client_address(std::string_view peer, std::string_view forwarded_for) const {
  const auto peer_address = IpAddress::parse(peer);
  if (!peer_address || !trusts(*peer_address)) return std::string(peer);
  std::string last_trusted = peer_address->to_string();
  std::string_view rest = forwarded_for;
  while (!trim(rest).empty()) {
    const std::size_t comma = rest.rfind(',');
    const std::string_view entry = comma == std::string_view::npos ? rest : rest.substr(comma + 1);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(0, comma);
    const auto hop = IpAddress::parse(entry);
    if (!hop) return last_trusted;
    if (!trusts(*hop)) return hop->to_string();
    last_trusted = hop->to_string();
  }
  return last_trusted;
}

std::string rate_limit_key(std::string_view address) {
  std::optional<IpAddress> ip = IpAddress::parse(address);
  if (!ip) return std::string(address);
  if (ip->is_v4) return ip->to_string();
  std::fill(ip->bytes.begin() + 8, ip->bytes.end(), std::uint8_t{0});
  return ip->to_string() + "/64";
}

}  // namespace kb
