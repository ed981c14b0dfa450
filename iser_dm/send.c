// SPDX-License-Identifier: GPL-2.0-only
/*
 * send.c - Send_Control (RFC 5047 §8.1): every control-type PDU iscsi_da
 * sends in Full Feature Phase.  A SCSI Command goes out as
 *
 *	[REG_MR read] [REG_MR write] SEND(iSER hdr + BHS + immediate data)
 *	[SEND(iSER hdr + Data-Out BHS + unsolicited data)] ...
 *
 * posted as one chain, with descriptors from the connection's pool: the
 * I/O path allocates nothing and may run in atomic context.  The
 * unsolicited burst is always sent whole (LIO requires it to end at
 * min(FirstBurstLength, EDTL)): beyond ISER_DM_MAX_DATAOUTS PDUs the rest
 * follows in further chains as descriptors come back
 * (iser_dm_dataouts_resume()).  Commands leave ISER_DM_TX_RESERVE
 * descriptors to control PDUs.
 *
 * Command SENDs without data are signalled one in ISER_DM_SIGNAL_EVERY: a
 * completion retires every descriptor posted before it
 * (iser_dm_tx_retire()), so the others cost no completion.  A chain with
 * Data-Outs, a control PDU, and any send while the pool is half used are
 * always signalled, so retiring never waits on I/O that may not come.  So
 * is a SEND carrying immediate data: unsignalled, those cost 4k writes at
 * QD32 over siw a quarter of their IOPS (Documentation/data-path.rst).
 * The completion of a chain that carries a task's data also ends the
 * task's send (task.c): until then the HCA may read the buffer again.
 *
 * Every send runs as a sender (task.c) between its state check and its
 * post, so teardown never frees what a send is still using.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/scatterlist.h>
#include "iser_dm.h"
#include "trace.h"

static void iser_dm_tx_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct iser_dm_tx_desc *tx = container_of(wc->wr_cqe, struct iser_dm_tx_desc, cqe);
	struct iser_dm_task *t = READ_ONCE(tx->task);
	struct iser_dm_ep *ep = tx->ep;
	bool ok = wc->status == IB_WC_SUCCESS;

	if (!ok) {
		if (wc->status != IB_WC_WR_FLUSH_ERR)
			iser_dm_err(ep, "send failed: %s (vendor 0x%x)\n",
				    ib_wc_status_msg(wc->status), wc->vendor_err);
		atomic64_inc(&ep->stats.errors);
		iser_dm_conn_fail(ep, -EIO);
	}
	/* Free the descriptors first: a settled task's successor needs them. */
	iser_dm_tx_retire(ep, tx);
	if (ok && !list_empty(&ep->dataouts))
		iser_dm_dataouts_resume(ep);
	if (t)
		iser_dm_task_sent(ep, t, ok);
}

static bool iser_dm_is_tx_wr(const struct ib_send_wr *wr)
{
	return wr->opcode == IB_WR_SEND && wr->wr_cqe->done == iser_dm_tx_done;
}

static void iser_dm_tx_init(struct iser_dm_ep *ep, struct iser_dm_tx_desc *tx,
			    u32 hdr_len)
{
	tx->cqe.done = iser_dm_tx_done;
	tx->task = NULL;
	tx->dataouts = 0;
	tx->n_unmap = 0;
	memset(&tx->wr, 0, sizeof(tx->wr));
	tx->wr.wr_cqe = &tx->cqe;
	tx->wr.sg_list = tx->sge;
	tx->wr.num_sge = 1;
	tx->wr.opcode = IB_WR_SEND;
	tx->sge[0].addr = tx->hdr_dma;
	tx->sge[0].length = sizeof(struct iser_ctrl) + hdr_len;
	tx->sge[0].lkey = ep->dev->pd->local_dma_lkey;
}

/* The CPU wrote the header: hand it to the device. */
static void iser_dm_tx_sync(struct iser_dm_ep *ep, struct iser_dm_tx_desc *tx)
{
	ib_dma_sync_single_for_device(iser_dm_ibdev(ep), tx->hdr_dma,
				      ISER_DM_TX_HDR_LEN, DMA_TO_DEVICE);
}

