// SPDX-License-Identifier: GPL-2.0-only
/*
 * Connection failure and ERL0 session recovery
 *
 * A failure (Connection_Terminate_Notify, ping timeout, protocol error,
 * TMF timeout) is reported once per connection life with
 * iscsi_conn_error_event().  In 6.1 the class then runs unbind_conn,
 * ep_disconnect and stop_conn(RECOVER) itself; iscsid reconnects, binds
 * the same session and connection, logs in and calls start_conn, which
 * unblocks the session.  If replacement_timeout expires first the class
 * offlines the devices and calls session_recovery_timedout.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <scsi/scsi_device.h>

#include "iscsi_da.h"
#include "trace.h"

/**
 * isda_conn_failure() - report a connection failure to iscsid
 * @conn: the connection
 * @err: ISCSI_ERR_* for iscsid's log
 *
 * Any context except hard IRQ.  Stops new sends at once and blocks the
 * session so the midlayer holds I/O until recovery ends.
 */
void isda_conn_failure(struct isda_conn *conn, enum iscsi_err err)
{
	struct isda_session *sess = conn->sess;
	unsigned long flags;
	bool block = false, logout;

	spin_lock_irqsave(&sess->lock, flags);
	if (conn->err_reported) {
		spin_unlock_irqrestore(&sess->lock, flags);
		return;
	}
	conn->err_reported = true;
	if (conn->state == ISDA_CONN_FFP || conn->state == ISDA_CONN_LOGIN)
		isda_conn_set_state(conn, ISDA_CONN_FAILED);
	if (sess->state == ISDA_SESS_LOGGED_IN) {
		isda_session_set_state(sess, ISDA_SESS_FAILED);
		/* see isda_conn_cleanup(): discovery sessions are not recovered */
		block = !sess->params.discovery_sess;
	}
	/* a target closes the connection once it has answered a Logout */
	logout = sess->state == ISDA_SESS_LOGGING_OUT;
	spin_unlock_irqrestore(&sess->lock, flags);

	trace_iscsi_da_conn_error(sess->cls->sid, conn->dm.cid, err);
	if (logout)
		pr_info("session %u conn %u: connection closed during logout (error %d)\n",
			sess->cls->sid, conn->dm.cid, err);
	else
		pr_warn("session %u conn %u: connection failed (error %d), starting recovery\n",
			sess->cls->sid, conn->dm.cid, err);
	if (block)
		iscsi_block_session(sess->cls);
	iscsi_conn_error_event(conn->cls, err);
}

/*
 * Connection_Terminate (§8.7) or, if FFP was never reached, §8.5.
 * Caller holds conn->dm_mutex.
 */
static void __isda_conn_terminate(struct isda_conn *conn)
{
	const struct iscsi_dm_ops *ops = conn->sess->tr->ops;
	struct isda_session *sess = conn->sess;
	unsigned long flags;
	bool was_ffp;

	lockdep_assert_held(&conn->dm_mutex);
	if (!conn->dm.ep || conn->terminated)
		return;
	spin_lock_irqsave(&sess->lock, flags);
	was_ffp = conn->ffp;
	conn->ffp = false;
	isda_conn_set_state(conn, ISDA_CONN_STOPPED);
	spin_unlock_irqrestore(&sess->lock, flags);

	if (was_ffp)
		ops->connection_terminate(&conn->dm);
	else if (conn->res_allocated)
		ops->deallocate_connection_resources(&conn->dm);
	conn->res_allocated = false;
	conn->terminated = true;
}

static void isda_conn_terminate(struct isda_conn *conn)
{
	mutex_lock(&conn->dm_mutex);
	__isda_conn_terminate(conn);
	mutex_unlock(&conn->dm_mutex);
}

/**
 * isda_conn_cleanup() - end a connection's life: terminate, fail its tasks
 * @conn: connection
 * @recover: ERL0 recovery follows (requeue I/O) rather than teardown
 *
 * Process context; idempotent (unbind_conn and stop_conn both call it).
 * After Connection_Terminate every task buffer is ours again, so the
 * commands can be handed back to the midlayer.
 */
