#!/usr/bin/env python3
"""Where kb's search costs more than the plain-Xapian floor: instructions
and B-tree block reads per search, counted, not timed.

  bench/speed/profile.py --kb-index DIR --floor-index DIR --queries FILE [--count 300]

Both engines search the same first COUNT queries of FILE (a
make_queries.py file) on indexes of the same corpus, built by kb-index and
`xapian-floor index`. Each program runs twice: one pass over the queries
after its warm-up pass, then three; the figures are the difference divided
by the 2 x COUNT searches between them, so what either loads once (kb's
facet table and spelling dictionary, the floor's database handles) is
left out.

- instructions: valgrind's callgrind, which counts the same figure for the
  same binary and input whatever else the machine is doing;
- block reads: pread64 calls, counted by strace. Xapian 1.4 keeps no block
  cache of its own: each block a cursor moves to is copied from the page
  cache by one pread, so these count the B-tree blocks each search reads;
- for kb, the share of its instructions in each part of the search, from
  callgrind's inclusive counts of the functions that do each part.

Needs valgrind and strace (Debian packages of the same names); prints a
Markdown table. Timing figures belong to bench/speed/run.py.
"""
import argparse
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent

# kb's parts, as the callgrind function names that do them (inclusive).
KB_PARTS = [
    ("main match (facets, total)", None),  # the rest of get_mset: computed below
    ("ladder: existence probes", r"kb::Searcher::run_search\(kb::SearchRequest const&\)::\{lambda\(Xapian::Query const&\)"),
    ("reordering: weights_of passes", r"kb::weights_of\("),
    ("hits: stored hit, best section, snippet", r"kb::Searcher::run_search\(kb::SearchRequest const&\)::\{lambda\(Xapian::Document const&, double\)"),
    ("query building and spelling", r"kb::QueryBuilder::(all_words|ranked|bonus|proximity|all_words_or_synonyms)\("),
]


# Parts whose system calls are block reads only (no clock read inside).
KB_READ_PARTS = [
    ("all Xapian matches: main, ladder probes, reordering", r"Xapian::Enquire::get_mset\("),
    ("of which reordering: weights_of passes", r"kb::weights_of\("),
    ("hits: reading the stored hits", r"Xapian::Document::get_value"),
]


def callgrind(argv, toggles, out):
    """Runs argv under callgrind, counting instructions and system calls
    in the functions named by @toggles; returns (total instructions,
    [(instructions, system calls, function)] inclusive)."""
    cmd = ["valgrind", "--tool=callgrind", "--collect-systime=yes", f"--callgrind-out-file={out}"]
    cmd += [f"--toggle-collect={t}" for t in toggles] + [str(a) for a in argv]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    text = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", "--show=Ir,sysCount", out],
                          check=True, capture_output=True, text=True).stdout
    total = 0
    functions = []
    count = r"([\d,]+|\.)(?: \(\s*[\d.]+%\))?"
    for line in text.splitlines():
        m = re.match(rf"^\s*{count}\s+{count}\s+(\S.*)$", line)
        if not m:
            continue
        ir, calls = (0 if g == "." else int(g.replace(",", "")) for g in m.group(1, 2))
        if m.group(3).startswith("PROGRAM TOTALS"):
            total = ir
        else:
            functions.append((ir, calls, m.group(3)))
    return total, functions


def inclusive(functions, pattern, field=0):
    """The largest inclusive count (0: instructions, 1: system calls) of a
    function matching @pattern: its outermost call, which includes the
    others."""
    return max((f[field] for f in functions if re.search(pattern, f[2])), default=0)


