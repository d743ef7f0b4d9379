/** @file http_util.cpp
 *  @brief Cookies, CSRF, origins, rate limits.
 */
#include "http_util.h"

#include "kb/text.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace kb::server {

QueryParams::QueryParams(const httplib::Request& req) {
  const std::size_t q = req.target.find('?');
  if (q != std::string::npos) parse(std::string_view(req.target).substr(q + 1));
}

QueryParams QueryParams::from_form(std::string_view body) {
  QueryParams p;
  p.parse(body);
  return p;
}

void QueryParams::parse(std::string_view rest) {
  rest = rest.substr(0, rest.find('#'));
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    std::string key = httplib::detail::decode_url(std::string(pair.substr(0, eq)), true);
    std::string value =
        eq == std::string_view::npos ? std::string() : httplib::detail::decode_url(std::string(pair.substr(eq + 1)), true);
    values_.emplace(std::move(key), std::move(value));
  }
}

std::string QueryParams::get(const std::string& key) const {
  const auto it = values_.find(key);
  return it == values_.end() ? std::string() : it->second;
}

std::vector<std::string> QueryParams::all(const std::string& key) const {
  std::vector<std::string> out;
  const auto [from, to] = values_.equal_range(key);
  for (auto it = from; it != to; ++it) out.push_back(it->second);
  return out;
}

std::string cookie(const httplib::Request& req, const std::string& name) {
  const std::size_t n = req.get_header_value_count("Cookie");
  for (std::size_t i = 0; i < n; ++i) {
    const std::string header = req.get_header_value("Cookie", i);
    std::string_view rest = header;
    while (!rest.empty()) {
      const std::size_t semi = rest.find(';');
      const std::string_view pair = trim(rest.substr(0, semi));
      rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
      const std::size_t eq = pair.find('=');
      if (eq != std::string_view::npos && pair.substr(0, eq) == name) return std::string(pair.substr(eq + 1));
    }
  }
  return {};
}

std::string hmac_sha256_hex(const std::string& key, const std::string& message) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(message.data()),
       message.size(), out, &len);
  static const char hex[] = "0123456789abcdef";
  std::string s;
  for (unsigned int i = 0; i < len; ++i) {
    s += hex[out[i] >> 4];
    s += hex[out[i] & 0xFu];
  }
  return s;
}

bool constant_time_equal(const std::string& a, const std::string& b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  const std::size_t n = std::max(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff = static_cast<unsigned char>(diff | (x ^ y));
  }
  return diff == 0;
}

namespace {

std::string agent_link_signature(const std::string& secret, const std::string& ticket) {
  // 64 bits: forging one still means guessing an HMAC.
  return hmac_sha256_hex(secret, "agent-link:" + ticket).substr(0, 16);
}

}  // namespace

std::string agent_link_query(const std::string& secret, const std::string& ticket) {
  return "?ref=agent" + (ticket.empty() ? std::string() : "&ticket=" + url_encode(ticket)) +
         "&sig=" + agent_link_signature(secret, ticket);
}

bool valid_agent_link(const std::string& secret, const std::string& ticket, const std::string& signature) {
  return constant_time_equal(signature, agent_link_signature(secret, ticket));
}

std::string dated_token(const std::string& secret, const std::string& purpose, std::int64_t issued_s) {
  const std::string issued = std::to_string(issued_s);
  return issued + "." + hmac_sha256_hex(secret, "dated:" + issued + ":" + purpose);
}

