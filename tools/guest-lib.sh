# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# guest-lib.sh - helpers for scripts that run inside a rig VM (tools/vm-run).
# Source it, then call the rig_* functions.  Every step logs what it does
# with the guest's uptime, and dies with the lines that matter on failure.

RIG_TOP=${RIG_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
RIG_IP=${RIG_IP:-10.0.2.15}		# the target's address
RIG_LOCAL_IP=${RIG_LOCAL_IP:-$RIG_IP}	# ours (one VM: the same)
RIG_PORTAL_IP=${RIG_PORTAL_IP:-$RIG_IP}	# what the target listens on (0.0.0.0: any)
RIG_PORT=${RIG_PORT:-3260}
RIG_IQN=${RIG_IQN:-iqn.2003-01.org.linux-iscsi.rig:tgt}
RIG_MTU=${RIG_MTU:-1500}
RIG_LUN_MB=${RIG_LUN_MB:-256}
RIG_LUNS=${RIG_LUNS:-1}
RIG_BS_BASE=${RIG_BS_BASE:-0}		# first RAM backstore number (several targets)
RIG_FABRIC=${RIG_FABRIC:-rxe}
RIG_OUT=${RIG_OUT:-/tmp}
CFS=/sys/kernel/config/target

RIG_KO_DIR=${RIG_KO_DIR:-$RIG_TOP}

rig_log() { printf '[rig %7.2fs] %s\n' "$(cut -d' ' -f1 /proc/uptime)" "$*"; }

rig_die() {
	rig_log "FAIL: $*"
	echo "---- last kernel messages ----"
	dmesg | tail -n 40
	exit 1
}

# rig_die_blocked MSG: rig_die, after the kernel listed its blocked tasks
# (sysrq w): for a step that hung.
rig_die_blocked() {
	echo w >/proc/sysrq-trigger 2>/dev/null
	sleep 1
	dmesg | sed -n '/sysrq: Show Blocked State/,$p' | head -n 150
	rig_die "$@"
}

# rig_bounded SECS WHAT CMD...: run CMD; it must succeed within SECS.  A
# command stuck in the kernel cannot be killed (timeout(1) would wait for
# it forever): on a hang, list the blocked tasks and fail.
rig_bounded() {
	local secs=$1 what=$2
	shift 2
	"$@" &
	rig_await $! "$secs" "$what"
}

# rig_await PID SECS WHAT: as rig_bounded, for a command already started
# in the background (PID, a child of this shell).
rig_await() {
	local pid=$1 secs=$2 what=$3 rc=0
	rig_wait "$secs" sh -c "! kill -0 $pid" || {
		# Not always in the blocked list (sysrq w): an interruptible
		# sleep or a busy loop.  Where is it?
		rig_log "$what: pid $pid $(grep '^State' "/proc/$pid/status" 2>/dev/null), kernel stack:"
		sed 's/^/    /' "/proc/$pid/stack" 2>/dev/null
		echo l >/proc/sysrq-trigger 2>/dev/null
		rig_die_blocked "$what: still running after $secs s"
	}
	wait "$pid" || rc=$?
	[ $rc = 0 ] || rig_die "$what failed (exit $rc)"
}

# rig_wait SECONDS CMD...: poll CMD every 0.2 s until it succeeds, for at
# most SECONDS of wall time (however long each CMD takes).
rig_wait() {
	local end=$((SECONDS + $1))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.2
	done
}

# Network on the virtio NIC and Soft-RoCE (rxe) on top of it.
rig_setup() {
	rig_log "setup: network $RIG_LOCAL_IP/24 mtu $RIG_MTU, fabric $RIG_FABRIC"
	# Debug kernel: forget what boot left unreferenced; the test's own
	# leaks are what rig_exit_check reports.
	[ -w /sys/kernel/debug/kmemleak ] && echo clear >/sys/kernel/debug/kmemleak
	# No udev here: load what it would have loaded.
	modprobe -a virtio_net sd_mod || rig_die "modprobe virtio_net sd_mod"
	rig_wait 10 test -e /sys/class/net/eth0 || rig_die "no eth0"
	ip link set eth0 mtu "$RIG_MTU"
	ip addr add "$RIG_LOCAL_IP/24" dev eth0
	ip link set eth0 up
	case $RIG_FABRIC in
	rxe)
		modprobe rdma_rxe || rig_die "modprobe rdma_rxe"
		rdma link add rxe0 type rxe netdev eth0 || rig_die "rdma link add rxe0"
		;;
	siw)
		# Soft iWARP, built out of tree by tools/build-siw.sh.
		# RIG_SIW=patched: the host running the target loads the build
		# with tools/siw-closing-flush.patch (stock siw hangs LIO when
		# the target drops a connection with I/O in flight).  In a
		# pair, the initiator keeps stock siw.
		local siw
		siw=$RIG_TOP/.build/siw/$(uname -r)/siw.ko
		case ${RIG_SIW:-stock} in
		stock | patched) ;;
		*) rig_die "RIG_SIW=$RIG_SIW: stock or patched" ;;
		esac
		if [ "${RIG_SIW:-stock}" = patched ] && [ "${RIG_ROLE:-}" != initiator ]; then
			siw=$RIG_TOP/.build/siw/$(uname -r)/patched/siw.ko
			rig_log "setup: siw with tools/siw-closing-flush.patch"
		fi
		[ -s "$siw" ] || rig_die "$siw missing (run tools/build-siw.sh on the host)"
		modprobe -a ib_core libcrc32c || rig_die "modprobe ib_core libcrc32c"
		insmod "$siw" || rig_die "insmod siw.ko"
		rdma link add siw0 type siw netdev eth0 || rig_die "rdma link add siw0"
		;;
	*) rig_die "unknown fabric $RIG_FABRIC" ;;
	esac
	modprobe rdma_cm || rig_die "modprobe rdma_cm"
	rig_wait 10 sh -c "rdma link show | grep -q ACTIVE" || rig_die "RDMA link not ACTIVE"
	rig_log "setup: $(rdma link show | tr -s ' ' | head -1)"
}

