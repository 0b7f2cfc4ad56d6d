#!/usr/bin/env bash
# Runs every Go fuzz target of the main module for $FUZZTIME each (go test allows one -fuzz target
# per run). Packages run side by side, at most $FUZZJOBS at once (default 4), their targets one
# after the other (they share one instrumented build): the short CI run stays well under a minute.
# Each package's output is printed whole when it ends; a failure names the input that broke it
# (saved under the package's testdata/fuzz/<Target>/: commit it as a regression seed).
set -euo pipefail
cd "$(dirname "$0")/../.."
FUZZTIME=${FUZZTIME:-3s}
FUZZJOBS=${FUZZJOBS:-4}
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

fuzz_package() { # pkg dir log
  local pkg=$1 dir=$2 log=$3 target status=0
  for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    echo "fuzz: $pkg $target ($FUZZTIME)" >>"$log"
    for attempt in 1 2; do
      if go test -run '^$' -fuzz "^${target}\$" -fuzztime "$FUZZTIME" "$pkg" >"$log.run" 2>&1; then
        cat "$log.run" >>"$log"
        break
      fi
      cat "$log.run" >>"$log"
      # Concurrent instrumented builds sometimes lose a package's export data ("could not import
      # X (open : no such file or directory)"): a build hiccup, not a finding; try once more.
      if [ "$attempt" = 1 ] && grep -q 'could not import .*(open : no such file' "$log.run"; then
        echo "fuzz: build hiccup, retrying $pkg $target" >>"$log"
        continue
      fi
      echo "fuzz: FAIL $pkg $target" >>"$log"
      status=1
      break
    done
  done
  return $status
}

pids=() names=() n=0
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  grep -q '^func Fuzz' "$dir"/*_test.go 2>/dev/null || continue
  while [ "$(jobs -rp | wc -l)" -ge "$FUZZJOBS" ]; do sleep 0.2; done
  fuzz_package "$pkg" "$dir" "$logs/$n.log" &
  pids+=($!) names+=("$pkg") n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "fuzz: no fuzz targets yet"; exit 0; }

failed=0
for i in "${!pids[@]}"; do
  if ! wait "${pids[$i]}"; then failed=1; fi
  cat "$logs/$i.log"
done
if [ "$failed" = 1 ]; then
  echo "fuzz: FAILED (see above: each failing input is saved under testdata/fuzz/)"
  exit 1
fi
echo "fuzz: every target ran $FUZZTIME without a failure"
