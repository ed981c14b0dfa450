#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Several sessions with several LUNs each: four LIO targets on one iSER
# portal, two RAM LUNs each.  One iSER discovery finds all four; one
# iscsiadm --login logs in four sessions, each on its own SCSI host, with
# its two disks.  On one disk: mkfs.ext4, mount, a file written, unmounted,
# remounted and read back byte-exact.  On the other seven at once: fio
# randwrite with crc32c verify, 4k..1M, 48 MiB each (336 MiB in all).
# -P3 and -s are sane for every session; logout removes every disk; both
# modules unload.
# vm-timeout: 420
# fabrics: rxe siw
set -euo pipefail
# shellcheck source=tools/guest-lib.sh
. "$(dirname "$0")/../../tools/guest-lib.sh"

ntgt=4
RIG_LUNS=2
# shellcheck disable=SC2034  # read by rig_target_up
RIG_LUN_MB=64
base_iqn=$RIG_IQN
# Under the debug kernel over rxe, LIO answers nothing for over 10 s at
# times during the ext4 phase; NOP-Out pings then drop connections, and
# LIO's Time2Retain lockdep report (testing.rst) turns lockdep off before
# the fio phase.  So under the debug kernel (either fabric) the pings are
# off; the SCSI command timeout still guards every command, and
# ours-linkflap covers ping recovery there.
case $(uname -r) in
*-dadebug)
	# shellcheck disable=SC2034  # read by rig_iscsid_up
	RIG_NOOP_INTERVAL=0 RIG_NOOP_TIMEOUT=0
	;;
esac
rig_setup
for t in $(seq 0 $((ntgt - 1))); do
	RIG_IQN=$base_iqn$t RIG_BS_BASE=$((t * RIG_LUNS)) rig_target_up
done
rig_iscsid_up
rig_load_ours

rig_log "discovery -I iser: expect $ntgt targets"
iscsiadm -m discovery -t st -p "$RIG_IP:$RIG_PORT" -I iser >"$RIG_OUT/discovery.log" 2>&1 ||
	{ cat "$RIG_OUT/discovery.log"; rig_die "iSER discovery failed"; }
n=$(grep -c "$base_iqn" "$RIG_OUT/discovery.log" || true)
[ "$n" = $ntgt ] || { cat "$RIG_OUT/discovery.log"; rig_die "discovery found $n targets, not $ntgt"; }
iscsiadm -m node -p "$RIG_IP:$RIG_PORT" -I iser --login >"$RIG_OUT/login.log" 2>&1 ||
	{ cat "$RIG_OUT/login.log"; rig_die "iscsiadm --login failed"; }
want=$((ntgt * RIG_LUNS))
rig_wait 60 rig_have_disks "$want" ||
	rig_die "$(rig_disks | wc -l) disks after 60 s, not $want"
nsess=$(find /sys/class/iscsi_session -maxdepth 1 -name 'session*' | wc -l)
[ "$nsess" = $ntgt ] || rig_die "$nsess sessions, not $ntgt"
for s in /sys/class/iscsi_session/session*; do
	d=$(find "$s"/device/target*/*/block -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
	[ "$d" = $RIG_LUNS ] || rig_die "${s##*/} ($(cat "$s/targetname")) has $d disks, not $RIG_LUNS"
done
nhost=$(cat /sys/class/iscsi_session/session*/device/../scsi_host/host*/proc_name 2>/dev/null | grep -c iscsi_iser || true)
rig_log "$nsess sessions on $nhost iscsi_iser hosts, disks: $(rig_disks | tr '\n' ' ')"
[ "$nhost" = $ntgt ] || rig_die "$nhost iscsi_iser SCSI hosts, not one per session"

iscsiadm -m session -P3 >"$RIG_OUT/p3.txt" 2>&1 || rig_die "-P3 failed"
[ "$(grep -c 'iSCSI Session State: LOGGED_IN' "$RIG_OUT/p3.txt")" = $ntgt ] || rig_die "-P3: not every session LOGGED_IN"
[ "$(grep -c 'Attached scsi disk' "$RIG_OUT/p3.txt")" = "$want" ] || rig_die "-P3: not $want attached disks"

