#!/usr/bin/env bash
# Quick start: install what is missing, build, and start sluice with its
# defaults (http://127.0.0.1:4599). Extra arguments go to sluice, e.g.
#   scripts/run.sh --port 0 --log-level debug
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install_deps.sh
# A unity build (files compiled in batches) takes about two thirds of the time;
# scripts/test.sh's normal build still compiles each file on its own.
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DSLUICE_BUILD_TESTS=OFF -DCMAKE_UNITY_BUILD=ON >/dev/null
cmake --build build --target sluice
exec build/sluice "$@"
