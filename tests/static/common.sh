# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# Shared by the static tests: paths and a warning filter for kbuild output.
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
KDIR61=${KDIR61:-$(ls -d /usr/src/linux-headers-6.1.*-amd64 2>/dev/null | sort -V | tail -1)}
KDIR612=${KDIR612:-$(ls -d /usr/src/linux-headers-6.12.*-amd64 2>/dev/null | sort -V | tail -1)}
KSRC=${KSRC:-/usr/src/linux-source-6.1}
WORK=$TOP/.build/static
mkdir -p "$WORK"

# Copy the tracked sources to DIR (a private build tree for one kernel).
copy_tree() {
	rm -rf "$1" && mkdir -p "$1"
	(cd "$TOP" && git ls-files -co --exclude-standard -- Kbuild Makefile include iscsi_da iser_dm |
		cpio -pdm --quiet "$1")
}

# Fail, showing the diagnostics, if kbuild output LOG has any.
no_diagnostics() {
	local log=$1 what=$2
	grep -E '(warning|error):|WARNING:' "$log" >"$log.diag" || true
	if [ -s "$log.diag" ]; then
		echo "$what: $(wc -l <"$log.diag") diagnostics:"
		head -n 40 "$log.diag"
		return 1
	fi
}
