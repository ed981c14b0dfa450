// SPDX-License-Identifier: GPL-2.0-only
/*
 * NOP-Out pings and answers to the target's NOP-In pings
 *
 * After noop_out_interval seconds without any PDU from the target we send
 * a NOP-Out ping; if noop_out_timeout more seconds pass without anything
 * arriving the connection is declared dead (RFC 7143 §11.18).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/jiffies.h>

#include "iscsi_da.h"

static void isda_nop_send_ping(struct isda_conn *conn)
{
	struct isda_session *sess = conn->sess;
	struct isda_mtask *mt;
	unsigned long flags;

	mt = isda_mtask_get(conn, ISDA_MT_PING);
	if (!mt)
		return;		/* slots busy: the traffic itself proves life */
	isda_pdu_build_nop_out((struct iscsi_nopout *)mt->task.hdr,
			       isda_itt_build(0, 0),
			       cpu_to_be32(ISCSI_RESERVED_TAG), NULL, 0, 0, 0);
	if (isda_mtask_send(conn, mt, 0)) {
		isda_mtask_put(mt);
		return;
	}
	spin_lock_irqsave(&sess->lock, flags);
	if (mt->state == ISDA_MTASK_ACTIVE) {
		conn->ping_slot = mt->slot;
		conn->ping_sent = jiffies;
	}
	spin_unlock_irqrestore(&sess->lock, flags);
	conn->stats.noptx_pdus++;
}

static void isda_nop_work(struct work_struct *work)
{
	struct isda_conn *conn = container_of(to_delayed_work(work),
					      struct isda_conn, nop_work);
	unsigned long interval = conn->recv_tmo * HZ;
	unsigned long timeout = conn->ping_tmo * HZ;
	unsigned long last_rx = READ_ONCE(conn->last_rx);
	unsigned long now = jiffies, next;

	if (conn->state != ISDA_CONN_FFP)
		return;
	if (conn->ping_slot >= 0 &&
	    time_after_eq(now, last_rx + interval + timeout)) {
		pr_err("session %u conn %u: no answer to NOP-Out ping for %d s\n",
		       conn->sess->cls->sid, conn->dm.cid, conn->ping_tmo);
		conn->stats.timeout_err++;
		isda_conn_failure(conn, ISCSI_ERR_NOP_TIMEDOUT);
		return;
	}
	if (conn->ping_slot < 0 && time_after_eq(now, last_rx + interval))
		isda_nop_send_ping(conn);

	if (conn->ping_slot >= 0)
		next = last_rx + interval + timeout;
	else
		next = READ_ONCE(conn->last_rx) + interval;
	next = time_after(next, now) ? next - now : HZ / 2;
	schedule_delayed_work(&conn->nop_work, max_t(unsigned long, next, HZ / 10));
}

void isda_nop_init(struct isda_conn *conn)
{
	INIT_DELAYED_WORK(&conn->nop_work, isda_nop_work);
}

void isda_nop_start(struct isda_conn *conn)
{
	conn->ping_slot = -1;
	WRITE_ONCE(conn->last_rx, jiffies);
	if (conn->recv_tmo > 0 && conn->ping_tmo > 0)
		schedule_delayed_work(&conn->nop_work, conn->recv_tmo * HZ);
}

void isda_nop_stop(struct isda_conn *conn)
{
	cancel_delayed_work_sync(&conn->nop_work);
}

/**
 * isda_nop_in() - a NOP-In arrived
 * @conn: connection
 * @hdr: its BHS
 * @data: ping data, echoed back when the target asks for an answer
 * @len: bytes of @data
 *
 * ITT set: the answer to a ping of ours or of iscsid's.  TTT set: the
 * target pings us and wants a NOP-Out with the same TTT and LUN.
 */
void isda_nop_in(struct isda_conn *conn, struct iscsi_nopin *hdr,
		 void *data, u32 len)
{
	struct isda_session *sess = conn->sess;
	struct isda_mtask *mt;
	int ret;

	if (hdr->itt != RESERVED_ITT) {
		mt = isda_mtask_lookup(conn, hdr->itt);
		if (!mt) {
			pr_debug("NOP-In for unknown ITT 0x%x\n",
				 iscsi_dm_itt(hdr->itt));
			return;
		}
		if (mt->kind == ISDA_MT_RELAY &&
		    iscsi_recv_pdu(conn->cls, (struct iscsi_hdr *)hdr, data, len))
			isda_conn_failure(conn, ISCSI_ERR_CONN_FAILED);
		isda_mtask_finish(mt, -1);
		return;
	}
	if (hdr->ttt == cpu_to_be32(ISCSI_RESERVED_TAG))
		return;

	mt = isda_mtask_get(conn, ISDA_MT_NOP_REPLY);
	if (!mt) {
		pr_warn_ratelimited("session %u: no slot to answer a target ping\n",
				    sess->cls->sid);
		return;
	}
	len = min_t(u32, len, ISCSI_DM_MAX_LOGIN_DATA);
	if (len)
		memcpy(mt->data, data, len);
	isda_pdu_build_nop_out((struct iscsi_nopout *)mt->task.hdr, RESERVED_ITT,
			       hdr->ttt, &hdr->lun, 0, 0, len);
	ret = isda_mtask_send(conn, mt, len);
	if (!ret)
		conn->stats.noptx_pdus++;
	else
		pr_warn_ratelimited("session %u: answer to a target ping not sent: %d\n",
				    sess->cls->sid, ret);
	/* no response will come: release after the datamover is done */
	isda_mtask_put(mt);
}
