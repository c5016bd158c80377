#!/usr/bin/env bash
# Installs everything modelops needs to build, test and run its demo, from Debian bookworm packages.
# Idempotent: skips apt entirely when every package is already installed. Run as root.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ca-certificates openssl
  libcpp-httplib-dev nlohmann-json3-dev libyaml-cpp-dev libssl-dev libspdlog-dev prometheus-cpp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev lua5.4
  chromium python3-websocket
  prometheus kubectl
  python3-kubernetes
  nginx-light wrk
  libhiredis-dev redis-server
  libboost-dev
  python3-sklearn python3-fastapi python3-uvicorn
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# kubectl may come from outside apt (it is preinstalled on our machines): accept it on PATH.
if command -v kubectl >/dev/null 2>&1; then
  filtered=()
  for p in "${missing[@]}"; do [ "$p" = kubectl ] || filtered+=("$p"); done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: run as root (or install: ${missing[*]})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
