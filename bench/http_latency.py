#!/usr/bin/env python3
"""Sequential /api/search latency over one keep-alive connection.

Queries are sampled mechanically (fixed seed) from article titles: two to
three words of a random title per query. Prints p50/p95/p99 in ms.

  bench/http_latency.py --articles ../shared/data/supportarticles/support \
      --url http://127.0.0.1:8080 --queries 500
"""
import argparse
import http.client
import pathlib
import random
import re
import statistics
import time
import urllib.parse


def titles(folder):
    for path in sorted(pathlib.Path(folder).rglob("*.md")):
        text = path.read_text(encoding="utf-8", errors="replace")
        m = re.search(r"^title:\s*['\"]?(.+?)['\"]?\s*$", text[:4000], re.M)
        if m:
            yield m.group(1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", required=True)
    ap.add_argument("--url", default="http://127.0.0.1:8080")
    ap.add_argument("--queries", type=int, default=500)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()

    rng = random.Random(args.seed)
    pool = [t for t in titles(args.articles)]
    queries = []
    for _ in range(args.queries):
        words = re.findall(r"\w+", rng.choice(pool))
        if not words:
            continue
        start = rng.randrange(len(words))
        queries.append(" ".join(words[start:start + rng.choice([2, 3])]))

    url = urllib.parse.urlparse(args.url)
    conn = http.client.HTTPConnection(url.hostname, url.port or 80)
    times = []
    for q in queries:
        t0 = time.perf_counter()
        conn.request("GET", "/api/search?q=" + urllib.parse.quote_plus(q))
        resp = conn.getresponse()
        resp.read()
        times.append((time.perf_counter() - t0) * 1000)
        if resp.status != 200:
            raise SystemExit(f"status {resp.status} for {q!r}")
    times.sort()
    pct = lambda p: times[min(len(times) - 1, int(p / 100 * len(times)))]
    print(f"| queries | p50 ms | p95 ms | p99 ms | mean ms |")
    print(f"|---|---|---|---|---|")
    print(f"| {len(times)} | {pct(50):.2f} | {pct(95):.2f} | {pct(99):.2f} | {statistics.mean(times):.2f} |")


if __name__ == "__main__":
    main()
