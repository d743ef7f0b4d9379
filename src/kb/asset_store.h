/** @file asset_store.h
 *  @brief The images articles show, stored in the index beside them.
 *
 *  An article's `![shot](img/shot.png)` is shown from /assets/ (markdown.h);
 *  kb-index keeps each such file's bytes in the index's metadata, so the
 *  copy of an index a server reads, a replica's too, serves its own images,
 *  and an image changes in the same commit as the articles.
 */
#pragma once

#include <xapian.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace kb {

/// Larger image files are not stored (a warning says so).
inline constexpr std::uintmax_t kMaxAssetBytes = 10u << 20;

/// Brings the stored images in line with what the articles in @p db show
/// (their kPrefixAsset terms): an image whose file changed is read again,
/// one no article shows any more, or whose file is gone, is dropped.
/// Files outside @p articles_dir (through a link) are not read. Problems go
/// to @p on_problem as "path:1: warning: ..." lines. Returns whether the
/// metadata changed.
bool sync_assets(Xapian::WritableDatabase& db, const std::filesystem::path& articles_dir,
                 const std::function<void(const std::string&)>& on_problem);

/// The stored bytes of the image at @p path (relative to the articles
/// folder), if an article shows it.
std::optional<std::string> stored_asset(const Xapian::Database& db, const std::string& path);

}  // namespace kb
