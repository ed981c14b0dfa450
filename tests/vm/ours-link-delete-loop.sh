#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# RDMA device removal on the initiator's host, over and over, at the
# moments ours-link-delete does not aim at.  Part one: $ROUNDS logins,
# each with `rdma link delete` timed for the device to go 0, 50, 100 ...
# ms after iscsiadm --login starts, up to a little after the full feature
# phase (resolving or connecting, connected before the login PDU, with it
# in flight, in full feature phase: the log says where each landed), then
# the device added back.  Part two: $LP_ROUNDS deletes inside a login
# phase that a slow target holds open (the evil target on the target's
# host, each login PDU answered 1.5 s late); at least one must land with
# a login PDU in flight.  Part three: $IO_ROUNDS deletes at varying points
# of fio randwrite+verify, the device added back after a varying time.
# Every delete must return within 60 s; after every round the kernel log
# must be clean (the round is named), the initiator must log in again (or
# its session come back by itself) and read from the disk, and fio's
# verify pass must be clean.  At the end: logout, the RDMA resources and
# module references as before the loops, unload.  A soak:
# TEST_ENV="ROUNDS=60" (IO_ROUNDS defaults to a fifth of ROUNDS, at least 3).
#
# Two hosts, not one VM as in ours-link-delete: with the target on the
# same device, a delete that lands inside a login hangs in the target.
# isert's DEVICE_REMOVAL handler waits, unbounded, until LIO releases the
# connection (isert_cma_handler), and LIO (6.1) never releases one whose
# login is between two PDUs: only the next login PDU, which can no longer
# come, would run its login work again.  In one VM `rdma link delete`
# hung so in two runs of three (rounds 18 and 10), and a delete between
# the connection and the first login PDU waited 15 s for the target's
# login timer.  Here the target's device stays; only ours goes.
# vm: pair
# vm-timeout: 1200
# fabrics: rxe
set -euo pipefail
. "$(dirname "$0")/../../tools/guest-lib.sh"

ROUNDS=${ROUNDS:-12}
IO_ROUNDS=${IO_ROUNDS:-$((ROUNDS / 5 > 3 ? ROUNDS / 5 : 3))}
LP_ROUNDS=${LP_ROUNDS:-$((ROUNDS / 3 > 4 ? ROUNDS / 3 : 4))}
link=${RIG_FABRIC}0
# Part two's slow target: the evil target (tests/hostile) on the
# target's host, answering every login PDU $slow_ms ms late.
slow_port=3263 slow_iqn=iqn.2003-01.org.linux-iscsi.rig:slowlogin slow_ms=1500

if [ "${RIG_ROLE:-}" = target ]; then
	rig_setup
	rig_target_up
	make -s -C "$RIG_TOP/tests/hostile" >"$RIG_OUT/hostile-build.log" 2>&1 ||
		{ cat "$RIG_OUT/hostile-build.log"; rig_die "cannot build iser-evil-target"; }
	"$RIG_TOP/.build/hostile/iser-evil-target" --addr "$RIG_IP" --port $slow_port \
		--iqn $slow_iqn --scenario good --login-delay $slow_ms >"$RIG_OUT/slow-target.log" 2>&1 &
	rig_wait 10 grep -q 'evil: listening' "$RIG_OUT/slow-target.log" ||
		{ cat "$RIG_OUT/slow-target.log"; rig_die "the slow target did not start"; }
	rig_log "slow target: $slow_iqn on $RIG_IP:$slow_port, login PDUs answered $slow_ms ms late"
	rig_signal ready
	rig_wait_signal finished 3600
	exit 0
fi

node=(-m node -T "$RIG_IQN" -p "$RIG_IP:$RIG_PORT" -I iser)

