#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# demo-guest.sh - the main job, inside the VM: Soft-RoCE, an LIO iSER target,
# our modules, iscsiadm login over iSER, the disk, a short fio verify, logout.
# Run it through tools/demo (which boots the VM).
set -euo pipefail
. "$(dirname "$0")/guest-lib.sh"

step() { echo; rig_log "==== step: $* ===="; }

step "Soft-RoCE on eth0 and the LIO target with an iSER portal"
rig_setup
rig_target_up
rig_iscsid_up
step "load our modules (iscsi_da.ko, iser_dm.ko)"
rig_load_ours
ls /sys/class/iscsi_transport/
step "iscsiadm discovery and login over iSER (-I iser)"
rig_login
step "the new disk"
mapfile -t disks <<<"$(rig_disks)"
lsblk -o NAME,SIZE,TYPE,TRAN,VENDOR,MODEL "${disks[@]}"
iscsiadm -m session -P3 | sed -n '1,60p'
dev=$(rig_disks | head -1)
step "fio with verify=crc32c on $dev"
rig_fio_verify "$dev" 32m --runtime=20
step "logout and unload"
rig_logout
rig_unload_ours || rig_die "module unload failed"
rig_log "DEMO PASSED"
