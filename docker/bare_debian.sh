#!/usr/bin/env bash
# Runs the README's quick-start commands as a new user would on a bare Debian 12:
# each in a fresh container of the pristine base image (debootstrap
# --variant=minbase bookworm, see docker/container_engine.sh), with nothing but
# this checkout copied in: no build directories, nothing of the host's Python.
#
#   docker/bare_debian.sh test   scripts/test.sh, which must pass
#   docker/bare_debian.sh run    scripts/run.sh up to its listening line, then
#                                the README's aws-cli commands against it
#                                (create-pipeline from examples/pipeline.json,
#                                list-pipelines), with Debian's awscli installed
#                                in the same container, as a user's second terminal
#
# The container has a network of its own (apt-get reaches Debian's mirror
# through the engine's NAT), so the servers it starts, on 127.0.0.1 and the
# default port, never meet the host's.
set -euo pipefail
cd "$(dirname "$0")/.."

what=${1:-}
[[ $what == test || $what == run ]] || { echo "usage: $0 test|run" >&2; exit 2; }

source docker/container_engine.sh
ensure_bare_debian_image

name=sluice-bare-$what-$$
cleanup() { $engine rm -f "$name" >/dev/null 2>&1 || true; }
trap cleanup EXIT

# The checkout as git sees it (tracked files and untracked ones it does not
# ignore), so build directories and caches stay behind. A tracked file deleted
# from the work tree is left out with tar's warning.
checkout_tar() {
  # (Run again as root by container_engine.sh, git would distrust the clone.)
  git -c safe.directory="$PWD" ls-files -z --cached --others --exclude-standard \
    | tar --null -T - --ignore-failed-read -c -f -
}

# Starts a container that waits, copies the checkout into /src, and leaves it
# running so that commands can be executed in it.
start_container() {
  $engine run -d --name "$name" "$BARE_DEBIAN_IMAGE" sleep infinity >/dev/null
  checkout_tar | $engine exec -i "$name" sh -c 'mkdir -p /src && tar -x -C /src -f -'
}

in_container() { $engine exec "$name" "$@"; }

log "bare Debian 12 ($BARE_DEBIAN_IMAGE on $engine): $what"
start_container

if [[ $what == test ]]; then
  # CI's hard limit is 90 minutes for everything; a hang ends here instead.
  # The browser tests run in CI's own stage on the host instead: npm's
  # registry is reached over HTTPS, and a network that inspects HTTPS (as
  # CI's does) presents a certificate only the host trusts; installing
  # Chromium in here would also cost CI minutes it does not have.
  in_container timeout 3600 bash -c 'cd /src && SLUICE_SKIP_BROWSER_TESTS=1 scripts/test.sh'
  log "scripts/test.sh passed on a bare Debian 12"
  exit 0
fi

# run: the first command in the background, its output kept for the listening
# line. run.sh ends by exec'ing sluice, so /tmp/run.rc appears only if it
# stops; the container's `sleep` reaps nothing, so its pid would linger.
in_container bash -c 'cd /src && { (setsid scripts/run.sh >/tmp/run.out 2>/tmp/run.err </dev/null;
  echo $? >/tmp/run.rc) & }'
# Installing and building take minutes on two cores; give up after 30.
deadline=$((SECONDS + 1800))
until in_container grep -q "listening on" /tmp/run.out; do
  if in_container test -e /tmp/run.rc || ((SECONDS > deadline)); then
    echo "scripts/run.sh printed no listening line; its output ended with:"
    in_container tail -n 30 /tmp/run.out || true
    in_container tail -n 30 /tmp/run.err || true
    exit 1
  fi
  sleep 3
done
listening=$(in_container grep "listening on" /tmp/run.out)
log "scripts/run.sh: $listening"
endpoint=${listening##* listening on }

log "aws-cli (Debian's awscli) against it"
in_container timeout 900 bash -c \
  'DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends awscli >/dev/null'
aws_in_container() {
  $engine exec -w /src "$name" env AWS_ACCESS_KEY_ID=123456789012 AWS_SECRET_ACCESS_KEY=anything \
    AWS_DEFAULT_REGION=us-east-1 AWS_PAGER="" aws --endpoint-url "$endpoint" codepipeline "$@"
}
aws_in_container create-pipeline --cli-input-json file://examples/pipeline.json >/dev/null
listed=$(aws_in_container list-pipelines --query 'pipelines[].name' --output text)
echo "list-pipelines: $listed"
[[ $listed == my-pipeline ]] || { echo "expected my-pipeline to be listed"; exit 1; }
log "scripts/run.sh started sluice on a bare Debian 12 and aws-cli reached it"
