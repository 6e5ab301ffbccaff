#!/usr/bin/env bash
# Writes the kernel's types as C (vmlinux.h) for CO-RE BPF programs.
# The BPF objects are relocated against the running kernel's BTF at load
# time, so the header only has to be a superset of the fields we read.
set -euo pipefail
out=${1:-gen/vmlinux.h}
btf=${VMLINUX_BTF:-/sys/kernel/btf/vmlinux}
if [ ! -r "$btf" ]; then
	echo "gen-vmlinux: $btf not readable: the build needs a kernel with BTF" \
		"(CONFIG_DEBUG_INFO_BTF=y) or VMLINUX_BTF=<file with BTF>" >&2
	exit 1
fi
mkdir -p "$(dirname "$out")"
bpftool btf dump file "$btf" format c > "$out.tmp"
mv "$out.tmp" "$out"
