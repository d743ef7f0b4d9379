/** @file options.h
 *  @brief kb-server's settings in layers: command line, then KB_*
 *  environment variables (both by CLI11), then the configuration file,
 *  then the built-in defaults.
 */
#pragma once

#include <CLI/CLI.hpp>

#include <cstddef>
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

/// Shortest admin, agent or metrics token accepted: a token is a password
/// anyone who reaches the server can try.
inline constexpr std::size_t kMinTokenLength = 16;

/// Why these tokens cannot be used together, or "": one token for two
/// roles lets whoever holds it for the lesser role into the other's pages.
/// Empty tokens (a role turned off) are never the same as another.
std::string shared_token_problem(const std::string& admin, const std::string& agent, const std::string& metrics);

/// The effective settings as a configuration file (tokens shown as "(set)").
std::string effective_config(const CLI::App& app);

/// Web assets: share/kb/web next to an installed binary (bin/../share/kb/web),
/// else @p fallback (the source tree's web/ for a build tree).
std::filesystem::path default_web_dir(const std::filesystem::path& fallback);

}  // namespace kb::server