/*
 * SGEs for bytes [off, off + len) of a command's write buffer into
 * @tx->sge[1..]: one through its MR, or one per DMA segment with the local
 * DMA lkey (iser_dm_task_map() made sure they fit).
 */
static void iser_dm_data_sges(struct iser_dm_ep *ep, struct iser_dm_task *t,
			      u32 off, u32 len, struct iser_dm_tx_desc *tx)
{
	struct ib_sge *sge = &tx->sge[1];
	struct scatterlist *sg;
	int i;

	if (t->out.mr) {
		sge->addr = t->out.mr->iova + off;
		sge->lkey = t->out.mr->lkey;
		sge->length = len;
		tx->wr.num_sge = 2;
		return;
	}
	for_each_sg(t->out.desc->sgl, sg, t->out.dma_nents, i) {
		u32 seg = sg_dma_len(sg);

		if (off >= seg) {
			off -= seg;
			continue;
		}
		if (WARN_ON_ONCE(tx->wr.num_sge >= ep->max_send_sge))
			break;
		sge->addr = sg_dma_address(sg) + off;
		sge->lkey = ep->dev->pd->local_dma_lkey;
		sge->length = min(len, seg - off);
		len -= sge->length;
		off = 0;
		sge++;
		tx->wr.num_sge++;
		if (!len)
			break;
	}
}

/* Take @n descriptors or none, chained through wr.next. */
static struct iser_dm_tx_desc *iser_dm_tx_get_n(struct iser_dm_ep *ep, unsigned int n,
						struct iser_dm_tx_desc **txs)
{
	unsigned int i;

	lockdep_assert_held(&ep->lock);
	for (i = 0; i < n; i++) {
		txs[i] = iser_dm_tx_get(ep);
		if (!txs[i])
			goto undo;
	}
	return txs[0];

undo:
	while (i--)
		iser_dm_tx_recycle(ep, txs[i]);
	return NULL;
}

/* After a failed post, give back the descriptors the HCA never saw. */
static void iser_dm_unposted_put(struct iser_dm_ep *ep, const struct ib_send_wr *bad)
{
	lockdep_assert_held(&ep->lock);
	for (; bad; bad = bad->next)
		if (iser_dm_is_tx_wr(bad))
			iser_dm_tx_unpost(ep, container_of(bad->wr_cqe,
							   struct iser_dm_tx_desc, cqe));
}

/* Signal this chain's last SEND?  See the comment at the top. */
static bool iser_dm_tx_signal(struct iser_dm_ep *ep, unsigned int ndo, u32 imm)
{
	lockdep_assert_held(&ep->lock);
	if (ndo || imm || ++ep->tx_unsignaled >= ISER_DM_SIGNAL_EVERY ||
	    ep->tx_nfree < ep->tx_count / 2) {
		ep->tx_unsignaled = 0;
		return true;
	}
	return false;
}

/*
 * Build @n Data-Out PDUs of @t's unsolicited data from @t->do_off on, in
 * @txs, chained in order; the one that ends the burst carries the F bit.
 */
static void iser_dm_build_dataouts(struct iser_dm_ep *ep, struct iser_dm_task *t,
				   struct iser_dm_tx_desc **txs, unsigned int n)
{
	const struct iscsi_dm_task *task = t->task;
	unsigned int i;

	for (i = 0; i < n; i++) {
		u32 len = min(ep->max_xmit, task->unsolicited_size - t->do_off);

		iser_dm_tx_init(ep, txs[i], sizeof(struct iscsi_hdr));
		iser_dm_wire_build_ctrl((struct iser_ctrl *)txs[i]->hdr, NULL, NULL);
		iser_dm_wire_build_dataout((struct iscsi_data *)(txs[i]->hdr +
							sizeof(struct iser_ctrl)),
					   (const struct iscsi_hdr *)task->hdr, t->do_sn,
					   t->do_off, len,
					   t->do_off + len == task->unsolicited_size);
		iser_dm_tx_sync(ep, txs[i]);
		iser_dm_data_sges(ep, t, t->do_off, len, txs[i]);
		if (i)
			txs[i - 1]->wr.next = &txs[i]->wr;
		t->do_off += len;
		t->do_sn++;
	}
}

