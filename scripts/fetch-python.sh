#!/usr/bin/env bash
# Fetches (once) a CPython that this Debian does not ship, from another Debian
# suite, into a private root, for the Python unwinder's tests; nothing is
# installed. It runs under that suite's own C library through the suite's
# dynamic loader, reached through a link named pythonX.Y (so the process is
# named like the interpreter).
# Usage: scripts/fetch-python.sh CACHE_DIR SUITE X.Y
# Prints the command to run it with: "LAUNCHER --library-path LIBDIR PYTHON".
set -euo pipefail

cache=$1 suite=$2 ver=$3
dir=$cache/python$ver
root=$dir/root
launcher=$dir/bin/python$ver
libdir=$root/lib/x86_64-linux-gnu:$root/usr/lib/x86_64-linux-gnu
# what the interpreter's standard library loads, named as the suite names it
case "$suite" in
bullseye) libs=(libffi7 libssl1.1) ;;
*) libs=(libffi8 libssl3t64 libzstd1) ;;
esac

if [ ! -x "$root/usr/bin/python$ver" ] || [ ! -e "$launcher" ]; then
	. "$(dirname "$0")/debian-apt.sh"
	debian_apt_setup "$cache/apt-$suite" "$suite"
	debian_apt_update
	work=$(mktemp -d)
	# the interpreter, its standard library, and what those load (the suite's own)
	for p in "python$ver-minimal" "libpython$ver-minimal" "libpython$ver-stdlib" libc6 zlib1g \
		libexpat1 libbz2-1.0 liblzma5 "${libs[@]}"; do
		(cd "$work" && apt-get "${apt_opts[@]}" download "$p/$suite" >/dev/null 2>&1) || {
			echo "fetch-python: could not download $p from $suite" >&2
			rm -rf "$work"
			exit 1
		}
	done
	rm -rf "$root" "$dir/bin"
	mkdir -p "$root" "$dir/bin"
	for d in "$work"/*.deb; do
		dpkg-deb -x "$d" "$root"
	done
	rm -rf "$work"
	ln -s "$(find "$root" -name ld-linux-x86-64.so.2 | sort | head -1)" "$launcher"
fi
echo "$launcher --library-path $libdir $root/usr/bin/python$ver"
