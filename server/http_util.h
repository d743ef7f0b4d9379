/** @file http_util.h
 *  @brief HTTP details kb needs beyond httplib: form-style query decoding,
 *  cookies, CSRF tokens, same-origin checks, client keys, rate limits.
 */
#pragma once

#include <httplib.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace kb::server {

/// Parameters decoded as browsers encode forms ('+' is a space), from a
/// query string or an application/x-www-form-urlencoded body. httplib's
/// own parsing keeps '+' as is.
class QueryParams {
 public:
  QueryParams() = default;
  explicit QueryParams(const httplib::Request& req);  ///< the query string
  static QueryParams from_form(std::string_view body);

  std::string get(const std::string& key) const;  ///< first value, or ""
  std::vector<std::string> all(const std::string& key) const;
  bool has(const std::string& key) const { return values_.count(key) != 0; }

 private:
  void parse(std::string_view text);
  std::multimap<std::string, std::string> values_;
};

/// The value of cookie @p name, or "".
std::string cookie(const httplib::Request& req, const std::string& name);

/// Hex HMAC-SHA256 of @p message under @p key.
std::string hmac_sha256_hex(const std::string& key, const std::string& message);

/// Compares without an early exit, so timing does not reveal a prefix.
bool constant_time_equal(const std::string& a, const std::string& b);

/// A token that says when it was made and who may use it: the time
/// (Unix seconds) and an HMAC under @p secret of that time and @p purpose,
/// "1712345678.9f0c…". The time is signed, so a copy cannot be made
/// younger. The forms of people without a help session are such tokens.
std::string dated_token(const std::string& secret, const std::string& purpose, std::int64_t issued_s);

/// How far after now a token's time may be: clocks of replicas drift.
inline constexpr std::int64_t kTokenClockDriftS = 300;

/// Whether @p token is dated_token() for @p purpose, made at most
/// @p lifetime before @p now_s (and not more than kTokenClockDriftS after).
bool valid_dated_token(const std::string& secret, const std::string& purpose, const std::string& token,
                       std::int64_t now_s, std::chrono::seconds lifetime);

/// A dated token with @p nonce (letters and digits, signed with the rest)
/// in front, "nonce.1712345678.9f0c…": two issued for one purpose in the
/// same second differ, so each can be revoked alone. Sign-in cookies are
/// such tokens (@p purpose: the cookie's name and the staff token, so a
/// new token ends every sign-in).
std::string nonced_dated_token(const std::string& secret, const std::string& purpose, const std::string& nonce,
                               std::int64_t issued_s);

/// The issue time of @p token when it is a valid nonced_dated_token() for
/// @p purpose (as valid_dated_token); nullopt otherwise.
std::optional<std::int64_t> nonced_dated_token_issued(const std::string& secret, const std::string& purpose,
                                                      const std::string& token, std::int64_t now_s,
                                                      std::chrono::seconds lifetime);

/// The query an agent's link carries, "?ref=agent&ticket=…&sig=…": the
/// signature (an HMAC under @p secret of the ticket reference) lets
/// the article page tell a link an agent copied from one anyone typed, so
/// nobody can leave the statistics by adding ?ref=agent. The article's
/// slug is not signed: an old link still counts after a rename (the alias
/// redirect keeps the query).
std::string agent_link_query(const std::string& secret, const std::string& ticket);

/// Whether @p signature is the one agent_link_query() gives @p ticket.
bool valid_agent_link(const std::string& secret, const std::string& ticket, const std::string& signature);

/// True when the request came over HTTPS (directly or via a proxy that
/// says so in X-Forwarded-Proto).
bool is_https(const httplib::Request& req);

/// "https://help.example.com" from the request's Host (a Host with
/// characters that could break out of a URL becomes "localhost").
std::string site_origin(const httplib::Request& req);

/// "https://desk.example.com:8443" from an http or https URL; "" for any
/// other scheme, a user name in it, or a host with characters no host has.
std::string url_origin(const std::string& url);

/// False when Origin or Sec-Fetch-Site says another site sent the request.
bool is_same_origin(const httplib::Request& req);

/// Whether the request was made by one of this site's own pages (a link
/// followed or a form sent there): Sec-Fetch-Site "same-origin", or, from
/// a browser that does not send it, a Referer on this host. Not a typed
/// address, a bookmark or the history (Sec-Fetch-Site "none"), and never
/// another site.
bool from_own_page(const httplib::Request& req);

/// Language tags of an Accept-Language header, best first ("ko-KR,ko;q=0.9,
/// en;q=0.8" -> ko-kr, ko, en); "*" and q=0 entries are dropped.
std::vector<std::string> accept_languages(const std::string& header);

/// Every X-Forwarded-For line of the request, in order, joined with ","
/// (one list, as HTTP defines repeated header lines); "" when none.
std::string forwarded_for(const httplib::Request& req);

/// Crawlers and link previewers (chat apps, social sites, Office's link
/// checks): served but not counted in the statistics.
bool is_bot(const httplib::Request& req);

/// A page fetched ahead in case the person opens it (Sec-Purpose:
/// prefetch or prerender, Purpose: prefetch, X-Moz: prefetch): nobody has
/// read it yet.
bool is_prefetch(const httplib::Request& req);

/// Whether the request is a person's browser reading the help centre, the
/// only requests that start or continue a help session: a GET or a form's
/// POST (never HEAD) with a browser's User-Agent ("Mozilla/..."), no
/// crawler and no prefetch. Scripts, link previews and monitors are served
/// alike, but would each count as a session that found its answer.
bool counts_as_visit(const httplib::Request& req);

/// Sliding-window limit per key: at most @p limit hits per @p window.
class RateLimiter {
 public:
  RateLimiter(std::size_t limit, std::chrono::seconds window) : limit_(limit), window_(window) {}
  /// Records a hit; returns 0 when allowed, else seconds until one is.
  long hit(const std::string& key);
  /// What hit() would return, recording nothing.
  long wait(const std::string& key);

 private:
  /// Drops @p hits older than the window; the seconds until one more is allowed, or 0.
  long wait_in(std::deque<std::chrono::steady_clock::time_point>& hits, std::chrono::steady_clock::time_point now) const;

  std::size_t limit_;
  std::chrono::seconds window_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::deque<std::chrono::steady_clock::time_point>> hits_;
};

}  // namespace kb::server
