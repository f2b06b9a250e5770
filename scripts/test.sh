#!/usr/bin/env bash
# Installs what is missing, then builds and runs every test twice: in a normal
# build with warnings as errors, and in an AddressSanitizer +
# UndefinedBehaviorSanitizer build. Both run the unit tests (GoogleTest), the
# model staleness check and the end-to-end tests (aws-cli and boto3 against
# the real binary); the normal build also runs the web console's browser
# tests. A ThreadSanitizer build then runs the concurrency tests: the
# execution engine, the repository and registries, the journal and the
# signature check's key cache.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install_deps.sh --test
jobs=$(nproc)

configure_and_build() {  # configure_and_build DIR TARGET [cmake args...]
  local dir=$1 target=$2
  shift 2
  echo "=== ${dir}: configure and build ${target} (at ${SECONDS} s)"
  cmake -S . -B "$dir" -G Ninja -DSLUICE_WARNINGS_AS_ERRORS=ON "$@" >/dev/null
  cmake --build "$dir" --target "$target"
  echo "=== ${dir}: built (at ${SECONDS} s)"
}

# Line tables (-g1) are all that a sanitizer report, a backtrace or gdb's
# "where" need; full debug info (-g) made each file take a third longer to
# compile (14.0 s against 11.0 s for the router at -O2), and the test builds
# are compiled once and thrown away.
line_tables_o2=(-DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG")
line_tables_o0=(-DCMAKE_CXX_FLAGS_DEBUG="-g1")

# The normal build compiles each file on its own, which proves every file
# includes what it uses, and runs every test as its own ctest entry, so that
# a failure names itself. The sanitizer builds compile files in batches
# (unity builds) and run the unit tests in one process: a sanitized binary
# takes most of a second to start, and ctest would start it once per test.
# Unity off in so many words: scripts/run.sh turns it on in the same build/.
configure_and_build build all -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_UNITY_BUILD=OFF \
  "${line_tables_o2[@]}"
echo "=== build: test"
(cd build && ctest --output-on-failure -j "$jobs")
# The web console in Debian's Chromium (Playwright; installs nodejs, npm and
# chromium when missing). SLUICE_SKIP_BROWSER_TESTS=1 leaves them to a run
# of their own, as CI's bare Debian container does (see docker/bare_debian.sh).
if [[ ${SLUICE_SKIP_BROWSER_TESTS:-} == 1 ]]; then
  echo "=== build: browser tests skipped (SLUICE_SKIP_BROWSER_TESTS=1)"
else
  echo "=== build: browser tests (at ${SECONDS} s)"
  SLUICE_BIN=build/sluice scripts/browser_test.sh
fi

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
configure_and_build build-asan all -DCMAKE_BUILD_TYPE=Debug -DSLUICE_SANITIZE=address,undefined \
  -DCMAKE_UNITY_BUILD=ON "${line_tables_o0[@]}"
echo "=== build-asan: test"
build-asan/tests/unit_tests --gtest_brief=1
(cd build-asan && ctest --output-on-failure -j "$jobs" -L e2e)
unset ASAN_OPTIONS UBSAN_OPTIONS

# Only the unit tests run under TSan: the server binary is not built.
configure_and_build build-tsan unit_tests -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSLUICE_SANITIZE=thread \
  -DCMAKE_UNITY_BUILD=ON "${line_tables_o2[@]}"
echo "=== build-tsan: test"
TSAN_OPTIONS=halt_on_error=1 build-tsan/tests/unit_tests --gtest_brief=1 \
  --gtest_filter='*Execution*:*Repository*:*Tagging*:*Webhook*:*ActionTypeRegistry*:*StateJournal*:DataDir*:SigV4Verifier*'
echo "=== done at ${SECONDS} s"
echo "All tests passed (normal and ASan+UBSan builds, the console in Chromium; engine, store, registries, journal and signature check under TSan)."
