/** @file views.h
 *  @brief The data each page template receives, built from search results
 *  and articles. Kept out of the server so pages can be tested (and
 *  golden-filed) without HTTP.
 */
#pragma once

#include "kb/searcher.h"
#include "kb/tickets.h"

#include <mstch/mstch.hpp>

#include <initializer_list>
#include <map>
#include <string_view>
#include <utility>
#include <string>
#include <vector>

namespace kb {

/// What every page needs: UI strings and the search box's text.
struct PageBase {
  mstch::map strings;     ///< {{t.key}}
  std::string ui_lang = "en";
  std::string query;      ///< prefilled in the search box
  std::string csrf;       ///< token every POST form carries
  /// The UI strings the page's script needs, as JSON for a data block.
  std::string script_strings;
  /// Links to this page in each UI language: {code, name, url, current}.
  mstch::array languages;
  /// "https://help.example.com": what the canonical and hreflang links,
  /// which must be absolute, start with. "" leaves them paths.
  std::string origin;
};

/// The page's UI string @p key ("" when no strings file has it).
std::string ui_text(const PageBase& base, const std::string& key);

/// @p format with each "{name}" of @p values replaced by its value: the
/// strings place their own numbers and names.
std::string filled(std::string format, std::initializer_list<std::pair<std::string_view, std::string>> values);

/// A sentence of the strings with links in it, as the template's parts:
/// each a piece of text or the place of one of @p links ("{corrected}"
/// becomes {"corrected": true}), in the order the language puts them. A
/// link the sentence does not place comes at its end.
mstch::array sentence_parts(const std::string& format, const std::vector<std::string>& links);

/// "2026-10-14" as people read dates in @p ui_lang: "Oct 14, 2026",
/// "2026년 10월 14일", "2026年10月14日". Unknown input is returned as is.
std::string format_date(const std::string& iso_date, const std::string& ui_lang);

/// JSON text safe inside <script type="application/json"> ("</" escaped).
std::string json_for_script(const std::string& json);

/// Links that keep the current query and filters, with one parameter changed.
std::string search_url(const SearchRequest& request, int page);

/// @p search_id is carried by result links (?sid=&rank=) so a click is
/// attributed to the search that showed it.
/// @p popular: shown when nothing matched (the empty state).
mstch::map search_page(const PageBase& base, const SearchRequest& request, const SearchResponse& response,
                       const std::string& search_id = "", const std::vector<ArticleLink>& popular = {});

/// The home page: no query yet; shows categories and the newest articles.
/// @p lang: the language @p newest was limited to, kept by the category
/// links ("" for none).
mstch::map home_page(const PageBase& base, const SearchResponse& newest, const std::string& lang = "");

/// @p translations: the article's other language versions, linked from
/// the page and named in its head as alternates.
/// @p voted: the outcome of a vote sent without JavaScript ("yes", "no",
/// "done" after a comment, "expired", "comment_expired", "not_counted"
/// from staff and text browsers), else "".
mstch::map article_page(const PageBase& base, const ArticleRecord& article, const std::vector<ArticleLink>& related,
                        const std::vector<ArticleLink>& translations = {}, const std::string& voted = "");

/// What the ticket form shows: what was typed, per-field errors, and the
/// articles suggested for the subject.
struct TicketFormState {
  std::string subject, description, email;
  std::string article_slug, article_title;  ///< the article being read, if any
  std::string query;                        ///< the last search, if any
  /// Names this form: posting it again with the same words is the same
  /// ticket (a double click, Back and Send), not a second one.
  std::string submission;
  /// A token not bound to a session, accepted from a post that carries no
  /// session cookie at all (a browser refusing cookies).
  std::map<std::string, FieldProblem> errors;  ///< by field name
  std::vector<ArticleLink> suggestions;
  bool looked_for_suggestions = false;
  std::string redirect_notice;  ///< non-empty when tickets go to an external form
  /// The post came with a stale token (the session had timed out): shown
  /// again with what was typed, to be sent once more.
  bool expired = false;
};
mstch::map ticket_form_page(const PageBase& base, const TicketFormState& form);

mstch::map ticket_done_page(const PageBase& base, const std::string& reference);

mstch::map solved_page(const PageBase& base);

/// 404 for an unknown slug: the search box is prefilled from the slug.
mstch::map not_found_page(const PageBase& base, const std::string& slug);

/// An error page in the person's language: @p ui_key's text (web/strings;
/// "{minutes}" is filled from @p wait_s), else the status's own
/// ("error_404"), else @p message as the server put it. A 400 without its
/// own text keeps @p message below, as what was wrong.
mstch::map error_page(const PageBase& base, int status, const std::string& message, const std::string& ui_key = {},
                      long wait_s = 0);

/// "vpn-keeps-disconnecting" -> "vpn keeps disconnecting"
std::string words_from_slug(const std::string& slug);

}  // namespace kb
