#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Race windows of a command's life, held open on purpose.  Under TCG a
# vCPU is rarely preempted inside a window of a few instructions, so the
# races the task-lifetime rework closed cannot be left to chance: the test
# build's hold hook (include/iscsi_dm_fault.h: hold_window, hold_ms) stops
# the next pass through a named window for a while, logs it, and the test
# acts while the window is open.  Against the hostile target
# (tests/hostile/iser-evil-target):
#   forged-in-window    a read is held after its keys are registered and
#                       before it is posted (iser_dm window read-mapped);
#                       the target is told its ITT and sends a GOOD SCSI
#                       Response for it.  A response for a command not yet
#                       sent must be a protocol error: the read is retried
#                       after re-login and returns the right bytes.  Before
#                       the rework it completed the read with no data
#                       (dd got zeros) and then sent the command anyway.
#   delete-in-reserved  a read is held past its state check, its send
#                       descriptors reserved and its buffers not yet mapped
#                       (window read-reserved), while `rdma link delete`
#                       removes the device: removal must wait for the
#                       sender (the QP, MR pool and PD are freed after it),
#                       no oops or slab corruption (slub_debug poisons
#                       freed objects), re-login after the device is back
#                       (the target, on the same device, restarts with a
#                       new, zeroed LUN) and the read ends with its data.
#                       Before the rework the sender mapped the read
#                       through the freed QP's MR pool.
#   delete-in-mapped    the same in window read-mapped
#   delete-in-login     the same with a login PDU held past its state check
#                       in iser_dm's login send (window login-send): before
#                       the rework removal freed the login buffer and put
#                       the device under it; then a clean login
#   failfast-in-cleanup replacement_timeout=0; the target stalls on a read
#                       and keeps RDMA-Writing its buffer (--scribble); the
#                       class's cleanup is held before Connection_Terminate
#                       (iscsi_da window cleanup), so the recovery timeout
#                       fails the command first.  The read must fail only
#                       once its key is closed: tests/vm/lib/read-watch.py
#                       zeroes the buffer when the read returns and must see
#                       it untouched for 3 s.  Before the rework the read
#                       failed with the QP live and the target's writes
#                       landed in the buffer afterwards.
# The kernel log must hold no warning, oops or slab report, and the modules
# unload with the RDMA resources back where they began.
#
# HOSTILE_ONLY="label ..." narrows the run (debugging).
# fabrics: rxe
# vm-timeout: 600
# vm-append: slub_debug=FZP
set -euo pipefail
# shellcheck source=tools/guest-lib.sh
. "$(dirname "$0")/../../tools/guest-lib.sh"

# shellcheck source=tests/vm/lib/evil.sh
. "$(dirname "$0")/lib/evil.sh"

link=${RIG_FABRIC}0
hold_long=5000
case $(uname -r) in *-dadebug) hold_long=15000 ;; esac
forge=$RIG_OUT/forge-itt
watch=$(dirname "$0")/lib/read-watch.py

# hold MODULE WINDOW MS: arm the module's hold hook.
hold() {
	echo "$3" >"/sys/module/$1/parameters/hold_ms"
	echo "$2" >"/sys/module/$1/parameters/hold_window"
}

# held WINDOW SINCE: wait for the hold line after dmesg line SINCE; print
# the id it names (hex, without 0x).
held() {
	local id="" i

	for ((i = 0; i < 200; i++)); do
		id=$(dmesg | tail -n +"$(($2 + 1))" |
			sed -n "s/.*fault injection: holding 0x\([0-9a-f]*\) in window $1 .*/\1/p" | head -1)
		[ -n "$id" ] && break
		sleep 0.1
	done
	[ -n "$id" ] && echo "$id"
}

# pattern: 64 KiB of random bytes at the start of the disk, for reading back.
pattern() {
	head -c 65536 /dev/urandom >"$RIG_OUT/pattern"
	dd if="$RIG_OUT/pattern" of="$1" bs=64k count=1 oflag=direct conv=fsync status=none
}

# readback_ok DEV FILE: the first 64 KiB of DEV read back as FILE.
readback_ok() {
	timeout 60 dd if="$1" of="$RIG_OUT/back" bs=64k count=1 iflag=direct status=none &&
		cmp -s "$2" "$RIG_OUT/back"
}

