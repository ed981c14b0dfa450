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

scen=${HOSTILE_SCENARIO:-good}
elog=$RIG_OUT/evil.log
# shellcheck source=tests/vm/lib/evil.sh
. "$(dirname "$0")/lib/evil.sh"

rig_setup
rig_iscsid_up
rig_load_ref
# evil_stop, then show the target's log.
stop_and_show() {
	local rc=0

	evil_stop || rc=$?
	rig_log "evil target exit status $rc; its log:"
	sed 's/^/    /' "$elog" | head -n 60
	return $rc
}

if [ "$scen" = good ]; then
	evil_start good "${HOSTILE_ARGS:-}"
	rig_login
	dev=$(rig_disks | head -1)
	[ -b "$dev" ] || rig_die "no block device"
	rig_fio_verify "$dev" 8m
	rig_logout
	stop_and_show || rig_die "evil target did not exit cleanly"
	grep -q 'login stage .*->3 ok (discovery' "$elog" || rig_die "no discovery login in the target's log"
	grep -q 'login stage .*->3 ok (normal' "$elog" || rig_die "no normal login in the target's log"
	rig_log "PASS: ib_iser against iser-evil-target (good): discovery, login, fio verify, logout"
	exit 0
fi

# Experiments, one after the other: log in, short fio verify, log out.
set +e
for s in $scen; do
	evil_start "$s" "${HOSTILE_ARGS:-}"
	k0=$(dmesg | wc -l)
	evil_login || rig_log "experiment $s: login failed, timed out or gave no disk"
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
	stop_and_show
	dmesg | tail -n +"$((k0 + 1))" | grep -vE 'rdma_rxe|scsi host|Attached|sd [0-9:]+: \[sd.\] (Write|Mode|Optimal|Preferred|[0-9]+ 512)|sda: ' |
		head -n 40 | sed 's/^/    kmsg: /'
	if ! rig_no_sessions; then
		rig_log "experiment $s: a session remains after logout; stopping here"
		break
	fi
	rig_log "DONE: experiment $s"
done
