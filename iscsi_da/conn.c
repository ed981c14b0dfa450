// SPDX-License-Identifier: GPL-2.0-only
/*
 * iSCSI connections: create/bind/start/stop/unbind/destroy
 *
 * The RFC 5047 sequence as iscsid drives it (figures 2 and 4):
 *   bind_conn        Connection_Handle <-> Transport Connection (login)
 *   send_pdu (final) Allocate_Connection_Resources, then the last Login
 *   start_conn       Notice_Key_Values, Enable_Datamover -> Full Feature
 *   unbind/stop_conn Connection_Terminate (or, after a failed login,
 *                    Deallocate_Connection_Resources); outstanding tasks
 *                    are then ours again and are failed for requeue.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>

#include "iscsi_da.h"
#include "trace.h"

static const char *const isda_conn_state_names[] = {
	[ISDA_CONN_INIT]	= "INIT",
	[ISDA_CONN_LOGIN]	= "LOGIN",
	[ISDA_CONN_FFP]		= "FFP",
	[ISDA_CONN_FAILED]	= "FAILED",
	[ISDA_CONN_STOPPED]	= "STOPPED",
};

const char *isda_conn_state_name(enum isda_conn_state state)
{
	return isda_conn_state_names[state];
}

/**
 * isda_conn_set_state() - the one place a connection changes state
 * @conn: connection
 * @state: new state
 *
 * Called with the session lock held.
 */
void isda_conn_set_state(struct isda_conn *conn, enum isda_conn_state state)
{
	lockdep_assert_held(&conn->sess->lock);
	BUILD_BUG_ON(ISDA_CONN_INIT != 0 || ISDA_CONN_STOPPED != 4);	/* trace.h */
	if (conn->state == state)
		return;
	trace_iscsi_da_conn_state(conn->sess->cls->sid, conn->dm.cid,
				  conn->state, state);
	pr_debug("conn %u:%u: %s -> %s\n", conn->sess->cls->sid, conn->dm.cid,
		 isda_conn_state_names[conn->state],
		 isda_conn_state_names[state]);
	conn->state = state;
}

struct iscsi_cls_conn *isda_create_conn(struct iscsi_cls_session *cls_sess,
					u32 cid)
{
	struct isda_session *sess = cls_sess->dd_data;
	struct iscsi_cls_conn *cls;
	struct isda_conn *conn;
	unsigned long flags;

	if (sess->conn) {
		pr_err("session %u: one connection per session\n",
		       cls_sess->sid);
		return NULL;
	}
	cls = isda_fault("the connection") ? NULL :
	      iscsi_alloc_conn(cls_sess, sizeof(*conn), cid);
	if (!cls)
		return NULL;
	conn = cls->dd_data;
	conn->cls = cls;
	conn->sess = sess;
	conn->dm.sid = cls_sess->sid;
	conn->dm.cid = cid;
	conn->state = ISDA_CONN_INIT;
	mutex_init(&conn->dm_mutex);
	conn->terminated = true;
	conn->ping_slot = -1;
	conn->max_recv_dlength = ISCSI_DEF_MAX_RECV_SEG_LEN;
	conn->max_xmit_dlength = ISCSI_DEF_MAX_RECV_SEG_LEN;
	isda_nop_init(conn);
	if (isda_mtasks_alloc(conn))
		goto out_put;
	if (iscsi_add_conn(cls))
		goto out_mtasks;

	spin_lock_irqsave(&sess->lock, flags);
	sess->conn = conn;
	spin_unlock_irqrestore(&sess->lock, flags);
	isda_debugfs_add_conn(conn);
	return cls;

out_mtasks:
	isda_mtasks_free(conn);
out_put:
	iscsi_put_conn(cls);
	return NULL;
}

static void isda_conn_unbind_dm(struct isda_conn *conn)
{
	struct isda_transport *tr = conn->sess->tr;

	mutex_lock(&conn->dm_mutex);
	if (conn->dm.ep) {
		tr->ops->unbind(&conn->dm);
		conn->dm.ep = NULL;
	}
	mutex_unlock(&conn->dm_mutex);
}

void isda_destroy_conn(struct iscsi_cls_conn *cls)
{
	struct isda_conn *conn = cls->dd_data;
	struct isda_session *sess = conn->sess;
	unsigned long flags;

	/* no reader of the state view is left after this */
	isda_debugfs_del_conn(conn);
	/* iscsid stops and unbinds first; be safe if it did not */
	if (conn->dm.ep) {
		isda_conn_cleanup(conn, false);
		isda_conn_unbind_dm(conn);
	}
	isda_nop_stop(conn);

	spin_lock_irqsave(&sess->lock, flags);
	if (sess->conn == conn)
		sess->conn = NULL;
	spin_unlock_irqrestore(&sess->lock, flags);

	iscsi_remove_conn(cls);
	isda_mtasks_free(conn);
	kfree(conn->persistent_address);
	iscsi_put_conn(cls);
}

