#!/usr/bin/env bash
# Downloads (once) the newest Debian kernel image of each suite named, without
# installing anything: a private apt state lists the suites, `apt-get download`
# fetches linux-image-amd64's dependency (or its linux-binary- package, where
# newer kernels keep the image), and only vmlinuz is kept.
# Usage: vmtest/kernels.sh CACHE_DIR SUITE... ; prints "SUITE VERSION PATH" per suite.
# Set VMTEST_OFFLINE=1 to use only what is cached (the default within a day of
# the last look-up).
set -euo pipefail

cache=$1
shift
. "$(dirname "$0")/../scripts/debian-apt.sh"
mkdir -p "$cache/kernels"
# a suite's kernel lives in the suite, and newer builds in its -security updates;
# within a day of the last look-up, a suite with a cached kernel is not looked up again
debian_apt_setup "$cache/apt" "$@"
if [ "${VMTEST_OFFLINE:-0}" != 1 ]; then
	debian_apt_update || exit 1
fi

# the newest linux-image-<abi>-amd64 of a suite: linux-image-amd64's dependency there
image_of() {
	apt-cache "${apt_opts[@]}" show "linux-image-amd64/$1" 2>/dev/null |
		sed -n 's/^Depends: //p' | grep -o 'linux-image-[0-9][^ ,]*' | sort -V | tail -1 || true
}

for suite in "$@"; do
	cached=$(ls "$cache/kernels/$suite"/vmlinuz-* 2>/dev/null | sort -V | tail -1 || true)
	if [ "${VMTEST_OFFLINE:-0}" = 1 ] || { [ "$fresh" = 1 ] && [ -n "$cached" ]; }; then
		[ -n "$cached" ] || { echo "kernels: nothing cached for $suite" >&2; exit 1; }
		echo "$suite ${cached##*/vmlinuz-} $cached"
		continue
	fi
	pkg=$(image_of "$suite")
	# the -security suite may hold a newer ABI than the suite itself
	sec=$(image_of "$suite-security")
	[ -n "$sec" ] && pkg=$(printf '%s\n%s\n' "$pkg" "$sec" | sort -V | tail -1)
	[ -n "$pkg" ] || { echo "kernels: no linux-image-amd64 in $suite" >&2; exit 1; }
	ver=${pkg#linux-image-}
	out=$cache/kernels/$suite/vmlinuz-$ver
	if [ ! -s "$out" ]; then
		work=$(mktemp -d)
		(cd "$work" && apt-get "${apt_opts[@]}" download "$pkg" >/dev/null 2>&1) || {
			echo "kernels: could not download $pkg" >&2
			rm -rf "$work"
			exit 1
		}
		# newer kernels keep vmlinuz in linux-binary-<abi>, a dependency of the image package
		bin=$(dpkg-deb -f "$work"/*.deb Depends | grep -o 'linux-binary-[0-9][^ ,]*' || true)
		if [ -n "$bin" ]; then
			rm -f "$work"/*.deb
			(cd "$work" && apt-get "${apt_opts[@]}" download "$bin" >/dev/null 2>&1) || {
				echo "kernels: could not download $bin" >&2
				rm -rf "$work"
				exit 1
			}
		fi
		dpkg-deb --fsys-tarfile "$work"/*.deb | tar -x -C "$work" --wildcards --no-anchored \
			'vmlinuz*'
		mkdir -p "${out%/*}"
		mv "$(find "$work" -name 'vmlinuz*' -type f | head -1)" "$out.tmp" && mv "$out.tmp" "$out"
		rm -rf "$work"
	fi
	echo "$suite $ver $out"
done
