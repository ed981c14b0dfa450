#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Both modules build against Debian's 6.1 headers with W=1 and no warning
# (in a private copy of the tree, so the working tree's build is untouched).
# This is the release build: no fail_alloc test hook (build-6.12-W1 builds
# with it).
. "$(dirname "$0")/common.sh"
tree=$WORK/tree-6.1
log=$WORK/build-6.1.log
krel=$(basename "$KDIR61" | sed 's/^linux-headers-//')
copy_tree "$tree"
make -C "$tree" KDIR="$KDIR61" W=1 >"$log" 2>&1 || { tail -n 40 "$log"; exit 1; }
no_diagnostics "$log" "W=1 build ($KDIR61)" || exit 1
for m in iscsi_da/iscsi_da.ko iser_dm/iser_dm.ko; do
	[ -s "$tree/$m" ] || { echo "$m was not produced"; exit 1; }
	modinfo "$tree/$m" | grep -q "^vermagic: *$krel " ||
		{ echo "$m: wrong vermagic"; modinfo "$tree/$m" | grep vermagic; exit 1; }
	if modinfo -p "$tree/$m" | grep -q '^fail_alloc:'; then
		echo "$m: the release build has the fail_alloc test hook"
		exit 1
	fi
done
echo "built both modules against $krel, W=1 clean"
