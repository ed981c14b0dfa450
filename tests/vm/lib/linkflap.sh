# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# Link flap across two hosts, sourced by a test that sets $stack (ref: the
# in-tree ib_iser; ours: iscsi_da + iser_dm): the target host's cable is
# pulled for 20 s under a running fio verify, then plugged back in.  The
# session must recover by itself, fio must finish with no verify error,
# logout works (and, for ours, the modules unload).
#
# What is pulled: the target host's virtual cable, with QEMU's `set_link n0
# off` (tools/vm-pair, on the guest's request through the shared directory).
# The target's NIC loses carrier exactly as with a real cable pull: eth0
# stays administratively up and keeps its address and routes, the rxe port
# goes DOWN then ACTIVE again, and every frame on the wire is lost meanwhile.
#
# Why not `ip link set eth0 down` on the target: that is an administrative
# down, not a cable pull, and under Soft-RoCE it breaks the host for good.
# It removes the routes through eth0, so the next packet any rxe QP sends
# fails its route lookup (rxe_find_route4: "no route"), and rxe turns that
# local error into QP error state.  For an RC QP that is merely early, but
# the GSI QP (QP1, which carries every CM MAD) is hit as soon as the target
# sends a CM MAD while the link is down - typically the DREQ of isert's
# teardown of the broken connection.  ib_mad "recovers" QP1 with an SQE->RTS
# modify, which in rxe (6.1) resets the send side only: the receive side
# stays in error, so every CM REQ from the initiator is dropped from then on
# and no connection ever reaches isert again (both stacks: the initiator
# retries until replacement_timeout fails the I/O).  Whether the DREQ falls
# inside the 20 s window is a race, hence the occasional pass.  A RoCE NIC
# does not route its packets through the IP stack, so this is an rxe
# artefact, not an initiator bug.
#
# mode=addrchange (set by the test before sourcing): instead of a cable pull,
# the initiator host is renumbered under fio: it gains 10.0.3.12 and loses
# 10.0.3.2, the address its connection is bound to.  The connection dies
# (nothing can be sent from a vanished address), the session must recover
# through a new connection from 10.0.3.12 to the same portal.

stack=${stack:?set by the test that sources this}
mode=${mode:-cablepull}
new_ip=10.0.3.12

# rig_cable ROLE off|on: have the host pull (or plug back) ROLE's cable.
rig_cable() {
	local req=/rig-share/cable-$1-$2
	rm -f "$req.done"
	: >"$req"
	rig_wait 30 test -e "$req.done" || rig_die "the host did not turn the $1 cable $2"
	[ "$(cat "$req.done")" = ok ] || rig_die "set_link n0 $2: $(cat "$req.done")"
}

# flap_state: what a failure needs to be understood - the kernel's story
# since the flap began (its repeats collapsed), and the initiator's view
# of the network and the RDMA CM.
flap_state() {
	rig_log "kernel log since the $mode (iSCSI, iSER, ARP and RDMA lines):"
	dmesg | tail -n +"$((k0 + 1))" | grep -E 'iscsi|iser|connection|session|neigh|arp|rdma' |
		awk '{ k = $0; sub(/^\[ *[0-9.]+\] /, "", k); if (k == p) { n++; next }
			if (n) print "  ... and " n " more"; print; p = k; n = 0 }
			END { if (n) print "  ... and " n " more" }' | head -n 40
	rig_log "addresses: $(ip -4 -o addr show dev eth0 | awk '{print $4}' | tr '\n' ' ')"
	rig_log "neighbours: $(ip neigh show dev eth0 | tr '\n' ';')"
	rig_log "route to $RIG_IP: $(ip route get "$RIG_IP" 2>&1 | head -1)"
	rig_log "RDMA CM ids: $(rdma res show cm_id | tr -s ' ' | tr '\n' ';')"
	rig_log "RDMA link: $(rdma link show | tr -s ' ' | tr '\n' ';')"
	# Is anything still arriving from the wire?
	rig_log "eth0: $(ip -s link show dev eth0 | tr -s ' ' | tr '\n' ' ')"
	if ping -c 2 -W 1 "$RIG_IP" >/dev/null 2>&1; then
		rig_log "ping $RIG_IP: answered"
	else
		rig_log "ping $RIG_IP: no answer"
	fi
	rig_log "eth0 after the ping: $(ip -s link show dev eth0 | tr -s ' ' | tr '\n' ' ')"
	rig_log "virtio interrupts: $(grep virtio /proc/interrupts | tr -s ' ' | tr '\n' ';')"
	rig_log "eth0 qdisc: $(tc -s qdisc show dev eth0 | tr -s ' ' | tr '\n' ' ')"
	rig_log "eth0 tx queue: $(for f in /sys/class/net/eth0/queues/tx-0/byte_queue_limits/inflight /sys/class/net/eth0/queues/tx-0/tx_timeout; do printf '%s=%s ' "${f##*/}" "$(cat "$f" 2>/dev/null)"; done)"
	rig_log "softnet_stat: $(tr '\n' ';' </proc/net/softnet_stat)"
	local role
	for role in initiator target; do
		rm -f "/rig-share/nicstate-$role.done"
		: >"/rig-share/nicstate-$role"
		if rig_wait 20 test -e "/rig-share/nicstate-$role.done"; then
			rig_log "QEMU's view of the $role's NIC:"
			grep -vE '^\(qemu\)|^QEMU|^$' "/rig-share/nicstate-$role.done" | sed 's/^/    /' | head -n 60
		fi
	done
}

rig_carrier() { [ "$(cat /sys/class/net/eth0/carrier 2>/dev/null)" = "$1" ]; }

