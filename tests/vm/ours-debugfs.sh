#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The state view (/sys/kernel/debug/iscsi_da, Documentation/tracing.rst):
# a session's directory appears at login with root-only files that name
# it as the kernel log does; under fio they show the CmdSN window moving,
# outstanding tasks with their ITT, age and iSER state (rkeys), the QP in
# RTS (the QP number the RDMA core reports) and the pools.  Readers loop
# over every file while the RDMA device is deleted under fio, while the
# session recovers on its return, and while it logs out: every read
# returns (no hang), the view shows the connection failed while the
# device is gone, the directory goes with the session, the kernel log
# stays clean (under the debug kernel KASAN watches the reads), the
# modules unload and take the view with them.
# vm-timeout: 300
# fabrics: rxe siw
# siw: patched
set -euo pipefail
# shellcheck source=tools/guest-lib.sh
. "$(dirname "$0")/../../tools/guest-lib.sh"

view=/sys/kernel/debug/iscsi_da
link=${RIG_FABRIC}0
# One VM: a wildcard iSER listener survives the device's removal (see
# ours-link-delete.sh).
# shellcheck disable=SC2034  # read by guest-lib.sh
RIG_PORTAL_IP=0.0.0.0
rig_up_ours
[ -d $view ] || rig_die "no $view after loading iscsi_da"
rig_login
sid=$(basename /sys/class/iscsi_session/session* | sed 's/^session//')
d=$view/session$sid
for f in session conn0; do
	[ -f "$d/$f" ] || rig_die "no $d/$f: $(ls -R $view)"
	[ "$(stat -c %a "$d/$f")" = 400 ] || rig_die "$d/$f is mode $(stat -c %a "$d/$f"), not 400"
done

# expect FILE ERE WHAT: the file's text has a matching line.
expect() {
	cat "$1" >"$RIG_OUT/view.txt" || rig_die "reading $1 failed"
	grep -Eq -- "$2" "$RIG_OUT/view.txt" ||
		{ sed 's/^/    /' "$RIG_OUT/view.txt"; rig_die "$1 shows no $3"; }
}
expect "$d/session" "^session $sid: LOGGED_IN, host[0-9]+, datamover iser$" "logged-in session"
expect "$d/session" "^  TargetName: $RIG_IQN$" "target name"
expect "$d/session" "^  CHAP: none$" "CHAP mode"
expect "$d/conn0" "^session $sid conn 0: FFP, full feature phase$" "connection in FFP"
expect "$d/conn0" "^  endpoint FFP: ep [0-9]+ to $RIG_IP:$RIG_PORT$" "endpoint in FFP"
# siw's query_qp leaves the state out (the view says so); rxe reports it.
if [ "$RIG_FABRIC" = siw ]; then
	expect "$d/conn0" "^  QP 0x[0-9a-f]+: state not reported by the driver$" "QP"
else
	expect "$d/conn0" "^  QP 0x[0-9a-f]+: RTS$" "QP in RTS"
