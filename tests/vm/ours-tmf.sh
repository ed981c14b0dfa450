#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Task management under load, through SCSI error handling: sg_reset issues
# a LOGICAL UNIT RESET (-d) and then a TARGET WARM RESET (-t) while fio
# randwrite+verify runs.  Each reset must be sent and answered (logged by
# iscsi_da), the commands it aborts are retried by the SCSI midlayer, and
# fio's verify pass is clean: a reset never loses or corrupts a write.
# LIO rejects TARGET WARM RESET from every initiator; then the session
# must be reset instead, with fio's verify still clean.  (ABORT TASK after
# a lost or late response is exercised by tests/vm/hostile-ours.sh.)
# vm-timeout: 300
# fabrics: rxe siw
set -euo pipefail
. "$(dirname "$0")/../../tools/guest-lib.sh"

rig_up_ours
rig_login
dev=$(rig_disks | head -1)
for kind in d t; do
	name=$([ $kind = d ] && echo "LOGICAL UNIT RESET" || echo "TARGET WARM RESET")
	dmesg -C
	rig_fio_bg "reset-$kind" "$dev" 12
	sleep 4
	rig_log "sg_reset -$kind ($name) under fio"
	timeout 90 sg_reset -"$kind" "$dev" || rig_die "sg_reset -$kind failed"
	rig_fio_wait "reset-$kind"
	dmesg | grep -E 'iscsi_da|iser_dm' | sed 's/^/    /'
	rig_klog_has "iscsi_da: .*$name.*sent" || rig_die "no log line for the $name"
	if [ $kind = t ] && rig_klog_has "iscsi_da: .*$name response 255"; then
		# LIO 6.1 refuses TARGET WARM RESET to every initiator
		# (iscsit_tmr_task_warm_reset: tmr_warm_reset has no configfs
		# knob): the function is rejected and ours falls back to a
		# session reset, the next step of SCSI error handling.
		rig_klog_has "iscsi_da: .*target reset failed, resetting the session" ||
			rig_die "the $name was rejected and no session reset followed"
		rig_log "the target rejected the $name (LIO does); the session was reset instead"
	else
		rig_klog_has "iscsi_da: .*$name response 0" || rig_die "the $name was not answered 'function complete'"
	fi
	rig_wait_logged_in 30 || rig_die "session not logged in after the $name"
done
rig_fio_verify "$dev" 8m
rig_logout
rig_unload_ours || rig_die "unload failed"
rig_log "PASS: LU reset and target reset under fio verify"
