// SPDX-License-Identifier: GPL-2.0-only
/*
 * recv.c - the receive path: every control-type PDU the target SENDs is
 * validated and handed to iscsi_da with Control_Notify (RFC 5047 §9.1).
 *
 * A SCSI Response first gives its task's buffers back: a Send with
 * Invalidate must name the task's MR; otherwise we post LOCAL_INV and hold
 * the response until it completes (memory.c delivers it), as the buffers
 * must be out of the target's reach when iscsi_da sees the response.
 * Data-In and R2T never arrive over iSER (data moves by RDMA): if they do,
 * the target is broken and the connection ends.
 */
#include "iser_dm.h"

/**
 * iser_dm_post_recv() - post one receive buffer
 * @ep: the endpoint
 * @rx: the buffer
 *
 * Return: 0 or the ib_post_recv() error.
 */
int iser_dm_post_recv(struct iser_dm_ep *ep, struct iser_dm_rx_desc *rx)
{
	struct ib_recv_wr wr = {};
	struct ib_sge sge;

	ib_dma_sync_single_for_device(iser_dm_ibdev(ep), rx->dma, rx->len,
				      DMA_FROM_DEVICE);
	sge.addr = rx->dma;
	sge.length = rx->len;
	sge.lkey = ep->dev->pd->local_dma_lkey;
	wr.wr_cqe = &rx->cqe;
	wr.sg_list = &sge;
	wr.num_sge = 1;
	return ib_post_recv(ep->qp, &wr, NULL);
}

/**
 * iser_dm_repost() - give a receive buffer back to the RQ after its PDU
 * @ep: the endpoint
 * @rx: the buffer
 *
 * The login buffer goes back only until the pool is posted; nothing is
 * reposted on a connection that is going down.
 */
void iser_dm_repost(struct iser_dm_ep *ep, struct iser_dm_rx_desc *rx)
{
	enum iser_dm_state state = READ_ONCE(ep->state);
	int ret;

	if (state != ISER_DM_CONNECTED && state != ISER_DM_FFP)
		return;
	if (rx->login && ep->rx_count)
		return;
	ret = iser_dm_post_recv(ep, rx);
	if (ret) {
		pr_err("iser_dm: ep %p: reposting receive failed: %d\n", ep, ret);
		atomic64_inc(&ep->stats.errors);
		iser_dm_conn_fail(ep, ret);
	}
}

/**
 * iser_dm_deliver() - Control_Notify a received PDU to iscsi_da
 * @ep: the endpoint
 * @rx: the buffer holding a PDU iser_dm_wire_parse_rx() accepted
 */
void iser_dm_deliver(struct iser_dm_ep *ep, struct iser_dm_rx_desc *rx)
{
	struct iscsi_dm_conn *conn;
	struct iser_dm_rx_pdu pdu;

	/* Validated in iser_dm_rx_done(); only the layout is recomputed. */
	if (WARN_ON_ONCE(iser_dm_wire_parse_rx(rx->buf, rx->byte_len, &pdu)))
		return;
	conn = iser_dm_upcall_begin(ep);
	if (!conn) {
		pr_debug("iser_dm: ep %p: unbound, dropping opcode 0x%x\n", ep, pdu.opcode);
		return;
	}
	iscsi_dm_control_notify(conn, pdu.hdr, pdu.data, pdu.dlength);
	iser_dm_upcall_end(ep);
}

static void iser_dm_protocol_error(struct iser_dm_ep *ep, const char *what, u8 opcode)
{
	pr_err("iser_dm: ep %p: protocol error from %pISpc: %s (opcode 0x%x); terminating\n",
	       ep, &ep->dm.dst_addr, what, opcode);
	atomic64_inc(&ep->stats.errors);
	iser_dm_conn_fail(ep, -EPROTO);
}

/*
 * Return: true when the response is held until LOCAL_INV completes,
 * false to deliver it now; *err set on a protocol error.
 */
static bool iser_dm_scsi_rsp(struct iser_dm_ep *ep, struct iser_dm_rx_desc *rx,
			     struct ib_wc *wc, struct iser_dm_rx_pdu *pdu, int *err)
{
	struct iscsi_dm_task *task = NULL;
	struct iscsi_dm_conn *conn;
	struct iser_dm_task *t;
	unsigned long flags;
	bool held = false;
	int ret;

