#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Send-with-Invalidate both ways (the draft's section 5.3).  Every memory
# registration must end in exactly one invalidation, remote or local.  With
# the target's SI in use, every MR the target accessed (reads, the solicited
# part of large writes) is invalidated by the target and never locally
# (only MRs it never touched, e.g. multi-page writes sent entirely as
# unsolicited data, are invalidated locally); with iser_dm
# force_no_send_inv=1 the initiator declares no SI support, LIO sends plain
# SCSI Responses, and every MR is invalidated locally.  fio verify and a
# byte-exact large-I/O round trip must pass either way.
# vm-timeout: 300
# fabrics: rxe siw
set -euo pipefail
. "$(dirname "$0")/../../tools/guest-lib.sh"

rig_setup
rig_target_up
rig_iscsid_up

for mode in on off; do
	if [ $mode = on ]; then rig_load_ours; else rig_load_ours force_no_send_inv=1; fi
	rig_login
	dev=$(rig_disks | head -1)
	dmesg | grep -E "iser_dm: connected to .* target SI" | tail -n 1
	rig_fio_verify "$dev" 16m
	r0=$(rig_stat dm_inv_remote) l0=$(rig_stat dm_inv_local) g0=$(rig_stat dm_reg_mrs)
	# Only target-accessed MRs: multi-page reads, writes mostly solicited.
	dd if=/dev/urandom of=/tmp/big bs=1M count=4 status=none
	dd if=/tmp/big of="$dev" bs=512k oflag=direct status=none || rig_die "512k write failed"
	dd if="$dev" of=/tmp/big2 bs=64k count=64 iflag=direct status=none || rig_die "64k read failed"
	cmp /tmp/big /tmp/big2 || rig_die "large I/O round trip differs (SI $mode)"
	remote=$(rig_stat dm_inv_remote) local=$(rig_stat dm_inv_local) regs=$(rig_stat dm_reg_mrs)
	rig_log "SI $mode: registrations $regs, remote invalidations $remote, local $local"
	rig_log "SI $mode, target-accessed MRs only: +$((regs - g0)) registrations, +$((remote - r0)) remote, +$((local - l0)) local"
	[ $((regs - g0)) -ge 72 ] || rig_die "expected >= 72 registrations for 8 writes and 64 reads"
	[ "$regs" = $((remote + local)) ] ||
		rig_die "$regs registrations but $remote + $local invalidations"
	if [ $mode = on ]; then
		[ $((local - l0)) = 0 ] || rig_die "SI on, yet target-accessed MRs were invalidated locally"
		[ $((remote - r0)) = $((regs - g0)) ] || rig_die "SI on, not every target-accessed MR was invalidated remotely"
	else
		[ "$remote" = 0 ] || rig_die "SI forced off, yet $remote remote invalidations"
	fi
	rig_logout
	rig_unload_ours || rig_die "unload failed"
done
rig_log "PASS: Send-with-Invalidate on and forced off over $RIG_FABRIC"
