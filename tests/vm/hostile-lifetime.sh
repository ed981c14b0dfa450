#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Task lifetime: a command must never complete to the SCSI midlayer while
# the fabric can still touch its memory.  Our stack (iscsi_da + iser_dm)
# against the hostile iSER target (tests/hostile/iser-evil-target), which
# behaves, misbehaves once in the middle of a fio randwrite+verify run, and
# behaves again:
#   dup-response-read    a read's SCSI Response twice, plain SENDs: the
#                        second copy arrives while the first waits for our
#                        LOCAL_INV and must be a protocol error, never a
#                        completion
#   dup-response-inv     the same, each copy a Send with Invalidate
#   early-response       GOOD responses for the next ITT of every task
#                        index (commands not sent yet, or just sent): never
#                        an oops or a stuck session.  A forged GOOD for a
#                        command really sent is indistinguishable from the
#                        real one, so fio's verify may fail here
#   write-after-rsp      the target RDMA-Writes an answered read's buffer
#                        again 200 ms later: the write must fail at the
#                        fabric (the target logs it), the connection drops,
#                        and no garbage reaches the data; with and without
#                        Send with Invalidate
#   inv-when-off         iser_dm loaded with force_no_send_inv=1, the target
#                        invalidates the task's STag anyway: a protocol error
# Each scenario must leave a kernel log line matching its pattern, end fio
# within a time bound with a clean verify pass (except early-response: then
# the session must be logged in and readable), and log out cleanly.  The
# kernel log must hold no warning or oops (checked on exit), and the
# modules unload with the RDMA resources back where they began.
#
# dup-response-read is what tells the fix from the defect: the second copy
# arrives before our LOCAL_INV of the first completes (the target posts
# both at once and the CQ is handled in order), so it must be the protocol
# error; the code before the task-lifetime rework delivered it and
# completed the command ("not outstanding" was then printed by the held
# first copy).  rxe and siw map buffers virtually (ib_uses_virt_dma()), so
# an early unmap is invisible in the data there: swiotlb=force would not
# show it, and the log line is the evidence.
#
# HOSTILE_ONLY="label ..." narrows the run (debugging).
# fabrics: rxe
# vm-timeout: 600
set -euo pipefail
# shellcheck source=tools/guest-lib.sh
. "$(dirname "$0")/../../tools/guest-lib.sh"

# shellcheck source=tests/vm/lib/evil.sh
. "$(dirname "$0")/lib/evil.sh"

# label ; target scenario ; target options ; iser_dm parameters ; kernel log
# line of ours that must appear (an ERE, "|" allowed) ; a line the target's
# log must show (or empty) ; "verify": fio's verify must pass, "any": it may
# fail, the session must recover.  Fields are split at ";".
dup_want='iser_dm.*protocol error.*second SCSI Response|iscsi_da.*not outstanding \(late or duplicate\)'
late_want='iser_dm.*(receive failed|disconnected|connection failed)'
scenarios=(
	"dup-response-read;dup-response-read;--after 10;;iser_dm.*protocol error.*second SCSI Response;sent twice;verify"
	"dup-response-inv;dup-response-inv;--after 10 --send-inv;;$dup_want;sent twice;verify"
	"early-response;early-response;--after 40;;protocol error.*SCSI Response before its command was sent|not outstanding|ITT never issued;early-response: [1-9][0-9]* SCSI Responses;any"
	"write-after-rsp;write-after-rsp;--after 10;;$late_want;late write to rkey 0x[0-9a-f]+ failed;verify"
	"write-after-rsp-inv;write-after-rsp;--after 10 --send-inv;;$late_want;late write to rkey 0x[0-9a-f]+ failed;verify"
	"inv-when-off;inv-when-off;--after 10 --send-inv;force_no_send_inv=1;protocol error.*Send with Invalidate, which we did not offer;though the initiator said it does not support it;verify"
)

