#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Login/logout loop and logins that must fail.  $ROUNDS rounds of login, a
# short read, logout; then a closed port, a wrong IQN and a bad CHAP secret
# (the target requires CHAP for this part), each failing with a clear
# error and leaving no session; then the right secret logs in; then mutual
# CHAP: the right secrets log in and pass fio verify, a wrong copy of the
# target's secret fails the login as clearly.  Afterwards
# the RDMA resources (PDs, CQs, QPs, MRs, CM ids) and the module reference
# counts are back where they started, and so is every object in the
# kmalloc caches allocated through our modules (by allocation site, from
# slub_debug's traces; our modules have no slab caches of their own):
# nothing leaked, not even an object something still points to, which
# kmemleak would not report.  ROUNDS=200 makes it a soak (TEST_ENV=
# "ROUNDS=200" tests/run login-loop).
# vm-timeout: 600
# vm-append: slub_debug=U,kmalloc-*
# fabrics: rxe siw
set -euo pipefail
. "$(dirname "$0")/../../tools/guest-lib.sh"

ROUNDS=${ROUNDS:-25}
rig_setup
rig_iscsid_up
rig_target_up --chap riguser rigsecret12345
rig_load_ours

no_session() {
	rig_no_sessions || rig_die "$1: a session remains"
}
set_auth() {
	iscsiadm -m node -T "$RIG_IQN" -p "$RIG_IP:$RIG_PORT" -I iser -o update -n node.session.auth.authmethod -v CHAP
	iscsiadm -m node -T "$RIG_IQN" -p "$RIG_IP:$RIG_PORT" -I iser -o update -n node.session.auth.username -v riguser
	iscsiadm -m node -T "$RIG_IQN" -p "$RIG_IP:$RIG_PORT" -I iser -o update -n node.session.auth.password -v "$1"
}

iscsiadm -m discovery -t st -p "$RIG_IP:$RIG_PORT" -I iser >/dev/null || rig_die "discovery failed"
set_auth rigsecret12345
# The RDMA objects of everyone but the target (LIO's ib_isert shares the
# device in this one-VM rig), by type, and the module references.  A QP
# is listed as rdma_cm's: it is the target's if an ib_isert cm_id has it.
initiator_resources() {
	local r isert_qpns
	isert_qpns=$(rdma resource show cm_id | awk '/comm \[ib_isert\]/ {
		for (i = 1; i < NF; i++) if ($i == "lqpn") print $(i + 1) }')
	{
		for r in pd cq cm_id mr; do
			echo "$r $(rdma resource show "$r" | grep -vc 'comm \[ib_isert\]')"
		done
		echo "qp $(rdma resource show qp | awk -v skip="$isert_qpns" '
			BEGIN { n = split(skip, a); for (i = 1; i <= n; i++) isert[a[i]] = 1 }
			{ for (i = 1; i < NF; i++) if ($i == "lqpn" && !($(i + 1) in isert)) q++ }
			END { print q + 0 }')"
		for r in iscsi_da iser_dm scsi_transport_iscsi rdma_cm ib_core; do
			echo "$r refcnt $(cat "/sys/module/$r/refcnt")"
		done
	} >"$1"
}
initiator_resources "$RIG_OUT/before.txt"
rig_slab_ours "$RIG_OUT/slab-before.txt" || rig_die "no slub_debug allocation traces (boot with slub_debug=U,kmalloc-*)"
t0=$SECONDS
for i in $(seq 1 "$ROUNDS"); do
	iscsiadm -m node -T "$RIG_IQN" -p "$RIG_IP:$RIG_PORT" -I iser --login >"$RIG_OUT/login.log" 2>&1 ||
		{ cat "$RIG_OUT/login.log"; rig_die "round $i: login failed"; }
	rig_wait 30 rig_have_disks ||
		rig_die "round $i: no disk"
	dev=$(rig_disks | head -1)
	dd if="$dev" of=/dev/null bs=64k count=16 iflag=direct status=none || rig_die "round $i: read failed"
	if [ "$i" = 1 ]; then
		# The check below must see what a session holds, or it proves nothing.
		rig_slab_ours "$RIG_OUT/slab-session.txt"
		[ -s "$RIG_OUT/slab-session.txt" ] || rig_die "no kmalloc object of a session is traced to our modules"
		rig_log "kmalloc objects held through our modules with a session up: $(awk '{ n += $2 } END { print n }' "$RIG_OUT/slab-session.txt") at $(wc -l <"$RIG_OUT/slab-session.txt") sites"
	fi
	iscsiadm -m node -U all >/dev/null 2>&1 || rig_die "round $i: logout failed"
	rig_wait 20 rig_no_sessions || rig_die "round $i: session remains"
	[ $((i % 5)) = 0 ] && rig_log "login/logout: $i of $ROUNDS rounds, $((SECONDS - t0)) s"
