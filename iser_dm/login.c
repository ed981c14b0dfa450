// SPDX-License-Identifier: GPL-2.0-only
/*
 * login.c - login-phase messaging over the RC connection (the draft's
 * §8.1.6): binding a Connection_Handle, the login request and response
 * buffers (DMA-mapped once per connection) and login_send.  One login
 * PDU is in flight at a time, as iSCSI login itself is lock-step.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "iser_dm.h"

static void iser_dm_login_tx_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct iser_dm_ep *ep = container_of(wc->wr_cqe, struct iser_dm_ep,
					     login_tx_cqe);
	unsigned long flags;

	spin_lock_irqsave(&ep->lock, flags);
	ep->login_tx_busy = false;
	wake_up_all(&ep->wq);
	spin_unlock_irqrestore(&ep->lock, flags);

	if (wc->status != IB_WC_SUCCESS) {
		if (wc->status != IB_WC_WR_FLUSH_ERR)
			iser_dm_err(ep, "login send failed: %s\n", ib_wc_status_msg(wc->status));
		atomic64_inc(&ep->stats.errors);
		iser_dm_conn_fail(ep, -EIO);
	}
}

/**
 * iser_dm_login_alloc() - allocate and map the login request/response buffers
 * @ep: endpoint with a device; process context
 *
 * Return: 0 or -ENOMEM (iser_dm_login_free() undoes a partial setup).
 */
int iser_dm_login_alloc(struct iser_dm_ep *ep)
{
	struct ib_device *ib = iser_dm_ibdev(ep);
	u64 dma;

	ep->login_tx = iser_dm_fault("the login send buffer") ? NULL :
		       kzalloc(ISER_DM_LOGIN_BUF_LEN, GFP_KERNEL);
	if (!ep->login_tx)
		return -ENOMEM;
	dma = ib_dma_map_single(ib, ep->login_tx, ISER_DM_LOGIN_BUF_LEN, DMA_TO_DEVICE);
	if (ib_dma_mapping_error(ib, dma))
		goto err_tx;
	ep->login_tx_dma = dma;
	ep->login_tx_cqe.done = iser_dm_login_tx_done;

	ep->login_rx.buf = iser_dm_fault("the login receive buffer") ? NULL :
			   kzalloc(ISER_DM_LOGIN_BUF_LEN, GFP_KERNEL);
	if (!ep->login_rx.buf)
		goto err_tx_map;
	dma = ib_dma_map_single(ib, ep->login_rx.buf, ISER_DM_LOGIN_BUF_LEN,
				DMA_FROM_DEVICE);
	if (ib_dma_mapping_error(ib, dma))
		goto err_rx;
	ep->login_rx.dma = dma;
	ep->login_rx.len = ISER_DM_LOGIN_BUF_LEN;
	ep->login_rx.ep = ep;
	ep->login_rx.login = true;
	ep->login_rx.cqe.done = iser_dm_rx_done;
	return 0;

err_rx:
	kfree(ep->login_rx.buf);
	ep->login_rx.buf = NULL;
err_tx_map:
	ib_dma_unmap_single(ib, ep->login_tx_dma, ISER_DM_LOGIN_BUF_LEN, DMA_TO_DEVICE);
err_tx:
	kfree(ep->login_tx);
	ep->login_tx = NULL;
	return -ENOMEM;
}

/**
 * iser_dm_login_free() - unmap and free the login buffers
 * @ep: endpoint whose QP no longer uses them (drained or never connected)
 */
void iser_dm_login_free(struct iser_dm_ep *ep)
{
	if (ep->login_rx.buf) {
		ib_dma_unmap_single(iser_dm_ibdev(ep), ep->login_rx.dma,
				    ISER_DM_LOGIN_BUF_LEN, DMA_FROM_DEVICE);
		kfree(ep->login_rx.buf);
		ep->login_rx.buf = NULL;
	}
	if (ep->login_tx) {
		ib_dma_unmap_single(iser_dm_ibdev(ep), ep->login_tx_dma,
				    ISER_DM_LOGIN_BUF_LEN, DMA_TO_DEVICE);
		kfree(ep->login_tx);
		ep->login_tx = NULL;
	}
}

/**
 * iser_dm_bind() - DI bind: attach a Connection_Handle for the login phase
 * @conn: the Connection_Handle
 * @dm: a connected endpoint
 *
 * Return: 0, -EINVAL if @dm is bound already, -ENOTCONN if it is not up.
 */
int iser_dm_bind(struct iscsi_dm_conn *conn, struct iscsi_dm_ep *dm)
{
	struct iser_dm_ep *ep = iser_dm_ep(dm);
	int ret = 0;

	spin_lock_irq(&ep->lock);
	if (ep->upcall_conn)
		ret = -EINVAL;
	else if (ep->state != ISER_DM_CONNECTED)
		ret = -ENOTCONN;
	else
		ep->upcall_conn = conn;
	spin_unlock_irq(&ep->lock);
	/* an endpoint is bound once in its life: named once */
	if (!ret && !ep->named) {
		snprintf(ep->bound_name, sizeof(ep->bound_name), "session %u conn %u, %s",
			 conn->sid, conn->cid, ep->name);
		/* pairs with the acquire in iser_dm_ep_name() */
		smp_store_release(&ep->named, true);
	}
	iser_dm_dbg(ep, "bind cid %u: %d\n", conn->cid, ret);
	return ret;
}

