// SPDX-License-Identifier: GPL-2.0-only
/*
 * cm.c - the Transport Connection bootstrap (outside RFC 5047, the draft's
 * §8.1.6): ep_connect, ep_poll, ep_disconnect, the rdma_cm event handler,
 * and the endpoint state machine.
 *
 * Locking: the CM handler runs under rdma_cm's handler mutex and takes
 * @ep->mutex inside it.  So nothing may call rdma_destroy_id() or
 * rdma_connect() (which take the handler mutex) while holding @ep->mutex;
 * ep_disconnect() steals @ep->cm_id under @ep->lock and destroys it after
 * dropping @ep->mutex.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/inet.h>
#include "iser_dm.h"
#include "trace.h"

/* Endpoint numbers, for the messages that name an endpoint. */
static atomic_t iser_dm_ep_ids = ATOMIC_INIT(0);

static const char *const iser_dm_state_names[] = {
	[ISER_DM_INIT]		= "INIT",
	[ISER_DM_RESOLVING]	= "RESOLVING",
	[ISER_DM_CONNECTING]	= "CONNECTING",
	[ISER_DM_CONNECTED]	= "CONNECTED",
	[ISER_DM_FFP]		= "FFP",
	[ISER_DM_TERMINATING]	= "TERMINATING",
	[ISER_DM_DOWN]		= "DOWN",
	[ISER_DM_FAILED]	= "FAILED",
};

const char *iser_dm_state_name(enum iser_dm_state state)
{
	return iser_dm_state_names[state];
}

/**
 * iser_dm_set_state() - the one place an endpoint changes state
 * @ep: the endpoint; caller holds @ep->lock
 * @state: the new state
 *
 * Wakes ep_poll() and login senders, which wait for state changes.
 */
void iser_dm_set_state(struct iser_dm_ep *ep, enum iser_dm_state state)
{
	lockdep_assert_held(&ep->lock);
	if (ep->state == state)
		return;
	iser_dm_dbg(ep, "%s -> %s\n", iser_dm_state_names[ep->state],
		    iser_dm_state_names[state]);
	ep->state = state;
	wake_up_all(&ep->wq);
}

static void iser_dm_connect_failed(struct iser_dm_ep *ep, int err)
{
	unsigned long flags;

	spin_lock_irqsave(&ep->lock, flags);
	if (ep->state == ISER_DM_RESOLVING || ep->state == ISER_DM_CONNECTING) {
		ep->connect_err = err;
		iser_dm_set_state(ep, ISER_DM_FAILED);
	}
	spin_unlock_irqrestore(&ep->lock, flags);
}

/*
 * Route resolved: the device is known.  Make the verbs objects, post the
 * login receive (the target may answer as soon as it accepts) and send
 * the CM REQ with the iSER private data.
 */
static int iser_dm_route_resolved(struct iser_dm_ep *ep)
{
	struct rdma_conn_param cp = {};
	struct iser_cm_hdr cm;
	int ret;

	ep->dev = iser_dm_device_get(ep->cm_id->device);
	if (IS_ERR(ep->dev)) {
		ret = PTR_ERR(ep->dev);
		ep->dev = NULL;
		return ret;
	}
	ret = iser_dm_qp_create(ep);
	if (ret)
		return ret;
	ret = iser_dm_login_alloc(ep);
	if (ret)
		return ret;
	ret = iser_dm_post_recv(ep, &ep->login_rx);
	if (ret)
		return ret;

	ep->send_inv_ok = !iser_dm_force_no_send_inv;
	iser_dm_wire_build_cm_req(&cm, ep->send_inv_ok);
	cp.private_data = &cm;
	cp.private_data_len = sizeof(cm);
	iser_dm_rcp_conn_param(ep, &cp);
	spin_lock_irq(&ep->lock);
	WRITE_ONCE(ep->connect_deadline, iser_dm_rcp_connect_deadline(ep));
	iser_dm_set_state(ep, ISER_DM_CONNECTING);
	spin_unlock_irq(&ep->lock);
	ret = rdma_connect_locked(ep->cm_id, &cp);
	if (ret) {
		/* iWARP connects over TCP here: a refusal shows up at once. */
		pr_warn("cannot connect to %pISpc (%d): no iSER portal there? iSCSI/TCP (iscsiadm -I default) is the fallback\n",
			&ep->dm.dst_addr, ret);
		return ret;
	}
	return 0;
}

