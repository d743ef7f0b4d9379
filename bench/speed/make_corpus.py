#!/usr/bin/env python3
"""Builds a benchmark corpus of N articles from a folder of real ones.

  make_corpus.py --source ../shared/data/supportarticles/support --size 1000 --out /tmp/c1k

N at most the source's size: a fixed-seed sample of the real files
(hard links when possible). N larger: every real file plus synthetic
articles made from the real text: each takes a real article's title and
lead and a handful of sections drawn from other real articles, so
vocabulary, lengths and Markdown shapes stay those of real support
articles while the collection grows.
"""
import argparse
import os
import pathlib
import random
import re
import shutil


def link_or_copy(src, dst):
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def split_article(text):
    """(title, lead, [sections]) of a Markdown article with front matter."""
    title = ""
    body = text
    if text.startswith("---"):
        end = text.find("\n---", 3)
        if end != -1:
            m = re.search(r"^title:\s*['\"]?(.+?)['\"]?\s*$", text[3:end], re.M)
            if m:
                title = m.group(1)
            body = text[end + 4:]
    parts = re.split(r"\n(?=## )", body)
    return title, parts[0], parts[1:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", required=True)
    ap.add_argument("--size", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()

    rng = random.Random(args.seed)
    source = pathlib.Path(args.source)
    out = pathlib.Path(args.out)
    if out.exists():
        shutil.rmtree(out)
    files = sorted(source.rglob("*.md"))
    chosen = files if args.size >= len(files) else sorted(rng.sample(files, args.size))
    for f in chosen:
        link_or_copy(f, out / f.relative_to(source))

    extra = args.size - len(chosen)
    if extra <= 0:
        return
    articles = []
    sections = []
    for f in files:
        title, lead, secs = split_article(f.read_text(encoding="utf-8", errors="replace"))
        if title:
            articles.append((title, lead))
        sections.extend(s for s in secs if len(s) < 20000)
    for i in range(extra):
        title, lead = rng.choice(articles)
        picked = [rng.choice(sections) for _ in range(rng.randint(2, 6))]
        path = out / "synthetic" / f"{i // 1000:03d}" / f"variant-{i:06d}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        safe_title = title.replace('"', "'")
        path.write_text(f'---\ntitle: "{safe_title} ({i})"\n---\n{lead}\n' + "\n".join(picked) + "\n",
                        encoding="utf-8")


if __name__ == "__main__":
    main()
