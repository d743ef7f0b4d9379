/** @file app_tickets.cpp
 *  @brief "Still stuck? Open a ticket": the form, its suggestions, ticket
 *  submission (form and JSON), "This solved my problem", and votes.
 */
#include "app.h"

#include "kb/text.h"
#include "kb/tickets.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

namespace kb::server {

namespace {

using nlohmann::json;

constexpr std::size_t kMaxCommentChars = 2000;
/// How long the "ticket sent" page's link shows its reference.
constexpr std::int64_t kReceiptSeconds = 7 * 24 * 3600;

constexpr std::size_t kMaxIdempotencyKey = 200;

/// What the ticket form's page put in its "submission" field (a random id):
/// anything else is ignored, and that post is sent as a new ticket.
bool is_submission_id(const std::string& s) {
  return !s.empty() && s.size() <= 64 &&
         std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; });
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (std::size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size()) s.replace(pos, from.size(), to);
  return s;
}

/// What the agent should read first, as text for external forms.
std::string context_summary(const json& context) {
  std::string out;
  if (context.contains("queries") && !context["queries"].empty()) {
    out += "\n\nSearched for:";
    for (const auto& q : context["queries"]) {
      out += "\n- " + q.value("query", "") + " (" + std::to_string(q.value("results", 0)) + " results)";
    }
  }
  if (context.contains("articles") && !context["articles"].empty()) {
    out += "\n\nRead:";
    for (const auto& a : context["articles"]) out += "\n- /articles/" + a.value("slug", "");
  }
  return out;
}

}  // namespace

void App::enforce_ticket_limits(const httplib::Request& req, const std::string& session) {
  long wait = address_tickets_.hit(client_key(req));
  if (wait == 0 && !session.empty()) wait = session_tickets_.hit(session);
  if (wait > 0) {
    throw HttpError(429, "Too many tickets from here in the last hour. Try again in " + std::to_string(wait) +
                             " seconds, or call the service desk.", wait, "error_too_many_tickets");
  }
}

Ticket App::new_ticket(const httplib::Request& req, const std::string& session, const TicketInput& input) {
  enforce_ticket_limits(req, session);
  Ticket t;
  t.session = session;
  t.subject = input.subject;
  t.description = input.description;
  t.email = input.email;
  t.context = session.empty() ? json::object() : stats_->session_context(session);
  return t;
}

std::string App::sessionless_form_token() const { return dated_token(secret_, "ticket-form", now_ms() / 1000); }

bool App::valid_ticket_form(const httplib::Request& req, const QueryParams& form,
                            const std::optional<std::string>& session) const {
  if (session) return valid_csrf(form, *session);
  return is_same_origin(req) && valid_dated_token(secret_, "ticket-form", form.get("csrf"), now_ms() / 1000,
                                                  std::chrono::seconds(kTicketResumeWindow));
}

PageBase App::ticket_page_base(const httplib::Request& req, const QueryParams& params,
                               const std::optional<std::string>& session) const {
  PageBase base = page_base(req, params, session.value_or(""));
  // Staff and text browsers have no help session, but may file a ticket.
  if (!session) base.csrf = sessionless_form_token();
  return base;
}

void App::suggest_for_ticket(const httplib::Request& req, TicketFormState& form, const std::optional<std::string>& session) {
  if (form.subject.empty()) return;
  // A search like /search's, under its per-address limit. Past it the form
  // comes without suggestions: filing the ticket never waits for it.
  if (config_.searches_per_address_minute > 0 && address_searches_.hit(client_key(req)) > 0) return;
  SearchRequest r;
  r.query = std::string(utf8_prefix(form.subject, kMaxQueryBytes));
  r.per_page = static_cast<int>(kTicketSuggestions);
  const SearchResponse found = searcher().search(r);
  form.looked_for_suggestions = true;
  Event shown;
  for (const auto& hit : found.hits) {
    if (hit.slug == form.article_slug) continue;  // the one they were reading did not help
    form.suggestions.push_back(ArticleLink{hit.slug, hit.title, hit.summary, hit.lang});
    shown.slugs.push_back(hit.slug);
  }
  if (session && !shown.slugs.empty()) {
    shown.session = *session;
    shown.kind = event_kind::kSuggestionShown;
    shown.query = r.query;
    stats_->record(std::move(shown));
  }
}