static void iser_dm_established(struct iser_dm_ep *ep, const struct rdma_conn_param *cp)
{
	unsigned long flags;

	iser_dm_wire_parse_cm_rep(cp->private_data, cp->private_data_len, &ep->peer);
	if (ep->peer.zbva)
		iser_dm_warn(ep, "target claims zero-based VAs, which we refused; using real VAs\n");
	memcpy(&ep->dm.src_addr, &ep->cm_id->route.addr.src_addr,
	       sizeof(ep->dm.src_addr));
	pr_info("connected to %pISpc over %s (%s), target SI %s (ep %u)\n",
		&ep->dm.dst_addr, dev_name(&iser_dm_ibdev(ep)->dev),
		iser_dm_rcp_name(ep),
		ep->peer.send_inv && ep->send_inv_ok ? "on" : "off", ep->id);

	spin_lock_irqsave(&ep->lock, flags);
	ep->ever_connected = true;
	if (ep->state == ISER_DM_CONNECTING)
		iser_dm_set_state(ep, ISER_DM_CONNECTED);
	spin_unlock_irqrestore(&ep->lock, flags);
}

/*
 * The RDMA device is going away.  Everything we hold on it must be released
 * now: rdma_cm waits for every id on the device to be destroyed, and
 * iscsid may not be around to call ep_disconnect.  Unless ep_disconnect
 * already owns the id, we take it over and ask rdma_cm to destroy it
 * (return 1).
 */
static int iser_dm_cm_device_removal(struct iser_dm_ep *ep)
{
	struct rdma_cm_id *id;
	unsigned long flags;

	iser_dm_warn(ep, "RDMA device removed\n");
	iser_dm_connect_failed(ep, -ENODEV);
	iser_dm_conn_fail(ep, -ENODEV);

	mutex_lock(&ep->mutex);
	spin_lock_irqsave(&ep->lock, flags);
	id = ep->cm_id;
	spin_unlock_irqrestore(&ep->lock, flags);
	if (id) {
		iser_dm_stop_io(ep);
		iser_dm_resources_free(ep);
		iser_dm_qp_destroy(ep);
		iser_dm_login_free(ep);
		if (ep->dev) {
			iser_dm_device_put(ep->dev);
			ep->dev = NULL;
		}
		spin_lock_irqsave(&ep->lock, flags);
		ep->cm_id = NULL;
		spin_unlock_irqrestore(&ep->lock, flags);
	}
	mutex_unlock(&ep->mutex);
	return id ? 1 : 0;
}

static void iser_dm_ep_free_work(struct work_struct *work);

static int iser_dm_cm_handler(struct rdma_cm_id *id, struct rdma_cm_event *ev)
{
	struct iser_dm_ep *ep = id->context;
	int ret = 0;

	iser_dm_dbg(ep, "CM %s (%d) status %d\n", rdma_event_msg(ev->event), ev->event, ev->status);
	trace_iser_dm_cm_event(ep ? ep->qpn : 0, ev->event, ev->status);

	if (ev->event == RDMA_CM_EVENT_DEVICE_REMOVAL)
		return iser_dm_cm_device_removal(ep);

	mutex_lock(&ep->mutex);
	if (!ep->cm_id) {
		/* ep_disconnect took the id: nothing is left to act on. */
		mutex_unlock(&ep->mutex);
		return 0;
	}
	switch (ev->event) {
	case RDMA_CM_EVENT_ADDR_RESOLVED:
		ret = rdma_resolve_route(id, ISER_DM_RESOLVE_MS);
		if (ret)
			iser_dm_connect_failed(ep, ret);
		ret = 0;
		break;
	case RDMA_CM_EVENT_ROUTE_RESOLVED:
		ret = iser_dm_route_resolved(ep);
		if (ret)
			iser_dm_connect_failed(ep, ret);
		ret = 0;
		break;
	case RDMA_CM_EVENT_ESTABLISHED:
		iser_dm_established(ep, &ev->param.conn);
		break;
	case RDMA_CM_EVENT_REJECTED:
		/*
		 * The portal does not take iSER (no iSER listener, or it
		 * refused our CM private data).  The draft (section 3.4)
		 * leaves iSCSI over TCP as the fallback: say so, since
		 * iscsid itself only reports a timed-out connect.
		 */
		pr_warn("%pISpc refused the iSER connection (%s): no iSER portal there? iSCSI/TCP (iscsiadm -I default) is the fallback\n",
			&ep->dm.dst_addr, rdma_reject_msg(id, ev->status));
		iser_dm_connect_failed(ep, -ECONNREFUSED);
		break;
	case RDMA_CM_EVENT_ADDR_ERROR:
	case RDMA_CM_EVENT_ROUTE_ERROR:
		pr_warn("no RDMA path to %pISpc (%s, %d): no RDMA device on the route? iSCSI/TCP (iscsiadm -I default) is the fallback\n",
			&ep->dm.dst_addr, rdma_event_msg(ev->event), ev->status);
		iser_dm_connect_failed(ep, -EHOSTUNREACH);
		break;
	case RDMA_CM_EVENT_UNREACHABLE:
	case RDMA_CM_EVENT_CONNECT_ERROR:
		pr_warn("no iSER answer from %pISpc (%s, %d): is it an RDMA peer with an iSER portal? iSCSI/TCP (iscsiadm -I default) is the fallback\n",
			&ep->dm.dst_addr, rdma_event_msg(ev->event), ev->status);
		iser_dm_connect_failed(ep, -ECONNRESET);
		break;
	case RDMA_CM_EVENT_DISCONNECTED:
	case RDMA_CM_EVENT_ADDR_CHANGE:
		iser_dm_info(ep, "%s\n", rdma_event_msg(ev->event));
		iser_dm_connect_failed(ep, -ECONNRESET);
		iser_dm_conn_fail(ep, -ECONNRESET);
		break;
	case RDMA_CM_EVENT_TIMEWAIT_EXIT:
		/* Our QP left timewait: nothing more will arrive on it. */
		break;
	default:
		iser_dm_warn(ep, "unexpected CM event %s (%d)\n",
			     rdma_event_msg(ev->event), ev->event);
		break;
	}
	mutex_unlock(&ep->mutex);
	return ret;
}

