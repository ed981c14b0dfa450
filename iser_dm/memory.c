// SPDX-License-Identifier: GPL-2.0-only
/*
 * memory.c - making task buffers available to the target and taking them
 * back: DMA mapping, fast registration (REG_MR chained before the command
 * SEND), remote invalidation checks, local invalidation, and
 * Deallocate_Task_Resources (RFC 5047 §8.9).
 *
 * Rule kept throughout: a task's buffers are remotely accessible only while
 * the task is ACTIVE.  A SCSI Response is delivered to iscsi_da only after
 * its MRs are invalid (by the target's Send with Invalidate or by our
 * LOCAL_INV completing) and the buffers are unmapped.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/scatterlist.h>
#include <rdma/mr_pool.h>
#include "iser_dm.h"
#include "trace.h"
#include "pagelist.h"

/*
 * Check the mapped list against the MR page list first: a gap is a bug in
 * the block limits we advertised, worth a clear message, not a short map.
 */
static int iser_dm_buf_check(struct iser_dm_ep *ep, struct iser_dm_buf *buf)
{
	struct iser_dm_pagelist pl;
	struct scatterlist *sg;
	int i, ret;

	iser_dm_pagelist_init(&pl, ISER_DM_PAGE_SHIFT, ep->max_pages);
	for_each_sg(buf->desc->sgl, sg, buf->dma_nents, i) {
		ret = iser_dm_pagelist_add(&pl, sg_dma_address(sg), sg_dma_len(sg));
		if (ret) {
			iser_dm_err_ratelimited(ep, "%u-entry buffer not registrable as one MR (%s at entry %d)\n",
						buf->dma_nents,
						ret == -E2BIG ? "too many pages" : "gap", i);
			return ret;
		}
	}
	return 0;
}

/* Which PDU of an unsolicited write carries byte @x (immediate data is PDU 0). */
static u32 iser_dm_unsol_pdu(u32 x, u32 imm, u32 max_xmit)
{
	if (imm)
		return x < imm ? 0 : 1 + (x - imm) / max_xmit;
	return x / max_xmit;
}

/*
 * Can every PDU of a write whose data all goes unsolicited - the immediate
 * data [0, @imm) and each Data-Out of MaxXmitDataSegmentLength up to @unsol
 * - be sent with at most max_send_sge - 1 local SGEs?  Then it needs no
 * MR: no REG_MR, no LOCAL_INV, nothing the target can reach.
 */
static bool iser_dm_unsol_sges_fit(struct iser_dm_ep *ep, struct iser_dm_buf *buf,
				   u32 imm, u32 unsol)
{
	u32 max = ep->max_send_sge - 1, pdu = 0, cnt = 0, s = 0;
	struct scatterlist *sg;
	int i;

	if (!ep->max_xmit)
		return false;
	for_each_sg(buf->desc->sgl, sg, buf->dma_nents, i) {
		u32 e = min(s + sg_dma_len(sg), unsol), p0, p1;

		if (s >= e)
			break;
		p0 = iser_dm_unsol_pdu(s, imm, ep->max_xmit);
		p1 = iser_dm_unsol_pdu(e - 1, imm, ep->max_xmit);
		cnt = p0 == pdu ? cnt + 1 : 1;
		if (cnt > max)
			return false;
		if (p1 != p0)
			cnt = 1;
		pdu = p1;
		s += sg_dma_len(sg);
	}
	return true;
}

static int iser_dm_buf_map(struct iser_dm_ep *ep, struct iser_dm_buf *buf,
			   struct iscsi_dm_data_desc *desc, bool remote,
			   u32 imm, struct ib_reg_wr *reg)
{
	struct ib_device *ib = iser_dm_ibdev(ep);
	struct ib_mr *mr;
	int n, ret;

	buf->desc = desc;
	n = ib_dma_map_sg(ib, desc->sgl, desc->nents, desc->dir);
	if (!n)
		return -EAGAIN;
	buf->dma_nents = n;
	/*
	 * A buffer the target never reaches needs no MR when each of its PDUs
	 * fits the SEND's gather list: SGEs use the PD's local_dma_lkey.
	 */
	if (!remote && iser_dm_unsol_sges_fit(ep, buf, imm, desc->length))
		return 0;

	ret = iser_dm_buf_check(ep, buf);
	if (ret)
		return -EINVAL;
	if (!ep->mr_count)
		return -EINVAL;		/* discovery connection: no SCSI I/O */
	mr = ib_mr_pool_get(ep->qp, &ep->mrs);
	if (!mr)
		return -EAGAIN;
	ib_update_fast_reg_key(mr, ib_inc_rkey(mr->rkey));
	ret = ib_map_mr_sg(mr, desc->sgl, n, NULL, ISER_DM_PAGE_SIZE);
	if (ret != n) {
		ib_mr_pool_put(ep->qp, &ep->mrs, mr);
		iser_dm_err_ratelimited(ep, "ib_map_mr_sg mapped %d of %d\n",
					ret, n);
		return ret < 0 ? ret : -EINVAL;
	}
	buf->mr = mr;

	memset(reg, 0, sizeof(*reg));
	reg->wr.opcode = IB_WR_REG_MR;
	reg->wr.wr_cqe = &ep->reg_cqe;
	reg->mr = mr;
	reg->key = mr->rkey;
	reg->access = iser_dm_rcp_access(ep, desc->dir);
	return 1;
}

