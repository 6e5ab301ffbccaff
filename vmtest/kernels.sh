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
apt_dir=$cache/apt
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$cache/kernels"

# the machine's own Debian mirror (deb822 or one-line sources), else the default
mirror=$(sed -n 's/^URIs: *\(http[^ ]*\/debian\)\/*$/\1/p' /etc/apt/sources.list.d/*.sources \
	2>/dev/null | head -1)
[ -n "$mirror" ] || mirror=$(sed -n 's/^deb \(http[^ ]*\/debian\)\/* .*/\1/p' \
	/etc/apt/sources.list 2>/dev/null | head -1)
mirror=${mirror:-http://deb.debian.org/debian}

apt_opts=(-o "Dir::State=$apt_dir" -o "Dir::State::status=/dev/null"
	-o "Dir::Cache=$apt_dir" -o "Dir::Etc::SourceList=$apt_dir/sources.list"
	-o "Dir::Etc::SourceParts=/dev/null" -o "Dir::Etc::Preferences=/dev/null"
	-o "Dir::Etc::PreferencesParts=/dev/null" -o "APT::Get::List-Cleanup=0"
	-o "Acquire::Languages=none" -o "APT::Architecture=amd64" -o "APT::Architectures=amd64"
	-o "Debug::NoLocking=1" -q)

# a suite's kernel lives in the suite, and newer builds in its -security updates
: >"$apt_dir/sources.list"
for suite in "$@"; do
	echo "deb $mirror $suite main" >>"$apt_dir/sources.list"
	case "$suite" in
	sid | unstable | *-backports) ;;
	*) echo "deb ${mirror%/debian}/debian-security $suite-security main" >>"$apt_dir/sources.list" ;;
	esac
done

# lists older than a day are refreshed (a failure with lists at hand is only a
# warning); within a day, a suite with a cached kernel is not looked up again
stamp=$apt_dir/updated.$(echo "$*" | tr ' ' '_')
fresh=0
[ -n "$(find "$stamp" -mmin -1440 2>/dev/null)" ] && fresh=1
if [ "${VMTEST_OFFLINE:-0}" != 1 ]; then
	if [ "$fresh" = 0 ]; then
		if apt-get "${apt_opts[@]}" update >"$apt_dir/update.log" 2>&1; then
			touch "$stamp"
		elif ! ls "$apt_dir"/lists/*Packages* >/dev/null 2>&1; then
			echo "kernels: apt-get update failed (see $apt_dir/update.log)" >&2
			exit 1
		fi
	fi
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
