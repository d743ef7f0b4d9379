/** @file app.h
 *  @brief kb-server's HTTP layer: the route table and the handlers, thin
 *  adapters between HTTP and the core library.
 */
#pragma once

#include "compression.h"
#include "http_util.h"
#include "revoked_sign_ins.h"
#include "telemetry.h"
#include "watcher.h"
#include "webhook.h"

#include "kb/client_address.h"
#include "kb/insights.h"
#include "kb/page_shell.h"
#include "kb/prepared_hit.h"
#include "kb/tickets.h"
#include "kb/search_cache.h"
#include "kb/search_gate.h"
#include "kb/searcher.h"
#include "kb/statistics.h"
#include "kb/templates.h"
#include "kb/views.h"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <filesystem>
#include <memory>
#include <optional>
#include <regex>
#include <string>

namespace kb::server {

/// Largest request body kb-server reads (forms and JSON are a few KB).
inline constexpr std::size_t kMaxRequestBody = 1024 * 1024;

/// Articles the ticket form suggests for its subject, on the server's page
/// and in the list its script fetches (what the statistics record as shown).
inline constexpr std::size_t kTicketSuggestions = 5;

/// The whole number parameter @p name, or @p fallback when absent; a 400
/// (HttpError) when it is anything else.
int int_param(const QueryParams& params, const char* name, int fallback);

/// The anonymous help-session cookie (a session id).
inline constexpr const char* kSessionCookie = "kb_session";

/// How long after a help session's last request a ticket still resumes it,
/// though --session-timeout has passed: someone who searched and read,
/// went to lunch and then asks for help was not helped by what they read;
/// the ticket is that session's outcome and should carry its context.
/// Only a page of that session can resume it: its "Open a ticket" link and
/// its ticket form carry the session's form token (session_form_token()).
/// The cookie still ends with the timeout, so the next person at a shared
/// computer starts afresh and never sees the last one's searches.
inline constexpr std::chrono::hours kTicketResumeWindow{24};

/// How long the page a vote form leads to thanks for the vote: reloaded
/// within it, it still does; later, or opened anywhere else, it asks.
inline constexpr std::chrono::minutes kVoteThanksLifetime{30};

/// Sign-in cookies: their issue time, signed with the token under the
/// server's secret (dated_token()).
inline constexpr const char* kAdminCookie = "kb_admin";
inline constexpr const char* kAgentCookie = "kb_agent";
/// How long a sign-in lasts (the cookies' Max-Age, and checked by the
/// server): a copied cookie stops working after a working day at most.
inline constexpr std::chrono::hours kSignInLifetime{12};
/// How soon a sign-out made through another replica holds here.
inline constexpr std::chrono::seconds kRevokedSignInsReload{3};
/// Set beside either at sign-in, SameSite=Lax where they are Strict: a
/// link followed from the help desk (another site) arrives without the
/// sign-in cookie, and the agent would be counted as a customer. It grants
/// nothing but "do not count this browser".
inline constexpr const char* kStaffCookie = "kb_staff";

/// Wrong admin or agent tokens one address may send (Bearer or sign-in
/// form) before every token from it waits: guessing a random token at 20
/// tries per 15 minutes is hopeless, a person mistyping is not stopped.
inline constexpr std::size_t kAuthFailuresAllowed = 20;
inline constexpr std::chrono::seconds kAuthFailureWindow{15 * 60};

struct Config {
  std::filesystem::path index_dir = "var/index";
  std::filesystem::path data_dir = "var";
  std::string stats_db;  ///< postgresql://... shared by replicas; "" = data_dir/kb.sqlite
  std::filesystem::path web_dir;
  std::filesystem::path theme_dir;  ///< overrides templates/, static/ and strings/ of web_dir
  std::string bind = "127.0.0.1";
  int port = 8080;
  int threads = 8;
  int max_threads = 4096;    ///< connections served at once; extra threads start when all are busy
  int read_timeout_s = 10;   ///< a client that sends nothing for this long is dropped
  int searches_per_address_minute = 600;   ///< 0: no limit
  int feedback_per_address_hour = 300;     ///< votes and comments; 0: no limit
  int session_timeout_s = 1800;
  std::size_t max_sessions = 200000;
  std::string admin_token;
  std::string agent_token;      ///< for /agent and /api/suggest-for-ticket (distinct from the admin's)
  std::string ticket_webhook;   ///< POST tickets here (durable outbox)
  std::string ticket_redirect;  ///< send people to an external form: {subject}, {description}, {email}
  std::string public_url;       ///< the site's address for absolute links; "" = from each request's Host
  int tickets_per_session_hour = 5;
  int tickets_per_address_hour = 20;
  int flush_interval_ms = 200;
  std::string default_lang = "en";    ///< preferred language when the request does not say
  bool learned_boost = true;          ///< reorder results slightly by what helped before
  int cache_mb = 32;                  ///< per cache (search responses, articles) per index revision; 0: off
  int search_slots = 0;               ///< searches run at once (search_gate.h); 0: two per core
  int insights_interval_s = 60;       ///< how often popular queries and article success are recomputed
  std::filesystem::path articles_dir; ///< where accepted synonyms are written (optional)
  bool watch = false;                 ///< re-index articles_dir on every saved change (writers' preview)
  LogFormat log_format = LogFormat::json;  ///< access, error and warning lines
  std::filesystem::path access_log;   ///< request lines go here; empty: stderr
  std::string metrics_token;          ///< Bearer token for /metrics; without one, loopback clients only
  TrustedProxies trusted_proxies;     ///< peers whose X-Forwarded-For names the client
};

/// An error a handler wants turned into a status and message.
class HttpError : public std::runtime_error {
 public:
  /// @p retry_after_s: sent as Retry-After when positive (429, 503).
  /// @p ui_key: the page's own words for @p message (web/strings), where
  /// "{minutes}" stands for the wait; API answers keep @p message.
  HttpError(int status, const std::string& message, long retry_after_s = 0, std::string ui_key = {})
      : std::runtime_error(message), status_(status), retry_after_s_(retry_after_s), ui_key_(std::move(ui_key)) {}
  int status() const { return status_; }
  long retry_after_s() const { return retry_after_s_; }
  const std::string& ui_key() const { return ui_key_; }

