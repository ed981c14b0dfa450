#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Unsolicited data: with the target at InitialR2T=No and ImmediateData
# Yes/No, writes carry immediate data and/or unsolicited Data-Out PDUs up
# to FirstBurstLength, the rest by RDMA Read; fio verify and a 512 KiB
# round trip must be byte-exact in each combination.
# vm-timeout: 300
# fabrics: rxe siw
set -euo pipefail
. "$(dirname "$0")/../../tools/guest-lib.sh"

rig_up_ours
tpg=$CFS/iscsi/$RIG_IQN/tpgt_1
dd if=/dev/urandom of=/tmp/big bs=1M count=4 status=none
for imm in Yes No; do
	echo No >"$tpg/param/InitialR2T"
	echo $imm >"$tpg/param/ImmediateData"
	echo 65536 >"$tpg/param/FirstBurstLength"
	rig_login
	dev=$(rig_disks | head -1)
	iscsiadm -m session -P3 >"$RIG_OUT/p3.txt"
	grep -q 'InitialR2T: No' "$RIG_OUT/p3.txt" || rig_die "InitialR2T=No was not negotiated"
	grep -q "ImmediateData: $imm" "$RIG_OUT/p3.txt" || rig_die "ImmediateData=$imm was not negotiated"
	rig_fio_verify "$dev" 16m
	dd if=/tmp/big of="$dev" bs=512k oflag=direct status=none || rig_die "512k write failed"
	dd if="$dev" of=/tmp/big2 bs=512k count=8 iflag=direct status=none || rig_die "512k read failed"
	cmp /tmp/big /tmp/big2 || rig_die "512k round trip differs (InitialR2T=No ImmediateData=$imm)"
	out=$(rig_stat dataout_pdus)
	rig_log "InitialR2T=No ImmediateData=$imm FirstBurstLength=65536: Data-Out PDUs $out"
	[ "$out" -gt 0 ] || rig_die "no unsolicited Data-Out PDU was sent"
	rig_logout
done
rig_unload_ours || rig_die "unload failed"
rig_log "PASS: unsolicited Data-Out and immediate data"
