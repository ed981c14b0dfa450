#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# bench-guest.sh - inside one VM: raw verbs (perftest) on the fabric, then the
# same fio matrix against the same LIO RAM LUN through iscsi_tcp, in-tree
# ib_iser and our iscsi_da + iser_dm.  Results: $RIG_OUT/bench/*.json.
# Run through tools/bench.
set -uo pipefail
. "$(dirname "$0")/guest-lib.sh"

RUNTIME=${BENCH_RUNTIME:-8}
REPS=${BENCH_REPS:-3}
STACKS=${BENCH_STACKS:-"iscsi_tcp ib_iser ours"}
ROWS=${BENCH_ROWS:-}
res=$RIG_OUT/bench
mkdir -p "$res"
# cpustat.sh FILE appends the busy jiffies of all CPUs to FILE.  (fio runs
# exec_prerun with its own stdout redirection appended: the append must
# happen inside the script.)
echo "awk '/^cpu /{print \$2+\$3+\$4+\$7+\$8}' /proc/stat >>\"\$1\"" >"$res/cpustat.sh"

# name rw bs iodepth numjobs
MATRIX="randread-4k-qd1 randread 4k 1 1
randread-4k-qd32 randread 4k 32 1
randwrite-4k-qd1 randwrite 4k 1 1
randwrite-4k-qd32 randwrite 4k 32 1
read-128k-qd8 read 128k 8 1
write-128k-qd8 write 128k 8 1
randread-4k-qd32-j2 randread 4k 32 2
read-128k-qd8-j2 read 128k 8 2"

raw_verbs() {
	local dev=$1 rep=$2 t cm=() len=(-D "$RUNTIME")
	# iWARP connects through rdma_cm only (perftest -R); over siw perftest's
	# duration mode reports 0 MB/s, so count iterations there.
	[ "$RIG_FABRIC" = siw ] && cm=(-R) len=(-n $((RUNTIME * 100)))
	rig_log "rep $rep/$REPS, raw verbs on $dev: ib_write_bw / ib_read_bw 128k and 4k, ib_send_lat"
	for t in "ib_write_bw -s 131072" "ib_read_bw -s 131072" "ib_write_bw -s 4096" "ib_send_lat -s 64"; do
		local name=${t// /_}
		$t -d "$dev" "${len[@]}" -F "${cm[@]}" >/dev/null 2>&1 &
		local srv=$! try ok=0
		# The server may take a while to listen under emulation: retry.
		for try in 1 2 3 4 5 6; do
			sleep 1
			if $t -d "$dev" "${len[@]}" -F "${cm[@]}" "$RIG_IP" >"$res/raw-$name-$rep.txt" 2>&1; then
				ok=1
				break
			fi
		done
		[ $ok = 1 ] || rig_log "raw: $t failed (try $try)"
		kill "$srv" 2>/dev/null
		wait "$srv" 2>/dev/null
		tail -n 3 "$res/raw-$name-$rep.txt" | sed 's/^/    /'
	done
}

login_stack() {
	case $1 in
	iscsi_tcp)
		modprobe iscsi_tcp
		# Over siw the iSER portal's own TCP listener is hidden in a
		# network namespace (guest-lib.sh): iSCSI/TCP gets its own port.
		local port=$RIG_PORT
		if [ "$RIG_FABRIC" = siw ]; then
			port=3261
			[ -e "$CFS/iscsi/$RIG_IQN/tpgt_1/np/$RIG_IP:$port" ] || RIG_PORT=$port rig_portal_add tcp
		fi
		iscsiadm -m discovery -t st -p "$RIG_IP:$port" >/dev/null &&
		iscsiadm -m node -T "$RIG_IQN" -p "$RIG_IP:$port" -I default --login >/dev/null ;;
	ib_iser) rig_load_ref && iscsiadm -m discovery -t st -p "$RIG_IP:$RIG_PORT" -I iser >/dev/null &&
		iscsiadm -m node -T "$RIG_IQN" -p "$RIG_IP:$RIG_PORT" -I iser --login >/dev/null ;;
	ours) (rig_load_ours) && iscsiadm -m discovery -t st -p "$RIG_IP:$RIG_PORT" -I iser >/dev/null &&
		iscsiadm -m node -T "$RIG_IQN" -p "$RIG_IP:$RIG_PORT" -I iser --login >/dev/null ;;
	esac
}

logout_stack() {
	iscsiadm -m node -U all >/dev/null 2>&1
	iscsiadm -m node -o delete >/dev/null 2>&1
	rig_wait 20 rig_no_sessions
	case $1 in
	iscsi_tcp) rmmod iscsi_tcp libiscsi_tcp 2>/dev/null ;;
	ib_iser) rmmod ib_iser 2>/dev/null ;;
	ours) rmmod iser_dm iscsi_da 2>/dev/null ;;
	esac
}

rig_setup
rig_target_up
rig_iscsid_up
rdmadev=$(rdma link show | awk '{print $2}' | cut -d/ -f1 | head -1)