void isda_conn_cleanup(struct isda_conn *conn, bool recover)
{
	struct isda_session *sess = conn->sess;
	unsigned long flags;
	bool block = false;
	int result;

	/* Test hook: the class's cleanup before it reaches Connection_Terminate. */
	isda_hold("cleanup", sess->cls->sid, true);
	isda_nop_stop(conn);
	isda_conn_terminate(conn);

	spin_lock_irqsave(&sess->lock, flags);
	isda_conn_set_state(conn, ISDA_CONN_STOPPED);
	/*
	 * A discovery session has no I/O to hold and iscsid never re-logs it
	 * in: blocking it would only start (and, with its replacement timeout
	 * of 0, immediately report) a recovery nobody waits for.
	 */
	if (sess->params.discovery_sess)
		recover = false;
	if (recover) {
		if (sess->state == ISDA_SESS_LOGGED_IN) {
			isda_session_set_state(sess, ISDA_SESS_FAILED);
			block = true;
		}
	} else {
		isda_session_set_state(sess, ISDA_SESS_TERMINATE);
	}
	spin_unlock_irqrestore(&sess->lock, flags);

	if (block)
		iscsi_block_session(sess->cls);
	/* held by the blocked queue and retried after re-login */
	result = recover ? DID_TRANSPORT_DISRUPTED : DID_NO_CONNECT;
	if (READ_ONCE(sess->state) == ISDA_SESS_RECOVERY_FAILED)
		result = DID_TRANSPORT_FAILFAST;
	isda_fail_commands(sess, result, 0, true, false);
	isda_mtasks_fail_all(conn);
}

struct isda_fail_ctx {
	struct isda_session	*sess;
	int			result;
	u64			lun;
	bool			all_luns;
	bool			dealloc;
};

/**
 * isda_task_deallocate() - Deallocate_Task_Resources (§8.9), if still due
 * @conn: the connection that carried @task
 * @task: a task that ends without a response
 *
 * After Connection_Terminate (or before a datamover is bound) the
 * datamover holds nothing of the task, so there is nothing to give back.
 * Process context (the datamover may sleep).
 */
void isda_task_deallocate(struct isda_conn *conn, struct iscsi_dm_task *task)
{
	mutex_lock(&conn->dm_mutex);
	if (conn->dm.ep && !conn->terminated)
		conn->sess->tr->ops->deallocate_task_resources(&conn->dm, task);
	mutex_unlock(&conn->dm_mutex);
}

static bool isda_fail_one(struct scsi_cmnd *sc, void *data)
{
	struct isda_fail_ctx *ctx = data;
	struct isda_session *sess = ctx->sess;
	struct isda_cmd *cmd = isda_sc_cmd(sc);
	struct isda_conn *conn = sess->conn;

	if (!ctx->all_luns && sc->device->lun != ctx->lun)
		return true;
	if (!isda_cmd_claim(cmd))
		return true;
	/*
	 * The lifetime rule: without Deallocate_Task_Resources, only the
	 * commands of a terminated connection may be failed.  One still in
	 * Full Feature Phase can still move their data.
	 */
	WARN_ONCE(!ctx->dealloc && conn && READ_ONCE(conn->ffp),
		  "iscsi_da: session %u: failing a command of a connection in Full Feature Phase\n",
		  sess->cls->sid);
	/* Deallocate_Task_Resources (§8.9): the task ends without a response */
	if (ctx->dealloc && conn)
		isda_task_deallocate(conn, &cmd->task);
	sc->result = ctx->result << 16;
	trace_iscsi_da_cmd_fail(sess->cls->sid,
				iscsi_dm_itt(cmd->task.itt),
				sc->result, 0,
				div_u64(ktime_get_ns() - cmd->start_ns, 1000));
	scsi_done(sc);
	return true;
}