 private:
  int status_;
  long retry_after_s_;
  std::string ui_key_;
};

/// The 403 of a form that is too old or was not sent from this site.
inline HttpError expired_form_error() {
  return HttpError(403, "This form has expired or did not come from this site. Reload the page and try again.", 0,
                   "error_form_expired");
}

class App {
 public:
  explicit App(Config config);
  ~App();

  /// Registers every route and the error handlers on @p server.
  void install(httplib::Server& server);

  /// Writes queued events and stops background threads (on SIGTERM).
  void shutdown();

  /// A stop signal arrived: /readyz answers 503 while in-flight requests
  /// finish, so that a load balancer sends no more.
  void begin_drain() { draining_ = true; }

  const Config& config() const { return config_; }
  /// Error, warning and notice lines in the configured log format.
  void log(const char* level, const std::string& message) { telemetry_->log(level, message); }

 private:
  /// The Content-Security-Policy and the other headers every answer carries.
  void security_headers(httplib::Response& res) const;
  /// "GET, HEAD", "POST", ... for a path some route serves; "" for none.
  std::string allowed_methods(const std::string& path) const;
  /// "https://help.example.com" for absolute links: --public-url, else
  /// the request's Host (which a client chooses).
  std::string origin(const httplib::Request& req) const;

  // Handlers, named by verb and resource. Search and articles: app.cpp.
  void get_home(const httplib::Request& req, httplib::Response& res);
  void get_search_page(const httplib::Request& req, httplib::Response& res);
  void get_search_api(const httplib::Request& req, httplib::Response& res);
  void get_article(const httplib::Request& req, httplib::Response& res);
  void get_asset(const httplib::Request& req, httplib::Response& res);
  void get_article_by_path(const httplib::Request& req, httplib::Response& res);
  void get_article_with_slash(const httplib::Request& req, httplib::Response& res);
  void get_healthz(const httplib::Request& req, httplib::Response& res);
  // Readiness and the index handles: app_health.cpp.
  void get_readyz(const httplib::Request& req, httplib::Response& res);
  void get_revision_api(const httplib::Request& req, httplib::Response& res);
  void get_suggest_api(const httplib::Request& req, httplib::Response& res);
  void get_opensearch(const httplib::Request& req, httplib::Response& res);
  void get_sitemap(const httplib::Request& req, httplib::Response& res);
  void get_robots(const httplib::Request& req, httplib::Response& res);
  // Operations: app_metrics.cpp.
  void get_metrics(const httplib::Request& req, httplib::Response& res);
  /// Registers the metrics read when scraped (index, event queue, process).
  void register_scrape_metrics();
  // Hand-off and feedback: app_tickets.cpp.
  void get_ticket_form(const httplib::Request& req, httplib::Response& res);
  void post_ticket_form(const httplib::Request& req, httplib::Response& res);
  void get_ticket_sent(const httplib::Request& req, httplib::Response& res);
  void post_ticket_api(const httplib::Request& req, httplib::Response& res);
  void post_solved_form(const httplib::Request& req, httplib::Response& res);
  void post_feedback_api(const httplib::Request& req, httplib::Response& res);
  void post_feedback_form(const httplib::Request& req, httplib::Response& res);
  // Admin: app_admin.cpp.
  void get_tickets_api(const httplib::Request& req, httplib::Response& res);
  void get_stats_api(const httplib::Request& req, httplib::Response& res);
  void get_stats_export(const httplib::Request& req, httplib::Response& res);
  void get_stats_page(const httplib::Request& req, httplib::Response& res);
  void post_stats_login(const httplib::Request& req, httplib::Response& res);
  void post_stats_logout(const httplib::Request& req, httplib::Response& res);
  void get_synonym_proposals_api(const httplib::Request& req, httplib::Response& res);
  // Support agents: app_agent.cpp.
  void get_agent_page(const httplib::Request& req, httplib::Response& res);
  void post_agent_login(const httplib::Request& req, httplib::Response& res);
  void post_agent_logout(const httplib::Request& req, httplib::Response& res);
  void post_suggest_for_ticket_api(const httplib::Request& req, httplib::Response& res);
  void get_agent_section_api(const httplib::Request& req, httplib::Response& res);
  void post_agent_copied_api(const httplib::Request& req, httplib::Response& res);
  /// Agent access: "Authorization: Bearer AGENT_TOKEN" or the agent cookie.
  void require_agent(const httplib::Request& req) const;
  void get_synonyms_page(const httplib::Request& req, httplib::Response& res);
  void get_health_page(const httplib::Request& req, httplib::Response& res);
  void get_gaps_page(const httplib::Request& req, httplib::Response& res);
  void post_synonym_accept(const httplib::Request& req, httplib::Response& res);
  /// The synonym groups accepted so far: the articles' file (with accepts
  /// not indexed yet) when kb-server knows where it is, else the index's.
  Synonyms known_synonyms();
  /// The proposals of the request's date range, less those accepted.
  std::vector<SynonymProposal> open_synonym_proposals(const httplib::Request& req);
  /// The synonym proposals page, with @p problem (why an accept did not
  /// happen) above them when not empty.
  void send_synonyms_page(const httplib::Request& req, httplib::Response& res, int status, const std::string& problem);