bool valid_dated_token(const std::string& secret, const std::string& purpose, const std::string& value,
                       std::int64_t now_s, std::chrono::seconds lifetime) {
  const std::size_t dot = value.find('.');
  if (dot == 0 || dot == std::string::npos || dot > 12) return false;
  if (!std::all_of(value.begin(), value.begin() + static_cast<std::ptrdiff_t>(dot), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  const std::int64_t issued = std::stoll(value.substr(0, dot));
  if (issued > now_s + kTokenClockDriftS || now_s - issued > lifetime.count()) return false;
  return constant_time_equal(value, dated_token(secret, purpose, issued));
}

std::string nonced_dated_token(const std::string& secret, const std::string& purpose, const std::string& nonce,
                               std::int64_t issued_s) {
  return nonce + "." + dated_token(secret, purpose + ":" + nonce, issued_s);
}

std::optional<std::int64_t> nonced_dated_token_issued(const std::string& secret, const std::string& purpose,
                                                      const std::string& value, std::int64_t now_s,
                                                      std::chrono::seconds lifetime) {
  const std::size_t dot = value.find('.');
  if (dot == 0 || dot == std::string::npos || dot > 64) return std::nullopt;
  const std::string nonce = value.substr(0, dot);
  if (!std::all_of(nonce.begin(), nonce.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; })) {
    return std::nullopt;
  }
  const std::string dated = value.substr(dot + 1);
  if (!valid_dated_token(secret, purpose + ":" + nonce, dated, now_s, lifetime)) return std::nullopt;
  return std::stoll(dated.substr(0, dated.find('.')));  // digits, checked by valid_dated_token
}

bool is_https(const httplib::Request& req) {
  return to_lower(req.get_header_value("X-Forwarded-Proto")) == "https";
}

std::string site_origin(const httplib::Request& req) {
  std::string host = req.get_header_value("Host");
  if (host.empty() || host.size() > 255 || host.find_first_of("<>\"'& /\\") != std::string::npos) host = "localhost";
  return (is_https(req) ? "https://" : "http://") + host;
}

std::string url_origin(const std::string& url) {
  const std::size_t colon = url.find("://");
  if (colon == std::string::npos) return "";
  const std::string scheme = to_lower(url.substr(0, colon));
  if (scheme != "http" && scheme != "https") return "";
  const std::size_t start = colon + 3;
  const std::size_t end = std::min(url.find_first_of("/?#", start), url.size());
  const std::string authority = to_lower(url.substr(start, end - start));
  const bool plain = !authority.empty() && authority.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-:[]") == std::string::npos;
  return plain ? scheme + "://" + authority : "";
}

namespace {

/// Whether the address @p url ("https://help.example.com/x", or an Origin
/// without its path) names the host the request was sent to.
bool on_request_host(const std::string& url, const httplib::Request& req) {
  const std::size_t scheme = url.find("://");
  const std::string rest = scheme == std::string::npos ? url : url.substr(scheme + 3);
  return to_lower(rest.substr(0, rest.find('/'))) == to_lower(req.get_header_value("Host"));
}

}  // namespace

bool is_same_origin(const httplib::Request& req) {
  const std::string site = req.get_header_value("Sec-Fetch-Site");
  if (site == "cross-site" || site == "same-site") return false;
  const std::string origin = req.get_header_value("Origin");
  if (origin.empty() || origin == "null") return origin.empty();
  return on_request_host(origin, req);
}

bool from_own_page(const httplib::Request& req) {
  const std::string site = req.get_header_value("Sec-Fetch-Site");
  if (!site.empty()) return site == "same-origin";
  const std::string referer = req.get_header_value("Referer");
  return referer.find("://") != std::string::npos && on_request_host(referer, req);
}

std::vector<std::string> accept_languages(const std::string& header) {
  std::vector<std::pair<double, std::string>> ranked;
  std::string_view rest = header;
  std::size_t order = 0;
  while (!rest.empty() && ranked.size() < 20) {
    const std::size_t comma = rest.find(',');
    const std::string_view item = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    const std::size_t semi = item.find(';');
    const std::string tag = to_lower(trim(item.substr(0, semi)));
    double q = 1.0;
    if (semi != std::string_view::npos) {
      const std::string_view param = trim(item.substr(semi + 1));
      if (param.rfind("q=", 0) == 0) q = std::atof(std::string(param.substr(2)).c_str());
    }
    // Stable order for equal q: earlier entries first.
    if (!tag.empty() && tag != "*" && q > 0 && tag.size() <= 35) ranked.emplace_back(q - 1e-6 * static_cast<double>(order++), tag);
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<std::string> out;
  for (auto& [q, tag] : ranked) out.push_back(std::move(tag));
  return out;
}

std::string forwarded_for(const httplib::Request& req) {
  std::string joined;
  const auto lines = req.headers.equal_range("X-Forwarded-For");
  for (auto it = lines.first; it != lines.second; ++it) {
    if (!joined.empty()) joined += ',';
    joined += it->second;
  }
  return joined;
}

bool is_bot(const httplib::Request& req) {
  const std::string ua = to_lower(req.get_header_value("User-Agent"));
  // "bot" alone covers Googlebot, bingbot, Slackbot, Twitterbot,
  // LinkedInBot, Discordbot, TelegramBot; they are named anyway so that
  // the list says what it is meant to catch. Not HeadlessChrome: the
  // browser tests read the help centre with it, as a person would.
  for (const char* marker :
       {"bot", "crawler", "spider", "slurp", "headlesschrome/ping", "facebookexternalhit", "slackbot", "twitterbot",
        "linkedinbot", "whatsapp", "discordbot", "telegrambot", "microsoft office", "ms-office",
        "google-inspectiontool", "bingpreview", "preview",
        // PowerShell's Invoke-WebRequest says "Mozilla/5.0 (...) PowerShell/7.4":
        // health checks and link checkers, in an IT department above all.
        "powershell"}) {
    if (ua.find(marker) != std::string::npos) return true;
  }
  return false;
}

bool is_prefetch(const httplib::Request& req) {
  const std::string purpose = to_lower(req.get_header_value("Sec-Purpose") + " " + req.get_header_value("Purpose") +
                                       " " + req.get_header_value("X-Moz"));
  return purpose.find("prefetch") != std::string::npos || purpose.find("prerender") != std::string::npos;
}

bool counts_as_visit(const httplib::Request& req) {
  if (req.method != "GET" && req.method != "POST") return false;  // HEAD: a link checker, nobody reading
  if (req.get_header_value("User-Agent").rfind("Mozilla/", 0) != 0) return false;
  return !is_bot(req) && !is_prefetch(req);
}

long RateLimiter::wait_in(std::deque<std::chrono::steady_clock::time_point>& hits,
                          std::chrono::steady_clock::time_point now) const {
  while (!hits.empty() && now - hits.front() >= window_) hits.pop_front();
  if (hits.size() < limit_) return 0;
  const auto wait = std::chrono::duration_cast<std::chrono::seconds>(window_ - (now - hits.front())).count();
  return std::max<long>(1, static_cast<long>(wait));
}

long RateLimiter::wait(const std::string& key) {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = hits_.find(key);
  return it == hits_.end() ? 0 : wait_in(it->second, std::chrono::steady_clock::now());
}

long RateLimiter::hit(const std::string& key) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> lock(mutex_);
  auto& q = hits_[key];
  if (const long wait = wait_in(q, now)) return wait;
  q.push_back(now);
  if (hits_.size() > 100000) {
    for (auto it = hits_.begin(); it != hits_.end();) {
      it = (it->second.empty() || now - it->second.back() >= window_) ? hits_.erase(it) : std::next(it);
    }
  }
  return 0;
}

}  // namespace kb::server
