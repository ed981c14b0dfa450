#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# An IPv6 portal: discovery, login, fio verify, recovery and logout with
# the target at [fd00:3::15]:3260 (LIO's portal "[addr]:port", iscsiadm's
# -p "[addr]:port").  The RDMA device's GID table must carry the address
# (rxe: a RoCE v2 GID from the netdev's IPv6 address; siw: its TCP
# socket).  iscsiadm -P 3 must show the current and persistent portals as
# IPv6, the kernel log name the peer as IPv6; the target drops and comes
# back under fio (TPG down 5 s): re-login over IPv6, fio verify clean;
# logout, unload.
# vm-timeout: 300
# fabrics: rxe siw
# siw: patched
set -euo pipefail
# shellcheck source=tools/guest-lib.sh
. "$(dirname "$0")/../../tools/guest-lib.sh"

ip6=fd00:3::15 ip6full=fd00:0003:0000:0000:0000:0000:0000:0015

rig_setup
ip -6 addr add "$ip6/64" dev eth0 nodad || rig_die "cannot add $ip6 to eth0"
if [ "$RIG_FABRIC" = rxe ]; then
	# rxe adds the GID when the netdev announces the address.
	rig_wait 10 sh -c "cat /sys/class/infiniband/rxe0/ports/1/gids/* | grep -qix $ip6full" ||
		rig_die "no GID for $ip6 on rxe0: $(cat /sys/class/infiniband/rxe0/ports/1/gids/* | grep -v '^0000:' | tr '\n' ' ')"
else
	# rig_portal_add's network namespace for LIO's TCP listener, with
	# the IPv6 address (it makes one with an IPv4 address otherwise).
	ip netns add lio-tcp
	ip -n lio-tcp link add d0 type dummy
	ip -n lio-tcp addr add "$ip6/128" dev d0 nodad
	ip -n lio-tcp link set d0 up
fi
RIG_IP="[$ip6]" RIG_PORTAL_IP="[$ip6]"
rig_target_up
rig_iscsid_up
rig_load_ours
rig_login

iscsiadm -m session -P 3 >"$RIG_OUT/session.txt"
# The current portal is the connection's address as the kernel shows it:
# written out in full, as libiscsi does for ib_iser (%pI6); the
# persistent one is what iscsid was given.
for what in "Current Portal: \[($ip6|$ip6full)\]" "Persistent Portal: \[$ip6\]"; do
	grep -Eq "$what:3260,1" "$RIG_OUT/session.txt" ||
		rig_die "iscsiadm -P 3 shows no $what:3260,1: $(grep Portal "$RIG_OUT/session.txt" | tr -s ' \t' ' ')"
done
rig_log "iscsiadm -P 3: $(grep -E 'Current Portal|Persistent Portal' "$RIG_OUT/session.txt" | tr -s ' \t' ' ')"
rig_klog_has "iser_dm: connected to \[$ip6\]:3260 over ${RIG_FABRIC}0" ||
	rig_die "the kernel log does not name the IPv6 peer"
[ "$(cat /sys/class/iscsi_connection/connection*/persistent_address)" = "$ip6" ] ||
	rig_die "persistent_address is $(cat /sys/class/iscsi_connection/connection*/persistent_address), not $ip6"

dev=$(rig_disks | head -1)
rig_fio_bg ipv6 "$dev" 30
sleep 5
rig_target_stop
sleep 5
rig_target_start
t0=$SECONDS
rig_wait_logged_in 30 || rig_die "no re-login over IPv6 within 30 s of the target's return"
rig_log "re-logged in over IPv6 $((SECONDS - t0)) s after the target came back"
rig_fio_wait ipv6
rig_fio_verify "$dev" 8m
rig_logout
rig_unload_ours || rig_die "unload failed"
rig_log "PASS: an IPv6 portal over $RIG_FABRIC: login, -P3, recovery, fio verify, logout"
