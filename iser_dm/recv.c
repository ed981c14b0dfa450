// SPDX-License-Identifier: GPL-2.0-only
/*
 * recv.c - the receive path: every control-type PDU the target SENDs is
 * validated and handed to iscsi_da with Control_Notify (RFC 5047 §9.1).
 *
 * A SCSI Response first gives its task's buffers back (task.c holds it
 * until they are out of the target's reach).  A Send with Invalidate is
 * accepted only when we offered it, and only on a SCSI Response.
 * Data-In and R2T never arrive over iSER (data moves by RDMA): if they do,
 * the target is broken and the connection ends.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

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
		iser_dm_err(ep, "reposting receive failed: %d\n", ret);
		atomic64_inc(&ep->stats.errors);
		iser_dm_conn_fail(ep, ret);
	}
}

/**
 * iser_dm_deliver() - Control_Notify a received PDU to iscsi_da
 * @ep: the endpoint
 * @rx: the buffer holding a PDU iser_dm_wire_parse_rx() accepted
 * @task: for a SCSI Response, its task, released (task.c); else NULL
 */
void iser_dm_deliver(struct iser_dm_ep *ep, struct iser_dm_rx_desc *rx,
		     struct iscsi_dm_task *task)
{
	struct iscsi_dm_conn *conn;
	struct iser_dm_rx_pdu pdu;

	/* Validated in iser_dm_rx_done(); only the layout is recomputed. */
	if (WARN_ON_ONCE(iser_dm_wire_parse_rx(rx->buf, rx->byte_len, &pdu)))
		return;
	conn = iser_dm_upcall_begin(ep);
	if (!conn) {
		iser_dm_dbg(ep, "unbound, dropping opcode 0x%x\n", pdu.opcode);
		return;
	}
	iscsi_dm_control_notify(conn, pdu.hdr, pdu.data, pdu.dlength, task);
	iser_dm_upcall_end(ep);
}

/**
 * iser_dm_protocol_error() - the target broke the protocol: terminate
 * @ep: the endpoint
 * @what: what it did, for the log
 * @opcode: the PDU's opcode
 */
void iser_dm_protocol_error(struct iser_dm_ep *ep, const char *what, u8 opcode)
{
	iser_dm_err(ep, "protocol error from the target: %s (opcode 0x%x); terminating\n",
		    what, opcode);
	atomic64_inc(&ep->stats.errors);
	iser_dm_conn_fail(ep, -EPROTO);
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
	bool with_inv;
	const char *why;

	if (wc->status != IB_WC_SUCCESS) {
		if (wc->status != IB_WC_WR_FLUSH_ERR) {
			iser_dm_err(ep, "receive failed: %s (vendor 0x%x)\n",
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
	iser_dm_dbg(ep, "rx opcode 0x%x itt 0x%x dlen %u%s\n", pdu.opcode,
		    iscsi_dm_itt(pdu.hdr->itt), pdu.dlength,
		    wc->wc_flags & IB_WC_WITH_INVALIDATE ? " (invalidate)" : "");

	with_inv = wc->wc_flags & IB_WC_WITH_INVALIDATE;
	why = iser_dm_wire_check_opcode(pdu.opcode, with_inv);
	if (!why && with_inv && !ep->send_inv_ok)
		why = "Send with Invalidate, which we did not offer";
	if (why) {
		iser_dm_protocol_error(ep, why, pdu.opcode);
		return;
	}
	if (pdu.opcode == ISCSI_OP_SCSI_CMD_RSP) {
		iser_dm_task_response(ep, rx, wc, &pdu);
		return;
	}
	iser_dm_deliver(ep, rx, NULL);
	iser_dm_repost(ep, rx);
}
