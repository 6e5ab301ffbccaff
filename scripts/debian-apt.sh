# A private apt state for fetching Debian packages of any suite without
# installing anything (sourced by vmtest/kernels.sh and scripts/fetch-python.sh).
# debian_apt_setup APT_DIR SUITE... : sets apt_opts (for apt-get/apt-cache) and
#   the sources: the machine's own Debian mirror, each suite and, for stable
#   suites, its -security updates.
# debian_apt_update : refreshes the lists once a day (fresh=1 when they are at
#   most a day old); a failure with lists at hand is only a warning. 0 or 1.

debian_apt_setup() {
	apt_dir=$1
	shift
	mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial"
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
	: >"$apt_dir/sources.list"
	for suite in "$@"; do
		echo "deb $mirror $suite main" >>"$apt_dir/sources.list"
		case "$suite" in
		sid | unstable | *-backports) ;;
		*) echo "deb ${mirror%/debian}/debian-security $suite-security main" \
			>>"$apt_dir/sources.list" ;;
		esac
	done
	stamp=$apt_dir/updated.$(echo "$*" | tr ' ' '_')
	fresh=0
	if [ -n "$(find "$stamp" -mmin -1440 2>/dev/null)" ]; then
		fresh=1
	fi
}

debian_apt_update() {
	[ "$fresh" = 1 ] && return 0
	if apt-get "${apt_opts[@]}" update >"$apt_dir/update.log" 2>&1; then
		touch "$stamp"
	elif ! ls "$apt_dir"/lists/*Packages* >/dev/null 2>&1; then
		echo "apt-get update failed (see $apt_dir/update.log)" >&2
		return 1
	fi
}
