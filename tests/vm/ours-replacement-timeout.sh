#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Target gone for longer than replacement_timeout (10 s here): I/O blocked
# in recovery fails with an error when the timeout expires (bound: 10 s
# after the connection is lost, plus slack for emulation), never hangs;
# after the target returns the session logs in again and the same disk
# passes fio verify.  Over siw the target's host loads the patched siw
# (see ours-target-restart.sh).
# vm-timeout: 300
# fabrics: rxe siw
# siw: patched
set -euo pipefail
. "$(dirname "$0")/../../tools/guest-lib.sh"

rig_up_ours
RIG_NODE_SETTINGS="node.session.timeo.replacement_timeout=10" rig_login
dev=$(rig_disks | head -1)
rig_log "writer in the background, then the target goes away for 40 s"
dd if=/dev/zero of="$dev" bs=64k count=100000 oflag=direct 2>"$RIG_OUT/dd.log" &
dd_pid=$!
sleep 3
# From the start of the stop: under the debug kernel disabling the TPG
# takes 15 s, and the connection drops early in it.
t0=$SECONDS
rig_target_stop
rc=0
rig_wait 45 sh -c "! kill -0 $dd_pid" || rc=1
[ $rc = 0 ] || { kill -9 $dd_pid; rig_die "I/O still blocked 45 s after the target went away"; }
secs=$((SECONDS - t0))
wait $dd_pid && rig_die "dd succeeded although the target was gone"
rig_log "I/O failed $secs s after the target went away: $(tail -n 1 "$RIG_OUT/dd.log")"
[ $secs -ge 8 ] || rig_die "I/O failed after $secs s, before replacement_timeout (10 s)"
dmesg | grep -E 'iscsi_da|session' | grep -i 'timed out' | tail -n 3
rig_klog_has "recovery timed out" || rig_die "no log line for the recovery timeout"
sleep $((40 - secs > 0 ? 40 - secs : 0))
rig_target_start
rig_wait_logged_in 60 || rig_die "no re-login within 60 s of the target's return"
rig_log "session logged in again; the disk must be usable"
rig_fio_verify "$dev" 8m
rig_logout
rig_unload_ours || rig_die "unload failed"
rig_log "PASS: replacement_timeout fails I/O in time, the disk comes back"
