// SPDX-License-Identifier: GPL-2.0-only
/*
 * resources.c - Allocate_Connection_Resources (RFC 5047 §8.4),
 * Deallocate_Connection_Resources (§8.5), Enable_Datamover (§8.6) and
 * Notice_Key_Values (§8.8): the per-connection pools Full Feature Phase
 * runs on, sized once so the I/O path never allocates.
 *
 * Pools: receive buffers (one per task plus slack, posted at once; the
 * RQ is FIFO so the final login response still lands in the login buffer
 * posted earlier), send descriptors (two per task: command + unsolicited
 * Data-Outs) whose headers share one DMA-mapped array, and fast-reg MRs.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <rdma/mr_pool.h>
#include "iser_dm.h"

/* Room for AHS in front of a received data segment. */
#define ISER_DM_RX_HDR_LEN	(sizeof(struct iser_ctrl) + ISCSI_DM_MAX_HDR_LEN)

/**
 * iser_dm_tx_get() - take a send descriptor
 * @ep: the endpoint; caller holds @ep->lock
 *
 * Return: the descriptor or NULL when the pool is empty.
 */
struct iser_dm_tx_desc *iser_dm_tx_get(struct iser_dm_ep *ep)
{
	struct iser_dm_tx_desc *tx;

	lockdep_assert_held(&ep->lock);
	tx = list_first_entry_or_null(&ep->tx_free, struct iser_dm_tx_desc, entry);
	if (tx) {
		list_del(&tx->entry);
		ep->tx_nfree--;
	}
	return tx;
}

/**
 * iser_dm_tx_recycle() - return a descriptor, undoing its data mappings
 * @ep: the endpoint; caller holds @ep->lock
 * @tx: the descriptor, not on @ep->tx_posted
 */
void iser_dm_tx_recycle(struct iser_dm_ep *ep, struct iser_dm_tx_desc *tx)
{
	lockdep_assert_held(&ep->lock);
	while (tx->n_unmap) {
		tx->n_unmap--;
		ib_dma_unmap_page(iser_dm_ibdev(ep), tx->unmap_addr[tx->n_unmap],
				  tx->unmap_len[tx->n_unmap], DMA_TO_DEVICE);
	}
	tx->task = NULL;
	ep->dataouts_inflight -= tx->dataouts;
	tx->dataouts = 0;
	list_add(&tx->entry, &ep->tx_free);
	ep->tx_nfree++;
}

/**
 * iser_dm_tx_posted() - @tx is about to be posted: queue it for retiring
 * @ep: the endpoint; caller holds @ep->lock across this and the post
 * @tx: the descriptor
 */
void iser_dm_tx_posted(struct iser_dm_ep *ep, struct iser_dm_tx_desc *tx)
{
	lockdep_assert_held(&ep->lock);
	list_add_tail(&tx->entry, &ep->tx_posted);
	tx->posted = true;
}

/**
 * iser_dm_tx_unpost() - the post of @tx failed: back to the pool
 * @ep: the endpoint; caller holds @ep->lock
 * @tx: the descriptor the device never saw
 */
void iser_dm_tx_unpost(struct iser_dm_ep *ep, struct iser_dm_tx_desc *tx)
{
	lockdep_assert_held(&ep->lock);
	list_del(&tx->entry);
	tx->posted = false;
	iser_dm_tx_recycle(ep, tx);
}

/**
 * iser_dm_tx_retire() - a send completed: free it and all posted before it
 * @ep: the endpoint (lock not held)
 * @tx: the descriptor whose completion arrived
 *
 * A send queue completes in posting order, so a completion (successful or
 * flushed) means the device is done with every descriptor posted before
 * @tx, including the unsignalled ones that never complete on their own.
 */
void iser_dm_tx_retire(struct iser_dm_ep *ep, struct iser_dm_tx_desc *tx)
{
	struct iser_dm_tx_desc *d, *n;
	unsigned long flags;
	LIST_HEAD(done);

	spin_lock_irqsave(&ep->lock, flags);
	if (tx->posted)
		list_cut_position(&done, &ep->tx_posted, &tx->entry);
	list_for_each_entry_safe(d, n, &done, entry) {
		d->posted = false;
		iser_dm_tx_recycle(ep, d);
	}
	spin_unlock_irqrestore(&ep->lock, flags);
}

