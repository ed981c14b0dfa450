#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A write completes only once our own SEND has completed, not when the
# target's SCSI Response arrives.  Across two hosts (the target's ACKs
# must cross a wire to be dropped: in one VM rxe loops back internally),
# the initiator host drops every incoming RoCE ACK (BTH opcode 0x11, a tc
# ingress filter) for 1 s while one 4 KiB write with immediate data is
# in flight.  The target receives the SEND and answers; our SEND stays
# unacknowledged, so rxe keeps it and retransmits it from the write's
# pages once its ACK timeout (about 0.5 s) expires.  The write must still
# be in flight when the filter goes; it then completes, and the data reads
# back.  Before the task-lifetime rework the response alone completed the
# write (and unmapped its pages) while the SEND was unacknowledged: on a
# real HCA behind an IOMMU the retransmission then reads unmapped memory.
# Three rounds, then a fio verify pass; the filter must have dropped ACKs
# (or the test proves nothing).
# vm: pair
# vm-timeout: 400
# fabrics: rxe
set -euo pipefail
# shellcheck source=tools/guest-lib.sh
. "$(dirname "$0")/../../tools/guest-lib.sh"

if [ "$RIG_ROLE" = target ]; then
	rig_setup
	rig_target_up
	rig_signal ready
	rig_wait_signal finished 300
	exit 0
fi

# drop_acks on|off: the ingress filter on eth0 for RoCEv2 ACKs.  The BTH
# opcode is the first byte of the UDP payload: IP header (20) + UDP (8).
drop_acks() {
	if [ "$1" = on ]; then
		tc filter add dev eth0 parent ffff: protocol ip prio 1 u32 \
			match ip protocol 17 0xff match ip dport 4791 0xffff \
			match u8 0x11 0xff at 28 action drop
	else
		tc filter del dev eth0 parent ffff: prio 1
	fi
}

# dropped: how many packets the filter has dropped so far.
dropped() {
	tc -s filter show dev eth0 parent ffff: | sed -n 's/.*Sent [0-9]* bytes \([0-9]*\) pkt (dropped \([0-9]*\).*/\2/p' |
		head -1
}

rig_setup
rig_iscsid_up
rig_wait_signal ready 120
modprobe -a sch_ingress cls_u32 act_gact || rig_die "modprobe sch_ingress cls_u32 act_gact"
rig_load_ours
rig_login
dev=$(rig_disks | head -1)
tc qdisc add dev eth0 ingress || rig_die "tc qdisc add ingress"
total=0
for r in 1 2 3; do
	head -c 4096 /dev/urandom >"$RIG_OUT/block-$r"
	drop_acks on || rig_die "tc filter add"
	t0=$(date +%s%N)
	dd if="$RIG_OUT/block-$r" of="$dev" bs=4k seek="$r" count=1 oflag=direct status=none &
	ddpid=$!
	sleep 1
	n=$(dropped)
	if ! kill -0 $ddpid 2>/dev/null; then
		drop_acks off
		wait $ddpid || true
		rig_die "round $r: the write completed while its SEND was unacknowledged (${n:-0} ACKs dropped in 1 s): its pages were still the fabric's"
	fi
	drop_acks off || rig_die "tc filter del"
	rig_await $ddpid 30 "round $r: the write after the ACKs came back"
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ "${n:-0}" -gt 0 ] || rig_die "round $r: the filter dropped no ACK (the test proves nothing)"
	total=$((total + n))
	rig_log "round $r: the write waited for its SEND's ACK: $n ACKs dropped in 1 s, done after $ms ms"
done
tc qdisc del dev eth0 ingress
for r in 1 2 3; do
	dd if="$dev" of="$RIG_OUT/back-$r" bs=4k skip="$r" count=1 iflag=direct status=none
	cmp -s "$RIG_OUT/block-$r" "$RIG_OUT/back-$r" || rig_die "block $r reads back wrong"
done
rig_klog_has 'iser_dm.*(connection failed|disconnected)' &&
	rig_die "the connection failed while ACKs were dropped (a retransmission should have carried it)"
rig_fio_verify "$dev" 8m
rig_logout
rig_unload_ours
rig_signal finished
rig_log "PASS: 3 writes waited for their SEND's ACK ($total ACKs dropped), data read back, fio verify clean"
