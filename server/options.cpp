/** @file options.cpp
 *  @brief The configuration-file layer over CLI11's command line and
 *  environment variables.
 */
#include "options.h"

#include "kb/config_file.h"
#include "kb/config_keys.h"

#include <unistd.h>

#include <algorithm>
#include <set>

namespace kb::server {

namespace {

/// Options that are about reading the configuration, not settings.
const std::set<std::string>& not_settings() {
  static const std::set<std::string> names{"help", "config", "print-config"};
  return names;
}

std::string setting_name(const CLI::Option& opt) {
  const auto& names = opt.get_lnames();
  return names.empty() ? std::string() : names.front();
}

bool is_secret(const std::string& name) { return name.find("token") != std::string::npos; }

}  // namespace

void apply_config_file(CLI::App& app, const std::filesystem::path& file) {
  for (const ConfigEntry& entry : parse_config_file(file)) {
    const std::string key = entry.option();
    CLI::Option* opt = not_settings().count(key) ? nullptr : app.get_option_no_throw("--" + key);
    if (!opt || setting_name(*opt) != key) {
      if (is_index_config_key(key)) continue;  // kb-index's, in the file both read
      throw ConfigError(entry.where() + unknown_config_key_message(entry.key));
    }
    if (opt->count() > 0) continue;  // the command line or the environment said otherwise
    try {
      opt->add_result(entry.value);
      opt->run_callback();
    } catch (const CLI::Error& e) {
      // CLI11 names the option itself ("--port: Value 99999 not in range"); the key says it already.
      throw bad_config_value(entry, e.what());
    }
  }
}

std::string shared_token_problem(const std::string& admin, const std::string& agent, const std::string& metrics) {
  struct Pair {
    const std::string& first;
    const std::string& second;
    const char* options;
    const char* risk;
  };
  const Pair pairs[] = {
      {admin, agent, "--admin-token and --agent-token", "agents could open the admin pages"},
      {admin, metrics, "--admin-token and --metrics-token", "whoever scrapes /metrics could open the admin pages"},
      {agent, metrics, "--agent-token and --metrics-token", "whoever scrapes /metrics could open the agent view"},
  };
  for (const Pair& p : pairs) {
    if (!p.first.empty() && p.first == p.second) {
      return std::string(p.options) + " are the same token: each must be its own, or " + p.risk;
    }
  }
  return {};
}

std::string effective_config(const CLI::App& app) {
  std::string out;
  for (const CLI::Option* opt : app.get_options()) {
    const std::string name = setting_name(*opt);
    if (name.empty() || not_settings().count(name)) continue;
    std::string value = opt->get_default_str();
    if (opt->count() > 0) {  // every value of a repeatable option, as the file takes them
      value.clear();
      for (const std::string& one : opt->results()) {
        const std::size_t start = one.find_first_not_of(' ');  // "a, b" split on the comma
        value += (value.empty() ? "" : ", ") + (start == std::string::npos ? std::string() : one.substr(start));
      }
    }
    if (opt->get_expected_max() == 0 && value.empty()) value = "false";  // a flag not given
    if (is_secret(name) && !value.empty()) value = "(set)";
    out += name + " = " + value + "\n";
  }
  return out;
}

std::filesystem::path default_web_dir(const std::filesystem::path& fallback) {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const auto installed = exe.parent_path().parent_path() / "share" / "kb" / "web";
    if (std::filesystem::is_directory(installed / "templates", ec)) return installed;
  }
  return fallback;
}

}  // namespace kb::server
