#!/usr/bin/env python3
"""Integration: kb-server's /metrics, scraped and parsed by the Prometheus
project's own Python parser (python3-prometheus-client), and its JSON
request and error logs.

Starts the real kb-server on a free port over an index of the search
fixtures, makes searches (one that finds nothing), a ticket and a few
hostile requests, then checks that the metrics moved by exactly what was
done, that every log line is a JSON object, and that none of the e-mail
addresses or tokens planted in the requests reached the log.

usage: observability_test.py KB_SERVER KB_INDEX FIXTURES WEB
"""
import http.cookiejar
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:
    sys.exit("observability_test: python3-prometheus-client is missing (scripts/deps.sh --test installs it)")

PLANTED_EMAIL = "jane.doe.planted@example.com"
METRICS_TOKEN = "mt-planted-7f3a9c"
ADMIN_TOKEN = "adm-planted-51d0e2"
failures = []


# Only a browser's requests count as help sessions (README).
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) kb-tests"


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAILED: " + message, file=sys.stderr)


class Server:
    def __init__(self, binary, args):
        self.proc = subprocess.Popen([binary] + args, stderr=subprocess.PIPE, text=True)
        self.lines = []
        self.port = None
        ready = threading.Event()

        def drain():
            for line in self.proc.stderr:
                self.lines.append(line.rstrip("\n"))
                m = re.search(r"listening on http://[0-9.]+:(\d+)", line)
                if m and not self.port:
                    self.port = int(m.group(1))
                    ready.set()
            ready.set()

        self.thread = threading.Thread(target=drain, daemon=True)
        self.thread.start()
        if not ready.wait(20) or not self.port:
            self.proc.kill()
            sys.exit("kb-server did not start:\n" + "\n".join(self.lines))

    def stop(self):
        self.proc.terminate()
        self.proc.wait(20)
        self.thread.join(5)


def non_loopback_address():
    """This host's address on its default route, or None (no network)."""
    import socket
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: nothing is sent
            address = s.getsockname()[0]
        return None if address.startswith("127.") else address
    except OSError:
        return None


def check_session_cap(server_bin, index, tmp, web):
    """A script without cookies starts a session per request: memory holds
    at most --max-sessions of them, as kb_sessions_remembered shows."""
    server = Server(server_bin, ["--index", index, "--data", os.path.join(tmp, "data3"), "--port", "0",
                                 "--bind", "127.0.0.1", "--web", web, "--threads", "2", "--max-sessions", "100"])
    try:
        base = "http://127.0.0.1:%d" % server.port
        for _ in range(150):
            req = urllib.request.Request(base + "/search?q=printer", headers={"User-Agent": BROWSER})
            with urllib.request.urlopen(req, timeout=10) as res:
                res.read()
        with urllib.request.urlopen(base + "/metrics", timeout=10) as res:
            body = res.read().decode("utf-8")
        remembered = [s.value for family in text_string_to_metric_families(body) for s in family.samples
                      if s.name == "kb_sessions_remembered"]
        check(remembered and 50 <= remembered[0] <= 100,
              "at most --max-sessions 100 sessions are remembered, got %s" % remembered)
    finally:
        server.stop()


def check_metrics_access_without_token(server_bin, index, tmp, web):
    """Without --metrics-token, loopback clients are answered and others refused."""
    server = Server(server_bin, ["--index", index, "--data", os.path.join(tmp, "data2"), "--port", "0",
                                 "--bind", "0.0.0.0", "--web", web, "--threads", "2"])
    try:
        def status(host):
            try:
                with urllib.request.urlopen("http://%s:%d/metrics" % (host, server.port), timeout=10) as res:
                    return res.status
            except urllib.error.HTTPError as e:
                return e.code
        check(status("127.0.0.1") == 200, "/metrics without a token answers loopback clients")
        other = non_loopback_address()
        if other:
            check(status(other) == 403, "/metrics without a token refuses a client at %s" % other)
        else:
            print("observability: no non-loopback address here; the 403 check is skipped", file=sys.stderr)
    finally:
        server.stop()


