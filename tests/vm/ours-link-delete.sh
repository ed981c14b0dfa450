#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# RDMA device removal under load: `rdma link delete` of the initiator's
# device while fio randwrite+verify runs must finish within a bound (no
# hang), log which device went away, and put the session into recovery
# without userspace help; when the device is added back 5 s later, the
# session logs in again by itself, the held I/O resumes and fio's verify
# pass is clean.  Then delete it once more with
# the session idle, log out and unload the modules.
# vm-timeout: 300
# Over siw the device removal also drops the target's connection, so the
# VM loads the patched siw (see ours-target-restart.sh; with stock siw
# LIO hung once in four runs).
# fabrics: rxe siw
# kernels: 6.1 6.12
# siw: patched
set -euo pipefail
. "$(dirname "$0")/../../tools/guest-lib.sh"

link=${RIG_FABRIC}0
# In one VM the target shares the device: an iSER listener bound to
# 10.0.2.15 dies with it (isert drops a listener on DEVICE_REMOVAL for
# good), a wildcard one is re-created by rdma_cm on the new device.  On
# real systems the target's device is another host's, untouched.
# shellcheck disable=SC2034  # read by guest-lib.sh
RIG_PORTAL_IP=0.0.0.0
rig_up_ours
rig_login
dev=$(rig_disks | head -1)
rig_fio_bg linkdel "$dev" 40
sleep 5
rig_log "rdma link delete $link under load"
t0=$SECONDS
rig_bounded 60 "rdma link delete $link" rdma link delete "$link"
rig_log "$link deleted in $((SECONDS - t0)) s"
rig_klog_has 'iser_dm: .*RDMA device removed' || rig_die "no log line naming the device removal"
dmesg | grep -E 'iser_dm|iscsi_da' | tail -n 4 | sed 's/^/    /'
sleep 5
rig_log "re-add $link (fio still running, its I/O held by recovery)"
rig_bounded 60 "rdma link add $link" rdma link add "$link" type "$RIG_FABRIC" netdev eth0
t0=$SECONDS
rig_wait_logged_in 60 || rig_die_blocked "no re-login within 60 s of the device's return"
rig_log "logged in again $((SECONDS - t0)) s after the device came back"
rig_fio_wait linkdel
rig_log "rdma link delete $link with the session idle"
rig_bounded 60 "second rdma link delete $link" rdma link delete "$link"
timeout 60 iscsiadm -m node -U all >/dev/null 2>&1 || true
rig_wait 30 rig_no_sessions ||
	rig_die "sessions remain after logout with the device gone"
rig_unload_ours || rig_die "unload failed after device removal"
rig_log "PASS: device removal under load and re-add over $RIG_FABRIC"