/**
 * iser_dm_unbind() - DI unbind: detach the Connection_Handle
 * @conn: the bound Connection_Handle
 *
 * Stops further up-calls and waits for running ones.  A connection still
 * carrying tasks is terminated first, so no task of @conn stays registered
 * on an endpoint iscsi_da can no longer reach.  Process context.
 */
void iser_dm_unbind(struct iscsi_dm_conn *conn)
{
	struct iser_dm_ep *ep = iser_dm_conn_ep(conn);
	bool busy;

	if (!ep)
		return;
	spin_lock_irq(&ep->lock);
	busy = !list_empty(&ep->active);
	spin_unlock_irq(&ep->lock);
	if (busy) {
		mutex_lock(&ep->mutex);
		iser_dm_stop_io(ep);
		mutex_unlock(&ep->mutex);
	}

	spin_lock_irq(&ep->lock);
	ep->upcall_conn = NULL;
	spin_unlock_irq(&ep->lock);
	wait_event(ep->wq, !READ_ONCE(ep->upcalls));
	iser_dm_dbg(ep, "unbound cid %u\n", conn->cid);
}

static bool iser_dm_login_tx_ready(struct iser_dm_ep *ep)
{
	return !ep->login_tx_busy || ep->state != ISER_DM_CONNECTED;
}

/**
 * iser_dm_login_send() - DI login_send: one login-phase PDU as an RC SEND
 * @conn: the bound Connection_Handle
 * @hdr: 48-byte BHS
 * @data: data segment
 * @len: its length (<= ISCSI_DM_MAX_LOGIN_DATA)
 *
 * Waits (process context) for the previous login SEND to complete, since
 * the single request buffer is reused.
 *
 * Return: 0 or a negative errno.
 */
int iser_dm_login_send(struct iscsi_dm_conn *conn, const struct iscsi_hdr *hdr,
		       const void *data, u32 len)
{
	struct iser_dm_ep *ep = iser_dm_conn_ep(conn);
	struct ib_send_wr wr = {};
	struct ib_sge sge;
	long left;
	int ret;

	if (!ep)
		return -ENOTCONN;
	if (len > ISCSI_DM_MAX_LOGIN_DATA || (len && !data))
		return -EINVAL;

	spin_lock_irq(&ep->lock);
	left = wait_event_lock_irq_timeout(ep->wq, iser_dm_login_tx_ready(ep),
					   ep->lock, 10 * HZ);
	if (!left && ep->state == ISER_DM_CONNECTED) {
		spin_unlock_irq(&ep->lock);
		return -ETIMEDOUT;
	}
	/* A sender until posted: device removal waits before freeing. */
	if (!iser_dm_sender_enter(ep, ISER_DM_CONNECTED)) {
		spin_unlock_irq(&ep->lock);
		return -ENOTCONN;
	}
	ep->login_tx_busy = true;
	spin_unlock_irq(&ep->lock);
	/* Test hook: a login PDU past the state check, not yet built. */
	iser_dm_hold("login-send", iscsi_dm_itt(hdr->itt), true);

	ib_dma_sync_single_for_cpu(iser_dm_ibdev(ep), ep->login_tx_dma,
				   ISER_DM_LOGIN_BUF_LEN, DMA_TO_DEVICE);
	iser_dm_wire_build_ctrl(ep->login_tx, NULL, NULL);
	memcpy(ep->login_tx + sizeof(struct iser_ctrl), hdr, sizeof(*hdr));
	if (len)
		memcpy(ep->login_tx + ISER_DM_HDRS_LEN, data, len);
	ib_dma_sync_single_for_device(iser_dm_ibdev(ep), ep->login_tx_dma,
				      ISER_DM_LOGIN_BUF_LEN, DMA_TO_DEVICE);

	sge.addr = ep->login_tx_dma;
	sge.length = ISER_DM_HDRS_LEN + len;
	sge.lkey = ep->dev->pd->local_dma_lkey;
	wr.wr_cqe = &ep->login_tx_cqe;
	wr.sg_list = &sge;
	wr.num_sge = 1;
	wr.opcode = IB_WR_SEND;
	wr.send_flags = IB_SEND_SIGNALED;
	iser_dm_dbg(ep, "login tx opcode 0x%x itt 0x%x dlen %u\n",
		    hdr->opcode, iscsi_dm_itt(hdr->itt), len);
	ret = ib_post_send(ep->qp, &wr, NULL);
	spin_lock_irq(&ep->lock);
	if (ret)
		ep->login_tx_busy = false;
	iser_dm_sender_exit(ep);
	spin_unlock_irq(&ep->lock);
	if (ret) {
		iser_dm_err(ep, "posting login send failed: %d\n", ret);
		return ret;
	}
	atomic64_inc(&ep->stats.sends);
	return 0;
}