done
rig_log "$ROUNDS rounds in $((SECONDS - t0)) s"

rig_log "a closed port"
iscsiadm -m discovery -t st -p "$RIG_IP:3999" -I iser >"$RIG_OUT/bad.log" 2>&1 &&
	rig_die "discovery on a closed port succeeded"
rig_log "  -> $(tail -n 1 "$RIG_OUT/bad.log")"
no_session "closed port"

rig_log "a wrong IQN"
iscsiadm -m node -o new -T iqn.2003-01.org.example:nosuch -p "$RIG_IP:$RIG_PORT" -I iser >/dev/null
# iscsid retries a login LIO answers "target not found" every 3 s, eight
# times by default (its policy, the same for every transport): once is enough.
iscsiadm -m node -T iqn.2003-01.org.example:nosuch -p "$RIG_IP:$RIG_PORT" -I iser -o update \
	-n node.session.initial_login_retry_max -v 1 >/dev/null
iscsiadm -m node -T iqn.2003-01.org.example:nosuch -p "$RIG_IP:$RIG_PORT" -I iser --login >"$RIG_OUT/bad.log" 2>&1 &&
	rig_die "login to a wrong IQN succeeded"
rig_log "  -> $(grep -iE 'error|fail' "$RIG_OUT/bad.log" | tail -n 1)"
# iscsid reports "login failure" or, when its login timer wins the race
# against the target's reject, "connection timed out" (seen both ways):
# either is an error; the target must have refused the name itself.
grep -qiE 'not found|login.*(fail|error)|timed out' "$RIG_OUT/bad.log" || rig_die "no clear error for a wrong IQN"
rig_klog_has 'Unable to locate Target IQN: iqn.2003-01.org.example:nosuch' ||
	rig_die "the target never saw the wrong IQN"
iscsiadm -m node -o delete -T iqn.2003-01.org.example:nosuch >/dev/null 2>&1 || true
no_session "wrong IQN"

rig_log "a bad CHAP secret"
set_auth wrongsecret12345
iscsiadm -m node -T "$RIG_IQN" -p "$RIG_IP:$RIG_PORT" -I iser --login >"$RIG_OUT/bad.log" 2>&1 &&
	rig_die "login with a bad CHAP secret succeeded"
rig_log "  -> $(grep -iE 'error|fail' "$RIG_OUT/bad.log" | tail -n 1)"
grep -qi 'auth' "$RIG_OUT/bad.log" || rig_die "no authentication error for a bad CHAP secret"
no_session "bad CHAP"
# rig_login discovers again, which rewrites the node record: give it the
# CHAP settings to apply.
RIG_NODE_SETTINGS="node.session.auth.authmethod=CHAP node.session.auth.username=riguser node.session.auth.password=rigsecret12345" \
	rig_login
rig_fio_verify "$(rig_disks | head -1)" 8m
rig_logout

# Mutual CHAP: the target proves itself too.  With both secrets right,
# login and fio verify; then with the initiator's copy of the target's
# secret wrong, the initiator must refuse the target (iscsid checks
# CHAP_R): a clear failure, no session.  In that order: once an initiator
# has refused its CHAP_R, LIO (6.1) keeps that connection for good and
# times out every later login of that initiator (15 s, "Login timeout on
# Network Portal"; ib_iser the same, and restarting iscsid does not help).
rig_chap_mutual rigtarget targetsecret678
mutual=(node.session.auth.username_in=rigtarget node.session.auth.password_in)
rig_log "mutual CHAP, both secrets right"
RIG_NODE_SETTINGS="node.session.auth.authmethod=CHAP node.session.auth.username=riguser node.session.auth.password=rigsecret12345 ${mutual[0]} ${mutual[1]}=targetsecret678" \
	rig_login
