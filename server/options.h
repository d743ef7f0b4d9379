/** @file options.h
 *  @brief kb-server's settings in layers: command line, then KB_*
 *  environment variables (both by CLI11), then the configuration file,
 *  then the built-in defaults.
 */
#pragma once

#include <CLI/CLI.hpp>

#include <filesystem>
#include <string>

namespace kb::server {

/// Read when neither --config nor KB_CONFIG names a file, if it exists.
inline constexpr const char* kDefaultConfigFile = "/etc/kb/kb.conf";

/// Sets every option of @p app that the command line and the environment
/// left unset from @p file ("key = value", keys are the long option names).
/// Throws kb::ConfigError "FILE:LINE: message" for an unknown key or a bad
/// value. Keys for options already set are still checked to be known.
void apply_config_file(CLI::App& app, const std::filesystem::path& file);

/// The effective settings as a configuration file (tokens shown as "(set)").
std::string effective_config(const CLI::App& app);

/// Web assets: share/kb/web next to an installed binary (bin/../share/kb/web),
/// else @p fallback (the source tree's web/ for a build tree).
std::filesystem::path default_web_dir(const std::filesystem::path& fallback);

}  // namespace kb::server
