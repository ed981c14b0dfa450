#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A legal negotiation never fails I/O, and task management and answers to
# the target's pings get through a saturated send queue.  The target offers
# InitialR2T=No, ImmediateData=Yes, FirstBurstLength=MaxBurstLength=1 MiB
# and iscsid asks for the same; iser_dm takes 1 MiB commands
# (sg_tablesize=256), so each write sends up to 1 MiB unsolicited: the
# immediate segment and the rest in Data-Out PDUs of
# MaxXmitDataSegmentLength bytes.
#  1. 8 KiB segments (TargetRecvDataSegmentLength 8192, what LIO's isert
#     receives; 1 MiB = 1 + 127 PDUs): fio verify, 1 MiB sequential and
#     512 KiB random writes (merged up to 1 MiB); no I/O error in fio or
#     the kernel log, no dropped connection.
#  2. 4 KiB segments (TargetRecvDataSegmentLength 4096, offered by iscsid;
#     1 MiB = 1 + 255 PDUs): the same.  Not smaller: LIO's isert takes
#     unsolicited Data-Outs only at page-aligned offsets (below).
#  3. 512 KiB random writes at depth 32 in commands of at most 512 KiB
#     (64 SENDs each with 8 KiB segments: the send queue stays full), fio
#     verify; meanwhile sg_reset -d (LOGICAL UNIT RESET) 4 times: each
#     succeeds, is answered "function complete", and nothing escalates to
#     a target or session reset.
#  4. Over phase 3: the connection never drops, and every NOP-In ping of
#     the target is answered.  The target is set to ping every 3 s and to
#     drop the connection after 3 s without an answer (LIO's minimums, on
#     an explicit ACL), but LIO 6.1 never pings over iSER (below): then
#     the ping check is skipped, and says so.
# A failed assertion is logged when it happens, with the kernel line that
# shows it, and the next phase still runs; the last lines list them all.
# vm-timeout: 420
# fabrics: rxe
set -euo pipefail
# shellcheck source=tools/guest-lib.sh
. "$(dirname "$0")/../../tools/guest-lib.sh"

MIB=1048576
# Kernel lines of a failed I/O, or of the refusal behind one.
IO_ERR='bad unsolicited layout|I/O error|DID_ERROR|critical target error|Send_Control failed|FAILED Result'
# A dropped connection (ours, or LIO's NOP-In timeout).
CONN_DROP='connection failed|datamover terminated|starting recovery|no answer to NOP-Out|Did not receive response to NOPIN|no slot to answer'
# Error handling beyond the LU reset.
ESCALATE='TARGET WARM RESET|target reset failed|resetting the session'

fails=()
phase=setup klog_mark=""

# phase_start ID WHAT: from now on the kernel log of phase ID (after a
# mark of ours in it).
phase_start() {
	# The fabric's retry counters of the phase before: RNR NAKs and
	# timeouts make rxe repeat work, which is what breaks connections.
	[ "$phase" = setup ] ||
		rig_log "phase $phase: $(rdma statistic show link "${RIG_FABRIC}0/1" 2>/dev/null |
			grep -oE '[a-z_]*(rnr|retry|seq_err)[a-z_]* [0-9]+' | paste -sd' ' || true)"
	phase=$1
	klog_mark="ours-burst: phase $1 starts"
	echo "$klog_mark" >/dev/kmsg
	rig_log "==== phase $phase: $2"
}

# The kernel log since phase_start, into $RIG_OUT/phase.klog.
phase_klog() {
	dmesg | awk -v m="$klog_mark" 'm == "" || index($0, m) { p = 1 } p' >"$RIG_OUT/phase.klog"
}

# fail MSG [ERE]: an assertion of this phase failed; log it with the
# phase's first kernel line matching ERE, after the line before it (often
# the cause), and go on (the script fails at the end).
fail() {
	local msg="phase $phase: $1" line="" n=0
	if [ -n "${2:-}" ]; then
		phase_klog
		n=$(grep -Ec -- "$2" "$RIG_OUT/phase.klog" || true)
		line=$(grep -Em1 -B1 -- "$2" "$RIG_OUT/phase.klog" | tr '\n' ' ' || true)
	fi
	[ -n "$line" ] && msg="$msg; kernel ($n such lines): $line"
	rig_log "FAIL: $msg"
	fails+=("$msg")
}

# stat0 NAME: rig_stat, 0 without a session.
stat0() {
	local v
	v=$(rig_stat "$1" || true)
	echo "${v:-0}"
}