  /// Recomputes popular queries and article success from the statistics.
  void refresh_insights();
  void run_insights();

  /// A Searcher on the index, sharing the process's hit-record cache.
  std::unique_ptr<Searcher> new_searcher() const;
  /// This thread's searcher, refreshed to the newest committed revision;
  /// when that revision cannot be opened, the last good one (warned once).
  Searcher& searcher();
  /// searcher().search(request), answered from the shared cache when the
  /// same request was answered under the same index revision and learned
  /// boost; a search a person made (words given) is timed and counted in
  /// the metrics.
  std::shared_ptr<const SearchResponse> search(const SearchRequest& request);
  /// As search(); @p generation is set to the name of what the answer was
  /// computed from (index revision and learned boost), for caches of what
  /// is made from the answer.
  std::shared_ptr<const SearchResponse> search(const SearchRequest& request, std::string& generation);
  /// 503 for what needs the statistics database (tickets, admin reports).
  void statistics_unavailable(const httplib::Request& req, httplib::Response& res, const std::string& why) const;
  /// The reason the newest index revision cannot be opened, or "".
  std::string index_problem() const;
  void set_index_problem(const std::string& problem);
  SearchRequest search_request(const QueryParams& params) const;
  SearchRequest search_request(const httplib::Request& req, const QueryParams& params) const;
  PageBase page_base(const httplib::Request& req, const QueryParams& params, const std::string& session = "") const;
  /// The parts of a page that depend on the request: @p link_prefix is the
  /// language links' address before "ui="; @p site: origin().
  PageBase page_base(const std::string& ui_lang, const std::string& query, const std::string& csrf,
                     const std::string& link_prefix, const std::string& site) const;
  /// A page base with page_markers_ where page_values() go, for a PageShell.
  PageBase shell_base(const std::string& ui_lang) const;
  /// What replaces page_markers_ in a PageShell for this request.
  std::vector<std::string> page_values(const httplib::Request& req, const QueryParams& params,
                                       const std::optional<std::string>& session) const;
  /// Sends a cached page shell filled for this request.
  void send_shell(const httplib::Request& req, httplib::Response& res, const PageShell& shell,
                  const std::vector<std::string>& values) const;
  /// The UI language, the person's: ?ui=, else the kb_lang cookie, else
  /// Accept-Language, else English (among the languages with strings);
  /// never the articles' filter ?lang=.
  std::string ui_language(const httplib::Request& req, const QueryParams& params) const;
  void send_page(httplib::Response& res, int status, const std::string& name, const mstch::map& context) const;
  /// An error as JSON (the API) or as a page in the person's language:
  /// @p ui_key's text when given, else the status's own (error_404 ...),
  /// with @p message kept below it for a 400 (what was wrong).
  void send_error(const httplib::Request& req, httplib::Response& res, int status, const std::string& message,
                  const std::string& ui_key = {}, long wait_s = 0) const;
  void send_json(httplib::Response& res, int status, const nlohmann::json& body) const;

