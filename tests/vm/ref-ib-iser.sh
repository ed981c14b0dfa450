#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Rig self-check with the in-tree stack: ib_iser (libiscsi) logs in to LIO
# over Soft-RoCE, the disk appears, fio verify passes, logout leaves no
# session.  When our modules fail and this passes, the fault is ours.
# vm-timeout: 300
# fabrics: rxe siw
set -euo pipefail
. "$(dirname "$0")/../../tools/guest-lib.sh"

rig_setup
rig_target_up
rig_iscsid_up
rig_load_ref
rig_login
dev=$(rig_disks | head -1)
[ -b "$dev" ] || rig_die "no block device"
grep -qx iscsi_iser /sys/class/scsi_host/host*/proc_name || rig_die "no iscsi_iser SCSI host"
rig_fio_verify "$dev" 16m
rig_logout
rig_log "PASS: in-tree ib_iser over $RIG_FABRIC: login, fio verify, logout"
