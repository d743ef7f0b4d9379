/** @file admin_views.cpp
 *  @brief Dashboard view model.
 */
#include "kb/admin_views.h"

#include "kb/reply_text.h"
#include "kb/text.h"

#include <algorithm>
#include <cstdio>

namespace kb {

namespace {

std::string percent(const nlohmann::json& v) {
  if (!v.is_number()) return "–";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%", v.get<double>() * 100.0);
  return buf;
}

std::string number(const nlohmann::json& v) {
  if (v.is_number_integer()) return std::to_string(v.get<std::int64_t>());
  if (v.is_number()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v.get<double>());
    return buf;
  }
  return "–";
}

std::string fixed(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

/// Bars (help sessions per day) and a polyline (deflection rate per day)
/// in a 600 x 200 viewBox.
mstch::map daily_chart(const nlohmann::json& daily) {
  const double width = 600, height = 200, top = 10, bottom = 30;
  const std::size_t n = daily.size();
  std::int64_t max_sessions = 1;
  for (const auto& d : daily) max_sessions = std::max<std::int64_t>(max_sessions, d.value("help_sessions", 0));
  const double slot = n ? width / static_cast<double>(n) : width;
  mstch::array bars;
  std::string points;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& d = daily[i];
    const double sessions = static_cast<double>(d.value("help_sessions", 0));
    const double h = (height - top - bottom) * sessions / static_cast<double>(max_sessions);
    const double x = slot * static_cast<double>(i) + slot * 0.15;
    bars.push_back(mstch::map{{"x", fixed(x)},
                              {"y", fixed(height - bottom - h)},
                              {"width", fixed(slot * 0.7)},
                              {"height", fixed(h)},
                              {"date", d.value("date", "")},
                              {"sessions", number(d["help_sessions"])},
                              {"rate", percent(d["deflection_rate"])}});
    if (d["deflection_rate"].is_number()) {
      const double y = height - bottom - (height - top - bottom) * d["deflection_rate"].get<double>();
      points += fixed(x + slot * 0.35) + "," + fixed(y) + " ";
    }
  }
  return mstch::map{{"bars", bars},
                    {"points", points},
                    {"has_points", !points.empty()},
                    {"first_date", n ? daily[0].value("date", "") : std::string()},
                    {"last_date", n ? daily[n - 1].value("date", "") : std::string()},
                    {"max_sessions", std::to_string(max_sessions)}};
}

}  // namespace

mstch::map login_page(const PageBase& base, const std::string& title, const std::string& token_label,
                      const std::string& action, const std::string& error) {
  return mstch::map{{"t", base.strings}, {"ui_lang", base.ui_lang}, {"page_title", title}, {"login_title", title},
                    {"token_label", token_label}, {"action", action}, {"error", error}, {"query", std::string()}};
}

mstch::map stats_login_page(const PageBase& base, const std::string& error) {
  return login_page(base, ui_text(base, "stats_login_title"), ui_text(base, "stats_token"), "/stats/login", error);
}

mstch::map agent_login_page(const PageBase& base, const std::string& error) {
  return login_page(base, ui_text(base, "agent_login_title"), ui_text(base, "agent_token"), "/agent/login", error);
}

mstch::map agent_page(const PageBase& base, const std::string& query, const std::string& ticket,
                      const std::vector<AgentResult>& results, const std::string& origin,
                      const std::string& link_query, const std::string& corrected, bool showing_corrected) {
  mstch::map page{{"t", base.strings}, {"ui_lang", base.ui_lang}, {"page_title", ui_text(base, "agent_title")},
                  {"query", std::string()}, {"agent_query", query}, {"ticket", ticket}, {"csrf", base.csrf},
                  {"script_strings", base.script_strings}};
  // A typo in a ticket's words: the same "Showing results for" as the
  // public pages, in the words of the page's language.
  if (!corrected.empty()) {
    const std::string keep_ticket = ticket.empty() ? std::string() : "&ticket=" + url_encode(ticket);
    const mstch::map correction{
        {"corrected_query", corrected},
        {"corrected_url", "/agent?q=" + url_encode(corrected) + keep_ticket},
        {"original_query", query},
        {"original_url", "/agent?q=" + url_encode(query) + "&as_typed=1" + keep_ticket},
        {"parts", showing_corrected ? sentence_parts(ui_text(base, "showing_corrected"), {"corrected", "original"})
                                    : sentence_parts(ui_text(base, "did_you_mean"), {"corrected"})}};
    page.emplace(showing_corrected ? "showing_corrected" : "did_you_mean", correction);
  }
  const std::string whole_article = ui_text(base, "agent_whole_article");
  const std::string link_to = ui_text(base, "agent_link_to");
  const std::string markdown_link_to = ui_text(base, "agent_markdown_link_to");
  mstch::array rows;
  for (const auto& r : results) {
    const std::string base_url = origin + "/articles/" + r.hit.slug + link_query;
    mstch::array sections;
    auto add = [&](const std::string& heading, const std::string& anchor) {
      const std::string url = anchor.empty() ? base_url : base_url + "#" + anchor;
      const std::string label = heading.empty() ? r.hit.title : r.hit.title + " › " + heading;
      const std::string shown = heading.empty() ? whole_article : heading;
      sections.push_back(mstch::map{{"heading", shown},
                                    {"link_label", filled(link_to, {{"heading", shown}})},
                                    {"markdown_label", filled(markdown_link_to, {{"heading", shown}})},
                                    {"anchor", anchor},
                                    {"url", url},
                                    {"markdown", "[" + label + "](" + url + ")"},
                                    {"best", anchor == r.hit.section_anchor}});
    };
    add("", "");
    for (const auto& h : r.headings) {
      if (h.level <= kDeepestListedHeading) add(h.text, h.anchor);  // the sections Text copies
    }
    rows.push_back(mstch::map{{"slug", r.hit.slug},
                              {"title", r.hit.title},
                              {"snippet_html", r.hit.snippet_html},
                              {"sections", sections}});
  }
  page.emplace("results", rows);
  page.emplace("has_results", !rows.empty());
  page.emplace("searched", !query.empty());
  return page;
}

