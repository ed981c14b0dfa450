/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Trace events of iscsi_da: a command's life, the PDUs the datamover
 * delivers, connection state and errors.  Fields to join on: sid (the
 * class session number: "session N" in the log, /sys/class/iscsi_session/
 * sessionN), cid, itt.
 *
 *   echo 1 >/sys/kernel/tracing/events/iscsi_da/enable
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM iscsi_da

#if !defined(_ISCSI_DA_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _ISCSI_DA_TRACE_H

#include <linux/tracepoint.h>

/* Send_Control accepted a SCSI Command. */
TRACE_EVENT(iscsi_da_cmd_queue,
	    TP_PROTO(u32 sid, u32 cid, u32 itt, u32 cmdsn, u64 lun, u8 opcode,
		     u32 len, bool write),
	    TP_ARGS(sid, cid, itt, cmdsn, lun, opcode, len, write),
	    TP_STRUCT__entry(__field(u32, sid)
			     __field(u32, cid)
			     __field(u32, itt)
			     __field(u32, cmdsn)
			     __field(u64, lun)
			     __field(u8, opcode)
			     __field(u32, len)
			     __field(bool, write)),
	    TP_fast_assign(__entry->sid = sid;
			   __entry->cid = cid;
			   __entry->itt = itt;
			   __entry->cmdsn = cmdsn;
			   __entry->lun = lun;
			   __entry->opcode = opcode;
			   __entry->len = len;
			   __entry->write = write;),
	    TP_printk("sid=%u cid=%u itt=0x%08x cmdsn=%u lun=%llu op=0x%02x len=%u %s",
		      __entry->sid, __entry->cid, __entry->itt, __entry->cmdsn,
		      __entry->lun, __entry->opcode, __entry->len,
		      __entry->write ? "write" : "read/none")
);

DECLARE_EVENT_CLASS(iscsi_da_cmd_end,
		    TP_PROTO(u32 sid, u32 itt, int result, u32 resid, u64 usecs),
		    TP_ARGS(sid, itt, result, resid, usecs),
		    TP_STRUCT__entry(__field(u32, sid)
				     __field(u32, itt)
				     __field(int, result)
				     __field(u32, resid)
				     __field(u64, usecs)),
		    TP_fast_assign(__entry->sid = sid;
				   __entry->itt = itt;
				   __entry->result = result;
				   __entry->resid = resid;
				   __entry->usecs = usecs;),
		    TP_printk("sid=%u itt=0x%08x result=0x%x resid=%u latency=%lluus",
			      __entry->sid, __entry->itt, __entry->result,
			      __entry->resid, __entry->usecs)
);

/* A SCSI Response completed the command. */
DEFINE_EVENT(iscsi_da_cmd_end, iscsi_da_cmd_complete,
	     TP_PROTO(u32 sid, u32 itt, int result, u32 resid, u64 usecs),
	     TP_ARGS(sid, itt, result, resid, usecs));

/* Failed without a response (recovery, reset, abort, logout). */
DEFINE_EVENT(iscsi_da_cmd_end, iscsi_da_cmd_fail,
	     TP_PROTO(u32 sid, u32 itt, int result, u32 resid, u64 usecs),
	     TP_ARGS(sid, itt, result, resid, usecs));

/* Control_Notify: a PDU the datamover delivered (login phase too). */
TRACE_EVENT(iscsi_da_pdu_rx,
	    TP_PROTO(u32 sid, u32 cid, u8 opcode, u32 itt, u32 statsn,
		     u32 expcmdsn, u32 maxcmdsn),
	    TP_ARGS(sid, cid, opcode, itt, statsn, expcmdsn, maxcmdsn),
	    TP_STRUCT__entry(__field(u32, sid)
			     __field(u32, cid)
			     __field(u8, opcode)
			     __field(u32, itt)
			     __field(u32, statsn)
			     __field(u32, expcmdsn)
			     __field(u32, maxcmdsn)),
	    TP_fast_assign(__entry->sid = sid;
			   __entry->cid = cid;
			   __entry->opcode = opcode;
			   __entry->itt = itt;
			   __entry->statsn = statsn;
			   __entry->expcmdsn = expcmdsn;
			   __entry->maxcmdsn = maxcmdsn;),
	    TP_printk("sid=%u cid=%u op=0x%02x itt=0x%08x statsn=%u expcmdsn=%u maxcmdsn=%u",
		      __entry->sid, __entry->cid, __entry->opcode, __entry->itt,
		      __entry->statsn, __entry->expcmdsn, __entry->maxcmdsn)
);

/* enum isda_conn_state (conn.c checks the values at build time) */
TRACE_EVENT(iscsi_da_conn_state,
	    TP_PROTO(u32 sid, u32 cid, int from, int to),
	    TP_ARGS(sid, cid, from, to),
	    TP_STRUCT__entry(__field(u32, sid)
			     __field(u32, cid)
			     __field(int, from)
			     __field(int, to)),
	    TP_fast_assign(__entry->sid = sid;
			   __entry->cid = cid;
			   __entry->from = from;
			   __entry->to = to;),
	    TP_printk("sid=%u cid=%u %s -> %s", __entry->sid, __entry->cid,
		      __print_symbolic(__entry->from, { 0, "INIT" }, { 1, "LOGIN" },
				       { 2, "FFP" }, { 3, "FAILED" }, { 4, "STOPPED" }),
		      __print_symbolic(__entry->to, { 0, "INIT" }, { 1, "LOGIN" },
				       { 2, "FFP" }, { 3, "FAILED" }, { 4, "STOPPED" }))
);

/* A connection failure reported to iscsid: enum iscsi_err, the reason. */
TRACE_EVENT(iscsi_da_conn_error,
	    TP_PROTO(u32 sid, u32 cid, int err),
	    TP_ARGS(sid, cid, err),
	    TP_STRUCT__entry(__field(u32, sid)
			     __field(u32, cid)
			     __field(int, err)),
	    TP_fast_assign(__entry->sid = sid;
			   __entry->cid = cid;
			   __entry->err = err;),
	    TP_printk("sid=%u cid=%u iscsi_err=%d", __entry->sid, __entry->cid,
		      __entry->err)
);

#endif /* _ISCSI_DA_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
