#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Every shell script of the rig, the tools and the tests passes shellcheck
# at severity "warning" (following the files they source).
. "$(dirname "$0")/common.sh"
cd "$TOP" || exit 1
mapfile -t files < <(git ls-files -co --exclude-standard -- '*.sh' tools .ci tests/run |
	while read -r f; do
		[ -f "$f" ] && head -n 1 "$f" | grep -q '^#!.*\(bash\|sh\)$' && echo "$f"
	done | sort -u)
[ ${#files[@]} -gt 0 ] || { echo "shellcheck: no scripts found"; exit 1; }
shellcheck -x -S warning "${files[@]}" || exit 1
echo "shellcheck: ${#files[@]} scripts clean (severity warning)"
