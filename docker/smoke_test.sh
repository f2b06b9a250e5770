#!/usr/bin/env bash
# Builds docker/Dockerfile as written, runs the image, and checks it as a user
# would: health check, aws-cli against it (create a pipeline, start an
# execution, wait for it to succeed), a clean stop on SIGTERM, state kept in a
# volume at /data across a kill -9, and --auth strict with --tls self-signed
# handing their key and certificate out through that volume. Prints the
# image size, the time from `run` to the first healthy answer (in all, and from
# the container's process start), the container's memory and the stop time.
# Fails when the image exceeds 15 MB, when sluice takes over 100 ms from its
# process start to a healthy answer (in the best of three starts), or over a
# second to stop. With SMOKE_EXPORT_BINARY=PATH, copies the image's static
# /sluice to PATH before removing the image, for later host stages to reuse.
#
# Uses Docker when a Docker engine answers, else podman (installed from
# Debian's packages when missing). Without registry access (as on CI), the
# Debian base image of the build stage is made locally with debootstrap and
# tagged with the exact name the Dockerfile's FROM uses
# (docker/container_engine.sh).
#
#   docker/smoke_test.sh            # from the repository root or anywhere
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE=localhost/sluice:smoke
NAME=sluice-smoke-$$
PORT=${SMOKE_PORT:-45990}

source docker/container_engine.sh
log "using $engine"
base_image=$(sed -n 's/^FROM \([^ ]*\) AS build$/\1/p' docker/Dockerfile)
[[ $base_image == "$BARE_DEBIAN_IMAGE" ]] \
  || { echo "docker/Dockerfile builds FROM $base_image, expected $BARE_DEBIAN_IMAGE"; exit 1; }

cleanup() {
  $engine rm -f "$NAME" "$NAME-export" >/dev/null 2>&1 || true
}
trap cleanup EXIT

ensure_bare_debian_image

log "building docker/Dockerfile"
build_flags=()
# podman's default OCI image format has no HEALTHCHECK: ask for Docker's format.
[[ $engine == podman ]] && build_flags=(--pull=never --network=host --format docker)
$engine build "${build_flags[@]}" -f docker/Dockerfile -t "$IMAGE" . >/tmp/sluice-smoke-build.log 2>&1 \
  || { tail -40 /tmp/sluice-smoke-build.log; exit 1; }

size=$($engine image inspect "$IMAGE" --format '{{.Size}}')
log "image size: $size bytes ($(awk -v s="$size" 'BEGIN{printf "%.2f MB", s/1e6}'))"
(( size <= 15000000 )) || { echo "the image is larger than 15 MB"; exit 1; }

# A loaded host only ever adds to the start-up time, so the least of up to
# three starts is sluice's own figure: one slow start is the machine's
# (it happened on CI right after the fuzzers), three in a row are sluice's.
for attempt in 1 2 3; do
  log "running (start $attempt of at most 3)"
  timings=$(python3 docker/start_and_time.py "$engine" "$NAME" "$IMAGE" "$PORT") \
    || { $engine logs "$NAME"; echo "never became healthy"; exit 1; }
  healthy_after_start_ms=""
  eval "$timings"  # run_ms=… healthy_ms=… healthy_after_start_ms=…
  log "'$engine run -d' returned in ${run_ms} ms; first healthy answer ${healthy_ms} ms after it was invoked"
  # Without the engine's start time there is nothing of sluice's own to gate on.
  [[ -n $healthy_after_start_ms ]] || break
  log "first healthy answer ${healthy_after_start_ms} ms after the container's process started"
  # The engine's own start-up is not sluice's; the rest must be quick.
  (( healthy_after_start_ms <= 100 )) && break
  (( attempt < 3 )) \
    || { echo "took over 100 ms from process start to healthy in three starts in a row"; exit 1; }
  $engine rm -f "$NAME" >/dev/null
done
baseline_start=$(date +%s%N)
$engine run --rm "$IMAGE" --version >/dev/null
log "for scale: '$engine run --rm' of the image's --version (no server) takes $(( ($(date +%s%N) - baseline_start) / 1000000 )) ms"