/* How many more Data-Out PDUs may go now (ISER_DM_DATAOUTS_INFLIGHT). */
static unsigned int iser_dm_dataouts_room(struct iser_dm_ep *ep)
{
	lockdep_assert_held(&ep->lock);
	if (ep->dataouts_inflight >= ISER_DM_DATAOUTS_INFLIGHT)
		return 0;
	return min_t(unsigned int, ISER_DM_DATAOUTS_INFLIGHT - ep->dataouts_inflight,
		     ISER_DM_MAX_DATAOUTS);
}

/* @tx ends a chain of @n Data-Outs: count them until it is retired. */
static void iser_dm_dataouts_account(struct iser_dm_ep *ep, struct iser_dm_tx_desc *tx,
				     unsigned int n)
{
	lockdep_assert_held(&ep->lock);
	tx->dataouts = n;
	ep->dataouts_inflight += n;
}

/**
 * iser_dm_dataouts_resume() - post more of the unsolicited bursts waiting
 * @ep: the endpoint (lock not held)
 *
 * A burst goes out in chains of at most ISER_DM_MAX_DATAOUTS PDUs, with
 * at most ISER_DM_DATAOUTS_INFLIGHT Data-Outs of the connection in flight:
 * from every send completion, the bursts of @ep->dataouts take turns at
 * what is free beyond the control reserve (ISER_DM_DATAOUTS_TURN each
 * while others wait).  Each chain is signalled, so a burst waits
 * only while Data-Outs are in flight, whose completions come back here.
 */
void iser_dm_dataouts_resume(struct iser_dm_ep *ep)
{
	struct iser_dm_tx_desc *txs[ISER_DM_MAX_DATAOUTS];
	const struct ib_send_wr *bad = NULL;
	struct iser_dm_task *t;
	unsigned long flags;
	unsigned int n, i;
	int ret = 0;

	spin_lock_irqsave(&ep->lock, flags);
	while (ep->state == ISER_DM_FFP && ep->tx_nfree > ISER_DM_TX_RESERVE) {
		t = list_first_entry_or_null(&ep->dataouts, struct iser_dm_task, do_entry);
		if (!t)
			break;
		n = iser_dm_wire_dataout_count(t->do_off, t->task->unsolicited_size,
					       ep->max_xmit);
		n = min3(n, ep->tx_nfree - ISER_DM_TX_RESERVE, iser_dm_dataouts_room(ep));
		if (!list_is_singular(&ep->dataouts))
			n = min_t(unsigned int, n, ISER_DM_DATAOUTS_TURN);
		if (!n || !iser_dm_tx_get_n(ep, n, txs))
			break;
		iser_dm_build_dataouts(ep, t, txs, n);
		txs[n - 1]->wr.send_flags = IB_SEND_SIGNALED;
		txs[n - 1]->task = t;
		iser_dm_dataouts_account(ep, txs[n - 1], n);
		t->sends++;
		if (t->do_off == t->task->unsolicited_size)
			list_del_init(&t->do_entry);
		else
			list_move_tail(&t->do_entry, &ep->dataouts);
		for (i = 0; i < n; i++)
			iser_dm_tx_posted(ep, txs[i]);
		ret = ib_post_send(ep->qp, &txs[0]->wr, &bad);
		if (ret) {
			iser_dm_unposted_put(ep, bad);
			break;
		}
		atomic64_add(n, &ep->stats.sends);
		atomic64_inc(&ep->stats.signaled);
	}
	spin_unlock_irqrestore(&ep->lock, flags);
	if (ret) {
		/* The burst has a hole now: the connection cannot go on. */
		iser_dm_err(ep, "posting Data-Outs failed: %d\n", ret);
		atomic64_inc(&ep->stats.errors);
		iser_dm_conn_fail(ep, ret);
	}
}