# The initiator's IQN (iscsid's), the file made if missing.
rig_initiator_name() {
	mkdir -p /etc/iscsi
	[ -s /etc/iscsi/initiatorname.iscsi ] ||
		echo "InitiatorName=iqn.1993-08.org.debian:01:rig" >/etc/iscsi/initiatorname.iscsi
	sed -n 's/^InitiatorName=//p' /etc/iscsi/initiatorname.iscsi
}

# LIO target with RAM-backed LUNs and a portal with iSER enabled.
# Options: --chap USER PASS (an ACL for the initiator's IQN, with CHAP);
# --acl (an ACL for the initiator's IQN, no authentication: LIO keeps
# per-ACL attributes such as its NOP-In ping timers, see rig_acl_attrib;
# a generated ACL has the defaults).  Default: generated ACLs, no
# authentication.
rig_target_up() {
	local chap_user="" chap_pass="" acl=0 i tpg ini
	case ${1:-} in
	--chap) chap_user=$2 chap_pass=$3 acl=1 ;;
	--acl) acl=1 ;;
	esac
	rig_log "target: $RIG_IQN, $RIG_LUNS x ${RIG_LUN_MB} MiB rd_mcp, portal $RIG_PORTAL_IP:$RIG_PORT iser${chap_user:+, CHAP}$([ "${1:-}" = --acl ] && echo ", ACL")"
	mkdir -p /etc/target
	modprobe -a target_core_mod iscsi_target_mod ib_isert || rig_die "modprobe LIO"
	tpg=$CFS/iscsi/$RIG_IQN/tpgt_1
	mkdir -p "$tpg" || rig_die "configfs: cannot create $tpg"
	for i in $(seq 0 $((RIG_LUNS - 1))); do
		local b=$((RIG_BS_BASE + i))
		mkdir -p "$CFS/core/rd_mcp_$b/ram$b"
		echo "rd_pages=$((RIG_LUN_MB * 256))" >"$CFS/core/rd_mcp_$b/ram$b/control"
		echo 1 >"$CFS/core/rd_mcp_$b/ram$b/enable" || rig_die "enable ramdisk $b"
		mkdir "$tpg/lun/lun_$i"
		ln -s "$CFS/core/rd_mcp_$b/ram$b" "$tpg/lun/lun_$i/ram$b" || rig_die "map lun $i"
	done
	rig_portal_add iser
	if [ $acl = 1 ]; then
		ini=$(rig_initiator_name)
		echo 0 >"$tpg/attrib/generate_node_acls"
		mkdir -p "$tpg/acls/$ini"
		if [ -n "$chap_user" ]; then
			echo 1 >"$tpg/attrib/authentication"
			# No newline: LIO (6.1) keeps it as part of the name.
			printf '%s' "$chap_user" >"$tpg/acls/$ini/auth/userid"
			printf '%s' "$chap_pass" >"$tpg/acls/$ini/auth/password"
		else
			echo 0 >"$tpg/attrib/authentication"
		fi
		for i in $(seq 0 $((RIG_LUNS - 1))); do
			mkdir "$tpg/acls/$ini/lun_$i"
			ln -s "$tpg/lun/lun_$i" "$tpg/acls/$ini/lun_$i/map"
		done
	else
		echo 1 >"$tpg/attrib/generate_node_acls"
		echo 1 >"$tpg/attrib/cache_dynamic_acls"
		echo 0 >"$tpg/attrib/demo_mode_write_protect"
		echo 0 >"$tpg/attrib/authentication"
	fi
	echo 1 >"$tpg/enable" || rig_die "enable TPG"
}