log "the image's configuration"
config=$($engine image inspect "$IMAGE" --format '{{json .Config.Healthcheck}} user={{.Config.User}}')
echo "$config"
[[ $config == *'"/sluice","--healthcheck"'* ]] || { echo "no HEALTHCHECK in the image"; exit 1; }
[[ $config != *'user=' || $config == *'user=65532'* ]] || { echo "the image runs as root"; exit 1; }

log "the image's own HEALTHCHECK"
if [[ $engine == podman ]]; then
  $engine healthcheck run "$NAME"
else
  for _ in $(seq 1 100); do
    [[ $($engine inspect "$NAME" --format '{{.State.Health.Status}}') == healthy ]] && break
    sleep 0.2
  done
  [[ $($engine inspect "$NAME" --format '{{.State.Health.Status}}') == healthy ]] \
    || { echo "the engine never saw the container healthy"; exit 1; }
fi

log "aws-cli against the container"
export AWS_ACCESS_KEY_ID=123456789012 AWS_SECRET_ACCESS_KEY=smoke AWS_DEFAULT_REGION=us-east-1
endpoint=(--endpoint-url "http://127.0.0.1:${PORT}")
pipeline=$(mktemp --suffix=.json)
cat >"$pipeline" <<'JSON'
{"pipeline": {"name": "smoke", "roleArn": "arn:aws:iam::123456789012:role/smoke",
  "artifactStore": {"type": "S3", "location": "smoke-artifacts"},
  "stages": [
    {"name": "Source", "actions": [{"name": "Source",
      "actionTypeId": {"category": "Source", "owner": "AWS", "provider": "CodeCommit", "version": "1"},
      "configuration": {"RepositoryName": "repo", "BranchName": "main"},
      "outputArtifacts": [{"name": "src"}]}]},
    {"name": "Build", "actions": [{"name": "Build",
      "actionTypeId": {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"},
      "configuration": {"ProjectName": "project"}, "inputArtifacts": [{"name": "src"}]}]}]}}
JSON
aws "${endpoint[@]}" codepipeline create-pipeline --cli-input-json "file://$pipeline" >/dev/null
id=$(aws "${endpoint[@]}" codepipeline start-pipeline-execution --name smoke \
       --query pipelineExecutionId --output text)
status=""
for _ in $(seq 1 100); do
  status=$(aws "${endpoint[@]}" codepipeline get-pipeline-execution --pipeline-name smoke \
             --pipeline-execution-id "$id" --query pipelineExecution.status --output text)
  [[ $status == Succeeded ]] && break
  sleep 0.2
done
[[ $status == Succeeded ]] || { echo "execution $id ended $status"; exit 1; }
log "execution $id Succeeded"

log "the web console, compiled into the image's binary"
python3 - "http://127.0.0.1:${PORT}/_sluice/ui/" <<'PY' || { echo "the console is not served"; exit 1; }
import sys, urllib.request
page = urllib.request.urlopen(sys.argv[1], timeout=5).read().decode()
assert "console.js" in page, "the page does not load console.js"
assert urllib.request.urlopen(sys.argv[1] + "console.js", timeout=5).read(), "console.js is empty"
PY

pid=$($engine inspect "$NAME" --format '{{.State.Pid}}')
memory=$($engine stats --no-stream --format '{{.MemUsage}}' "$NAME" 2>/dev/null || echo unknown)
rss=$(awk '/^VmRSS/ {print $2 " " $3}' "/proc/$pid/status" 2>/dev/null || echo unknown)
log "container memory (cgroup): $memory; sluice's resident set: $rss"

log "SIGTERM"
# The process's exit, seen from the host where it can be (not under Docker
# Desktop's VM); the engine's `wait` adds its own polling delay on top.
visible=false
[[ -d /proc/$pid ]] && visible=true
stop_start=$(date +%s%N)
$engine kill --signal TERM "$NAME" >/dev/null
if $visible; then
  while [[ -d /proc/$pid ]]; do sleep 0.005; done
  exit_ms=$(( ($(date +%s%N) - stop_start) / 1000000 ))
fi
code=$($engine wait "$NAME")
wait_ms=$(( ($(date +%s%N) - stop_start) / 1000000 ))
log "process exited ${exit_ms:-?} ms after '$engine kill'; '$engine wait' returned after ${wait_ms} ms; exit code ${code}"
[[ $code == 0 ]] || { $engine logs "$NAME"; exit 1; }
stop_ms=${exit_ms:-$wait_ms}
(( stop_ms < 1000 )) || { echo "took ${stop_ms} ms to stop, more than a second"; exit 1; }

log "seeded from a mounted --init-dir, as the README shows"
INIT_NAME=$NAME-init
INIT_PORT=$((PORT + 1))
cleanup_init() { $engine rm -f "$INIT_NAME" >/dev/null 2>&1 || true; cleanup; }
trap cleanup_init EXIT
# :z relabels the mount for SELinux hosts; elsewhere it is a no-op.
$engine run -d --name "$INIT_NAME" -p "127.0.0.1:${INIT_PORT}:4599" \
  -v "$PWD/examples/init:/init:ro,z" -e SLUICE_INIT_DIR=/init \
  -e SLUICE_PUBLIC_URL="http://localhost:${INIT_PORT}" \
  -e SLUICE_DEFAULT_ACCOUNT="$AWS_ACCESS_KEY_ID" "$IMAGE" >/dev/null
# GET URL, or POST with an empty body when a second argument is given
# (python3's urllib: curl need not be installed).
http() {
  python3 -c 'import sys, urllib.request
data = b"" if len(sys.argv) > 2 else None
print(urllib.request.urlopen(sys.argv[1], data=data, timeout=5).read().decode())' "$@"
}
for _ in $(seq 1 100); do
  http "http://127.0.0.1:${INIT_PORT}/_sluice/health" >/dev/null 2>&1 && break
  sleep 0.1
done
aws --endpoint-url "http://127.0.0.1:${INIT_PORT}" codepipeline get-pipeline --name app \
  --query pipeline.name --output text | grep -qx app \
  || { $engine logs "$INIT_NAME"; echo "examples/init did not seed the pipeline app"; exit 1; }
log "a webhook's URL from inside the container (--public-url), called from the host"
hook=$(aws --endpoint-url "http://127.0.0.1:${INIT_PORT}" codepipeline put-webhook --webhook \
  '{"name": "push", "targetPipeline": "app", "targetAction": "Source",
    "filters": [{"jsonPath": "$.ref", "matchEquals": "refs/heads/{BranchName}"}],
    "authentication": "UNAUTHENTICATED", "authenticationConfiguration": {}}' \
  --query webhook.url --output text)
[[ $hook == "http://localhost:${INIT_PORT}/webhooks/"* ]] \
  || { echo "the webhook URL $hook does not start with the --public-url"; exit 1; }
python3 -c 'import sys, urllib.request
request = urllib.request.Request(sys.argv[1], data=b"{\"ref\": \"refs/heads/main\"}", method="POST")
print(urllib.request.urlopen(request, timeout=5).read().decode())' "$hook" | grep -q '"started":true' \
  || { $engine logs "$INIT_NAME"; echo "a call on the webhook URL did not start the pipeline"; exit 1; }
log "the webhook at $hook started pipeline app"
http "http://127.0.0.1:${INIT_PORT}/_sluice/reset" post | grep -q '"pipelines":1' \
  || { echo "the reset control did not remove the seeded pipeline"; exit 1; }
log "examples/init seeded pipeline app; /_sluice/reset removed it"
$engine rm -f "$INIT_NAME" >/dev/null

log "state kept in a volume at /data (SLUICE_DATA_DIR) survives a kill -9, as the README shows"
DATA_NAME=$NAME-data
DATA_VOLUME=$NAME-volume
DATA_PORT=$((PORT + 2))
cleanup_data() {
  $engine rm -f "$DATA_NAME" >/dev/null 2>&1 || true
  $engine volume rm -f "$DATA_VOLUME" >/dev/null 2>&1 || true
  cleanup
}
trap cleanup_data EXIT
# A named volume takes the ownership of the image's /data (user 65532).
$engine volume create "$DATA_VOLUME" >/dev/null
run_with_data() {
  $engine run -d --name "$DATA_NAME" -p "127.0.0.1:${DATA_PORT}:4599" \
    -v "$DATA_VOLUME:/data" -e SLUICE_DATA_DIR=/data "$IMAGE" >/dev/null
  for _ in $(seq 1 100); do
    http "http://127.0.0.1:${DATA_PORT}/_sluice/health" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  $engine logs "$DATA_NAME"; echo "sluice with SLUICE_DATA_DIR=/data never answered"; exit 1
}
run_with_data
aws --endpoint-url "http://127.0.0.1:${DATA_PORT}" codepipeline create-pipeline \
  --cli-input-json "file://$PWD/examples/pipeline.json" >/dev/null
$engine kill --signal KILL "$DATA_NAME" >/dev/null
$engine rm -f "$DATA_NAME" >/dev/null
run_with_data
aws --endpoint-url "http://127.0.0.1:${DATA_PORT}" codepipeline list-pipelines \
  --query 'pipelines[].name' --output text | grep -qx my-pipeline \
  || { $engine logs "$DATA_NAME"; echo "the pipeline did not survive a kill -9 in /data"; exit 1; }
$engine logs "$DATA_NAME" 2>&1 | grep -q 'recovered 1 pipelines' \
  || { $engine logs "$DATA_NAME"; echo "no recovery line in the log"; exit 1; }
log "a pipeline created before kill -9 was there after the restart on the same volume"
$engine rm -f "$DATA_NAME" >/dev/null

log "--auth strict and --tls self-signed write their files to /data, as the README shows"
# The generated key acts in the default account: the one my-pipeline was
# created in above (its access key id is that account's number).
$engine run -d --name "$DATA_NAME" -p "127.0.0.1:${DATA_PORT}:4599" -v "$DATA_VOLUME:/data" \
  -e SLUICE_DATA_DIR=/data -e SLUICE_AUTH=strict -e SLUICE_TLS=self-signed \
  -e SLUICE_DEFAULT_ACCOUNT="$AWS_ACCESS_KEY_ID" "$IMAGE" >/dev/null
keys=$(mktemp -d)
for _ in $(seq 1 100); do
  $engine cp "$DATA_NAME:/data/cert.pem" "$keys/" >/dev/null 2>&1 \
    && python3 -c 'import ssl, sys, urllib.request
urllib.request.urlopen(sys.argv[1], timeout=5, context=ssl.create_default_context(cafile=sys.argv[2]))' \
      "https://localhost:${DATA_PORT}/_sluice/health" "$keys/cert.pem" 2>/dev/null && break
  sleep 0.1
done
for file in credentials config; do $engine cp "$DATA_NAME:/data/$file" "$keys/" >/dev/null; done
strict_aws() {
  env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_SHARED_CREDENTIALS_FILE="$keys/credentials" \
    AWS_CONFIG_FILE="$keys/config" AWS_PROFILE=sluice AWS_CA_BUNDLE="$keys/cert.pem" \
    aws --endpoint-url "https://localhost:${DATA_PORT}" codepipeline "$@"
}
strict_aws list-pipelines --query 'pipelines[].name' --output text | grep -qx my-pipeline \
  || { $engine logs "$DATA_NAME"; echo "the generated key and certificate did not work"; exit 1; }
AWS_CA_BUNDLE="$keys/cert.pem" aws --endpoint-url "https://localhost:${DATA_PORT}" \
  codepipeline list-pipelines >/dev/null 2>"$keys/refused" && { echo "an unknown key was let in"; exit 1; }
grep -q UnrecognizedClientException "$keys/refused" \
  || { cat "$keys/refused"; echo "an unknown key was not refused as AWS refuses it"; exit 1; }
# The image's HEALTHCHECK command, run by hand: it reads SLUICE_TLS too.
$engine exec "$DATA_NAME" /sluice --healthcheck \
  || { echo "the image's health check fails over TLS"; exit 1; }
log "the key and certificate from /data work with aws-cli over https; a foreign key is refused"
rm -rf "$keys"
$engine rm -f "$DATA_NAME" >/dev/null
$engine volume rm -f "$DATA_VOLUME" >/dev/null

if [[ -n ${SMOKE_EXPORT_BINARY:-} ]]; then
  mkdir -p "$(dirname "$SMOKE_EXPORT_BINARY")"
  # A container that is created, never started, lends its files to `cp`.
  $engine create --name "$NAME-export" "$IMAGE" >/dev/null
  $engine cp "$NAME-export:/sluice" "$SMOKE_EXPORT_BINARY"
  $engine rm -f "$NAME-export" >/dev/null
  log "the image's /sluice copied to $SMOKE_EXPORT_BINARY"
fi
$engine rmi -f "$IMAGE" >/dev/null 2>&1 || true
log "container smoke test passed"