/**
 * iser_dm_tx_retire_all() - the QP is drained: free every posted descriptor
 * @ep: the endpoint (lock not held)
 *
 * A provider need not flush unsignalled sends with a completion.
 */
void iser_dm_tx_retire_all(struct iser_dm_ep *ep)
{
	struct iser_dm_tx_desc *d, *n;
	unsigned long flags;

	spin_lock_irqsave(&ep->lock, flags);
	list_for_each_entry_safe(d, n, &ep->tx_posted, entry)
		iser_dm_tx_unpost(ep, d);
	spin_unlock_irqrestore(&ep->lock, flags);
}

static int iser_dm_tx_alloc(struct iser_dm_ep *ep, unsigned int n)
{
	struct ib_device *ib = iser_dm_ibdev(ep);
	unsigned int i;
	u64 dma;

	ep->tx = iser_dm_fault("the send descriptors") ? NULL :
		 kcalloc(n, sizeof(*ep->tx), GFP_KERNEL);
	if (!ep->tx)
		return -ENOMEM;
	ep->tx_hdrs = iser_dm_fault("the send headers") ? NULL :
		      kcalloc(n, ISER_DM_TX_HDR_LEN, GFP_KERNEL);
	if (!ep->tx_hdrs)
		goto err_tx;
	dma = ib_dma_map_single(ib, ep->tx_hdrs, n * ISER_DM_TX_HDR_LEN, DMA_TO_DEVICE);
	if (ib_dma_mapping_error(ib, dma))
		goto err_hdrs;
	ep->tx_hdrs_dma = dma;
	for (i = 0; i < n; i++) {
		struct iser_dm_tx_desc *tx = &ep->tx[i];

		tx->ep = ep;
		tx->hdr = ep->tx_hdrs + i * ISER_DM_TX_HDR_LEN;
		tx->hdr_dma = dma + i * ISER_DM_TX_HDR_LEN;
		list_add_tail(&tx->entry, &ep->tx_free);
	}
	ep->tx_count = n;
	ep->tx_nfree = n;
	return 0;

err_hdrs:
	kfree(ep->tx_hdrs);
	ep->tx_hdrs = NULL;
err_tx:
	kfree(ep->tx);
	ep->tx = NULL;
	return -ENOMEM;
}

static void iser_dm_tx_free(struct iser_dm_ep *ep)
{
	if (!ep->tx)
		return;
	iser_dm_tx_retire_all(ep);	/* empties tx_posted, unmaps their data */
	INIT_LIST_HEAD(&ep->tx_free);
	ep->tx_nfree = 0;
	ib_dma_unmap_single(iser_dm_ibdev(ep), ep->tx_hdrs_dma,
			    ep->tx_count * ISER_DM_TX_HDR_LEN, DMA_TO_DEVICE);
	kfree(ep->tx_hdrs);
	ep->tx_hdrs = NULL;
	kfree(ep->tx);
	ep->tx = NULL;
	ep->tx_count = 0;
}

static void iser_dm_rx_free(struct iser_dm_ep *ep)
{
	unsigned int i;

	if (!ep->rx)
		return;
	for (i = 0; i < ep->rx_count; i++) {
		struct iser_dm_rx_desc *rx = &ep->rx[i];

		if (!rx->buf)
			break;
		ib_dma_unmap_single(iser_dm_ibdev(ep), rx->dma, rx->len, DMA_FROM_DEVICE);
		kfree(rx->buf);
	}
	kfree(ep->rx);
	ep->rx = NULL;
	ep->rx_count = 0;
}

