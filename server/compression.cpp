/** @file compression.cpp
 *  @brief Choosing and sending a response's encoding.
 */
#include "compression.h"

#include "kb/page_shell.h"
#include "kb/text.h"

#include <string_view>

namespace kb::server {

namespace {

/// Where hide_accept_encoding() keeps what the client accepts.
constexpr const char* kAcceptedEncodings = "X-Kb-Accepted-Encodings";

/// Below this, gzip's header and the work are not worth it (one packet).
constexpr std::size_t kMinGzipBytes = 1024;

/// Types httplib would compress itself (text/*, JSON, XML, JavaScript, SVG).
bool is_compressible(const std::string& type) {
  const std::string t = to_lower(type.substr(0, type.find(';')));
  return t.rfind("text/", 0) == 0 || t == "application/json" || t == "application/javascript" ||
         t == "application/xml" || t == "application/xhtml+xml" || t == "image/svg+xml" ||
         t == "application/opensearchdescription+xml";
}

std::string_view strip(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

/// "q=0", "q=0.0", "q=0.000": the client refuses this coding.
bool refused(std::string_view params) {
  while (!params.empty()) {
    const std::size_t semi = params.find(';');
    std::string_view p = strip(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view() : params.substr(semi + 1);
    if (p.size() < 2 || (p[0] != 'q' && p[0] != 'Q') || p[1] != '=') continue;
    p.remove_prefix(2);
    return !p.empty() && p.find_first_not_of("0.") == std::string_view::npos;
  }
  return false;
}

}  // namespace

bool accepts_gzip(const httplib::Request& req) {
  const std::string header = to_lower(req.get_header_value(kAcceptedEncodings));
  std::string_view rest = header;
  while (!rest.empty()) {
    const std::size_t comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    const std::size_t semi = item.find(';');
    const std::string_view coding = strip(item.substr(0, semi));
    if (coding != "gzip" && coding != "x-gzip" && coding != "*") continue;
    if (!refused(semi == std::string_view::npos ? std::string_view() : item.substr(semi + 1))) return true;
  }
  return false;
}

EncodedBody encode_body(std::string body, bool with_gzip) {
  EncodedBody out;
  if (with_gzip && body.size() >= kMinGzipBytes) out.gzip = gzip_compress(body);
  out.identity = std::move(body);
  return out;
}

void hide_accept_encoding(const httplib::Request& req) {
  // httplib builds the Request as a mutable object and hands it on as
  // const: changing its headers here is well-defined.
  auto& headers = const_cast<httplib::Headers&>(req.headers);
  headers.erase(kAcceptedEncodings);  // only kb sets it
  std::string accepted;
  const auto [first, last] = headers.equal_range("Accept-Encoding");  // names compare case-blind
  for (auto it = first; it != last; ++it) accepted += (accepted.empty() ? "" : ",") + it->second;
  headers.erase(first, last);
  if (!accepted.empty()) headers.emplace(kAcceptedEncodings, accepted);
}

void send_encoded(const httplib::Request& req, httplib::Response& res, std::shared_ptr<const EncodedBody> body,
                  const std::string& type) {
  // Ranges are of the identity bytes (httplib applies them to the body).
  const bool gzip = !body->gzip.empty() && req.ranges.empty() && accepts_gzip(req);
  res.set_content(gzip ? body->gzip : body->identity, type);
  set_encoding_headers(res, gzip);
}

void set_encoding_headers(httplib::Response& res, bool gzip) {
  res.set_header("Vary", "Accept-Encoding");
  if (gzip) res.set_header("Content-Encoding", "gzip");
}

void finish_encoding(const httplib::Request& req, httplib::Response& res) {
  if (res.body.empty() || res.has_header("Content-Encoding") || !req.ranges.empty()) return;
  const std::string type = res.get_header_value("Content-Type");
  if (!is_compressible(type) || !accepts_gzip(req)) return;
  auto body = std::make_shared<const EncodedBody>(encode_body(std::move(res.body)));
  res.body.clear();
  send_encoded(req, res, std::move(body), type);
}

void StaticGzipCache::finish(const httplib::Request& req, httplib::Response& res) {
  const std::string type = res.get_header_value("Content-Type");
  if (res.body.empty() || !is_compressible(type)) return;
  std::shared_ptr<const EncodedBody> body;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto found = by_path_.find(req.path);
    if (found != by_path_.end() && found->second->identity == res.body) body = found->second;
  }
  if (!body) {
    auto fresh = std::make_shared<const EncodedBody>(encode_body(res.body));
    std::lock_guard<std::mutex> lock(mutex_);
    if (by_path_.size() < 1000) by_path_[req.path] = fresh;  // a theme holds tens of files
    body = std::move(fresh);
  }
  send_encoded(req, res, std::move(body), type);
}

}  // namespace kb::server
