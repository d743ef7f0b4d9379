#!/usr/bin/env python3
"""Plain BM25 baseline: SQLite FTS5 (porter tokenizer) over title + body.

  fts5_baseline.py --articles DIR [--articles DIR2 ...] --queries Q.tsv --run OUT.tsv

Every query word is OR-ed (quoted, so FTS5 syntax in queries is inert) and
ranked by FTS5's bm25(). The slug is the front matter `slug`, else the file
name, as kb does.
"""
import argparse
import pathlib
import re
import sqlite3


def parse(path):
    text = path.read_text(encoding="utf-8", errors="replace")
    title, slug, body = "", "", text
    if text.startswith("---"):
        end = text.find("\n---", 3)
        if end != -1:
            fm, body = text[3:end], text[end + 4:]
            m = re.search(r"^title:\s*(.+)$", fm, re.M)
            if m:
                title = m.group(1).strip().strip("'\"")
            m = re.search(r"^slug:\s*(.+)$", fm, re.M)
            if m:
                slug = m.group(1).strip().strip("'\"")
    if not slug:
        slug = re.sub(r"[^a-z0-9_]+", "-", path.stem.lower()).strip("-")
    return slug, title, body


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--articles", action="append", required=True)
    ap.add_argument("--queries", required=True)
    ap.add_argument("--run", required=True)
    ap.add_argument("--depth", type=int, default=100)
    args = ap.parse_args()

    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(slug UNINDEXED, title, body, tokenize='porter unicode61')")
    for folder in args.articles:
        for path in sorted(pathlib.Path(folder).rglob("*.md")):
            db.execute("INSERT INTO docs VALUES (?, ?, ?)", parse(path))
    with open(args.queries, encoding="utf-8") as q, open(args.run, "w", encoding="utf-8") as out:
        for line in q:
            qid, _, query = line.rstrip("\n").partition("\t")
            words = re.findall(r"\w+", query.lower())
            if not words:
                continue
            match = " OR ".join('"%s"' % w.replace('"', '') for w in words)
            rows = db.execute("SELECT slug FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT ?",
                              (match, args.depth)).fetchall()
            for rank, (slug,) in enumerate(rows, 1):
                out.write(f"{qid}\t{slug}\t{rank}\n")


if __name__ == "__main__":
    main()