  /// The help session of this request (setting its cookie), or nullopt
  /// for crawlers and signed-in staff, who are served but not counted.
  /// The cookie's session continues if its last request is within the
  /// session timeout. @p resumed: a session a ticket page of this site
  /// proved it came from (session_of_form_token()), continued within
  /// kTicketResumeWindow when the browser has no live session of its own.
  std::optional<std::string> visit(const httplib::Request& req, httplib::Response& res,
                                   const std::optional<std::string>& resumed = std::nullopt);
  /// The same for what staff do as staff (an agent copying a link): their
  /// session too.
  std::optional<std::string> staff_visit(const httplib::Request& req, httplib::Response& res,
                                         const std::optional<std::string>& resumed = std::nullopt);
  /// The session named by the request's cookie if it is live, without
  /// creating one (API calls from scripts without a browser session).
  std::optional<std::string> existing_visit(const httplib::Request& req, httplib::Response& res);
  std::string csrf_token(const std::string& session) const;
  /// What a help session's pages carry as their CSRF token: the session id
  /// and csrf_token() of it, so that a ticket opened or sent from one of
  /// its pages after the timeout can name the session it belongs to.
  std::string session_form_token(const std::string& session) const;
  /// The session a session_form_token() names, if it is one.
  std::optional<std::string> session_of_form_token(const std::string& token) const;
  /// A new search id that only @p session's requests will recognise:
  /// 8 random hex digits, then 8 of their HMAC with the session.
  std::string new_search_id(const std::string& session) const;
  /// @p sid when it is one of @p session's search ids, else "": a link
  /// shared or bookmarked into another session starts a search of its own.
  std::string own_search_id(const std::string& session, const std::string& sid) const;
  /// Proof that /tickets/sent?ref=@p reference&until=@p until came from
  /// this server; @p until is when the link stops working (Unix seconds).
  std::string receipt_token(const std::string& reference, const std::string& until) const;
  /// What the proof a vote's redirect carries (vote=) is about: the
  /// article, the outcome shown (?voted=) and who voted, the help
  /// @p session, or without one the client's address.
  std::string vote_purpose(const httplib::Request& req, const std::optional<std::string>& session,
                           const std::string& slug, const std::string& outcome) const;
  /// 303 to the article's vote section showing @p outcome, with a
  /// dated_token() of vote_purpose() as proof that this browser just sent
  /// the vote: anyone else who opens the address (shared, bookmarked,
  /// typed) is asked the question, not thanked.
  void redirect_after_vote(const httplib::Request& req, httplib::Response& res,
                           const std::optional<std::string>& session, const std::string& slug,
                           const std::string& outcome) const;
  /// The outcome (?voted=) the article page may show: "" unless the
  /// request's vote= proves it (redirect_after_vote), for this browser,
  /// made within kVoteThanksLifetime.
  std::string proven_vote(const httplib::Request& req, const QueryParams& params,
                          const std::optional<std::string>& session, const std::string& slug) const;
  /// Whether @p form carries @p session's CSRF token.
  bool valid_csrf(const QueryParams& form, const std::string& session) const;
  /// valid_csrf() or a 403.
  void require_csrf(const QueryParams& form, const std::string& session) const;
  void require_json(const httplib::Request& req) const;
  /// Admin access: "Authorization: Bearer TOKEN" or the dashboard cookie.
  void require_admin(const httplib::Request& req) const;
  /// Signed in as admin or agent on this browser (a valid sign-in cookie,
  /// or the kb_staff cookie sent with it).
  bool is_staff(const httplib::Request& req) const;
  /// Whether the request carries a valid admin / agent sign-in cookie.
  bool signed_in_admin(const httplib::Request& req) const;
  bool signed_in_agent(const httplib::Request& req) const;
  std::string staff_cookie_value() const;
  /// Set-Cookie values for kb_staff: at sign-in, and at sign-out to clear it.
  std::string staff_cookie(const httplib::Request& req) const;
  static std::string cleared_staff_cookie();
  /// Token guessing: past kAuthFailuresAllowed wrong tokens from one
  /// address in kAuthFailureWindow, every token from it (right or wrong)
  /// gets a 429 until the window has passed.
  void refuse_token_guessing(const httplib::Request& req) const;
  /// Whether the request proves @p token: as a Bearer token, or with a
  /// valid sign-in cookie @p cookie_name. Counts wrong Bearer tokens
  /// (refuse_token_guessing).
  bool presents_token(const httplib::Request& req, const std::string& token, const char* cookie_name) const;
  void count_wrong_token(const httplib::Request& req) const;
  /// The token of the staff kind whose sign-in cookie is @p cookie_name.
  const std::string& sign_in_token(const char* cookie_name) const;
  /// Set-Cookie for the sign-in cookie @p cookie_name, issued now, for
  /// kSignInLifetime.
  std::string sign_in_cookie(const httplib::Request& req, const char* cookie_name) const;
  /// Whether the request carries the sign-in cookie @p cookie_name, valid
  /// and not expired (false when that kind of staff has no token).
  bool has_sign_in_cookie(const httplib::Request& req, const char* cookie_name) const;
  /// The CSRF token of a signed-in browser's staff forms: an HMAC of its
  /// sign-in cookie (which a page must not show); "" without one.
  std::string staff_form_token(const httplib::Request& req, const char* cookie_name) const;
  /// A staff form (accepting a synonym, signing out): sent with the Bearer
  /// token (no ambient credential another site's form could use), or from
  /// this site with the sign-in cookie and its staff_form_token(); else a
  /// 403.
  void require_staff_form(const httplib::Request& req, const QueryParams& form, const char* cookie_name) const;
  /// When the sign-in cookie @p cookie_name whose value is @p value was
  /// issued, if it is valid and not expired (revoked or not).
  std::optional<std::int64_t> sign_in_issued(const char* cookie_name, const std::string& value) const;
  /// Sign-out on the server: the request's sign-in cookie @p cookie_name
  /// is refused from now on, so a copy of it kept elsewhere stops working
  /// too (RevokedSignIns).
  void revoke_sign_in(const httplib::Request& req, const char* cookie_name);
  /// Records a search and returns its id.
  std::string record_search(const std::string& session, const SearchRequest& request, const SearchResponse& response,
                            bool live);
  void enforce_ticket_limits(const httplib::Request& req, const std::string& session);
  /// 429 with Retry-After when this address is over @p limiter's limit
  /// (@p limit 0: no limit). @p what names the action in the message.
  void enforce_address_limit(RateLimiter& limiter, int limit, const httplib::Request& req, const char* what);
  /// A ticket from validated input, after the rate limits, carrying the
  /// session's search context.
  Ticket new_ticket(const httplib::Request& req, const std::string& session, const TicketInput& input);
  /// Fills form.suggestions with articles for its subject and records that
  /// they were shown. A search, counted by the per-address search limit;
  /// past it the form comes without suggestions (a ticket must never wait
  /// for the search limit).
  void suggest_for_ticket(const httplib::Request& req, TicketFormState& form, const std::optional<std::string>& session);
  /// The CSRF token of the ticket forms of people without a help session
  /// (signed-in staff, text browsers, scripts): a dated_token() good for
  /// kTicketResumeWindow, bound to no session; the same-origin check keeps
  /// other sites' forms out.
  std::string sessionless_form_token() const;
  /// Whether a ticket form (a ticket, "This solved my problem") may be
  /// sent: @p session's own token, or without a session a
  /// sessionless_form_token() sent from this site.
  bool valid_ticket_form(const httplib::Request& req, const QueryParams& form,
                         const std::optional<std::string>& session) const;
  /// page_base() of the ticket pages, whose forms carry
  /// sessionless_form_token() when there is no @p session.
  PageBase ticket_page_base(const httplib::Request& req, const QueryParams& params,
                            const std::optional<std::string>& session) const;
  /// For admin pages: true when allowed; else the sign-in page was sent.
  bool admin_page_allowed(const httplib::Request& req, httplib::Response& res);
  /// Options for computing statistics now, with this server's session timeout.
  DeflectionOptions deflection_options() const;
  /// Sessions that started in [from_ms, to_ms), after writing queued events.
  std::vector<SessionEvents> sessions_between(std::int64_t from_ms, std::int64_t to_ms);
  /// Renames @p sessions' article slugs that are now aliases to the slug
  /// their article has now: the figures of an article renamed with an alias
  /// are one article's, not split between its old and new names.
  void use_current_slugs(std::vector<SessionEvents>& sessions);
  /// @p stats with `tickets` counted from the tickets created in [from, to)
  /// (with or without a session), and the sessions' own count kept as
  /// `tickets_in_sessions`.
  nlohmann::json with_all_tickets(nlohmann::json stats, std::int64_t from_ms, std::int64_t to_ms);
  /// The client's address: the peer, or behind trusted proxies the one
  /// X-Forwarded-For names (see kb::TrustedProxies).
  std::string client_address(const httplib::Request& req) const;
  /// What the per-address rate limits count by: a keyed hash of client_address().
  std::string client_key(const httplib::Request& req) const;

