/** @file fuzz_input.h
 *  @brief Helpers shared by the libFuzzer targets: splitting one input into
 *  several fields, and failing loudly so libFuzzer records the input.
 */
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace kb::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// Splits @p text at every "\x1f" (ASCII unit separator) into at least
/// @p count fields, so one input fills several form fields at once and the
/// fuzzer can still reach every byte value inside each.
inline std::vector<std::string> fields(std::string_view text, std::size_t count) {
  std::vector<std::string> out;
  while (true) {
    const std::size_t sep = text.find('\x1f');
    out.emplace_back(text.substr(0, sep));
    if (sep == std::string_view::npos) break;
    text.remove_prefix(sep + 1);
  }
  while (out.size() < count) out.emplace_back();
  return out;
}

/// Aborts (so libFuzzer saves the input) with a message saying which
/// property broke.
[[noreturn]] inline void fail(const char* what) {
  std::fprintf(stderr, "kb fuzz: property violated: %s\n", what);
  std::abort();
}

/// Case-insensitive count of "<script" in @p html.
inline std::size_t script_tags(std::string_view html) {
  std::size_t n = 0;
  for (std::size_t i = 0; i + 7 <= html.size(); ++i) {
    if (html[i] != '<') continue;
    static const char word[] = "script";
    std::size_t k = 0;
    while (k < 6 && (html[i + 1 + k] | 0x20) == word[k]) ++k;
    if (k == 6) ++n;
  }
  return n;
}

}  // namespace kb::fuzz
