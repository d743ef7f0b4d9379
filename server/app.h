/** @file app.h
 *  @brief kb-server's HTTP layer: the route table and the handlers, thin
 *  adapters between HTTP and the core library.
 */
#pragma once

#include "kb/searcher.h"
#include "kb/templates.h"
#include "kb/views.h"

#include <httplib.h>

#include <filesystem>
#include <map>
#include <vector>
#include <memory>
#include <string>

namespace kb::server {

struct Config {
  std::filesystem::path index_dir = "var/index";
  std::filesystem::path data_dir = "var";
  std::filesystem::path web_dir;
  std::string bind = "127.0.0.1";
  int port = 8080;
  int threads = 8;
};

/// An error a handler wants turned into a status and message.
class HttpError : public std::runtime_error {
 public:
  HttpError(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

/// Query parameters decoded as browsers encode forms ('+' is a space),
/// which httplib's own parsing does not do.
class QueryParams {
 public:
  explicit QueryParams(const httplib::Request& req);
  std::string get(const std::string& key) const;  ///< first value, or ""
  std::vector<std::string> all(const std::string& key) const;
  bool has(const std::string& key) const { return values_.count(key) != 0; }

 private:
  std::multimap<std::string, std::string> values_;
};

class App {
 public:
  explicit App(Config config);

  /// Registers every route and the error handlers on @p server.
  void install(httplib::Server& server);

  const Config& config() const { return config_; }

 private:
  // Handlers, named by verb and resource.
  void get_home(const httplib::Request& req, httplib::Response& res);
  void get_search_page(const httplib::Request& req, httplib::Response& res);
  void get_search_api(const httplib::Request& req, httplib::Response& res);
  void get_article(const httplib::Request& req, httplib::Response& res);
  void get_healthz(const httplib::Request& req, httplib::Response& res);

  /// This thread's searcher, refreshed to the newest committed revision.
  Searcher& searcher();
  SearchRequest search_request(const QueryParams& params) const;
  PageBase page_base(const QueryParams& params) const;
  void send_page(httplib::Response& res, int status, const std::string& name, const mstch::map& context) const;
  void send_error(const httplib::Request& req, httplib::Response& res, int status, const std::string& message) const;

  Config config_;
  TemplateSet templates_;
  mstch::map strings_;
};

}  // namespace kb::server
