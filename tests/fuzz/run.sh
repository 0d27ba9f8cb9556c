#!/usr/bin/env bash
# `make fuzz`: builds the libFuzzer targets with clang in $FUZZ_BUILD_DIR and runs each for
# $FUZZ_SECONDS, growing a work corpus outside the source tree. Fails if any target crashes
# (crash, assert, ASan/UBSan/LSan report, timeout, out of memory); the input that did it is left
# in $FUZZ_BUILD_DIR/artifacts/NAME/ and the log in $FUZZ_BUILD_DIR/logs/NAME.log.
#
#   FUZZ_SECONDS=60        run time per target (libFuzzer -max_total_time)
#   FUZZ_TARGETS="a b"     subset of targets (names as in tests/fuzz/targets.cmake); default all
#   FUZZ_JOBS=1            targets run at the same time
#   FUZZ_MERGE=1           afterwards merge the new coverage into the committed seeds
#                          (tests/fuzz/corpus/NAME/, libFuzzer -merge=1: only inputs adding
#                          coverage); off by default so a run leaves the tree clean
#   FUZZ_BUILD_DIR=build-fuzz
#   FUZZ_ARGS="..."        extra libFuzzer flags, e.g. "-rss_limit_mb=1024 -dict=..."
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
build=${FUZZ_BUILD_DIR:-build-fuzz}
seconds=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-1}
all_targets=$(sed -n 's/^mdo_fuzz_target(\([a-z_0-9]*\) .*/\1/p' tests/fuzz/targets.cmake)
targets=${FUZZ_TARGETS:-$all_targets}

for t in $targets; do
  if ! grep -qx "$t" <<<"$all_targets"; then
    echo "fuzz: unknown target '$t' (known: $(echo $all_targets))" >&2
    exit 2
  fi
done

scripts/install-deps --fuzz

if [[ ! -f "$build/build.ninja" ]]; then
  CC=clang CXX=clang++ cmake -S tests/fuzz -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
build_targets=()
for t in $targets; do build_targets+=(--target "fuzz_$t"); done
cmake --build "$build" -j "${JOBS:-$(nproc)}" "${build_targets[@]}"

mkdir -p "$build/logs"
# run_one NAME: one target for $seconds; the exit status is libFuzzer's.
run_one() {
  local t=$1 work="$build/corpus/$1" art="$build/artifacts/$1/"
  mkdir -p "$work" "$art"
  echo "fuzz: $t for ${seconds}s (log $build/logs/$t.log)"
  # shellcheck disable=SC2086  # FUZZ_ARGS is a list of flags
  "$build/bin/fuzz_$t" "$work" "tests/fuzz/corpus/$t" -max_total_time="$seconds" \
    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$art" \
    ${FUZZ_ARGS:-} >"$build/logs/$t.log" 2>&1
}

declare -A pids=()
failed=()
# reap: wait for one running target and record a failure.
reap() {
  local done_pid status=0 t
  wait -n -p done_pid || status=$?
  for t in "${!pids[@]}"; do
    if [[ "${pids[$t]}" == "$done_pid" ]]; then
      unset "pids[$t]"
      if ((status != 0)); then
        failed+=("$t")
        echo "fuzz: $t FAILED (exit $status); last lines of $build/logs/$t.log:" >&2
        tail -n 30 "$build/logs/$t.log" >&2
      fi
    fi
  done
}
for t in $targets; do
  while ((${#pids[@]} >= jobs)); do reap; done
  run_one "$t" &
  pids[$t]=$!
done
while ((${#pids[@]} > 0)); do reap; done

# Summary from libFuzzer's final stats and last status line.
printf '%-16s %12s %8s %6s %7s %s\n' target executions exec/s cov ft corpus
for t in $targets; do
  log="$build/logs/$t.log"
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -n1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([^ ]*\).*/\1/p' <<<"$last")
  printf '%-16s %12s %8s %6s %7s %s\n' "$t" "${runs:--}" "${rate:--}" "${cov:--}" "${ft:--}" \
    "${corp:--}"
done

if ((${#failed[@]})); then
  echo "fuzz: FAILED: ${failed[*]} (inputs in $build/artifacts/)" >&2
  exit 1
fi

if [[ "${FUZZ_MERGE:-0}" == 1 ]]; then
  for t in $targets; do
    echo "fuzz: merging new coverage of $t into tests/fuzz/corpus/$t"
    "$build/bin/fuzz_$t" -merge=1 "tests/fuzz/corpus/$t" "$build/corpus/$t" \
      >>"$build/logs/$t.merge.log" 2>&1
  done
fi
echo "fuzz: no crash in ${seconds}s per target ($(echo $targets | wc -w) targets)"
