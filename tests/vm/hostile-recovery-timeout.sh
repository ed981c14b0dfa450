#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# replacement_timeout=0 ("fail I/O at once", as iscsid.conf documents it)
# with failures iscsi_da detects itself, under I/O, round after round:
#   stall    the target goes silent (no response, no NOP-In answer) with the
#            RC connection up: iscsi_da's NOP-Out ping timeout (2 s + 2 s)
#   bad-itt  a SCSI Response for an ITT never issued: iscsi_da's protocol
#            error, with the QP live
# With a zero timeout the transport class runs the recovery timeout at
# once, possibly before its cleanup work has stopped the connection.  The
# outstanding commands must still be failed only after Connection_Terminate
# (the lifetime rule, Documentation/datamover-interface.rst): before the
# task-lifetime rework they were completed with the QP live and their keys
# valid, and Connection_Terminate later unmapped finished requests (seen
# as a use after free under the debug kernel: tests/run --debug-kernel).
# Each round must log the failure and the recovery timeout, fail I/O fast
# (fio ends within its bound, with errors), log in again by itself, and
# pass a fresh fio verify; the kernel log must stay free of warnings (the
# datamover warns when a task settles with a valid key).
# ROUNDS=N rounds of each kind (default 3).
# fabrics: rxe
# vm-timeout: 600
set -euo pipefail
# shellcheck source=tools/guest-lib.sh
. "$(dirname "$0")/../../tools/guest-lib.sh"

# shellcheck source=tests/vm/lib/evil.sh
. "$(dirname "$0")/lib/evil.sh"

rounds=${ROUNDS:-3}
# shellcheck disable=SC2034  # read by evil_login
EVIL_NODE_SETTINGS="node.session.timeo.replacement_timeout=0
	node.conn[0].timeo.noop_out_interval=2 node.conn[0].timeo.noop_out_timeout=2"
# kind | kernel line of ours naming the failure
kinds=(
	"stall|iscsi_da.*no answer to NOP-Out ping"
	"bad-itt|iscsi_da.*SCSI Response for an ITT never issued"
)

rig_setup
rig_iscsid_up
res0=$(evil_rdma_res)
rig_load_ours

for ((r = 1; r <= rounds; r++)); do
	for entry in "${kinds[@]}"; do
		IFS='|' read -r kind want <<<"$entry"
		label=$kind-$r
		elog=$RIG_OUT/evil-$label.log
		# Fire at a different point of fio's write phase each round.
		# Only writes count: a failure during the disk's probe (udev and
		# sd read it) with replacement_timeout=0 leaves sd with a
		# capacity of 0 until someone rescans, a midlayer matter, not
		# what this test is about.
		evil_start "$kind" "--fire-on write --after $((10 + 7 * r))"
		k0=$(dmesg | wc -l)
		evil_login || { evil_show "$k0"; rig_die "round $label: no login"; }
		dev=$(rig_disks | head -1)
		t0=$SECONDS
		rc=0
		evil_fio "$label" "$dev" || rc=$?
		secs=$((SECONDS - t0))
		dmesg | tail -n +"$((k0 + 1))" >"$RIG_OUT/klog-$label.txt"
		grep -q 'fired on ITT' "$elog" ||
			{ evil_show "$k0"; rig_die "round $label: the target never misbehaved"; }
		[ $rc != 124 ] || { evil_show "$k0"; rig_die "round $label: fio hung (no completion within 180 s)"; }
		grep -Eq -- "$want" "$RIG_OUT/klog-$label.txt" ||
			{ evil_show "$k0"; rig_die "round $label: no kernel line matching /$want/"; }
		grep -q 'iscsi_da.*recovery timed out' "$RIG_OUT/klog-$label.txt" ||
			{ evil_show "$k0"; rig_die "round $label: no recovery timeout (replacement_timeout=0)"; }
		if bad=$(grep -E -m 1 "$RIG_KLOG_BAD" "$RIG_OUT/klog-$label.txt"); then
			evil_show "$k0"
			rig_die "round $label: kernel report: $bad"
		fi
		rig_wait_logged_in 60 || { evil_show "$k0"; rig_die_blocked "round $label: no re-login"; }
		rig_wait 30 rig_have_disks || rig_die "round $label: no disk after the re-login"
		dev=$(rig_disks | head -1)
		evil_fio "$label-after" "$dev" && evil_fio_clean "$label-after" ||
			{ evil_show "$k0"; rig_die "round $label: fio verify after the re-login not clean"; }
		rig_log "ok: round $label: I/O ended in $secs s (fio exit $rc), recovery timed out, logged in again, verify clean"
		evil_logout || rig_die "round $label: logout failed or a session remains"
		evil_stop || rig_die "round $label: the target did not exit cleanly"
	done
done

rig_unload_ours || rig_die "modules do not unload after the rounds"
res1=$(evil_rdma_res)
[ "$res0" = "$res1" ] || rig_die "RDMA resources differ after unload: before: $res0 after: $res1"
rig_log "PASS: $rounds rounds each of a ping timeout and a protocol error with replacement_timeout=0"
