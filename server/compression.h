/** @file compression.h
 *  @brief Response bodies, gzip-encoded when the client accepts it.
 *
 *  httplib, as Debian builds it, compresses every text response itself,
 *  per request, preferring brotli at its slowest setting: an article page
 *  cost about 10 ms of CPU and kb.js 20 ms, which held a browser's
 *  throughput at about 100 pages/s. kb sets the encoding itself instead:
 *  gzip made once per revision for what it caches (pages, search answers,
 *  static files), gzip at the default level otherwise. httplib decides
 *  from the request's Accept-Encoding, so that header is taken out of its
 *  sight before routing (hide_accept_encoding) and read from where it was
 *  put (accepts_gzip).
 */
#pragma once

#include <httplib.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace kb::server {

/// Before routing: moves Accept-Encoding where httplib does not look.
void hide_accept_encoding(const httplib::Request& req);

/// True when the Accept-Encoding the client sent allows gzip (gzip,
/// x-gzip or *, not q=0). Only after hide_accept_encoding().
bool accepts_gzip(const httplib::Request& req);

/// A body and, for bodies worth compressing, its gzip (else "").
struct EncodedBody {
  std::string identity;
  std::string gzip;
  std::size_t bytes() const { return identity.size() + gzip.size(); }
};

/// @p body with its gzip when it is large enough to gain from one and
/// @p with_gzip (false: nobody will be sent the gzip, do not make it).
EncodedBody encode_body(std::string body, bool with_gzip = true);

/// Sends @p body as the response (@p type), gzip when there is one and the
/// client accepts it; says Vary: Accept-Encoding. A request with a Range
/// gets the identity body (httplib takes the range of it).
void send_encoded(const httplib::Request& req, httplib::Response& res, std::shared_ptr<const EncodedBody> body,
                  const std::string& type);

/// The headers of a body chosen by Accept-Encoding: Vary, and
/// Content-Encoding when it is the gzip one.
void set_encoding_headers(httplib::Response& res, bool gzip);

/// After a handler: a text body is gzipped now when the client accepts it.
void finish_encoding(const httplib::Request& req, httplib::Response& res);

/// Static files, read again by httplib on every request: their gzip is
/// kept by path for as long as the file's bytes stay the same.
class StaticGzipCache {
 public:
  void finish(const httplib::Request& req, httplib::Response& res);

 private:
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<const EncodedBody>> by_path_;
};

}  // namespace kb::server
