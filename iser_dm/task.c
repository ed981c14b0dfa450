// SPDX-License-Identifier: GPL-2.0-only
/*
 * task.c - the life of a SCSI task in the datamover, and the rule the DI
 * promises iscsi_da (include/iscsi_dm.h): a SCSI Response goes up only
 * once the task's buffers are out of the fabric's reach.
 *
 *	IDLE --Send_Control--> ACTIVE --SCSI Response--> RESPONDED --settle--> IDLE
 *	                         |                          |     (response delivered)
 *	                         +--Deallocate_Task_Resources+--> ABORTING --settle--> IDLE
 *	                                                            (waiter woken)
 *
 * A task settles when nothing of it is in flight: every chain that carries
 * its data has completed (until then the HCA may retransmit from the
 * buffer) and none is left to post, and every MR is invalid (the target's
 * Send with Invalidate, checked against the task, or our LOCAL_INV,
 * completed; the LOCAL_INV is posted only once the sends are done, as a
 * retransmission may still read through the key).  Settling returns the
 * MRs and unmaps the buffers; only then does the held response go to
 * iscsi_da.  A response for an IDLE task (its command not sent yet: early
 * or guessed) or for a RESPONDED one (a duplicate) is a protocol error,
 * never a completion.  A failed SEND or LOCAL_INV settles nothing: the
 * connection fails and iser_dm_stop_io() releases the task after the QP
 * is drained.
 *
 * The sender fence lives here too: whoever uses the QP, the pools or the
 * login buffers outside @ep->lock enters as a sender while the endpoint
 * is in the state it needs, and teardown (iser_dm_stop_io()) waits for
 * every sender to leave before it drains or frees anything.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "iser_dm.h"

/**
 * iser_dm_sender_enter() - start using the endpoint's verbs objects
 * @ep: the endpoint; caller holds @ep->lock
 * @state: the state the sender needs (FFP, or CONNECTED for login sends)
 *
 * Return: true (pair with iser_dm_sender_exit()), or false when @ep is not
 * in @state: nothing may be touched.
 */
bool iser_dm_sender_enter(struct iser_dm_ep *ep, enum iser_dm_state state)
{
	lockdep_assert_held(&ep->lock);
	if (ep->state != state)
		return false;
	ep->senders++;
	return true;
}

/**
 * iser_dm_sender_exit() - done with the endpoint's verbs objects
 * @ep: the endpoint; caller holds @ep->lock
 */
void iser_dm_sender_exit(struct iser_dm_ep *ep)
{
	lockdep_assert_held(&ep->lock);
	if (!--ep->senders)
		wake_up_all(&ep->wq);
}

/*
 * Move @t on once nothing of its data is in flight: invalidate what is
 * still valid (a LOCAL_INV only after the last send that reads the
 * buffer, which a retransmission could otherwise still need), then
 * release it.  Caller holds @ep->lock.
 * Return: the held response to hand on (*deliver: to iscsi_da; otherwise
 * only reposted), or NULL; *err: LOCAL_INV could not be posted.
 */
static struct iser_dm_rx_desc *iser_dm_task_settle(struct iser_dm_ep *ep,
						   struct iser_dm_task *t,
						   bool *deliver, int *err)
{
	enum iser_dm_task_state state = t->state;
	struct iser_dm_rx_desc *rx;
	int ret;

	lockdep_assert_held(&ep->lock);
	*deliver = false;
	if ((state != ISER_DM_TASK_RESPONDED && state != ISER_DM_TASK_ABORTING) ||
	    t->sends || !list_empty(&t->do_entry))
		return NULL;
	if (!t->inv_pending &&
	    (iser_dm_buf_needs_inv(&t->in) || iser_dm_buf_needs_inv(&t->out))) {
		ret = iser_dm_task_post_inv(ep, t);
		if (ret < 0) {
			/* The keys stay valid: only a drained QP frees the task. */
			*err = ret;
			return NULL;
		}
		t->inv_pending = true;
	}
	if (t->inv_pending)
		return NULL;
	rx = t->resp_rx;
	iser_dm_task_release(ep, t);
	if (state == ISER_DM_TASK_ABORTING)
		complete(&t->released);
	*deliver = state == ISER_DM_TASK_RESPONDED;
	return rx;
}

