#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# build-siw.sh - build soft iWARP (siw.ko) out of tree from linux-source-6.1
# against Debian's 6.1 headers (Debian's kernel does not ship it), twice:
#   .build/siw/<release>/siw.ko          stock siw
#   .build/siw/<release>/patched/siw.ko  with tools/siw-closing-flush.patch
# (WRs posted while a QP closes are flushed, not refused; stock siw makes
# LIO's isert hang when the target drops a connection with I/O in flight,
# see Documentation/reliability.rst).  Tests choose with RIG_SIW.
#   tools/build-siw.sh [KDIR]   (prints the stock module's path)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
kdir=${1:-$(ls -d /usr/src/linux-headers-6.1.*-amd64 | sort -V | tail -1)}
krel=$(sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' "$kdir/include/generated/utsrelease.h")
src=/usr/src/linux-source-6.1/drivers/infiniband/sw/siw
patch=$top/tools/siw-closing-flush.patch
out=$top/.build/siw/$krel
[ -d "$src" ] || { echo "build-siw: $src missing (tools/deps.sh)" >&2; exit 1; }

# build DIR [PATCH]
build() {
	local dir=$1 p=${2:-}
	if [ -s "$dir/siw.ko" ] && [ "$dir/siw.ko" -nt "$src/siw_main.c" ] &&
	   { [ -z "$p" ] || [ "$dir/siw.ko" -nt "$p" ]; }; then
		return 0
	fi
	rm -rf "$dir" && mkdir -p "$dir"
	cp "$src"/*.c "$src"/*.h "$dir/"
	if [ -n "$p" ]; then
		patch -s -d "$dir" -p1 <"$p" ||
			{ echo "build-siw: $p does not apply" >&2; exit 1; }
	fi
	printf 'obj-m := siw.o\nsiw-y := siw_cm.o siw_cq.o siw_main.o siw_mem.o siw_qp.o siw_qp_tx.o siw_qp_rx.o siw_verbs.o\n' >"$dir/Kbuild"
	make -C "$kdir" M="$dir" modules >"$dir/build.log" 2>&1 ||
		{ tail -n 20 "$dir/build.log" >&2; echo "build-siw: $dir failed" >&2; exit 1; }
}

# The stock build's directory holds the patched one: build that second.
build "$out"
build "$out/patched" "$patch"
echo "$out/siw.ko"