fi
expect "$d/conn0" "^  MR pool: [0-9]+ MRs of [0-9]+ pages, [0-9]+ in use$" "MR pool"
expect "$d/conn0" "^  receive ring: [1-9][0-9]* buffers" "receive ring"
# The QP number joins the view to the RDMA core's resource tracking.
qpn=$((16#$(sed -n 's/^  QP 0x\([0-9a-f]*\): .*/\1/p' "$RIG_OUT/view.txt")))
rdma res show qp lqpn "$qpn" | grep -q "lqpn $qpn " ||
	rig_die "QP $qpn of the view is not in rdma res show qp: $(rdma res show qp | tr -s ' ' | tr '\n' ';')"
rig_log "view of session $sid: $(grep -E '^session|QP 0x|MR pool' "$RIG_OUT/view.txt" | tr -s ' ' | tr '\n' ';')"
sed 's/^/    /' "$d/session"

dev=$(rig_disks | head -1)
rig_fio_bg view "$dev" 40
cmdsn0=$(sed -n 's/^  CmdSN \([0-9]*\) .*/\1/p' "$d/session")
# Outstanding tasks: catch reads and writes in flight with their rkeys.
seen_task="" t_end=$((SECONDS + 20))
while [ -z "$seen_task" ] && [ $SECONDS -lt $t_end ]; do
	cat "$d/conn0" >"$RIG_OUT/view.txt"
	n=$(grep -c '^  tag ' "$RIG_OUT/view.txt" || true)
	[ "$(sed -n 's/^  (\([0-9]*\))$/\1/p' "$RIG_OUT/view.txt")" = "$n" ] ||
		{ cat "$RIG_OUT/view.txt"; rig_die "the task count does not match the task lines"; }
	seen_task=$(grep -E '^  tag +[0-9]+ itt 0x[0-9a-f]{8} CmdSN [0-9]+ lun 0 op 0x(28|2a) len [0-9]+ ACTIVE age [0-9]+ ms \| iser (ACTIVE|RESPONDED).* (in|out) [0-9]+ segs' \
		"$RIG_OUT/view.txt" | head -1) || true
done
[ -n "$seen_task" ] || { cat "$RIG_OUT/view.txt"; rig_die "no outstanding READ/WRITE with its iSER state in 20 s of fio"; }
rig_log "a task in flight: $seen_task"
rig_log "the connection's view then:"
sed 's/^/    /' "$RIG_OUT/view.txt"
cmdsn1=$(sed -n 's/^  CmdSN \([0-9]*\) .*/\1/p' "$d/session")
[ "$cmdsn1" -gt "$cmdsn0" ] || rig_die "CmdSN did not move under fio ($cmdsn0, then $cmdsn1)"

# Readers over every file of the view, until told to stop.
reader() {
	local n=0 f
	while [ ! -e "$RIG_OUT/stop-readers" ]; do
		for f in "$view"/session*/*; do
			cat "$f" >/dev/null 2>&1 || true
			n=$((n + 1))
		done
	done
	echo $n >"$RIG_OUT/reads-$1"
}
rm -f "$RIG_OUT/stop-readers"
reader 1 & r1=$!
reader 2 & r2=$!

rig_log "rdma link delete $link under fio, readers looping"
rig_bounded 60 "rdma link delete $link" rdma link delete "$link"
rig_wait 20 sh -c "grep -Eq '^session $sid conn 0: (FAILED|STOPPED)|^datamover: not bound' $d/conn0" ||
	{ cat "$d/conn0"; rig_die "the view does not show the connection failed with the device gone"; }
rig_log "with the device gone: $(head -1 "$d/conn0"); $(grep '^datamover' "$d/conn0")"
expect "$d/session" "^session $sid: FAILED," "failed session"
sleep 3
rig_bounded 60 "rdma link add $link" rdma link add "$link" type "$RIG_FABRIC" netdev eth0
rig_wait_logged_in 60 || rig_die_blocked "no re-login within 60 s of the device's return"
expect "$d/conn0" "^session $sid conn 0: FFP, full feature phase$" "connection back in FFP"
rig_fio_wait view
rig_log "recovered; logout with the readers looping"
rig_logout
[ ! -e "$d" ] || rig_die "$d is still there after logout"
: >"$RIG_OUT/stop-readers"
rig_await $r1 30 "view reader 1"
rig_await $r2 30 "view reader 2"
rig_log "readers: $(cat "$RIG_OUT/reads-1") and $(cat "$RIG_OUT/reads-2") file reads"
[ "$(cat "$RIG_OUT/reads-1")" -gt 20 ] || rig_die "reader 1 read only $(cat "$RIG_OUT/reads-1") files"
rig_klog_clean "the view read during device removal and logout"
rig_unload_ours || rig_die "unload failed"
[ ! -e $view ] || rig_die "$view is still there after unloading iscsi_da"
rig_log "PASS: the state view over $RIG_FABRIC: contents, reads during device removal, recovery and logout"