# rig_tpg_param KEY VALUE: the iSCSI key KEY the target offers or accepts
# at the next login (tpgt_1/param/KEY) set to VALUE, and read back.
rig_tpg_param() {
	local f=$CFS/iscsi/$RIG_IQN/tpgt_1/param/$1
	[ -e "$f" ] || rig_die "LIO has no TPG parameter $1"
	echo "$2" >"$f" || rig_die "LIO refused $1=$2"
	[ "$(cat "$f")" = "$2" ] || rig_die "LIO keeps $1=$(cat "$f") after $1=$2"
	rig_log "target: $1=$2"
}

# rig_chap_mutual USER PASS: the target's own CHAP name and secret on the
# initiator's ACL (rig_target_up --chap): from the next login on, the
# initiator must check them (mutual CHAP).
rig_chap_mutual() {
	local auth
	auth=$CFS/iscsi/$RIG_IQN/tpgt_1/acls/$(rig_initiator_name)/auth
	[ -e "$auth/userid_mutual" ] || rig_die "no $auth/userid_mutual (rig_target_up --chap)"
	# No newline: LIO (6.1) keeps it as part of the name.
	printf '%s' "$1" >"$auth/userid_mutual" && printf '%s' "$2" >"$auth/password_mutual" ||
		rig_die "LIO refused the mutual CHAP name or secret"
	rig_log "target: mutual CHAP as $1"
}

# rig_acl_attrib NAME VALUE: the attribute NAME of the initiator's ACL
# (rig_target_up --acl or --chap) set to VALUE, and read back.
rig_acl_attrib() {
	local f
	f=$CFS/iscsi/$RIG_IQN/tpgt_1/acls/$(rig_initiator_name)/attrib/$1
	[ -e "$f" ] || rig_die "no ACL attribute $f (rig_target_up --acl)"
	echo "$2" >"$f" || rig_die "LIO refused the ACL attribute $1=$2"
	[ "$(cat "$f")" = "$2" ] || rig_die "LIO keeps $1=$(cat "$f") after $1=$2"
	rig_log "target: ACL attribute $1=$2"
}

# rig_portal_add iser|tcp: the portal $RIG_PORTAL_IP:$RIG_PORT on the target's
# TPG, with iSER, or iSCSI/TCP only (as on a target without iSER).
rig_portal_add() {
	local np=$CFS/iscsi/$RIG_IQN/tpgt_1/np/$RIG_PORTAL_IP:$RIG_PORT
	if [ "$1" = tcp ]; then
		mkdir "$np" || rig_die "portal $RIG_PORTAL_IP:$RIG_PORT"
		return 0
	fi
	if [ "$RIG_FABRIC" = siw ]; then
		# iWARP's CM listens on a real TCP socket, and LIO always opens an
		# iSCSI/TCP listener on a portal before iSER is enabled on it: both
		# on one ip:port clash.  Create the portal from a private network
		# namespace, so its TCP listener lives there, then enable iSER from
		# here: the iWARP listener is the only one on $RIG_PORTAL_IP:$RIG_PORT.
		if [ ! -e /run/netns/lio-tcp ]; then
			ip netns add lio-tcp
			ip -n lio-tcp link add d0 type dummy
			ip -n lio-tcp addr add "$RIG_IP/32" dev d0
			ip -n lio-tcp link set d0 up
		fi
		nsenter --net=/run/netns/lio-tcp mkdir "$np" || rig_die "portal $RIG_PORTAL_IP:$RIG_PORT"
	else
		mkdir "$np" || rig_die "portal $RIG_PORTAL_IP:$RIG_PORT"
	fi
	echo 1 >"$np/iser" || rig_die "cannot enable iSER on the portal (ib_isert)"
}