mstch::map stats_page(const PageBase& base, const nlohmann::json& s, const std::string& from, const std::string& to,
                      const std::map<std::string, std::uint64_t>& rungs) {
  mstch::map page{{"t", base.strings}, {"ui_lang", base.ui_lang}, {"page_title", "Statistics"},
                  {"query", std::string()}, {"csrf", base.csrf}, {"from", from}, {"to", to}};
  mstch::array summary;
  auto add = [&](const char* label, const std::string& value) {
    summary.push_back(mstch::map{{"label", std::string(label)}, {"value", value}});
  };
  add("Help sessions", number(s["help_sessions"]));
  add("Deflection rate", percent(s["deflection_rate"]));
  add("Deflected sessions", number(s["deflected_sessions"]));
  add("Escalated sessions", number(s["escalated_sessions"]));
  add("Open sessions", number(s["open_sessions"]));
  add("Explicit deflections", number(s["explicit_deflections"]));
  add("Form deflections", number(s["form_deflections"]));
  add("Self-service score", number(s["self_service_score"]));
  add("Searches", number(s["searches"]));
  add("Zero-result rate", percent(s["zero_result_rate"]));
  add("Click-through rate", percent(s["click_through_rate"]));
  add("Search exit rate", percent(s["search_exit_rate"]));
  add("Tickets", number(s["tickets"]));
  page.emplace("summary", summary);
  page.emplace("chart", daily_chart(s["daily"]));

  mstch::array zero;
  for (const auto& q : s["top_zero_result_queries"]) {
    zero.push_back(mstch::map{{"query", q.value("query", "")},
                              {"searches", number(q["searches"])},
                              {"url", "/search?q=" + url_encode(q.value("query", ""))}});
  }
  page.emplace("zero_queries", zero);
  page.emplace("has_zero_queries", !zero.empty());

  // Queries whose sessions most often ended in a ticket, among all queries
  // (deflection_stats ranks them).
  mstch::array esc;
  for (const auto& q : s["escalating_queries"]) {
    esc.push_back(mstch::map{{"query", q.value("query", "")},
                             {"searches", number(q["searches"])},
                             {"rate", percent(q["deflection_rate"])}});
  }
  page.emplace("ticket_queries", esc);
  page.emplace("has_ticket_queries", !esc.empty());

  mstch::array articles;
  std::vector<nlohmann::json> by_tickets(s["articles"].begin(), s["articles"].end());
  std::stable_sort(by_tickets.begin(), by_tickets.end(), [](const auto& a, const auto& b) {
    return a.value("tickets_after_view", 0) > b.value("tickets_after_view", 0);
  });
  for (const auto& a : by_tickets) {
    articles.push_back(mstch::map{{"slug", a.value("slug", "")},
                                  {"url", "/articles/" + a.value("slug", "")},
                                  {"views", number(a["views"])},
                                  {"yes", number(a["helpful_yes"])},
                                  {"no", number(a["helpful_no"])},
                                  {"helpfulness", percent(a["helpfulness"])},
                                  {"tickets_after_view", number(a["tickets_after_view"])}});
  }
  page.emplace("articles", articles);
  page.emplace("has_articles", !articles.empty());

  // Links agents sent in ticket replies, most copied first: whether the
  // articles they reach for settle tickets (few tickets after a view).
  std::vector<nlohmann::json> agent_links(s["agent_links"].begin(), s["agent_links"].end());
  std::stable_sort(agent_links.begin(), agent_links.end(), [](const auto& a, const auto& b) {
    return a.value("links_copied", 0) > b.value("links_copied", 0);
  });
  mstch::array agent_rows;
  for (const auto& a : agent_links) {
    agent_rows.push_back(mstch::map{{"slug", a.value("slug", "")},
                                    {"url", "/articles/" + a.value("slug", "")},
                                    {"copied", number(a["links_copied"])},
                                    {"views", number(a["views"])},
                                    {"tickets_after", number(a["sessions_with_ticket_after"])}});
  }
  page.emplace("agent_links", agent_rows);
  page.emplace("has_agent_links", !agent_rows.empty());
  mstch::array rung_rows;
  for (const char* rung : {"all", "corrected", "synonyms", "any", "none"}) {
    const auto it = rungs.find(rung);
    rung_rows.push_back(mstch::map{{"rung", std::string(rung)}, {"searches", std::to_string(it == rungs.end() ? 0 : it->second)}});
  }
  page.emplace("rungs", rung_rows);
  page.emplace("export_sessions", "/api/stats/export?kind=sessions&from=" + from + "&to=" + to);
  page.emplace("export_events", "/api/stats/export?kind=events&from=" + from + "&to=" + to);
  page.emplace("export_tickets", "/api/stats/export?kind=tickets&from=" + from + "&to=" + to);
  return page;
}

}  // namespace kb
