#!/usr/bin/env bash
# Runs the web console's browser tests (tests/browser, Playwright) against a built sluice.
#   scripts/browser_test.sh                 all of them
#   scripts/browser_test.sh -g Review       Playwright's own arguments pass through
# Installs from Debian's packages whatever of nodejs, npm and chromium this machine
# lacks, and nothing that is already there; then the pinned npm packages of
# tests/browser (npm ci, skipped while node_modules matches the lock). Playwright drives
# Debian's Chromium (CHROMIUM_PATH names another): it never downloads a browser.
# Environment:
#   SLUICE_BIN                  the sluice to test (default build/sluice; build it first)
#   CHROMIUM_PATH               the Chromium to drive (default /usr/bin/chromium)
#   SLUICE_UPDATE_SCREENSHOTS=1 rewrite docs/console-pipeline.png and docs/console-execution.png
set -euo pipefail

cd "$(dirname "$0")/.."
repo=$(pwd)

missing=()
need_package() {  # need_package PACKAGE: queue it unless dpkg has it installed
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed" || missing+=("$1")
}

command -v node >/dev/null || need_package nodejs
command -v npm >/dev/null || need_package npm
if [[ -n "${CHROMIUM_PATH:-}" ]]; then
  [[ -x "$CHROMIUM_PATH" ]] || { echo "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable" >&2; exit 1; }
elif ! command -v chromium >/dev/null; then
  need_package chromium
  # Only recommended by chromium-common: without a font the pages render no text.
  need_package fonts-liberation
fi

if ((${#missing[@]} > 0)); then
  echo "Installing missing packages: ${missing[*]}"
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if ((node_major < 18)); then
  echo "node $(node --version) is too old: the browser tests need node 18 or later" >&2
  exit 1
fi

SLUICE_BIN=${SLUICE_BIN:-build/sluice}
[[ "$SLUICE_BIN" == /* ]] || SLUICE_BIN="$repo/$SLUICE_BIN"
if [[ ! -x "$SLUICE_BIN" ]]; then
  echo "No sluice binary at $SLUICE_BIN: build it first (cmake -S . -B build -G Ninja &&" \
    "cmake --build build), or point SLUICE_BIN at one" >&2
  exit 1
fi
export SLUICE_BIN

# The pinned packages: npm ci when node_modules was not made from this very lock file.
cd tests/browser
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
stamp=node_modules/.sluice-npm-ci-stamp
want=$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
  npm ci --no-audit --no-fund
  echo "$want" >"$stamp"
fi

echo "node $(node --version), npm $(npm --version)," \
  "$("${CHROMIUM_PATH:-/usr/bin/chromium}" --version 2>/dev/null | tail -n 1), sluice $SLUICE_BIN"
exec npx playwright test "$@"
