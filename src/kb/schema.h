/** @file schema.h
 *  @brief The index schema, written down in one place: every term prefix,
 *  value slot and metadata key kb puts in a Xapian database.
 *
 *  Prefixes follow Xapian/Omega conventions (single capitals for the
 *  well-known ones, X... for our own). Changing anything here that alters
 *  what is stored must bump kSchemaVersion: the indexer then rebuilds every
 *  document, and the server refuses an index of another version.
 */
#pragma once

#include <xapian.h>

namespace kb::schema {

/// Bumped whenever terms, values or document data change meaning.
inline constexpr int kSchemaVersion = 4;

/// Bumped when the article HTML kb-index stores changes (markup, not
/// meaning), or when articles gain terms an older server can do without:
/// kb-index rebuilds every article once, and servers keep serving the
/// index meanwhile. 2: heading anchors out of the headings' spoken names.
/// 3: more exact identifiers (error_tokens.h: "KB 2117917", HRESULTs
/// without "0x", PowerShell commands). 4: images beside an article are
/// shown from /assets/ (kPrefixAsset, kMetaAsset), and links to other
/// articles' files go by path (kPrefixPath). 5: a heading with inline
/// HTML has the anchor GitHub gives it ("Step 2 <a name=x></a>": step-2-).
/// 6: <details> around Markdown is a disclosure (disclosure.h).
inline constexpr int kRenderVersion = 6;

// ---- Term prefixes -------------------------------------------------------
/// Unique id: "Q" + slug. Upserts and deletes go through this term.
inline constexpr const char* kPrefixId = "Q";
/// Title and tag words (free text), so "title:vpn" searches titles; the
/// ranking query weighs this short field on its own.
inline constexpr const char* kPrefixTitle = "S";
/// Heading words (free text), "heading:..." in queries.
inline constexpr const char* kPrefixHeading = "XH";
/// Tag (boolean filter), lower-cased: "K" + tag.
inline constexpr const char* kPrefixTag = "K";
/// Category (boolean filter), lower-cased: "XCAT" + category.
inline constexpr const char* kPrefixCategory = "XCAT";
/// Language (boolean filter), BCP 47 primary subtag: "L" + "en".
inline constexpr const char* kPrefixLang = "L";
/// Old slug that redirects to this article (boolean): "XALIAS" + slug.
inline constexpr const char* kPrefixAlias = "XALIAS";
/// Exact identifier from an error message or log (see error_tokens.h),
/// lower-cased: "XE0x80070005", "XEerr_name_not_resolved", "XE/flushdns".
inline constexpr const char* kPrefixErrorToken = "XE";
/// A query this article is pinned to (front matter promote_for), in
/// normalise_query() form: "XPIN" + "vpn setup".
inline constexpr const char* kPrefixPinned = "XPIN";
/// An image the article shows from /assets/ (boolean): "XASSET" + its
/// path relative to the articles folder. An image no article holds any
/// more is dropped from the metadata below.
inline constexpr const char* kPrefixAsset = "XASSET";
/// The article's source path relative to the articles folder (boolean),
/// when at most 200 bytes: "XPATH" + "vpn/overview.md". Links between
/// articles go through it (/articles/by-path/...), so they follow the file
/// whatever slug it is published under.
inline constexpr const char* kPrefixPath = "XPATH";

// ---- Within-document frequency increments --------------------------------
// Title and heading words are also indexed without prefix with a larger wdf,
// so a plain query ranks a title match above a body match (BM25 sees them as
// more frequent in that document).
inline constexpr Xapian::termcount kWdfTitle = 6;
inline constexpr Xapian::termcount kWdfHeading = 3;
inline constexpr Xapian::termcount kWdfTags = 3;
inline constexpr Xapian::termcount kWdfSummary = 2;
inline constexpr Xapian::termcount kWdfBody = 1;

// ---- Value slots ---------------------------------------------------------
// Small display fields live in values so a results page never parses the
// (large) document data.
inline constexpr Xapian::valueno kSlotSlug = 0;      ///< canonical slug
inline constexpr Xapian::valueno kSlotTitle = 1;     ///< title as written
inline constexpr Xapian::valueno kSlotSummary = 2;   ///< summary/description
inline constexpr Xapian::valueno kSlotCategory = 3;  ///< category as written
inline constexpr Xapian::valueno kSlotTags = 4;      ///< tags joined by '\n'
inline constexpr Xapian::valueno kSlotLang = 5;      ///< BCP 47 tag, e.g. "en", "pt-br"
inline constexpr Xapian::valueno kSlotUpdated = 6;   ///< "YYYY-MM-DD" or empty (sorts as text)
inline constexpr Xapian::valueno kSlotPath = 7;      ///< source path relative to the articles dir
inline constexpr Xapian::valueno kSlotHash = 8;      ///< hex FNV-1a of the source bytes + schema version
/// What a results page shows, in one value (stored_hit.h): the slug, title,
/// summary, category, tags, language and date again, and the body's
/// sections, for snippets and section-level results: records separated by
/// '\x1e', each "anchor\x1fheading\x1ftext" (the lead has an empty anchor
/// and heading), and each section's table of words (section_terms.h).
inline constexpr Xapian::valueno kSlotHit = 9;
/// Translation group: `translation_of`, else the article's own slug. Results
/// collapse on it so one language version of an article is shown.
inline constexpr Xapian::valueno kSlotGroup = 10;
/// "size:mtime_ns" of the source file when it was indexed: an unchanged
/// file is recognised without being read. Absent in indexes written before
/// it existed (those files are read and hashed once more).
inline constexpr Xapian::valueno kSlotFileStat = 11;

// ---- Document data -------------------------------------------------------
// A JSON object: {"html": rendered body, "headings": [{"level","text","anchor"}],
// "markdown": source file, "aliases": [...]}. Read only by the article page.

// ---- Metadata keys -------------------------------------------------------
inline constexpr const char* kMetaSchemaVersion = "kb:schema_version";  ///< decimal
inline constexpr const char* kMetaRenderVersion = "kb:render_version";  ///< decimal; none: 1
inline constexpr const char* kMetaIndexedAt = "kb:indexed_at";  ///< UTC ISO 8601 of the last commit
/// Synonym groups from articles/_synonyms.yaml, as a JSON array of arrays;
/// stored with the index so searchers reload them with each revision.
inline constexpr const char* kMetaSynonyms = "kb:synonyms";
/// An image's bytes, by its path relative to the articles folder:
/// kMetaAsset + path. Stored with the index so that every copy of it
/// (replicas included) serves the images its articles show.
inline constexpr const char* kMetaAsset = "kb:asset:";
/// "size:mtime_ns" of the image file as stored: kMetaAssetStat + path.
inline constexpr const char* kMetaAssetStat = "kb:asset_stat:";
/// Paths, one per line, of articles with a declared alias that was ignored
/// (another article held it): read again when something else changes, so
/// the alias is published once it is free.
inline constexpr const char* kMetaAliasWaiting = "kb:alias_waiting";
/// "path\tslug" lines: new paths whose file could not be indexed, with the
/// published article each stands for (moved there and broken), if any.
inline constexpr const char* kMetaFailing = "kb:failing";

// ---- Separators in kSlotHit's sections ----------------------------------
inline constexpr char kSectionSeparator = '\x1e';
inline constexpr char kFieldSeparator = '\x1f';

}  // namespace kb::schema