rig_setup
rig_iscsid_up
res0=$(evil_rdma_res)
params=""
rig_load_ours


for entry in "${scenarios[@]}"; do
	IFS=';' read -r label scen opts mparams want ewant mode <<<"$entry"
	elog=$RIG_OUT/evil-$label.log
	if ! evil_wanted "$label"; then
		continue
	fi
	if [ "$mparams" != "$params" ]; then
		rig_unload_ours || rig_die "modules do not unload before scenario $label"
		# shellcheck disable=SC2086  # the parameters are words
		rig_load_ours $mparams
		params=$mparams
	fi
	evil_start "$scen" "$opts"
	k0=$(dmesg | wc -l)
	t0=$SECONDS
	if ! evil_login; then
		evil_fail "$label" "no login or no disk before the scenario fired"
		evil_logout || true
		evil_stop || true
		continue
	fi
	dev=$(rig_disks | head -1)
	rc=0
	evil_fio "$label" "$dev" || rc=$?
	secs=$((SECONDS - t0))
	# The late write comes 200 ms after the answer: maybe after fio's end.
	[ -z "$ewant" ] || rig_wait 10 grep -Eq -- "$ewant" "$elog" || true
	dmesg | tail -n +"$((k0 + 1))" >"$RIG_OUT/klog-$label.txt"
	conns=$(grep -c 'iser_dm: connected to' "$RIG_OUT/klog-$label.txt") || true
	bad=$(grep -E -m 1 "$RIG_KLOG_BAD" "$RIG_OUT/klog-$label.txt") || true
	fio_note="fio verify clean"
	evil_fio_clean "$label" || fio_note="fio verify NOT clean (exit $rc, allowed here)"
	if ! grep -q "fired on ITT" "$elog"; then
		evil_fail "$label" "the target never misbehaved (the test proves nothing)"
	elif [ $rc = 124 ]; then
		evil_fail "$label" "fio hung (no completion within 180 s)"
	elif [ "$mode" = verify ] && { [ $rc != 0 ] || ! evil_fio_clean "$label"; }; then
		grep -E 'verify|err=|error' "$RIG_OUT/fio-$label.log" | head -n 5 | sed 's/^/    fio: /'
		evil_fail "$label" "fio did not complete a clean verify pass (exit $rc)"
	elif [ "$mode" = any ] && ! { rig_wait_logged_in 60 &&
		timeout 60 dd if="$dev" of=/dev/null bs=1M count=4 iflag=direct status=none; }; then
		evil_fail "$label" "the session did not recover: not logged in, or the disk does not read"
	elif ! grep -Eq -- "$want" "$RIG_OUT/klog-$label.txt"; then
		evil_fail "$label" "no kernel log line matching /$want/"
	elif [ -n "$ewant" ] && ! grep -Eq -- "$ewant" "$elog"; then
		evil_fail "$label" "the target's log has no line matching /$ewant/"
	else
		line=$(grep -E -m 1 -- "$want" "$RIG_OUT/klog-$label.txt") || true
		rig_log "ok: scenario $label: $fio_note in ${secs} s, $conns iSER connection(s) with discovery's; $line"
	fi
	# Counted by the exit check (which knows the in-tree reports); named here.
	[ -z "$bad" ] || rig_log "scenario $label: kernel report: $bad"
	if ! evil_logout; then
		evil_fail "$label" "logout failed or a session remains"
		break
	fi
	evil_stop || evil_fail "$label" "the target did not exit cleanly"
done

rig_unload_ours || rig_die "modules do not unload after the hostile scenarios"
res1=$(evil_rdma_res)
[ "$res0" = "$res1" ] || rig_die "RDMA resources differ after unload: before: $res0 after: $res1"
[ "$evil_fails" = 0 ] || rig_die "$evil_fails task-lifetime scenario(s) failed"
rig_log "PASS: ours against every task-lifetime scenario: logged, recovered, fio verify clean, modules unloaded"
