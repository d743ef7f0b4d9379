#!/usr/bin/env python3
"""Samples benchmark queries mechanically from a corpus (fixed seed).

  make_queries.py --corpus DIR --count 500 --out queries.tsv

Four in five queries are two to four consecutive words of a random
article's title or heading; one in five is an error-message fragment (a
hex code, "error NNNN", an event ID, with the words around it). Then a
misspelled variant is added for every fourth query: one letter of its
longest word dropped, doubled or swapped with the next. qids say which
kind a query is (h: heading, e: error, t: typo).
"""
import argparse
import pathlib
import random
import re

ERROR = re.compile(r"(0x[0-9A-Fa-f]{6,8}|\berror (?:code )?\d{3,6}\b|\bevent id \d{2,5}\b|\bstop (?:code|error) \w+)",
                   re.I)


def words(text):
    return re.findall(r"[A-Za-z0-9][A-Za-z0-9.\-']*[A-Za-z0-9]|[A-Za-z0-9]", text)


def misspell(query, rng):
    ws = query.split()
    i = max(range(len(ws)), key=lambda k: len(ws[k]))
    w = ws[i]
    if len(w) < 4:
        return None
    p = rng.randrange(1, len(w) - 1)
    kind = rng.choice(["drop", "double", "swap"])
    if kind == "drop":
        w = w[:p] + w[p + 1:]
    elif kind == "double":
        w = w[:p] + w[p] + w[p:]
    else:
        w = w[:p] + w[p + 1] + w[p] + w[p + 2:]
    ws[i] = w
    return " ".join(ws)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--count", type=int, default=500)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=11)
    args = ap.parse_args()

    rng = random.Random(args.seed)
    headings, errors = [], []
    for f in sorted(pathlib.Path(args.corpus).rglob("*.md")):
        text = f.read_text(encoding="utf-8", errors="replace")
        for m in re.finditer(r"^(?:title:|#{1,3} )\s*['\"]?(.+?)['\"]?\s*$", text, re.M):
            if len(words(m.group(1))) >= 2:
                headings.append(m.group(1))
        for line in text.splitlines():
            m = ERROR.search(line)
            if m:
                errors.append((line, m.start(), m.end()))

    queries = []
    n_error = args.count // 5 if errors else 0
    while len(queries) < args.count - n_error:
        ws = words(rng.choice(headings))
        n = min(len(ws), rng.randint(2, 4))
        start = rng.randrange(len(ws) - n + 1)
        queries.append(("h", " ".join(ws[start:start + n]).lower()))
    while len(queries) < args.count:
        line, s, e = rng.choice(errors)
        before = words(line[:s])[-rng.randint(0, 2):] if rng.random() < 0.7 else []
        after = words(line[e:])[:rng.randint(0, 2)]
        queries.append(("e", " ".join(before + [line[s:e]] + after)))
    typos = []
    for i, (_, q) in enumerate(queries):
        if i % 4 == 0:
            t = misspell(q, rng)
            if t:
                typos.append(("t", t))
    with open(args.out, "w", encoding="utf-8") as out:
        for n, (kind, q) in enumerate(queries + typos):
            q = " ".join(q.split())
            if q:
                out.write(f"{kind}{n}\t{q}\n")


if __name__ == "__main__":
    main()
