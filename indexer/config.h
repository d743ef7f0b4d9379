/** @file config.h
 *  @brief kb-index's settings from kb.conf, the file kb-server reads:
 *  command line, then KB_* environment variables (both by CLI11), then the
 *  file, then the built-in defaults.
 */
#pragma once

#include <CLI/CLI.hpp>

#include <filesystem>

namespace kb::indexer {

/// Read when neither --config nor KB_CONFIG names a file, if it exists.
inline constexpr const char* kDefaultConfigFile = "/etc/kb/kb.conf";

/// Sets the options of @p app and of the subcommand being run that the
/// command line and the environment left unset, from @p file: the keys
/// kb-index reads (kb::index_config_keys()); kb-server's own keys are
/// skipped. Throws kb::ConfigError "FILE:LINE: message" for a key neither
/// program knows or a bad value.
void apply_config_file(CLI::App& app, const std::filesystem::path& file);

}  // namespace kb::indexer
