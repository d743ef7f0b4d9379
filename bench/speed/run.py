#!/usr/bin/env python3
"""kb's speed next to its floors and peers, in one run, on one machine.

  bench/speed/run.py                      # full run, writes bench/RESULTS.md
  bench/speed/run.py --quick              # CI smoke run: 1,000 articles, 60 queries, no wrk

Corpora: ../shared/data/supportarticles/support (5,878 real articles), a
1,000-article sample of it, and 10,000- and 100,000-article scale-ups made
from its text (bench/speed/make_corpus.py, fixed seed). Queries: sampled
from the real articles (bench/speed/make_queries.py, fixed seed), with
misspelled variants. Engines: kb (kb-index, kb-speed, kb-server), the
plain-Xapian floor (xapian-floor), SQLite FTS5 (fts5-peer), and nginx
serving a static 2 KB JSON file (the HTTP floor), loaded with wrk.
Exit 77 when ../shared is absent.
"""
import argparse
import hashlib
import http.client
import json
import os
import pathlib
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def log(msg):
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def peak_rss_mb(argv, ok=(0,)):
    """Runs argv in its own child so that its peak RSS is its own; returns
    (seconds, peak RSS MB). @ok: exit codes that are not failures."""
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        try:
            os.execv(argv[0], [str(a) for a in argv])
        finally:
            os._exit(127)
    start = time.perf_counter()
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in ok:
        raise SystemExit(f"bench: {' '.join(map(str, argv))} failed ({status})")
    return seconds, usage.ru_maxrss / 1024.0


def dir_mb(path):
    path = pathlib.Path(path)
    if path.is_file():
        return path.stat().st_size / 1e6
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) / 1e6


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(port, path="/healthz", timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", path)
            if c.getresponse().status < 500:
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"bench: nothing answers on port {port}")


def rss_mb(pid):
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return 0.0


def http_latency(port, paths):
    """One keep-alive client, sequential, every path twice: p50/p95/p99 in
    ms of the first time (computed) and of the repeat (kb's cache)."""
    conn = http.client.HTTPConnection("127.0.0.1", port)
    times = []
    for p in paths * 2:
        t0 = time.perf_counter()
        conn.request("GET", p)
        r = conn.getresponse()
        r.read()
        if r.status != 200:
            raise SystemExit(f"bench: GET {p} -> {r.status}")
        times.append((time.perf_counter() - t0) * 1000)

    def pct(values, q):
        values = sorted(values)
        return values[min(len(values) - 1, max(0, int(q / 100 * len(values) + 0.999999) - 1))]
    first, repeat = times[:len(paths)], times[len(paths):]
    return {"p50_ms": pct(first, 50), "p95_ms": pct(first, 95), "p99_ms": pct(first, 99),
            "repeat_p50_ms": pct(repeat, 50), "repeat_p99_ms": pct(repeat, 99)}


WRK_CONNECTIONS = 32  # wrk's -c: open connections in all, shared by its two threads


