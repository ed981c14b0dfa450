#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Allocation failures on the control path (debug kernel only: failslab).
# iscsid's own system calls drive session, connection and endpoint set-up
# and teardown in both modules; failslab fails 1 in $PERCENT of the slab
# allocations made in iscsid's context (task filter, sleeping allocations
# included) for $ROUNDS rounds of login, a short read and write, logout.
# A login may fail; nothing may warn, oops, hang or leak.  Afterwards, with
# failslab off, a clean login passes fio verify, the RDMA resources and the
# module references are back where they started, the modules unload, and
# rig_exit_check's kmemleak scan finds nothing allocated through ours.
# vm-timeout: 900
# kernel: debug
set -euo pipefail
. "$(dirname "$0")/../../tools/guest-lib.sh"

ROUNDS=${ROUNDS:-10}
PERCENT=${PERCENT:-5}
FS=/sys/kernel/debug/failslab
[ -d "$FS" ] || rig_die "no $FS: this test needs the debug kernel (tools/debug-kernel.sh)"

rig_up_ours
snapshot() {
	{
		rdma resource show | sed 's/^[0-9]*: //'
		for m in iscsi_da iser_dm scsi_transport_iscsi rdma_cm ib_core; do
			echo "$m refcnt $(cat /sys/module/$m/refcnt)"
		done
	} >"$1"
}
sessions_gone() {
	iscsiadm -m node -U all >/dev/null 2>&1 || true
	rig_wait 60 sh -c '! ls /sys/class/iscsi_session/session* >/dev/null 2>&1'
}
failslab() {
	echo "$1" >$FS/probability
}
injected() { dmesg | grep -c 'FAULT_INJECTION: forcing a failure' || true; }
# within SECS WHAT CMD...: CMD's exit status; a CMD stuck in the kernel
# (timeout(1) could not kill it) fails the test with the blocked tasks.
within() {
	local secs=$1 what=$2 pid rc=0
	shift 2
	"$@" &
	pid=$!
	rig_wait "$secs" sh -c "! kill -0 $pid" || rig_die_blocked "$what: still running after $secs s"
	wait $pid || rc=$?
	return $rc
}

iscsiadm -m discovery -t st -p "$RIG_IP:$RIG_PORT" -I iser >/dev/null || rig_die "discovery failed"
# iscsid retries a failed login on its own; once per round is enough here.
iscsiadm -m node -T "$RIG_IQN" -p "$RIG_IP:$RIG_PORT" -I iser -o update \
	-n node.session.initial_login_retry_max -v 1 >/dev/null
snapshot "$RIG_OUT/before.txt"

echo 1 >$FS/task-filter
echo N >$FS/ignore-gfp-wait
echo 1 >$FS/verbose
echo -1 >$FS/times
echo 1 >$FS/interval
failslab 0
# iscsid runs as two processes; both make the calls.
for p in $(pidof iscsid); do echo 1 >"/proc/$p/make-it-fail"; done

ok=0 t0=$SECONDS
for i in $(seq 1 "$ROUNDS"); do
	pidof iscsid >/dev/null || rig_die "round $i: iscsid died (allocation failures in its own calls)"
	failslab "$PERCENT"
	if within 120 "round $i: login" iscsiadm -m node -T "$RIG_IQN" -p "$RIG_IP:$RIG_PORT" \
		-I iser --login >"$RIG_OUT/login-$i.log" 2>&1 &&
		rig_wait 30 sh -c 'ls -d /sys/class/iscsi_session/session*/device/target*/*/block/* >/dev/null 2>&1'; then
		dev=$(rig_disks | head -1)
		if within 120 "round $i: read" dd if="$dev" of=/dev/null bs=64k count=4 iflag=direct status=none &&
			within 120 "round $i: write" dd if=/dev/zero of="$dev" bs=64k count=4 seek=64 \
				oflag=direct status=none; then
			ok=$((ok + 1))
		fi
	fi
	within 120 "round $i: logout" iscsiadm -m node -U all >/dev/null 2>&1 || true
	failslab 0
	sessions_gone || rig_die "round $i: a session is left after logout"
	[ $((i % 5)) = 0 ] &&
		rig_log "failslab: $i of $ROUNDS rounds, $ok with I/O, $(injected) failures injected, $((SECONDS - t0)) s"
done
for p in $(pidof iscsid); do echo 0 >"/proc/$p/make-it-fail"; done
n=$(injected)
rig_log "failslab: $ROUNDS rounds, $ok logged in and did I/O, $n allocation failures injected"
[ "$n" -gt 0 ] || rig_die "failslab injected nothing: the test tested nothing"

rig_log "failslab off: a clean login must work"
rig_login
rig_fio_verify "$(rig_disks | head -1)" 8m
rig_logout
sleep 2
snapshot "$RIG_OUT/after.txt"
diff -u "$RIG_OUT/before.txt" "$RIG_OUT/after.txt" ||
	rig_die "RDMA resources or module references differ after the failslab rounds"
rig_unload_ours || rig_die "modules do not unload after the failslab rounds"
rig_log "PASS: $ROUNDS rounds under failslab ($n failures injected), nothing leaked, clean login after"
