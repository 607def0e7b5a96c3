#!/usr/bin/env bash
# Installs the Debian packages Midway needs to build, test and benchmark.
# --if-missing: do nothing (quickly) when every package is already installed.
set -euo pipefail

# Needed to build and use the library.
BUILD_PKGS=(build-essential cmake pkg-config libuv1-dev libjansson-dev libxml2-dev
            libssl-dev libcmocka-dev)
# Needed by tests: interop peers, sanitizer and fuzzer runtimes, network tools.
TEST_PKGS=(default-jdk-headless libtirpc-dev clang libclang-rt-14-dev socat
           netcat-openbsd iproute2 libxml2-utils valgrind libomniorb4-dev omniidl)
# Needed by benchmarks only.
BENCH_PKGS=(libzmq3-dev libnng-dev libprotobuf-c-dev protobuf-c-compiler rpcsvc-proto)

ALL=("${BUILD_PKGS[@]}" "${TEST_PKGS[@]}" "${BENCH_PKGS[@]}")

missing=()
for p in "${ALL[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  [ "${1:-}" = "--if-missing" ] || echo "install-deps: everything is installed"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