/**
 * iser_dm_ep_connect() - DI ep_connect: start an RC connection to @dst
 * @dst: the target portal
 * @non_blocking: ignored; connecting is always asynchronous (ep_poll waits)
 *
 * Return: the endpoint, or an ERR_PTR().
 */
struct iscsi_dm_ep *iser_dm_ep_connect(struct sockaddr *dst, bool non_blocking)
{
	struct iser_dm_ep *ep;
	size_t alen;
	int ret;

	if (dst->sa_family == AF_INET)
		alen = sizeof(struct sockaddr_in);
	else if (dst->sa_family == AF_INET6)
		alen = sizeof(struct sockaddr_in6);
	else
		return ERR_PTR(-EAFNOSUPPORT);

	ep = iser_dm_fault("the endpoint") ? NULL :
	     kzalloc(sizeof(*ep), GFP_KERNEL);
	if (!ep)
		return ERR_PTR(-ENOMEM);
	ep->dm.ops = &iser_dm_ops;
	memcpy(&ep->dm.dst_addr, dst, alen);
	ep->id = atomic_inc_return(&iser_dm_ep_ids);
	snprintf(ep->name, sizeof(ep->name), "ep %u to %pISpc", ep->id, dst);
	spin_lock_init(&ep->lock);
	mutex_init(&ep->mutex);
	init_waitqueue_head(&ep->wq);
	INIT_LIST_HEAD(&ep->tx_free);
	INIT_LIST_HEAD(&ep->tx_posted);
	INIT_LIST_HEAD(&ep->mrs);
	INIT_LIST_HEAD(&ep->active);
	INIT_LIST_HEAD(&ep->dataouts);
	INIT_LIST_HEAD(&ep->entry);
	INIT_WORK(&ep->term_work, iser_dm_term_work);
	INIT_WORK(&ep->free_work, iser_dm_ep_free_work);
	ep->reg_cqe.done = iser_dm_reg_done;
	ep->state = ISER_DM_INIT;

	if (iser_dm_fault("the CM id"))
		ep->cm_id = ERR_PTR(-ENOMEM);
	else
		ep->cm_id = rdma_create_id(&init_net, iser_dm_cm_handler, ep,
					   RDMA_PS_TCP, IB_QPT_RC);
	if (IS_ERR(ep->cm_id)) {
		ret = PTR_ERR(ep->cm_id);
		pr_err("rdma_create_id failed: %d\n", ret);
		goto err_free;
	}
	iser_dm_ep_list_add(ep);

	spin_lock_irq(&ep->lock);
	iser_dm_set_state(ep, ISER_DM_RESOLVING);
	spin_unlock_irq(&ep->lock);
	ret = rdma_resolve_addr(ep->cm_id, NULL, (struct sockaddr *)&ep->dm.dst_addr,
				ISER_DM_RESOLVE_MS);
	if (ret) {
		pr_err("rdma_resolve_addr(%pISpc) failed: %d\n", dst, ret);
		goto err_id;
	}
	iser_dm_dbg(ep, "connecting to %pISpc\n", dst);
	return &ep->dm;

err_id:
	iser_dm_ep_list_del(ep);
	rdma_destroy_id(ep->cm_id);
err_free:
	kfree(ep);
	return ERR_PTR(ret);
}

static bool iser_dm_connecting(struct iser_dm_ep *ep)
{
	enum iser_dm_state state = READ_ONCE(ep->state);

	return state == ISER_DM_RESOLVING || state == ISER_DM_CONNECTING;
}