void App::get_ticket_form(const httplib::Request& req, httplib::Response& res) {
  const QueryParams params(req);
  // From a page of a session that has timed out since ("Open a ticket" on
  // an article read before lunch): the ticket is that session's outcome.
  const auto session = visit(req, res, from_own_page(req) ? session_of_form_token(params.get("ctx")) : std::nullopt);
  TicketFormState form;
  std::string q = params.get("q");
  // From an article page the link names only the article: the last search
  // comes from the session.
  if (q.empty() && session) q = stats_->last_query(*session);
  form.query = is_valid_utf8(q) ? std::string(utf8_prefix(q, kMaxQueryBytes)) : std::string();
  form.subject = std::string(utf8_prefix(form.query, kMaxSubjectChars));
  const std::string slug = params.get("article");
  if (!slug.empty()) {
    if (const auto article = searcher().find_article(slug)) {
      form.article_slug = article->slug;
      form.article_title = article->title;
    }
  }
  if (!config_.ticket_redirect.empty()) form.redirect_notice = "yes";
  form.submission = Statistics::new_id();
  if (session) {
    Event opened;
    opened.session = *session;
    opened.kind = event_kind::kTicketForm;
    opened.slug = form.article_slug;
    stats_->record(std::move(opened));
  }
  suggest_for_ticket(req, form, session);
  send_page(res, 200, "ticket_new", ticket_form_page(ticket_page_base(req, params, session), form));
}

void App::post_ticket_form(const httplib::Request& req, httplib::Response& res) {
  const QueryParams form_data = QueryParams::from_form(req.body);
  const auto session = visit(req, res, from_own_page(req) ? session_of_form_token(form_data.get("csrf")) : std::nullopt);
  const std::string sid = session.value_or("");
  // The form names its session (session_form_token()), resumed within
  // kTicketResumeWindow, so its token stays good: past the timeout, and in
  // a browser that refuses cookies (whose every request would otherwise
  // start a session of its own). A form older than that comes back with a
  // token of a session that is gone: show it again, with everything typed
  // and a token of the session just started, instead of an error page that
  // loses the ticket. A forged post gets the same page, which sends nothing.
  // Without a session (staff, text browsers), the form's own token.
  const bool expired = !valid_ticket_form(req, form_data, session);

  TicketFormState form;
  form.subject = form_data.get("subject");
  form.description = form_data.get("description");
  form.email = form_data.get("email");
  form.query = form_data.get("q");
  if (!is_valid_utf8(form.query) || form.query.size() > kMaxQueryBytes) form.query.clear();
  form.submission = form_data.get("submission");
  if (!is_submission_id(form.submission)) form.submission.clear();
  const std::string slug = form_data.get("article");
  if (!slug.empty()) {
    if (const auto article = searcher().find_article(slug)) {
      form.article_slug = article->slug;
      form.article_title = article->title;
    }
  }
  const PageBase base = ticket_page_base(req, QueryParams(req), session);

  if (expired) {
    form.expired = true;
    send_page(res, 403, "ticket_new", ticket_form_page(base, form));
    return;
  }

  TicketInput input{form.subject, form.description, form.email};
  const bool only_suggest = form_data.get("action") == "suggest";
  form.errors = validate_ticket(input);
  form.subject = input.subject;
  form.email = input.email;
  if (only_suggest || !form.errors.empty()) {
    // Suggest articles for what was typed (the no-JavaScript path), and
    // show what is wrong without losing anything.
    if (only_suggest) form.errors.clear();
    suggest_for_ticket(req, form, session);
    send_page(res, only_suggest ? 200 : 400, "ticket_new", ticket_form_page(base, form));
    return;
  }

  Ticket t = new_ticket(req, sid, input);
  t.context["article"] = form.article_slug;
  t.context["last_query"] = form.query;
  // One form page is one ticket: sent again, by a double click or after
  // Back, it is the ticket it made, whatever the fields say this time (a
  // browser restoring a form after Back does not always put every field
  // back as it was sent). A new ticket is a new form. The session keeps
  // anyone else who learns the form's id from getting this one's receipt.
  if (!form.submission.empty()) {
    t.submission = "form-" + hmac_sha256_hex(secret_, sid + '\0' + form.submission).substr(0, 32);
  }
  const bool external = !config_.ticket_redirect.empty();
  t = stats_->submit_ticket(std::move(t), webhook_ != nullptr && !external);
  if (!t.repeated) {
    telemetry_->count_ticket();
    if (webhook_) webhook_->poke();
  }
  if (external) {
    std::string url = config_.ticket_redirect;
    url = replace_all(url, "{subject}", url_encode(t.subject));
    url = replace_all(url, "{description}", url_encode(t.description + context_summary(t.context)));
    url = replace_all(url, "{email}", url_encode(t.email));
    url = replace_all(url, "{reference}", url_encode(t.reference));
    res.status = 303;
    res.set_header("Location", url);
    return;
  }
  // Post/Redirect/Get: reloading the page that says "sent" must not send
  // the ticket again. The receipt lets only the sender's link show it, for
  // a week: long enough to come back for the reference, not a link that
  // works forever wherever it was pasted.
  const std::string until = std::to_string(now_ms() / 1000 + kReceiptSeconds);
  std::string sent = "/tickets/sent?ref=" + url_encode(t.reference) + "&until=" + until +
                     "&receipt=" + receipt_token(t.reference, until);
  if (const std::string ui = QueryParams(req).get("ui"); !ui.empty()) sent += "&ui=" + url_encode(ui);
  res.status = 303;
  res.set_header("Location", sent);
}

