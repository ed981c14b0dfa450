#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# dkms.conf is valid: dkms builds both modules for Debian's 6.1 kernel from
# a private DKMS tree (the system's DKMS state is not touched).
. "$(dirname "$0")/common.sh"
command -v dkms >/dev/null || { echo "dkms not installed"; exit 1; }
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$TOP/dkms.conf")
name=$(sed -n 's/^PACKAGE_NAME="\(.*\)"/\1/p' "$TOP/dkms.conf")
[ -n "$ver" ] && [ -n "$name" ] || { echo "dkms.conf lacks PACKAGE_NAME/PACKAGE_VERSION"; exit 1; }
krel=$(basename "$KDIR61" | sed 's/^linux-headers-//')
src=$WORK/dkms-src/$name-$ver
tree=$WORK/dkms-tree
rm -rf "$WORK/dkms-src" "$tree" && mkdir -p "$tree"
copy_tree "$src"
cp "$TOP/dkms.conf" "$src/"
log=$WORK/dkms.log
dkms --dkmstree "$tree" --sourcetree "$WORK/dkms-src" add -m "$name" -v "$ver" >"$log" 2>&1 &&
dkms --dkmstree "$tree" --sourcetree "$WORK/dkms-src" build -m "$name" -v "$ver" -k "$krel" >>"$log" 2>&1 ||
	{ tail -n 30 "$log"; find "$tree" -name make.log -exec tail -n 20 {} \; ; exit 1; }
for m in iscsi_da iser_dm; do
	find "$tree" -name "$m.ko*" | grep -q . || { echo "dkms built no $m.ko"; exit 1; }
done
echo "dkms built $name $ver for $krel"
