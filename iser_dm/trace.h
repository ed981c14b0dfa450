/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Trace events of iser_dm: memory registrations and their invalidations,
 * RDMA CM events, connection failures.  A connection is named by its QP
 * number (qpn, as `rdma resource show qp` lists it); a task by its ITT
 * (as iscsi_da's events name it, with the session).
 *
 *   echo 1 >/sys/kernel/tracing/events/iser_dm/enable
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM iser_dm

#if !defined(_ISER_DM_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _ISER_DM_TRACE_H

#include <linux/tracepoint.h>
#include <rdma/ib_verbs.h>
#include <rdma/ib_cm.h>
#include <rdma/rdma_cm.h>
#include <trace/misc/rdma.h>

/* A REG_MR for a task's buffer went out with its SCSI Command. */
TRACE_EVENT(iser_dm_reg,
	    TP_PROTO(u32 qpn, u32 itt, u32 rkey, u64 len, bool remote_write),
	    TP_ARGS(qpn, itt, rkey, len, remote_write),
	    TP_STRUCT__entry(__field(u32, qpn)
			     __field(u32, itt)
			     __field(u32, rkey)
			     __field(u64, len)
			     __field(bool, remote_write)),
	    TP_fast_assign(__entry->qpn = qpn;
			   __entry->itt = itt;
			   __entry->rkey = rkey;
			   __entry->len = len;
			   __entry->remote_write = remote_write;),
	    TP_printk("qpn=%u itt=0x%08x rkey=0x%08x len=%llu %s", __entry->qpn,
		      __entry->itt, __entry->rkey, __entry->len,
		      __entry->remote_write ? "read (target writes)" :
					      "write (target reads)")
);

/* A key of a task became invalid: Send with Invalidate, or our LOCAL_INV. */
TRACE_EVENT(iser_dm_inv,
	    TP_PROTO(u32 qpn, u32 itt, u32 rkey, bool remote),
	    TP_ARGS(qpn, itt, rkey, remote),
	    TP_STRUCT__entry(__field(u32, qpn)
			     __field(u32, itt)
			     __field(u32, rkey)
			     __field(bool, remote)),
	    TP_fast_assign(__entry->qpn = qpn;
			   __entry->itt = itt;
			   __entry->rkey = rkey;
			   __entry->remote = remote;),
	    TP_printk("qpn=%u itt=0x%08x rkey=0x%08x %s", __entry->qpn,
		      __entry->itt, __entry->rkey,
		      __entry->remote ? "remote" : "local")
);

TRACE_EVENT(iser_dm_cm_event,
	    TP_PROTO(u32 qpn, int event, int status),
	    TP_ARGS(qpn, event, status),
	    TP_STRUCT__entry(__field(u32, qpn)
			     __field(int, event)
			     __field(int, status)),
	    TP_fast_assign(__entry->qpn = qpn;
			   __entry->event = event;
			   __entry->status = status;),
	    TP_printk("qpn=%u event=%d (%s) status=%d", __entry->qpn,
		      __entry->event, rdma_show_cm_event(__entry->event),
		      __entry->status)
);

/* The connection failed (the first cause only; negative errno). */
TRACE_EVENT(iser_dm_conn_fail,
	    TP_PROTO(u32 qpn, int err),
	    TP_ARGS(qpn, err),
	    TP_STRUCT__entry(__field(u32, qpn)
			     __field(int, err)),
	    TP_fast_assign(__entry->qpn = qpn;
			   __entry->err = err;),
	    TP_printk("qpn=%u err=%d", __entry->qpn, __entry->err)
);

#endif /* _ISER_DM_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
