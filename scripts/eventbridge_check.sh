#!/usr/bin/env bash
# The EventBridge round trip (tests/host/): sluice delivers its events with
# PutEvents to moto's server, whose rules route them to SQS queues that boto3
# reads back. moto is not a Debian package, so this runs on a host that has
# it (CI's host stage), never in the bare-Debian container. Runs the sluice
# named by SLUICE_BIN (CI passes the container image's static binary, which
# docker/smoke_test.sh exports), else builds a Release one in build-host/.
#   scripts/eventbridge_check.sh
#   SLUICE_BIN=path/to/sluice scripts/eventbridge_check.sh
set -euo pipefail
cd "$(dirname "$0")/.."

if ! python3 -c "import moto.server, boto3" 2>/dev/null; then
  echo "eventbridge_check: this host's python3 has no moto (or no boto3): the round trip" >&2
  echo "needs moto's server, a local EventBridge with rules and SQS" >&2
  exit 1
fi
if [[ -n ${SLUICE_BIN:-} ]]; then
  [[ -x $SLUICE_BIN ]] || { echo "eventbridge_check: SLUICE_BIN=$SLUICE_BIN is not an executable" >&2; exit 1; }
  SLUICE_BIN=$(realpath "$SLUICE_BIN")
else
  scripts/install_deps.sh
  cmake -S . -B build-host -G Ninja -DCMAKE_BUILD_TYPE=Release -DSLUICE_BUILD_TESTS=OFF >/dev/null
  cmake --build build-host --target sluice
  SLUICE_BIN="$PWD/build-host/sluice"
fi
echo "=== the EventBridge round trip, with $SLUICE_BIN"
SLUICE_BIN=$SLUICE_BIN python3 -m unittest discover -s tests/host -v
