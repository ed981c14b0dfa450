#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# Every header is kernel-doc clean, and the Datamover Interface header has
# an entry for the ops table and every up-call.
. "$(dirname "$0")/common.sh"
kd=$KSRC/scripts/kernel-doc
[ -x "$kd" ] || { echo "$kd missing"; exit 1; }
# Every header, the modules' internal ones too.
out=$(perl "$kd" -none "$TOP"/include/*.h "$TOP"/iscsi_da/*.h "$TOP"/iser_dm/*.h 2>&1 | grep -v 'Sphinx version')
[ -z "$out" ] || { echo "$out" | head -n 30; exit 1; }
rst=$(perl "$kd" -rst "$TOP/include/iscsi_dm.h" 2>/dev/null)
for sym in iscsi_dm_ops iscsi_dm_register iscsi_dm_unregister iscsi_dm_control_notify \
	   iscsi_dm_connection_terminate_notify iscsi_dm_data_completion_notify \
	   iscsi_dm_task iscsi_dm_data_desc iscsi_dm_conn; do
	echo "$rst" | grep -qE "^\.\. c:(function|struct|type):: .*\b$sym\b" ||
		{ echo "no kernel-doc for $sym"; exit 1; }
done
echo "kernel-doc: $(echo "$rst" | grep -c '^\.\. c:') documented items in include/iscsi_dm.h, no warnings"