static int iser_dm_send_scsi_cmd(struct iser_dm_ep *ep, struct iscsi_dm_task *task)
{
	struct iser_dm_tx_desc *txs[ISER_DM_MAX_DATAOUTS + 1];
	struct iser_dm_task *t = iser_dm_task(task);
	struct iser_dm_stag rd = {}, wr = {};
	const struct ib_send_wr *bad = NULL;
	struct ib_reg_wr reg[2];
	struct ib_send_wr *first;
	unsigned int nreg, ndo, all, i;
	unsigned long flags;
	bool signal;
	int ret;

	if (task->unsolicited_size > task->out.length ||
	    task->immediate_size > task->unsolicited_size) {
		iser_dm_err_ratelimited(ep, "itt 0x%x: bad unsolicited layout (imm %u unsol %u len %u)\n",
					iscsi_dm_itt(task->itt),
					task->immediate_size, task->unsolicited_size,
					task->out.length);
		return -EINVAL;
	}
	all = iser_dm_wire_dataout_count(task->immediate_size, task->unsolicited_size,
					 ep->max_xmit);

	spin_lock_irqsave(&ep->lock, flags);
	if (!iser_dm_sender_enter(ep, ISER_DM_FFP)) {
		spin_unlock_irqrestore(&ep->lock, flags);
		return -ENOTCONN;
	}
	/*
	 * The first chain of the burst goes with the command, as far as the
	 * Data-Outs in flight allow; the rest follows from completions.  The
	 * reserve is for control PDUs: a TMF never meets an empty pool.
	 */
	ndo = min(all, iser_dm_dataouts_room(ep));
	if (ep->tx_nfree < 1 + ndo + ISER_DM_TX_RESERVE ||
	    !iser_dm_tx_get_n(ep, 1 + ndo, txs)) {
		iser_dm_sender_exit(ep);
		spin_unlock_irqrestore(&ep->lock, flags);
		return -EAGAIN;
	}
	spin_unlock_irqrestore(&ep->lock, flags);
	/* Test hook: a read past the state check, its buffers not yet mapped. */
	if (task->in.length)
		iser_dm_hold("read-reserved", iscsi_dm_itt(task->itt), false);

	ret = iser_dm_task_map(ep, task, reg, &nreg);
	if (ret)
		goto err_tx;
	/* Test hook: a read with live keys, not yet ACTIVE nor posted. */
	if (t->in.mr)
		iser_dm_hold("read-mapped", iscsi_dm_itt(task->itt), false);

	/* The command itself, with the STags and the immediate data. */
	if (t->in.mr) {
		rd.valid = true;
		rd.stag = t->in.mr->rkey;
		rd.va = t->in.mr->iova;
	}
	if (t->out.mr && task->unsolicited_size < task->out.length) {
		wr.valid = true;
		wr.stag = t->out.mr->rkey;
		wr.va = t->out.mr->iova + task->unsolicited_size;
	}
	iser_dm_tx_init(ep, txs[0], task->hdr_len);
	iser_dm_wire_build_ctrl((struct iser_ctrl *)txs[0]->hdr, &rd, &wr);
	memcpy(txs[0]->hdr + sizeof(struct iser_ctrl), task->hdr, task->hdr_len);
	iser_dm_tx_sync(ep, txs[0]);
	if (task->immediate_size)
		iser_dm_data_sges(ep, t, 0, task->immediate_size, txs[0]);

	/* Non-immediate unsolicited data: Data-Out PDUs we build. */
	t->do_off = task->immediate_size;
	if (ndo) {
		iser_dm_build_dataouts(ep, t, &txs[1], ndo);
		txs[0]->wr.next = &txs[1]->wr;
	}

	first = &txs[0]->wr;
	for (i = nreg; i--; ) {
		reg[i].wr.next = first;
		first = &reg[i].wr;
	}

	spin_lock_irqsave(&ep->lock, flags);
	if (ep->state != ISER_DM_FFP) {
		ret = -ENOTCONN;
		goto err_map;
	}
	t->state = ISER_DM_TASK_ACTIVE;
	list_add_tail(&t->entry, &ep->active);
	signal = iser_dm_tx_signal(ep, ndo, task->immediate_size);
	if (signal)
		txs[ndo]->wr.send_flags = IB_SEND_SIGNALED;
	if (task->immediate_size || ndo) {
		/* The task's data goes out: it settles after this completes. */
		txs[ndo]->task = t;
		t->sends = 1;
	}
	iser_dm_dataouts_account(ep, txs[ndo], ndo);
	if (ndo < all)
		list_add_tail(&t->do_entry, &ep->dataouts);
	for (i = 0; i <= ndo; i++)
		iser_dm_tx_posted(ep, txs[i]);
	ret = ib_post_send(ep->qp, first, &bad);
	if (ret && bad == first) {
		/* Nothing went out: undo as if never sent. */
		iser_dm_task_release(ep, t);
		iser_dm_unposted_put(ep, bad);
		iser_dm_sender_exit(ep);
		spin_unlock_irqrestore(&ep->lock, flags);
		iser_dm_err_ratelimited(ep, "post send failed: %d\n", ret);
		return -EAGAIN;
	}
	if (ret) {
		/* Half a chain is on the wire: the connection is unusable. */
		iser_dm_unposted_put(ep, bad);
		iser_dm_sender_exit(ep);
		spin_unlock_irqrestore(&ep->lock, flags);
		iser_dm_err(ep, "partial post send: %d\n", ret);
		atomic64_inc(&ep->stats.errors);
		iser_dm_conn_fail(ep, ret);
		return 0;
	}
	for (i = 0; i < nreg; i++)
		trace_iser_dm_reg(ep->qpn,
				  iscsi_dm_itt(task->itt),
				  reg[i].key, reg[i].mr->length,
				  reg[i].access & IB_ACCESS_REMOTE_WRITE);
	iser_dm_sender_exit(ep);
	spin_unlock_irqrestore(&ep->lock, flags);
	atomic64_add(1 + ndo, &ep->stats.sends);
	if (signal)
		atomic64_inc(&ep->stats.signaled);
	atomic64_add(nreg, &ep->stats.reg_mrs);
	iser_dm_dbg(ep, "tx SCSI cmd itt 0x%x in %u out %u imm %u unsol %u dataouts %u regs %u\n",
		    iscsi_dm_itt(task->itt), task->in.length,
		    task->out.length, task->immediate_size, task->unsolicited_size, ndo, nreg);
	return 0;

err_map:
	/* ep->lock held: the connection left FFP after the mapping */
	iser_dm_task_release(ep, t);
	goto err_tx_locked;
err_tx:
	spin_lock_irqsave(&ep->lock, flags);
err_tx_locked:
	for (i = 0; i <= ndo; i++)
		iser_dm_tx_recycle(ep, txs[i]);
	iser_dm_sender_exit(ep);
	spin_unlock_irqrestore(&ep->lock, flags);
	return ret;
}