void App::get_ticket_sent(const httplib::Request& req, httplib::Response& res) {
  const QueryParams params(req);
  const std::string reference = params.get("ref");
  const std::string until = params.get("until");
  const bool digits = !until.empty() && until.size() <= 12 &&
                      std::all_of(until.begin(), until.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (reference.size() > 32 || !digits || !constant_time_equal(params.get("receipt"), receipt_token(reference, until))) {
    throw HttpError(404, "There is no ticket receipt at this address.", 0, "error_no_receipt");
  }
  if (std::stoll(until) < now_ms() / 1000) {
    throw HttpError(410, "This ticket receipt has expired: its link works for a week. The ticket itself was sent.", 0,
                    "error_receipt_expired");
  }
  const auto session = existing_visit(req, res);
  send_page(res, 200, "ticket_done", ticket_done_page(page_base(req, params, session.value_or("")), reference));
}

void App::post_ticket_api(const httplib::Request& req, httplib::Response& res) {
  require_json(req);
  const json body = json::parse(req.body, nullptr, false);
  if (!body.is_object()) throw HttpError(400, "the body must be a JSON object");
  const auto session = existing_visit(req, res);
  const std::string sid = session.value_or("");
  TicketInput input;
  json errors = json::object();
  for (const auto& [field, target] :
       {std::pair<const char*, std::string*>{"subject", &input.subject}, {"description", &input.description},
        {"email", &input.email}}) {
    if (!body.contains(field) || body[field].is_null()) continue;
    if (!body[field].is_string()) {
      errors[field] = "must be a string";
    } else {
      *target = body[field].get<std::string>();
    }
  }
  for (const auto& [field, problem] : validate_ticket(input)) {
    if (!errors.contains(field)) errors[field] = problem.message;
  }
  // An article is named by its slug, as on the form; "" names none.
  std::string article;
  if (body.contains("article") && !body["article"].is_null()) {
    if (body["article"].is_string()) article = body["article"].get<std::string>();
    if (!body["article"].is_string() || (!article.empty() && !is_valid_slug(article))) {
      errors["article"] = "must be an article's slug";
    }
  }
  if (!errors.empty()) {
    send_json(res, 400, json{{"error", {{"status", 400}, {"message", "some fields are not valid"}}}, {"errors", errors}});
    return;
  }
  // A client that retries after a lost answer names the attempt: the
  // retry gets the ticket the first one made.
  const std::string key = req.get_header_value("Idempotency-Key");
  if (key.size() > kMaxIdempotencyKey || !std::all_of(key.begin(), key.end(), [](char c) { return c > 0x20 && c < 0x7f; })) {
    throw HttpError(400, "Idempotency-Key must be 1 to " + std::to_string(kMaxIdempotencyKey) + " visible ASCII characters");
  }
  Ticket t = new_ticket(req, sid, input);
  // One deleted since is left out, as the form leaves it out.
  if (!article.empty()) {
    if (const auto found = searcher().find_article(article)) t.context["article"] = found->slug;
  }
  // Only the same client's same words are the same ticket: another client
  // using the same key never sees this one.
  if (!key.empty()) {
    t.submission = "api-" + hmac_sha256_hex(secret_, sid + '\0' + key + '\0' + input.subject + '\0' +
                                                         input.description + '\0' + input.email).substr(0, 32);
  }
  t = stats_->submit_ticket(std::move(t), webhook_ != nullptr);
  if (t.repeated) {
    res.set_header("Idempotent-Replayed", "true");
  } else {
    telemetry_->count_ticket();
    if (webhook_) webhook_->poke();
  }
  send_json(res, 201, json{{"id", t.id}, {"reference", t.reference}});
}

void App::post_solved_form(const httplib::Request& req, httplib::Response& res) {
  const QueryParams form = QueryParams::from_form(req.body);
  const auto session = visit(req, res);
  if (!valid_ticket_form(req, form, session)) throw expired_form_error();
  if (session) {
    Event e;
    e.session = *session;
    e.kind = event_kind::kSolved;
    stats_->record(std::move(e));
  }
  send_page(res, 200, "solved", solved_page(page_base(req, QueryParams(req), session.value_or(""))));
}

std::string App::vote_purpose(const httplib::Request& req, const std::optional<std::string>& session,
                              const std::string& slug, const std::string& outcome) const {
  const std::string voter = session ? "session:" + *session : "address:" + client_key(req);
  return "vote:" + slug + "\n" + outcome + "\n" + voter;
}

void App::redirect_after_vote(const httplib::Request& req, httplib::Response& res,
                              const std::optional<std::string>& session, const std::string& slug,
                              const std::string& outcome) const {
  res.status = 303;
  res.set_header("Location", "/articles/" + slug + "?voted=" + outcome + "&vote=" +
                                 dated_token(secret_, vote_purpose(req, session, slug, outcome), now_ms() / 1000) +
                                 "#feedback");
}

std::string App::proven_vote(const httplib::Request& req, const QueryParams& params,
                             const std::optional<std::string>& session, const std::string& slug) const {
  const std::string outcome = params.get("voted");
  if (outcome != "yes" && outcome != "no" && outcome != "done" && outcome != "expired" && outcome != "comment_expired" &&
      outcome != "not_counted") {
    return {};
  }
  return valid_dated_token(secret_, vote_purpose(req, session, slug, outcome), params.get("vote"), now_ms() / 1000,
                           kVoteThanksLifetime)
             ? outcome
             : std::string();
}

void App::post_feedback_api(const httplib::Request& req, httplib::Response& res) {
  enforce_address_limit(address_feedback_, config_.feedback_per_address_hour, req, "votes and comments");
  require_json(req);
  const json body = json::parse(req.body, nullptr, false);
  if (!body.is_object()) throw HttpError(400, "the body must be a JSON object");
  if (!body.contains("slug") || !body["slug"].is_string()) throw HttpError(400, "'slug' must be a string");
  if (!body.contains("helpful") || !body["helpful"].is_boolean()) throw HttpError(400, "'helpful' must be true or false");
  std::string comment;
  if (body.contains("comment") && !body["comment"].is_null()) {
    if (!body["comment"].is_string()) throw HttpError(400, "'comment' must be a string");
    comment = body["comment"].get<std::string>();
    if (!is_valid_utf8(comment) || utf8_length(comment) > kMaxCommentChars) {
      throw HttpError(400, "'comment' must be text of at most " + std::to_string(kMaxCommentChars) + " characters");
    }
  }
  const auto article = searcher().find_article(body["slug"].get<std::string>());
  if (!article) throw HttpError(404, "no such article");
  const auto session = visit(req, res);
  if (session) {
    Event e;
    e.session = *session;
    e.kind = event_kind::kVote;
    e.slug = article->slug;
    // {"followup": true} carries the comment written after a "No" that
    // was already recorded: it explains that vote, it is not a second one.
    const bool followup = body.contains("followup") && body["followup"].is_boolean() && body["followup"].get<bool>();
    e.helpful = followup ? -1 : body["helpful"].get<bool>() ? 1 : 0;
    e.comment = comment;
    stats_->record(std::move(e));
  }
  send_json(res, 200, json{{"recorded", session.has_value()}});
}

void App::post_feedback_form(const httplib::Request& req, httplib::Response& res) {
  enforce_address_limit(address_feedback_, config_.feedback_per_address_hour, req, "votes and comments");
  const QueryParams form = QueryParams::from_form(req.body);
  const auto session = visit(req, res);
  const auto article = searcher().find_article(form.get("slug"));
  if (!article) throw HttpError(404, "No article is called '" + form.get("slug") + "'.");
  const std::string helpful = form.get("helpful");
  if (helpful != "yes" && helpful != "no" && helpful != "comment") {
    throw HttpError(400, "'helpful' must be yes, no or comment");
  }
  if (!session) {
    // Signed-in staff and text browsers have no help session: they are
    // served, not counted, and their pages carry no form token. Nothing
    // they send is recorded (so a forged post can do nothing either):
    // thank them and say so, rather than call the page expired.
    redirect_after_vote(req, res, session, article->slug, "not_counted");
    return;
  }
  if (!valid_csrf(form, *session)) {
    // An article left open past the session's timeout: back to it, with a
    // fresh token and why, not an error page (a forged post lands there
    // too, and records nothing). A vote is asked again; a comment gets its
    // form back, since asking again would count its vote twice.
    redirect_after_vote(req, res, session, article->slug, helpful == "comment" ? "comment_expired" : "expired");
    return;
  }
  std::string comment = form.get("comment");
  if (!is_valid_utf8(comment) || utf8_length(comment) > kMaxCommentChars) {
    throw HttpError(400, "The comment must be text of at most " + std::to_string(kMaxCommentChars) + " characters.");
  }
  Event e;
  e.session = *session;
  e.kind = event_kind::kVote;
  e.slug = article->slug;
  // A comment sent after "No" explains that vote; it is not a second vote.
  e.helpful = helpful == "yes" ? 1 : helpful == "no" ? 0 : -1;
  e.comment = comment;
  stats_->record(std::move(e));
  // The page after it thanks this browser only: its address carries proof.
  redirect_after_vote(req, res, session, article->slug, helpful == "comment" ? "done" : helpful);
}

}  // namespace kb::server
