/** @file config_keys.h
 *  @brief The keys of kb.conf and which program reads each. One file
 *  configures kb-server and kb-index, so each program skips the keys that
 *  only the other reads and still rejects a key neither knows.
 *
 *  kb-server's keys are its long options (tests/ops.test.cpp checks this
 *  list against `kb-server --print-config`); kb-index's are the settings
 *  among its options, not the per-run ones like --check or --quiet.
 */
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kb {

/// Every key kb-server reads, in its --print-config order.
const std::vector<std::string_view>& server_config_keys();

/// Every key kb-index reads (index, articles, data, stats-db, ...).
const std::vector<std::string_view>& index_config_keys();

bool is_server_config_key(std::string_view key);
bool is_index_config_key(std::string_view key);

/// The key of either program closest to a misspelt @p key (at most two
/// edits away), for "did you mean"; "" when none is close.
std::string closest_config_key(std::string_view key);

/// The error for a key neither program reads, as written in the file:
/// `unknown key "prot" (did you mean "port"?)`.
std::string unknown_config_key_message(const std::string& written);

}  // namespace kb
