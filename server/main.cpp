/** @file main.cpp
 *  @brief kb-server: serves search, article pages and the API over HTTP.
 *
 *  Prints "kb-server: listening on http://ADDR:PORT" on stderr once it
 *  accepts connections (tests read it to learn an ephemeral port). SIGTERM
 *  and SIGINT stop it gracefully. Exit codes: 0 after a clean stop, 2 on a
 *  usage or start-up error (one line on stderr: a bad option or
 *  configuration-file line, a missing directory).
 */
#include "app.h"
#include "connection_pool.h"
#include "options.h"

#include "kb/config_file.h"

#include <CLI/CLI.hpp>

#include <sys/resource.h>
#include <sys/socket.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <chrono>
#include <thread>

namespace {

/// SIGTERM/SIGINT must be blocked before any thread starts (threads
/// inherit the mask), so that only the waiter below receives them.
sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

/// Stops the server from a dedicated thread when a signal arrives
/// (Server::stop is not async-signal-safe, so no handler calls it).
std::thread stop_on_signal(httplib::Server& server, kb::server::App& app, sigset_t set,
                           const std::atomic<bool>& finished) {
  return std::thread([&server, &app, set, &finished] {
    int sig = 0;
    sigwait(&set, &sig);
    app.log("info", std::string(sig == SIGTERM ? "SIGTERM" : "SIGINT") + " received, stopping");
    app.begin_drain();
    // A signal right after start-up may come before the accept loop runs;
    // stopping a server that is not running yet would be lost.
    for (int i = 0; i < 500 && !server.is_running() && !finished; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    server.stop();
  });
}

/// Every worker keeps the index open (about 5 descriptors) and every
/// keep-alive connection holds one: with --threads 256 that outgrows the
/// usual soft limit of 1024, so take what the hard limit allows.
void raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

int main(int argc, char** argv) try {
  const sigset_t stop_signals = block_stop_signals();
  kb::server::Config config;
  config.web_dir = kb::server::default_web_dir(KB_DEFAULT_WEB_DIR);
  std::string index = config.index_dir.string();
  std::string data = config.data_dir.string();
  std::string web = config.web_dir.string();

  CLI::App app{"kb-server: the kb help centre over HTTP (search, articles, API).\n"
               "Every option can also be set with the KB_* environment variable named below, or in the\n"
               "configuration file as \"name = value\" (flags > environment > file > defaults)."};
  std::string config_file;
  app.add_option("--config", config_file,
                 std::string("Configuration file (default ") + kb::server::kDefaultConfigFile + " when it exists)")
      ->envname("KB_CONFIG");
  bool print_config = false;
  app.add_flag("--print-config", print_config, "Print the effective settings as a configuration file and exit");
  app.add_option("--index", index, "Index directory built by kb-index")->envname("KB_INDEX")->capture_default_str();
  app.add_option("--data", data, "Directory for statistics and other state")->envname("KB_DATA")->capture_default_str();
  app.add_option("--stats-db", config.stats_db,
                 "Statistics and tickets in PostgreSQL (postgresql://user@host:port/db), shared by every replica, "
                 "instead of DATA/kb.sqlite")
      ->envname("KB_STATS_DB")
      ->check([](const std::string& v) {
        return v.rfind("postgresql://", 0) == 0 || v.rfind("postgres://", 0) == 0
                   ? std::string()
                   : std::string("--stats-db takes a postgresql:// URI");
      });
  app.add_option("--port", config.port, "TCP port; 0 picks a free one")
      ->envname("KB_PORT")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  app.add_option("--bind", config.bind, "Address to listen on")->envname("KB_BIND")->capture_default_str();
  app.add_option("--web", web, "Directory with templates/, static/ and strings/")
      ->envname("KB_WEB")
      ->capture_default_str();
  app.add_flag("--watch", config.watch,
               "Writers' live preview: re-index --articles within a second of every saved change; open article pages "
               "reload themselves")
      ->envname("KB_WATCH");
  std::string theme;
  app.add_option("--theme", theme,
                 "A folder whose templates/, static/ and strings/ files replace kb's own of the same name "
                 "(no rebuild needed)")
      ->envname("KB_THEME");
  app.add_option("--threads", config.threads, "Worker threads")
      ->envname("KB_THREADS")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_option("--session-timeout", config.session_timeout_s,
                 "Seconds of inactivity after which a help session ends")
      ->envname("KB_SESSION_TIMEOUT")
      ->check(CLI::Range(1, 7 * 24 * 3600))
      ->capture_default_str();
  app.add_option("--max-sessions", config.max_sessions,
                 "Live sessions remembered in memory (about 64 bytes each); past this the least recently seen "
                 "half is forgotten, and found again in the statistics store if it returns")
      ->envname("KB_MAX_SESSIONS")
      ->check(CLI::Range(100, 100000000))
      ->capture_default_str();
  // A token is a password anyone who reaches the server can try: a short
  // one can be guessed. The message never repeats it (it ends up in logs).
  const auto long_enough = [](const std::string& token) {
    if (token.empty() || token.size() >= kb::server::kMinTokenLength) return std::string();
    return "a token must be at least " + std::to_string(kb::server::kMinTokenLength) + " characters long (this one has " +
           std::to_string(token.size()) + "); make one with: head -c 24 /dev/urandom | base64";
  };
  app.add_option("--admin-token", config.admin_token,
                 "Token for /api/stats, /api/tickets and the /stats dashboard (admin endpoints are off without one; "
                 "at least 16 characters, and not another token's)")
      ->envname("KB_ADMIN_TOKEN")
      ->check(long_enough);
  app.add_option("--agent-token", config.agent_token,
                 "Token for support agents: /agent and /api/suggest-for-ticket (agent features are off without one; "
                 "at least 16 characters, and not another token's)")
      ->envname("KB_AGENT_TOKEN")
      ->check(long_enough);
  app.add_option("--ticket-webhook", config.ticket_webhook,
                 "POST each ticket as JSON to this URL, retrying from a durable outbox until it answers 2xx")
      ->envname("KB_TICKET_WEBHOOK");
  const auto http_url = [](const std::string& url) {
    return kb::server::url_origin(url).empty() ? "\"" + url + "\" is not an http:// or https:// URL" : std::string();
  };
  app.add_option("--public-url", config.public_url,
                 "The site's address as visitors reach it (https://help.example.com): the sitemap, OpenSearch, "
                 "robots.txt, agents' links and article pages' canonical and hreflang links use it instead of "
                 "the request's Host header")
      ->envname("KB_PUBLIC_URL")
      ->check(http_url);
  app.add_option("--ticket-redirect", config.ticket_redirect,
                 "Send people to an external ticket form instead; {subject}, {description}, {email} and "
                 "{reference} are filled in, URL-encoded")
      ->envname("KB_TICKET_REDIRECT")
      ->check(http_url);
  app.add_option("--tickets-per-session-hour", config.tickets_per_session_hour, "Ticket submissions per session per hour")
      ->envname("KB_TICKETS_PER_SESSION_HOUR")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--tickets-per-address-hour", config.tickets_per_address_hour,
                 "Ticket submissions per client address per hour")
      ->envname("KB_TICKETS_PER_ADDRESS_HOUR")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  std::vector<std::string> trusted_proxies;
  app.add_option("--trusted-proxy", trusted_proxies,
                 "A reverse proxy's address or range (127.0.0.1/32, 10.0.0.0/8, fd00::/8) trusted to name the client "
                 "in X-Forwarded-For, for the per-address limits; repeat it or separate ranges with commas")
      ->envname("KB_TRUSTED_PROXY")
      ->delimiter(',')
      ->check([](const std::string& range) {
        try {
          kb::AddressRange::parse(range);
          return std::string();
        } catch (const std::invalid_argument& e) {
          return std::string(e.what());
        }
      });
  // Hostile clients: many idle connections, slow requests, floods.
  app.add_option("--max-threads", config.max_threads,
                 "Connections served at once: past --threads, each connection that finds every worker busy gets a "
                 "thread of its own, up to this many")
      ->envname("KB_MAX_THREADS")
      ->check(CLI::Range(1, 65536))
      ->capture_default_str();
  app.add_option("--read-timeout", config.read_timeout_s,
                 "Seconds a client may stay silent in the middle of a request before it is dropped")
      ->envname("KB_READ_TIMEOUT")
      ->check(CLI::Range(1, 300))
      ->capture_default_str();
  app.add_option("--searches-per-address-minute", config.searches_per_address_minute,
                 "Searches (pages, API, suggestions) per client address per minute; 0: no limit")
      ->envname("KB_SEARCHES_PER_ADDRESS_MINUTE")
      ->check(CLI::Range(0, 10000000))
      ->capture_default_str();
  app.add_option("--feedback-per-address-hour", config.feedback_per_address_hour,
                 "Votes and comments per client address per hour; 0: no limit")
      ->envname("KB_FEEDBACK_PER_ADDRESS_HOUR")
      ->check(CLI::Range(0, 10000000))
      ->capture_default_str();
  app.add_option("--flush-interval-ms", config.flush_interval_ms, "Longest time an event waits before it is written")
      ->envname("KB_FLUSH_INTERVAL_MS")
      ->check(CLI::Range(10, 200))
      ->capture_default_str();
  std::string learned = "on";
  app.add_option("--learned-boost", learned,
                 "on: let what helped before reorder results slightly (at most 10% of a score); off: text only")
      ->envname("KB_LEARNED_BOOST")
      ->check(CLI::IsMember({"on", "off"}))
      ->capture_default_str();
  app.add_option("--insights-interval", config.insights_interval_s,
                 "Seconds between recomputing popular queries and article success from the statistics")
      ->envname("KB_INSIGHTS_INTERVAL")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  app.add_option("--cache-mb", config.cache_mb,
                 "Memory for recent search responses, and as much each for article records and for the "
                 "records results are cut from, per index revision (0: no caching)")
      ->envname("KB_CACHE_MB")
      ->check(CLI::Range(0, 4096))
      ->capture_default_str();
  app.add_option("--search-slots", config.search_slots,
                 "Searches run at once, the rest wait their turn in arrival order (0: two per core)")
      ->envname("KB_SEARCH_SLOTS")
      ->check(CLI::Range(0, 4096))
      ->capture_default_str();
  app.add_option("--default-lang", config.default_lang,
                 "Language preferred when neither the query's script nor Accept-Language says (translations)")
      ->envname("KB_DEFAULT_LANG")
      ->capture_default_str();
  std::string articles_dir;
  app.add_option("--articles", articles_dir, "The articles folder, where accepted synonym proposals are written")
      ->envname("KB_ARTICLES");
  std::string log_format = "json";
  app.add_option("--log-format", log_format, "Access, error and warning lines: json (one object per line) or text")
      ->envname("KB_LOG_FORMAT")
      ->check(CLI::IsMember({"json", "text"}))
      ->capture_default_str();
  std::string access_log;
  app.add_option("--access-log", access_log, "Append one line per request to this file instead of stderr")
      ->envname("KB_ACCESS_LOG");
  app.add_option("--metrics-token", config.metrics_token,
                 "Bearer token for GET /metrics (without one, /metrics answers loopback clients only; at least 16 "
                 "characters, and not another token's)")
      ->envname("KB_METRICS_TOKEN")
      ->check(long_enough);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "kb-server: error: %s (see --help)\n", e.what());
    return 2;
  }
  try {
    if (config_file.empty() && std::filesystem::exists(kb::server::kDefaultConfigFile)) {
      config_file = kb::server::kDefaultConfigFile;
    }
    if (!config_file.empty()) kb::server::apply_config_file(app, config_file);
  } catch (const kb::ConfigError& e) {
    std::fprintf(stderr, "kb-server: error: %s\n", e.what());
    return 2;
  }
  if (const std::string clash = kb::server::shared_token_problem(config.admin_token, config.agent_token,
                                                                   config.metrics_token);
      !clash.empty()) {
    std::fprintf(stderr, "kb-server: error: %s\n", clash.c_str());
    return 2;
  }
  if (print_config) {
    std::fputs(kb::server::effective_config(app).c_str(), stdout);
    return 0;
  }
  raise_open_file_limit();
  config.index_dir = index;
  config.data_dir = data;
  config.learned_boost = learned == "on";
  config.articles_dir = articles_dir;
  config.web_dir = web;
  config.theme_dir = theme;
  config.log_format = kb::server::parse_log_format(log_format);
  config.access_log = access_log;
  std::vector<kb::AddressRange> proxy_ranges;
  for (const std::string& range : trusted_proxies) proxy_ranges.push_back(kb::AddressRange::parse(range));
  config.trusted_proxies = kb::TrustedProxies(std::move(proxy_ranges));
  // Missing directories are reported now, in one line, rather than as a
  // failure deep inside start-up.
  auto require_dir = [](const char* what, const std::filesystem::path& dir, const char* hint) {
    if (std::filesystem::is_directory(dir)) return true;
    std::fprintf(stderr, "kb-server: error: cannot open %s %s: no such directory%s\n", what, dir.c_str(), hint);
    return false;
  };
  if (!require_dir("index", config.index_dir, " (build it with kb-index; set it with --index, KB_INDEX or index =)") ||
      !require_dir("web templates", config.web_dir / "templates", " (set --web, KB_WEB or web = to kb's web folder)") ||
      (!theme.empty() && !require_dir("theme", config.theme_dir, "")) ||
      (!articles_dir.empty() && !require_dir("articles", config.articles_dir, ""))) {
    return 2;
  }

  kb::server::App kb_app(config);
  httplib::Server server;
  const auto threads = static_cast<std::size_t>(config.threads);
  const auto max_threads = static_cast<std::size_t>(config.max_threads);
  server.new_task_queue = [threads, max_threads] { return new kb::server::ConnectionPool(threads, max_threads); };
  server.set_read_timeout(config.read_timeout_s, 0);
  server.set_write_timeout(10, 0);
  server.set_keep_alive_timeout(5);
  server.set_keep_alive_max_count(1000);
  // Headers and body go out in separate writes; without this, Nagle plus
  // delayed ACKs add 40 ms to every keep-alive response.
  server.set_tcp_nodelay(true);
  server.set_payload_max_length(kb::server::kMaxRequestBody);
  kb_app.install(server);
  // Debian's cpp-httplib is compiled with a listen backlog of 5: a burst of
  // new connections overflows it and those clients wait for TCP
  // retransmissions (1 s, 3 s, 7 s: the load test's slowest requests).
  // Listening again on the same socket raises the backlog.
  int listen_fd = -1;
  server.set_socket_options([&listen_fd](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_fd = sock;
  });

  int port = config.port;
  if (port == 0) {
    port = server.bind_to_any_port(config.bind);
  } else if (!server.bind_to_port(config.bind, port)) {
    port = -1;
  }
  if (port >= 0 && listen_fd >= 0) ::listen(listen_fd, SOMAXCONN);
  if (port < 0) {
    kb_app.log("error", "cannot listen on " + config.bind + ":" + std::to_string(config.port) +
                            " (address in use or not available)");
    return 2;
  }
  std::atomic<bool> finished{false};
  std::thread signals = stop_on_signal(server, kb_app, stop_signals, finished);
  kb_app.log("info", "listening on http://" + config.bind + ":" + std::to_string(port) + " (index " +
                        config.index_dir.string() + ")");
  const bool ok = server.listen_after_bind();
  // In-flight requests have finished; write what they recorded.
  kb_app.shutdown();
  if (signals.joinable()) {
    // listen_after_bind returned without a signal (e.g. socket error): wake the waiter.
    finished = true;
    pthread_kill(signals.native_handle(), SIGTERM);
    signals.join();
  }
  return ok ? 0 : 2;
} catch (const std::exception& e) {
  std::fprintf(stderr, "kb-server: error: %s\n", e.what());
  return 2;
} catch (...) {
  std::fprintf(stderr, "kb-server: error: unknown failure\n");
  return 2;
}
