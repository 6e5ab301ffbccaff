#!/usr/bin/env bash
# Installs what hostprof needs to build (and, with --test, to test; with
# --vmtest, to boot the kernel matrix) on Debian 12.
# Idempotent and quiet when everything is already there: make calls it on every build.
set -euo pipefail

build_pkgs=(clang llvm make gcc pkg-config libbpf-dev bpftool libelf-dev zlib1g-dev
	protobuf-c-compiler libprotobuf-c-dev libcurl4-openssl-dev)
test_pkgs=(protobuf-compiler golang-go linux-perf python3 libclang-rt-14-dev binutils g++ util-linux
	chromium)
vmtest_pkgs=(busybox-static cpio)
# bookworm's QEMU 7.2 crashes some 6.12+ guests at boot under TCG; bookworm-backports' does not
QEMU_MIN_MAJOR=8

want=("${build_pkgs[@]}")
vmtest=0
for arg in "$@"; do
	case "$arg" in
	--test) want+=("${test_pkgs[@]}") ;;
	--vmtest)
		want+=("${vmtest_pkgs[@]}")
		vmtest=1
		;;
	*)
		echo "deps: unknown option $arg" >&2
		exit 2
		;;
	esac
done

qemu_ok() {
	local v
	v=$(qemu-system-x86_64 --version 2>/dev/null | sed -n 's/.*version \([0-9]*\)\..*/\1/p')
	[ -n "$v" ] && [ "$v" -ge "$QEMU_MIN_MAJOR" ]
}

missing=()
for p in "${want[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		missing+=("$p")
	fi
done
need_qemu=0
qemu_note=""
if [ "$vmtest" = 1 ] && ! qemu_ok; then
	need_qemu=1
	qemu_note=" qemu-system-x86 >= $QEMU_MIN_MAJOR (bookworm-backports)"
fi
[ ${#missing[@]} -eq 0 ] && [ "$need_qemu" = 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages: ${missing[*]}$qemu_note; run as root (sudo make ...) to" \
		"install them" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
if [ "$need_qemu" = 1 ]; then
	# backports are opt-in per package (priority 100): adding the suite changes nothing else
	list=/etc/apt/sources.list.d/hostprof-bookworm-backports.list
	if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
		mirror=$(sed -n 's/^URIs: *\(http[^ ]*\/debian\)\/*$/\1/p' /etc/apt/sources.list.d/*.sources \
			2>/dev/null | head -1)
		echo "deb ${mirror:-http://deb.debian.org/debian} bookworm-backports main" >"$list"
	fi
fi
echo "deps: installing ${missing[*]}$qemu_note"
apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ "$need_qemu" = 1 ]; then
	apt-get install -y -qq --no-install-recommends -t bookworm-backports qemu-system-x86 >/dev/null
	qemu_ok || {
		echo "deps: qemu-system-x86 >= $QEMU_MIN_MAJOR could not be installed" >&2
		exit 1
	}
fi
