#!/usr/bin/env bash
# Seed corpus for the CFI fuzzer: the .eh_frame of system libraries and of
# the test workloads, each prefixed with the selector byte (0: .eh_frame).
set -euo pipefail
out=${1:?usage: fuzz-corpus.sh DIR}
mkdir -p "$out"
for f in /lib/x86_64-linux-gnu/libc.so.6 /lib/x86_64-linux-gnu/libm.so.6 \
	/lib64/ld-linux-x86-64.so.2 /lib/x86_64-linux-gnu/libz.so.1 /usr/bin/bash /usr/bin/ls; do
	[ -r "$f" ] || continue
	tmp=$(mktemp)
	if objcopy -O binary --only-section=.eh_frame "$f" "$tmp" 2>/dev/null && [ -s "$tmp" ]; then
		# keep seeds small: the fuzzer mutates faster on short inputs
		{ printf '\0'; head -c 16384 "$tmp"; } > "$out/$(basename "$f").eh_frame"
	fi
	rm -f "$tmp"
done