int isda_bind_conn(struct iscsi_cls_session *cls_sess,
		   struct iscsi_cls_conn *cls_conn, u64 transport_eph,
		   int is_leading)
{
	struct isda_session *sess = cls_sess->dd_data;
	struct isda_conn *conn = cls_conn->dd_data;
	struct iscsi_endpoint *ep;
	struct isda_ep *iep;
	unsigned long flags;
	int ret;

	ep = iscsi_lookup_endpoint(transport_eph);
	if (!ep)
		return -EINVAL;
	iep = ep->dd_data;
	if (iep->tr != sess->tr) {
		ret = -EINVAL;
		goto out_put;
	}

	mutex_lock(&conn->dm_mutex);
	ret = sess->tr->ops->bind(&conn->dm, iep->dm);
	if (!ret) {
		conn->dm.ep = iep->dm;
		conn->terminated = false;
		conn->res_allocated = false;
	}
	mutex_unlock(&conn->dm_mutex);
	if (ret)
		goto out_put;

	spin_lock_irqsave(&sess->lock, flags);
	conn->ffp = false;
	conn->err_reported = false;
	conn->login_age++;
	isda_conn_set_state(conn, ISDA_CONN_LOGIN);
	spin_unlock_irqrestore(&sess->lock, flags);
out_put:
	iscsi_put_endpoint(ep);
	return ret;
}

/* Called by the class before ep_disconnect, on error cleanup and logout. */
void isda_unbind_conn(struct iscsi_cls_conn *cls, bool is_active)
{
	struct isda_conn *conn = cls->dd_data;

	isda_conn_cleanup(conn, true);
	isda_conn_unbind_dm(conn);
}

/* Notice_Key_Values (RFC 5047 §8.8): what the login negotiated. */
static void isda_conn_notice_keys(struct isda_conn *conn)
{
	const struct isda_params *p = &conn->sess->params;
	const struct iscsi_dm_ops *ops = conn->sess->tr->ops;
	struct iscsi_dm_kv kv[] = {
		{ ISCSI_DM_KEY_MAX_RECV_DLENGTH, conn->max_recv_dlength },
		{ ISCSI_DM_KEY_MAX_XMIT_DLENGTH, conn->max_xmit_dlength },
		{ ISCSI_DM_KEY_FIRST_BURST, p->first_burst },
		{ ISCSI_DM_KEY_MAX_BURST, p->max_burst },
		{ ISCSI_DM_KEY_IMMEDIATE_DATA, !!p->imm_data_en },
		{ ISCSI_DM_KEY_INITIAL_R2T, !!p->initial_r2t_en },
		{ ISCSI_DM_KEY_RDMA_EXTENSIONS, ops->rdma },
		/* iscsid does not report it; 0 is the RFC 7145 default */
		{ ISCSI_DM_KEY_MAX_OUTSTANDING_UNEXP_PDUS, 0 },
		{ ISCSI_DM_KEY_ERL, p->erl },
	};

	ops->notice_key_values(&conn->dm, kv, ARRAY_SIZE(kv));
}

int isda_start_conn(struct iscsi_cls_conn *cls)
{
	struct isda_conn *conn = cls->dd_data;
	struct isda_session *sess = conn->sess;
	const struct iscsi_dm_ops *ops = sess->tr->ops;
	unsigned long flags;
	int ret;

	if (!conn->dm.ep || conn->state != ISDA_CONN_LOGIN)
		return -ENOTCONN;

	isda_conn_notice_keys(conn);
	ret = isda_conn_alloc_resources(conn);
	if (ret)
		return ret;
	ret = ops->enable_datamover(&conn->dm);
	if (ret) {
		pr_err("session %u: Enable_Datamover failed: %d\n",
		       sess->cls->sid, ret);
		return ret;
	}

	spin_lock_irqsave(&sess->lock, flags);
	conn->ffp = true;
	conn->err_reported = false;
	isda_conn_set_state(conn, ISDA_CONN_FFP);
	isda_session_set_state(sess, ISDA_SESS_LOGGED_IN);
	spin_unlock_irqrestore(&sess->lock, flags);

	iscsi_unblock_session(sess->cls);
	isda_nop_start(conn);
	pr_info("session %u: connection %u in full feature phase (CmdSN %u, MaxCmdSN %u)\n",
		sess->cls->sid, conn->dm.cid, sess->cmdsn, sess->max_cmdsn);
	return 0;
}

void isda_stop_conn(struct iscsi_cls_conn *cls, int flag)
{
	struct isda_conn *conn = cls->dd_data;

	isda_conn_cleanup(conn, flag == STOP_CONN_RECOVER);
}
