# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
#
# The hostile iSER target (tests/hostile/iser-evil-target) in a VM test,
# sourced by the hostile-* tests after tools/guest-lib.sh.  Sourcing builds
# the tool (a no-op when the host already did, make -C tests/hostile) and
# sets the portal and IQN rig_login and iscsiadm use.
#
#   evil_start SCENARIO [OPTIONS]  run the target in the background, its
#                                  output in $elog; return once it listens
#   evil_stop                      SIGTERM it; return its exit status
#   evil_login                     discovery and login over iSER, then wait
#                                  for the disk; non-zero if any step fails.
#                                  EVIL_NODE_SETTINGS="name=value ..." are
#                                  set on the node record before the login
#   evil_logout                    log out of everything, wait until no
#                                  session is left, forget the node records
#   evil_fio NAME DEV              4 MiB of randwrite with crc32c, then its
#                                  verify pass, bounded to 180 s; returns
#                                  fio's status (124: it hung), output in
#                                  $RIG_OUT/fio-NAME.log
#   evil_fio_clean NAME            that fio run wrote, read back and
#                                  verified without an error
#   evil_show SINCE                the target's log (without the per-PDU
#                                  lines) and the kernel lines of ours since
#                                  dmesg line SINCE, indented: for a failure
#   evil_rdma_res                  the RDMA resources without CQs, to
#                                  compare before load and after unload
#   evil_wanted NAME               is NAME in HOSTILE_ONLY="name ..." (or
#                                  is that unset): narrows a run
#   evil_fail NAME WHY             record a failed scenario ($evil_fails),
#                                  with what the target and the kernel said
#                                  since dmesg line $k0, and go on

RIG_PORT=3262
RIG_IQN=iqn.2003-01.org.linux-iscsi.rig:evil
# shellcheck disable=SC2034  # read by rig_login
RIG_LUNS=1
evil=$RIG_TOP/.build/hostile/iser-evil-target
elog=${elog:-/dev/null}
evil_pid=""
evil_fails=0

make -s -C "$RIG_TOP/tests/hostile" >"$RIG_OUT/hostile-build.log" 2>&1 ||
	{ cat "$RIG_OUT/hostile-build.log"; rig_die "cannot build iser-evil-target"; }

evil_start() {
	rig_log "evil target: scenario $1 on $RIG_IP:$RIG_PORT ${2:-}"
	# shellcheck disable=SC2086  # the options are words
	"$evil" --addr "$RIG_IP" --port "$RIG_PORT" --iqn "$RIG_IQN" --scenario "$1" \
		--lun-mb 16 ${2:-} >"$elog" 2>&1 &
	evil_pid=$!
	rig_wait 10 grep -q 'evil: listening' "$elog" || { cat "$elog"; rig_die "evil target did not start"; }
}

evil_stop() {
	local rc=0

	[ -n "$evil_pid" ] || return 0
	kill -TERM "$evil_pid" 2>/dev/null || true
	wait "$evil_pid" || rc=$?
	evil_pid=""
	return $rc
}

evil_login() {
	local kv

	timeout 60 iscsiadm -m discovery -t st -p "$RIG_IP:$RIG_PORT" -I iser >/dev/null 2>&1 ||
		return 1
	for kv in ${EVIL_NODE_SETTINGS:-}; do
		iscsiadm -m node -T "$RIG_IQN" -p "$RIG_IP:$RIG_PORT" -I iser -o update \
			-n "${kv%%=*}" -v "${kv#*=}" >/dev/null 2>&1 || return 1
	done
	timeout 60 iscsiadm -m node -T "$RIG_IQN" -p "$RIG_IP:$RIG_PORT" -I iser --login >/dev/null 2>&1 &&
		rig_wait 30 rig_have_disks
}

evil_logout() {
	timeout 60 iscsiadm -m node -U all >/dev/null 2>&1 || return 1
	rig_wait 20 rig_no_sessions || return 1
	iscsiadm -m node -o delete >/dev/null 2>&1 || true
}

evil_fio() {
	timeout 180 fio --name=evil --filename="$2" --direct=1 --ioengine=libaio --iodepth=8 \
		--rw=randwrite --bsrange=4k-64k --size=4m --verify=crc32c --verify_fatal=1 \
		--verify_state_save=0 --do_verify=1 --eta=never --output="$RIG_OUT/fio-$1.log"
}

evil_fio_clean() {
	grep -q 'err= 0' "$RIG_OUT/fio-$1.log" && grep -q 'READ: bw=' "$RIG_OUT/fio-$1.log"
}

evil_show() {
	sed 's/^/    evil: /' "$elog" | grep -Ev 'evil: evil: (rx|tx) ' | tail -n 15
	dmesg | tail -n +"$(($1 + 1))" | grep -E 'iscsi_da|iser_dm|connection' | tail -n 15 |
		sed 's/^/    kmsg: /'
}

# The device's CQ pool keeps the CQs it grew until the device goes away
# (ib_cq_pool_get): CQs are not ours to free, everything else is.
evil_rdma_res() { rdma res show | tr -s ' ' | sed 's/ cq [0-9]*//'; }

evil_wanted() {
	[ -z "${HOSTILE_ONLY:-}" ] || [[ " $HOSTILE_ONLY " == *" $1 "* ]]
}

evil_fail() {
	rig_log "FAIL: scenario $1: $2"
	evil_show "$k0"
	evil_fails=$((evil_fails + 1))
}