/* Map a control PDU's data segment for this one send. */
static int iser_dm_tx_map_data(struct iser_dm_ep *ep, struct iser_dm_tx_desc *tx,
			       const struct iscsi_dm_data_desc *d)
{
	struct ib_device *ib = iser_dm_ibdev(ep);
	struct scatterlist *sg;
	u32 left = d->length;
	int i;

	for_each_sg(d->sgl, sg, d->nents, i) {
		u32 len = min(left, sg->length);
		u64 dma;

		if (!left)
			break;
		if (tx->wr.num_sge >= ep->max_send_sge)
			return -EINVAL;
		dma = ib_dma_map_page(ib, sg_page(sg), sg->offset, len, DMA_TO_DEVICE);
		if (ib_dma_mapping_error(ib, dma))
			return -EAGAIN;
		tx->unmap_addr[tx->n_unmap] = dma;
		tx->unmap_len[tx->n_unmap] = len;
		tx->n_unmap++;
		tx->sge[tx->wr.num_sge].addr = dma;
		tx->sge[tx->wr.num_sge].length = len;
		tx->sge[tx->wr.num_sge].lkey = ep->dev->pd->local_dma_lkey;
		tx->wr.num_sge++;
		left -= len;
	}
	return left ? -EINVAL : 0;
}

