/** @file config.cpp
 *  @brief The configuration-file layer over kb-index's command line.
 *
 *  A key may name several options: --articles of kb-index itself and of
 *  `kb-index new`, or --data (lost agent links) and `gaps --data`. Some of
 *  them share one variable, so when any was given on the command line or
 *  in the environment the file sets none of them; otherwise it sets all.
 */
#include "config.h"

#include "kb/config_file.h"
#include "kb/config_keys.h"

#include <algorithm>
#include <vector>

namespace kb::indexer {

namespace {

/// The options called --@p key of kb-index and of the subcommands run.
std::vector<CLI::Option*> options_named(CLI::App& app, const std::string& key) {
  std::vector<CLI::Option*> found;
  std::vector<CLI::App*> apps{&app};
  for (CLI::App* sub : app.get_subcommands()) apps.push_back(sub);
  for (CLI::App* a : apps) {
    if (CLI::Option* opt = a->get_option_no_throw("--" + key)) found.push_back(opt);
  }
  return found;
}

}  // namespace

void apply_config_file(CLI::App& app, const std::filesystem::path& file) {
  for (const ConfigEntry& entry : parse_config_file(file)) {
    const std::string key = entry.option();
    if (!is_index_config_key(key)) {
      if (is_server_config_key(key)) continue;  // kb-server's, in the file both read
      throw ConfigError(entry.where() + unknown_config_key_message(entry.key));
    }
    const std::vector<CLI::Option*> options = options_named(app, key);
    if (std::any_of(options.begin(), options.end(), [](const CLI::Option* o) { return o->count() > 0; })) {
      continue;  // the command line or the environment said otherwise
    }
    for (CLI::Option* opt : options) {
      try {
        opt->add_result(entry.value);
        opt->run_callback();
      } catch (const CLI::Error& e) {
        throw bad_config_value(entry, e.what());
      }
    }
  }
}

}  // namespace kb::indexer