if [ "$RIG_ROLE" = target ]; then
	rig_setup
	rig_target_up
	rig_signal ready
	if [ "$mode" = addrchange ]; then
		rig_wait_signal finished 300
		# The target's side of a failure (its console shows no
		# kernel log): what its network and siw/isert saw.
		rig_log "target kernel log (iSER, iSCSI, siw, network lines):"
		dmesg | grep -E 'isert|iscsi|siw|iw_|rdma|eth0|net|watchdog|BUG|WARN|lockup' | tail -n 30
		rig_log "target neighbours: $(ip neigh show dev eth0 | tr '\n' ';')"
		rig_log "target eth0: $(ip -s link show dev eth0 | tr -s ' ' | tr '\n' ' ')"
		exit 0
	fi
	rig_wait_signal pull 200
	rig_log "cable pull: the target's cable out for 20 s"
	rig_cable target off
	rig_wait 10 rig_carrier 0 || rig_die "eth0 still has carrier after the cable pull"
	rig_log "cable out: $(rdma link show | tr -s ' ' | head -1)"
	sleep 20
	rig_cable target on
	rig_wait 10 rig_carrier 1 || rig_die "eth0 has no carrier after the cable came back"
	rig_wait 10 sh -c "rdma link show | grep -q ACTIVE" || rig_die "RDMA link not ACTIVE again"
	rig_log "cable back: $(rdma link show | tr -s ' ' | head -1)"
	rig_signal back
	rig_wait_signal finished 300
	exit 0
fi

rig_setup
rig_iscsid_up
if [ "$stack" = ours ]; then rig_load_ours; else rig_load_ref; fi
rig_wait_signal ready 120
rig_login
dev=$(rig_disks | head -1)
if [ "$mode" = addrchange ]; then
	rig_log "fio verify in the background, then move this host from $RIG_LOCAL_IP to $new_ip"
else
	rig_log "fio verify in the background, then pull the cable"
fi
fio --name=flap --filename="$dev" --direct=1 --ioengine=libaio --iodepth=8 --rw=randwrite \
	--bs=4k --size=8m --loops=1000 --time_based --runtime=60 --verify=crc32c --verify_fatal=1 \
	--verify_state_save=0 --eta=never --output="$RIG_OUT/fio-flap.log" &
fio_pid=$!
sleep 5
t_pull=$SECONDS
k0=$(dmesg | wc -l)
if [ "$mode" = addrchange ]; then
	rdma res show cm_id | grep "dst-addr $RIG_IP:$RIG_PORT" | grep -q "src-addr $RIG_LOCAL_IP:" ||
		rig_die "no RDMA CM connection from $RIG_LOCAL_IP: $(rdma res show cm_id)"
	# As DHCP clients do: keep the new (secondary) address when the old
	# primary goes, instead of deleting every address of the subnet.
	sysctl -qw net.ipv4.conf.eth0.promote_secondaries=1
	ip addr add "$new_ip/24" dev eth0
	ip addr del "$RIG_LOCAL_IP/24" dev eth0
	ip -4 -o addr show dev eth0 | grep -q "inet $new_ip/" || rig_die "eth0 lost $new_ip: $(ip -4 -o addr show dev eth0)"
	rig_log "renumbered: $(ip -4 -o addr show dev eth0 | awk '{print $4}' | tr '\n' ' ')"
else
	rig_signal pull
fi
# Lost: not LOGGED_IN now, or it was not for a while (a renumbering can
# take long enough under the debug kernel that recovery is over before we
# look): the transport class logs every connection error.
rig_wait 30 sh -c '! iscsiadm -m session -P1 | grep -q "iSCSI Session State: LOGGED_IN" ||
	dmesg | tail -n +'"$((k0 + 1))"' | grep -q "detected conn error"' ||
	rig_die "the session did not notice the $mode within 30 s"
rig_log "session lost the connection after $((SECONDS - t_pull)) s"
if [ "$mode" = addrchange ]; then
	t_back=$t_pull
else
	rig_wait_signal back 120
	t_back=$SECONDS
fi
if [ "$mode" = addrchange ]; then
	# A connection made while the old address was still there dies in turn:
	# recovered means logged in from the new address.
	rig_wait 120 sh -c 'iscsiadm -m session -P1 | grep -q "iSCSI Session State: LOGGED_IN" &&
		rdma res show cm_id | grep "dst-addr '"$RIG_IP:$RIG_PORT"'" | grep -q "src-addr '"$new_ip"':"' ||
		{ flap_state; rig_die "session not logged in from $new_ip within 120 s"; }
else
	rig_wait_logged_in 120 || rig_die "session did not recover within 120 s (mode $mode)"
fi
rig_log "session recovered $((SECONDS - t_back)) s after the $mode was over ($((SECONDS - t_pull)) s after it began)"
[ "$mode" = addrchange ] && rig_log "the new connection comes from $new_ip"
wait $fio_pid || {
	tail -n 20 "$RIG_OUT/fio-flap.log"
	flap_state
	rig_die "fio failed across the link flap"
}
grep -q 'err= 0' "$RIG_OUT/fio-flap.log" || rig_die "fio reported errors"
grep -E 'WRITE:|READ:' "$RIG_OUT/fio-flap.log" | sed 's/^ */    /'
dmesg | grep -E 'iser|iscsi|connection' | tail -n 8
rig_logout
if [ "$stack" = ours ]; then
	rig_unload_ours || rig_die "modules do not unload after the flap"
fi
if [ "$mode" = addrchange ]; then
	rig_log "PASS: $stack survived the initiator's renumbering with fio verify"
else
	rig_log "PASS: $stack survived a 20 s cable pull with fio verify"
fi
