#!/bin/busybox sh
# /init of the vmtest initramfs: mounts what hostprof needs, runs the in-guest
# checks against the kernel it booted, prints one VMTEST_CHECK line per check,
# the verifier's figures and VMTEST_RC, and powers off. The host reads the
# serial console (vmtest/run.sh).
/bin/busybox mkdir -p /proc /sys /dev /tmp /bin /sbin
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
echo "VMTEST_START $(uname -r) cpus=$(grep -c ^processor /proc/cpuinfo) boot=$(cut -d' ' -f1 /proc/uptime)s"

rc=0
pass() { echo "VMTEST_CHECK $1 ok${2:+ ($2)}"; }
fail() {
	echo "VMTEST_CHECK $1 FAIL${2:+ ($2)}"
	rc=1
}

# Samples in FILE (folded) whose line holds every pattern given, and all samples: "good total".
count() {
	file=$1
	shift
	awk -v a="${1:-}" -v b="${2:-}" '
		{ n = $NF; t += n; if (index($0, a) && (b == "" || index($0, b))) g += n }
		END { printf "%d %d\n", g, t }' "$file"
}

# check NAME MIN_PERCENT FILE PATTERN... : enough samples, and enough of them matching
check_share() {
	name=$1 min=$2 file=$3
	shift 3
	set -- $(count "$file" "$@")
	if [ "$2" -ge 30 ] && [ $(($1 * 100)) -ge $(($2 * min)) ]; then
		pass "$name" "$1 of $2 samples"
	else
		fail "$name" "$1 of $2 samples, want ${min}%"
		head -5 "$file" | sed 's/^/  /'
	fi
}

# 1. every program loads (the verifier's figures) and attaches, whole host
if hostprof -d 1 --stats -o /tmp/out >/tmp/load.log 2>&1; then
	pass load-and-attach
else
	fail load-and-attach "exit $?"
	sed 's/^/  /' /tmp/load.log
fi
sed -n 's/^ *verifier *\(.*\) instructions processed$/VMTEST_VERIFIER \1/p' /tmp/load.log

# profile NAME HOSTPROF_OPTIONS WORKLOAD ARGS... : runs the workload, profiles
# only it for 3 s into /tmp/NAME.folded
profile() {
	name=$1 opts=$2
	shift 2
	"$@" &
	pid=$!
	sleep 0.3
	hostprof -F 199 -d 3 $opts --pid "$pid" --folded "/tmp/$name.folded" >"/tmp/$name.log" 2>&1 ||
		{ echo "  hostprof failed on $name:"; sed 's/^/  /' "/tmp/$name.log"; }
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	touch "/tmp/$name.folded"
}

# 2. the .eh_frame table unwinder (the default) on a frame-pointer build: the
#    chain from main to the leaf, in order
profile fp "" /w/fp_chain 30
check_share fp-chain 90 /tmp/fp.folded "main;chain_a;chain_b;chain_c;leaf_spin "

# 3. the frame-pointer unwinder program on the same
profile fp-unwinder "--unwinder fp" /w/fp_chain 30
check_share fp-unwinder-chain 90 /tmp/fp-unwinder.folded "main;chain_a;chain_b;chain_c;leaf_spin "

# 4. no frame pointers (gcc -O2 -fomit-frame-pointer): tables only, from _start
profile nofp "" /w/fp_chain_nofp 30
check_share nofp-chain 90 /tmp/nofp.folded "_start;__libc_start_main" \
	"main;chain_a;chain_b;chain_c;leaf_spin "

# 5. samples taken in the kernel: kernel frames, and the user stack found from
#    the registers saved at kernel entry (bpf_task_pt_regs, or task->stack before 5.15)
profile syscalls "" /w/syscalls 30
check_share kernel-entry-regs 50 /tmp/syscalls.folded "main;read_loop;raw_read;" "_[k]"

# 6. Python: the native unwinder hands the eval loop's frames to the CPython
#    unwinder, which walks the interpreter's own frames
profile python3.11 "" /usr/bin/python3.11 -S -I /w/py_chain.py chain 30
check_share python-chain 90 /tmp/python3.11.folded ";outer (py_chain.py:" \
	";recurse (py_chain.py:"

echo "VMTEST_RC=$rc"
poweroff -f
