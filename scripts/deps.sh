#!/usr/bin/env bash
# Installs what hostprof needs to build (and, with --test, to test) on Debian 12.
# Idempotent and quiet when everything is already there: make calls it on every build.
set -euo pipefail

build_pkgs=(clang llvm make gcc pkg-config libbpf-dev bpftool libelf-dev zlib1g-dev
	protobuf-c-compiler libprotobuf-c-dev libcurl4-openssl-dev)
test_pkgs=(protobuf-compiler golang-go linux-perf python3 libclang-rt-14-dev binutils g++ util-linux
	chromium)

want=("${build_pkgs[@]}")
if [ "${1:-}" = "--test" ]; then
	want+=("${test_pkgs[@]}")
fi

missing=()
for p in "${want[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${missing[*]}; run as root (sudo make ...) to install them" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
