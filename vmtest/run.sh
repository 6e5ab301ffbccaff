#!/usr/bin/env bash
# The kernel matrix: boots each kernel under QEMU with an initramfs holding
# hostprof, its libraries and the test workloads, runs vmtest/guest-init.sh
# in the guest, and prints one line per kernel and "N passed, N failed".
#
#   VMTEST_KERNELS  Debian suites (their newest kernel) or paths to bzImages;
#                   default: bullseye (5.10) bookworm (6.1) trixie (6.12) sid (newest)
#   VMTEST_CACHE    downloaded kernels, apt state, guest logs (default ~/.cache/hostprof-vmtest,
#                   shared by every checkout on the machine)
#   VMTEST_TIMEOUT  seconds per guest (default 300)
#   VMTEST_OFFLINE  1: only cached kernels
#   VMTEST_KVM      1: KVM before TCG
# Run as root after `make` (make vmtest does both).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cache=${VMTEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hostprof-vmtest}
kernels=${VMTEST_KERNELS:-bullseye bookworm trixie sid}
timeout_s=${VMTEST_TIMEOUT:-300}
work=$cache/run
mkdir -p "$cache" "$work"

# --- initramfs ---------------------------------------------------------------
# Copies every library a binary loads into the initramfs, at their own paths.
add_libs() {
	ldd "$1" | grep -o '/[^ ]*' | while read -r lib; do
		mkdir -p "$initrd$(dirname "$lib")"
		cp -L "$lib" "$initrd$lib"
	done
}

build_initramfs() {
	initrd=$work/initramfs
	rm -rf "$initrd"
	mkdir -p "$initrd/bin" "$initrd/w"
	cp /bin/busybox "$initrd/bin/busybox"
	cp "$root/vmtest/guest-init.sh" "$initrd/init"
	chmod +x "$initrd/init"
	cp "$root/hostprof" "$initrd/bin/hostprof"
	add_libs "$root/hostprof"
	# the workloads, built as the integration tests build them
	python3 - "$root" "$initrd/w" <<-'EOF'
		import os, shutil, sys
		sys.path.insert(0, os.path.join(sys.argv[1], "tests", "integration"))
		from harness import NOFP_FLAGS, build
		for src, flags, name in (("fp_chain.c", None, "fp_chain"),
		                         ("fp_chain.c", NOFP_FLAGS, "fp_chain_nofp"),
		                         ("syscalls.c", None, "syscalls")):
		    shutil.copy(build(src, flags, name), os.path.join(sys.argv[2], name))
	EOF
	for w in "$initrd"/w/*; do
		add_libs "$w"
	done
	# CPython 3.11 with the one part of its library it needs to start (-S -I)
	mkdir -p "$initrd/usr/bin" "$initrd/usr/lib/python3.11"
	cp /usr/bin/python3.11 "$initrd/usr/bin/"
	add_libs /usr/bin/python3.11
	cp -r /usr/lib/python3.11/encodings "$initrd/usr/lib/python3.11/"
	cp "$root/tests/workloads/py_chain.py" "$initrd/w/"
	(cd "$initrd" && find . | cpio -o -H newc --quiet) | gzip -1 >"$work/initramfs.cpio.gz"
}

# --- one guest -----------------------------------------------------------------
# TCG: on these machines /dev/kvm exists but its guests die setting MSRs
# (nested virtualisation); VMTEST_KVM=1 tries KVM first where it works
accel=(-accel tcg)
if [ "${VMTEST_KVM:-0}" = 1 ]; then
	accel=(-accel kvm -accel tcg) # QEMU takes the first that starts
fi

# boot KERNEL LOG: one guest, its serial console into LOG
boot() {
	timeout "$timeout_s" qemu-system-x86_64 "${accel[@]}" \
		-cpu max -smp 2 -m 1024 -nographic -no-reboot -nodefaults -serial stdio \
		-kernel "$1" -initrd "$work/initramfs.cpio.gz" \
		-append "console=ttyS0 panic=-1 oops=panic quiet loglevel=3" >"$2" 2>&1 || true
}

# run NAME KERNEL: boots (once more only if it died before the tests began), reports
passed=0 failed=0
run() {
	local name=$1 kernel=$2 log=$work/$1.log t0 t1 attempt
	for attempt in 1 2; do
		t0=$(date +%s.%N)
		boot "$kernel" "$log"
		t1=$(date +%s.%N)
		grep -aq "VMTEST_START" "$log" && break
		if [ "$attempt" = 1 ] && grep -aqiE "kernel panic|general protection|BUG:|Oops" "$log"; then
			echo "vmtest $name: the guest crashed while booting; retrying once" >&2
			continue
		fi
		break
	done
	local secs checks verifier boot
	secs=$(echo "$t1 - $t0" | bc)
	boot=$(tr -d '\r' <"$log" | sed -n 's/.*VMTEST_START .* boot=\([0-9.]*\)s.*/\1/p')
	checks=$(tr -d '\r' <"$log" | sed -n 's/^VMTEST_CHECK \([^ ]*\) \([a-zA-Z]*\).*/\1 \2/p' |
		paste -sd, - | sed 's/,/, /g')
	verifier=$(tr -d '\r' <"$log" | sed -n 's/^VMTEST_VERIFIER //p')
	if tr -d '\r' <"$log" | grep -q "^VMTEST_RC=0$"; then
		passed=$((passed + 1))
		printf 'vmtest %-28s ok   %5.1f s (boot %s s)  %s\n' "$name" "$secs" "$boot" "$checks"
	else
		failed=$((failed + 1))
		printf 'vmtest %-28s FAIL %5.1f s  %s (log: %s)\n' "$name" "$secs" "${checks:-no checks ran}" "$log"
		tr -d '\r' <"$log" | grep -av "^VMTEST" | tail -30 | sed 's/^/    /'
	fi
	[ -n "$verifier" ] && printf '       %-28s verifier: %s\n' "" "$verifier"
	return 0
}

start=$(date +%s)
build_initramfs
echo "vmtest: initramfs $(du -h "$work/initramfs.cpio.gz" | cut -f1), ${accel[*]}," \
	"$(qemu-system-x86_64 --version | head -1)"

suites=()
paths=()
for k in $kernels; do
	if [ -f "$k" ]; then paths+=("$k"); else suites+=("$k"); fi
done
list=()
if [ ${#suites[@]} -gt 0 ]; then
	mapfile -t list < <("$root/vmtest/kernels.sh" "$cache" "${suites[@]}")
fi
for line in "${list[@]}"; do
	set -- $line # suite version path
	run "$2" "$3"
done
for p in "${paths[@]}"; do
	run "${p##*/}" "$p"
done
echo "vmtest: matrix took $(($(date +%s) - start)) s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
