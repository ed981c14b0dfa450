// SPDX-License-Identifier: GPL-2.0-only
/*
 * terminate.c - connection failure and termination (RFC 5047 §8.7, §9.2),
 * and the accounting that lets unbind/terminate promise "no up-call runs
 * after return".
 *
 * Any fault (CM disconnect, QP async error, failed or flushed completion,
 * protocol error) calls iser_dm_conn_fail(), which moves the endpoint to
 * TERMINATING once and queues @term_work.  The work drains the QP, releases
 * every task's registration and mapping, and only then sends one
 * Connection_Terminate_Notify, as §9.2 requires.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "iser_dm.h"
#include "trace.h"

/**
 * iser_dm_upcall_begin() - enter an up-call to iscsi_da
 * @ep: the endpoint
 *
 * Return: the bound Connection_Handle (the up-call may go ahead; pair with
 * iser_dm_upcall_end()), or NULL when unbound (make no up-call).
 */
struct iscsi_dm_conn *iser_dm_upcall_begin(struct iser_dm_ep *ep)
{
	struct iscsi_dm_conn *conn;
	unsigned long flags;

	spin_lock_irqsave(&ep->lock, flags);
	conn = ep->upcall_conn;
	if (conn)
		ep->upcalls++;
	spin_unlock_irqrestore(&ep->lock, flags);
	return conn;
}

/**
 * iser_dm_upcall_end() - leave an up-call started by iser_dm_upcall_begin()
 * @ep: the endpoint
 */
void iser_dm_upcall_end(struct iser_dm_ep *ep)
{
	unsigned long flags;

	spin_lock_irqsave(&ep->lock, flags);
	if (!--ep->upcalls)
		wake_up_all(&ep->wq);
	spin_unlock_irqrestore(&ep->lock, flags);
}

/**
 * iser_dm_conn_fail() - the connection is broken; terminate it once
 * @ep: the endpoint
 * @err: why (negative errno), reported in the notify
 *
 * Any context.  Only a connected endpoint is terminated; earlier failures
 * are connect failures that ep_poll reports.
 */
void iser_dm_conn_fail(struct iser_dm_ep *ep, int err)
{
	unsigned long flags;
	bool queue = false;

	spin_lock_irqsave(&ep->lock, flags);
	if (ep->state == ISER_DM_CONNECTED || ep->state == ISER_DM_FFP) {
		trace_iser_dm_conn_fail(ep->qpn, err);
		ep->term_err = err;
		iser_dm_set_state(ep, ISER_DM_TERMINATING);
		queue = true;
	}
	spin_unlock_irqrestore(&ep->lock, flags);
	if (queue) {
		iser_dm_info(ep, "connection failed: %d\n", err);
		queue_work(iser_dm_wq, &ep->term_work);
	}
}

/**
 * iser_dm_stop_io() - disconnect, drain the QP, release every task
 * @ep: the endpoint; caller holds @ep->mutex
 *
 * Idempotent.  Waits for senders past their state check (task.c) before
 * it touches the QP.  After it returns no sender or completion handler
 * runs for @ep, no task holds an MR or a DMA mapping, and the peer can
 * reach none of them.
 */
void iser_dm_stop_io(struct iser_dm_ep *ep)
{
	struct iser_dm_task *t, *tmp;
	unsigned long flags;

	lockdep_assert_held(&ep->mutex);
	if (ep->io_stopped)
		return;

	/* No new sender gets past its state check; wait out those that did. */
	spin_lock_irq(&ep->lock);
	if (ep->state != ISER_DM_FAILED)
		iser_dm_set_state(ep, ISER_DM_TERMINATING);
	wait_event_lock_irq(ep->wq, !ep->senders, ep->lock);
	spin_unlock_irq(&ep->lock);

	if (ep->qp) {
		if (ep->ever_connected && ep->cm_id)
			rdma_disconnect(ep->cm_id);
		/* Every posted WR completes (flushed) before this returns. */
		ib_drain_qp(ep->qp);
		/* Unsignalled sends the provider flushed without a completion. */
		iser_dm_tx_retire_all(ep);
	}

	spin_lock_irqsave(&ep->lock, flags);
	list_for_each_entry_safe(t, tmp, &ep->active, entry) {
		bool waiter = t->state == ISER_DM_TASK_ABORTING;

		/* A held response is dropped: iscsi_da fails the task. */
		iser_dm_task_release(ep, t);
		if (waiter)
			complete(&t->released);
	}
	ep->io_stopped = true;
	if (ep->state != ISER_DM_FAILED)
		iser_dm_set_state(ep, ISER_DM_DOWN);
	spin_unlock_irqrestore(&ep->lock, flags);
}

/**
 * iser_dm_term_work() - §9.2: stop using task resources, then notify
 * @work: &iser_dm_ep.term_work
 */
void iser_dm_term_work(struct work_struct *work)
{
	struct iser_dm_ep *ep = container_of(work, struct iser_dm_ep, term_work);
	struct iscsi_dm_conn *conn;
	unsigned long flags;
	bool notify;

	mutex_lock(&ep->mutex);
	iser_dm_stop_io(ep);
	mutex_unlock(&ep->mutex);

	spin_lock_irqsave(&ep->lock, flags);
	notify = !ep->no_notify && !ep->notified;
	ep->notified = true;
	spin_unlock_irqrestore(&ep->lock, flags);
	if (!notify)
		return;

	conn = iser_dm_upcall_begin(ep);
	if (!conn)
		return;
	iser_dm_dbg(ep, "Connection_Terminate_Notify cid %u err %d\n",
		    conn->cid, ep->term_err);
	iscsi_dm_connection_terminate_notify(conn, ep->term_err);
	iser_dm_upcall_end(ep);
}

/**
 * iser_dm_connection_terminate() - DI Connection_Terminate (§8.7)
 * @conn: the Connection_Handle
 *
 * Disconnects, drains, and releases every outstanding task.  No
 * Connection_Terminate_Notify follows: iscsi_da asked for it.  Process
 * context.
 */
void iser_dm_connection_terminate(struct iscsi_dm_conn *conn)
{
	struct iser_dm_ep *ep = iser_dm_conn_ep(conn);

	if (!ep)
		return;
	iser_dm_dbg(ep, "Connection_Terminate cid %u\n", conn->cid);
	spin_lock_irq(&ep->lock);
	ep->no_notify = true;
	spin_unlock_irq(&ep->lock);
	/* A notify already on its way finishes before we return. */
	cancel_work_sync(&ep->term_work);

	mutex_lock(&ep->mutex);
	iser_dm_stop_io(ep);
	mutex_unlock(&ep->mutex);
}
