#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Self-check of the hostile iSER target (tests/hostile/iser-evil-target) in
# scenario "good", against the in-tree ib_iser: iSER discovery and login to
# it over Soft-RoCE, the disk appears, fio verify passes, logout works, the
# target exits cleanly on SIGTERM.  When this fails, the tool is broken and
# the hostile tests built on it mean nothing.
#
# HOSTILE_SCENARIO=NAME (and HOSTILE_ARGS) turn it into an experiment: the
# same run against that scenario, reporting what the initiator did; it
# passes as long as the kernel log stays clean and the target survives.
# vm-timeout: 400
set -euo pipefail
. "$(dirname "$0")/../../tools/guest-lib.sh"

RIG_PORT=3262
RIG_IQN=iqn.2003-01.org.linux-iscsi.rig:evil
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
rig_log "evil target: scenario $scen on $RIG_IP:$RIG_PORT"
# shellcheck disable=SC2086
"$evil" --addr "$RIG_IP" --port "$RIG_PORT" --iqn "$RIG_IQN" --scenario "$scen" \
	--lun-mb 16 ${HOSTILE_ARGS:-} >"$elog" 2>&1 &
evil_pid=$!
rig_wait 10 grep -q 'evil: listening' "$elog" || { cat "$elog"; rig_die "evil target did not start"; }

stop_evil() {
	kill -TERM "$evil_pid" 2>/dev/null || true
	local rc=0
	wait "$evil_pid" || rc=$?
	rig_log "evil target exit status $rc; its log:"
	sed 's/^/    /' "$elog" | head -n 80
	return $rc
}

if [ "$scen" = good ]; then
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

# Experiment: log in, run a short fio verify, see what happens.
rig_login
dev=$(rig_disks | head -1)
rig_log "experiment: fio verify on $dev under scenario $scen"
set +e
timeout "${HOSTILE_FIO_TIMEOUT:-150}" fio --name=evil --filename="$dev" --direct=1 --ioengine=libaio \
	--iodepth=8 --rw=randwrite --bs=4k --size=4m --verify=crc32c --verify_state_save=0 \
	--eta=never --output="$RIG_OUT/fio-evil.log"
rc=$?
set -e
rig_log "experiment: fio exit $rc: $(grep -E 'err=' "$RIG_OUT/fio-evil.log" | head -1)"
iscsiadm -m session -P1 2>&1 | grep -E 'Target:|State' | sed 's/^/    /' || true
dmesg | grep -E 'iser|iscsi|connection|session|sd ' | tail -n 40 | sed 's/^/    kmsg: /'
iscsiadm -m node -U all >/dev/null 2>&1 || rig_log "experiment: logout failed"
stop_evil || true
rig_log "DONE: experiment $scen"