mapfile -t disks <<<"$(rig_disks)"
fsdev=${disks[0]}
rig_log "ext4 on $fsdev: mkfs, mount, 24 MiB file, remount, compare"
mkfs.ext4 -q -F "$fsdev" || rig_die "mkfs.ext4 $fsdev"
mkdir -p /mnt/da
mount "$fsdev" /mnt/da || rig_die "mount $fsdev"
dd if=/dev/urandom of="$RIG_OUT/file" bs=1M count=24 status=none
cp "$RIG_OUT/file" /mnt/da/file && sync
umount /mnt/da
echo 3 >/proc/sys/vm/drop_caches
mount "$fsdev" /mnt/da || rig_die "remount $fsdev"
cmp "$RIG_OUT/file" /mnt/da/file || rig_die "the file read back from ext4 differs"
umount /mnt/da
rig_log "ext4 round trip is byte-exact"

# Under the debug kernel (about nine times slower) the full load keeps LIO
# from answering NOP-Outs within their 5 s; the connections then churn
# until LIO hangs closing one (isert_wait_conn waits for commands it never
# finishes, a target bug).  A lighter load still covers 7 disks at once.
bsmax=1m fsize=48m
case $(uname -r) in *-dadebug) bsmax=128k fsize=8m ;; esac
rig_log "fio verify on ${#disks[@]}-1 disks at once, 4k..$bsmax, $fsize each"
args=()
for d in "${disks[@]:1}"; do
	args+=(--name="v${d#/dev/}" --filename="$d")
done
fio --direct=1 --ioengine=libaio --iodepth=8 --rw=randwrite --bsrange=4k-"$bsmax" --size="$fsize" \
	--verify=crc32c --verify_fatal=1 --verify_state_save=0 --do_verify=1 --eta=never \
	--output="$RIG_OUT/fio-multi.log" "${args[@]}" || { tail -n 30 "$RIG_OUT/fio-multi.log"; rig_die "fio failed"; }
n=$(grep -c 'err= 0' "$RIG_OUT/fio-multi.log" || true)
[ "$n" = $((want - 1)) ] || { grep err= "$RIG_OUT/fio-multi.log"; rig_die "$n of $((want - 1)) fio jobs clean"; }
grep -E 'WRITE:|READ:' "$RIG_OUT/fio-multi.log" | sed 's/^ */    /'

iscsiadm -m session -s >"$RIG_OUT/stats.txt" 2>&1 || rig_die "-s failed"
n=$(awk '$1 == "scsicmd_pdus:" && $2 > 0' "$RIG_OUT/stats.txt" | wc -l)
[ "$n" = $ntgt ] || rig_die "-s: $n of $ntgt sessions show SCSI commands"
[ "$(awk '$1 == "protocol_errors:" && $2 != 0' "$RIG_OUT/stats.txt" | wc -l)" = 0 ] || rig_die "-s: protocol errors"

# A target closes each connection once it has answered the Logout: that
# is no connection failure, and the log must not call it one.
k0=$(dmesg | wc -l)
rig_logout
[ -z "$(rig_disks)" ] || rig_die "disks remain after logout"
dmesg | tail -n +$((k0 + 1)) >"$RIG_OUT/klog-logout.txt"
if grep -E 'starting recovery|datamover terminated' "$RIG_OUT/klog-logout.txt"; then
	rig_die "a logout was logged as a connection failure"
fi
rig_log "logout: $(grep -c 'during logout' "$RIG_OUT/klog-logout.txt" || true) connections closed by the target during logout, logged as such"
rig_unload_ours || rig_die "modules do not unload after logout"
rig_log "PASS: ours over $RIG_FABRIC: $ntgt sessions x $RIG_LUNS LUNs, ext4 round trip, fio verify on $((want - 1)) disks, logout, unload"