def wrk(url, script, seconds, repeats):
    """wrk -t2 -c32: the median of @repeats runs by requests/s."""
    runs = []
    for _ in range(repeats):
        argv = ["wrk", "-t2", f"-c{WRK_CONNECTIONS}", f"-d{seconds}s", "--latency"]
        if script:
            argv += ["-s", str(script)]
        out = subprocess.run(argv + [url], capture_output=True, text=True, check=True).stdout
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
        p99_ms = float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
        errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
        sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
        if sock:
            errors += sum(int(g) for g in sock.groups())
        runs.append({"rps": rps, "p99_ms": p99_ms, "errors": errors})
    runs.sort(key=lambda r: r["rps"])
    return runs[len(runs) // 2]


def wrk_paths_script(path, paths):
    lines = ",\n".join(json.dumps(p) for p in paths)
    path.write_text("local paths = {\n" + lines + "\n}\nlocal i = 0\n"
                    "request = function()\n  i = i % #paths + 1\n  return wrk.format(\"GET\", paths[i])\nend\n")
    return path


class Nginx:
    """nginx serving one static JSON file (the fastest possible HTTP answer)
    and, when given an Omega database, Xapian Omega through fcgiwrap: the
    ready-made Xapian search site kb is compared with."""

    def __init__(self, work, omega_db=None):
        self.dir = work / "nginx"
        shutil.rmtree(self.dir, ignore_errors=True)
        (self.dir / "www").mkdir(parents=True)
        (self.dir / "tmp").mkdir()
        body = {"query": "reset password", "total": 1, "hits": [
            {"slug": f"article-{i}", "title": "How to reset a password " * 2, "snippet": "x" * 120} for i in range(8)]}
        text = json.dumps(body)
        (self.dir / "www" / "search.json").write_text((text + " " * 2048)[:2048])
        self.port = free_port()
        self.fcgi = None
        omega = ""
        if omega_db:
            conf = self.dir / "omega.conf"
            (self.dir / "omega-log").mkdir()
            conf.write_text(f"database_dir {omega_db.parent}\ntemplate_dir /usr/share/xapian-omega/templates\n"
                            f"log_dir {self.dir}/omega-log\n")
            sock = self.dir / "fcgiwrap.sock"
            # One CGI process per core: Omega runs one process per request.
            # Its own process group: its preforked children go with it.
            self.fcgi = subprocess.Popen(["fcgiwrap", "-c", str(os.cpu_count() or 2), "-s", f"unix:{sock}"],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            omega = f"""
    location = /omega {{
      include /etc/nginx/fastcgi_params;
      fastcgi_param SCRIPT_FILENAME /usr/lib/cgi-bin/omega/omega;
      fastcgi_param OMEGA_CONFIG_FILE {conf};
      fastcgi_pass unix:{sock};
    }}"""
        conf = self.dir / "nginx.conf"
        conf.write_text(f"""daemon off;
worker_processes 2;
user root;
pid {self.dir}/nginx.pid;
error_log {self.dir}/error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {self.dir}/tmp; proxy_temp_path {self.dir}/tmp; fastcgi_temp_path {self.dir}/tmp;
  uwsgi_temp_path {self.dir}/tmp; scgi_temp_path {self.dir}/tmp;
  server {{
    listen 127.0.0.1:{self.port};
    root {self.dir}/www;
    default_type application/json;{omega}
  }}
}}
""")
        self.proc = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(self.dir)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_http(self.port, "/search.json")

    def stop(self):
        self.proc.send_signal(signal.SIGQUIT)
        self.proc.wait(timeout=10)
        if self.fcgi:
            os.killpg(self.fcgi.pid, signal.SIGTERM)
            self.fcgi.wait(timeout=10)


def machine_line():
    cpu = "unknown CPU"
    for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = int(pathlib.Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    xapian = subprocess.run(["pkg-config", "--modversion", "xapian-core"], capture_output=True, text=True).stdout.strip()
    sqlite = subprocess.run(["pkg-config", "--modversion", "sqlite3"], capture_output=True, text=True).stdout.strip()
    return (f"{platform.node()}: {os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, {platform.system()} "
            f"{platform.release()}, xapian-core {xapian}, SQLite {sqlite}, load average at start "
            f"{os.getloadavg()[0]:.2f}")


def change_one_article(corpus):
    """Appends a paragraph to one real article, breaking its hard link to ../shared first."""
    target = sorted(p for p in corpus.rglob("*.md") if "synthetic" not in p.parts and p.stat().st_size > 2000)[0]
    text = target.read_text(encoding="utf-8")
    target.unlink()
    target.write_text(text + "\n\nAn extra paragraph written by the benchmark to change this article.\n", encoding="utf-8")
    return target


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--build", default=str(ROOT / "build" / "default"))
    ap.add_argument("--work", default="/tmp/kb-bench")
    ap.add_argument("--out", default=None, help="Markdown results file (default: bench/RESULTS.md; --quick: none)")
    ap.add_argument("--quick", action="store_true", help="1,000 articles, 60 queries, no wrk, no HTTP floor")
    ap.add_argument("--sizes", default="1000,support,10000,100000")
    ap.add_argument("--queries", type=int, default=500)
    ap.add_argument("--wrk-seconds", type=int, default=10)
    ap.add_argument("--wrk-repeats", type=int, default=3)
    ap.add_argument("--http-corpus", default="10000", help="Corpus the HTTP figures are measured on")
    args = ap.parse_args()

    support = pathlib.Path(args.shared) / "data" / "supportarticles" / "support"
    if not support.is_dir():
        print(f"bench: SKIPPED: {support} is absent (the speed benchmark needs ../shared)", file=sys.stderr)
        return 77
    build = pathlib.Path(args.build)
    bins = {name: build / sub / name for name, sub in
            [("kb-index", "indexer"), ("kb-server", "server"), ("kb-speed", "bench"), ("xapian-floor", "bench"),
             ("fts5-peer", "bench")]}
    for b in bins.values():
        if not b.exists():
            raise SystemExit(f"bench: {b} is missing: build the default preset first")
    sizes = ["1000"] if args.quick else args.sizes.split(",")
    have_omega = all(pathlib.Path(p).exists() for p in ("/usr/bin/omindex", "/usr/lib/cgi-bin/omega/omega",
                                                        "/usr/sbin/fcgiwrap"))
    if not args.quick:
        for tool in ("wrk", "nginx"):
            if not shutil.which(tool):
                raise SystemExit(f"bench: {tool} is missing: scripts/deps.sh --bench installs it")
        if not have_omega:
            log("Xapian Omega or fcgiwrap is missing (scripts/deps.sh --bench): Omega is left out")
    n_queries = 60 if args.quick else args.queries
    work = pathlib.Path(args.work)
    work.mkdir(parents=True, exist_ok=True)

    machine = machine_line()
    log(machine)
    queries = work / "queries.tsv"
    subprocess.run([sys.executable, HERE / "make_queries.py", "--corpus", support, "--count", str(n_queries),
                    "--out", queries], check=True)
    query_list = [line.split("\t", 1)[1].rstrip("\n") for line in queries.read_text().splitlines()]
    log(f"{len(query_list)} queries ({n_queries} sampled + misspelled variants)")

    results = {}
    for size in sizes:
        name = "support" if size == "support" else size
        corpus = work / f"corpus-{name}"
        if size == "support":
            corpus = support
        else:
            # Building the 100,000-article scale-up takes minutes: a corpus
            # made by the same builder with the same size and seed is reused.
            stamp = corpus / ".made-by"
            recipe = f"{hashlib.sha256((HERE / 'make_corpus.py').read_bytes()).hexdigest()} {support} {size} seed 7\n"
            if not (stamp.exists() and stamp.read_text() == recipe):
                log(f"corpus {name}: building")
                subprocess.run([sys.executable, HERE / "make_corpus.py", "--source", support, "--size", size,
                                "--out", corpus], check=True)
                stamp.write_text(recipe)
        docs = sum(1 for _ in corpus.rglob("*.md"))
        r = results[name] = {"articles": docs}
        kb_index = work / f"kb-{name}"
        floor_index = work / f"floor-{name}"
        fts_db = work / f"fts5-{name}.db"
        for p in (kb_index, floor_index):
            shutil.rmtree(p, ignore_errors=True)
        log(f"corpus {name} ({docs} files): indexing with kb, the Xapian floor and FTS5")
        # kb-index exits 1 when it reports broken articles (the real corpus has
        # a few fragments without a title): they are skipped, not failures.
        r["kb_build"] = peak_rss_mb([bins["kb-index"], "--articles", corpus, "--index", kb_index, "-q"], ok=(0, 1))
        r["floor_build"] = peak_rss_mb([bins["xapian-floor"], "index", corpus, floor_index])
        r["fts5_build"] = peak_rss_mb([bins["fts5-peer"], "index", corpus, fts_db])
        r["kb_size"], r["floor_size"], r["fts5_size"] = dir_mb(kb_index), dir_mb(floor_index), dir_mb(fts_db)
        if have_omega and not args.quick and name == args.http_corpus:
            omega_db = work / "omega" / f"omega-{name}"
            shutil.rmtree(omega_db, ignore_errors=True)
            omega_db.parent.mkdir(exist_ok=True)
            r["omega_build"] = peak_rss_mb(["/usr/bin/omindex", "--db", omega_db, "--url", "/", "-M", "md:text/plain",
                                            corpus])
        if size in ("support", "100000") or args.quick:
            # One changed article: a copy of the corpus, so ../shared is never written.
            copy = work / f"corpus-{name}-changed"
            shutil.rmtree(copy, ignore_errors=True)
            shutil.copytree(corpus, copy, copy_function=os.link)
            kb_copy = work / f"kb-{name}-changed"
            shutil.rmtree(kb_copy, ignore_errors=True)
            shutil.copytree(kb_index, kb_copy)
            peak_rss_mb([bins["kb-index"], "--articles", copy, "--index", kb_copy, "-q"], ok=(0, 1))
            # Three changes, each timed alone, the median kept: one run's
            # commit waits on the disk's fdatasync, which alone varied from
            # 0.23 to 0.32 s between two full runs at 100,000 articles.
            updates = []
            for _ in range(3):
                change_one_article(copy)
                # The copies above leave hundreds of MB of dirty pages: without
                # this, the timed run's commit (fdatasync of each table) would
                # write out the benchmark's own copy, not the one changed article.
                os.sync()
                updates.append(peak_rss_mb([bins["kb-index"], "--articles", copy, "--index", kb_copy, "-q"],
                                           ok=(0, 1)))
            r["kb_incremental"] = sorted(updates)[1]
            shutil.rmtree(copy)
            shutil.rmtree(kb_copy)
        log(f"corpus {name}: searching")
        repeats = "1" if args.quick else "2"
        for engine, argv in [("kb", [bins["kb-speed"], "search", kb_index, queries, repeats, "--stages"]),
                             ("floor", [bins["xapian-floor"], "search", floor_index, queries, repeats]),
                             ("fts5", [bins["fts5-peer"], "search", fts_db, queries, repeats]),
                             ("kb_suggest", [bins["kb-speed"], "suggest", kb_index, queries, repeats])]:
            for line in json_lines(subprocess.run(argv, capture_output=True, text=True, check=True).stdout):
                suffix = {"suggest": "-suggest", "stages": "-stages"}.get(line["op"], "")
                r.setdefault("search", {})[line["engine"] + suffix] = line
        log(f"corpus {name}: kb p50 {r['search']['kb']['p50_ms']:.3f} ms, floor p50 {r['search']['xapian-floor']['p50_ms']:.3f} ms")

    http = None
    http_corpus = "1000" if args.quick else args.http_corpus
    if http_corpus in results:
        http = measure_http(args, bins, work, http_corpus, query_list, results)

    table = render(machine, results, http, args)
    print(table)
    out = args.out or (None if args.quick else str(ROOT / "bench" / "RESULTS.md"))
    if out:
        pathlib.Path(out).write_text(table)
        log(f"written to {out}")
    return 0


def measure_http(args, bins, work, name, query_list, results):
    index = work / f"kb-{name}"
    data = work / f"data-{name}"
    shutil.rmtree(data, ignore_errors=True)
    port = free_port()
    server = subprocess.Popen([bins["kb-server"], "--index", index, "--data", data, "--web", ROOT / "web",
                               "--port", str(port), "--threads", "32", "--bind", "127.0.0.1",
                               # one load generator, one address: no rate limits
                               "--searches-per-address-minute", "0"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    out = {"corpus": name}
    try:
        wait_http(port)
        search_paths = ["/api/search?q=" + urllib.parse.quote(q) for q in query_list]
        suggest_paths = ["/api/suggest?q=" + urllib.parse.quote(q[:max(1, len(q) * 2 // 3)]) for q in query_list]
        log(f"HTTP ({name} articles): one client")
        out["search_1client"] = http_latency(port, search_paths)
        out["suggest_1client"] = http_latency(port, suggest_paths)
        # Article pages: the slugs the searches found.
        slugs = []
        conn = http.client.HTTPConnection("127.0.0.1", port)
        for q in query_list[:100]:
            conn.request("GET", "/api/search?q=" + urllib.parse.quote(q))
            hits = json.loads(conn.getresponse().read()).get("results", [])
            slugs += [h["slug"] for h in hits[:2]]
        article_paths = ["/articles/" + s for s in dict.fromkeys(slugs)] or ["/"]
        if not args.quick:
            log("HTTP: wrk -t2 -c32, median of repeats")
            s1 = wrk_paths_script(work / "search.lua", search_paths)
            s2 = wrk_paths_script(work / "articles.lua", article_paths)
            out["wrk_search"] = wrk(f"http://127.0.0.1:{port}", s1, args.wrk_seconds, args.wrk_repeats)
            out["wrk_search_nocache"] = wrk_uncached(args, bins, work, index, s1)
            out["wrk_article"] = wrk(f"http://127.0.0.1:{port}", s2, args.wrk_seconds, args.wrk_repeats)
            out["rss_after_mb"] = rss_mb(server.pid)
            omega_db = work / "omega" / f"omega-{name}"
            nginx = Nginx(work, omega_db if omega_db.exists() else None)
            try:
                out["wrk_nginx"] = wrk(f"http://127.0.0.1:{nginx.port}/search.json", None, args.wrk_seconds,
                                       args.wrk_repeats)
                if nginx.fcgi:
                    omega_paths = [f"/omega?DB={omega_db.name}&FMT=xml&P=" + urllib.parse.quote_plus(q)
                                   for q in query_list]
                    s3 = wrk_paths_script(work / "omega.lua", omega_paths)
                    out["wrk_omega"] = wrk(f"http://127.0.0.1:{nginx.port}", s3, args.wrk_seconds, args.wrk_repeats)
            finally:
                nginx.stop()
        else:
            out["rss_after_mb"] = rss_mb(server.pid)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    return out


def wrk_uncached(args, bins, work, index, script):
    """/api/search under wrk on a server with its caches off: every answer
    is a real search, as when no query ever repeats."""
    port = free_port()
    server = subprocess.Popen([bins["kb-server"], "--index", index, "--data", work / "data-nocache", "--web",
                               ROOT / "web", "--port", str(port), "--threads", "32", "--bind", "127.0.0.1",
                               "--cache-mb", "0", "--searches-per-address-minute", "0"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_http(port)
        return wrk(f"http://127.0.0.1:{port}", script, args.wrk_seconds, args.wrk_repeats)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def search_bounds(results, http):
    """Without the cache every request is a search: the cores bound the
    rate (cores / mean in-process search time), and wrk's open connections
    then bound the mean wait (Little's law). None without the figures."""
    searched = results.get(http["corpus"], {}).get("search", {})
    if "kb" not in searched or "xapian-floor" not in searched:
        return None
    cores = os.cpu_count() or 1
    kb_top = cores / searched["kb"]["mean_ms"] * 1000
    floor_top = cores / searched["xapian-floor"]["mean_ms"] * 1000
    return {"cores": cores, "kb_top": kb_top, "floor_top": floor_top,
            "kb_wait_ms": WRK_CONNECTIONS / kb_top * 1000, "floor_wait_ms": WRK_CONNECTIONS / floor_top * 1000}


def render(machine, results, http, args):
    rows = []
    add = rows.append
    add("# kb speed: one run, kb next to its floors and peers\n")
    add(f"Machine: {machine}\n")
    add("Command: `bench/speed/run.py" + (" --quick" if args.quick else "") + "` (after `cmake --preset default && "
        "cmake --build --preset default`). Floor: libxapian with default settings (bench/speed/xapian_floor.cpp). "
        "kb's search figures are the whole /api/search work in-process (ten hits with best section and snippet, "
        "facets, spelling correction, the ladder), with kb-server's default cache of the records hits are cut from "
        "(32 MB: src/kb/prepared_hit.h; its share of hits served is in the stages table) and no response cache; "
        "the floor returns ten document ids.\n")
    add("## Indexing\n")
    add("| corpus | articles | kb build s | floor build s | kb / floor | FTS5 build s | kb peak RSS MB | floor peak RSS MB "
        "| kb index MB | floor index MB | FTS5 MB | kb one-article update s (median of 3) |")
    add("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        inc = r.get("kb_incremental")
        add(f"| {name} | {r['articles']} | {r['kb_build'][0]:.2f} | {r['floor_build'][0]:.2f} | "
            f"{r['kb_build'][0] / r['floor_build'][0]:.2f} | {r['fts5_build'][0]:.2f} | {r['kb_build'][1]:.0f} | "
            f"{r['floor_build'][1]:.0f} | {r['kb_size']:.1f} | {r['floor_size']:.1f} | {r['fts5_size']:.1f} | "
            f"{'%.3f' % inc[0] if inc else '-'} |")
    for name, r in results.items():
        if "omega_build" in r:
            add(f"\nXapian Omega's omindex on the {name} corpus: {r['omega_build'][0]:.2f} s, "
                f"peak RSS {r['omega_build'][1]:.0f} MB.")
    add("\n## In-process search latency (ms; top 10)\n")
    add("| corpus | kb p50 | kb p95 | kb p99 | floor p50 | floor p95 | floor p99 | kb p50 / floor p50 | FTS5 AND p50 / p99 "
        "| FTS5 OR p50 / p99 | kb suggest p50 / p99 |")
    add("|---|---|---|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        s = r["search"]
        kb, fl, a, o, sg = s["kb"], s["xapian-floor"], s["fts5-and"], s["fts5-or"], s["kb-suggest"]
        add(f"| {name} | {kb['p50_ms']:.3f} | {kb['p95_ms']:.3f} | {kb['p99_ms']:.3f} | {fl['p50_ms']:.3f} | "
            f"{fl['p95_ms']:.3f} | {fl['p99_ms']:.3f} | {kb['p50_ms'] / fl['p50_ms']:.1f} | "
            f"{a['p50_ms']:.3f} / {a['p99_ms']:.3f} | {o['p50_ms']:.3f} / {o['p99_ms']:.3f} | "
            f"{sg['p50_ms']:.3f} / {sg['p99_ms']:.3f} |")
    add("\n## Where kb's search time goes (mean ms per search, in-process)\n")
    add("kb-speed --stages: the mean of each stage over the same searches as above (`SearchStages` in "
        "src/kb/searcher.h; `/api/search?explain=1` reports them per search). The floor does the match's work "
        "only, for ten ids: words, ladder, reordering and hits are what kb adds.\n")
    add("| corpus | floor mean | 2x floor mean | kb mean | words | ladder | match | reorder | hits | hit records from memory |")
    add("|---|---|---|---|---|---|---|---|---|---|")
    for name, r in results.items():
        s = r["search"]
        st = s.get("kb-stages")
        if not st:
            continue
        fl, kb = s["xapian-floor"], s["kb"]
        add(f"| {name} | {fl['mean_ms']:.3f} | {2 * fl['mean_ms']:.3f} | {kb['mean_ms']:.3f} | {st['words_ms']:.3f} | "
            f"{st['ladder_ms']:.3f} | {st['match_ms']:.3f} | {st['reorder_ms']:.3f} | {st['hits_ms']:.3f} | "
            f"{100 * st.get('hit_cache_share', 0):.0f}% |")
    if http:
        add(f"\n## HTTP ({http['corpus']} articles; kb-server --threads 32)\n")
        s1, g1 = http["search_1client"], http["suggest_1client"]
        add("| measure | kb | HTTP floor (nginx, static 2 KB JSON) | kb / floor |")
        add("|---|---|---|---|")
        add(f"| /api/search, one client, first time: p50 / p95 / p99 ms | {s1['p50_ms']:.2f} / {s1['p95_ms']:.2f} / {s1['p99_ms']:.2f} | - | - |")
        add(f"| /api/search, one client, repeated (cache): p50 / p99 ms | {s1['repeat_p50_ms']:.2f} / {s1['repeat_p99_ms']:.2f} | - | - |")
        add(f"| /api/suggest, one client, p50 / p95 / p99 ms | {g1['p50_ms']:.2f} / {g1['p95_ms']:.2f} / {g1['p99_ms']:.2f} | - | - |")
        if "wrk_search" in http:
            ng = http["wrk_nginx"]
            for label, key in [("/api/search (queries repeat: cache)", "wrk_search"),
                               ("/api/search, --cache-mb 0 (every answer searched)", "wrk_search_nocache"),
                               ("article page", "wrk_article")]:
                w = http[key]
                add(f"| {label}, wrk -t2 -c{WRK_CONNECTIONS} {args.wrk_seconds} s (median of {args.wrk_repeats}): req/s, p99 ms, errors | "
                    f"{w['rps']:.0f}, {w['p99_ms']:.2f}, {w['errors']} | {ng['rps']:.0f}, {ng['p99_ms']:.2f}, {ng['errors']} | "
                    f"{100 * w['rps'] / ng['rps']:.1f}% |")
            if "wrk_omega" in http:
                om, w = http["wrk_omega"], http["wrk_search"]
                add(f"| Xapian Omega (nginx + fcgiwrap, xml template), same queries: req/s, p99 ms, errors | "
                    f"kb /api/search: {w['rps']:.0f} = {w['rps'] / om['rps']:.1f}x Omega | "
                    f"Omega: {om['rps']:.0f}, {om['p99_ms']:.2f}, {om['errors']} | - |")
        add(f"| kb-server RSS after the load, MB | {http['rss_after_mb']:.0f} | - | - |")
        bounds = search_bounds(results, http)
        if bounds and "wrk_search_nocache" in http:
            ng = http["wrk_nginx"]
            add(f"\nWhat {bounds['cores']} cores allow when every answer is searched (this run's in-process means; "
                "no HTTP, JSON or wrk cost counted, so real figures are lower):\n")
            add("| bound | kb | floor (bare Xapian, ten ids) |")
            add("|---|---|---|")
            add(f"| searches/s at most: cores / mean search time | {bounds['kb_top']:.0f} | {bounds['floor_top']:.0f} |")
            add(f"| 15% of the nginx floor, for comparison | {0.15 * ng['rps']:.0f} | {0.15 * ng['rps']:.0f} |")
            add(f"| mean wait at that rate with {WRK_CONNECTIONS} connections open (Little's law), ms | "
                f"{bounds['kb_wait_ms']:.1f} | {bounds['floor_wait_ms']:.1f} |")
            add(f"| measured --cache-mb 0: req/s (share of kb's bound), p99 ms | "
                f"{http['wrk_search_nocache']['rps']:.0f} ({100 * http['wrk_search_nocache']['rps'] / bounds['kb_top']:.0f}%), "
                f"{http['wrk_search_nocache']['p99_ms']:.2f} | - |")
    add("\n## Issue 7's targets, from this run\n")
    add("| target | figure | met |")
    add("|---|---|---|")

    def target(text, figure, ok):
        add(f"| {text} | {figure} | {'yes' if ok else 'no'} |")
    for name, r in results.items():
        kb, fl = r["search"]["kb"], r["search"]["xapian-floor"]
        target(f"in-process p50 <= 2x the floor ({name})", f"{kb['p50_ms']:.3f} vs {fl['p50_ms']:.3f} ms "
               f"({kb['p50_ms'] / fl['p50_ms']:.1f}x)", kb["p50_ms"] <= 2 * fl["p50_ms"])
        if name in ("10000", "100000"):
            limit = 1.0 if name == "10000" else 5.0
            target(f"in-process p99 <= {limit:g} ms ({name})", f"{kb['p99_ms']:.3f} ms", kb["p99_ms"] <= limit)
        sg = r["search"]["kb-suggest"]
        target(f"suggest p99 <= 5 ms, in-process ({name})", f"{sg['p99_ms']:.3f} ms", sg["p99_ms"] <= 5)
        if name == "support":
            ratio = r["kb_build"][0] / r["floor_build"][0]
            target("full build of the 5,878 <= 1.5x the floor", f"{ratio:.2f}x", ratio <= 1.5)
        if "kb_incremental" in r and name in ("support", "100000"):
            limit = 0.1 if name == "support" else 0.3
            target(f"one-article update <= {limit * 1000:.0f} ms ({name})", f"{r['kb_incremental'][0] * 1000:.0f} ms "
                   "(whole kb-index run, process start included)", r["kb_incremental"][0] <= limit)
    if http and "wrk_search" in http:
        ng, w, wn, wa = http["wrk_nginx"], http["wrk_search"], http["wrk_search_nocache"], http["wrk_article"]
        target("/api/search >= 15% of the nginx floor (queries repeat)", f"{100 * w['rps'] / ng['rps']:.1f}%",
               w["rps"] >= 0.15 * ng["rps"])
        bounds = search_bounds(results, http)
        beyond_floor = beyond_kb = ""
        if bounds and bounds["floor_top"] < 0.15 * ng["rps"]:
            beyond_floor = f" (out of reach here: bare Xapian's searches alone allow {bounds['floor_top']:.0f}/s)"
        if bounds and bounds["kb_wait_ms"] > 10:
            beyond_kb = f" ({WRK_CONNECTIONS} connections at kb's bound wait {bounds['kb_wait_ms']:.1f} ms on average)"
        target("/api/search >= 15% of the nginx floor (--cache-mb 0)", f"{100 * wn['rps'] / ng['rps']:.1f}%{beyond_floor}",
               wn["rps"] >= 0.15 * ng["rps"])
        target("/api/search p99 <= 10 ms under wrk (queries repeat / no cache)",
               f"{w['p99_ms']:.2f} / {wn['p99_ms']:.2f} ms{beyond_kb}", w["p99_ms"] <= 10 and wn["p99_ms"] <= 10)
        if "wrk_omega" in http:
            om = http["wrk_omega"]
            target("/api/search >= 10x Omega (no cache)", f"{wn['rps'] / om['rps']:.1f}x", wn["rps"] >= 10 * om["rps"])
        target("article pages >= 30% of the floor", f"{100 * wa['rps'] / ng['rps']:.1f}%", wa["rps"] >= 0.3 * ng["rps"])
        target(f"server RSS after the load <= 150 MB ({http['corpus']})", f"{http['rss_after_mb']:.0f} MB",
               http["rss_after_mb"] <= 150)
    return "\n".join(rows) + "\n"


if __name__ == "__main__":
    sys.exit(main())
