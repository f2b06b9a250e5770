#!/usr/bin/env bash
# Installs what the benchmark needs (wrk, and the build's packages), builds a
# Release sluice, and runs bench/run.py against a bare Beast server and moto's
# server (when moto is installed). Arguments go to bench/run.py.
# With --persistence first, it runs bench/persistence.py instead (what
# --data-dir costs at each --sync level, and start-up from 10,000 pipelines and
# 100,000 executions on disk), and the other arguments go to it. With --access
# first, it runs bench/access.py (what --auth strict and HTTPS cost a
# GetPipeline), likewise.
#
#   scripts/bench.sh                   # full run, ~15 minutes on 2 cores
#   scripts/bench.sh --seconds 1 --rounds 1 --pipelines 1000 --executions 10000   # a quick look
#   scripts/bench.sh --persistence     # --data-dir's costs, ~5 minutes
#   scripts/bench.sh --persistence --seconds 1 --rounds 1 --pipelines 1000 --executions 10000
#   scripts/bench.sh --access          # --auth strict's and TLS's costs, ~3 minutes
#   scripts/bench.sh --access --only throughput --seconds 1 --rounds 1
set -euo pipefail
cd "$(dirname "$0")/.."
bench=bench/run.py
case ${1:-} in
  --persistence) bench=bench/persistence.py; shift ;;
  --access) bench=bench/access.py; shift ;;
esac

scripts/install_deps.sh
if ! command -v wrk >/dev/null; then
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DSLUICE_BUILD_TESTS=OFF >/dev/null
cmake --build build-release --target sluice
exec python3 "$bench" --sluice build-release/sluice "$@"