  Config config_;
  std::unique_ptr<Telemetry> telemetry_;  ///< first: the statistics writer reports to it
  TemplateSet templates_;
  std::map<std::string, mstch::map> ui_strings_;     ///< by language
  std::map<std::string, std::string> script_strings_;  ///< by language, JSON for the page script
  /// The same with the agent view's copy buttons and notices: only its
  /// page carries them.
  std::map<std::string, std::string> agent_script_strings_;
  std::string content_security_policy_;  ///< sent with every answer (security_headers)
  std::string public_origin_;            ///< of --public-url; "" without one
  std::vector<std::pair<std::regex, const char*>> routes_;  ///< each route's pattern and method (install)
  std::string secret_;  ///< HMAC key for CSRF tokens and the admin cookie (DATA/secret)
  std::unique_ptr<Statistics> stats_;
  std::unique_ptr<RevokedSignIns> revoked_sign_ins_;  ///< only with an admin or agent token: else nobody signs in
  std::mutex searchers_mutex_;
  std::vector<std::unique_ptr<Searcher>> spare_searchers_;  ///< opened at start, one per worker
  mutable std::mutex index_problem_mutex_;
  std::string index_problem_;
  std::atomic<bool> index_stale_{false};  ///< index_problem_ is not empty
  std::atomic<bool> draining_{false};
  std::unique_ptr<WebhookDelivery> webhook_;
  std::unique_ptr<ArticleWatcher> watcher_;
  RateLimiter session_tickets_;
  RateLimiter address_tickets_;
  RateLimiter address_searches_;
  RateLimiter address_feedback_;
  mutable RateLimiter wrong_tokens_;  ///< per address: admin and agent tokens that were not right

