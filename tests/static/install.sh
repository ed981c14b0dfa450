#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# `make install` puts both modules under extra/ and depmod resolves
# iser_dm's dependency on iscsi_da (into a scratch INSTALL_MOD_PATH).
. "$(dirname "$0")/common.sh"
tree=$WORK/tree-install
root=$WORK/install-root
copy_tree "$tree"
rm -rf "$root"
krel=$(basename "$KDIR61" | sed 's/^linux-headers-//')
# depmod -b needs the kernel's own module list next to ours.
mkdir -p "$root/lib/modules/$krel"
cp /lib/modules/"$krel"/modules.order /lib/modules/"$krel"/modules.builtin* "$root/lib/modules/$krel/" 2>/dev/null
make -C "$tree" KDIR="$KDIR61" install INSTALL_MOD_PATH="$root" >"$WORK/install.log" 2>&1 ||
	{ tail -n 30 "$WORK/install.log"; exit 1; }
for m in iscsi_da iser_dm; do
	[ -s "$root/lib/modules/$krel/extra/$m/$m.ko" ] || [ -s "$root/lib/modules/$krel/extra/$m.ko" ] ||
		{ echo "$m.ko not installed"; find "$root" -name '*.ko'; exit 1; }
done
grep -E '^extra/(iser_dm/)?iser_dm.ko:.*iscsi_da.ko' "$root/lib/modules/$krel/modules.dep" ||
	{ echo "depmod did not record iser_dm -> iscsi_da"; cat "$root/lib/modules/$krel/modules.dep"; exit 1; }
