# Sourced by the container scripts (smoke_test.sh, bare_debian.sh): picks a
# container engine and makes the bare Debian 12 base image they share.
#
# After `source docker/container_engine.sh`:
#   $engine                  docker when a Docker engine answers, else podman
#                            (installed with runc and debootstrap from Debian's
#                            packages when missing, and configured for runc and
#                            this machine's file-descriptor limits). podman runs
#                            as root: a script that sources this file as another
#                            user is run again with sudo, since rootless podman
#                            needs subordinate id ranges a fresh machine lacks.
#   $sudo                    "sudo" when not root, else ""
#   BARE_DEBIAN_IMAGE        docker.io/library/debian:bookworm, the name the
#                            Dockerfile's build stage uses
#   ensure_bare_debian_image makes that image when the engine lacks it: with
#                            podman, `debootstrap --variant=minbase bookworm`
#                            imported as is, so no registry is needed
#   log MESSAGE              prints "== MESSAGE"

BARE_DEBIAN_IMAGE=docker.io/library/debian:bookworm
sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"

log() { printf '== %s\n' "$*"; }

if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
  engine=docker
else
  engine=podman
  if [[ -n $sudo ]]; then
    exec sudo "$(realpath "$0")" "$@"
  fi
  missing=()
  for tool in podman runc debootstrap; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    $sudo apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  # runc, and file-descriptor limits the sandbox allows.
  CONTAINERS_CONF=$(mktemp)
  nofile=$(ulimit -Hn)
  cat >"$CONTAINERS_CONF" <<CONF
[containers]
default_ulimits = ["nofile=${nofile}:${nofile}", "nproc=4096:4096"]
[engine]
runtime = "runc"
CONF
  export CONTAINERS_CONF
fi

ensure_bare_debian_image() {
  if $engine image inspect "$BARE_DEBIAN_IMAGE" >/dev/null 2>&1; then
    return 0
  fi
  if [[ $engine != podman ]]; then
    $engine pull "$BARE_DEBIAN_IMAGE" >/dev/null
    return 0
  fi
  log "making $BARE_DEBIAN_IMAGE with debootstrap --variant=minbase (no registry needed)"
  local rootfs
  rootfs=$(mktemp -d)
  $sudo debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >/dev/null
  $sudo tar -C "$rootfs" -c . | $engine import - "$BARE_DEBIAN_IMAGE" >/dev/null
  $sudo rm -rf "$rootfs"
}
