/** @file config_file.h
 *  @brief kb's configuration file: "key = value" lines whose keys are the
 *  long command-line options without their dashes (port = 8080).
 *
 *  Blank lines and lines starting with '#' or ';' are ignored; a value may
 *  be wrapped in double quotes (to keep leading or trailing spaces or a
 *  '#'); an unquoted value ends at " #" (a trailing comment). Everything
 *  else is an error naming the file and line, the form editors understand.
 */
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace kb {

struct ConfigEntry {
  std::string key;     ///< as written, lower-case letters, digits, '-' and '_'
  std::string value;   ///< unquoted
  int line = 0;        ///< 1-based
  std::string source;  ///< the file (or text) it was read from

  /// The long option it sets: the key with '_' read as '-' (max_threads
  /// and max-threads are one setting).
  std::string option() const;
  /// "SOURCE:LINE: ", the start of any message about this entry.
  std::string where() const;
};

/// A syntax error, with "SOURCE:LINE: " already in what().
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The error for a value its option refused; @p why is the option
/// parser's message, whose leading "--option: " is dropped (the message
/// names the key already).
ConfigError bad_config_value(const ConfigEntry& entry, std::string why);

/// Parses @p text; @p source names it in error messages. A key given twice
/// is an error (the second line is named).
std::vector<ConfigEntry> parse_config_text(std::string_view text, const std::string& source);

/// Reads and parses a file; a file that cannot be read is a ConfigError.
std::vector<ConfigEntry> parse_config_file(const std::filesystem::path& path);

}  // namespace kb