# Undo rig_portal_add: iSER off first, then the portal from the network
# namespace that created it (over siw, an rmdir from the root namespace
# blocks forever in LIO's np teardown).
rig_portal_del() {
	local np=$CFS/iscsi/$RIG_IQN/tpgt_1/np/$RIG_PORTAL_IP:$RIG_PORT ns=()
	[ "$(cat "$np/iser")" = 0 ] || echo 0 >"$np/iser" || rig_die "cannot disable iSER on the portal"
	[ "$RIG_FABRIC" = siw ] && [ -e /run/netns/lio-tcp ] && ns=(nsenter --net=/run/netns/lio-tcp)
	timeout 30 "${ns[@]}" rmdir "$np" || rig_die "cannot remove the portal $np"
}

# A target "restart" that keeps the RAM disks (their data is what fio
# verifies): the TPG goes down, dropping every connection, and its
# listener closes; rig_target_start brings both back.  Over siw the
# listener stays (logins are rejected while the TPG is down): with
# connections being retried, LIO's iSER portal teardown over iWARP blocks
# forever in the kernel (6.1), which would take the target host with it.
rig_target_stop() {
	rig_log "target: stop (TPG disabled$([ "$RIG_FABRIC" = siw ] || echo ", portal closed"))"
	rig_bounded 60 "disabling the TPG" sh -c "echo 0 >'$CFS/iscsi/$RIG_IQN/tpgt_1/enable'"
	[ "$RIG_FABRIC" = siw ] || rig_portal_del
}

rig_target_start() {
	rig_log "target: start"
	[ "$RIG_FABRIC" = siw ] || rig_portal_add iser
	echo 1 >"$CFS/iscsi/$RIG_IQN/tpgt_1/enable" || rig_die "cannot enable the TPG"
}

rig_target_down() {
	rig_log "target: tear down"
	local tpg=$CFS/iscsi/$RIG_IQN/tpgt_1 i
	echo 0 >"$tpg/enable" 2>/dev/null
	find "$tpg/acls" -mindepth 3 -maxdepth 3 -type l -delete 2>/dev/null
	rmdir "$tpg"/acls/*/lun_* "$tpg"/acls/* 2>/dev/null
	find "$tpg/lun" -mindepth 2 -maxdepth 2 -type l -delete 2>/dev/null
	rmdir "$tpg"/lun/lun_* "$tpg"/np/* "$tpg" "$CFS/iscsi/$RIG_IQN" 2>/dev/null
	rmdir "$CFS/iscsi" 2>/dev/null
	ip netns del lio-tcp 2>/dev/null
	for i in $(seq "$RIG_BS_BASE" $((RIG_BS_BASE + RIG_LUNS - 1))); do
		rmdir "$CFS/core/rd_mcp_$i/ram$i" "$CFS/core/rd_mcp_$i" 2>/dev/null
	done
}

# iscsid, started by hand: its packaged start-up goes through systemd.
rig_iscsid_up() {
	rig_log "iscsid: start"
	mkdir -p /run/lock/iscsi /var/lib/iscsi
	rig_initiator_name >/dev/null
	sed -i 's/^iscsid.startup/# &/' /etc/iscsi/iscsid.conf
	# RIG_NOOP_INTERVAL, RIG_NOOP_TIMEOUT: the NOP-Out ping of the node
	# records discovery makes (open-iscsi's default: every 5 s, 5 s to
	# answer).  Both 0 turn the ping off; iscsid puts an interval of 0
	# with a timeout back to its default.
	[ -z "${RIG_NOOP_INTERVAL:-}" ] || sed -i "s/^\(node.conn\[0\].timeo.noop_out_interval\) *=.*/\1 = $RIG_NOOP_INTERVAL/" \
		/etc/iscsi/iscsid.conf
	[ -z "${RIG_NOOP_TIMEOUT:-}" ] || sed -i "s/^\(node.conn\[0\].timeo.noop_out_timeout\) *=.*/\1 = $RIG_NOOP_TIMEOUT/" \
		/etc/iscsi/iscsid.conf
	iscsid || rig_die "iscsid did not start"
	rig_wait 10 test -S /run/iscsid.sock -o -e /run/iscsid.pid || true
}

