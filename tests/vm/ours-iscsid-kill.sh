#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# iscsid killed (SIGKILL) under load: the kernel session keeps working, fio
# verify completes clean; iscsid restarted picks the session up again, and
# recovery still works after the restart (a target restart re-logs in).
# Over siw the VM loads the patched siw (see ours-target-restart.sh).
# vm-timeout: 300
# fabrics: rxe siw
# siw: patched
set -euo pipefail
. "$(dirname "$0")/../../tools/guest-lib.sh"

rig_up_ours
rig_login
dev=$(rig_disks | head -1)
rig_fio_bg nodaemon "$dev" 15
sleep 3
rig_log "kill -9 iscsid under load"
pkill -9 -x iscsid || rig_die "no iscsid to kill"
rig_fio_wait nodaemon
rig_log "I/O kept going without iscsid; restart it"
rm -f /run/iscsid.pid
iscsid || rig_die "iscsid did not restart"
# On start iscsid syncs every kernel session it finds, and for ours (as for
# ib_iser) that is a reconnect and re-login of the session: wait for it.
rig_wait_logged_in 30 || rig_die "restarted iscsid does not see the session"
iscsiadm -m session -P1 | grep -q "Target: $RIG_IQN" ||
	rig_die "restarted iscsid does not list the session's target"
rig_log "restarted iscsid picked the session up: $(iscsiadm -m session | head -1)"
rig_fio_bg recovery "$dev" 25
sleep 3
rig_target_stop
sleep 3
rig_target_start
rig_wait_logged_in 40 || rig_die "no recovery after the iscsid restart"
rig_fio_wait recovery
rig_logout
rig_unload_ours || rig_die "unload failed"
rig_log "PASS: iscsid killed under load and restarted; recovery still works"
