/** @file app_admin.cpp
 *  @brief Admin endpoints: statistics (JSON, CSV, dashboard) and the list
 *  of tickets. All need the admin token.
 */
#include "app.h"

#include "kb/admin_views.h"
#include "kb/content_report.h"
#include "kb/deflection.h"

#include <unordered_map>
#include "kb/insights.h"
#include "kb/synonyms.h"
#include "kb/text.h"

#include <nlohmann/json.hpp>

namespace kb::server {

namespace {

using nlohmann::json;

constexpr std::int64_t kDayMs = 24LL * 3600 * 1000;

struct DateRange {
  std::string from, to;
  std::int64_t from_ms = 0, to_ms = 0;  ///< [from 00:00, day after to 00:00)
};

/// from/to as YYYY-MM-DD (UTC, both inclusive); the last 30 days by default.
DateRange date_range(const QueryParams& params) {
  DateRange r;
  r.to = params.get("to");
  r.from = params.get("from");
  if (r.to.empty()) r.to = utc_date(now_ms());
  const std::optional<std::int64_t> to = parse_utc_date(r.to);
  if (!to) throw HttpError(400, "'to' must be a date written YYYY-MM-DD");
  if (r.from.empty()) r.from = utc_date(*to - 29 * kDayMs);
  const std::optional<std::int64_t> from = parse_utc_date(r.from);
  if (!from) throw HttpError(400, "'from' must be a date written YYYY-MM-DD");
  if (*from > *to) throw HttpError(400, "'from' is after 'to'");
  r.from_ms = *from;
  r.to_ms = *to + kDayMs;
  return r;
}

/// The searches of @p sessions per rung, counted as the dashboard's
/// "Searches" counts them (counted_events: a reload or Back is the same
/// search), so the rows add up to "Searches".
std::map<std::string, std::uint64_t> searches_by_rung(const std::vector<SessionEvents>& sessions) {
  std::map<std::string, std::uint64_t> rungs;
  for (const auto& [row, events] : sessions) {
    for (const auto& e : counted_events(events)) {
      if (e.kind == event_kind::kSearch) ++rungs[e.rung];
    }
  }
  return rungs;
}

std::string csv_row(std::initializer_list<std::string> fields) {
  std::string line;
  for (const auto& f : fields) {
    if (!line.empty()) line += ',';
    line += csv_field(f);
  }
  return line + "\r\n";
}

}  // namespace

bool App::admin_page_allowed(const httplib::Request& req, httplib::Response& res) {
  try {
    require_admin(req);
    return true;
  } catch (const HttpError& e) {
    send_page(res, e.status(), "login",
              stats_login_page(page_base(req, QueryParams(req)), e.status() == 401 ? "" : e.what()));
    if (e.retry_after_s() > 0) res.set_header("Retry-After", std::to_string(e.retry_after_s()));
    return false;
  }
}

DeflectionOptions App::deflection_options() const {
  DeflectionOptions opt;
  opt.now_ms = now_ms();
  opt.session_timeout_ms = static_cast<std::int64_t>(config_.session_timeout_s) * 1000;
  return opt;
}

std::vector<SessionEvents> App::sessions_between(std::int64_t from_ms, std::int64_t to_ms) {
  stats_->flush_due();  // a visitor still typing keeps their burst whole
  std::vector<SessionEvents> sessions =
      stats_->with_store([&](StatsStore& s) { return s.sessions_between(from_ms, to_ms); });
  use_current_slugs(sessions);
  return sessions;
}

void App::use_current_slugs(std::vector<SessionEvents>& sessions) {
  Searcher& s = searcher();
  std::unordered_map<std::string, std::string> current;  // slug as recorded -> as now; "" when unchanged
  auto renamed = [&](std::string& slug) {
    if (slug.empty()) return;
    auto it = current.find(slug);
    if (it == current.end()) it = current.emplace(slug, s.resolve_alias(slug).value_or("")).first;
    if (!it->second.empty()) slug = it->second;
  };
  for (auto& [row, events] : sessions) {
    for (Event& e : events) {
      renamed(e.slug);
      for (std::string& shown : e.slugs) renamed(shown);
    }
  }
}

const std::string& App::sign_in_token(const char* cookie_name) const {
  return std::string_view(cookie_name) == kAdminCookie ? config_.admin_token : config_.agent_token;
}

namespace {

/// What a sign-in cookie's signature covers besides its issue time.
std::string sign_in_purpose(const char* cookie_name, const std::string& token) {
  return std::string(cookie_name) + ":" + token;
}

std::int64_t now_s() { return now_ms() / 1000; }

}  // namespace

std::string App::sign_in_cookie(const httplib::Request& req, const char* cookie_name) const {
  // Each sign-in its own value (agents share one token and may sign in
  // the same second): signing out one browser leaves the others signed in.
  std::string value = std::string(cookie_name) + "=" +
                      nonced_dated_token(secret_, sign_in_purpose(cookie_name, sign_in_token(cookie_name)),
                                         Statistics::new_id(), now_s()) +
                      "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                      std::to_string(std::chrono::seconds(kSignInLifetime).count());
  if (is_https(req)) value += "; Secure";
  return value;
}

std::optional<std::int64_t> App::sign_in_issued(const char* cookie_name, const std::string& value) const {
  const std::string& token = sign_in_token(cookie_name);
  if (token.empty() || value.empty()) return std::nullopt;
  return nonced_dated_token_issued(secret_, sign_in_purpose(cookie_name, token), value, now_s(), kSignInLifetime);
}

namespace {

/// What the store keeps of a signed-out cookie: enough to recognise it,
/// not enough to present it.
std::string revoked_digest(const std::string& secret, const std::string& value) {
  return hmac_sha256_hex(secret, "revoked-sign-in:" + value);
}

}  // namespace

bool App::has_sign_in_cookie(const httplib::Request& req, const char* cookie_name) const {
  const std::string value = cookie(req, cookie_name);
  // With a sign-in token configured there is a revocation list.
  return sign_in_issued(cookie_name, value) && !revoked_sign_ins_->revoked(revoked_digest(secret_, value));
}

void App::revoke_sign_in(const httplib::Request& req, const char* cookie_name) {
  const std::string value = cookie(req, cookie_name);
  const auto issued = sign_in_issued(cookie_name, value);
  if (!issued) return;
  // Refused as long as any server could still accept it: until its
  // lifetime is over by the clock most ahead.
  const std::int64_t expires_s = *issued + std::chrono::seconds(kSignInLifetime).count() + kTokenClockDriftS;
  revoked_sign_ins_->revoke(revoked_digest(secret_, value), expires_s * 1000);
}

std::string App::staff_form_token(const httplib::Request& req, const char* cookie_name) const {
  return has_sign_in_cookie(req, cookie_name) ? csrf_token("staff-form:" + cookie(req, cookie_name)) : std::string();
}

void App::require_staff_form(const httplib::Request& req, const QueryParams& form, const char* cookie_name) const {
  const std::string& token = sign_in_token(cookie_name);
  const std::string auth = req.get_header_value("Authorization");
  if (!token.empty() && auth.rfind("Bearer ", 0) == 0 && constant_time_equal(auth.substr(7), token)) return;
  const std::string expected = staff_form_token(req, cookie_name);
  if (!is_same_origin(req) || expected.empty() || !constant_time_equal(form.get("csrf"), expected)) throw expired_form_error();
}

void App::refuse_token_guessing(const httplib::Request& req) const {
  if (const long wait = wrong_tokens_.wait(client_key(req)); wait > 0) {
    throw HttpError(429, "Too many wrong tokens from this address. Try again in " + std::to_string(wait) + " seconds.", wait);
  }
}

void App::count_wrong_token(const httplib::Request& req) const { wrong_tokens_.hit(client_key(req)); }

bool App::presents_token(const httplib::Request& req, const std::string& token, const char* cookie_name) const {
  const std::string auth = req.get_header_value("Authorization");
  const bool bearer = auth.rfind("Bearer ", 0) == 0;
  // Only a token offered counts as a guess: opening /stats signed out does
  // not, nor does a stale sign-in cookie (an HMAC under the server's
  // secret: nothing to guess).
  if (bearer) refuse_token_guessing(req);
  if (bearer && constant_time_equal(auth.substr(7), token)) return true;
  if (has_sign_in_cookie(req, cookie_name)) return true;
  if (bearer) count_wrong_token(req);
  return false;
}

void App::require_admin(const httplib::Request& req) const {
  if (config_.admin_token.empty()) {
    throw HttpError(403, "Admin endpoints are off: start kb-server with --admin-token TOKEN (or set KB_ADMIN_TOKEN).");
  }
  if (presents_token(req, config_.admin_token, kAdminCookie)) return;
  throw HttpError(401, "This needs the admin token: send 'Authorization: Bearer TOKEN'.");
}

void App::get_tickets_api(const httplib::Request& req, httplib::Response& res) {
  require_admin(req);
  const QueryParams params(req);
  const DateRange range = date_range(params);
  const int limit = std::max(1, std::min(1000, int_param(params, "limit", 100)));
  const auto tickets = stats_->with_store(
      [&](StatsStore& s) { return s.tickets(range.from_ms, range.to_ms, static_cast<std::size_t>(limit), 0); });
  json list = json::array();
  for (const auto& t : tickets) {
    list.push_back({{"id", t.id},
                    {"reference", t.reference},
                    {"created_at", utc_date(t.created_at_ms)},
                    {"created_at_ms", t.created_at_ms},
                    {"subject", t.subject},
                    {"description", t.description},
                    {"email", t.email},
                    {"context", t.context},
                    {"delivery", t.delivery},
                    {"attempts", t.attempts},
                    {"last_error", t.last_error}});
  }
  send_json(res, 200, json{{"from", range.from}, {"to", range.to}, {"tickets", list}});
}

nlohmann::json App::with_all_tickets(nlohmann::json stats, std::int64_t from_ms, std::int64_t to_ms) {
  // The sessions' ticket events miss tickets sent without a browser
  // session (the JSON API from a script): count the tickets themselves, as
  // /api/tickets and the tickets CSV list them.
  stats["tickets_in_sessions"] = stats["tickets"];
  stats["tickets"] = stats_->with_store([&](StatsStore& s) { return s.ticket_count(from_ms, to_ms); });
  return stats;
}

void App::get_stats_api(const httplib::Request& req, httplib::Response& res) {
  require_admin(req);
  const DateRange range = date_range(QueryParams(req));
  send_json(res, 200, with_all_tickets(deflection_stats(sessions_between(range.from_ms, range.to_ms), deflection_options()),
                                       range.from_ms, range.to_ms));
}

void App::get_stats_export(const httplib::Request& req, httplib::Response& res) {
  require_admin(req);
  const QueryParams params(req);
  const DateRange range = date_range(params);
  const std::string kind = params.get("kind");
  stats_->flush_due();  // tickets too are read after what is queued is written
  std::string out;
  if (kind == "sessions" || kind == "events") {
    const auto sessions = sessions_between(range.from_ms, range.to_ms);
    if (kind == "sessions") {
      out = csv_row({"session", "started_at_ms", "last_seen_ms", "searches", "views", "votes", "tickets"});
      for (const auto& [row, events] : sessions) {
        int searches = 0, views = 0, votes = 0, tickets = 0;
        for (const auto& e : events) {
          searches += e.kind == event_kind::kSearch;
          views += e.kind == event_kind::kView;
          votes += e.kind == event_kind::kVote;
          tickets += e.kind == event_kind::kTicket;
        }
        out += csv_row({row.id, std::to_string(row.started_at_ms), std::to_string(row.last_seen_ms),
                        std::to_string(searches), std::to_string(views), std::to_string(votes), std::to_string(tickets)});
      }
    } else {
      out = csv_row({"session", "at_ms", "kind", "search_id", "query", "norm_query", "result_count", "rung", "slug",
                     "rank", "source", "helpful", "comment", "ticket_id", "ticket_ref"});
      for (const auto& [row, events] : sessions) {
        for (const auto& e : events) {
          out += csv_row({e.session, std::to_string(e.at_ms), e.kind, e.search_id, e.query, e.norm_query,
                          e.result_count < 0 ? "" : std::to_string(e.result_count), e.rung, e.slug,
                          e.rank ? std::to_string(e.rank) : "", e.source, e.helpful < 0 ? "" : std::to_string(e.helpful),
                          e.comment, e.ticket_id ? std::to_string(e.ticket_id) : "", e.ref});
        }
      }
    }
  } else if (kind == "tickets") {
    const auto tickets =
        stats_->with_store([&](StatsStore& s) { return s.tickets(range.from_ms, range.to_ms, 1000000, 0); });
    out = csv_row({"id", "reference", "created_at_ms", "subject", "email", "delivery", "attempts"});
    for (const auto& t : tickets) {
      out += csv_row({std::to_string(t.id), t.reference, std::to_string(t.created_at_ms), t.subject, t.email, t.delivery,
                      std::to_string(t.attempts)});
    }
  } else {
    throw HttpError(400, "'kind' must be sessions, events or tickets");
  }
  res.set_header("Content-Disposition", "attachment; filename=\"kb-" + kind + "-" + range.from + "-" + range.to + ".csv\"");
  res.set_content(out, "text/csv; charset=utf-8");
}

void App::get_stats_page(const httplib::Request& req, httplib::Response& res) {
  if (!admin_page_allowed(req, res)) return;
  const PageBase base = page_base(req, QueryParams(req));
  const DateRange range = date_range(QueryParams(req));
  const auto sessions = sessions_between(range.from_ms, range.to_ms);
  const DeflectionOptions opt = deflection_options();
  const std::map<std::string, std::uint64_t> rungs = searches_by_rung(sessions);
  mstch::map page =
      stats_page(base, with_all_tickets(deflection_stats(sessions, opt), range.from_ms, range.to_ms), range.from, range.to, rungs);
  page.emplace("logout_csrf", staff_form_token(req, kAdminCookie));
  send_page(res, 200, "stats", page);
}

void App::get_health_page(const httplib::Request& req, httplib::Response& res) {
  if (!admin_page_allowed(req, res)) return;
  const QueryParams params(req);
  const DateRange range = date_range(params);
  // With --articles the check's problems count too; otherwise the index's list.
  CheckReport check;
  std::vector<ArticleHealthInput> inputs;
  if (!config_.articles_dir.empty()) {
    CheckOptions copt;
    copt.articles_dir = config_.articles_dir;
    check = check_articles(copt);
  }
  for (const auto& a : searcher().list_articles()) inputs.push_back({a.slug, a.title, a.path, a.updated});
  const int stale_days = int_param(params, "stale_days", 0);
  const auto health = article_health(inputs, check, sessions_between(range.from_ms, range.to_ms), deflection_options(),
                                     stale_days, range.to);
  if (params.get("format") == "csv") {
    std::string out = "score,slug,reasons\r\n";
    for (const auto& h : health) {
      std::string reasons;
      for (const auto& r : h.reasons) reasons += (reasons.empty() ? "" : "; ") + r;
      out += std::to_string(h.score) + "," + csv_field(h.slug) + "," + csv_field(reasons) + "\r\n";
    }
    res.set_content(out, "text/csv; charset=utf-8");
    return;
  }
  mstch::array rows;
  for (const auto& h : health) {
    mstch::array reasons;
    for (const auto& r : h.reasons) reasons.push_back(r);
    rows.push_back(mstch::map{{"score", std::to_string(h.score)}, {"slug", h.slug}, {"title", h.title},
                              {"url", "/articles/" + h.slug}, {"reasons", reasons}});
  }
  const PageBase base = page_base(req, params);
  send_page(res, 200, "health",
            mstch::map{{"t", base.strings}, {"ui_lang", base.ui_lang}, {"page_title", std::string("Article health")},
                       {"query", std::string()}, {"rows", rows}, {"from", range.from}, {"to", range.to}});
}

void App::get_gaps_page(const httplib::Request& req, httplib::Response& res) {
  if (!admin_page_allowed(req, res)) return;
  const QueryParams params(req);
  const DateRange range = date_range(params);
  const auto gaps = content_gaps(sessions_between(range.from_ms, range.to_ms),
                                 stats_->with_store([&](StatsStore& s) { return s.tickets(range.from_ms, range.to_ms, 100000, 0); }),
                                 deflection_options());
  if (params.get("format") == "csv") {
    res.set_content(gaps_csv(gaps), "text/csv; charset=utf-8");
    return;
  }
  mstch::array rows;
  for (const auto& g : gaps) {
    mstch::array queries, subjects;
    for (const auto& q : g.queries) queries.push_back(mstch::map{{"q", q}, {"url", "/search?q=" + url_encode(q)}});
    for (const auto& sub : g.ticket_subjects) subjects.push_back(sub);
    rows.push_back(mstch::map{{"label", g.label}, {"volume", std::to_string(g.volume())},
                              {"zero", std::to_string(g.zero_result)}, {"exits", std::to_string(g.exits)},
                              {"tickets", std::to_string(g.tickets)}, {"queries", queries}, {"subjects", subjects}});
  }
  const PageBase base = page_base(req, params);
  send_page(res, 200, "gaps",
            mstch::map{{"t", base.strings}, {"ui_lang", base.ui_lang}, {"page_title", std::string("Content gaps")},
                       {"query", std::string()}, {"rows", rows}, {"from", range.from}, {"to", range.to}});
}

void App::post_stats_login(const httplib::Request& req, httplib::Response& res) {
  const QueryParams form = QueryParams::from_form(req.body);
  const PageBase base = page_base(req, QueryParams(req));
  if (config_.admin_token.empty()) {
    send_page(res, 403, "login",
              stats_login_page(base, "Admin endpoints are off: start kb-server with --admin-token TOKEN (or set KB_ADMIN_TOKEN)."));
    return;
  }
  refuse_token_guessing(req);
  if (!constant_time_equal(form.get("token"), config_.admin_token)) {
    count_wrong_token(req);
    send_page(res, 401, "login", stats_login_page(base, ui_text(base, "wrong_token")));
    return;
  }
  res.set_header("Set-Cookie", sign_in_cookie(req, kAdminCookie));
  res.set_header("Set-Cookie", staff_cookie(req));
  res.status = 303;
  res.set_header("Location", "/stats");
}

Synonyms App::known_synonyms() {
  // The file holds what was accepted since the last kb-index run too.
  if (!config_.articles_dir.empty()) {
    try {
      return Synonyms::load(Synonyms::file_in(config_.articles_dir));
    } catch (const std::exception& e) {
      log("warning", std::string("synonym proposals: ") + e.what() + "; leaving out the index's synonyms instead");
    }
  }
  return searcher().synonyms();
}

std::vector<SynonymProposal> App::open_synonym_proposals(const httplib::Request& req) {
  const DateRange range = date_range(QueryParams(req));
  return synonym_proposals(sessions_between(range.from_ms, range.to_ms), deflection_options(), 1, known_synonyms());
}

void App::get_synonym_proposals_api(const httplib::Request& req, httplib::Response& res) {
  require_admin(req);
  json list = json::array();
  for (const auto& p : open_synonym_proposals(req)) {
    list.push_back({{"from", p.from}, {"to", p.to}, {"sessions", p.sessions}});
  }
  send_json(res, 200, json{{"proposals", list}});
}

void App::get_synonyms_page(const httplib::Request& req, httplib::Response& res) {
  if (!admin_page_allowed(req, res)) return;
  send_synonyms_page(req, res, 200, "");
}

void App::send_synonyms_page(const httplib::Request& req, httplib::Response& res, int status, const std::string& problem) {
  const QueryParams params(req);
  const PageBase base = page_base(req, params);
  mstch::array rows;
  for (const auto& p : open_synonym_proposals(req)) {
    rows.push_back(mstch::map{{"from", p.from}, {"to", p.to}, {"sessions", std::to_string(p.sessions)}});
  }
  mstch::map page{{"t", base.strings}, {"ui_lang", base.ui_lang}, {"page_title", std::string("Synonym proposals")},
                  {"query", std::string()}, {"csrf", staff_form_token(req, kAdminCookie)}, {"proposals", rows},
                  {"has_proposals", !rows.empty()}, {"writable", !config_.articles_dir.empty()},
                  {"accepted", params.get("accepted")}, {"unchanged", params.get("unchanged")}, {"problem", problem}};
  send_page(res, status, "synonyms", page);
}

void App::post_synonym_accept(const httplib::Request& req, httplib::Response& res) {
  require_admin(req);
  const QueryParams form = QueryParams::from_form(req.body);
  require_staff_form(req, form, kAdminCookie);
  if (config_.articles_dir.empty()) {
    throw HttpError(409, "kb-server does not know where the articles are: start it with --articles DIR to accept synonyms.");
  }
  const std::string from = collapse_whitespace(form.get("from"));
  const std::string to = collapse_whitespace(form.get("to"));
  if (from.empty() || to.empty() || from.size() > 100 || to.size() > 100 || !is_valid_utf8(from) || !is_valid_utf8(to)) {
    throw HttpError(400, "'from' and 'to' must be words or phrases of at most 100 bytes");
  }
  Synonyms::Accepted accepted;
  try {
    accepted = Synonyms::accept_pair(Synonyms::file_in(config_.articles_dir), from, to);
  } catch (const SynonymConflict& e) {
    send_synonyms_page(req, res, 409, std::string("Not added: ") + e.what());
    return;
  } catch (const std::invalid_argument& e) {
    throw HttpError(400, e.what());
  } catch (const std::exception& e) {
    // The folder or file is not writable, the disk full...: the admin is
    // told what and where, and nothing was changed.
    log("error", std::string("accepting a synonym: ") + e.what());
    send_synonyms_page(req, res, 500, std::string("Not added: ") + e.what() + ".");
    return;
  }
  res.status = 303;
  res.set_header("Location", std::string("/stats/synonyms?") +
                                 (accepted == Synonyms::Accepted::added ? "accepted=" : "unchanged=") +
                                 url_encode(from + " = " + to));
}

void App::post_stats_logout(const httplib::Request& req, httplib::Response& res) {
  // Only the dashboard's own page signs its browser out. Another site's
  // form arrives without the Strict sign-in cookie (so nothing to sign
  // out: clearing kb_staff then would count a signed-in agent as a
  // customer) or without the page's token: nothing changes.
  if (signed_in_admin(req)) {
    require_staff_form(req, QueryParams::from_form(req.body), kAdminCookie);
    revoke_sign_in(req, kAdminCookie);
    res.set_header("Set-Cookie", std::string(kAdminCookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    // Still signed in as an agent on this browser: still staff.
    if (!signed_in_agent(req)) res.set_header("Set-Cookie", cleared_staff_cookie());
  }
  res.status = 303;
  res.set_header("Location", "/stats");
}

}  // namespace kb::server