# Our modules: iscsi_da (the iSCSI layer) and iser_dm (the iSER datamover).
rig_load_ours() {
	local p
	rig_log "modules: load iscsi_da + iser_dm ${*:+($*)}"
	lsmod | grep -q '^ib_iser ' && rig_die "in-tree ib_iser is loaded; it also registers transport \"iser\""
	modprobe -a scsi_transport_iscsi rdma_cm ib_core || rig_die "modprobe deps"
	for p in iscsi_da/iscsi_da.ko iser_dm/iser_dm.ko; do
		[ -e "$RIG_KO_DIR/$p" ] || rig_die "$RIG_KO_DIR/$p not built (make)"
	done
	insmod "$RIG_KO_DIR/iscsi_da/iscsi_da.ko" || rig_die "insmod iscsi_da"
	insmod "$RIG_KO_DIR/iser_dm/iser_dm.ko" "$@" || rig_die "insmod iser_dm"
	rig_note_module_ranges iscsi_da iser_dm
}

# rig_note_module_ranges MOD...: where each module's code sits, for
# rig_exit_check: once a module is unloaded, kmemleak prints the frames
# that were in it as bare addresses, and only these ranges say whose
# they were.
rig_note_module_ranges() {
	local m text size
	for m in "$@"; do
		text=$(cat "/sys/module/$m/sections/.text" 2>/dev/null) || continue
		size=$(cat "/sys/module/$m/coresize" 2>/dev/null) || continue
		echo "$m $text $size" >>"$RIG_OUT/module-ranges"
	done
}

# rig_kmemleak_ours FILE: the backtrace frames in a kmemleak report that
# are ours, by name or (module unloaded) by address.
rig_kmemleak_ours() {
	grep -E 'iscsi_da|iser_dm' "$1"
	[ -s "$RIG_OUT/module-ranges" ] || return 0
	grep -oE '^ *\[<[0-9a-f]+>\] 0x[0-9a-f]+$' "$1" | grep -oE '0x[0-9a-f]+$' |
		while read -r a; do
			while read -r m text size; do
				if (( a >= text && a < text + size )); then
					echo "$a (in $m, unloaded since)"
					break
				fi
			done <"$RIG_OUT/module-ranges"
		done
}

# rig_slab_ours FILE: the objects in the kmalloc caches that were allocated
# through our modules and are still allocated, one "CACHE/CALLER/OURS
# COUNT" line per cache, caller of kmalloc and first frame of ours, sorted
# for join.  Our modules have no slab caches of their own, so this is
# everything they hold but page allocations.  Needs the allocation traces
# of slub_debug=U (a test says "# vm-append: slub_debug=U,kmalloc-*");
# without them it fails and writes nothing.
rig_slab_ours() {
	local f
	: >"$1"
	mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
	[ -r /sys/kernel/debug/slab/kmalloc-64/alloc_traces ] || return 1
	# Cached dentries and inodes of sysfs files keep the kernfs nodes (and
	# their names) of removed sessions: iscsid and the tests read them.
	# Reclaimable, not leaked: reclaim them first.
	sync
	echo 2 >/proc/sys/vm/drop_caches
	for f in /sys/kernel/debug/slab/kmalloc-*/alloc_traces; do
		awk -v cache="$(basename "$(dirname "$f")")" '
			function out() { if (ours != "") c[cache "/" caller "/" ours] += n; ours = "" }
			/^ *[0-9]+ / { out(); n = $1; caller = $2; sub(/\+0x.*/, "", caller); next }
			/\[(iscsi_da|iser_dm)\]$/ && ours == "" { ours = $1; sub(/\+0x.*/, "", ours) }
			END { out(); for (s in c) print s, c[s] }' "$f"
	done | sort -k1,1 >"$1"
}

# rig_up_ours [iser_dm params]: the usual start of a test of ours: network
# and fabric, the LIO target, iscsid, our modules.
rig_up_ours() {
	rig_setup
	rig_target_up
	rig_iscsid_up
	rig_load_ours "$@"
}

rig_unload_ours() {
	rig_log "modules: unload iser_dm + iscsi_da"
	rmmod iser_dm || return 1
	rmmod iscsi_da || return 1
}