# The failed assertions, listed last whatever ends the script (rig_die
# too), then the rig's own exit check.
list_fails() {
	local f
	[ ${#fails[@]} -gt 0 ] || return 0
	rig_log "---- ${#fails[@]} failed assertions:"
	for f in "${fails[@]}"; do
		rig_log "FAIL: $f"
	done
}
trap 'rc=$?; set +e; list_fails; (exit $rc); rig_exit_check' EXIT

# klog_none ERE WHAT: this phase's kernel log has no line matching ERE.
klog_none() {
	phase_klog
	if grep -Eq -- "$1" "$RIG_OUT/phase.klog"; then
		fail "$2" "$1"
	fi
}

# negotiated XMIT: the session's values as iscsiadm -P3 shows them; what
# both sides asked for must have been agreed.
negotiated() {
	local xmit=$1 kv k
	iscsiadm -m session -P3 >"$RIG_OUT/p3-$phase.txt"
	rig_log "negotiated: $(grep -E '^[[:space:]]*(MaxRecvDataSegmentLength|MaxXmitDataSegmentLength|FirstBurstLength|MaxBurstLength|ImmediateData|InitialR2T|MaxOutstandingR2T):' \
		"$RIG_OUT/p3-$phase.txt" | tr -d '\t' | sed 's/: /=/' | tr '\n' ' ')"
	for kv in InitialR2T=No ImmediateData=Yes FirstBurstLength=$MIB MaxBurstLength=$MIB \
		MaxXmitDataSegmentLength="$xmit"; do
		k=${kv%%=*}
		grep -Eq "^[[:space:]]*$k: ${kv#*=}\$" "$RIG_OUT/p3-$phase.txt" ||
			fail "$k ${kv#*=} was not negotiated ($(grep -E "^[[:space:]]*$k:" "$RIG_OUT/p3-$phase.txt" | tr -d '\t'))"
	done
}

# login XMIT: log in asking for the burst settings and XMIT-byte Data-Out
# segments (0: the target's); $dev is the disk, taking 1 MiB commands.
login() {
	# shellcheck disable=SC2034  # read by rig_login
	RIG_NODE_SETTINGS="node.session.iscsi.InitialR2T=No node.session.iscsi.ImmediateData=Yes
		node.session.iscsi.FirstBurstLength=$MIB node.session.iscsi.MaxBurstLength=$MIB
		node.conn[0].iscsi.MaxXmitDataSegmentLength=$1"
	rig_login
	dev=$(rig_disks | head -1)
	echo 1024 >"/sys/block/${dev#/dev/}/queue/max_sectors_kb" || true
	[ "$(cat "/sys/block/${dev#/dev/}/queue/max_sectors_kb")" = 1024 ] ||
		fail "$dev takes no 1 MiB commands (max_hw_sectors_kb $(cat "/sys/block/${dev#/dev/}/queue/max_hw_sectors_kb"))"
}

# fio_verify NAME FIO-ARGS...: write with crc32c, then read back and
# verify; any error fails the phase.
fio_verify() {
	local name=$1 log=$RIG_OUT/fio-$phase-$1.log pid rc=0
	shift
	rig_log "fio $name: $*"
	fio --name="$name" --filename="$dev" --direct=1 --ioengine=libaio --verify=crc32c \
		--verify_fatal=1 --verify_state_save=0 --do_verify=1 --eta=never "$@" \
		--output="$log" >"$log.err" 2>&1 &
	pid=$!
	rig_wait 180 sh -c "! kill -0 $pid" || rig_die_blocked "phase $phase: fio $name still running after 180 s"
	wait $pid || rc=$?
	fio_check "$name" $rc
}

# fio_check NAME RC: fio NAME exited with RC; it must have written and
# verified without an error.
fio_check() {
	local log=$RIG_OUT/fio-$phase-$1.log
	grep -E 'err=|WRITE:|READ:' "$log" | sed 's/^ */    /' || true
	if [ "$2" != 0 ] || ! grep -q 'err= 0' "$log"; then
		fail "fio $1 failed (exit $2): $(cat "$log.err" "$log" | grep -Eim1 'error|err=' | tr -s ' \t' ' ')" "$IO_ERR"
	elif ! grep -q 'READ: bw=' "$log"; then
		fail "fio $1: no verify pass ran"
	fi
}

# The iser_dm parameter makes 1 MiB commands: 256 pages a registration.
rig_setup
rig_target_up --acl
rig_iscsid_up
rig_load_ours sg_tablesize=256
rig_tpg_param MaxBurstLength $MIB
rig_tpg_param FirstBurstLength $MIB
rig_tpg_param InitialR2T No
rig_tpg_param ImmediateData Yes

# burst_phase SEGMENT SIZE: log in offering SEGMENT-byte Data-Outs, then
# 1 MiB sequential and 512 KiB random writes of SIZE each, verified; no
# I/O error, no dropped connection.
burst_phase() {
	local out0

	login "$1"
	negotiated "$1"
	out0=$(stat0 dataout_pdus)
	fio_verify seq-1m --rw=write --bs=1m --iodepth=8 --size="$2"
	fio_verify rand-512k --rw=randwrite --bs=512k --iodepth=16 --offset=32m --size="$2"
	rig_log "Data-Out PDUs sent: $(($(stat0 dataout_pdus) - out0))"
	klog_none "$IO_ERR" "the kernel log has I/O errors"
	klog_none "$CONN_DROP" "the connection dropped"
	rig_logout
}

phase_start 1 "InitialR2T=No, FirstBurstLength 1 MiB, 8 KiB Data-Out segments"
burst_phase 8192 16m

phase_start 2 "4 KiB Data-Out segments"
# Over iSER the target's receive limit is the key TargetRecvDataSegmentLength.
# LIO (6.1) has no configfs parameter for it and takes whatever the
# initiator offers (iscsid offers its MaxXmitDataSegmentLength), so the
# small segment length is offered from our side.  Not below a page: isert
# rejects an unsolicited Data-Out at an offset that is not page-aligned
# ("isert_handle_iscsi_dataout: unexpected non-page aligned data payload")
# and the command then times out, whoever the initiator is.
burst_phase 4096 8m

phase_start 3 "LU resets and target pings while 512 KiB writes fill the send queue"
# LIO's NOP-In timers are per ACL (iscsi_target_nodeattrib.c): the least
# value each takes.  LIO 6.1 starts them on no iSER connection
# (iscsi_post_login_start_timers: "FIXME: Unsolicited NopIN support for
# ISER"), and forcing them on (nopin_timeout from 0 to 3 on a live
# session) sends a NOP-In whose command isert frees while it is still
# listed (isert_put_cmd for ISCSI_OP_NOOP_IN: iscsit_release_cmd's
# WARN_ON), so they stay as set at login: a target that pings is tested,
# LIO 6.1 is not one.
for a in nopin_timeout nopin_response_timeout; do
	for v in 1 2 3; do
		if echo $v >"$CFS/iscsi/$RIG_IQN/tpgt_1/acls/$(rig_initiator_name)/attrib/$a" 2>/dev/null; then
			break
		fi
		rig_log "LIO refuses $a=$v"
	done
	rig_acl_attrib $a "$v"
done
login 8192
negotiated 8192
# Commands of at most 512 KiB (64 SENDs with 8 KiB segments: the send
# queue fills), so that phases 1 and 2 alone answer for 1 MiB bursts.
echo 512 >"/sys/block/${dev#/dev/}/queue/max_sectors_kb"
rx0=$(stat0 noprx_pdus) tx0=$(stat0 noptx_pdus)
rig_log "fio: background randwrite 512k, depth 32, 40 s, then verify"
fio --name=saturate --filename="$dev" --direct=1 --ioengine=libaio --iodepth=32 \
	--rw=randwrite --bs=512k --size=32m --time_based --runtime=40 \
	--verify=crc32c --verify_fatal=1 --verify_state_save=0 --do_verify=1 --eta=never \
	--output="$RIG_OUT/fio-3-saturate.log" >"$RIG_OUT/fio-3-saturate.log.err" 2>&1 &
fio_pid=$!
sleep 5
for r in 1 2 3 4; do
	phase_klog
	n0=$(grep -c 'iscsi_da: .*LOGICAL UNIT RESET response 0' "$RIG_OUT/phase.klog" || true)
	rig_log "sg_reset -d $dev ($r of 4), in flight: $(tr -s ' ' <"/sys/block/${dev#/dev/}/inflight")"
	rc=0
	timeout 90 sg_reset -d "$dev" || rc=$?
	phase_klog
	n1=$(grep -c 'iscsi_da: .*LOGICAL UNIT RESET response 0' "$RIG_OUT/phase.klog" || true)
	[ $rc = 0 ] || fail "sg_reset -d ($r of 4) failed (exit $rc)" 'LOGICAL UNIT RESET|TARGET WARM RESET|resetting|connection failed'
	[ "$n1" -gt "$n0" ] ||
		fail "LU reset $r of 4: no \"LOGICAL UNIT RESET response 0\"" 'LOGICAL UNIT RESET|TARGET WARM RESET'
	rig_wait_logged_in 60 || fail "not logged in 60 s after LU reset $r"
	sleep 5
done
rig_wait 150 sh -c "! kill -0 $fio_pid" || rig_die_blocked "phase 3: fio still running 150 s after the resets"
rc=0
wait $fio_pid || rc=$?
fio_check saturate $rc
rx=$(($(stat0 noprx_pdus) - rx0)) tx=$(($(stat0 noptx_pdus) - tx0))
phase_klog
grep -E 'iscsi_da|iser_dm' "$RIG_OUT/phase.klog" | head -n 30 | sed 's/^/    /' || true
klog_none "$ESCALATE" "error handling escalated beyond the LU reset"
klog_none 'I/O error|critical target error|bad unsolicited layout' "the kernel log has I/O errors"

phase=4
rig_log "==== phase 4 (over phase 3): $rx NOP-In received, $tx NOP-Out sent"
klog_none "$CONN_DROP" "the connection dropped under the full send queue"
if [ "$rx" -gt 0 ]; then
	[ "$tx" -ge $((rx - 1)) ] || fail "$rx NOP-In, $tx NOP-Out: target pings went unanswered" "$CONN_DROP"
else
	rig_log "SKIP: the target sent no NOP-In (LIO 6.1 never pings over iSER): no ping answer to check"
fi
rig_logout
rig_unload_ours || rig_die "unload failed"

[ ${#fails[@]} = 0 ] || exit 1
rig_log "PASS: 1 MiB unsolicited bursts in 8 KiB and 4 KiB PDUs, LU resets and target pings under a full send queue"
