#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A peer that does not speak iSER (the draft's section 3.4): the portal is
# iSCSI/TCP only, or nothing listens at all.  An -I iser login must fail
# fast (bound: 30 s), say in the kernel log what happened and that
# iSCSI/TCP (-I default) is the fallback, leave no session, and the
# fallback it names must then work.
# vm-timeout: 300
# fabrics: rxe siw
set -euo pipefail
. "$(dirname "$0")/../../tools/guest-lib.sh"

rig_up_ours

try_iser() {
	local what=$1 port=$2 t0=$SECONDS
	dmesg -C
	if timeout 60 iscsiadm -m discovery -t st -p "$RIG_IP:$port" -I iser >"$RIG_OUT/try.log" 2>&1; then
		cat "$RIG_OUT/try.log"
		rig_die "$what: iSER discovery succeeded"
	fi
	local secs=$((SECONDS - t0))
	rig_log "$what: -I iser failed in $secs s: $(tail -n 1 "$RIG_OUT/try.log")"
	dmesg | grep iser_dm | sed 's/^/    /'
	[ $secs -le 30 ] || rig_die "$what: took $secs s to fail"
	rig_klog_has 'iser_dm: .*iSCSI/TCP \(iscsiadm -I default\) is the fallback' ||
		rig_die "$what: no kernel log line naming the fallback"
	rig_no_sessions || rig_die "$what: a session remains"
}

try_iser "nothing listening" 3999
# A second portal of the same TPG, iSCSI/TCP only, as on a target without
# iSER (over siw the iSER connect then meets a plain iSCSI/TCP socket).
RIG_PORT=3270 rig_portal_add tcp
try_iser "iSCSI/TCP-only portal" 3270

rig_log "the fallback: iSCSI/TCP (-I default) to that portal"
modprobe iscsi_tcp || rig_die "modprobe iscsi_tcp"
iscsiadm -m discovery -t st -p "$RIG_IP:3270" -I default >/dev/null || rig_die "TCP discovery failed"
iscsiadm -m node -T "$RIG_IQN" -p "$RIG_IP:3270" -I default --login >/dev/null ||
	rig_die "TCP login failed"
rig_wait 30 rig_have_disks ||
	rig_die "no disk over iSCSI/TCP"
dev=$(rig_disks | head -1)
rig_fio_verify "$dev" 8m
rig_logout
rig_unload_ours || rig_die "unload failed"
rig_log "PASS: non-iSER peers fail fast with the fallback named, and the fallback works"