# The in-tree reference initiator: ib_iser on libiscsi.
rig_load_ref() {
	rig_log "modules: load in-tree ib_iser (reference)"
	lsmod | grep -q '^iser_dm ' && rig_die "iser_dm is loaded; it also registers transport \"iser\""
	modprobe ib_iser || rig_die "modprobe ib_iser"
}

# The block devices of every iSCSI session, as /dev/sdX, one per line.
rig_disks() {
	local b
	for b in /sys/class/iscsi_session/session*/device/target*/*/block/*; do
		[ -e "$b" ] && echo "/dev/${b##*/}"
	done
	return 0
}

# Predicates for rig_wait: no iSCSI session is left; at least N (default
# 1) disks of iSCSI sessions have appeared.
rig_no_sessions() {
	! compgen -G '/sys/class/iscsi_session/session*' >/dev/null
}
rig_have_disks() {
	[ "$(rig_disks | wc -l)" -ge "${1:-1}" ]
}

# Discover over iSER and log in; prints nothing, waits for RIG_LUNS disks.
rig_login() {
	local t0=$SECONDS
	rig_log "login: discovery -I iser at $RIG_IP:$RIG_PORT"
	iscsiadm -m discovery -t st -p "$RIG_IP:$RIG_PORT" -I iser >"$RIG_OUT/discovery.log" 2>&1 ||
		{ cat "$RIG_OUT/discovery.log"; rig_die "iSER discovery failed"; }
	rig_log "login: $(cat "$RIG_OUT/discovery.log")"
	local kv
	# RIG_NODE_SETTINGS="name=value ...": node record settings for the login.
	for kv in ${RIG_NODE_SETTINGS:-}; do
		iscsiadm -m node -T "$RIG_IQN" -p "$RIG_IP:$RIG_PORT" -I iser -o update \
			-n "${kv%%=*}" -v "${kv#*=}" || rig_die "iscsiadm: cannot set $kv"
	done
	iscsiadm -m node -T "$RIG_IQN" -p "$RIG_IP:$RIG_PORT" -I iser --login >"$RIG_OUT/login.log" 2>&1 ||
		{ cat "$RIG_OUT/login.log"; rig_die "iscsiadm --login failed"; }
	rig_wait 30 rig_have_disks "$RIG_LUNS" ||
		rig_die "logged in, but no /dev/sdX appeared after 30 s"
	rig_log "login: done in $((SECONDS - t0)) s: $(rig_disks | tr '\n' ' ')"
}

rig_logout() {
	rig_log "logout"
	iscsiadm -m node -U all >"$RIG_OUT/logout.log" 2>&1 ||
		{ cat "$RIG_OUT/logout.log"; rig_die "logout failed"; }
	rig_wait 20 rig_no_sessions ||
		rig_die "sessions remain after logout"
}

# rig_fio_verify DEV [SIZE] [extra fio args...]: write with crc32c and read back.
rig_fio_verify() {
	local dev=$1 size=${2:-32m}
	shift 2 || shift $#
	rig_log "fio: verify=crc32c on $dev, $size"
	fio --name=verify --filename="$dev" --direct=1 --ioengine=libaio --iodepth=16 \
		--rw=randwrite --bsrange=4k-128k --size="$size" --verify=crc32c \
		--verify_fatal=1 --verify_state_save=0 --eta=never --do_verify=1 "$@" \
		--output="$RIG_OUT/fio-verify.log" || {
		tail -n 30 "$RIG_OUT/fio-verify.log"
		rig_die "fio verify failed on $dev"
	}
	grep -E 'err=|WRITE:|READ:' "$RIG_OUT/fio-verify.log" | sed 's/^ */    /'
	grep -q 'err= 0' "$RIG_OUT/fio-verify.log" || rig_die "fio reported errors"
}

