/** @file main.cpp
 *  @brief kb-server: serves search, article pages and the API over HTTP.
 *
 *  Prints "kb-server: listening on http://ADDR:PORT" on stderr once it
 *  accepts connections (tests read it to learn an ephemeral port). SIGTERM
 *  and SIGINT stop it gracefully. Exit codes: 0 after a clean stop, 2 on a
 *  usage or start-up error.
 */
#include "app.h"
#include "connection_pool.h"

#include <CLI/CLI.hpp>

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
std::thread stop_on_signal(httplib::Server& server, sigset_t set, const std::atomic<bool>& finished) {
  return std::thread([&server, set, &finished] {
    int sig = 0;
    sigwait(&set, &sig);
    std::fprintf(stderr, "kb-server: %s received, stopping\n", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    // A signal right after start-up may come before the accept loop runs;
    // stopping a server that is not running yet would be lost.
    for (int i = 0; i < 500 && !server.is_running() && !finished; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    server.stop();
  });
}

}  // namespace

int main(int argc, char** argv) try {
  const sigset_t stop_signals = block_stop_signals();
  kb::server::Config config;
  config.web_dir = KB_DEFAULT_WEB_DIR;
  std::string index = config.index_dir.string();
  std::string data = config.data_dir.string();
  std::string web = config.web_dir.string();

  CLI::App app{"kb-server: the kb help centre over HTTP (search, articles, API).\n"
               "Every option can also be set with the KB_* environment variable named below."};
  app.add_option("--index", index, "Index directory built by kb-index")->envname("KB_INDEX")->capture_default_str();
  app.add_option("--data", data, "Directory for statistics and other state")->envname("KB_DATA")->capture_default_str();
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
  app.add_option("--admin-token", config.admin_token,
                 "Token for /api/stats, /api/tickets and the /stats dashboard (admin endpoints are off without one)")
      ->envname("KB_ADMIN_TOKEN");
  app.add_option("--agent-token", config.agent_token,
                 "Token for support agents: /agent and /api/suggest-for-ticket (agent features are off without one)")
      ->envname("KB_AGENT_TOKEN");
  app.add_option("--ticket-webhook", config.ticket_webhook,
                 "POST each ticket as JSON to this URL, retrying from a durable outbox until it answers 2xx")
      ->envname("KB_TICKET_WEBHOOK");
  app.add_option("--ticket-redirect", config.ticket_redirect,
                 "Send people to an external ticket form instead; {subject}, {description}, {email} and "
                 "{reference} are filled in, URL-encoded")
      ->envname("KB_TICKET_REDIRECT");
  app.add_option("--tickets-per-session-hour", config.tickets_per_session_hour, "Ticket submissions per session per hour")
      ->envname("KB_TICKETS_PER_SESSION_HOUR")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--tickets-per-address-hour", config.tickets_per_address_hour,
                 "Ticket submissions per client address per hour")
      ->envname("KB_TICKETS_PER_ADDRESS_HOUR")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
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
  app.add_option("--default-lang", config.default_lang,
                 "Language preferred when neither the query's script nor Accept-Language says (translations)")
      ->envname("KB_DEFAULT_LANG")
      ->capture_default_str();
  std::string articles_dir;
  app.add_option("--articles", articles_dir, "The articles folder, where accepted synonym proposals are written")
      ->envname("KB_ARTICLES");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }
  config.index_dir = index;
  config.data_dir = data;
  config.learned_boost = learned == "on";
  config.articles_dir = articles_dir;
  config.web_dir = web;
  config.theme_dir = theme;

  kb::server::App kb_app(config);
  httplib::Server server;
  kb::server::raise_open_file_limit();
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
  server.set_payload_max_length(1024 * 1024);
  kb_app.install(server);

  int port = config.port;
  if (port == 0) {
    port = server.bind_to_any_port(config.bind);
  } else if (!server.bind_to_port(config.bind, port)) {
    port = -1;
  }
  if (port < 0) {
    std::fprintf(stderr, "kb-server: error: cannot listen on %s:%d (address in use or not available)\n",
                 config.bind.c_str(), config.port);
    return 2;
  }
  if (!kb::server::widen_listen_backlog(port)) std::fprintf(stderr, "kb-server: warning: listen backlog left at 5\n");
  std::atomic<bool> finished{false};
  std::thread signals = stop_on_signal(server, stop_signals, finished);
  std::fprintf(stderr, "kb-server: listening on http://%s:%d (index %s)\n", config.bind.c_str(), port,
               config.index_dir.c_str());
  std::fflush(stderr);
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
