// SPDX-License-Identifier: GPL-2.0-only
/*
 * Datamover registration (iscsi_dm_register/unregister)
 *
 * Each datamover becomes one iSCSI transport of scsi_transport_iscsi, named
 * after it ("iser"), so stock iscsid drives it.
 *
 * Unregister policy: every session and every endpoint holds a reference on
 * the datamover's module (ops->owner), taken in create_session/ep_connect
 * and dropped in destroy_session/ep_disconnect, exactly as libiscsi pins an
 * LLD.  A datamover calls iscsi_dm_unregister() from its module exit, which
 * cannot run while a reference is held, so in practice there is no session
 * left to tear down: rmmod fails with EBUSY until iscsiadm has logged out.
 * That is deliberate: ripping a session out from under iscsid would leave
 * it holding handles into a transport that no longer exists.  Should a
 * datamover unregister from elsewhere with sessions open anyway, they are
 * failed defensively (I/O ends with DID_TRANSPORT_FAILFAST, iscsid is told
 * the connection failed) before the transport goes away.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>

#include "iscsi_da.h"

#define ISDA_MAX_DATAMOVERS	2

static DEFINE_MUTEX(isda_registry_mutex);
static DEFINE_SPINLOCK(isda_sessions_lock);
static LIST_HEAD(isda_transports);
static struct isda_transport *isda_slots[ISDA_MAX_DATAMOVERS];

/*
 * iscsi_transport.ep_connect is not told which transport it belongs to,
 * so each registration slot gets its own trampoline.
 */
struct isda_transport *isda_transport_find_slot(int slot)
{
	return READ_ONCE(isda_slots[slot]);
}

#define ISDA_EP_CONNECT_SLOT(n)						\
static struct iscsi_endpoint *isda_ep_connect_##n(struct Scsi_Host *shost, \
						   struct sockaddr *dst,	\
						   int non_blocking)	\
{									\
	return isda_ep_connect(isda_transport_find_slot(n), dst,	\
			       non_blocking);				\
}

ISDA_EP_CONNECT_SLOT(0)
ISDA_EP_CONNECT_SLOT(1)

static struct iscsi_endpoint *
(*const isda_ep_connect_fns[ISDA_MAX_DATAMOVERS])(struct Scsi_Host *,
						  struct sockaddr *, int) = {
	isda_ep_connect_0,
	isda_ep_connect_1,
};

static bool isda_ops_valid(const struct iscsi_dm_ops *ops)
{
	if (ops->api_version != ISCSI_DM_API_VERSION) {
		pr_err("datamover %s built for DI version %u, we speak %u\n",
		       ops->name ?: "?", ops->api_version,
		       ISCSI_DM_API_VERSION);
		return false;
	}
	if (!ops->name || !ops->ep_connect || !ops->ep_poll ||
	    !ops->ep_disconnect || !ops->bind || !ops->unbind ||
	    !ops->login_send || !ops->send_control ||
	    !ops->allocate_connection_resources ||
	    !ops->deallocate_connection_resources || !ops->enable_datamover ||
	    !ops->connection_terminate || !ops->notice_key_values ||
	    !ops->deallocate_task_resources) {
		pr_err("datamover %s lacks a mandatory operation\n",
		       ops->name ?: "?");
		return false;
	}
	return true;
}

static struct isda_transport *isda_find_locked(const char *name)
{
	struct isda_transport *tr;

	list_for_each_entry(tr, &isda_transports, list)
		if (!strcmp(tr->ops->name, name))
			return tr;
	return NULL;
}

/* register a datamover: the contract is in include/iscsi_dm.h. */
int iscsi_dm_register(const struct iscsi_dm_ops *ops)
{
	struct isda_transport *tr;
	int slot, ret;

	if (!isda_ops_valid(ops))
		return -EINVAL;

	mutex_lock(&isda_registry_mutex);
	ret = -EEXIST;
	if (isda_find_locked(ops->name))
		goto out_unlock;
	ret = -ENOSPC;
	for (slot = 0; slot < ISDA_MAX_DATAMOVERS; slot++)
		if (!isda_slots[slot])
			break;
	if (slot == ISDA_MAX_DATAMOVERS)
		goto out_unlock;

	ret = -ENOMEM;
	tr = kzalloc(sizeof(*tr), GFP_KERNEL);
	if (!tr)
		goto out_unlock;
	tr->ops = ops;
	tr->slot = slot;
	INIT_LIST_HEAD(&tr->sessions);
	isda_transport_fill(tr);
	tr->iscsit.ep_connect = isda_ep_connect_fns[slot];
	isda_host_template_fill(tr);

	tr->stt = iscsi_register_transport(&tr->iscsit);
	if (!tr->stt) {
		/* the class refuses a second transport of the same name */
		pr_err("scsi_transport_iscsi refused transport %s\n",
		       ops->name);
		ret = -EEXIST;
		goto out_free;
	}
	WRITE_ONCE(isda_slots[slot], tr);
	list_add_tail(&tr->list, &isda_transports);
	mutex_unlock(&isda_registry_mutex);
	pr_info("datamover %s registered (task_priv %zu bytes)\n",
		ops->name, ops->task_priv_size);
	return 0;

out_free:
	kfree(tr);
out_unlock:
	mutex_unlock(&isda_registry_mutex);
	return ret;
}
EXPORT_SYMBOL_GPL(iscsi_dm_register);

/* Defensive path only; see the policy at the top of this file. */
static void isda_fail_sessions(struct isda_transport *tr)
{
	struct isda_session *sess;
	unsigned long flags;

	spin_lock(&isda_sessions_lock);
	list_for_each_entry(sess, &tr->sessions, list) {
		pr_err("datamover %s unregistered with session %u open\n",
		       tr->ops->name, sess->cls->sid);
		spin_lock_irqsave(&sess->lock, flags);
		isda_session_set_state(sess, ISDA_SESS_RECOVERY_FAILED);
		spin_unlock_irqrestore(&sess->lock, flags);
		if (sess->conn)
			isda_conn_failure(sess->conn, ISCSI_ERR_CONN_FAILED);
	}
	spin_unlock(&isda_sessions_lock);
}

/* unregister a datamover: the contract is in include/iscsi_dm.h. */
void iscsi_dm_unregister(const struct iscsi_dm_ops *ops)
{
	struct isda_transport *tr;

	mutex_lock(&isda_registry_mutex);
	tr = isda_find_locked(ops->name);
	if (!tr || tr->ops != ops) {
		mutex_unlock(&isda_registry_mutex);
		WARN(1, "iscsi_da: unregister of unknown datamover\n");
		return;
	}
	if (WARN_ON(!list_empty(&tr->sessions)))
		isda_fail_sessions(tr);
	iscsi_unregister_transport(&tr->iscsit);
	WRITE_ONCE(isda_slots[tr->slot], NULL);
	list_del(&tr->list);
	mutex_unlock(&isda_registry_mutex);
	pr_info("datamover %s unregistered\n", ops->name);
	kfree(tr);
}
EXPORT_SYMBOL_GPL(iscsi_dm_unregister);

void isda_registry_add_session(struct isda_session *sess)
{
	spin_lock(&isda_sessions_lock);
	list_add_tail(&sess->list, &sess->tr->sessions);
	spin_unlock(&isda_sessions_lock);
}

void isda_registry_del_session(struct isda_session *sess)
{
	spin_lock(&isda_sessions_lock);
	list_del_init(&sess->list);
	spin_unlock(&isda_sessions_lock);
}

/* Module exit: every datamover depends on us, so all are gone already. */
void isda_registry_exit(void)
{
	WARN_ON(!list_empty(&isda_transports));
}
