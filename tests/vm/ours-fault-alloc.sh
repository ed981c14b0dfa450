#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Allocation failures in our own setup paths (include/iscsi_dm_fault.h).
# For each module, N = 1, 2, ...: arm fail_alloc=N, log in (iscsid may
# retry once), read from the disk if the login worked, log out.  Each round
# must show the injected failure in the log, naming its site, and leave
# no session behind; the RDMA resources (PDs, CQs, QPs, MRs, CM ids) and
# the module reference counts must be back where they started.  The walk
# ends at the first N that the login/logout path did not reach, and every
# site on that path must have failed once.  Then a clean login passes fio
# verify and the modules unload (kmemleak too, under the debug kernel).
# vm-timeout: 600
# fabrics: rxe siw
set -euo pipefail
. "$(dirname "$0")/../../tools/guest-lib.sh"

# The sites a login, the I/O and a logout pass through, per module.
ISER_DM_SITES="the endpoint|the CM id|the device|the PD|the CQ|the QP|the login send buffer|the login receive buffer|the send descriptors|the send headers|the receive descriptors|a receive buffer|the MR pool"
ISCSI_DA_SITES="the SCSI host|the SCSI host's tag set|the session|the connection|the management tasks|a management task's data buffer"

rig_setup
rig_iscsid_up
rig_target_up
rig_load_ours

settled() { rig_resources "$RIG_OUT/now.txt" && cmp -s "$RIG_OUT/before.txt" "$RIG_OUT/now.txt"; }

iscsiadm -m discovery -t st -p "$RIG_IP:$RIG_PORT" -I iser >/dev/null || rig_die "discovery failed"
# One retry: a failed login must not be retried for half a minute.
iscsiadm -m node -T "$RIG_IQN" -p "$RIG_IP:$RIG_PORT" -I iser -o update \
	-n node.session.initial_login_retry_max -v 1 >/dev/null
rig_wait 20 rig_no_sessions || rig_die "discovery left a session"
rig_resources "$RIG_OUT/before.txt"

# round MODULE N: one login/logout with fail_alloc=N; true if the Nth
# site failed (it is appended to sites-MODULE.txt), false if the round
# never reached it.
round() {
	local mod=$1 n=$2 param=/sys/module/$1/parameters/fail_alloc left site dev outcome
	echo "rig: fault round $mod $n" >/dev/kmsg
	echo "$n" >"$param"
	if timeout 90 iscsiadm -m node -T "$RIG_IQN" -p "$RIG_IP:$RIG_PORT" -I iser --login \
		>"$RIG_OUT/login.log" 2>&1; then
		rig_wait 60 rig_have_disks ||
			rig_die "$mod fail_alloc=$n: logged in, but no disk"
		dev=$(rig_disks | head -1)
		timeout 90 dd if="$dev" of=/dev/null bs=64k count=16 iflag=direct status=none ||
			rig_die "$mod fail_alloc=$n: the disk does not read"
		timeout 60 iscsiadm -m node -U all >/dev/null 2>&1 || rig_die "$mod fail_alloc=$n: logout failed"
		outcome="logged in"
	else
		outcome="login failed: $(grep -iE 'error|fail' "$RIG_OUT/login.log" | tail -n 1)"
	fi
	left=$(cat "$param")
	echo 0 >"$param"
	rig_wait 30 rig_no_sessions ||
		rig_die "$mod fail_alloc=$n: a session remains ($outcome)"
	rig_wait 30 settled || {
		diff "$RIG_OUT/before.txt" "$RIG_OUT/now.txt" || true
		rig_die "$mod fail_alloc=$n: resources not back after the round ($outcome)"
	}
	if [ "$left" = 0 ]; then
		dmesg >"$RIG_OUT/.klog"
		site=$(awk -v r="rig: fault round $mod $n" -v f="$mod: fault injection: failing the allocation of " '
			index($0, r) { on = 1; next }
			on && (i = index($0, f)) { print substr($0, i + length(f)); exit }' "$RIG_OUT/.klog")
		[ -n "$site" ] || rig_die "$mod fail_alloc=$n: the fault fired without its log line"
		echo "$site" >>"$RIG_OUT/sites-$mod.txt"
		rig_log "$mod fail_alloc=$n: $site -> $outcome"
		return 0
	fi
	[ "$outcome" = "logged in" ] || rig_die "$mod fail_alloc=$n: no fault fired, yet $outcome"
	rig_log "$mod fail_alloc=$n: not reached ($left left) -> $outcome; walk over"
	return 1
}

t0=$SECONDS
for mod in iser_dm iscsi_da; do
	: >"$RIG_OUT/sites-$mod.txt"
	n=1
	while round "$mod" "$n"; do
		n=$((n + 1))
		[ $n -le 40 ] || rig_die "$mod: the walk did not end within 40 sites"
	done
	if [ "$mod" = iser_dm ]; then want=$ISER_DM_SITES; else want=$ISCSI_DA_SITES; fi
	IFS='|' read -ra sites <<<"$want"
	for s in "${sites[@]}"; do
		grep -qxF "$s" "$RIG_OUT/sites-$mod.txt" || rig_die "$mod: '$s' never failed ($(paste -sd, "$RIG_OUT/sites-$mod.txt"))"
	done
	rig_log "$mod: $(wc -l <"$RIG_OUT/sites-$mod.txt") sites failed one by one, $((SECONDS - t0)) s so far"
done

rig_login
dev=$(rig_disks | head -1)
rig_fio_verify "$dev" 16m
rig_logout
rig_unload_ours || rig_die "modules do not unload after the fault walk"
rig_log "PASS: every setup allocation failed once; no leak, no session left, verify clean"
