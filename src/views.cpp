/** @file views.cpp
 *  @brief Page view models.
 */
#include "kb/views.h"

#include "kb/language_names.h"
#include "kb/text.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>

namespace kb {

std::string ui_text(const PageBase& base, const std::string& key) {
  const auto it = base.strings.find(key);
  if (it == base.strings.end()) return {};
  const auto* text = boost::get<std::string>(&it->second);
  return text ? *text : std::string();
}

std::string filled(std::string format, std::initializer_list<std::pair<std::string_view, std::string>> values) {
  for (const auto& [name, value] : values) {
    const std::string mark = "{" + std::string(name) + "}";
    for (std::size_t at = format.find(mark); at != std::string::npos; at = format.find(mark, at + value.size())) {
      format.replace(at, mark.size(), value);
    }
  }
  return format;
}

mstch::array sentence_parts(const std::string& format, const std::vector<std::string>& links) {
  struct Place {
    std::size_t at;
    std::string name;
  };
  std::vector<Place> places;
  for (const auto& name : links) {
    const std::size_t at = format.find("{" + name + "}");
    places.push_back(Place{at, name});
  }
  std::stable_sort(places.begin(), places.end(), [](const Place& a, const Place& b) { return a.at < b.at; });
  auto part = [&links](const std::string& text, const std::string& link) {
    mstch::map m{{"text", text}};
    for (const auto& name : links) m.emplace(name, name == link);
    return m;
  };
  mstch::array out;
  std::size_t from = 0;
  for (const auto& place : places) {
    if (place.at == std::string::npos) {
      out.push_back(part(from < format.size() ? format.substr(from) + (format.empty() ? "" : " ") : std::string(), place.name));
      from = format.size();
      continue;
    }
    out.push_back(part(format.substr(from, place.at - from), place.name));
    from = place.at + place.name.size() + 2;
  }
  if (from < format.size()) out.push_back(part(format.substr(from), ""));
  return out;
}

namespace {

/// The count of a results heading ("12 results", "결과 12건",
/// "12件の結果"), where the strings put the number ("{count}"), and for
/// @p query ("{results} for “{query}”", "「{query}」の検索結果：{count}件").
/// A theme's strings written before the placeholders ("results", "for")
/// still read: the number first, the query last.
std::string results_heading(const PageBase& base, std::uint64_t total, const std::string& query) {
  const std::string count = std::to_string(total);
  std::string results = total == 1 ? ui_text(base, "results_one") : ui_text(base, "results_many");
  if (total != 1 && results.find("{count}") == std::string::npos) results = count + " " + results;
  results = filled(results, {{"count", count}});
  if (query.empty()) return results;
  const std::string format = ui_text(base, "results_for");
  if (format.find("{query}") == std::string::npos) return results + " " + format + " “" + query + "”";
  return filled(format, {{"results", results}, {"count", count}, {"query", query}});
}

/// How the page names category @p category: the strings' "category:NAME"
/// when they have one ("category:remote-access": "원격 접속"), else its
/// words ("remote-access" -> "Remote access").
std::string category_name(const PageBase& base, const std::string& category) {
  if (std::string named = ui_text(base, "category:" + category); !named.empty()) return named;
  std::string words = words_from_slug(category);
  if (!words.empty() && words[0] >= 'a' && words[0] <= 'z') words[0] = static_cast<char>(words[0] - 'a' + 'A');
  return words;
}

/// @p title is the page's own part of <title>; the site's name follows it.
mstch::map base_map(const PageBase& base, const std::string& title) {
  return mstch::map{{"t", base.strings},
                    {"ui_lang", base.ui_lang},
                    {"query", base.query},
                    {"csrf", base.csrf},
                    {"script_strings", base.script_strings},
                    {"languages", base.languages},
                    {"page_title", title}};
}

/// An "Open a ticket" link that names the page's help session (its form
/// token): a ticket opened from this page after the session timed out is
/// still that session's outcome (kb-server resumes it).
std::string ticket_link(std::string url, const PageBase& base) {
  if (!base.csrf.empty()) url += "&ctx=" + url_encode(base.csrf);
  return url;
}

/// Facet links add their filter to the ones already chosen (they combine),
/// and an active one takes its own off.
mstch::array facet_list(const PageBase& base, const FacetCounts& counts, const SearchRequest& request, const std::string& key,
                        const std::string& same_search) {
  const auto same = [](const std::string& a, const std::string& b) { return to_lower(a) == to_lower(b); };
  mstch::array out;
  for (const auto& entry : counts) {
    // Not a structured binding: C++17 lambdas may not capture one (clang).
    const std::string& value = entry.first;
    const auto count = entry.second;
    SearchRequest next = request;
    bool active = false;
    if (key == "tag") {
      const auto found = std::find_if(next.tags.begin(), next.tags.end(), [&](const std::string& t) { return same(t, value); });
      active = found != next.tags.end();
      if (active) next.tags.erase(found);
      else next.tags.push_back(value);
    } else {
      std::string& field = key == "category" ? next.category : next.lang;
      active = same(field, value);
      field = active ? std::string() : value;
    }
    // People read names: a category's and a language's, not their codes.
    const std::string name = key == "category" ? category_name(base, value) : key == "lang" ? language_name(value) : value;
    out.push_back(mstch::map{{"name", name},
                             {"lang", key == "lang" ? value : std::string()},
                             {"count", std::to_string(count)},
                             {"url", search_url(next, 1) + same_search},
                             {"active", active}});
  }
  return out;
}

mstch::array tag_list(const std::vector<std::string>& tags) {
  mstch::array out;
  for (const auto& tag : tags) out.push_back(mstch::map{{"name", tag}, {"url", "/search?q=&tag=" + url_encode(tag)}});
  return out;
}

mstch::map hit_map(const SearchHit& hit, const PageBase& base) {
  return mstch::map{{"url", hit.url},
                    {"slug", hit.slug},
                    {"title", hit.title},
                    {"summary", hit.summary},
                    {"snippet_html", hit.snippet_html},
                    {"category", category_name(base, hit.category)},
                    {"category_url", "/search?q=&category=" + url_encode(hit.category)},
                    {"has_category", !hit.category.empty()},
                    {"updated", hit.updated},
                    {"updated_display", format_date(hit.updated, base.ui_lang)},
                    {"lang", hit.lang},
                    {"section_heading", hit.section_heading},
                    {"pinned", hit.pinned},
                    {"tags", tag_list(hit.tags)}};
}

}  // namespace

std::string format_date(const std::string& iso, const std::string& ui_lang) {
  if (iso.size() != 10 || iso[4] != '-' || iso[7] != '-') return iso;
  const int y = std::atoi(iso.substr(0, 4).c_str());
  const int m = std::atoi(iso.substr(5, 2).c_str());
  const int d = std::atoi(iso.substr(8, 2).c_str());
  if (m < 1 || m > 12 || d < 1 || d > 31) return iso;
  const std::string ys = std::to_string(y), ms = std::to_string(m), ds = std::to_string(d);
  if (ui_lang == "ko") return ys + "년 " + ms + "월 " + ds + "일";
  if (ui_lang == "ja") return ys + "年" + ms + "月" + ds + "日";
  static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  return std::string(months[m - 1]) + " " + ds + ", " + ys;
}

std::string json_for_script(const std::string& json) {
  std::string out;
  out.reserve(json.size());
  for (std::size_t i = 0; i < json.size(); ++i) {
    // "</script>" or "<!--" inside a data block would end or confuse it.
    if (json[i] == '<') {
      out += "\\u003c";
    } else {
      out += json[i];
    }
  }
  return out;
}

std::string words_from_slug(const std::string& slug) {
  std::string out;
  for (char c : slug) out += (c == '-' || c == '_') ? ' ' : c;
  return collapse_whitespace(out);
}

std::string search_url(const SearchRequest& request, int page) {
  std::string url = "/search?q=" + url_encode(request.query);
  if (!request.category.empty()) url += "&category=" + url_encode(request.category);
  for (const auto& tag : request.tags) url += "&tag=" + url_encode(tag);
  if (!request.lang.empty()) url += "&lang=" + url_encode(request.lang);
  if (request.per_page != 10) url += "&per_page=" + std::to_string(request.per_page);
  if (request.as_typed) url += "&as_typed=1";
  if (page != 1) url += "&page=" + std::to_string(page);
  return url;
}

mstch::map search_page(const PageBase& base, const SearchRequest& request, const SearchResponse& response,
                       const std::string& search_id, const std::vector<ArticleLink>& popular) {
  // Browsing a category (no words): the page is that category's.
  const bool category_page = request.query.empty() && !request.category.empty();
  mstch::map page = base_map(base, category_page ? category_name(base, request.category)
                                   : request.query.empty() ? ui_text(base, "search_button")
                                                           : request.query + " – " + ui_text(base, "search_button"));
  page.emplace("category_page", category_page);
  page.emplace("category_name", category_name(base, request.category));
  mstch::array hits;
  int rank = (request.page - 1) * request.per_page;
  for (const auto& hit : response.hits) {
    mstch::map m = hit_map(hit, base);
    ++rank;
    // The link opens the best-matching section; ?sid=&rank= attribute the click.
    std::string url = hit.url;
    if (!search_id.empty()) url += "?sid=" + url_encode(search_id) + "&rank=" + std::to_string(rank);
    if (!hit.section_anchor.empty()) url += "#" + hit.section_anchor;
    m["url"] = url;
    hits.push_back(std::move(m));
  }
  page.emplace("results", hits);
  mstch::array popular_list;
  for (const auto& a : popular) popular_list.push_back(mstch::map{{"url", "/articles/" + a.slug}, {"title", a.title}});
  page.emplace("popular", popular_list);
  page.emplace("has_popular", response.total == 0 && !popular_list.empty());
  page.emplace("has_results", !response.hits.empty());
  page.emplace("has_total", response.total > 0);
  page.emplace("no_results", response.total == 0);
  page.emplace("total", std::to_string(response.total));
  char took[32];
  std::snprintf(took, sizeof took, "%.1f", response.took_ms);
  page.emplace("took_ms", std::string(took));

  // "Showing results for X. Search instead for Y" when the results are the
  // corrected words'; "Did you mean X?" when the words as typed answered.
  if (!response.corrected_query.empty()) {
    SearchRequest corrected = request;
    corrected.query = response.corrected_query;
    corrected.as_typed = false;
    SearchRequest original = request;
    original.as_typed = true;  // else the same page, corrected again
    // The sentence is the language's, with the words as links in it.
    const bool showing = response.results_corrected();
    const mstch::map correction{
        {"corrected_query", response.corrected_query},
        {"corrected_url", search_url(corrected, 1)},
        {"original_query", request.query},
        {"original_url", search_url(original, 1)},
        {"parts", showing ? sentence_parts(ui_text(base, "showing_corrected"), {"corrected", "original"})
                          : sentence_parts(ui_text(base, "did_you_mean"), {"corrected"})}};
    page.emplace(showing ? "showing_corrected" : "did_you_mean", correction);
  }
  // The count names the words whose results are shown.
  page.emplace("results_heading",
               results_heading(base, response.total, response.results_corrected() ? response.corrected_query : request.query));
  page.emplace("relaxed", response.rung == "any");
  page.emplace("via_synonyms", response.rung == "synonyms");

  // Other pages and filters of this search are the same search: their
  // links carry its id, so the server records no new search and clicks
  // there are still attributed to it.
  const std::string same_search = search_id.empty() ? std::string() : "&sid=" + url_encode(search_id);
  const std::uint64_t pages = std::min<std::uint64_t>(
      (response.total + static_cast<std::uint64_t>(request.per_page) - 1) / static_cast<std::uint64_t>(request.per_page),
      static_cast<std::uint64_t>(kMaxPage));
  // A page past the last (an old link, a hand-edited address): the search
  // did find something, so say where it starts rather than "no results".
  page.emplace("past_last_page", response.hits.empty() && response.total > 0);
  page.emplace("first_page_url", search_url(request, 1) + same_search);
  if (pages > 1) {
    mstch::map pagination;
    const int last = static_cast<int>(pages);
    // Past the last page, "Previous" is the last page and the numbers end there.
    const int at = std::min(request.page, last + 1);
    if (request.page > 1) pagination.emplace("prev_url", search_url(request, at - 1) + same_search);
    if (request.page < last) pagination.emplace("next_url", search_url(request, request.page + 1) + same_search);
    // The ends, which the numbers around this page may not reach; not
    // offered from where they lead.
    if (request.page > 1) pagination.emplace("first_url", search_url(request, 1) + same_search);
    if (request.page != last) pagination.emplace("last_url", search_url(request, last) + same_search);
    mstch::array numbers;
    // "Page 2", "2페이지", "2ページ": where the number goes is the language's.
    std::string page_label = ui_text(base, "page");
    if (page_label.find("{number}") == std::string::npos) page_label += " {number}";
    for (int n = std::max(1, at - 4); n <= std::min(last, at + 4); ++n) {
      const std::string number = std::to_string(n);
      numbers.push_back(mstch::map{{"number", number},
                                   {"label", filled(page_label, {{"number", number}})},
                                   {"url", search_url(request, n) + same_search},
                                   {"current", n == request.page}});
    }
    pagination.emplace("pages", numbers);
    page.emplace("pagination", pagination);
  }

  const mstch::array categories = facet_list(base, response.category_facets, request, "category", same_search);
  const mstch::array tags = facet_list(base, response.tag_facets, request, "tag", same_search);
  page.emplace("has_facets", !categories.empty() || !tags.empty() || response.lang_facets.size() > 1);
  page.emplace("has_category_facets", !categories.empty());
  page.emplace("has_tag_facets", !tags.empty());
  // Languages are worth a filter only when there is more than one.
  const mstch::array langs = response.lang_facets.size() > 1 || !request.lang.empty()
                                 ? facet_list(base, response.lang_facets, request, "lang", same_search)
                                 : mstch::array{};
  page.emplace("has_lang_facets", !langs.empty());
  page.emplace("lang_facets", langs);
  page.emplace("ticket_url", ticket_link("/tickets/new?q=" + url_encode(request.query), base));
  page.emplace("category_facets", categories);
  page.emplace("tag_facets", tags);
  page.emplace("filtered", !request.category.empty() || !request.tags.empty() || !request.lang.empty());
  page.emplace("clear_filters_url", "/search?q=" + url_encode(request.query) + same_search);
  return page;
}

mstch::map home_page(const PageBase& base, const SearchResponse& newest, const std::string& lang) {
  mstch::map page = base_map(base, "");
  mstch::array articles;
  for (const auto& hit : newest.hits) articles.push_back(hit_map(hit, base));
  page.emplace("newest", articles);
  mstch::array categories;
  for (const auto& [name, count] : newest.category_facets) {
    categories.push_back(mstch::map{{"name", category_name(base, name)},
                                    {"count", std::to_string(count)},
                                    {"url", "/search?q=&category=" + url_encode(name) +
                                                (lang.empty() ? std::string() : "&lang=" + url_encode(lang))}});
  }
  page.emplace("has_categories", !categories.empty());
  page.emplace("categories", categories);
  page.emplace("home", true);
  return page;
}

mstch::map article_page(const PageBase& base, const ArticleRecord& article, const std::vector<ArticleLink>& related,
                        const std::vector<ArticleLink>& translations, const std::string& voted) {
  mstch::map page = base_map(base, article.title);
  page.emplace("slug", article.slug);
  page.emplace("title", article.title);
  page.emplace("summary", article.summary);
  page.emplace("meta_description", article.summary);
  page.emplace("canonical_url", base.origin + "/articles/" + article.slug);
  page.emplace("updated", article.updated);
  page.emplace("updated_display", format_date(article.updated, base.ui_lang));
  page.emplace("article_lang", article.lang);
  page.emplace("category", category_name(base, article.category));
  page.emplace("has_category", !article.category.empty());
  page.emplace("category_url", "/search?q=&category=" + url_encode(article.category));
  page.emplace("tags", tag_list(article.tags));
  page.emplace("has_tags", !article.tags.empty());
  page.emplace("body_html", article.html);
  page.emplace("source_url", "/articles/" + article.slug + ".md");
  page.emplace("ticket_url", ticket_link("/tickets/new?article=" + url_encode(article.slug), base));
  mstch::array toc;
  for (const auto& h : article.headings) {
    if (h.level > 3) continue;
    toc.push_back(mstch::map{{"text", h.text}, {"anchor", h.anchor}, {"level", std::to_string(h.level)}});
  }
  page.emplace("toc", toc);
  page.emplace("has_toc", toc.size() > 1);
  mstch::array rel;
  for (const auto& r : related) {
    rel.push_back(mstch::map{{"url", "/articles/" + r.slug + "?from=related"}, {"title", r.title}, {"summary", r.summary}});
  }
  page.emplace("related", rel);
  page.emplace("has_related", !rel.empty());
  // The other versions, named as their readers name their language; the
  // head lists every version, this one too, as search engines ask.
  mstch::array others, alternates;
  auto alternate = [&](const std::string& slug, const std::string& lang) {
    return mstch::map{{"url", base.origin + "/articles/" + slug}, {"lang", lang}};
  };
  alternates.push_back(alternate(article.slug, article.lang));
  for (const auto& t : translations) {
    others.push_back(mstch::map{{"url", "/articles/" + t.slug}, {"lang", t.lang}, {"name", language_name(t.lang)},
                                {"first", others.empty()}});
    alternates.push_back(alternate(t.slug, t.lang));
  }
  page.emplace("translations", others);
  page.emplace("has_translations", !others.empty());
  page.emplace("alternates", others.empty() ? mstch::array{} : alternates);
  // "expired": a vote whose page outlived its session, asked again;
  // "comment_expired": a comment, whose form comes back (the vote stands).
  page.emplace("voted", !voted.empty() && voted != "expired");
  page.emplace("vote_expired", voted == "expired");
  page.emplace("comment_expired", voted == "comment_expired");
  page.emplace("voted_yes", voted == "yes");
  page.emplace("voted_no", voted == "no" || voted == "comment_expired");
  // "not_counted": signed-in staff and text browsers, thanked, and told
  // why the answer does not count (nor would a comment: none is asked).
  page.emplace("vote_not_counted", voted == "not_counted");
  return page;
}

mstch::map ticket_form_page(const PageBase& base, const TicketFormState& form) {
  // A form sent back to be corrected says so in its title, the first thing
  // a screen reader reads of the new page and what the tab shows.
  std::string title = ui_text(base, "ticket_title");
  if (const std::string marker = ui_text(base, "title_error_prefix");
      (!form.errors.empty() || form.expired) && !marker.empty()) {
    title = marker + " " + title;
  }
  mstch::map page = base_map(base, title);
  page.emplace("subject", form.subject);
  page.emplace("description", form.description);
  page.emplace("email", form.email);
  page.emplace("article_slug", form.article_slug);
  page.emplace("article_title", form.article_title);
  page.emplace("has_article", !form.article_slug.empty());
  page.emplace("last_query", form.query);
  page.emplace("submission", form.submission);
  page.emplace("has_errors", !form.errors.empty());
  mstch::array errors;
  // Listed in the order the fields come on the form (any other last).
  static constexpr std::array<std::string_view, 3> kFormOrder{"subject", "description", "email"};
  const auto place = [](const std::string& field) { return std::find(kFormOrder.begin(), kFormOrder.end(), field) - kFormOrder.begin(); };
  std::vector<std::pair<std::string, FieldProblem>> in_form_order(form.errors.begin(), form.errors.end());
  std::stable_sort(in_form_order.begin(), in_form_order.end(),
                   [&](const auto& a, const auto& b) { return place(a.first) < place(b.first); });
  for (const auto& [field, problem] : in_form_order) {
    // In the page's language when its strings say it; the English otherwise.
    std::string message = ui_text(base, "ticket_error_" + problem.code);
    if (const auto at = message.find("{limit}"); at != std::string::npos) {
      message.replace(at, 7, std::to_string(problem.limit));
    }
    if (message.empty()) message = problem.message;
    page.emplace("error_" + field, message);
    errors.push_back(mstch::map{{"field", field}, {"message", message}});
  }
  page.emplace("errors", errors);
  mstch::array suggestions;
  for (const auto& s : form.suggestions) {
    suggestions.push_back(mstch::map{{"url", "/articles/" + s.slug + "?from=ticket"}, {"title", s.title}, {"summary", s.summary}});
  }
  page.emplace("suggestions", suggestions);
  page.emplace("has_suggestions", !suggestions.empty());
  page.emplace("no_suggestions", form.looked_for_suggestions && suggestions.empty());
  page.emplace("redirect_notice", form.redirect_notice);
  page.emplace("form_expired", form.expired);
  return page;
}

mstch::map ticket_done_page(const PageBase& base, const std::string& reference) {
  mstch::map page = base_map(base, ui_text(base, "ticket_done_title"));
  page.emplace("reference", reference);
  return page;
}

mstch::map solved_page(const PageBase& base) { return base_map(base, ui_text(base, "solved_title")); }

mstch::map not_found_page(const PageBase& base, const std::string& slug) {
  PageBase with_query = base;
  with_query.query = words_from_slug(slug);
  mstch::map page = base_map(with_query, ui_text(base, "not_found_title"));
  page.emplace("missing", slug);
  return page;
}

mstch::map error_page(const PageBase& base, int status, const std::string& message, const std::string& ui_key,
                      long wait_s) {
  mstch::map page = base_map(base, ui_text(base, "error_title"));
  page.emplace("status", std::to_string(status));
  std::string text = ui_text(base, ui_key.empty() ? "error_" + std::to_string(status) : ui_key);
  if (const auto at = text.find("{minutes}"); at != std::string::npos) {
    text.replace(at, 9, std::to_string(std::max(1L, (wait_s + 59) / 60)));
  }
  page.emplace("message", text.empty() ? message : text);
  // A request the person can correct says what was wrong, as the server
  // put it.
  page.emplace("detail", !text.empty() && status == 400 && ui_key.empty() ? message : std::string());
  return page;
}

}  // namespace kb
