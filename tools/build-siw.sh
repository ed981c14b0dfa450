#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# build-siw.sh - build soft iWARP (siw.ko) out of tree from linux-source-6.1
# against Debian's 6.1 headers (Debian's kernel does not ship it).
#   tools/build-siw.sh [KDIR]   -> .build/siw/<release>/siw.ko (path printed)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
kdir=${1:-$(ls -d /usr/src/linux-headers-6.1.*-amd64 | sort -V | tail -1)}
krel=$(sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' "$kdir/include/generated/utsrelease.h")
src=/usr/src/linux-source-6.1/drivers/infiniband/sw/siw
out=$top/.build/siw/$krel
[ -d "$src" ] || { echo "build-siw: $src missing (tools/deps.sh)" >&2; exit 1; }
if [ ! -s "$out/siw.ko" ] || [ "$src/siw_main.c" -nt "$out/siw.ko" ]; then
	rm -rf "$out" && mkdir -p "$out"
	cp "$src"/*.c "$src"/*.h "$out/"
	printf 'obj-m := siw.o\nsiw-y := siw_cm.o siw_cq.o siw_main.o siw_mem.o siw_qp.o siw_qp_tx.o siw_qp_rx.o siw_verbs.o\n' >"$out/Kbuild"
	make -C "$kdir" M="$out" modules >"$out/build.log" 2>&1 ||
		{ tail -n 20 "$out/build.log" >&2; echo "build-siw: failed" >&2; exit 1; }
fi
echo "$out/siw.ko"