/*
 * Outside @ep->lock: a settled task's response goes up and its buffer
 * back; or, when the task could not be invalidated, the connection fails.
 */
static void iser_dm_task_hand_on(struct iser_dm_ep *ep, struct iser_dm_rx_desc *rx,
				 bool deliver, struct iser_dm_task *t, int err)
{
	if (err) {
		atomic64_inc(&ep->stats.errors);
		iser_dm_conn_fail(ep, err);
	}
	if (!rx)
		return;
	if (deliver)
		iser_dm_deliver(ep, rx, t->task);
	iser_dm_repost(ep, rx);
}

/**
 * iser_dm_task_sent() - a chain carrying @t's data completed
 * @ep: the endpoint (lock not held)
 * @t: the task
 * @ok: it completed successfully; a failed or flushed one settles nothing
 *	(the connection is failing and iser_dm_stop_io() releases the task)
 */
void iser_dm_task_sent(struct iser_dm_ep *ep, struct iser_dm_task *t, bool ok)
{
	struct iser_dm_rx_desc *rx = NULL;
	unsigned long flags;
	bool deliver = false;
	int err = 0;

	spin_lock_irqsave(&ep->lock, flags);
	t->sends--;
	if (ok)
		rx = iser_dm_task_settle(ep, t, &deliver, &err);
	spin_unlock_irqrestore(&ep->lock, flags);
	iser_dm_task_hand_on(ep, rx, deliver, t, err);
}

static void iser_dm_task_proto_error(struct iser_dm_ep *ep, itt_t itt, const char *what)
{
	iser_dm_err(ep, "itt 0x%x: %s\n", iscsi_dm_itt(itt), what);
	iser_dm_protocol_error(ep, what, ISCSI_OP_SCSI_CMD_RSP);
}

/**
 * iser_dm_task_response() - a SCSI Response arrived
 * @ep: the endpoint
 * @rx: the receive buffer holding it (held, delivered or reposted here)
 * @wc: its completion (Send with Invalidate?)
 * @pdu: the parsed PDU
 *
 * Called from the CQ; responses are handled in arrival order.
 */
void iser_dm_task_response(struct iser_dm_ep *ep, struct iser_dm_rx_desc *rx,
			   struct ib_wc *wc, struct iser_dm_rx_pdu *pdu)
{
	struct iscsi_dm_task *task = NULL;
	enum iser_dm_task_state state;
	struct iscsi_dm_conn *conn;
	struct iser_dm_task *t;
	unsigned long flags;
	bool deliver;
	int err = 0;

	conn = iser_dm_upcall_begin(ep);
	if (conn) {
		task = iscsi_dm_task_lookup(conn, pdu->hdr->itt);
		iser_dm_upcall_end(ep);
	}
	if (!task) {
		/*
		 * iscsi_da has nothing outstanding under this ITT (late,
		 * duplicate, never issued): it judges the PDU and completes
		 * nothing.  A Send with Invalidate may legitimately come
		 * here after an abort, whose LOCAL_INV covers the key.
		 */
		iser_dm_deliver(ep, rx, NULL);
		iser_dm_repost(ep, rx);
		return;
	}

	t = iser_dm_task(task);
	spin_lock_irqsave(&ep->lock, flags);
	state = t->ep == ep ? t->state : ISER_DM_TASK_IDLE;
	if (state == ISER_DM_TASK_ABORTING && !t->resp_rx) {
		/* Lost a race with Deallocate_Task_Resources: it invalidates. */
		spin_unlock_irqrestore(&ep->lock, flags);
		iser_dm_repost(ep, rx);
		return;
	}
	if (state != ISER_DM_TASK_ACTIVE) {
		spin_unlock_irqrestore(&ep->lock, flags);
		iser_dm_task_proto_error(ep, pdu->hdr->itt, state == ISER_DM_TASK_IDLE ?
					 "SCSI Response before its command was sent" :
					 "second SCSI Response for a task");
		return;
	}
	if ((wc->wc_flags & IB_WC_WITH_INVALIDATE) &&
	    iser_dm_task_remote_inv(ep, t, wc->ex.invalidate_rkey)) {
		spin_unlock_irqrestore(&ep->lock, flags);
		iser_dm_err(ep, "itt 0x%x: target invalidated rkey 0x%x, not ours\n",
			    iscsi_dm_itt(pdu->hdr->itt),
			    wc->ex.invalidate_rkey);
		iser_dm_protocol_error(ep, "bad Send with Invalidate", pdu->opcode);
		return;
	}
	t->state = ISER_DM_TASK_RESPONDED;
	t->resp_rx = rx;
	/* Answered: unsolicited data not yet posted is not wanted any more. */
	list_del_init(&t->do_entry);
	rx = iser_dm_task_settle(ep, t, &deliver, &err);
	spin_unlock_irqrestore(&ep->lock, flags);
	iser_dm_task_hand_on(ep, rx, deliver, t, err);
}

