#!/usr/bin/env bash
# Runs one libFuzzer target of the fuzz preset for a while, from seeds
# assembled out of the real articles, and prints libFuzzer's final stats.
#   scripts/fuzz.sh TARGET [SECONDS]     e.g. scripts/fuzz.sh fuzz_article 600
# TARGET: fuzz_article, fuzz_query, fuzz_requests, fuzz_templates.
# Seeds: tests/fuzz/seeds/TARGET, articles/, and a sample of
# ../shared/data/supportarticles (skipped, loudly, when it is absent).
# Found inputs go to build/fuzz/corpus/TARGET, crashes to build/fuzz/crashes/.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/fuzz.sh TARGET [SECONDS]}
seconds=${2:-60}
build=build/fuzz
bin=$build/tests/fuzz/$target
if [[ ! -x $bin ]]; then
  cmake --preset fuzz >/dev/null
  cmake --build --preset fuzz --target "$target" -j"$(nproc)"
fi

seeds=$build/seeds/$target
rm -rf "$seeds"
mkdir -p "$seeds" "$build/corpus/$target" "$build/crashes"
cp tests/fuzz/seeds/"$target"/* "$seeds"/

shared=../shared/data/supportarticles
article_files() {
  find articles -name '*.md' -type f
  if [[ -d $shared ]]; then
    # Every 20th file under 64 KiB: the variety without thousands of seeds.
    find "$shared" -name '*.md' -type f -size -64k | sort | awk 'NR % 20 == 0'
  fi
}
[[ -d $shared ]] || echo "kb fuzz: $shared is absent: seeding from articles/ only" >&2

# A title per article, for the targets that take queries and form fields.
titles() { article_files | xargs -d '\n' grep -h -m1 '^title:' | sed 's/^title: *//; s/^"//; s/"$//' | head -300; }

n=0
case $target in
  fuzz_article)
    while IFS= read -r f; do cp "$f" "$seeds/article-$((n++)).md"; done < <(article_files) ;;
  fuzz_query)
    while IFS= read -r t; do
      printf 'q=%s&per_page=5' "$(printf '%s' "$t" | python3 -c 'import sys, urllib.parse; print(urllib.parse.quote_plus(sys.stdin.read()))')" > "$seeds/q-$((n++))"
    done < <(titles) ;;
  fuzz_requests)
    while IFS= read -r t; do
      printf '{"subject":%s,"description":"see title","email":"a@example.com"}' \
        "$(printf '%s' "$t" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))')" > "$seeds/ticket-$((n++)).json"
    done < <(titles | head -100) ;;
  fuzz_templates)
    while IFS= read -r t; do printf '%s\x1f%s\x1fsummary\x1fslug' "$t" "$t" > "$seeds/fields-$((n++))"; done < <(titles | head -100) ;;
  *) echo "kb fuzz: unknown target $target" >&2; exit 2 ;;
esac
echo "kb fuzz: $target for ${seconds}s from $(ls "$seeds" | wc -l) seeds" >&2

# -rss_limit_mb: a real memory bomb is a finding; -timeout: so is a hang.
# jobs/workers stay at 1: the machine is shared.
export LSAN_OPTIONS="suppressions=$PWD/tests/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
exec nice -n 10 "$bin" -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=2048 -timeout=10 \
  -max_len=65536 -artifact_prefix="$build/crashes/$target-" "$build/corpus/$target" "$seeds"