static int iser_dm_rx_alloc(struct iser_dm_ep *ep, unsigned int n, u32 dlength)
{
	struct ib_device *ib = iser_dm_ibdev(ep);
	unsigned int i;

	ep->rx = iser_dm_fault("the receive descriptors") ? NULL :
		 kcalloc(n, sizeof(*ep->rx), GFP_KERNEL);
	if (!ep->rx)
		return -ENOMEM;
	ep->rx_count = n;
	ep->rx_dlength = dlength;
	for (i = 0; i < n; i++) {
		struct iser_dm_rx_desc *rx = &ep->rx[i];
		u32 len = ISER_DM_RX_HDR_LEN + dlength;
		void *buf;
		u64 dma;

		/* A fault site once per ring, halfway: a partial unwind */
		if (i == n / 2 && iser_dm_fault("a receive buffer"))
			buf = NULL;
		else
			buf = kmalloc(len, GFP_KERNEL);
		if (!buf)
			goto err;
		dma = ib_dma_map_single(ib, buf, len, DMA_FROM_DEVICE);
		if (ib_dma_mapping_error(ib, dma)) {
			kfree(buf);
			goto err;
		}
		rx->buf = buf;
		rx->dma = dma;
		rx->len = len;
		rx->ep = ep;
		rx->cqe.done = iser_dm_rx_done;
	}
	return 0;

err:
	iser_dm_rx_free(ep);
	return -ENOMEM;
}

/**
 * iser_dm_resources_free() - free the Full Feature Phase pools
 * @ep: the endpoint; caller holds @ep->mutex and has stopped I/O if the
 *	pools were ever posted
 */
void iser_dm_resources_free(struct iser_dm_ep *ep)
{
	lockdep_assert_held(&ep->mutex);
	WARN_ON(ep->rx_count && ep->qp && !ep->io_stopped);
	if (ep->mr_count) {
		ib_mr_pool_destroy(ep->qp, &ep->mrs);
		ep->mr_count = 0;
	}
	iser_dm_rx_free(ep);
	iser_dm_tx_free(ep);
}

/**
 * iser_dm_allocate_connection_resources() - DI Allocate_Connection_Resources
 * @conn: the bound Connection_Handle
 * @res: sizes (tasks, data segment lengths, discovery or not)
 *
 * Idempotent.  Process context.
 *
 * Return: 0 or a negative errno.
 */
int iser_dm_allocate_connection_resources(struct iscsi_dm_conn *conn,
					  const struct iscsi_dm_resources *res)
{
	struct iser_dm_ep *ep = iser_dm_conn_ep(conn);
	unsigned int tasks, i, mrs;
	u32 dlength;
	int ret;

	if (!ep)
		return -ENOTCONN;
	mutex_lock(&ep->mutex);
	if (ep->rx_count) {
		ret = 0;
		goto out;
	}
	if (READ_ONCE(ep->state) != ISER_DM_CONNECTED) {
		ret = -ENOTCONN;
		goto out;
	}

	tasks = res->max_tasks ?: ep->tasks;
	if (tasks > ep->tasks) {
		iser_dm_warn(ep, "%u tasks asked, QP sized for %u\n", tasks, ep->tasks);
		tasks = ep->tasks;
	}
	/*
	 * Only control PDUs arrive by SEND (data moves by RDMA), so a
	 * receive buffer need not hold a full MaxRecvDataSegmentLength.
	 */
	dlength = min_not_zero(res->max_recv_dlength, iser_dm_rx_dlength_max);
	ep->max_recv = res->max_recv_dlength;
	ep->max_xmit = res->max_xmit_dlength ?: ISCSI_DM_MAX_LOGIN_DATA;
	ep->first_burst = res->first_burst;

	ret = iser_dm_tx_alloc(ep, 2 * tasks);
	if (ret)
		goto out;
	ret = iser_dm_rx_alloc(ep, tasks + ISER_DM_RX_SLACK, dlength);
	if (ret)
		goto err_tx;
	mrs = res->discovery ? 0 : tasks + ISER_DM_RX_SLACK;
	if (mrs) {
		if (iser_dm_fault("the MR pool"))
			ret = -ENOMEM;
		else
			ret = ib_mr_pool_init(ep->qp, &ep->mrs, mrs,
					      IB_MR_TYPE_MEM_REG, ep->max_pages, 0);
		if (ret) {
			iser_dm_err(ep, "%u MRs of %u pages: %d\n", mrs,
				    ep->max_pages, ret);
			goto err_rx;
		}
		ep->mr_count = mrs;
	}
	for (i = 0; i < ep->rx_count; i++) {
		ret = iser_dm_post_recv(ep, &ep->rx[i]);
		if (ret) {
			/* Some are posted: only a drain can free them now. */
			iser_dm_err(ep, "posting receive %u failed: %d\n", i, ret);
			goto out;
		}
	}
	iser_dm_dbg(ep, "resources: %u tasks, %u rx x %u bytes, %u tx, %u MRs%s\n",
		    tasks, ep->rx_count, dlength, ep->tx_count, mrs,
		    res->discovery ? " (discovery)" : "");
	ret = 0;
	goto out;

err_rx:
	iser_dm_rx_free(ep);
err_tx:
	iser_dm_tx_free(ep);
out:
	mutex_unlock(&ep->mutex);
	return ret;
}