case_forged() {
	local dev itt ddpid rc=0

	evil_start good "--forge-file $forge"
	evil_login || { evil_fail forged-in-window "no login"; return; }
	dev=$(rig_disks | head -1)
	pattern "$dev"
	k0=$(dmesg | wc -l)
	# Long: the other vCPU runs the test, the target and both ends of rxe
	# (the debug kernel reacts in about 7 s).
	hold iser_dm read-mapped "$hold_long"
	timeout 90 dd if="$dev" of="$RIG_OUT/back" bs=64k count=1 iflag=direct status=none &
	ddpid=$!
	if ! itt=$(held read-mapped "$k0"); then
		evil_fail forged-in-window "the read never reached the window"
		wait $ddpid || true
		return
	fi
	rig_log "ITT 0x$itt held; the target forges its response"
	echo "$itt" >"$forge"
	kill -USR1 "$evil_pid"
	rig_wait 5 grep -q "forged a GOOD SCSI Response for ITT 0x0*$itt" "$elog" ||
		{ evil_fail forged-in-window "the target did not forge the response"; wait $ddpid || true; return; }
	wait $ddpid || rc=$?
	if [ $rc != 0 ]; then
		evil_fail forged-in-window "the held read failed (dd exit $rc)"
	elif ! cmp -s "$RIG_OUT/pattern" "$RIG_OUT/back"; then
		evil_fail forged-in-window "the held read completed with the wrong data: $(cmp "$RIG_OUT/pattern" "$RIG_OUT/back" 2>&1 | head -1)"
	elif ! rig_klog_has 'iser_dm.*protocol error.*SCSI Response before its command was sent'; then
		evil_fail forged-in-window "no protocol error logged for the forged response"
	elif ! { rig_wait_logged_in 60 && readback_ok "$dev" "$RIG_OUT/pattern"; }; then
		evil_fail forged-in-window "no re-login, or the disk reads wrong after it"
	else
		rig_log "ok: forged-in-window: ITT 0x$itt held, forged GOOD logged as a protocol error, the read retried with the right data"
	fi
	evil_logout || evil_fail forged-in-window "logout failed or a session remains"
	evil_stop || evil_fail forged-in-window "the target did not exit cleanly"
}

# delete_held LABEL WINDOW ID: with ID held in WINDOW, delete the RDMA
# device, see the holder released, stop the target (its device went too),
# check the kernel log, add the device back and restart the target.
delete_held() {
	local label=$1 win=$2 id=$3 t0

	t0=$SECONDS
	rig_bounded 60 "rdma link delete $link" rdma link delete "$link"
	rig_log "$link deleted in $((SECONDS - t0)) s"
	rig_wait 10 rig_klog_has "fault injection: released 0x$id from window $win" ||
		evil_fail "$label" "the held sender was never released"
	evil_stop || true
	sleep 2
	if bad=$(dmesg | tail -n +"$((k0 + 1))" | grep -E -m 1 "$RIG_KLOG_BAD"); then
		evil_fail "$label" "kernel report after the delete: $bad"
	fi
	rig_bounded 60 "rdma link add $link" rdma link add "$link" type "$RIG_FABRIC" netdev eth0
	rig_wait 10 sh -c "rdma link show | grep -q ACTIVE" || rig_die "$link not ACTIVE after re-add"
	evil_start good
}

# case_delete LABEL WINDOW
case_delete() {
	local label=$1 win=$2 dev itt ddpid

	evil_start good
	evil_login || { evil_fail "$label" "no login"; return; }
	dev=$(rig_disks | head -1)
	k0=$(dmesg | wc -l)
	hold iser_dm "$win" 3000
	timeout 300 dd if="$dev" of="$RIG_OUT/back" bs=64k count=1 iflag=direct status=none &
	ddpid=$!
	if ! itt=$(held "$win" "$k0"); then
		evil_fail "$label" "the read never reached the window"
		wait $ddpid || true
		return
	fi
	rig_log "ITT 0x$itt held; rdma link delete $link"
	delete_held "$label" "$win" "$itt"
	if ! wait $ddpid; then
		evil_fail "$label" "the held read failed after the device came back"
	elif ! cmp -s "$RIG_OUT/zeros" "$RIG_OUT/back"; then
		# The restarted target's LUN is new: zeros.
		evil_fail "$label" "the held read returned data the new target does not hold"
	elif ! { rig_wait_logged_in 60 && readback_ok "$dev" "$RIG_OUT/zeros"; }; then
		evil_fail "$label" "no re-login after the re-add, or the disk reads wrong"
	else
		rig_log "ok: $label: the device removed with ITT 0x$itt held in window $win, no report, the read finished after re-login"
	fi
	evil_logout || evil_fail "$label" "logout failed or a session remains"
	evil_stop || evil_fail "$label" "the target did not exit cleanly"
}

