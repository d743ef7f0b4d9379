/** @file app_agent.cpp
 *  @brief Support agents: a compact search that copies links, Markdown
 *  links and section text for replies, suggestions for a ticket's text,
 *  and tracking of the links agents send.
 */
#include "app.h"

#include "kb/admin_views.h"
#include "kb/text.h"

#include <nlohmann/json.hpp>

namespace kb::server {

namespace {

using nlohmann::json;

/// A suggestion for a ticket, with links that carry ?ref=agent (and the
/// ticket), as the agent view's copied links do: a help-desk integration
/// pastes them into replies, and the views they bring are counted as
/// agent links.
json hit_json(const SearchHit& hit, const std::string& origin, const std::string& link_query) {
  const std::string url = origin + "/articles/" + hit.slug + link_query;
  return {{"slug", hit.slug},
          {"title", hit.title},
          {"url", url},
          {"section",
           {{"heading", hit.section_heading},
            {"anchor", hit.section_anchor},
            {"url", hit.section_anchor.empty() ? url : url + "#" + hit.section_anchor}}},
          {"snippet", hit.snippet_html},
          {"score", hit.score}};
}

/// The help desk's ticket id a request names ("ticket"), or "".
std::string ticket_of(const json& body) {
  if (!body.contains("ticket") || !body["ticket"].is_string()) return {};
  std::string ticket(utf8_prefix(body["ticket"].get<std::string>(), 64));
  return is_valid_utf8(ticket) ? ticket : std::string();
}

}  // namespace

void App::require_agent(const httplib::Request& req) const {
  if (config_.agent_token.empty()) {
    throw HttpError(403, "Agent features are off: start kb-server with --agent-token TOKEN (or set KB_AGENT_TOKEN).");
  }
  if (presents_token(req, config_.agent_token, kAgentCookie)) return;
  throw HttpError(401, "This needs the agent token: send 'Authorization: Bearer TOKEN' or sign in at /agent.");
}

void App::get_agent_page(const httplib::Request& req, httplib::Response& res) {
  const QueryParams params(req);
  try {
    require_agent(req);
  } catch (const HttpError& e) {
    send_page(res, e.status(), "login", agent_login_page(page_base(req, params), e.status() == 401 ? "" : e.what()));
    if (e.retry_after_s() > 0) res.set_header("Retry-After", std::to_string(e.retry_after_s()));
    return;
  }
  const auto session = visit(req, res);
  PageBase base = page_base(req, params, session.value_or(""));
  base.script_strings = agent_script_strings_.at(base.ui_lang);
  const std::string ticket = std::string(utf8_prefix(params.get("ticket"), 64));
  std::vector<AgentResult> results;
  SearchRequest r = search_request(req, params);
  std::string corrected;
  bool showing_corrected = false;
  if (!r.query.empty()) {
    Searcher& s = searcher();
    SearchResponse found = s.search(r);
    corrected = found.corrected_query;
    showing_corrected = found.results_corrected();
    for (auto& hit : found.hits) {
      const auto article = s.find_article(hit.slug);
      results.push_back(AgentResult{std::move(hit), article ? article->headings : std::vector<Heading>{}});
    }
  }
  const std::string shown_ticket = is_valid_utf8(ticket) ? ticket : "";
  mstch::map page = agent_page(base, r.query, shown_ticket, results, origin(req), agent_link_query(secret_, shown_ticket),
                               corrected, showing_corrected);
  page.emplace("logout_csrf", staff_form_token(req, kAgentCookie));
  send_page(res, 200, "agent", page);
}

void App::post_agent_login(const httplib::Request& req, httplib::Response& res) {
  const QueryParams form = QueryParams::from_form(req.body);
  if (!config_.agent_token.empty()) refuse_token_guessing(req);
  if (config_.agent_token.empty() || !constant_time_equal(form.get("token"), config_.agent_token)) {
    if (!config_.agent_token.empty()) count_wrong_token(req);
    const PageBase base = page_base(req, QueryParams(req));
    send_page(res, config_.agent_token.empty() ? 403 : 401, "login",
              agent_login_page(base, config_.agent_token.empty()
                                         ? ui_text(base, "agent_off")
                                         : ui_text(base, "wrong_token")));
    return;
  }
  res.set_header("Set-Cookie", sign_in_cookie(req, kAgentCookie));
  res.set_header("Set-Cookie", staff_cookie(req));
  res.status = 303;
  res.set_header("Location", "/agent");
}

void App::post_agent_logout(const httplib::Request& req, httplib::Response& res) {
  // As post_stats_logout: only the agent view's own page signs out.
  if (signed_in_agent(req)) {
    require_staff_form(req, QueryParams::from_form(req.body), kAgentCookie);
    revoke_sign_in(req, kAgentCookie);
    res.set_header("Set-Cookie", std::string(kAgentCookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    // Still signed in to the dashboard on this browser: still staff.
    if (!signed_in_admin(req)) res.set_header("Set-Cookie", cleared_staff_cookie());
  }
  res.status = 303;
  res.set_header("Location", "/agent");
}

void App::post_suggest_for_ticket_api(const httplib::Request& req, httplib::Response& res) {
  require_agent(req);
  require_json(req);
  const json body = json::parse(req.body, nullptr, false);
  if (!body.is_object()) throw HttpError(400, "the body must be a JSON object");
  std::string subject, text;
  if (body.contains("subject") && body["subject"].is_string()) subject = body["subject"].get<std::string>();
  if (body.contains("body") && body["body"].is_string()) text = body["body"].get<std::string>();
  if (subject.empty() && text.empty()) throw HttpError(400, "give 'subject' and/or 'body'");
  const std::string site = origin(req);
  json out = json::array();
  const std::string ticket = ticket_of(body);
  for (const auto& hit : searcher().suggest_for_ticket(subject, text, 5)) out.push_back(hit_json(hit, site, agent_link_query(secret_, ticket)));
  send_json(res, 200, json{{"suggestions", out}});
}

void App::get_agent_section_api(const httplib::Request& req, httplib::Response& res) {
  require_agent(req);
  const QueryParams params(req);
  const auto text = searcher().section_text(params.get("slug"), params.get("anchor"), origin(req));
  if (!text) throw HttpError(404, "no such article or section");
  send_json(res, 200, json{{"text", *text}});
}

void App::post_agent_copied_api(const httplib::Request& req, httplib::Response& res) {
  require_agent(req);
  require_json(req);
  const json body = json::parse(req.body, nullptr, false);
  if (!body.is_object() || !body.contains("slug") || !body["slug"].is_string()) {
    throw HttpError(400, "give 'slug' (and 'kind': link|markdown|text, 'ticket')");
  }
  const std::string kind = body.contains("kind") && body["kind"].is_string() ? body["kind"].get<std::string>() : "link";
  if (kind != "link" && kind != "markdown" && kind != "text") throw HttpError(400, "'kind' must be link, markdown or text");
  const auto article = searcher().find_article(body["slug"].get<std::string>());
  if (!article) throw HttpError(404, "no such article");
  const auto session = staff_visit(req, res);
  if (session) {
    Event e;
    e.session = *session;
    e.kind = event_kind::kAgentCopy;
    e.slug = article->slug;
    e.source = kind;
    if (body.contains("anchor") && body["anchor"].is_string()) {
      e.query = std::string(utf8_prefix(body["anchor"].get<std::string>(), 200));
      if (!is_valid_utf8(e.query)) e.query.clear();
    }
    e.ref = ticket_of(body);
    stats_->record(std::move(e));
  }
  send_json(res, 200, json{{"recorded", session.has_value()}});
}

}  // namespace kb::server
