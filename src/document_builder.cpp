/** @file document_builder.cpp
 *  @brief Article -> Xapian::Document, following schema.h.
 */
#include "kb/document_builder.h"

#include "kb/error_tokens.h"
#include "kb/events.h"
#include "kb/markdown.h"
#include "kb/schema.h"
#include "kb/section_terms.h"
#include "kb/stored_hit.h"
#include "kb/text.h"

#include <nlohmann/json.hpp>
#include <xapian.h>

#include <algorithm>

namespace kb {

Xapian::Stem stemmer_for(const std::string& lang) {
  const std::string primary = lang.substr(0, lang.find('-'));
  if (primary.empty()) return Xapian::Stem("en");
  try {
    return Xapian::Stem(primary);
  } catch (const Xapian::InvalidArgumentError&) {
    // Languages Xapian has no stemmer for (Korean, Japanese, Chinese) are
    // indexed as n-grams anyway; the Latin words inside them ("VPN",
    // "Outlook") are mostly English, and stemming them as English lets an
    // English-stemmed query find them.
    return Xapian::Stem("en");
  }
}

bool is_spelling_term(const std::string& term) {
  if (term.empty() || term.size() > 40) return false;
  const auto first = static_cast<unsigned char>(term[0]);
  if (first >= 'A' && first <= 'Z') return false;  // prefixed
  std::size_t chars = 0;
  for (Xapian::Utf8Iterator it(term); it != Xapian::Utf8Iterator(); ++it) {
    const unsigned ch = *it;
    if (!Xapian::Unicode::is_wordchar(ch) || Xapian::Unicode::is_currency(ch)) return false;
    const auto cat = Xapian::Unicode::get_category(ch);
    if (cat != Xapian::Unicode::LOWERCASE_LETTER && cat != Xapian::Unicode::UPPERCASE_LETTER &&
        cat != Xapian::Unicode::TITLECASE_LETTER && cat != Xapian::Unicode::MODIFIER_LETTER &&
        cat != Xapian::Unicode::NON_SPACING_MARK) {
      return false;  // digits, CJK ("other letter"), '_' ...
    }
    ++chars;
  }
  return chars >= 3;
}

namespace {

std::string bounded_term(const char* prefix, const std::string& value) {
  // Xapian terms are limited to about 245 bytes.
  return prefix + std::string(utf8_prefix(value, 200));
}

std::string join(const std::vector<std::string>& items, char sep) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += sep;
    out += item;
  }
  return out;
}

}  // namespace

std::string filing_term(const char* prefix, const std::string& value) { return bounded_term(prefix, to_lower(value)); }

Xapian::Document build_document(const Article& article, const std::string& content_hash,
                                std::vector<std::pair<std::size_t, std::string>>* warnings) {
  namespace s = schema;
  RenderOptions render_options;
  render_options.title = article.title;
  render_options.source_path = article.path;
  const RenderedMarkdown md = render_markdown(article.body, render_options);
  if (warnings) {
    for (const MarkdownWarning& w : md.warnings) {
      warnings->emplace_back(article.body_line + static_cast<std::size_t>(std::max(w.line, 1)) - 1, w.message);
    }
  }

  Xapian::Document doc;
  Xapian::TermGenerator tg;
  tg.set_flags(Xapian::TermGenerator::FLAG_CJK_NGRAM);
  tg.set_stemmer(stemmer_for(article.lang));
  tg.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
  tg.set_document(doc);

  tg.index_text(article.title, s::kWdfTitle);
  tg.index_text(article.title, 1, s::kPrefixTitle);
  tg.increase_termpos();
  tg.index_text(article.summary, s::kWdfSummary);
  tg.increase_termpos();
  for (const auto& tag : article.tags) {
    tg.index_text(tag, s::kWdfTags);
    // Tags are the writer's keywords: they count as title words too.
    tg.index_text(tag, 1, s::kPrefixTitle);
    tg.increase_termpos();
    doc.add_boolean_term(filing_term(s::kPrefixTag, tag));
  }
  if (!article.category.empty()) {
    tg.index_text(article.category, s::kWdfTags);
    tg.increase_termpos();
    doc.add_boolean_term(filing_term(s::kPrefixCategory, article.category));
  }
  for (const auto& section : md.sections) {
    if (section.heading_index >= 0) {
      const auto& heading = md.headings[static_cast<std::size_t>(section.heading_index)];
      tg.index_text(heading.text, s::kWdfHeading);
      tg.index_text(heading.text, 1, s::kPrefixHeading);
      tg.increase_termpos();
    }
    tg.index_text(section.text, s::kWdfBody);
    tg.increase_termpos();
  }

  // Exact identifiers (error codes, paths, switches) as their own terms.
  for (const auto& token : error_tokens(article.title + "\n" + article.summary + "\n" + md.plain_text)) {
    doc.add_term(bounded_term(s::kPrefixErrorToken, token));
  }
  for (const auto& query : article.promote_for) {
    const std::string norm = normalise_query(query);
    if (!norm.empty()) doc.add_boolean_term(bounded_term(s::kPrefixPinned, norm));
  }

  doc.add_boolean_term(bounded_term(s::kPrefixId, article.slug));
  doc.add_boolean_term(bounded_term(s::kPrefixLang, article.lang.substr(0, article.lang.find('-'))));
  for (const auto& alias : article.aliases) doc.add_boolean_term(bounded_term(s::kPrefixAlias, alias));
  for (const auto& image : md.images) doc.add_boolean_term(s::kPrefixAsset + image);  // short enough (markdown.cpp)
  if (article.path.size() <= kMaxLinkedPath) doc.add_boolean_term(s::kPrefixPath + article.path);

  doc.add_value(s::kSlotSlug, article.slug);
  doc.add_value(s::kSlotTitle, article.title);
  doc.add_value(s::kSlotSummary, article.summary);
  doc.add_value(s::kSlotCategory, article.category);
  doc.add_value(s::kSlotTags, join(article.tags, '\n'));
  doc.add_value(s::kSlotLang, article.lang);
  doc.add_value(s::kSlotUpdated, article.updated);
  doc.add_value(s::kSlotPath, article.path);
  doc.add_value(s::kSlotHash, content_hash);
  std::string sections;
  SectionTermsBuilder section_terms(stemmer_for(article.lang));
  for (const auto& section : md.sections) {
    if (section.heading_index < 0 && section.text.empty()) continue;
    if (!sections.empty()) sections += s::kSectionSeparator;
    std::string_view heading;
    if (section.heading_index >= 0) {
      const auto& h = md.headings[static_cast<std::size_t>(section.heading_index)];
      sections += h.anchor;
      sections += s::kFieldSeparator;
      sections += h.text;
      heading = h.text;
    } else {
      sections += s::kFieldSeparator;
    }
    sections += s::kFieldSeparator;
    sections += section.text;
    section_terms.add_section(heading, section.text);
  }
  const std::string tags = join(article.tags, '\n');
  doc.add_value(s::kSlotHit, encode_stored_hit({article.slug, article.title, article.summary, article.category, tags,
                                                article.lang, article.updated, sections,
                                                section_terms.encoded()}));
  doc.add_value(s::kSlotGroup, article.translation_of.empty() ? article.slug : article.translation_of);

  nlohmann::json headings = nlohmann::json::array();
  for (const auto& h : md.headings) {
    headings.push_back({{"level", h.level}, {"text", h.text}, {"anchor", h.anchor}});
  }
  const nlohmann::json data = {
      {"html", md.html}, {"headings", headings}, {"markdown", article.source}, {"aliases", article.aliases}};
  doc.set_data(data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  return doc;
}

}  // namespace kb
