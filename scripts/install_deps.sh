#!/usr/bin/env bash
# Installs, from Debian's packages, whatever sluice needs that this machine
# lacks, and nothing that is already there.
#   scripts/install_deps.sh          build dependencies only
#   scripts/install_deps.sh --test   also what the tests drive sluice with (aws-cli, boto3,
#                                    and git for the post-receive hook's real pushes)
#   scripts/install_deps.sh --fuzz   also clang and its libFuzzer runtime (scripts/fuzz.sh)
set -euo pipefail

want_test=false
want_fuzz=false
[[ "${1:-}" == "--test" ]] && want_test=true
[[ "${1:-}" == "--fuzz" ]] && want_fuzz=true

missing=()
need_package() {  # need_package PACKAGE: queue it unless dpkg has it installed
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed" || missing+=("$1")
}

command -v g++ >/dev/null || need_package g++
command -v cmake >/dev/null || need_package cmake
command -v ninja >/dev/null || need_package ninja-build
command -v python3 >/dev/null || need_package python3
need_package libboost-dev
need_package nlohmann-json3-dev
need_package libspdlog-dev
need_package libssl-dev  # HTTPS (--tls)
need_package libgtest-dev

if $want_test; then
  command -v aws >/dev/null || need_package awscli
  python3 -c "import boto3" 2>/dev/null || need_package python3-boto3
  command -v git >/dev/null || need_package git
fi

# Whether clang links a libFuzzer target: Debian ships the runtime apart from
# the compiler (libclang-rt-*-dev is only recommended by clang).
libfuzzer_links() {
  local probe
  probe=$(mktemp -d)
  printf 'extern "C" int LLVMFuzzerTestOneInput(const char*, unsigned long) { return 0; }\n' \
    >"$probe/probe.cpp"
  clang++ -fsanitize=fuzzer "$probe/probe.cpp" -o "$probe/probe" 2>/dev/null
  local linked=$?
  rm -rf "$probe"
  return $linked
}

if $want_fuzz; then
  if ! command -v clang++ >/dev/null; then
    need_package clang
    need_package libclang-rt-dev
  elif ! libfuzzer_links; then
    need_package libclang-rt-dev
  fi
fi

if ((${#missing[@]} == 0)); then
  exit 0
fi

echo "Installing missing packages: ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
$sudo apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
