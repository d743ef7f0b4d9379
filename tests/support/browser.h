/** @file browser.h
 *  @brief A minimal browser for integration tests: one httplib client that
 *  keeps its cookies, follows nothing by itself, and reads CSRF tokens.
 *  Given several ports (replicas), it sends each request to the next one,
 *  like a load balancer without stickiness.
 */
#pragma once

#include <httplib.h>

#include <map>
#include <memory>
#include <regex>
#include <string>
#include <vector>

namespace kb::test {

/// Makes @p cli's requests count as a person's browser's (only those
/// start help sessions), for tests that use a bare client.
inline void act_as_browser(httplib::Client& cli);

class Browser {
 public:
  static constexpr const char* kUserAgent = "Mozilla/5.0 (X11; Linux x86_64) kb-tests";

  explicit Browser(int port) : Browser(std::vector<int>{port}) {}
  explicit Browser(const std::vector<int>& ports) {
    for (int port : ports) {
      clients_.push_back(std::make_unique<httplib::Client>("127.0.0.1", port));
      clients_.back()->set_read_timeout(10, 0);
      clients_.back()->set_url_encode(false);
    }
  }

  httplib::Result get(const std::string& path, httplib::Headers headers = {}) {
    add_cookies(headers);
    add_user_agent(headers);
    auto res = next().Get(path.c_str(), headers);
    keep_cookies(res);
    if (res) last_body_ = res->body;
    return res;
  }

  /// POSTs an application/x-www-form-urlencoded body.
  httplib::Result post_form(const std::string& path, const httplib::Params& fields, httplib::Headers headers = {}) {
    add_cookies(headers);
    add_user_agent(headers);
    std::string body;
    for (const auto& [k, v] : fields) {
      if (!body.empty()) body += '&';
      body += httplib::detail::encode_query_param(k) + "=" + httplib::detail::encode_query_param(v);
    }
    auto res = next().Post(path.c_str(), headers, body, "application/x-www-form-urlencoded");
    keep_cookies(res);
    if (res) last_body_ = res->body;
    return res;
  }

  httplib::Result post_json(const std::string& path, const std::string& json, httplib::Headers headers = {},
                            const std::string& type = "application/json") {
    add_cookies(headers);
    add_user_agent(headers);
    auto res = next().Post(path.c_str(), headers, json, type.c_str());
    keep_cookies(res);
    return res;
  }

  /// The value of the last page's hidden field @p name ("" when none).
  std::string hidden_field(const std::string& name) const {
    std::smatch m;
    const std::regex re("type=\"hidden\" name=\"" + name + "\" value=\"([^\"]*)\"");
    return std::regex_search(last_body_, m, re) ? m[1].str() : std::string();
  }

  /// The CSRF token of the last page fetched.
  std::string csrf() const {
    std::smatch m;
    static const std::regex re(R"re(name="csrf" value="([0-9a-f.]+)")re");
    return std::regex_search(last_body_, m, re) ? m[1].str() : std::string();
  }

  std::string cookie(const std::string& name) const {
    const auto it = cookies_.find(name);
    return it == cookies_.end() ? std::string() : it->second;
  }
  void set_cookie(const std::string& name, const std::string& value) { cookies_[name] = value; }

 private:
  httplib::Client& next() { return *clients_[turn_++ % clients_.size()]; }

  void add_cookies(httplib::Headers& headers) const {
    std::string c;
    for (const auto& [k, v] : cookies_) {
      if (!c.empty()) c += "; ";
      c += k + "=" + v;
    }
    if (!c.empty()) headers.emplace("Cookie", c);
  }
  /// Only browsers count as help sessions (a request may name its own).
  static void add_user_agent(httplib::Headers& headers) {
    if (headers.find("User-Agent") == headers.end()) headers.emplace("User-Agent", kUserAgent);
  }
  void keep_cookies(const httplib::Result& res) {
    if (!res) return;
    const std::size_t n = res->get_header_value_count("Set-Cookie");
    for (std::size_t i = 0; i < n; ++i) {
      const std::string h = res->get_header_value("Set-Cookie", i);
      const std::size_t eq = h.find('=');
      const std::size_t semi = h.find(';');
      if (eq == std::string::npos) continue;
      const std::string name = h.substr(0, eq);
      const std::string value = h.substr(eq + 1, semi == std::string::npos ? std::string::npos : semi - eq - 1);
      if (h.find("Max-Age=0") != std::string::npos) {
        cookies_.erase(name);
      } else {
        cookies_[name] = value;
      }
    }
  }

  std::vector<std::unique_ptr<httplib::Client>> clients_;
  std::size_t turn_ = 0;
  std::map<std::string, std::string> cookies_;
  std::string last_body_;
};

inline void act_as_browser(httplib::Client& cli) { cli.set_default_headers({{"User-Agent", Browser::kUserAgent}}); }

}  // namespace kb::test
