#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Both modules also build against Debian's 6.12 headers, W=1 clean, with
# the fail_alloc test hook (FAULT_INJECT=1, as the VM tests build them).
. "$(dirname "$0")/common.sh"
[ -n "$KDIR612" ] || { echo "no 6.12 headers (tools/deps.sh installs linux-headers-6.12-amd64)"; exit 1; }
tree=$WORK/tree-6.12
log=$WORK/build-6.12.log
copy_tree "$tree"
make -C "$tree" KDIR="$KDIR612" W=1 FAULT_INJECT=1 >"$log" 2>&1 || { tail -n 40 "$log"; exit 1; }
no_diagnostics "$log" "W=1 build ($KDIR612)" || exit 1
for m in iscsi_da/iscsi_da.ko iser_dm/iser_dm.ko; do
	[ -s "$tree/$m" ] || { echo "$m was not produced"; exit 1; }
	modinfo -p "$tree/$m" | grep -q '^fail_alloc:' || { echo "$m: no fail_alloc with FAULT_INJECT=1"; exit 1; }
done
echo "built against $(basename "$KDIR612") with the test hook, W=1 clean"