/**
 * iser_dm_inv_done() - a task's LOCAL_INV completed
 * @cq: the CQ
 * @wc: the completion
 *
 * On success the task's keys are invalid; it settles if its SEND is done.
 * On failure the keys may still be valid: the connection fails and the
 * task is released only after the QP is drained.
 */
void iser_dm_inv_done(struct ib_cq *cq, struct ib_wc *wc)
{
	struct iser_dm_task *t = container_of(wc->wr_cqe, struct iser_dm_task, inv_cqe);
	struct iser_dm_ep *ep = t->ep;
	struct iser_dm_rx_desc *rx;
	unsigned long flags;
	bool deliver;
	int err = 0;

	spin_lock_irqsave(&ep->lock, flags);
	t->inv_pending = false;
	if (wc->status != IB_WC_SUCCESS) {
		spin_unlock_irqrestore(&ep->lock, flags);
		if (wc->status != IB_WC_WR_FLUSH_ERR)
			iser_dm_err(ep, "LOCAL_INV failed: %s\n", ib_wc_status_msg(wc->status));
		atomic64_inc(&ep->stats.errors);
		iser_dm_conn_fail(ep, -EIO);
		return;
	}
	iser_dm_task_inv_complete(t);
	rx = iser_dm_task_settle(ep, t, &deliver, &err);
	spin_unlock_irqrestore(&ep->lock, flags);
	iser_dm_task_hand_on(ep, rx, deliver, t, err);
}

/**
 * iser_dm_deallocate_task_resources() - DI Deallocate_Task_Resources (§8.9)
 * @conn: the Connection_Handle
 * @task: a task ending without a SCSI Response (a held one is dropped)
 *
 * Stops its unsolicited Data-Outs, invalidates its MRs once its sends have
 * completed, and waits until it has settled, or until the QP is drained
 * when that is impossible.  Sleeps.
 */
void iser_dm_deallocate_task_resources(struct iscsi_dm_conn *conn,
				       struct iscsi_dm_task *task)
{
	struct iser_dm_ep *ep = iser_dm_conn_ep(conn);
	struct iser_dm_task *t = iser_dm_task(task);
	enum iser_dm_task_state was;
	struct iser_dm_rx_desc *rx;
	bool deliver, settled;
	int err = 0;

	if (!ep)
		return;
	spin_lock_irq(&ep->lock);
	was = t->ep == ep ? t->state : ISER_DM_TASK_IDLE;
	if (was == ISER_DM_TASK_IDLE || was == ISER_DM_TASK_ABORTING) {
		spin_unlock_irq(&ep->lock);
		return;
	}
	iser_dm_dbg(ep, "Deallocate_Task_Resources itt 0x%x state %d\n",
		    iscsi_dm_itt(task->itt), was);
	t->state = ISER_DM_TASK_ABORTING;
	reinit_completion(&t->released);
	list_del_init(&t->do_entry);	/* no more of its Data-Outs */
	rx = iser_dm_task_settle(ep, t, &deliver, &err);
	settled = t->state == ISER_DM_TASK_IDLE;
	spin_unlock_irq(&ep->lock);
	/* A LOCAL_INV that cannot be posted: iser_dm_stop_io() wakes us. */
	iser_dm_task_hand_on(ep, rx, false, t, err);
	if (!settled)
		wait_for_completion(&t->released);
}
