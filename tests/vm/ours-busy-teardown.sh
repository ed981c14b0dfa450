#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Teardown while I/O runs.  Unloading iser_dm with a session open is
# refused (EBUSY; Documentation/datamover-interface.rst) and the session
# keeps working.  Logout while fio runs completes within a bound, fio sees
# errors for what did not finish, nothing crashes, and both modules then
# unload.
# vm-timeout: 300
# fabrics: rxe siw
set -euo pipefail
. "$(dirname "$0")/../../tools/guest-lib.sh"

rig_up_ours
rig_login
dev=$(rig_disks | head -1)
rig_fio_bg busy "$dev" 15
sleep 3
rig_log "rmmod iser_dm with a session open and I/O running"
if rmmod iser_dm 2>"$RIG_OUT/rmmod.log"; then
	rig_die "iser_dm unloaded under an open session"
fi
rig_log "refused: $(cat "$RIG_OUT/rmmod.log")"
rmmod iscsi_da 2>/dev/null && rig_die "iscsi_da unloaded under an open session"
rig_fio_wait busy
rig_log "logout while fio runs"
fio --name=busy2 --filename="$dev" --direct=1 --ioengine=libaio --iodepth=16 --rw=randrw \
	--bs=16k --size=64m --time_based --runtime=30 --eta=never --output="$RIG_OUT/fio-busy2.log" &
fpid=$!
sleep 3
t0=$SECONDS
timeout 60 iscsiadm -m node -U all >"$RIG_OUT/logout.log" 2>&1 || {
	cat "$RIG_OUT/logout.log"
	rig_die "logout under I/O failed or hung"
}
rig_log "logout under I/O took $((SECONDS - t0)) s"
rig_wait 40 sh -c "! kill -0 $fpid" || rig_die "fio still blocked 40 s after logout"
wait $fpid && rig_log "fio finished without errors (its I/O drained before logout)" ||
	rig_log "fio saw errors after logout, as expected"
rig_wait 20 rig_no_sessions || rig_die "sessions remain"
rig_unload_ours || rig_die "unload failed after logout under I/O"
rig_log "PASS: refused unload under a session; logout under I/O; unload"
