#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Every source, script and build file carries an SPDX licence line.
. "$(dirname "$0")/common.sh"
cd "$TOP" || exit 1
bad=0 n=0
for f in $(git ls-files -co --exclude-standard -- '*.c' '*.h' '*.sh' 'Kbuild' '*/Kbuild' 'Makefile' '*/Makefile' 'tools/*' '.ci/*'); do
	[ -f "$f" ] || continue
	n=$((n + 1))
	head -n 3 "$f" | grep -q 'SPDX-License-Identifier: GPL-2.0' || { echo "no SPDX line: $f"; bad=$((bad + 1)); }
done
[ $bad = 0 ] || exit 1
echo "SPDX present in $n files"
