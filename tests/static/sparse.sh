#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# sparse (make C=2) reports nothing on either module.
. "$(dirname "$0")/common.sh"
command -v sparse >/dev/null || { echo "sparse not installed"; exit 1; }
tree=$WORK/tree-sparse
log=$WORK/sparse.log
copy_tree "$tree"
make -C "$tree" KDIR="$KDIR61" C=2 >"$log" 2>&1 || { tail -n 40 "$log"; exit 1; }
grep -c '^  CHECK' "$log" >/dev/null || { echo "sparse did not run (no CHECK lines)"; exit 1; }
no_diagnostics "$log" "sparse" || exit 1
echo "sparse checked $(grep -c '^  CHECK' "$log") files: clean"
