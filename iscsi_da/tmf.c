// SPDX-License-Identifier: GPL-2.0-only
/*
 * SCSI error handling: ABORT TASK, LOGICAL UNIT RESET,
 * TARGET WARM RESET, and the command timeout hook
 *
 * One TMF at a time per session (eh_mutex).  Tasks a TMF ends never get a
 * SCSI Response, so each gets Deallocate_Task_Resources (RFC 5047 §8.9)
 * before the midlayer may reuse its buffers.  A TMF that times out means
 * the connection cannot be trusted: it is failed into ERL0 recovery.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/delay.h>
#include <scsi/scsi_device.h>
#include <scsi/scsi_eh.h>

#include "iscsi_da.h"

#define ISDA_DEF_TMF_TMO	30	/* seconds, when iscsid set none */
#define ISDA_TMF_RETRY_MS	10	/* a busy send queue: try again after */

static const char *isda_tmf_name(u8 func)
{
	switch (func) {
	case ISCSI_TM_FUNC_ABORT_TASK:
		return "ABORT TASK";
	case ISCSI_TM_FUNC_LOGICAL_UNIT_RESET:
		return "LOGICAL UNIT RESET";
	case ISCSI_TM_FUNC_TARGET_WARM_RESET:
		return "TARGET WARM RESET";
	default:
		return "TMF";
	}
}

/*
 * Send one TMF and wait for its response.
 * Return: the TMF Response field, or a negative errno.
 */
static int isda_tmf_exec(struct isda_session *sess, u8 func,
			 const struct scsi_lun *lun, itt_t rtt, u32 refcmdsn,
			 int tmo)
{
	unsigned long flags, deadline;
	struct isda_conn *conn;
	struct isda_mtask *mt;
	int ret;

	spin_lock_irqsave(&sess->lock, flags);
	conn = sess->conn;
	if (!conn || conn->state != ISDA_CONN_FFP)
		conn = NULL;
	spin_unlock_irqrestore(&sess->lock, flags);
	if (!conn)
		return -ENOTCONN;

	/*
	 * A busy moment (every slot taken by pings and their answers, the
	 * send queue momentarily full) is no reason to escalate: retry
	 * within the TMF's own timeout.
	 */
	deadline = jiffies + (tmo ?: ISDA_DEF_TMF_TMO) * HZ;
	for (;;) {
		mt = isda_mtask_get(conn, ISDA_MT_TMF);
		ret = -EBUSY;
		if (mt) {
			isda_pdu_build_tmf((struct iscsi_tm *)mt->task.hdr, func,
					   lun ? lun->scsi_lun : NULL,
					   isda_itt_build(0, 0), rtt, 0, 0, refcmdsn);
			ret = isda_mtask_send(conn, mt, 0);
			if (!ret)
				break;
			isda_mtask_put(mt);
		}
		if ((ret != -EAGAIN && ret != -EBUSY) ||
		    time_after(jiffies, deadline))
			return ret;
		msleep(ISDA_TMF_RETRY_MS);
	}
	conn->stats.tmfcmd_pdus++;
	pr_info("session %u: %s sent (RTT 0x%x)\n", sess->cls->sid,
		isda_tmf_name(func), iscsi_dm_itt(rtt));

	if (!wait_for_completion_timeout(&mt->done, (tmo ?: ISDA_DEF_TMF_TMO) * HZ)) {
		pr_err("session %u: %s timed out after %d s\n",
		       sess->cls->sid, isda_tmf_name(func),
		       tmo ?: ISDA_DEF_TMF_TMO);
		conn->stats.timeout_err++;
		isda_conn_failure(conn, ISCSI_ERR_SCSI_EH_SESSION_RST);
		ret = -ETIMEDOUT;
	} else {
		ret = mt->tmf_response;
		if (ret < 0)
			ret = -ENOTCONN;
		else
			pr_info("session %u: %s response %d\n",
				sess->cls->sid, isda_tmf_name(func), ret);
	}
	isda_mtask_put(mt);
	return ret;
}

