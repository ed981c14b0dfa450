#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# deps.sh - install what building, the VM rig and the tests need on a
# Debian 12 host (root).  Quick no-op when everything is already there.
set -euo pipefail

pkgs=(build-essential bc flex bison libelf-dev libssl-dev kmod cpio
      linux-image-amd64 linux-headers-amd64 linux-image-6.12-amd64 linux-headers-6.12-amd64 linux-source-6.1
      qemu-system-x86 busybox-static file xz-utils zstd sparse dkms
      open-iscsi fio rdma-core ibverbs-utils rdmacm-utils iproute2
      sg3-utils perftest libibverbs-dev librdmacm-dev
      clang libclang-rt-14-dev e2fsprogs shellcheck python3-docutils)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# open-iscsi's and rdma-core's postinst try to start services; harmless here.
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/tmp/deps-apt.log 2>&1 ||
		{ tail -n 30 /tmp/deps-apt.log; echo "deps: apt-get install failed" >&2; exit 1; }
fi

# checkpatch.pl and the in-tree sources come from the linux-source tarball.
src=/usr/src/linux-source-6.1
if [ ! -x $src/scripts/checkpatch.pl ]; then
	echo "deps: extracting $src"
	tar -C /usr/src -xf /usr/src/linux-source-6.1.tar.xz
fi
echo "deps: ok"
