// SPDX-License-Identifier: GPL-2.0-only
/*
 * show.c - the datamover's part of iscsi_da's state view (debugfs):
 * iscsi_dm_ops.show and .show_task.
 *
 * iscsi_da calls these with the connection bound and no unbind or
 * Connection_Terminate running, so @ep stays allocated; its verbs objects
 * may still be going away (device removal tears them down from the CM
 * handler).  Counts kept under @ep->lock are read under it.  The QP, CQ
 * and MR pool are looked at only if @ep->mutex is free at once: a reader
 * never waits behind a teardown, it says the objects are busy.
 */
#include <linux/seq_file.h>
#include "iser_dm.h"

static const char *const iser_dm_task_state_names[] = {
	[ISER_DM_TASK_IDLE]		= "IDLE",
	[ISER_DM_TASK_ACTIVE]		= "ACTIVE",
	[ISER_DM_TASK_RESPONDED]	= "RESPONDED",
	[ISER_DM_TASK_ABORTING]		= "ABORTING",
};

static const char *const iser_dm_qp_state_names[] = {
	[IB_QPS_RESET]	= "RESET",
	[IB_QPS_INIT]	= "INIT",
	[IB_QPS_RTR]	= "RTR",
	[IB_QPS_RTS]	= "RTS",
	[IB_QPS_SQD]	= "SQD",
	[IB_QPS_SQE]	= "SQE",
	[IB_QPS_ERR]	= "ERROR",
};

static void iser_dm_show_verbs(struct iser_dm_ep *ep, struct seq_file *m)
{
	struct ib_qp_init_attr init;
	struct ib_qp_attr attr;

	if (!mutex_trylock(&ep->mutex)) {
		seq_puts(m, "  verbs objects: busy (set-up or teardown running)\n");
		return;
	}
	if (!ep->cm_id || !ep->dev) {
		seq_puts(m, "  verbs objects: none (no device, or it was removed)\n");
		goto out;
	}
	seq_printf(m, "  device %s port %u (%s), local %pISpc\n",
		   dev_name(&iser_dm_ibdev(ep)->dev), ep->cm_id->port_num,
		   iser_dm_rcp_name(ep), &ep->cm_id->route.addr.src_addr);
	if (!ep->qp) {
		seq_puts(m, "  QP: none\n");
		goto out;
	}
	if (ib_query_qp(ep->qp, &attr, IB_QP_STATE, &init) ||
	    attr.qp_state >= ARRAY_SIZE(iser_dm_qp_state_names))
		seq_printf(m, "  QP 0x%x: state unknown (query failed)\n",
			   ep->qp->qp_num);
	else if (attr.qp_state == IB_QPS_RESET && ep->ever_connected)
		/* siw leaves the state out of its query_qp answer */
		seq_printf(m, "  QP 0x%x: state not reported by the driver\n",
			   ep->qp->qp_num);
	else
		seq_printf(m, "  QP 0x%x: %s\n", ep->qp->qp_num,
			   iser_dm_qp_state_names[attr.qp_state]);
	seq_printf(m, "  CQ: %u entries; SQ %u, RQ %u, %u SGEs per send\n",
		   ep->cq_size, ep->sq_size, ep->rq_size, ep->max_send_sge);
	if (ep->mr_count)
		seq_printf(m, "  MR pool: %u MRs of %u pages, %d in use\n",
			   ep->mr_count, ep->max_pages, READ_ONCE(ep->qp->mrs_used));
	else
		seq_puts(m, "  MR pool: none\n");
out:
	mutex_unlock(&ep->mutex);
}

/**
 * iser_dm_show() - DI show: the endpoint's state for iscsi_da's view
 * @conn: a bound Connection_Handle
 * @m: where to print
 */