int isda_eh_abort(struct scsi_cmnd *sc)
{
	struct isda_session *sess = isda_shost_session(sc->device->host);
	struct isda_cmd *cmd = isda_sc_cmd(sc);
	struct isda_conn *conn;
	struct scsi_lun lun;
	int ret;

	ret = iscsi_block_scsi_eh(sc);
	if (ret)
		return ret;
	if (atomic_read(&cmd->state) != ISDA_CMD_ACTIVE)
		return SUCCESS;		/* completed meanwhile */

	mutex_lock(&sess->eh_mutex);
	int_to_scsilun(sc->device->lun, &lun);
	ret = isda_tmf_exec(sess, ISCSI_TM_FUNC_ABORT_TASK, &lun,
			    cmd->task.itt, cmd->cmdsn, sess->params.abort_tmo);
	if (ret != ISCSI_TMF_RSP_COMPLETE && ret != ISCSI_TMF_RSP_NO_TASK) {
		mutex_unlock(&sess->eh_mutex);
		return atomic_read(&cmd->state) == ISDA_CMD_ACTIVE ? FAILED :
								   SUCCESS;
	}
	/*
	 * Responses precede the TMF response on the connection, so a task
	 * still active now will never be answered: take its resources back.
	 */
	conn = sess->conn;
	if (isda_cmd_claim(cmd) && conn)
		isda_task_deallocate(conn, &cmd->task);
	mutex_unlock(&sess->eh_mutex);
	return SUCCESS;
}

static int isda_eh_reset(struct scsi_cmnd *sc, u8 func, int tmo)
{
	struct isda_session *sess = isda_shost_session(sc->device->host);
	bool lu = func == ISCSI_TM_FUNC_LOGICAL_UNIT_RESET;
	struct scsi_lun lun;
	int ret;

	ret = iscsi_block_scsi_eh(sc);
	if (ret)
		return ret;

	mutex_lock(&sess->eh_mutex);
	int_to_scsilun(sc->device->lun, &lun);
	ret = isda_tmf_exec(sess, func, lu ? &lun : NULL, RESERVED_ITT, 0, tmo);
	if (ret == ISCSI_TMF_RSP_COMPLETE)
		/* the target dropped these tasks: no response will come */
		isda_fail_commands(sess, DID_RESET, sc->device->lun, !lu, true);
	mutex_unlock(&sess->eh_mutex);
	return ret == ISCSI_TMF_RSP_COMPLETE ? SUCCESS : FAILED;
}

int isda_eh_device_reset(struct scsi_cmnd *sc)
{
	struct isda_session *sess = isda_shost_session(sc->device->host);

	return isda_eh_reset(sc, ISCSI_TM_FUNC_LOGICAL_UNIT_RESET,
			     sess->params.lu_reset_tmo);
}

/*
 * Last resort before the midlayer offlines the devices: drop the
 * connection and wait for iscsid's ERL0 re-login, which fails every
 * outstanding task back to the midlayer (what libiscsi calls a session
 * reset).
 */
static int isda_eh_session_reset(struct isda_session *sess)
{
	unsigned long deadline;
	struct isda_conn *conn;
	unsigned long flags;

	spin_lock_irqsave(&sess->lock, flags);
	conn = sess->conn;
	spin_unlock_irqrestore(&sess->lock, flags);
	if (!conn)
		return FAILED;
	pr_warn("session %u: target reset failed, resetting the session\n",
		sess->cls->sid);
	isda_conn_failure(conn, ISCSI_ERR_SCSI_EH_SESSION_RST);

	deadline = jiffies + (max(sess->cls->recovery_tmo, 0) + 10) * HZ;
	while (time_before(jiffies, deadline)) {
		switch (READ_ONCE(sess->state)) {
		case ISDA_SESS_LOGGED_IN:
			if (READ_ONCE(conn->state) == ISDA_CONN_FFP &&
			    !READ_ONCE(conn->err_reported))
				return SUCCESS;
			break;
		case ISDA_SESS_RECOVERY_FAILED:
		case ISDA_SESS_TERMINATE:
			return FAILED;
		default:
			break;
		}
		msleep(100);
	}
	return FAILED;
}

int isda_eh_target_reset(struct scsi_cmnd *sc)
{
	struct isda_session *sess = isda_shost_session(sc->device->host);
	int ret;

	ret = isda_eh_reset(sc, ISCSI_TM_FUNC_TARGET_WARM_RESET,
			    sess->params.tgt_reset_tmo);
	if (ret == FAILED)
		ret = isda_eh_session_reset(sess);
	return ret;
}

/*
 * While the session is recovering, a timeout says nothing about the
 * command: keep the timer running until recovery ends or times out.
 */
isda_eh_timeout_ret_t isda_eh_timed_out(struct scsi_cmnd *sc)
{
	struct isda_session *sess = isda_shost_session(sc->device->host);

	if (READ_ONCE(sess->state) == ISDA_SESS_FAILED)
		return ISDA_EH_RESET_TIMER;
	return ISDA_EH_NOT_HANDLED;
}