  // What the statistics teach the search, replaced whole by run_insights().
  mutable std::mutex insights_mutex_;
  std::uint64_t learned_generation_ = 0;  ///< counts replacements of learned_ (under insights_mutex_)
  SearchCache search_cache_;
  SearchGate search_gate_;
  ArticleCache article_cache_;
  std::shared_ptr<HitCache> hit_cache_;  ///< results' records, shared by every thread's Searcher
  /// Pages rendered once per revision and UI language, with markers where
  /// per-request values go (CSRF token, search box, language links, the
  /// site's origin):
  /// random per process, so no article can contain them.
  std::vector<std::string> page_markers_;
  RevisionCache<PageShell> article_pages_;  ///< by slug, UI language, vote state
  RevisionCache<PageShell> home_pages_;     ///< by UI language
  RevisionCache<EncodedBody> search_bodies_;  ///< /api/search JSON by request, without per-session fields
  StaticGzipCache static_gzip_;
  std::shared_ptr<const std::vector<PopularQuery>> popular_;
  std::shared_ptr<const Searcher::LearnedBoost> learned_;
  std::shared_ptr<const std::vector<ArticleLink>> popular_articles_;  ///< most read lately, for empty results
  /// The most read articles lately, as their versions in @p lang (the
  /// person's language), one per article; the newest without a history.
  std::vector<ArticleLink> popular_articles(const std::string& lang);
  std::mutex insights_wake_mutex_;
  std::condition_variable insights_wake_;
  bool insights_stop_ = false;
  std::thread insights_thread_;
};

}  // namespace kb::server