void iser_dm_show(struct iscsi_dm_conn *conn, struct seq_file *m)
{
	struct iser_dm_ep *ep = iser_dm_conn_ep(conn);
	struct iser_dm_task *t;
	unsigned int waiting = 0, active = 0, held = 0;
	unsigned long flags;

	if (!ep)
		return;
	spin_lock_irqsave(&ep->lock, flags);
	seq_printf(m, "  endpoint %s: %s%s%s\n", iser_dm_state_name(ep->state),
		   ep->name, ep->io_stopped ? ", I/O stopped" : "",
		   ep->notified ? ", termination notified" : "");
	if (ep->connect_err || ep->term_err)
		seq_printf(m, "  connect error %d, termination error %d\n",
			   ep->connect_err, ep->term_err);
	seq_printf(m, "  peer: iSER CM header %s, ZBVA %s, Send with Invalidate %s (used: %s)\n",
		   ep->peer.present ? "yes" : "no", ep->peer.zbva ? "yes" : "no",
		   ep->peer.send_inv ? "yes" : "no",
		   ep->peer.send_inv && ep->send_inv_ok ? "yes" : "no");
	seq_printf(m, "  negotiated: MaxXmitDataSegmentLength %u MaxRecvDataSegmentLength %u FirstBurstLength %u\n",
		   ep->max_xmit, ep->max_recv, ep->first_burst);
	seq_printf(m, "  send descriptors: %u, %u free, %u unsignalled since the last signalled; senders inside %u\n",
		   ep->tx_count, ep->tx_nfree, ep->tx_unsignaled, ep->senders);
	list_for_each_entry(t, &ep->dataouts, do_entry)
		waiting++;
	seq_printf(m, "  unsolicited Data-Out: %u bursts waiting, %u PDUs in flight\n",
		   waiting, ep->dataouts_inflight);
	seq_printf(m, "  receive ring: %u buffers of %u data bytes\n",
		   ep->rx_count, ep->rx_dlength);
	list_for_each_entry(t, &ep->active, entry) {
		active++;
		if (t->resp_rx)
			held++;
	}
	seq_printf(m, "  tasks not idle: %u, %u of them holding their SCSI Response\n",
		   active, held);
	spin_unlock_irqrestore(&ep->lock, flags);

	iser_dm_show_verbs(ep, m);

	seq_printf(m, "  counters: sends %lld (signalled %lld) recvs %lld reg_mrs %lld inv_remote %lld inv_local %lld errors %lld\n",
		   atomic64_read(&ep->stats.sends), atomic64_read(&ep->stats.signaled),
		   atomic64_read(&ep->stats.recvs), atomic64_read(&ep->stats.reg_mrs),
		   atomic64_read(&ep->stats.inv_remote),
		   atomic64_read(&ep->stats.inv_local),
		   atomic64_read(&ep->stats.errors));
}

static void iser_dm_show_buf(struct seq_file *m, const char *dir,
			     const struct iser_dm_buf *buf)
{
	if (!buf->dma_nents)
		return;
	seq_printf(m, " %s %d segs", dir, buf->dma_nents);
	if (buf->mr)
		seq_printf(m, " rkey 0x%08x%s", buf->mr->rkey,
			   buf->invalid ? " invalid" : " valid");
}

/**
 * iser_dm_show_task() - DI show_task: one SCSI task's datamover state
 * @conn: a bound Connection_Handle
 * @task: a task iscsi_da sent on @conn
 * @m: where to print (one line, no end)
 */
void iser_dm_show_task(struct iscsi_dm_conn *conn, struct iscsi_dm_task *task,
		       struct seq_file *m)
{
	struct iser_dm_ep *ep = iser_dm_conn_ep(conn);
	struct iser_dm_task *t = iser_dm_task(task);
	unsigned long flags;

	if (!ep)
		return;
	spin_lock_irqsave(&ep->lock, flags);
	if (t->state == ISER_DM_TASK_IDLE || t->ep != ep) {
		seq_puts(m, "iser IDLE");
		goto out;
	}
	seq_printf(m, "iser %s", iser_dm_task_state_names[t->state]);
	if (t->sends)
		seq_printf(m, " sends %u", t->sends);
	if (t->inv_pending)
		seq_puts(m, " LOCAL_INV");
	if (!list_empty(&t->do_entry))
		seq_printf(m, " data-out at %u", t->do_off);
	if (t->resp_rx)
		seq_puts(m, " response held");
	iser_dm_show_buf(m, "in", &t->in);
	iser_dm_show_buf(m, "out", &t->out);
out:
	spin_unlock_irqrestore(&ep->lock, flags);
}