def preads(argv):
    with tempfile.NamedTemporaryFile("r", suffix=".strace") as f:
        subprocess.run(["strace", "-f", "-c", "-e", "trace=pread64", "-o", f.name] + [str(a) for a in argv], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for line in f.read().splitlines():
            parts = line.split()
            if parts and parts[-1] == "pread64":
                return int(parts[3])
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kb-index", required=True)
    ap.add_argument("--floor-index", required=True)
    ap.add_argument("--queries", required=True)
    ap.add_argument("--count", type=int, default=300)
    ap.add_argument("--build", default=str(ROOT / "build" / "default"))
    args = ap.parse_args()
    for tool in ("valgrind", "callgrind_annotate", "strace"):
        if not shutil.which(tool):
            sys.exit(f"profile: {tool} is missing (apt-get install valgrind strace)")
    build = pathlib.Path(args.build)
    kb_speed, floor = build / "bench" / "kb-speed", build / "bench" / "xapian-floor"
    with tempfile.TemporaryDirectory(prefix="kb-profile-") as tmp:
        queries = pathlib.Path(tmp) / "queries.tsv"
        lines = pathlib.Path(args.queries).read_text(encoding="utf-8").splitlines(keepends=True)[: args.count]
        queries.write_text("".join(lines), encoding="utf-8")
        n = len(lines)
        engines = {
            "kb": (lambda r: [kb_speed, "search", args.kb_index, queries, r], ["kb::Searcher::search(*"]),
            # The floor's whole search: parse, match, and reading the ten hits.
            "floor": (lambda r: [floor, "search", args.floor_index, queries, r],
                      ["Xapian::QueryParser::parse_query(*", "Xapian::Enquire::get_mset(*", "Xapian::MSetIterator::get_document(*",
                       "Xapian::Document::get_data(*"]),
        }
        figures = {}
        kb_functions = {}
        for name, (argv, toggles) in engines.items():
            ir1, functions1 = callgrind(argv(1), toggles, f"{tmp}/{name}.1.cg")
            ir3, functions = callgrind(argv(3), toggles, f"{tmp}/{name}.3.cg")
            reads = (preads(argv(3)) - preads(argv(1))) / (2 * n)
            figures[name] = ((ir3 - ir1) / (2 * n), reads)
            if name == "kb":
                kb_functions = {label: (inclusive(functions, p) - inclusive(functions1, p)) / (2 * n)
                                for label, p in KB_PARTS if p}
                # Block reads where no clock is read: under valgrind clock
                # reads are system calls too.
                kb_reads_in = {label: (inclusive(functions, p, 1) - inclusive(functions1, p, 1)) / (2 * n)
                               for label, p in KB_READ_PARTS}
                match = (inclusive(functions, r"Xapian::Enquire::get_mset\(") -
                         inclusive(functions1, r"Xapian::Enquire::get_mset\(")) / (2 * n)
                kb_functions["main match (facets, total)"] = (match - kb_functions["reordering: weights_of passes"] -
                                                              kb_functions["ladder: existence probes"])
    kb_ir, kb_reads = figures["kb"]
    fl_ir, fl_reads = figures["floor"]
    print(f"{n} queries from {args.queries}; kb index {args.kb_index}, floor index {args.floor_index}\n")
    print("| per search | kb | floor | kb / floor |")
    print("|---|---|---|---|")
    print(f"| instructions (callgrind) | {kb_ir:,.0f} | {fl_ir:,.0f} | {kb_ir / fl_ir:.2f} |")
    print(f"| block reads (pread64) | {kb_reads:.1f} | {fl_reads:.1f} | {kb_reads / fl_reads:.2f} |")
    print("\n| kb's part of the search | instructions | share |")
    print("|---|---|---|")
    accounted = 0
    for label, _ in KB_PARTS:
        ir = kb_functions[label]
        accounted += ir
        print(f"| {label} | {ir:,.0f} | {ir / kb_ir:.0%} |")
    print(f"| the rest (languages, pins, sorting, the result list) | {kb_ir - accounted:,.0f} | "
          f"{(kb_ir - accounted) / kb_ir:.0%} |")
    print("\n| kb's block reads (callgrind's system calls) | per search |")
    print("|---|---|")
    for label, _ in KB_READ_PARTS:
        print(f"| {label} | {kb_reads_in[label]:.1f} |")


if __name__ == "__main__":
    main()
