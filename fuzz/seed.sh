#!/usr/bin/env bash
# Seeds the corpora of the fuzz targets with every spec of the repository.
set -euo pipefail
cd "$(dirname "$0")"
for target in front_bytes front_mutate explore_bounded; do
  mkdir -p "corpus/$target"
  find ../specs ../tests/cases ../tests/explore -name '*.ds' | while read -r f; do
    cp "$f" "corpus/$target/$(echo "${f#../}" | tr / _)"
  done
done