# rig_fio_bg NAME DEV SECS [SIZE]: fio randwrite with crc32c verify in the
# background for SECS seconds, then its verify pass; $RIG_FIO_PID is fio.
# Under the debug kernel (about nine times slower) the default size is 4m,
# so that a whole write pass, and then the verify pass, fit in SECS.
rig_fio_bg() {
	local name=$1 dev=$2 secs=$3 size=${4:-16m}
	# A ninth of the speed under the debug kernel, less when the host is
	# busy: a pass small enough to reach its verify within the test.
	case $(uname -r) in *-dadebug) size=${4:-2m} ;; esac
	rig_log "fio: background randwrite+verify on $dev for $secs s ($name)"
	fio --name="$name" --filename="$dev" --direct=1 --ioengine=libaio --iodepth=16 \
		--rw=randwrite --bsrange=4k-64k --size="$size" --time_based --runtime="$secs" \
		--verify=crc32c --verify_fatal=1 --verify_state_save=0 --do_verify=1 --eta=never \
		--output="$RIG_OUT/fio-$name.log" &
	RIG_FIO_PID=$!
}

# rig_fio_wait NAME: wait for rig_fio_bg's fio; fail on any error or a
# missing verify pass.
rig_fio_wait() {
	local name=$1 rc=0
	wait "$RIG_FIO_PID" || rc=$?
	grep -E 'err=|WRITE:|READ:' "$RIG_OUT/fio-$name.log" | sed 's/^ */    /'
	if [ $rc != 0 ] || ! grep -q 'err= 0' "$RIG_OUT/fio-$name.log"; then
		tail -n 25 "$RIG_OUT/fio-$name.log"
		rig_die "fio $name failed (exit $rc)"
	fi
	grep -q 'READ: bw=' "$RIG_OUT/fio-$name.log" || rig_die "fio $name: no verify pass ran"
}

# rig_resources FILE: the RDMA resources (PDs, CQs, QPs, MRs, CM ids) and
# the reference counts of our modules and the stack below them, to compare
# before and after (nothing leaked).
rig_resources() {
	{
		rdma resource show | sed 's/^[0-9]*: //'
		for m in iscsi_da iser_dm scsi_transport_iscsi rdma_cm ib_core; do
			echo "$m refcnt $(cat /sys/module/$m/refcnt)"
		done
	} >"$1"
}

# rig_klog_has ERE: the kernel log has a matching line.  (Not `dmesg |
# grep -q`: under pipefail, grep -q quitting early can fail the pipeline.)
rig_klog_has() {
	dmesg >"$RIG_OUT/.klog"
	grep -Eq -- "$1" "$RIG_OUT/.klog"
}

# rig_wait_logged_in SECS: until every session is LOGGED_IN again.
rig_wait_logged_in() {
	rig_wait "$1" sh -c 'timeout 10 iscsiadm -m session -P1 2>/dev/null | grep "iSCSI Session State" |
		grep -qv LOGGED_IN && exit 1; timeout 10 iscsiadm -m session -P1 2>/dev/null |
		grep -q "iSCSI Session State: LOGGED_IN"'
}

# Every VM test fails if the kernel complained, whatever the script thought:
# warnings, oopses, KASAN, lockdep, hung tasks, and (debug kernel) kmemleak.
RIG_KLOG_BAD='WARNING:|BUG:|Oops|KASAN|possible circular locking|possible recursive locking|inconsistent lock state|blocked for more than|unreferenced object|general protection fault|refcount_t:|list_(add|del) corruption|Poison overwritten|Redzone overwritten|Object already free|Freepointer corrupt'
# Reports of in-tree code that our tests can set off and no initiator can
# avoid.  Each entry is an ERE for a line of the report, at most 2 lines
# before or 8 after its first (WARNING:) line; such a report is logged and
# not counted.  Add one only with the reason, and never one in our code.
RIG_KLOG_KNOWN=(
	# scsi_transport_iscsi runs the unbind iscsid asks for at logout on the
	# session's WQ_MEM_RECLAIM workqueue; removing the SCSI target there
	# flushes runtime-PM work the target device may have queued on pm_wq,
	# which is not WQ_MEM_RECLAIM (check_flush_dependency, once per boot).
	# Any transport: seen with iscsi_tcp in ours-fallback, and in 1 of 200
	# logouts of ours-login-loop ROUNDS=200.
	'WQ_MEM_RECLAIM iscsi_ctrl_[0-9:]+:__iscsi_unbind_session \[scsi_transport_iscsi\] is flushing !WQ_MEM_RECLAIM pm:pm_runtime_work'
	# LIO (the target): its Time2Retain timer takes se_tpg->session_lock in
	# softirq, and iscsi_target_mod takes tpg_state_lock without disabling
	# BHs elsewhere: lockdep's "possible irq lock inversion" on the target
	# when a session it keeps for the initiator expires (ours-addrchange,
	# debug kernel).  The target's code, whoever the initiator is.  Like
	# any lockdep report it turns lockdep off for the rest of that boot
	# (in one VM it came in ours-multi under the debug kernel, until that
	# test turned NOP-Out pings off there).
	'\(&se_tpg->session_lock\).*at: iscsit_handle_time2retain_timeout'
)
# rig_klog_filter FILE: the kernel log FILE without the first line of each
# known report (RIG_KLOG_KNOWN); a line on stderr for each one left out.
rig_klog_filter() {
	BAD=$RIG_KLOG_BAD KNOWN=$(IFS='|'; echo "${RIG_KLOG_KNOWN[*]}") awk '
		{ l[NR] = $0 }
		END {
			for (i = 1; i <= NR; i++) {
				known = ""
				if (l[i] ~ ENVIRON["BAD"])
					for (j = i - 2; j <= i + 8; j++)
						if (j >= 1 && l[j] ~ ENVIRON["KNOWN"])
							known = l[j]
				if (known == "")
					print l[i]
				else
					print "known in-tree report, not counted: " l[i] " / " known >"/dev/stderr"
			}
		}' "$1"
}

