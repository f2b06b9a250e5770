#!/usr/bin/env bash
# Installs what is missing, then builds and runs every test twice: in a normal
# build with warnings as errors, and in an AddressSanitizer +
# UndefinedBehaviorSanitizer build. Both run the unit tests (GoogleTest), the
# model staleness check and the end-to-end tests (aws-cli and boto3 against
# the real binary). A ThreadSanitizer build then runs the concurrency tests:
# the execution engine and the repository.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install_deps.sh --test
jobs=$(nproc)

run_suite() {  # run_suite BUILD_DIR CTEST_FILTER [cmake args...]
  local dir=$1 filter=$2
  shift 2
  echo "=== ${dir}: configure and build"
  cmake -S . -B "$dir" -G Ninja -DSLUICE_WARNINGS_AS_ERRORS=ON "$@" >/dev/null
  cmake --build "$dir"
  echo "=== ${dir}: test"
  (cd "$dir" && ctest --output-on-failure -j "$jobs" -R "$filter")
}

# The normal build compiles each file on its own, which proves every file
# includes what it uses; the sanitizer builds compile files in batches (unity
# builds), which is faster on two cores and checks the same code.
run_suite build "." -DCMAKE_BUILD_TYPE=RelWithDebInfo
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_suite build-asan "." -DCMAKE_BUILD_TYPE=Debug -DSLUICE_SANITIZE=address,undefined \
  -DCMAKE_UNITY_BUILD=ON
TSAN_OPTIONS=halt_on_error=1 \
  run_suite build-tsan "Execution|Repository|Tagging|Webhook|ActionTypeRegistry" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSLUICE_SANITIZE=thread -DCMAKE_UNITY_BUILD=ON
echo "All tests passed (normal and ASan+UBSan builds; engine, store and registries under TSan)."
