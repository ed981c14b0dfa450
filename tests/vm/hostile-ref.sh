#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Self-check of the hostile iSER target (tests/hostile/iser-evil-target) in
# scenario "good", against the in-tree ib_iser: iSER discovery and login to
# it over Soft-RoCE, the disk appears, fio verify passes, logout works, the
# target exits cleanly on SIGTERM.  When this fails, the tool is broken and
# the hostile tests built on it mean nothing.
#
# HOSTILE_SCENARIO="NAME..." (and HOSTILE_ARGS, e.g. "--after 30") turn it
# into an experiment, not a test: for each scenario in turn, log in, run a
# short fio verify, log out, and print what the initiator did.
# vm-timeout: 400
set -euo pipefail
. "$(dirname "$0")/../../tools/guest-lib.sh"

RIG_PORT=3262
RIG_IQN=iqn.2003-01.org.linux-iscsi.rig:evil
# shellcheck disable=SC2034  # read by rig_login
RIG_LUNS=1
scen=${HOSTILE_SCENARIO:-good}
evil=$RIG_TOP/.build/hostile/iser-evil-target
elog=$RIG_OUT/evil.log

# Normally built on the host (make -C tests/hostile); a no-op then.
make -s -C "$RIG_TOP/tests/hostile" >"$RIG_OUT/hostile-build.log" 2>&1 ||
	{ cat "$RIG_OUT/hostile-build.log"; rig_die "cannot build iser-evil-target"; }

rig_setup
rig_iscsid_up
rig_load_ref
start_evil() {
	rig_log "evil target: scenario $1 on $RIG_IP:$RIG_PORT ${HOSTILE_ARGS:-}"
	# shellcheck disable=SC2086
	"$evil" --addr "$RIG_IP" --port "$RIG_PORT" --iqn "$RIG_IQN" --scenario "$1" \
		--lun-mb 16 ${HOSTILE_ARGS:-} >"$elog" 2>&1 &
	evil_pid=$!
	rig_wait 10 grep -q 'evil: listening' "$elog" || { cat "$elog"; rig_die "evil target did not start"; }
}

stop_evil() {
	kill -TERM "$evil_pid" 2>/dev/null || true
	local rc=0
	wait "$evil_pid" || rc=$?
	rig_log "evil target exit status $rc; its log:"
	sed 's/^/    /' "$elog" | head -n 60
	return $rc
}

if [ "$scen" = good ]; then
	start_evil good
	rig_login
	dev=$(rig_disks | head -1)
	[ -b "$dev" ] || rig_die "no block device"
	rig_fio_verify "$dev" 8m
	rig_logout
	stop_evil || rig_die "evil target did not exit cleanly"
	grep -q 'login stage .*->3 ok (discovery' "$elog" || rig_die "no discovery login in the target's log"
	grep -q 'login stage .*->3 ok (normal' "$elog" || rig_die "no normal login in the target's log"
	rig_log "PASS: ib_iser against iser-evil-target (good): discovery, login, fio verify, logout"
	exit 0
fi

# Experiments, one after the other: log in, short fio verify, log out.
set +e
for s in $scen; do
	start_evil "$s"
	k0=$(dmesg | wc -l)
	timeout 60 iscsiadm -m discovery -t st -p "$RIG_IP:$RIG_PORT" -I iser >/dev/null 2>&1
	timeout 60 iscsiadm -m node -T "$RIG_IQN" -p "$RIG_IP:$RIG_PORT" -I iser --login >/dev/null 2>&1 ||
		rig_log "experiment $s: login failed or timed out"
	rig_wait 30 rig_have_disks
	dev=$(rig_disks | head -1)
	if [ -n "$dev" ]; then
		t0=$SECONDS
		timeout "${HOSTILE_FIO_TIMEOUT:-120}" fio --name=evil --filename="$dev" --direct=1 \
			--ioengine=libaio --iodepth=8 --rw=randwrite --bsrange=4k-64k --size=4m \
			--verify=crc32c --verify_state_save=0 --eta=never --output="$RIG_OUT/fio-$s.log"
		rc=$?
		rig_log "experiment $s: fio exit $rc after $((SECONDS - t0)) s: $(grep -o 'err=[^:]*' "$RIG_OUT/fio-$s.log" | head -1)"
	else
		rig_log "experiment $s: no disk"
	fi
	timeout 60 iscsiadm -m node -U all >/dev/null 2>&1 || rig_log "experiment $s: logout failed or timed out"
	stop_evil
	dmesg | tail -n +"$((k0 + 1))" | grep -vE 'rdma_rxe|scsi host|Attached|sd [0-9:]+: \[sd.\] (Write|Mode|Optimal|Preferred|[0-9]+ 512)|sda: ' |
		head -n 40 | sed 's/^/    kmsg: /'
	if ! rig_no_sessions; then
		rig_log "experiment $s: a session remains after logout; stopping here"
		break
	fi
	rig_log "DONE: experiment $s"
done