/**
 * iser_dm_deallocate_connection_resources() - DI Deallocate_Connection_Resources
 * @conn: the Connection_Handle (login failed)
 *
 * Posted receive buffers can only be taken back by flushing the QP, so
 * this ends the connection's I/O first.  Process context.
 */
void iser_dm_deallocate_connection_resources(struct iscsi_dm_conn *conn)
{
	struct iser_dm_ep *ep = iser_dm_conn_ep(conn);

	if (!ep)
		return;
	mutex_lock(&ep->mutex);
	if (ep->rx_count || ep->tx_count) {
		iser_dm_stop_io(ep);
		iser_dm_resources_free(ep);
	}
	mutex_unlock(&ep->mutex);
}

/**
 * iser_dm_enable_datamover() - DI Enable_Datamover: enter Full Feature Phase
 * @conn: the Connection_Handle
 *
 * Return: 0, -EINVAL without connection resources, -ENOTCONN if not up.
 */
int iser_dm_enable_datamover(struct iscsi_dm_conn *conn)
{
	struct iser_dm_ep *ep = iser_dm_conn_ep(conn);
	int ret = 0;

	if (!ep)
		return -ENOTCONN;
	spin_lock_irq(&ep->lock);
	if (!ep->rx_count)
		ret = -EINVAL;
	else if (ep->state != ISER_DM_CONNECTED)
		ret = -ENOTCONN;
	else
		iser_dm_set_state(ep, ISER_DM_FFP);
	spin_unlock_irq(&ep->lock);
	iser_dm_dbg(ep, "Enable_Datamover cid %u: %d\n", conn->cid, ret);
	return ret;
}

/**
 * iser_dm_notice_key_values() - DI Notice_Key_Values (§8.8)
 * @conn: the Connection_Handle
 * @kv: negotiated keys
 * @n: how many
 */
void iser_dm_notice_key_values(struct iscsi_dm_conn *conn,
			       const struct iscsi_dm_kv *kv, unsigned int n)
{
	struct iser_dm_ep *ep = iser_dm_conn_ep(conn);
	unsigned int i;

	if (!ep)
		return;
	for (i = 0; i < n; i++) {
		u32 v = kv[i].value;

		iser_dm_dbg(ep, "key %d = %u\n", kv[i].key, v);
		switch (kv[i].key) {
		case ISCSI_DM_KEY_MAX_XMIT_DLENGTH:
			if (v)
				WRITE_ONCE(ep->max_xmit, v);
			break;
		case ISCSI_DM_KEY_MAX_RECV_DLENGTH:
			ep->max_recv = v;
			if (ep->rx_count && v > ep->rx_dlength)
				iser_dm_dbg(ep, "receive buffers hold %u of MaxRecvDataSegmentLength %u (only control PDUs use them)\n",
					    ep->rx_dlength, v);
			break;
		case ISCSI_DM_KEY_FIRST_BURST:
			ep->first_burst = v;
			break;
		case ISCSI_DM_KEY_RDMA_EXTENSIONS:
			if (!v)
				iser_dm_warn(ep, "RDMAExtensions=No negotiated over iSER\n");
			break;
		default:
			break;
		}
	}
}
