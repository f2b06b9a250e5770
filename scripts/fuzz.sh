#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (ASan + UBSan) in
# build-fuzz/, replays every saved regression input, then runs each fuzzer for
# SECONDS (default 20), one after the other, starting from a copy of its seed
# corpus (tests/fuzz/corpus/<fuzzer>/) with its dictionary
# (tests/fuzz/dictionaries/): new corpus entries go to a temporary directory,
# never into the repository. Fails on any crash, leak, timeout or
# broken invariant, keeping the input under build-fuzz/crashes/.
#   scripts/fuzz.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-20}
fuzzers=(http_request_fuzzer journal_reader_fuzzer operation_input_fuzzer sigv4_fuzzer sigv4_verifier_fuzzer)
build=build-fuzz

scripts/install_deps.sh --fuzz
echo "=== ${build}: configure and build the fuzzers"
# CXX picks the compiler when the build directory is first configured.
CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSLUICE_FUZZ=ON -DSLUICE_BUILD_TESTS=OFF -DSLUICE_WARNINGS_AS_ERRORS=ON -DCMAKE_UNITY_BUILD=ON >/dev/null
cmake --build "$build" --target fuzzers

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
crashes="$build/crashes"  # this run's crash inputs only
rm -rf "$crashes"
mkdir -p "$crashes"
# Any undefined behaviour or leak is a failure; a single input running for 60 s
# is a hang (libFuzzer's -timeout), however loaded the machine.
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

for fuzzer in "${fuzzers[@]}"; do
  bin="$build/fuzz/$fuzzer"
  regressions="tests/fuzz/regressions/$fuzzer"
  if compgen -G "$regressions/*" >/dev/null; then
    echo "=== $fuzzer: replaying $(find "$regressions" -type f | wc -l) regression inputs"
    # Given files, a fuzzer runs each once and fails on the first crash.
    if ! "$bin" -timeout=60 "$regressions"/* >"$work/$fuzzer-regressions.log" 2>&1; then
      tail -n 60 "$work/$fuzzer-regressions.log"
      echo "FAILED: $fuzzer crashed on a saved regression input (see above)"
      exit 1
    fi
  fi

  corpus="$work/$fuzzer-corpus"
  mkdir -p "$corpus"
  cp tests/fuzz/corpus/"$fuzzer"/* "$corpus"/
  seeds=$(find "$corpus" -type f | wc -l)
  echo "=== $fuzzer: fuzzing for ${seconds}s from $seeds seeds"
  log="$work/$fuzzer.log"
  # -entropic=0: libFuzzer 14's default (entropic) schedule spends most of the
  # time on its own bookkeeping with these targets' many features (measured:
  # half the time in UpdateFeatureFrequency, a third of the executions, and
  # less coverage after the same seconds).
  if ! "$bin" -max_total_time="$seconds" -timeout=60 -entropic=0 -print_final_stats=1 \
      -dict="tests/fuzz/dictionaries/$fuzzer.dict" -artifact_prefix="$crashes/$fuzzer-" \
      "$corpus" >"$log" 2>&1; then
    tail -n 80 "$log"
    echo "FAILED: $fuzzer found a crash; its input is in $crashes/:"
    ls -1 "$crashes" | grep "^$fuzzer-" || true
    echo "Fix it, then save the input under tests/fuzz/regressions/$fuzzer/ (and a unit test)."
    exit 1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  echo "$fuzzer: $runs executions ($rate/s), corpus $seeds -> $(find "$corpus" -type f | wc -l) inputs, no crash"
done
echo "All fuzzers ran clean (${seconds}s each)."