# A login PDU held in iser_dm's login send (window login-send) while the
# device goes away; then a clean login once it is back.
case_login_delete() {
	local label=delete-in-login itt lpid

	evil_start good
	timeout 60 iscsiadm -m discovery -t st -p "$RIG_IP:$RIG_PORT" -I iser >/dev/null 2>&1 ||
		{ evil_fail "$label" "no discovery"; return; }
	k0=$(dmesg | wc -l)
	hold iser_dm login-send 3000
	timeout 120 iscsiadm -m node -T "$RIG_IQN" -p "$RIG_IP:$RIG_PORT" -I iser --login \
		>"$RIG_OUT/login-$label.log" 2>&1 &
	lpid=$!
	if ! itt=$(held login-send "$k0"); then
		evil_fail "$label" "the login never reached the window"
		wait $lpid || true
		return
	fi
	rig_log "login PDU ITT 0x$itt held; rdma link delete $link"
	delete_held "$label" login-send "$itt"
	# iscsiadm may report the interrupted login failed, or iscsid's retry
	# may have logged in meanwhile: either is right.  Then a clean login.
	wait $lpid || rig_log "the interrupted login: $(tail -n 1 "$RIG_OUT/login-$label.log")"
	rig_have_disks 1 ||
		timeout 60 iscsiadm -m node -T "$RIG_IQN" -p "$RIG_IP:$RIG_PORT" -I iser --login >/dev/null 2>&1 || true
	if ! { rig_wait_logged_in 60 && rig_wait 30 rig_have_disks &&
		readback_ok "$(rig_disks | head -1)" "$RIG_OUT/zeros"; }; then
		evil_fail "$label" "no login after the re-add, or the disk reads wrong"
	else
		rig_log "ok: $label: the device removed with login PDU 0x$itt held, no report, logged in after the re-add"
	fi
	evil_logout || evil_fail "$label" "logout failed or a session remains"
	evil_stop || evil_fail "$label" "the target did not exit cleanly"
}

case_failfast() {
	local dev out rc=0

	evil_start stall "--fire-on read --after 20 --scribble"
	EVIL_NODE_SETTINGS="node.session.timeo.replacement_timeout=0
		node.conn[0].timeo.noop_out_interval=2 node.conn[0].timeo.noop_out_timeout=2" \
		evil_login || { evil_fail failfast-in-cleanup "no login"; return; }
	dev=$(rig_disks | head -1)
	k0=$(dmesg | wc -l)
	hold iscsi_da cleanup 3000
	out=$(timeout 120 python3 "$watch" "$dev" 60) || rc=$?
	rig_log "$out"
	if ! grep -q 'scribble: the first write to rkey' "$elog"; then
		evil_fail failfast-in-cleanup "no write of the target's landed while the read was outstanding (proves nothing)"
	elif ! rig_klog_has 'fault injection: holding 0x[0-9a-f]* in window cleanup'; then
		evil_fail failfast-in-cleanup "the cleanup never reached the window"
	elif ! rig_klog_has 'iscsi_da.*recovery timed out'; then
		evil_fail failfast-in-cleanup "no recovery timeout (replacement_timeout=0)"
	elif [ $rc != 0 ]; then
		evil_fail failfast-in-cleanup "read-watch exit $rc: $out"
	elif ! rig_wait_logged_in 60; then
		evil_fail failfast-in-cleanup "no re-login"
	else
		rig_log "ok: failfast-in-cleanup: the read failed only after its key closed"
	fi
	evil_logout || evil_fail failfast-in-cleanup "logout failed or a session remains"
	evil_stop || evil_fail failfast-in-cleanup "the target did not exit cleanly"
}

head -c 65536 /dev/zero >"$RIG_OUT/zeros"
rig_setup
rig_iscsid_up
rig_load_ours
for c in forged-in-window:case_forged delete-in-reserved:"case_delete delete-in-reserved read-reserved" \
	delete-in-mapped:"case_delete delete-in-mapped read-mapped" delete-in-login:case_login_delete \
	failfast-in-cleanup:case_failfast; do
	label=${c%%:*}
	elog=$RIG_OUT/evil-$label.log
	evil_wanted "$label" || continue
	${c#*:}
done
rig_unload_ours || rig_die "modules do not unload after the windows"
[ "$evil_fails" = 0 ] || rig_die "$evil_fails race-window case(s) failed"
rig_log "PASS: a forged response, a device removal and a recovery timeout inside held windows: no early completion, no report"
