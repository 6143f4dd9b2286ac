#!/usr/bin/env bash
# Regenerates the screenshots in docs/images/ with headless Chromium: the
# HTML report (`--report`) and the terminal chart (`--trace msc`, rendered
# from an HTML <pre>) of the 2PC-blocking, FLP and Paxos-buggy
# counterexamples, and
# a state's page in `dsmc explore`.
#   DSMC=target/debug/dsmc docs/images/make.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
dsmc=${DSMC:-target/debug/dsmc}
out=docs/images
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

shot() { # page.html out.png width height
  chromium --headless --disable-gpu --no-sandbox --hide-scrollbars --no-first-run \
    --user-data-dir="$tmp/profile" --screenshot="$2" --window-size="$3,$4" \
    "file://$(realpath "$1")" >/dev/null 2>&1
}

for spec in 2pc_blocking flp paxos_buggy; do
  name=${spec//_/-}
  # The terminal, as a person sees it (a UTF-8 terminal, no colour).
  LANG=C.UTF-8 NO_COLOR=1 "$dsmc" check "specs/$spec.ds" --trace msc >"$tmp/$spec.txt" 2>/dev/null || true
  lines=$(wc -l <"$tmp/$spec.txt")
  cols=$(awk '{ if (length($0) > max) max = length($0) } END { print max }' "$tmp/$spec.txt")
  {
    printf '<!DOCTYPE html><meta charset="utf-8"><style>'
    printf 'body{margin:0;background:#1e1f29}'
    printf 'pre{margin:0;padding:16px 20px;color:#e6e6e6;font:14px/17px "DejaVu Sans Mono",monospace}'
    printf '</style><pre>'
    sed -e 's/&/\&amp;/g' -e 's/</\&lt;/g' -e 's/>/\&gt;/g' "$tmp/$spec.txt"
    printf '</pre>'
  } >"$tmp/$spec-terminal.html"
  shot "$tmp/$spec-terminal.html" "$out/chart-$name.png" $((cols * 9 + 48)) $((lines * 17 + 36))

  # The HTML report.
  "$dsmc" check "specs/$spec.ds" --report "$tmp/$spec-report.html" >/dev/null 2>&1 || true
  # Tall enough for the whole diagram (Paxos-buggy has 18 steps).
  height=1250
  [ "$spec" = paxos_buggy ] && height=1420
  shot "$tmp/$spec-report.html" "$out/report-$name.png" 1100 "$height"
done

# dsmc explore, two steps into eager commit: RM[1] prepares (successor 3 of
# the initial state), the TM receives its vote (successor 5 of that state).
port=${PORT:-38125}
"$dsmc" explore specs/2pc_eager_commit.ds --port "$port" >/dev/null 2>&1 &
server=$!
sleep 2
chromium --headless --disable-gpu --no-sandbox --hide-scrollbars --no-first-run \
  --user-data-dir="$tmp/profile" \
  --screenshot="$out/explorer-2pc.png" --window-size=1100,1250 \
  "http://127.0.0.1:$port/state?path=0.3.5" >/dev/null 2>&1 || true
kill "$server"
