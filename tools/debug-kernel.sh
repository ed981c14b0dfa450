#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# debug-kernel.sh - build a debug kernel (KASAN, lockdep, kmemleak,
# debug objects, fault injection) from linux-source-6.1 with the fragment
# tools/debug-kernel.config, install it for the rig (/boot/vmlinuz-VER and
# /lib/modules/VER), and build siw against it.
#   tools/debug-kernel.sh          build + install (about 20 min on 2 idle cores)
#   tests/run --debug-kernel       then runs the VM tier under it
# Prints the kernel release on its last line.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
src=/usr/src/linux-source-6.1
out=$top/.build/debug-kernel
start=$SECONDS
phase() { printf '### [%4ds] %s\n' $((SECONDS - start)) "$*"; }
"$top/tools/deps.sh" >/dev/null
mkdir -p "$out"
phase "configure: x86_64 defconfig + tools/debug-kernel.config"
make -s -C "$src" O="$out" x86_64_defconfig >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "$top/tools/debug-kernel.config" >/dev/null
make -s -C "$src" O="$out" olddefconfig >/dev/null
for opt in KASAN PROVE_LOCKING DEBUG_KMEMLEAK RDMA_RXE INFINIBAND_ISERT 9P_FS NET_CLS_U32 NET_ACT_GACT; do
	grep -q "^CONFIG_$opt=[ym]" "$out/.config" || { echo "debug-kernel: CONFIG_$opt did not stick"; exit 1; }
done
phase "build bzImage + modules (log: $out/build.log)"
nice make -C "$src" O="$out" -j"$(nproc)" bzImage modules >"$out/build.log" 2>&1 ||
	{ tail -n 30 "$out/build.log"; exit 1; }
ver=$(cat "$out/include/config/kernel.release")
phase "install $ver: /boot/vmlinuz-$ver, /lib/modules/$ver"
make -s -C "$src" O="$out" modules_install >/dev/null
cp "$out/arch/x86/boot/bzImage" "/boot/vmlinuz-$ver"
# Our modules are built by tests/run --debug-kernel, from the tree as it is then.
phase "siw against $ver"
"$top/tools/build-siw.sh" "$out" >/dev/null
phase "done"
echo "$ver"