static void iser_dm_buf_unmap(struct iser_dm_ep *ep, struct iser_dm_buf *buf)
{
	if (buf->mr) {
		ib_mr_pool_put(ep->qp, &ep->mrs, buf->mr);
		buf->mr = NULL;
	}
	if (buf->dma_nents) {
		ib_dma_unmap_sg(iser_dm_ibdev(ep), buf->desc->sgl, buf->desc->nents,
				buf->desc->dir);
		buf->dma_nents = 0;
	}
	buf->invalid = false;
}

/**
 * iser_dm_task_map() - map and register a SCSI command's buffers
 * @ep: the endpoint
 * @task: the task; its &struct iser_dm_task is (re)initialised here
 * @reg: room for two REG_MR work requests, filled for the caller to post
 * @nreg: how many of @reg were filled
 *
 * The read buffer is always registered (the target RDMA-Writes it).  The
 * write buffer is registered when part of it is solicited (the target
 * RDMA-Reads it) or when it has more than one segment; otherwise its one
 * segment goes out as immediate/unsolicited data with the local DMA lkey.
 * On error everything done here is undone.
 *
 * Return: 0, -EAGAIN when MRs or mappings are momentarily exhausted, or
 * -EINVAL for a buffer one MR cannot describe.
 */
int iser_dm_task_map(struct iser_dm_ep *ep, struct iscsi_dm_task *task,
		     struct ib_reg_wr *reg, unsigned int *nreg)
{
	struct iser_dm_task *t = iser_dm_task(task);
	int ret;

	/*
	 * A task still registered must not be sent again (DI misuse).  The
	 * state is not cleared here: a response racing with this send reads
	 * it under @ep->lock and must keep seeing IDLE until the post.
	 */
	if (WARN_ON_ONCE(t->ep && t->state != ISER_DM_TASK_IDLE))
		return -EBUSY;
	t->task = task;
	t->ep = ep;
	INIT_LIST_HEAD(&t->entry);
	t->sends = 0;
	t->inv_pending = false;
	INIT_LIST_HEAD(&t->do_entry);
	t->do_off = 0;
	t->do_sn = 0;
	t->resp_rx = NULL;
	memset(&t->in, 0, sizeof(t->in));
	memset(&t->out, 0, sizeof(t->out));
	init_completion(&t->released);
	*nreg = 0;

	if (task->in.length && task->in.nents) {
		ret = iser_dm_buf_map(ep, &t->in, &task->in, true, 0, &reg[*nreg]);
		if (ret < 0)
			goto err;
		*nreg += ret;
	}
	if (task->out.length && task->out.nents) {
		bool remote = task->unsolicited_size < task->out.length;

		ret = iser_dm_buf_map(ep, &t->out, &task->out, remote,
				      task->immediate_size, &reg[*nreg]);
		if (ret < 0)
			goto err;
		*nreg += ret;
	}
	return 0;

err:
	iser_dm_buf_unmap(ep, &t->out);
	iser_dm_buf_unmap(ep, &t->in);
	t->ep = NULL;
	return ret;
}

/**
 * iser_dm_task_release() - unmap, return MRs, make the task IDLE
 * @ep: the endpoint; caller holds @ep->lock
 * @t: the task; its MRs must be invalid or the QP dead
 */
