/** @file fuzz_templates.cpp
 *  @brief libFuzzer target: untrusted strings (queries, titles, ticket
 *  fields, slugs, error messages, headings) rendered through the real page
 *  templates in web/templates: search, article, ticket form, not found,
 *  error, agent view.
 *
 *  Property: a page rendered with the fuzzed strings has exactly as many
 *  markup characters ('<', '>', '"') as the same page rendered with
 *  harmless stand-ins of the same emptiness. Any difference means an input
 *  string reached the page unescaped (a script tag, or a quote that leaves
 *  an attribute). Also: json_for_script never lets "</" through.
 */
#include "fuzz_input.h"

#include "kb/admin_views.h"
#include "kb/templates.h"
#include "kb/text.h"
#include "kb/views.h"

#include <map>
#include <memory>

namespace {

struct Pages {
  Pages()
      : templates(std::filesystem::path(KB_WEB_DIR) / "templates"),
        strings(kb::load_all_strings({std::filesystem::path(KB_WEB_DIR) / "strings"})) {}
  kb::TemplateSet templates;
  std::map<std::string, mstch::map> strings;
};

const Pages& pages() {
  static const Pages p;
  return p;
}

enum Field { kQuery, kTitle, kSummary, kSlug, kCategory, kTag, kSubject, kDescription, kEmail, kMessage, kHeading,
             kUpdated, kTicket, kFieldCount };

std::size_t markup(const std::string& html) {
  std::size_t n = 0;
  for (char c : html) n += c == '<' || c == '>' || c == '"';
  return n;
}

/// Every page, rendered from @p f, concatenated.
std::string render_all(const std::vector<std::string>& f) {
  const Pages& p = pages();
  kb::PageBase base;
  base.strings = p.strings.at("en");
  base.query = f[kQuery];
  base.csrf = "csrf-token";

  kb::SearchHit hit;
  hit.slug = f[kSlug];
  hit.url = "/articles/" + f[kSlug];
  hit.title = f[kTitle];
  hit.summary = f[kSummary];
  hit.snippet_html = kb::html_escape(f[kDescription]);
  hit.category = f[kCategory];
  hit.tags = {f[kTag]};
  hit.updated = f[kUpdated];
  hit.section_heading = f[kHeading];
  kb::SearchRequest request;
  request.query = f[kQuery];
  kb::SearchResponse response;
  response.total = 25;
  response.hits = {hit};
  response.category_facets = {{f[kCategory], 3}};
  response.tag_facets = {{f[kTag], 2}};
  response.corrected_query = f[kSubject];
  response.rung = "corrected";

  kb::ArticleRecord article;
  article.slug = f[kSlug];
  article.title = f[kTitle];
  article.summary = f[kSummary];
  article.category = f[kCategory];
  article.tags = {f[kTag]};
  article.updated = f[kUpdated];
  article.lang = "en";
  article.html = "<p>body</p>";  // rendered Markdown is fuzzed by fuzz_article
  article.headings = {kb::Heading{2, f[kHeading], "anchor-a", 1}, kb::Heading{2, f[kTitle], "anchor-b", 3}};

  kb::TicketFormState form;
  form.subject = f[kSubject];
  form.description = f[kDescription];
  form.email = f[kEmail];
  form.query = f[kQuery];
  form.article_slug = f[kSlug];
  form.article_title = f[kTitle];
  form.errors = {{"subject", kb::FieldProblem{"not_a_string_key", f[kMessage]}}};
  form.suggestions = {kb::ArticleLink{f[kSlug], f[kTitle], f[kSummary], "en"}};

  std::vector<kb::AgentResult> agent_results{kb::AgentResult{hit, article.headings}};

  std::string out;
  out += p.templates.render("search", kb::search_page(base, request, response, f[kTicket], {{f[kSlug], f[kTitle], "", "en"}}));
  out += p.templates.render("article", kb::article_page(base, article, {{f[kSlug], f[kTitle], f[kSummary], "en"}}));
  out += p.templates.render("ticket_new", kb::ticket_form_page(base, form));
  out += p.templates.render("not_found", kb::not_found_page(base, f[kSlug]));
  out += p.templates.render("error", kb::error_page(base, 400, f[kMessage]));
  out += p.templates.render("agent", kb::agent_page(base, f[kQuery], f[kTicket], agent_results, "https://help.example",
                                                    "?ref=agent&ticket=" + kb::url_encode(f[kTicket]) + "&sig=0123456789abcdef"));
  out += p.templates.render("login", kb::login_page(base, "Agent", "Token", "/agent/login", f[kMessage]));
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = kb::fuzz::as_text(data, size);
  if (kb::json_for_script(std::string(text)).find("</") != std::string::npos) kb::fuzz::fail("</ in a script data block");

  std::vector<std::string> f = kb::fuzz::fields(text, kFieldCount);
  f.resize(kFieldCount);
  std::vector<std::string> harmless = f;
  for (std::size_t i = 0; i < harmless.size(); ++i) {
    if (!harmless[i].empty()) harmless[i] = "x" + std::to_string(i);
  }
  if (markup(render_all(f)) != markup(render_all(harmless))) kb::fuzz::fail("an input string reached a page unescaped");
  return 0;
}
