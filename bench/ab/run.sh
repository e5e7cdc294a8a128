#!/usr/bin/env bash
# A/B of the ingest and policy benchmarks on one machine: the working tree ("after") against a commit ("before"),
# alternating before/after, N rounds (default 3). Used for issue 15's bound (docs/performance.md).
#   bench/ab/run.sh BEFORE_COMMIT [ROUNDS]
# Each round runs, in each tree: bench/ab/ingest-steady.ts (in-process ingest, SQLite, batches of 10,000) and
# claimBench of bench/policy.ts (estimate and file a claim over 1,000,000 records, SQLite), both from source.
set -euo pipefail
before=${1:?usage: bench/ab/run.sh BEFORE_COMMIT [ROUNDS]}
rounds=${2:-3}
root=$(git rev-parse --show-toplevel)
wt=$(mktemp -d /tmp/suanli-ab-XXXXXX)
git -C "$root" worktree add --detach "$wt" "$before" >/dev/null
trap 'git -C "$root" worktree remove --force "$wt"' EXIT
ln -s "$root/node_modules" "$wt/node_modules"
prepare() { # $1: tree
  mkdir -p "$1/.bench-tmp/ab"
  sed -e "s#'../src/#'../../src/#; s#'../support.js'#'../../bench/support.js'#" "$root/bench/ab/ingest-steady.ts" > "$1/.bench-tmp/ab/ingest-steady.ts"
  { sed -e "s#from '\./support.js'#from '../../bench/support.js'#; s#from '\.\./src/#from '../../src/#g; s#from '\.\./test/#from '../../test/#g" "$1/bench/policy.ts"
    echo "const rows: Row[] = []; await claimBench(rows, 'sqlite', null, 1_000_000);"
    echo "console.log(JSON.stringify({ tree: process.cwd(), claim: rows.map((r) => ({ what: r.what, s: +r.seconds.toFixed(2), raw_s: +r.baseline_s!.toFixed(2), ratio: +(r.baseline_s! / r.seconds).toFixed(3) })) }));"
  } > "$1/.bench-tmp/ab/claim.ts"
}
prepare "$wt"
prepare "$root"
for i in $(seq "$rounds"); do
  for tree in "$wt" "$root"; do
    (cd "$tree" && node --import tsx .bench-tmp/ab/ingest-steady.ts && node --import tsx .bench-tmp/ab/claim.ts 2>&1 | tail -1)
  done
done
