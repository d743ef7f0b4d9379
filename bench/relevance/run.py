#!/usr/bin/env python3
"""The relevance benchmark: kb against plain BM25 (SQLite FTS5) on the
StackFAQ collection, plain, with 5,878 support articles as distractors, and
with one typo injected into each query. Scores come from
../shared/tools/score_run.py.

  bench/relevance/run.py [--build build/default] [--shared ../shared] [--quick]
"""
import argparse
import os
import pathlib
import random
import shutil
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def typo(query, rng):
    """One deterministic edit (swap, drop, double or replace a letter) in a
    word of at least 4 letters, the way people mistype."""
    words = query.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not candidates:
        return query
    i = rng.choice(candidates)
    w = words[i]
    p = rng.randrange(1, len(w) - 1)
    kind = rng.choice(["swap", "drop", "double", "replace"])
    if kind == "swap":
        w = w[:p] + w[p + 1] + w[p] + w[p + 2:]
    elif kind == "drop":
        w = w[:p] + w[p + 1:]
    elif kind == "double":
        w = w[:p] + w[p] + w[p:]
    else:
        w = w[:p] + rng.choice("abcdefghijklmnopqrstuvwxyz") + w[p + 1:]
    words[i] = w
    return " ".join(words)


def score(shared, qrels, run):
    out = subprocess.run([sys.executable, str(shared / "tools" / "score_run.py"), str(qrels), str(run)],
                         check=True, capture_output=True, text=True).stdout
    metrics = {}
    for line in out.splitlines():
        for name in ("MRR@10", "nDCG@10", "Recall@10", "Recall@100"):
            if line.strip().startswith(name):
                metrics[name] = float(line.split()[-1])
    return metrics


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=str(ROOT / "build" / "default"))
    ap.add_argument("--shared", default=str(ROOT.parent / "shared"))
    ap.add_argument("--quick", action="store_true", help="plain runs only (no distractors, no typos)")
    ap.add_argument("--seed", type=int, default=20261121)
    ap.add_argument("--keep", help="keep run files in this folder")
    ap.add_argument("--min-thread-mrr", type=float, help="fail (exit 1) when kb's plain thread MRR@10 is lower")
    ap.add_argument("--min-pair-ndcg", type=float, help="fail (exit 1) when kb's plain pair nDCG@10 is lower")
    args = ap.parse_args()

    shared = pathlib.Path(args.shared)
    stackfaq = shared / "data" / "stackfaq"
    support = shared / "data" / "supportarticles" / "support"
    if not stackfaq.is_dir():
        print(f"relevance: SKIPPED: {stackfaq} is missing (the StackFAQ collection lives in ../shared)", file=sys.stderr)
        return 77  # ctest's SKIP_RETURN_CODE
    kb_bin = pathlib.Path(args.build) / "bench" / "kb-relevance"
    if not kb_bin.exists():
        print(f"relevance: build first: {kb_bin} is missing", file=sys.stderr)
        return 2

    work = pathlib.Path(tempfile.mkdtemp(prefix="kb-relevance-"))
    keep = pathlib.Path(args.keep) if args.keep else None
    if keep:
        keep.mkdir(parents=True, exist_ok=True)
    try:
        queries = stackfaq / "queries-tune.tsv"
        rng = random.Random(args.seed)
        typo_queries = work / "queries-typo.tsv"
        with open(queries, encoding="utf-8") as q, open(typo_queries, "w", encoding="utf-8") as out:
            for line in q:
                qid, _, text = line.rstrip("\n").partition("\t")
                out.write(f"{qid}\t{typo(text, rng)}\n")

        variants = [("plain", queries, False)]
        if not args.quick:
            variants += [("distractors", queries, True), ("typos", typo_queries, False)]
        rows = []
        for collection in ("thread", "pair"):
            articles = stackfaq / collection / "articles"
            qrels = stackfaq / collection / "qrels-tune.tsv"
            for variant, qfile, distract in variants:
                folders = [articles]
                if distract:
                    if not support.is_dir():
                        print("relevance: distractors SKIPPED: support articles missing", file=sys.stderr)
                        continue
                    folders.append(support)
                corpus = work / f"{collection}-{variant}-articles"
                corpus.mkdir()
                for i, f in enumerate(folders):
                    shutil.copytree(f, corpus / f"part{i}")
                for system in ("kb", "fts5"):
                    run = work / f"{collection}-{variant}-{system}.run"
                    if system == "kb":
                        subprocess.run([str(kb_bin), "--articles", str(corpus), "--index",
                                        str(work / f"{collection}-{variant}-index"), "--queries", str(qfile),
                                        "--run", str(run)], check=True, stderr=subprocess.DEVNULL)
                    else:
                        cmd = [sys.executable, str(HERE / "fts5_baseline.py"), "--queries", str(qfile), "--run", str(run)]
                        for f in folders:
                            cmd += ["--articles", str(f)]
                        subprocess.run(cmd, check=True)
                    m = score(shared, qrels, run)
                    rows.append((collection, variant, system, m))
                    if keep:
                        shutil.copy(run, keep / run.name)
        failed = False
        for collection, variant, system, m in rows:
            if system != "kb" or variant != "plain":
                continue
            if collection == "thread" and args.min_thread_mrr and m["MRR@10"] < args.min_thread_mrr:
                print(f"relevance: FAILED: thread MRR@10 {m['MRR@10']:.3f} < {args.min_thread_mrr}", file=sys.stderr)
                failed = True
            if collection == "pair" and args.min_pair_ndcg and m["nDCG@10"] < args.min_pair_ndcg:
                print(f"relevance: FAILED: pair nDCG@10 {m['nDCG@10']:.3f} < {args.min_pair_ndcg}", file=sys.stderr)
                failed = True
        print("| collection | variant | system | MRR@10 | nDCG@10 | Recall@10 | Recall@100 |")
        print("|---|---|---|---|---|---|---|")
        for collection, variant, system, m in rows:
            print(f"| {collection} | {variant} | {system} | {m['MRR@10']:.3f} | {m['nDCG@10']:.3f} | "
                  f"{m['Recall@10']:.3f} | {m['Recall@100']:.3f} |")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
