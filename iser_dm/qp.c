// SPDX-License-Identifier: GPL-2.0-only
/*
 * qp.c - the RC QP and its CQ, sized once at route resolution from the
 * module parameters and the device limits.  The endpoint limits iscsi_da
 * reads (max_cmds, sg_tablesize, max_sectors) are fixed here too.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "iser_dm.h"

static void iser_dm_qp_event(struct ib_event *ev, void *ctx)
{
	struct iser_dm_ep *ep = ctx;

	iser_dm_warn(ep, "QP event %s (%d)\n", ib_event_msg(ev->event), ev->event);
	switch (ev->event) {
	case IB_EVENT_COMM_EST:
	case IB_EVENT_SQ_DRAINED:
	case IB_EVENT_QP_LAST_WQE_REACHED:
		break;
	default:
		/* Catastrophic, access or path errors: the QP is unusable. */
		atomic64_inc(&ep->stats.errors);
		iser_dm_conn_fail(ep, -EIO);
		break;
	}
}

/*
 * Per task the SQ carries one command SEND, up to two REG_MRs and two
 * LOCAL_INVs; the send-descriptor pool (2 per task) bounds SENDs including
 * unsolicited Data-Outs.  The RQ holds one receive per task plus slack for
 * unsolicited PDUs.  Both get one login WR and one for ib_drain_qp().
 * An unsignalled command chain (SEND + two REG_MRs) may hold its slots
 * until the next signalled SEND completes: room for a window of those.
 */
static unsigned int iser_dm_sq_for(unsigned int tasks)
{
	return tasks * 6 + 3 * ISER_DM_SIGNAL_EVERY + 2;
}

static unsigned int iser_dm_rq_for(unsigned int tasks)
{
	return tasks + ISER_DM_RX_SLACK + 2;
}

static int iser_dm_qp_size(struct iser_dm_ep *ep)
{
	const struct ib_device_attr *attrs = &iser_dm_ibdev(ep)->attrs;
	unsigned int tasks = iser_dm_max_cmds + ISCSI_DM_MGMT_TASKS;
	unsigned int pages;

	while (tasks > ISCSI_DM_MGMT_TASKS &&
	       (iser_dm_sq_for(tasks) > attrs->max_qp_wr ||
		iser_dm_rq_for(tasks) > attrs->max_qp_wr ||
		iser_dm_sq_for(tasks) + iser_dm_rq_for(tasks) > attrs->max_cqe))
		tasks--;
	if (tasks <= ISCSI_DM_MGMT_TASKS) {
		pr_err("device %s too small (max_qp_wr %d, max_cqe %d)\n",
		       dev_name(&iser_dm_ibdev(ep)->dev), attrs->max_qp_wr, attrs->max_cqe);
		return -EINVAL;
	}
	ep->tasks = tasks;
	ep->sq_size = iser_dm_sq_for(tasks);
	ep->rq_size = iser_dm_rq_for(tasks);
	ep->cq_size = ep->sq_size + ep->rq_size;
	ep->max_send_sge = min_t(unsigned int, attrs->max_send_sge, ISER_DM_MAX_TX_SGE);
	if (ep->max_send_sge < 2)
		return -EINVAL;

	/* One extra page-list entry for a buffer that starts mid-page. */
	pages = min_t(unsigned int, iser_dm_sg_tablesize + 1,
		      attrs->max_fast_reg_page_list_len);
	if (pages < 2)
		return -EINVAL;
	ep->max_pages = pages;
	ep->dm.max_cmds = tasks - ISCSI_DM_MGMT_TASKS;
	ep->dm.sg_tablesize = pages - 1;
	ep->dm.max_sectors = (pages - 1) << (ISER_DM_PAGE_SHIFT - SECTOR_SHIFT);
	ep->dm.dma_dev = iser_dm_ibdev(ep)->dma_device;
	ep->dm.no_sg_gaps = true;
	return 0;
}

/**
 * iser_dm_qp_create() - take a CQ from the pool and create the RC QP
 * @ep: endpoint whose cm_id resolved its route and whose @dev is set
 *
 * Return: 0 or a negative errno (nothing left allocated).
 */
int iser_dm_qp_create(struct iser_dm_ep *ep)
{
	struct ib_qp_init_attr attr = {};
	int ret;

	ret = iser_dm_qp_size(ep);
	if (ret)
		return ret;

	if (iser_dm_fault("the CQ"))
		ep->cq = ERR_PTR(-ENOMEM);
	else
		ep->cq = ib_cq_pool_get(iser_dm_ibdev(ep), ep->cq_size, -1,
					IB_POLL_SOFTIRQ);
	if (IS_ERR(ep->cq)) {
		ret = PTR_ERR(ep->cq);
		ep->cq = NULL;
		iser_dm_err(ep, "no CQ of %u entries: %d\n", ep->cq_size, ret);
		return ret;
	}

	attr.event_handler = iser_dm_qp_event;
	attr.qp_context = ep;
	attr.send_cq = ep->cq;
	attr.recv_cq = ep->cq;
	attr.cap.max_send_wr = ep->sq_size;
	attr.cap.max_recv_wr = ep->rq_size;
	attr.cap.max_send_sge = ep->max_send_sge;
	attr.cap.max_recv_sge = 1;
	attr.sq_sig_type = IB_SIGNAL_REQ_WR;
	attr.qp_type = IB_QPT_RC;
	if (iser_dm_fault("the QP"))
		ret = -ENOMEM;
	else
		ret = rdma_create_qp(ep->cm_id, ep->dev->pd, &attr);
	if (ret) {
		iser_dm_err(ep, "rdma_create_qp (sq %u rq %u) failed: %d\n",
			    ep->sq_size, ep->rq_size, ret);
		goto err_cq;
	}
	ep->qp = ep->cm_id->qp;
	ep->qpn = ep->qp->qp_num;
	iser_dm_dbg(ep, "%s QP %u, %u tasks, sq %u rq %u cq %u, %u pages/MR\n",
		    iser_dm_rcp_name(ep), ep->qp->qp_num, ep->tasks, ep->sq_size,
		    ep->rq_size, ep->cq_size, ep->max_pages);
	return 0;

err_cq:
	ib_cq_pool_put(ep->cq, ep->cq_size);
	ep->cq = NULL;
	return ret;
}

/**
 * iser_dm_qp_destroy() - destroy the QP and return the CQ to the pool
 * @ep: endpoint whose I/O is stopped (QP drained, pools freed)
 */
void iser_dm_qp_destroy(struct iser_dm_ep *ep)
{
	if (ep->qp) {
		rdma_destroy_qp(ep->cm_id);
		ep->qp = NULL;
	}
	if (ep->cq) {
		ib_cq_pool_put(ep->cq, ep->cq_size);
		ep->cq = NULL;
	}
}
