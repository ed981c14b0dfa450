# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# The hostile iSER target (tests/hostile/iser-evil-target) in a VM test,
# sourced by the hostile-* tests after tools/guest-lib.sh.  Sourcing builds
# the tool (a no-op when the host already did, make -C tests/hostile) and
# sets the portal and IQN rig_login and iscsiadm use.
#
#   evil_start SCENARIO [OPTIONS]  run the target in the background, its
#                                  output in $elog; return once it listens
#   evil_stop                      SIGTERM it; return its exit status
#   evil_login                     discovery and login over iSER, then wait
#                                  for the disk; non-zero if any step fails

RIG_PORT=3262
RIG_IQN=iqn.2003-01.org.linux-iscsi.rig:evil
# shellcheck disable=SC2034  # read by rig_login
RIG_LUNS=1
evil=$RIG_TOP/.build/hostile/iser-evil-target
elog=${elog:-/dev/null}
evil_pid=""

make -s -C "$RIG_TOP/tests/hostile" >"$RIG_OUT/hostile-build.log" 2>&1 ||
	{ cat "$RIG_OUT/hostile-build.log"; rig_die "cannot build iser-evil-target"; }

evil_start() {
	rig_log "evil target: scenario $1 on $RIG_IP:$RIG_PORT ${2:-}"
	# shellcheck disable=SC2086  # the options are words
	"$evil" --addr "$RIG_IP" --port "$RIG_PORT" --iqn "$RIG_IQN" --scenario "$1" \
		--lun-mb 16 ${2:-} >"$elog" 2>&1 &
	evil_pid=$!
	rig_wait 10 grep -q 'evil: listening' "$elog" || { cat "$elog"; rig_die "evil target did not start"; }
}

evil_stop() {
	local rc=0

	[ -n "$evil_pid" ] || return 0
	kill -TERM "$evil_pid" 2>/dev/null || true
	wait "$evil_pid" || rc=$?
	evil_pid=""
	return $rc
}

evil_login() {
	timeout 60 iscsiadm -m discovery -t st -p "$RIG_IP:$RIG_PORT" -I iser >/dev/null 2>&1 &&
		timeout 60 iscsiadm -m node -T "$RIG_IQN" -p "$RIG_IP:$RIG_PORT" -I iser --login >/dev/null 2>&1 &&
		rig_wait 30 rig_have_disks
}