/**
 * iser_dm_ep_poll() - DI ep_poll: wait for the connect to finish
 * @dm: the endpoint
 * @timeout_ms: how long to wait
 *
 * Return: 1 connected, 0 still connecting (or interrupted), negative errno
 * if the connect failed.
 */
int iser_dm_ep_poll(struct iscsi_dm_ep *dm, int timeout_ms)
{
	struct iser_dm_ep *ep = iser_dm_ep(dm);
	unsigned long wait = msecs_to_jiffies(timeout_ms), deadline;
	long left;

	deadline = READ_ONCE(ep->connect_deadline);
	if (deadline && READ_ONCE(ep->state) == ISER_DM_CONNECTING)
		wait = time_after(deadline, jiffies) ?
		       min(wait, deadline - jiffies) : 0;
	left = wait_event_interruptible_timeout(ep->wq, !iser_dm_connecting(ep),
						wait);
	if (left <= 0 && deadline && READ_ONCE(ep->state) == ISER_DM_CONNECTING &&
	    time_after_eq(jiffies, deadline)) {
		/* rcp.c: an iWARP peer that speaks MPA would have answered */
		pr_warn("no MPA reply from %pISpc within %u ms: a plain TCP listener, not an iSER portal? iSCSI/TCP (iscsiadm -I default) is the fallback\n",
			&ep->dm.dst_addr, iser_dm_iwarp_connect_ms);
		iser_dm_connect_failed(ep, -ETIMEDOUT);
	}
	if (left <= 0 && iser_dm_connecting(ep))
		return 0;

	switch (READ_ONCE(ep->state)) {
	case ISER_DM_CONNECTED:
	case ISER_DM_FFP:
		return 1;
	case ISER_DM_FAILED:
		return ep->connect_err ?: -ENOTCONN;
	default:
		return -ENOTCONN;
	}
}

/*
 * The second half of ep_disconnect: the verbs objects, the id and the
 * endpoint itself.  The QP is drained (no completion handler runs for it
 * any more); the CM handler may run until rdma_destroy_id() returns, so
 * the endpoint is freed after it.
 */
static void iser_dm_ep_free(struct iser_dm_ep *ep)
{
	struct rdma_cm_id *id = ep->dying_id;

	mutex_lock(&ep->mutex);
	/* With the id stolen, a DEVICE_REMOVAL handler leaves the rest to us. */
	if (id) {
		if (ep->qp) {
			rdma_destroy_qp(id);
			ep->qp = NULL;
		}
		if (ep->cq) {
			ib_cq_pool_put(ep->cq, ep->cq_size);
			ep->cq = NULL;
		}
	}
	iser_dm_login_free(ep);
	if (ep->dev) {
		iser_dm_device_put(ep->dev);
		ep->dev = NULL;
	}
	mutex_unlock(&ep->mutex);
	if (id)
		rdma_destroy_id(id);
	mutex_destroy(&ep->mutex);
	kfree(ep);
}

static void iser_dm_ep_free_work(struct work_struct *work)
{
	iser_dm_ep_free(container_of(work, struct iser_dm_ep, free_work));
}

/**
 * iser_dm_ep_disconnect() - DI ep_disconnect: tear down and free @dm
 * @dm: an unbound endpoint
 *
 * Waits for the termination work and for CM handlers to finish, drains
 * the QP, releases every verbs object and frees the endpoint.
 */
void iser_dm_ep_disconnect(struct iscsi_dm_ep *dm)
{
	struct iser_dm_ep *ep = iser_dm_ep(dm);
	bool connected;

	iser_dm_dbg(ep, "disconnect\n");
	WARN_ON(ep->upcall_conn);

	spin_lock_irq(&ep->lock);
	ep->no_notify = true;
	spin_unlock_irq(&ep->lock);

	mutex_lock(&ep->mutex);
	iser_dm_stop_io(ep);
	iser_dm_resources_free(ep);
	spin_lock_irq(&ep->lock);
	ep->dying_id = ep->cm_id;
	ep->cm_id = NULL;
	connected = ep->ever_connected;
	spin_unlock_irq(&ep->lock);
	mutex_unlock(&ep->mutex);

	cancel_work_sync(&ep->term_work);
	iser_dm_ep_list_del(ep);
	/*
	 * A connect still in flight: on iWARP the RNIC holds the QP and the
	 * id until it gives up the MPA exchange (siw: 10 s after the
	 * connect), and destroying either waits for that, which would hold
	 * iscsid (and each of iscsiadm's retries) as long.  Nothing else
	 * refers to the endpoint: finish in the background (module exit
	 * flushes iser_dm_wq).
	 */
	if (ep->dying_id && !connected) {
		queue_work(iser_dm_wq, &ep->free_work);
		return;
	}
	iser_dm_ep_free(ep);
}