void iser_dm_task_release(struct iser_dm_ep *ep, struct iser_dm_task *t)
{
	lockdep_assert_held(&ep->lock);
	iser_dm_buf_unmap(ep, &t->in);
	iser_dm_buf_unmap(ep, &t->out);
	list_del_init(&t->entry);
	list_del_init(&t->do_entry);
	t->sends = 0;
	t->inv_pending = false;
	t->resp_rx = NULL;
	t->state = ISER_DM_TASK_IDLE;
}

/* Our LOCAL_INV of @buf's key completed (traced as the remote ones are). */
static void iser_dm_buf_inv_local(struct iser_dm_task *t, struct iser_dm_buf *buf)
{
	if (!iser_dm_buf_needs_inv(buf))
		return;
	buf->invalid = true;
	trace_iser_dm_inv(t->ep->qpn, iscsi_dm_itt(t->task->itt),
			  buf->mr->rkey, false);
}

/**
 * iser_dm_task_inv_complete() - our LOCAL_INV of @t's keys completed
 * @t: the task; caller holds its endpoint's lock
 */
void iser_dm_task_inv_complete(struct iser_dm_task *t)
{
	iser_dm_buf_inv_local(t, &t->in);
	iser_dm_buf_inv_local(t, &t->out);
}

/**
 * iser_dm_task_post_inv() - post LOCAL_INV for every MR still valid
 * @ep: the endpoint; caller holds @ep->lock
 * @t: the task
 *
 * The last LOCAL_INV is signalled and completes on @t->inv_cqe.
 *
 * Return: the number posted (0: nothing to invalidate), or a negative errno.
 */
int iser_dm_task_post_inv(struct iser_dm_ep *ep, struct iser_dm_task *t)
{
	struct ib_send_wr wr[2] = {};
	struct iser_dm_buf *bufs[2] = { &t->in, &t->out };
	int i, n = 0, ret;

	lockdep_assert_held(&ep->lock);
	for (i = 0; i < 2; i++) {
		if (!iser_dm_buf_needs_inv(bufs[i]))
			continue;
		wr[n].opcode = IB_WR_LOCAL_INV;
		wr[n].ex.invalidate_rkey = bufs[i]->mr->rkey;
		wr[n].wr_cqe = &ep->reg_cqe;
		if (n)
			wr[n - 1].next = &wr[n];
		n++;
	}
	if (!n)
		return 0;
	t->inv_cqe.done = iser_dm_inv_done;
	wr[n - 1].wr_cqe = &t->inv_cqe;
	wr[n - 1].send_flags = IB_SEND_SIGNALED;
	ret = ib_post_send(ep->qp, wr, NULL);
	if (ret) {
		iser_dm_err_ratelimited(ep, "posting LOCAL_INV failed: %d\n", ret);
		return ret;
	}
	atomic64_add(n, &ep->stats.inv_local);
	return n;
}

/**
 * iser_dm_task_remote_inv() - account a Send with Invalidate for @t
 * @ep: the endpoint; caller holds @ep->lock
 * @t: the task the response names
 * @rkey: the key the target invalidated
 *
 * Return: 0, or -EPROTO if @rkey is not one of @t's MRs.
 */
int iser_dm_task_remote_inv(struct iser_dm_ep *ep, struct iser_dm_task *t, u32 rkey)
{
	struct iser_dm_buf *buf;

	if (t->in.mr && t->in.mr->rkey == rkey)
		buf = &t->in;
	else if (t->out.mr && t->out.mr->rkey == rkey)
		buf = &t->out;
	else
		return -EPROTO;
	if (buf->invalid)
		return -EPROTO;		/* a second invalidation of one key */
	buf->invalid = true;
	atomic64_inc(&ep->stats.inv_remote);
	trace_iser_dm_inv(ep->qpn,
			  iscsi_dm_itt(t->task->itt), rkey, true);
	return 0;
}

/**
 * iser_dm_reg_done() - an unsignalled REG_MR or LOCAL_INV failed
 * @cq: the CQ
 * @wc: the (error) completion
 */
void iser_dm_reg_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct iser_dm_ep *ep = container_of(wc->wr_cqe, struct iser_dm_ep, reg_cqe);

	if (wc->status == IB_WC_SUCCESS)
		return;
	if (wc->status != IB_WC_WR_FLUSH_ERR)
		iser_dm_err(ep, "memory registration WR failed: %s\n",
			    ib_wc_status_msg(wc->status));
	atomic64_inc(&ep->stats.errors);
	iser_dm_conn_fail(ep, -EIO);
}
