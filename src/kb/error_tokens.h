/** @file error_tokens.h
 *  @brief Finds the exact identifiers people paste from error messages and
 *  logs: hex codes (also HRESULTs printed without "0x"), SYMBOLIC_ERROR_NAMES,
 *  exception class names, paths, command switches, PowerShell commands,
 *  version strings, KB/CVE numbers (also "KB 2117917") and numbered error
 *  codes. The indexer stores them as exact terms; the searcher lets them
 *  outrank loose word matches.
 */
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kb {

/// Lower-cased tokens found in @p text, in order, without duplicates.
/// Linear in the text (no regular expressions), so it runs on whole
/// articles at indexing time.
std::vector<std::string> error_tokens(std::string_view text);

}  // namespace kb