def main():
    server_bin, index_bin, fixtures, web = sys.argv[1:5]
    tmp = tempfile.mkdtemp(prefix="kb-observability-")
    index = os.path.join(tmp, "index")
    subprocess.run([index_bin, "--articles", os.path.join(fixtures, "search"), "--index", index, "-q"],
                   check=True, stdout=subprocess.DEVNULL)
    server = Server(server_bin, ["--index", index, "--data", os.path.join(tmp, "data"), "--port", "0",
                                 "--bind", "127.0.0.1", "--web", web, "--threads", "2",
                                 "--metrics-token", METRICS_TOKEN, "--admin-token", ADMIN_TOKEN,
                                 "--flush-interval-ms", "20"])
    base = "http://127.0.0.1:%d" % server.port
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", BROWSER)]  # only browsers start help sessions

    def request(path, data=None, headers=None, method=None):
        req = urllib.request.Request(base + path, data=data, headers=headers or {}, method=method)
        try:
            with opener.open(req, timeout=10) as res:
                return res.status, dict(res.headers), res.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()

    def scrape():
        status, _, body = request("/metrics", headers={"Authorization": "Bearer " + METRICS_TOKEN})
        check(status == 200, "/metrics with the token answers 200, not %d" % status)
        samples = {}
        for family in text_string_to_metric_families(body.decode("utf-8")):
            for s in family.samples:
                samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
        return samples

    def value(samples, name, **labels):
        return samples.get((name, tuple(sorted(labels.items()))), 0.0)

    try:
        before = scrape()
        check(value(before, "kb_index_documents") == 7, "kb_index_documents is the 7 fixtures")
        check(value(before, "kb_index_revision") >= 1, "kb_index_revision is a committed revision")
        check(0 <= value(before, "kb_index_age_seconds") < 600, "kb_index_age_seconds is the index's age")
        check(value(before, "process_resident_memory_bytes") > 1e6, "process_resident_memory_bytes is read")
        check(value(before, "process_open_fds") > 3, "process_open_fds is read")

        status, headers, _ = request("/")  # a browser session: its searches are recorded
        check(status == 200, "home page answers 200")
        check(re.fullmatch(r"[0-9a-f]{16}", headers.get("X-Request-Id", "")) is not None,
              "every response carries a generated X-Request-Id")
        status, _, body = request("/api/search?q=printer+offline")
        check(status == 200 and json.loads(body)["total"] > 0, "a search that finds something")
        status, _, body = request("/api/search?q=zzqxv+wqxjz")
        check(status == 200 and json.loads(body)["total"] == 0, "a search that finds nothing")
        status, _, _ = request("/search?q=" + PLANTED_EMAIL.replace("@", "%40") + "&token=" + ADMIN_TOKEN)
        check(status == 200, "the search page answers 200")
        status, headers, _ = request("/api/search?q=keyboard", headers={"X-Request-Id": "lb-req.42:a_b-c"})
        check(headers.get("X-Request-Id") == "lb-req.42:a_b-c", "a sane incoming X-Request-Id is kept")
        status, headers, _ = request("/api/search?q=keyboard", headers={"X-Request-Id": "x\" evil=1"})
        check(headers.get("X-Request-Id", "").startswith("x") is False, "an unsafe X-Request-Id is replaced")
        ticket = json.dumps({"subject": "Printer still offline", "description": "tried everything",
                             "email": PLANTED_EMAIL}).encode()
        status, _, _ = request("/api/tickets", data=ticket, headers={"Content-Type": "application/json",
                                                                      "Origin": base})
        check(status == 201, "the ticket is stored (201), not %d" % status)
        status, _, _ = request("/articles/no-such-" + PLANTED_EMAIL)
        check(status == 404, "an unknown article is 404")
        status, _, _ = request("/api/stats", headers={"Authorization": "Bearer " + ADMIN_TOKEN})
        check(status == 200, "/api/stats with the admin token")
        status, _, _ = request("/metrics")
        check(status == 401, "/metrics without the token is 401 when a token is set, not %d" % status)
        status, _, _ = request("/metrics", headers={"Authorization": "Bearer wrong"})
        check(status == 401, "/metrics with a wrong token is 401")
        time.sleep(0.5)  # the statistics writer flushes every 20 ms

        after = scrape()

        def delta(name, **labels):
            return value(after, name, **labels) - value(before, name, **labels)

        check(delta("kb_searches_total") == 5, "5 searches with words, got %s" % delta("kb_searches_total"))
        check(delta("kb_zero_result_searches_total") == 2,
              "2 found nothing (gibberish, the e-mail), got %s" % delta("kb_zero_result_searches_total"))
        check(delta("kb_search_duration_seconds_count") == 5, "search latency observed once per search")
        check(delta("kb_search_duration_seconds_bucket", le="+Inf") == 5, "the +Inf bucket counts every search")
        check(delta("kb_tickets_total") == 1, "one ticket")
        check(delta("kb_http_requests_total", route="/api/search", method="GET", status="200") == 4,
              "4 API searches by route pattern")
        check(delta("kb_http_requests_total", route="/articles/{slug}", method="GET", status="404") == 1,
              "the article 404 is labelled by its route pattern, not its path")
        check(delta("kb_http_requests_total", route="/api/tickets", method="POST", status="201") == 1,
              "the ticket request")
        check(delta("kb_http_requests_total", route="/metrics", method="GET", status="401") == 2,
              "the refused scrapes")
        check(delta("kb_http_request_duration_seconds_count", route="/api/search") == 4,
              "request latency observed per API search")
        check(value(after, "kb_statistics_write_duration_seconds_count") >= 1,
              "the statistics writer's batches are timed")
        check(value(after, "kb_events_queue_depth") >= 0 and value(after, "kb_events_dropped_total") == 0,
              "event queue depth and dropped events are exported")
        check(("kb_searches_waiting", ()) in after and value(after, "kb_searches_waiting") == 0, "searches waiting for a slot are exported, none when idle")
        check(delta("kb_search_cache_hits_total") >= 1, "the repeated keyboard search is answered from the response cache")
        check(delta("kb_search_cache_misses_total") >= 3, "the other searches were searched, got %s" % delta("kb_search_cache_misses_total"))
        check(value(after, "kb_search_cache_bytes") > 0, "the response cache's memory is exported")
        check(delta("kb_hit_cache_misses_total") >= 1, "the first printer results read their records from the index")
        check(value(after, "kb_hit_cache_bytes") > 0, "the records kept are exported")
        for (name, labels), _ in after.items():
            route = dict(labels).get("route")
            check(route is None or PLANTED_EMAIL not in route, "no raw path becomes a label value")
    finally:
        server.stop()

    # Logs: one JSON object per line, request lines with their fields, no personal data.
    requests = []
    for line in server.lines:
        try:
            entry = json.loads(line)
        except ValueError:
            check(False, "log line is not JSON: " + line)
            continue
        check(isinstance(entry, dict) and "time" in entry and "level" in entry, "log line has time and level")
        if entry.get("msg") == "request":
            requests.append(entry)
            for key in ("request_id", "method", "route", "status", "duration_ms", "bytes"):
                check(key in entry, "request line has " + key)
    check(len(requests) == 13, "one line per request (13 made), got %d" % len(requests))
    check(any(r["request_id"] == "lb-req.42:a_b-c" for r in requests), "the incoming request id is logged")
    check(any(r["route"] == "/articles/{slug}" and r["status"] == 404 for r in requests),
          "the 404 is logged with its route pattern")
    everything = "\n".join(server.lines)
    for secret in (PLANTED_EMAIL, "jane.doe", METRICS_TOKEN, ADMIN_TOKEN, "127.0.0.1:%d " % 0):
        check(secret not in everything, "the log does not contain %r" % secret)

    check_metrics_access_without_token(server_bin, index, tmp, web)
    check_session_cap(server_bin, index, tmp, web)

    if failures:
        print("\n".join(server.lines[-40:]), file=sys.stderr)
        sys.exit(1)
    print("observability: %d request lines, metrics parsed by prometheus_client, all checks passed" % len(requests))


if __name__ == "__main__":
    main()