	conn = iser_dm_upcall_begin(ep);
	if (conn) {
		task = iscsi_dm_task_lookup(conn, pdu->hdr->itt);
		iser_dm_upcall_end(ep);
	}
	/*
	 * No task, or one being aborted: the response lost a race with
	 * Deallocate_Task_Resources, which invalidates on its own.  A Send
	 * with Invalidate here is legitimate; iscsi_da drops the response.
	 */
	if (!task)
		return false;
	t = iser_dm_task(task);
	spin_lock_irqsave(&ep->lock, flags);
	if (t->ep != ep || t->state != ISER_DM_TASK_ACTIVE) {
		spin_unlock_irqrestore(&ep->lock, flags);
		return false;
	}
	if ((wc->wc_flags & IB_WC_WITH_INVALIDATE) &&
	    iser_dm_task_remote_inv(ep, t, wc->ex.invalidate_rkey)) {
		spin_unlock_irqrestore(&ep->lock, flags);
		pr_err("iser_dm: ep %p: itt 0x%x: target invalidated rkey 0x%x, not ours\n",
		       ep, be32_to_cpu((__force __be32)pdu->hdr->itt),
		       wc->ex.invalidate_rkey);
		*err = -EPROTO;
		return false;
	}
	t->state = ISER_DM_TASK_INVAL;
	t->resp_rx = rx;
	ret = iser_dm_task_post_inv(ep, t);
	if (ret > 0) {
		held = true;
	} else {
		t->resp_rx = NULL;
		iser_dm_task_release(ep, t);
		if (ret < 0)
			*err = ret;
	}
	spin_unlock_irqrestore(&ep->lock, flags);
	return held;
}

/**
 * iser_dm_rx_done() - a receive completed
 * @cq: the CQ
 * @wc: the completion
 */
void iser_dm_rx_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct iser_dm_rx_desc *rx = container_of(wc->wr_cqe, struct iser_dm_rx_desc, cqe);
	struct iser_dm_ep *ep = rx->ep;
	struct iser_dm_rx_pdu pdu;
	const char *why;
	int err = 0;

	if (wc->status != IB_WC_SUCCESS) {
		if (wc->status != IB_WC_WR_FLUSH_ERR) {
			pr_err("iser_dm: ep %p: receive failed: %s (vendor 0x%x)\n", ep,
			       ib_wc_status_msg(wc->status), wc->vendor_err);
			atomic64_inc(&ep->stats.errors);
		}
		iser_dm_conn_fail(ep, -EIO);
		return;
	}
	atomic64_inc(&ep->stats.recvs);
	ib_dma_sync_single_for_cpu(iser_dm_ibdev(ep), rx->dma, rx->len, DMA_FROM_DEVICE);

	rx->byte_len = wc->byte_len;
	if (iser_dm_wire_parse_rx(rx->buf, rx->byte_len, &pdu)) {
		iser_dm_protocol_error(ep, pdu.why, pdu.opcode);
		return;
	}
	pr_debug("iser_dm: ep %p: rx opcode 0x%x itt 0x%x dlen %u%s\n", ep, pdu.opcode,
		 be32_to_cpu((__force __be32)pdu.hdr->itt), pdu.dlength,
		 wc->wc_flags & IB_WC_WITH_INVALIDATE ? " (invalidate)" : "");

	why = iser_dm_wire_check_opcode(pdu.opcode,
					wc->wc_flags & IB_WC_WITH_INVALIDATE);
	if (why) {
		iser_dm_protocol_error(ep, why, pdu.opcode);
		return;
	}
	if (pdu.opcode == ISCSI_OP_SCSI_CMD_RSP) {
		if (iser_dm_scsi_rsp(ep, rx, wc, &pdu, &err))
			return;
		if (err == -EPROTO) {
			iser_dm_protocol_error(ep, "bad Send with Invalidate", pdu.opcode);
			return;
		}
		if (err) {
			/* LOCAL_INV could not be posted: buffers stay exposed. */
			atomic64_inc(&ep->stats.errors);
			iser_dm_conn_fail(ep, err);
			return;
		}
	}
	iser_dm_deliver(ep, rx);
	iser_dm_repost(ep, rx);
}
