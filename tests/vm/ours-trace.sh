#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The trace events of both modules (iscsi_da/trace.h, iser_dm/trace.h),
# enabled through tracefs around a login, a known fio job and a target
# restart.  The counts must add up: every command queued ends once (a
# response, or a failure during the restart), every key registered is
# invalidated once (remote or local), every response was a delivered PDU;
# no ITT names two commands; the login shows LOGIN -> FFP, and the
# restart shows its reason: the connection error iscsi_da reported and the
# CM event that started it.
# fabrics: rxe siw
# siw: patched
# vm-timeout: 300
set -euo pipefail
# shellcheck source=tools/guest-lib.sh
. "$(dirname "$0")/../../tools/guest-lib.sh"

tr=/sys/kernel/tracing
rig_up_ours
mountpoint -q $tr || mount -t tracefs nodev $tr || rig_die "cannot mount tracefs"
for m in iscsi_da iser_dm; do
	[ -d $tr/events/$m ] || rig_die "no trace events of $m in $tr/events"
done
echo 0 >$tr/tracing_on
echo 4096 >$tr/buffer_size_kb
: >$tr/trace
echo 1 >$tr/events/iscsi_da/enable
echo 1 >$tr/events/iser_dm/enable
echo 1 >$tr/tracing_on

rig_login
dev=$(rig_disks | head -1)
rig_fio_verify "$dev" 8m
# Every command of the clean part has ended before the restart.
cp $tr/trace "$RIG_OUT/trace-clean.txt"
rig_target_stop
rig_wait 30 grep -q 'iscsi_da_conn_error:' $tr/trace ||
	rig_die "no iscsi_da_conn_error event 30 s after the target went away"
rig_target_start
rig_wait_logged_in 30 || rig_die "no re-login within 30 s of the target's return"
rig_logout
echo 0 >$tr/tracing_on
cp $tr/trace "$RIG_OUT/trace.txt"
echo 0 >$tr/events/iscsi_da/enable
echo 0 >$tr/events/iser_dm/enable
rig_unload_ours || rig_die "unload failed"

grep -q 'LOST' "$RIG_OUT/trace.txt" && rig_die "the trace buffer overflowed (LOST events)"
n() { grep -c " $1: " "$2" || true; }
for f in trace-clean trace; do
	t=$RIG_OUT/$f.txt
	q=$(n iscsi_da_cmd_queue "$t") c=$(n iscsi_da_cmd_complete "$t") x=$(n iscsi_da_cmd_fail "$t")
	reg=$(n iser_dm_reg "$t") inv=$(n iser_dm_inv "$t") rx=$(n iscsi_da_pdu_rx "$t")
	rig_log "$f: $q commands queued, $c completed, $x failed; $reg keys registered, $inv invalidated; $rx PDUs delivered"
	[ "$q" -gt 200 ] || rig_die "$f: only $q commands traced for 8 MiB of fio"
	[ "$q" = $((c + x)) ] || rig_die "$f: $q commands queued, but $c completed and $x failed"
	# A command failed with its connection may end with its key never
	# invalidated (the QP drained instead): at most one key each.
	[ "$reg" -gt 0 ] && [ "$inv" -le "$reg" ] && [ $((reg - inv)) -le "$x" ] ||
		rig_die "$f: $reg keys registered, $inv invalidated, $x commands failed"
	[ "$rx" -ge "$c" ] || rig_die "$f: $c responses but only $rx PDUs delivered"
done
[ "$(n iscsi_da_cmd_fail "$RIG_OUT/trace-clean.txt")" = 0 ] ||
	rig_die "commands failed before the restart"
# An ITT names one command for as long as a late answer to it could come:
# its age changes on every use of its index (4096 uses apart), so in this
# trace (a few uses of each of 128 indexes) no ITT may repeat.  With the
# age kept per request it did: with mq-deadline a driver tag passes
# between requests, each counting from 1.
dup=$(grep ' iscsi_da_cmd_queue: ' "$RIG_OUT/trace.txt" | grep -o 'sid=[0-9]* cid=[0-9]* itt=0x[0-9a-f]*' |
	sort | uniq -d | head -n 3)
[ -z "$dup" ] || rig_die "ITTs used twice in one trace: $(echo "$dup" | tr '\n' ' ')"
# Each command (sid and itt): queued once, ended once.  Not checked in
# order: the queue event follows Send_Control, whose response may be
# traced first on the other CPU.
awk 'function id() { match($0, / sid=[0-9]+ /); s = substr($0, RSTART, RLENGTH)
		match($0, / itt=0x[0-9a-f]+/); return s substr($0, RSTART + 1, RLENGTH - 1) }
	/ iscsi_da_cmd_queue: / { q[id()]++ }
	/ iscsi_da_cmd_(complete|fail): / { e[id()]++ }
	END { for (k in q) if (q[k] != 1 || e[k] != 1) bad = bad "\n " k ": queued " q[k] ", ended " e[k] + 0
		for (k in e) if (!(k in q)) bad = bad "\n " k ": ended " e[k] ", never queued"
		if (bad) { print bad; exit 1 } }' \
	"$RIG_OUT/trace.txt" || rig_die "commands whose queue and end events do not pair up"
grep -q 'iscsi_da_conn_state: .* LOGIN -> FFP' "$RIG_OUT/trace.txt" ||
	rig_die "no LOGIN -> FFP transition traced"
grep -q 'iscsi_da_conn_state: .* FFP -> FAILED' "$RIG_OUT/trace.txt" ||
	rig_die "no FFP -> FAILED transition traced at the restart"
grep -Eq 'iser_dm_(cm_event: .*(DISCONNECTED|UNREACHABLE|REJECTED)|conn_fail: )' "$RIG_OUT/trace.txt" ||
	rig_die "no CM event or connection failure of iser_dm traced at the restart"
sed 's/^/    /' "$RIG_OUT/trace.txt" | grep -E 'conn_error|conn_state|conn_fail|cm_event' | tail -n 8
rig_log "PASS: trace events over $RIG_FABRIC: counts add up, login and restart explained"