now_ms() { echo $(($(date +%s%N) / 1000000)); }
sleep_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }
# klog_since T: the kernel log from uptime T on.
klog_since() {
	dmesg >"$RIG_OUT/.klog"
	awk -v t="$1" '{ s = $0; sub(/^\[ */, "", s) } s + 0 >= t' "$RIG_OUT/.klog"
}
# removal_at T TL: when (ms after uptime TL, the login's start) and where
# the first device removal the kernel logged since uptime T found our
# endpoint: its state (iser_dm_set_state's debug lines) and how many login
# PDUs it had sent (iser_dm_login_send's).
removal_at() {
	klog_since "$1" | awk -v tl="$2" '
		found { next }
		match($0, /iser_dm: .*ep [0-9]+ to [^ ]+: /) { ep = $0; sub(/.* ep /, "", ep); sub(/ .*/, "", ep) }
		/iser_dm: .*ep [0-9]+ to [^ ]+: [A-Z]+ -> [A-Z]+$/ { st[ep] = $NF; if ($NF == "CONNECTED") tx[ep] = 0 }
		/iser_dm: .*ep [0-9]+ to [^ ]+: login tx / { tx[ep]++ }
		/iser_dm: connected to/ { conn = 1 }
		/in full feature phase/ { ffp = 1 }
		/RDMA device removed/ {
			ts = $0; sub(/^\[ */, "", ts)
			if (st[ep] == "CONNECTED" && tx[ep])
				where = "in the login phase, " tx[ep] " login PDU(s) sent"
			else if (st[ep] == "CONNECTED")
				where = "connected, before the first login PDU"
			else if (st[ep] == "FFP")
				where = "in full feature phase"
			else if (st[ep] != "")
				where = "in state " st[ep]
			else
				where = ffp ? "in full feature phase" : conn ? "connected" : "while connecting"
			printf "the removal came %d ms into the login, %s", (ts - tl) * 1000, where
			found = 1
		}
		END { if (!found) printf "no endpoint when the device went" }'
}
link_delete() {
	local t0
	t0=$(now_ms)
	rig_bounded 60 "$1: rdma link delete $link" rdma link delete "$link"
	del_ms=$(($(now_ms) - t0))
}
link_add() {
	rig_bounded 60 "$1: rdma link add $link" rdma link add "$link" type "$RIG_FABRIC" netdev eth0
	rig_wait 20 sh -c "rdma link show $link/1 | grep -q ACTIVE" ||
		rig_die "$1: $link not ACTIVE 20 s after the re-add"
}
# login WHAT: log in (bounded), wait for the disk.
login() {
	rig_bounded 120 "$1: iscsiadm --login" sh -c \
		"iscsiadm ${node[*]} --login >'$RIG_OUT/login.log' 2>&1 || { cat '$RIG_OUT/login.log'; exit 1; }"
	rig_wait 30 rig_have_disks || rig_die "$1: logged in, but no disk after 30 s"
}
logout() {
	rig_bounded 60 "$1: logout" sh -c \
		"iscsiadm -m node -U all >'$RIG_OUT/logout.log' 2>&1 || { cat '$RIG_OUT/logout.log'; exit 1; }"
	rig_wait 20 rig_no_sessions || rig_die "$1: sessions remain after logout"
}
read_disk() {
	local dev
	dev=$(rig_disks | head -1)
	rig_bounded 60 "$1: read from $dev" dd if="$dev" of=/dev/null bs=64k count=16 iflag=direct status=none
}
same_resources() {
	rig_resources "$RIG_OUT/after.txt"
	cmp -s "$RIG_OUT/before.txt" "$RIG_OUT/after.txt"
}

# delete_in_login R OFF DOWN: iscsiadm --login in the background and
# `rdma link delete` started OFF ms after it (before it, if OFF < 0); the
# device added back DOWN ms after the delete returned.  The login must end
# (iscsiadm may give up: its status in login.rc), a session come back or
# a new login succeed, the disk read, a logout, the kernel log clean.
# Sets $where (where the removal found our endpoint) and $how.
delete_in_login() {
	local r=$1 off=$2 down=$3 t_k t_login dpid lpid
	t_k=$(cut -d' ' -f1 /proc/uptime)
	if [ "$off" -lt 0 ]; then
		rdma link delete "$link" &
		dpid=$!
		sleep_ms $((-off))
	fi
	t_login=$(cut -d' ' -f1 /proc/uptime)
	sh -c "iscsiadm ${node[*]} --login >'$RIG_OUT/bg-login.log' 2>&1; echo \$? >'$RIG_OUT/login.rc'" &
	lpid=$!
	if [ "$off" -ge 0 ]; then
		sleep_ms "$off"
		rdma link delete "$link" &
		dpid=$!
	fi
	rig_await "$dpid" 60 "$r: rdma link delete $link"
	where=$(removal_at "$t_k" "$t_login")
	sleep_ms "$down"
	link_add "$r"
	rig_await $lpid 120 "$r: iscsiadm --login (retried over the delete)"
	if rig_no_sessions; then
		how="iscsiadm --login exit $(cat "$RIG_OUT/login.rc"), no session; logged in again"
		login "$r"
	else
		how="iscsiadm --login exit $(cat "$RIG_OUT/login.rc"), session up"
		rig_wait_logged_in 90 || rig_die_blocked "$r: the session is not logged in 90 s after the re-add"
		rig_wait 30 rig_have_disks || rig_die "$r: no disk after the re-add"
	fi
	read_disk "$r"
	logout "$r"
	rig_klog_clean "$r"
}

rig_setup
rig_iscsid_up
rig_load_ours
# Our endpoint's state changes and login PDUs in the kernel log: where
# each delete landed.
for f in iser_dm_set_state iser_dm_login_send; do
	echo "module iser_dm func $f +p" >/proc/dynamic_debug/control ||
		rig_log "no debug lines of $f: the log names the phases less well"
done
rig_wait_signal ready 120
iscsiadm -m discovery -t st -p "$RIG_IP:$RIG_PORT" -I iser >/dev/null || rig_die "discovery failed"
start=$SECONDS

# How long a delete takes with no session, and a login: the deletes of
# part one land from the start of a login to a little after its full
# feature phase, every 50 ms (more if ROUNDS is too few for that).
link_delete "idle"
idle_del_ms=$del_ms
link_add "idle"
t_k=$(cut -d' ' -f1 /proc/uptime)
t0=$(now_ms)
login "first login"
login_ms=$(($(now_ms) - t0))
ffp_ms=$(klog_since "$t_k" | awk -v t="$t_k" '
	/in full feature phase/ && !n++ { s = $0; sub(/^\[ */, "", s); printf "%d", (s - t) * 1000 }')
read_disk "first login"
logout "first login"
# After a session: the device's CQ pool (ib_cq_pool_get) keeps its CQs
# until the device goes, as it will after the last round.
rig_resources "$RIG_OUT/before.txt"
window=$((${ffp_ms:-$login_ms} + 300))
step=$((50 * ((window / 50 + ROUNDS - 1) / ROUNDS)))
rig_log "a delete takes $idle_del_ms ms, a login $login_ms ms (full feature phase at ${ffp_ms:-?} ms):" \
	"$ROUNDS deletes aimed at 0 to $window ms into a login, every $step ms"

for i in $(seq 1 "$ROUNDS"); do
	r="login round $i/$ROUNDS"
	# The device goes near the end of `rdma link delete`: start that
	# early by as long as it takes, before the login when need be.
	off=$((((i - 1) * step) % window - idle_del_ms))
	delete_in_login "$r" "$off" $((i % 4 * 250))	# down for 0 to 750 ms
	rig_log "$r: delete started $off ms after the login; $where; $how; $((SECONDS - start)) s"
done

# Part two: inside the login phase.  LIO answers a login PDU within a
# few ms, so part one's deletes land before the first login PDU or in the
# full feature phase; the slow target holds each login PDU $slow_ms ms,
# which keeps the phase open for 1.5 s or more: wider than the spread of
# when the device goes in a delete (a busy host's 400 ms-wide window was
# missed by all four).  The deletes are aimed across it, from a first slow
# login's timeline: the first login PDU sent to the full feature phase.
node=(-m node -T "$slow_iqn" -p "$RIG_IP:$slow_port" -I iser)
iscsiadm -m discovery -t st -p "$RIG_IP:$slow_port" -I iser >/dev/null ||
	rig_die "discovery on the slow target failed"
t_k=$(cut -d' ' -f1 /proc/uptime)
login "first slow login"
# (No process substitution: the guest has no /dev/fd.)
read -r tx_ms ffp_ms <<<"$(klog_since "$t_k" | awk -v t="$t_k" '
	function ms() { s = $0; sub(/^\[ */, "", s); return int((s - t) * 1000) }
	/iser_dm: .*ep [0-9]+ to [^ ]+: login tx / && !tx { tx = ms() }
	/in full feature phase/ && !ffp { ffp = ms() }
	END { print tx + 0, ffp + 0 }')"
read_disk "first slow login"
logout "first slow login"
[ "$tx_ms" -gt 0 ] && [ "$ffp_ms" -gt "$tx_ms" ] ||
	rig_die "no timeline of the slow login (first login PDU at $tx_ms ms, full feature phase at $ffp_ms ms)"
rig_log "slow login: first login PDU at $tx_ms ms, full feature phase at $ffp_ms ms:" \
	"$LP_ROUNDS deletes aimed between them"
in_login=0
for i in $(seq 1 "$LP_ROUNDS"); do
	r="login-phase round $i/$LP_ROUNDS"
	aim=$((tx_ms + (2 * i - 1) * (ffp_ms - tx_ms) / (2 * LP_ROUNDS)))
	# The device goes about half-way through `rdma link delete` (seen:
	# 230 ms into a delete of 440 ms).
	off=$((aim - idle_del_ms / 2))
	delete_in_login "$r" "$off" $((i % 3 * 300))
	[[ $where == *"in the login phase"* ]] && in_login=$((in_login + 1))
	rig_log "$r: delete started $off ms after the login; $where; $how; $((SECONDS - start)) s"
done
[ $in_login -gt 0 ] || rig_die "no delete of part two landed in the login phase"
rig_log "$in_login of $LP_ROUNDS deletes landed in the login phase"
iscsiadm -m node -T "$slow_iqn" -o delete >/dev/null 2>&1 || true
node=(-m node -T "$RIG_IQN" -p "$RIG_IP:$RIG_PORT" -I iser)

login "I/O rounds"
dev=$(rig_disks | head -1)
for j in $(seq 1 "$IO_ROUNDS"); do
	r="I/O round $j/$IO_ROUNDS"
	pause=$((1000 + (j - 1) * 1300 % 4000))
	down=$(((j - 1) * 700 % 2500))
	rig_fio_bg "io$j" "$dev" 15
	sleep_ms $pause
	kill -0 "$RIG_FIO_PID" 2>/dev/null || rig_die "$r: fio ended before the delete"
	t_round=$(cut -d' ' -f1 /proc/uptime)
	link_delete "$r"
	[ "$(klog_since "$t_round" | grep -c 'iser_dm: .*RDMA device removed')" -gt 0 ] ||
		rig_die "$r: no log line naming the device removal"
	sleep_ms $down
	link_add "$r"
	t0=$SECONDS
	rig_wait_logged_in 90 || rig_die_blocked "$r: no re-login within 90 s of the re-add"
	relogin=$((SECONDS - t0))
	rig_fio_wait "io$j"
	rig_klog_clean "$r"
	rig_log "$r: delete $pause ms into fio took $del_ms ms, down $down ms, logged in again in $relogin s, verify clean; $((SECONDS - start)) s"
done
read_disk "after the I/O rounds"
logout "after the I/O rounds"

rig_wait 30 same_resources || {
	diff -u "$RIG_OUT/before.txt" "$RIG_OUT/after.txt" || true
	rig_die "RDMA resources or module references differ after the loops"
}
sed 's/^/    /' "$RIG_OUT/after.txt"
rig_unload_ours || rig_die "unload failed after the loops"
rig_klog_clean "the end"
rig_log "PASS: $ROUNDS deletes during a login, $LP_ROUNDS in a slow login phase ($in_login in it), $IO_ROUNDS under fio, in $((SECONDS - start)) s"