run_row() {
	local stack=$1 name=$2 rw=$3 bs=$4 qd=$5 jobs=$6 rep=$7 prof=()
	# Rep 0 is the profile (BENCH_PERF=1): perf's own cost stays out of
	# the measured repetitions.
	[ "$rep" = 0 ] && prof=(perf record -q -a -g -e cpu-clock -o "$res/perf-$stack-$name.data" --)
	# CPU time is read by each fio job as it starts and ends
	# (exec_prerun/exec_postrun), so fio's own start-up - it links librbd
	# and initialises ceph, a second of CPU under emulation - is not
	# counted as a cost of the stack under test.
	local jf=$res/$stack-$name-$rep.stat
	local snap="sh $res/cpustat.sh $jf"
	rm -f "$jf"
	# (fio leaves NAME.prerun.txt and NAME.postrun.txt in its directory)
	(cd "$res" && "${prof[@]}" fio --name="$name" --filename="$dev" --direct=1 --ioengine=libaio \
		--rw="$rw" --bs="$bs" --iodepth="$qd" --numjobs="$jobs" --group_reporting --time_based \
		--runtime="$RUNTIME" --exec_prerun="$snap" --exec_postrun="$snap" --size=256m \
		--lat_percentiles=1 --output-format=json --output="$res/$stack-$name-$rep.json" >/dev/null 2>&1)
	rm -f "$res/$name".*run.txt
	sort -n "$jf" 2>/dev/null | sed -n '1p;$p' | tr '\n' ' ' |
		awk 'NF == 2 {print $2 - $1}' >"$res/$stack-$name-$rep.jiffies"
	rm -f "$jf"
	[ "$rep" = 0 ] || return 0
	perf report -q -i "$res/perf-$stack-$name.data" --no-children --sort dso,sym --stdio \
		-g none --percent-limit 0.7 >"$res/perf-$stack-$name.txt" 2>/dev/null
	# Who holds interrupts off: cpu-clock samples taken with them off land
	# on the call that turns them back on.
	perf report -q -i "$res/perf-$stack-$name.data" --no-children --sort sym --stdio \
		-g graph,0.3,callee --max-stack 5 --percent-limit 3 >"$res/perf-$stack-$name-graph.txt" 2>/dev/null
	perf report -q -i "$res/perf-$stack-$name.data" --no-children --sort dso --stdio \
		-g none >"$res/perf-$stack-$name-dso.txt" 2>/dev/null
	# The data stays for more reports on the host:
	# perf report -i FILE --kallsyms .build/bench/<fabric>/bench/kallsyms-STACK-ROW
	# (module addresses change from one login to the next: taken per row)
	cat /proc/kallsyms >"$res/kallsyms-$stack-$name"
	rm -f "$res/$stack-$name-0.json" "$res/$stack-$name-0.jiffies"
}

# Repetitions are interleaved across stacks, and the order of the stacks
# rotates from one repetition to the next: drift over the run (the host's
# load, the target's state) then falls on every stack alike instead of on
# whichever ran last.
first=1
[ "${BENCH_PERF:-0}" = 1 ] && first=0
nstacks=$(echo $STACKS | wc -w)
for rep in $(seq "$first" "$REPS"); do
	# The fabric's own numbers are noisy too: measured every repetition.
	[ "$rep" = 0 ] || raw_verbs "$rdmadev" "$rep"
	order=$(echo $STACKS $STACKS | tr ' ' '\n' | tail -n +$(( (rep + nstacks - 1) % nstacks + 1 )) | head -n "$nstacks")
	for stack in $order; do
		[ -e "$res/$stack.failed" ] && continue
		rig_log "rep $rep/$REPS, stack $stack: login"
		if ! login_stack "$stack" || ! rig_wait 20 rig_have_disks; then
			rig_log "stack $stack: LOGIN FAILED - no rows"
			echo "login failed" >"$res/$stack.failed"
			dmesg | tail -n 15
			logout_stack "$stack"
			continue
		fi
		dev=$(rig_disks | head -1)
		if [ ! -e "$res/$stack.info" ]; then
			echo "$(cat /sys/block/${dev#/dev/}/queue/max_sectors_kb) KiB max_sectors" >"$res/$stack.info"
			iscsiadm -m session -P2 | grep -E 'MaxRecvDataSegmentLength|MaxXmitDataSegmentLength|FirstBurst|MaxBurst|ImmediateData' >>"$res/$stack.info"
		fi
		echo "$MATRIX" | while read -r name rw bs qd jobs; do
			[ -z "$ROWS" ] || [[ " $ROWS " == *" $name "* ]] || continue
			run_row "$stack" "$name" "$rw" "$bs" "$qd" "$jobs" "$rep"
		done
		rig_log "rep $rep/$REPS, stack $stack: done"
		logout_stack "$stack"
	done
done
getconf CLK_TCK >"$res/clk_tck"
rig_log "bench: done"
