#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Our stack end to end: iscsi_da + iser_dm log in to LIO with stock
# iscsiadm -I iser, the disk appears under an iscsi_iser SCSI host, fio
# verify (crc32c) passes, a 512 KiB direct I/O round trip is byte-exact,
# -P3 and -s report the session and the datamover's counters, logout leaves
# no session and both modules unload.
# vm-timeout: 300
# fabrics: rxe siw
# kernels: 6.1 6.12
set -euo pipefail
. "$(dirname "$0")/../../tools/guest-lib.sh"

rig_up_ours
rig_login
dev=$(rig_disks | head -1)
[ -b "$dev" ] || rig_die "no block device"
grep -qx iscsi_iser /sys/class/scsi_host/host*/proc_name || rig_die "no iscsi_iser SCSI host"

iscsiadm -m session -P3 >"$RIG_OUT/p3.txt" 2>&1 || rig_die "iscsiadm -m session -P3 failed"
grep -q 'iface.transport_name = iser' "$RIG_OUT/p3.txt" ||
	grep -q 'Iface Transport: iser' "$RIG_OUT/p3.txt" || rig_die "-P3: transport is not iser"
grep -q 'iSCSI Session State: LOGGED_IN' "$RIG_OUT/p3.txt" || rig_die "-P3: session not LOGGED_IN"
grep -Eq 'MaxRecvDataSegmentLength: [0-9]+' "$RIG_OUT/p3.txt" || rig_die "-P3: no negotiated parameters"

rig_fio_verify "$dev" 16m
dd if=/dev/urandom of=/tmp/big bs=1M count=4 status=none
dd if=/tmp/big of="$dev" bs=512k oflag=direct status=none || rig_die "512k direct write failed"
dd if="$dev" of=/tmp/big2 bs=512k count=8 iflag=direct status=none || rig_die "512k direct read failed"
cmp /tmp/big /tmp/big2 || rig_die "512k direct I/O round trip differs"
rig_log "512k direct I/O round trip is byte-exact"

iscsiadm -m session -s >"$RIG_OUT/stats.txt" 2>&1 || rig_die "iscsiadm -m session -s failed"
sed -n '/Extended/,$p' "$RIG_OUT/stats.txt" | sed 's/^/    /'
for k in scsicmd_pdus scsirsp_pdus dm_sends dm_recvs dm_reg_mrs; do
	v=$(rig_stat "$k")
	[ -n "$v" ] && [ "$v" -gt 0 ] || rig_die "stat $k is '${v}' after I/O"
done
[ "$(rig_stat dm_errors)" = 0 ] || rig_die "datamover errors after clean I/O"
[ "$(rig_stat protocol_errors)" = 0 ] || rig_die "protocol errors after clean I/O"
# One read command SEND in 16 is signalled (iser-datamover.rst); control
# PDUs and SENDs with data always are.  fio's verify pass reads it all.
sends=$(rig_stat dm_sends) sig=$(rig_stat dm_signaled_sends)
[ -n "$sig" ] && [ "$sig" -gt 0 ] && [ $((sig * 4)) -lt $((sends * 3)) ] ||
	rig_die "dm_signaled_sends '$sig' of $sends sends: send completions are not being saved"

rig_logout
rig_unload_ours || rig_die "modules do not unload after logout"
rig_log "PASS: ours over $RIG_FABRIC: login, fio verify, 512k round trip, -P3/-s, logout, unload"