/**
 * isda_fail_commands() - complete outstanding SCSI commands with @result
 * @sess: session
 * @result: host byte (DID_*)
 * @lun: only this LUN, unless @all_luns
 * @all_luns: every LUN
 * @dealloc: call Deallocate_Task_Resources first (the connection lives on)
 *
 * Process context (Deallocate_Task_Resources may sleep).
 */
void isda_fail_commands(struct isda_session *sess, int result, u64 lun,
			bool all_luns, bool dealloc)
{
	struct isda_fail_ctx ctx = {
		.sess = sess, .result = result, .lun = lun,
		.all_luns = all_luns, .dealloc = dealloc,
	};

	scsi_host_busy_iter(sess->shost, isda_fail_one, &ctx);
}

/* Connection_Terminate_Notify (RFC 5047 §9.2): the contract is in include/iscsi_dm.h. */
void iscsi_dm_connection_terminate_notify(struct iscsi_dm_conn *dm, int err)
{
	struct isda_conn *conn = isda_dm_to_conn(dm);
	struct isda_session *sess = conn->sess;

	/* racy read, for the log level only: a Logout ends in a close */
	if (READ_ONCE(sess->state) == ISDA_SESS_LOGGING_OUT)
		pr_info("session %u conn %u: datamover closed the connection during logout: %d\n",
			sess->cls->sid, dm->cid, err);
	else
		pr_warn("session %u conn %u: datamover terminated the connection: %d\n",
			sess->cls->sid, dm->cid, err);
	isda_conn_failure(conn, ISCSI_ERR_CONN_FAILED);
}
EXPORT_SYMBOL_GPL(iscsi_dm_connection_terminate_notify);

/* Data_Completion_Notify (RFC 5047 §9.3): the contract is in include/iscsi_dm.h. */
void iscsi_dm_data_completion_notify(struct iscsi_dm_conn *dm, itt_t itt,
				     u32 sn)
{
	struct isda_conn *conn = isda_dm_to_conn(dm);

	pr_err("session %u: Data_Completion_Notify (ITT 0x%x SN %u) on an initiator\n",
	       conn->sess->cls->sid, iscsi_dm_itt(itt), sn);
	conn->stats.proto_err++;
	isda_conn_failure(conn, ISCSI_ERR_PROTO);
}
EXPORT_SYMBOL_GPL(iscsi_dm_data_completion_notify);

/**
 * isda_session_recovery_timedout() - replacement_timeout expired
 * @cls: the class session
 *
 * I/O now fails fast until a re-login.  The outstanding commands are
 * failed only once the connection that carried them is terminated (the
 * lifetime rule in iscsi_dm.h): with a short timeout the class can call
 * this before its own cleanup has stopped the connection, so the
 * connection still in Full Feature Phase is terminated here first.  A
 * connection in a new login is left alone: its predecessor was terminated
 * before it was bound.
 */
void isda_session_recovery_timedout(struct iscsi_cls_session *cls)
{
	struct isda_session *sess = cls->dd_data;
	struct isda_conn *conn;
	unsigned long flags;

	spin_lock_irqsave(&sess->lock, flags);
	if (sess->state == ISDA_SESS_FAILED)
		isda_session_set_state(sess, ISDA_SESS_RECOVERY_FAILED);
	conn = sess->conn;
	spin_unlock_irqrestore(&sess->lock, flags);
	pr_warn("session %u: recovery timed out, failing I/O\n", cls->sid);
	if (conn) {
		bool stale;

		mutex_lock(&conn->dm_mutex);
		spin_lock_irqsave(&sess->lock, flags);
		stale = sess->state == ISDA_SESS_RECOVERY_FAILED && conn->ffp;
		spin_unlock_irqrestore(&sess->lock, flags);
		if (stale) {
			isda_nop_stop(conn);
			__isda_conn_terminate(conn);
		}
		mutex_unlock(&conn->dm_mutex);
	}
	isda_fail_commands(sess, DID_TRANSPORT_FAILFAST, 0, true, false);
}