static int iser_dm_send_ctrl_pdu(struct iser_dm_ep *ep, struct iscsi_dm_task *task)
{
	struct iser_dm_tx_desc *tx;
	unsigned long flags;
	int ret;

	spin_lock_irqsave(&ep->lock, flags);
	if (!iser_dm_sender_enter(ep, ISER_DM_FFP)) {
		spin_unlock_irqrestore(&ep->lock, flags);
		return -ENOTCONN;
	}
	tx = iser_dm_tx_get(ep);
	if (!tx) {
		iser_dm_sender_exit(ep);
		spin_unlock_irqrestore(&ep->lock, flags);
		return -EAGAIN;
	}
	spin_unlock_irqrestore(&ep->lock, flags);

	iser_dm_tx_init(ep, tx, task->hdr_len);
	iser_dm_wire_build_ctrl((struct iser_ctrl *)tx->hdr, NULL, NULL);
	memcpy(tx->hdr + sizeof(struct iser_ctrl), task->hdr, task->hdr_len);
	iser_dm_tx_sync(ep, tx);
	ret = 0;
	if (task->out.length && task->out.sgl)
		ret = iser_dm_tx_map_data(ep, tx, &task->out);

	/* Always signalled: its data mapping goes at the completion. */
	tx->wr.send_flags = IB_SEND_SIGNALED;
	spin_lock_irqsave(&ep->lock, flags);
	if (!ret && ep->state != ISER_DM_FFP)
		ret = -ENOTCONN;
	if (!ret) {
		iser_dm_tx_posted(ep, tx);
		ret = ib_post_send(ep->qp, &tx->wr, NULL);
		if (ret)
			iser_dm_tx_unpost(ep, tx);
	} else {
		iser_dm_tx_recycle(ep, tx);
	}
	iser_dm_sender_exit(ep);
	spin_unlock_irqrestore(&ep->lock, flags);
	if (ret)
		return ret;
	atomic64_inc(&ep->stats.sends);
	atomic64_inc(&ep->stats.signaled);
	iser_dm_dbg(ep, "tx opcode 0x%x itt 0x%x dlen %u\n",
		    task->hdr[0] & ISCSI_OPCODE_MASK, iscsi_dm_itt(task->itt),
		    task->out.length);
	return 0;
}

/**
 * iser_dm_send_control() - DI Send_Control (RFC 5047 §8.1)
 * @conn: the Connection_Handle
 * @task: the PDU (BHS + AHS in @task->hdr) and its Data_Descriptors
 *
 * Any context, no allocation.
 *
 * Return: 0, -EAGAIN when descriptors, MRs or the send queue are
 * momentarily exhausted, -ENOTCONN when not in Full Feature Phase, or
 * -EINVAL for a PDU iSER cannot carry (Data-Out: solicited data moves by
 * RDMA Read).
 */
int iser_dm_send_control(struct iscsi_dm_conn *conn, struct iscsi_dm_task *task)
{
	struct iser_dm_ep *ep = iser_dm_conn_ep(conn);
	u8 opcode = task->hdr[0] & ISCSI_OPCODE_MASK;

	if (!ep)
		return -ENOTCONN;
	if (task->hdr_len < sizeof(struct iscsi_hdr) ||
	    task->hdr_len > ISCSI_DM_MAX_HDR_LEN)
		return -EINVAL;
	switch (opcode) {
	case ISCSI_OP_SCSI_CMD:
		return iser_dm_send_scsi_cmd(ep, task);
	case ISCSI_OP_SCSI_DATA_OUT:
		iser_dm_err_ratelimited(ep, "Data-Out PDUs are not sent over iSER\n");
		return -EINVAL;
	default:
		return iser_dm_send_ctrl_pdu(ep, task);
	}
}
