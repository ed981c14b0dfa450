#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Target restart mid-I/O: LIO's TPG goes down (every connection dropped,
# listener closed) for 5 s under fio randwrite+verify, then comes back.
# ERL0 recovery must re-login within DefaultTime2Wait + login time (bound
# here: 30 s after the target is back), the queued I/O resumes, fio's
# verify pass is clean, and the modules unload afterwards.
#
# Over siw the target's host loads siw with tools/siw-closing-flush.patch:
# stock siw refuses posts while a QP closes, and LIO's isert then hangs
# disabling the TPG (iscsi_ttx in isert_wait_conn -> target_wait_for_cmds;
# Documentation/reliability.rst).  TEST_SIW=stock reproduces that.
# vm-timeout: 300
# fabrics: rxe siw
# kernels: 6.1 6.12
# siw: patched
set -euo pipefail
. "$(dirname "$0")/../../tools/guest-lib.sh"

rig_up_ours
rig_login
dev=$(rig_disks | head -1)
rig_fio_bg restart "$dev" 30
sleep 5
rig_target_stop
sleep 5
rig_target_start
t0=$SECONDS
rig_wait_logged_in 30 || rig_die "no re-login within 30 s of the target's return"
rig_log "re-logged in $((SECONDS - t0)) s after the target came back"
dmesg | grep -E 'iscsi_da|iser_dm' | grep -Ei 'recover|fail|terminat|full feature' | tail -n 6
rig_fio_wait restart
rig_fio_verify "$dev" 8m
rig_logout
rig_unload_ours || rig_die "unload failed after recovery"
rig_log "PASS: target restart under fio verify over $RIG_FABRIC"
