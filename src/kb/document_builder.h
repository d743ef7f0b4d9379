/** @file document_builder.h
 *  @brief Turns a parsed article into the Xapian document the schema
 *  describes (terms, values, data).
 */
#pragma once

#include "kb/article.h"

#include <xapian.h>

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace kb {

/// The stemmer for a BCP 47 tag ("en", "pt-br" -> Portuguese); English for
/// languages Xapian has none for (ko, ja, zh: their own script is n-grams,
/// the Latin words in them mostly English).
Xapian::Stem stemmer_for(const std::string& lang);

/// The boolean term kb-index files a tag or category under: @p prefix and
/// the value in lower case, cut to fit Xapian's term length. Searches that
/// filter or weigh by one build it the same way.
std::string filing_term(const char* prefix, const std::string& value);

/// Builds the document for @p article. @p content_hash goes in kSlotHash.
/// What the page will not show as written (markdown.h's warnings) is added
/// to @p warnings, when given, as (line in the file, message).
Xapian::Document build_document(const Article& article, const std::string& content_hash,
                                std::vector<std::pair<std::size_t, std::string>>* warnings = nullptr);

/// True for terms that belong in the spelling dictionary: unprefixed words
/// made of letters only, outside CJK scripts (those are n-grams).
bool is_spelling_term(const std::string& term);

}  // namespace kb