# rig_klog_clean WHAT: fail now, naming WHAT, if the kernel log has what
# rig_exit_check would fail the test on (a loop names its failing round).
rig_klog_clean() {
	local bad
	dmesg >"$RIG_OUT/.klog"
	bad=$(rig_klog_filter "$RIG_OUT/.klog" 2>/dev/null | grep -E "$RIG_KLOG_BAD" | head -n 5) || true
	[ -z "$bad" ] || { echo "$bad"; rig_die "$1: the kernel log has warnings or errors"; }
}

rig_exit_check() {
	local rc=$? bad ours
	set +e
	if [ -w /sys/kernel/debug/kmemleak ]; then
		# An object must look unreferenced in two scans, 5 s apart at least.
		echo scan >/sys/kernel/debug/kmemleak 2>/dev/null
		sleep 6
		echo scan >/sys/kernel/debug/kmemleak 2>/dev/null
		cat /sys/kernel/debug/kmemleak >"$RIG_OUT/kmemleak.txt" 2>/dev/null
		ours=$(rig_kmemleak_ours "$RIG_OUT/kmemleak.txt")
		if [ -n "$ours" ]; then
			rig_log "FAIL: kmemleak: objects allocated through our modules leaked (all: kmemleak.txt):"
			echo "$ours" | head -n 5
			head -n 40 "$RIG_OUT/kmemleak.txt"
			rc=1
		elif [ -s "$RIG_OUT/kmemleak.txt" ]; then
			rig_log "kmemleak: $(grep -c '^unreferenced object' "$RIG_OUT/kmemleak.txt") objects leaked by other code, none through ours (kmemleak.txt)"
		fi
	fi
	# The whole kernel log, every level (the console shows warnings only).
	dmesg >"$RIG_OUT/dmesg.txt" 2>/dev/null
	# The log without the first line of each known report (they say so).
	rig_klog_filter "$RIG_OUT/dmesg.txt" 2>&1 >"$RIG_OUT/dmesg-checked.txt" |
		while read -r line; do rig_log "$line"; done
	bad=$(grep -E "$RIG_KLOG_BAD" "$RIG_OUT/dmesg-checked.txt" | head -n 5) || true
	if [ -n "$bad" ]; then
		rig_log "FAIL: the kernel log has warnings or errors (all of it: dmesg.txt):"
		grep -E -B 2 -A 40 "$RIG_KLOG_BAD" "$RIG_OUT/dmesg-checked.txt" | head -n 80
		rc=1
	fi
	exit $rc
}
trap rig_exit_check EXIT

# Two-host tests (tools/vm-pair): signals through the shared directory.
rig_signal() { : >"/rig-share/$1"; }
rig_wait_signal() {
	local name=$1 t=${2:-120} i=0
	while [ ! -e "/rig-share/$name" ]; do
		i=$((i + 1))
		[ $i -ge $((t * 2)) ] && rig_die "timed out waiting for signal '$name' from the other host"
		sleep 0.5
	done
}

# rig_stat NAME: a counter of the (first) session from `iscsiadm -m session -s`.
rig_stat() {
	iscsiadm -m session -s 2>/dev/null | awk -v k="$1:" '$1 == k { print $2; exit }'
}
