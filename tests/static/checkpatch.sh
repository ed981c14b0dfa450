#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# checkpatch.pl --strict: no errors, warnings or checks in any module source.
. "$(dirname "$0")/common.sh"
cp=$KSRC/scripts/checkpatch.pl
[ -x "$cp" ] || { echo "$cp missing (tools/deps.sh extracts linux-source-6.1)"; exit 1; }
cd "$TOP" || exit 1
files=$(git ls-files -co --exclude-standard -- 'include/*.h' 'iscsi_da/*.[ch]' 'iser_dm/*.[ch]')
bad=0
for f in $files; do
	out=$(perl "$cp" --strict --no-tree --terse --show-types -f "$f" 2>&1 | grep -v '^total:' )
	if [ -n "$out" ]; then
		echo "$out" | head -n 10
		bad=$((bad + 1))
	fi
done
[ $bad = 0 ] || { echo "checkpatch: $bad of $(echo "$files" | wc -w) files not clean"; exit 1; }
echo "checkpatch --strict: $(echo "$files" | wc -w) files clean"