iscsiadm -m session -P 3 | grep -q "username_in: rigtarget" ||
	rig_die "iscsiadm -P 3 shows no mutual CHAP name for the session"
rig_fio_verify "$(rig_disks | head -1)" 8m
rig_logout
rig_log "mutual CHAP, the target's secret wrong on the initiator"
iscsiadm -m node -T "$RIG_IQN" -p "$RIG_IP:$RIG_PORT" -I iser -o update -n "${mutual[1]}" -v wrongtarget9876
k0=$(dmesg | wc -l)
iscsiadm -m node -T "$RIG_IQN" -p "$RIG_IP:$RIG_PORT" -I iser --login >"$RIG_OUT/bad.log" 2>&1 &&
	rig_die "login succeeded though the target's mutual CHAP secret is wrong"
rig_log "  -> $(grep -iE 'error|fail' "$RIG_OUT/bad.log" | tail -n 1)"
# iscsid itself refuses the target's CHAP_R: "non-retryable iSCSI login
# failure" (ISCSI_ERR_FATAL_LOGIN; a target refusing the initiator's
# secret is error 24, as above), and LIO has nothing to complain of.
grep -q 'non-retryable iSCSI login failure' "$RIG_OUT/bad.log" ||
	rig_die "iscsid did not refuse the login for a wrong mutual CHAP secret"
if dmesg | tail -n +"$((k0 + 1))" | grep -E 'iSCSI Login negotiation failed|CHAP|[Aa]uthenticat'; then
	rig_die "the target refused the login: the wrong mutual secret was not what failed it"
fi
no_session "wrong mutual CHAP secret"

# Without LIO's objects: after the refused mutual CHAP, LIO (6.1) keeps
# that login's connection (its cm_id in DISCONNECT, its QP and PD) for
# good, the same with ib_isert's peer ib_iser.
same_resources() {
	initiator_resources "$RIG_OUT/after.txt"
	cmp -s "$RIG_OUT/before.txt" "$RIG_OUT/after.txt"
}
if ! rig_wait 10 same_resources; then
	diff -u "$RIG_OUT/before.txt" "$RIG_OUT/after.txt"
	rdma resource show qp
	rdma resource show cm_id
	rig_die "RDMA resources of the initiator or module references differ after the loop"
fi
sed 's/^/    /' "$RIG_OUT/after.txt"
# slab_grew: the cache/caller/ours sites holding more objects than before
# the loop ("SITE BEFORE AFTER" lines), none if all is back.
slab_grew() {
	rig_slab_ours "$RIG_OUT/slab-after.txt"
	join -a 2 -e 0 -o 0,1.2,2.2 "$RIG_OUT/slab-before.txt" "$RIG_OUT/slab-after.txt" | awk '$3 > $2'
}
# The kernfs nodes of the last sessions (about 17 names, under
# isda_create_session and isda_create_conn) can stay pinned for a minute
# after the logout; iscsid holds some of them until it exits.  So iscsid
# is stopped, and the check repeats until every site is back or the
# deadline passes (one pass reads every kmalloc cache's traces: ~30 s).
pkill -TERM -x iscsid || rig_die "iscsid is gone"
rig_wait 10 sh -c '! pgrep -x iscsid' || rig_die "iscsid does not exit"
t1=$SECONDS deadline=180
case $(uname -r) in *-dadebug) deadline=540 ;; esac
while grew=$(slab_grew) && [ -n "$grew" ] && [ $((SECONDS - t1)) -lt $deadline ]; do
	rig_log "still held through our modules after $((SECONDS - t1)) s: $(echo "$grew" | awk '{ n += $3 - $2 } END { print n }') objects"
	sleep 5
done
if [ -n "$grew" ]; then
	echo "$grew" | sed 's/^/    cache\/caller\/ours before after: /'
	rig_die "objects allocated through our modules are still held $((SECONDS - t1)) s after the loop"
fi
rig_log "kmalloc objects held through our modules: $(awk '{ n += $2 } END { print n + 0 }' "$RIG_OUT/slab-after.txt") after the loop, as before it (settled in $((SECONDS - t1)) s)"
rig_unload_ours || rig_die "unload failed"
rig_log "PASS: $ROUNDS login/logout rounds, closed port, wrong IQN, bad CHAP, mutual CHAP; nothing leaked"
