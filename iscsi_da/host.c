// SPDX-License-Identifier: GPL-2.0-only
/*
 * The SCSI host: template, queuecommand, SCSI Response completion
 *
 * Each SCSI task lives in its blk-mq request PDU (&struct isda_cmd followed
 * by the datamover's task_priv_size bytes), so the I/O path allocates
 * nothing.  The blk-mq tag is the ITT's task index.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <scsi/scsi_device.h>
#include <scsi/scsi_tcq.h>
#include <scsi/scsi_dbg.h>

#include "iscsi_da.h"
#include "trace.h"
#include "sn.h"

/*
 * Defining init_cmd_priv stops the midlayer from zeroing the whole request
 * PDU (ours and the datamover's bytes) on every I/O.  The PDU is zeroed
 * once, when the request is made.  (The ITT age is the session's, per tag:
 * a request is not a tag's only user.)
 */
static int isda_init_cmd_priv(struct Scsi_Host *shost, struct scsi_cmnd *sc)
{
	memset(scsi_cmd_priv(sc), 0, shost->hostt->cmd_size);
	return 0;
}

void isda_host_template_fill(struct isda_transport *tr)
{
	struct scsi_host_template *sht = &tr->sht;

	/* iscsid finds our hosts by proc_name with "iscsi_" stripped */
	snprintf(tr->proc_name, sizeof(tr->proc_name), "iscsi_%s",
		 tr->ops->name);
	sht->module = THIS_MODULE;
	sht->name = "iSCSI initiator (RFC 5047 datamover)";
	sht->proc_name = tr->proc_name;
	sht->queuecommand = isda_queuecommand;
	sht->change_queue_depth = scsi_change_queue_depth;
	sht->can_queue = ISDA_DEF_CMDS_MAX;
	sht->sg_tablesize = ISDA_DEF_SG_TABLESIZE;
	sht->max_sectors = ISDA_DEF_MAX_SECTORS;
	sht->cmd_per_lun = 32;
	sht->this_id = -1;
	sht->track_queue_depth = 1;
	sht->init_cmd_priv = isda_init_cmd_priv;
	sht->eh_timed_out = isda_eh_timed_out;
	sht->eh_abort_handler = isda_eh_abort;
	sht->eh_device_reset_handler = isda_eh_device_reset;
	sht->eh_target_reset_handler = isda_eh_target_reset;
	/* the datamover's per-task bytes follow our task in the request PDU */
	sht->cmd_size = offsetof(struct isda_cmd, task) +
			ISCSI_DM_TASK_SIZE(tr->ops->task_priv_size);
}

/**
 * isda_cmd_claim() - take the right to complete a command
 * @cmd: the command
 *
 * SCSI Response, abort/reset and connection recovery race to end a
 * command; exactly one wins.
 */
bool isda_cmd_claim(struct isda_cmd *cmd)
{
	return atomic_cmpxchg(&cmd->state, ISDA_CMD_ACTIVE, ISDA_CMD_DONE) ==
		ISDA_CMD_ACTIVE;
}

/* Why a command cannot be sent now, as the midlayer should see it. */
static int isda_not_ready_result(struct isda_session *sess)
{
	switch (sess->state) {
	case ISDA_SESS_FAILED:
	case ISDA_SESS_LOGGING_OUT:
		return DID_IMM_RETRY << 16;
	case ISDA_SESS_RECOVERY_FAILED:
		return DID_TRANSPORT_FAILFAST << 16;
	default:
		return DID_NO_CONNECT << 16;
	}
}

static void isda_task_buffers(struct iscsi_dm_task *task, struct scsi_cmnd *sc)
{
	struct iscsi_dm_data_desc desc = {
		.sgl = scsi_sglist(sc),
		.nents = scsi_sg_count(sc),
		.length = scsi_bufflen(sc),
	};

	memset(&task->out, 0, sizeof(task->out));
	memset(&task->in, 0, sizeof(task->in));
	if (sc->sc_data_direction == DMA_TO_DEVICE) {
		desc.dir = DMA_TO_DEVICE;
		task->out = desc;
	} else if (sc->sc_data_direction == DMA_FROM_DEVICE) {
		desc.dir = DMA_FROM_DEVICE;
		task->in = desc;
	}
}

/*
 * Build the SCSI Command PDU and hand it to Send_Control under the session
 * lock: CmdSN is consumed only if the send was accepted, so CmdSN order is
 * send order and a refused send can be requeued without a gap.
 */
static int isda_send_scsi_cmd(struct isda_session *sess,
			      struct isda_conn *conn, struct scsi_cmnd *sc)
{
	struct isda_cmd *cmd = isda_sc_cmd(sc);
	struct iscsi_dm_task *task = &cmd->task;
	const struct isda_params *p = &sess->params;
	struct isda_burst_params bp = {
		.immediate_data = p->imm_data_en,
		.initial_r2t = p->initial_r2t_en,
		.first_burst = p->first_burst,
		.max_xmit_dlength = conn->max_xmit_dlength,
	};
	struct isda_scsi_cmd_desc d = {};
	struct scsi_lun lun;
	u32 tag = scsi_cmd_to_rq(sc)->tag;
	int hdr_len, ret;

	if (WARN_ON_ONCE(tag >= sess->cmds_max))
		return -EINVAL;
	int_to_scsilun(sc->device->lun, &lun);
	d.lun = lun.scsi_lun;
	d.cdb = sc->cmnd;
	d.cdb_len = sc->cmd_len;
	d.attr = ISCSI_ATTR_SIMPLE;
	d.read = sc->sc_data_direction == DMA_FROM_DEVICE;
	d.write = sc->sc_data_direction == DMA_TO_DEVICE;
	d.edtl = scsi_bufflen(sc);
	d.itt = isda_itt_build(tag, ++sess->tag_age[tag]);
	d.cmdsn = sess->cmdsn;
	d.exp_statsn = conn->exp_statsn;
	isda_pdu_burst_sizes(&bp, d.write, d.edtl, &d.immediate,
			     &d.unsolicited);

	hdr_len = isda_pdu_build_scsi_cmd(task->hdr, sizeof(task->hdr), &d);
	if (hdr_len < 0)
		return hdr_len;
	task->conn = &conn->dm;
	task->itt = d.itt;
	task->hdr_len = hdr_len;
	task->immediate_size = d.immediate;
	task->unsolicited_size = d.unsolicited;
	isda_task_buffers(task, sc);
	cmd->cmdsn = d.cmdsn;
	cmd->edtl = d.edtl;

	/* before the send: its response may come before it returns */
	cmd->start_ns = ktime_get_ns();
	atomic_set(&cmd->state, ISDA_CMD_ACTIVE);
	ret = sess->tr->ops->send_control(&conn->dm, task);
	if (ret) {
		atomic_set(&cmd->state, ISDA_CMD_IDLE);
		return ret;
	}
	trace_iscsi_da_cmd_queue(sess->cls->sid, conn->dm.cid,
				 iscsi_dm_itt(d.itt), d.cmdsn,
				 sc->device->lun, sc->cmnd[0], d.edtl, d.write);
	sess->cmdsn++;
	conn->stats.scsicmd_pdus++;
	if (d.write)
		conn->stats.txdata_octets += d.edtl;
	/* The datamover builds them (RFC 5047 §10.3), but they are ours. */
	if (d.unsolicited > d.immediate && conn->max_xmit_dlength)
		conn->stats.dataout_pdus += DIV_ROUND_UP(d.unsolicited - d.immediate,
							 conn->max_xmit_dlength);
	return 0;
}

int isda_queuecommand(struct Scsi_Host *shost, struct scsi_cmnd *sc)
{
	struct isda_session *sess = isda_shost_session(shost);
	struct isda_conn *conn;
	unsigned long flags;
	int ret;

	ret = iscsi_session_chkready(sess->cls);
	if (ret) {
		sc->result = ret;
		goto done;
	}

	spin_lock_irqsave(&sess->lock, flags);
	conn = sess->conn;
	if (sess->state != ISDA_SESS_LOGGED_IN || !conn ||
	    conn->state != ISDA_CONN_FFP) {
		sc->result = isda_not_ready_result(sess);
		spin_unlock_irqrestore(&sess->lock, flags);
		goto done;
	}
	if (!isda_sn_window_open(sess->cmdsn, sess->max_cmdsn)) {
		spin_unlock_irqrestore(&sess->lock, flags);
		return SCSI_MLQUEUE_TARGET_BUSY;
	}
	ret = isda_send_scsi_cmd(sess, conn, sc);
	spin_unlock_irqrestore(&sess->lock, flags);

	switch (ret) {
	case 0:
		return 0;
	case -EAGAIN:
	case -ENOMEM:
		return SCSI_MLQUEUE_HOST_BUSY;
	case -EINVAL:
		sc->result = DID_ERROR << 16;
		goto done;
	default:
		pr_err_ratelimited("session %u: Send_Control failed: %d\n",
				   sess->cls->sid, ret);
		sc->result = DID_TRANSPORT_DISRUPTED << 16;
		isda_conn_failure(conn, ISCSI_ERR_XMIT_FAILED);
		goto done;
	}
done:
	scsi_done(sc);
	return 0;
}

/**
 * isda_cmd_complete() - finish a command from its SCSI Response
 * @conn: connection the response arrived on
 * @sc: the command (found by ITT)
 * @rsp: the response BHS
 * @data: its data segment (sense), or NULL
 * @len: bytes in @data
 *
 * The datamover has already released the task's buffers (header contract:
 * a task is valid until its SCSI Response is delivered).
 */
void isda_cmd_complete(struct isda_conn *conn, struct scsi_cmnd *sc,
		       struct iscsi_scsi_rsp *rsp, void *data, u32 len)
{
	struct isda_cmd *cmd = isda_sc_cmd(sc);
	struct isda_rsp_result res;

	if (!isda_cmd_claim(cmd))
		return;	/* aborted or failed meanwhile: the response is stale */

	isda_pdu_parse_scsi_rsp(rsp, data, len, cmd->edtl, &res);
	switch (res.verdict) {
	case ISDA_RSP_OK:
		sc->result = res.status;
		if (res.sense) {
			memcpy(sc->sense_buffer, res.sense,
			       min_t(u16, res.sense_len, SCSI_SENSE_BUFFERSIZE));
		}
		scsi_set_resid(sc, res.resid);
		if (sc->sc_data_direction == DMA_FROM_DEVICE)
			conn->stats.rxdata_octets += cmd->edtl - res.resid;
		break;
	case ISDA_RSP_TARGET_FAILURE:
		sc->result = DID_ERROR << 16 | res.status;
		break;
	case ISDA_RSP_MALFORMED:
		pr_err_ratelimited("session %u: malformed SCSI Response (flags 0x%x, residual %u, EDTL %u, %u data bytes)\n",
				   conn->sess->cls->sid, rsp->flags,
				   be32_to_cpu(rsp->residual_count), cmd->edtl,
				   len);
		sc->result = DID_BAD_TARGET << 16 | res.status;
		break;
	}
	trace_iscsi_da_cmd_complete(conn->sess->cls->sid,
				    iscsi_dm_itt(cmd->task.itt),
				    sc->result, scsi_get_resid(sc),
				    div_u64(ktime_get_ns() - cmd->start_ns, 1000));
	scsi_done(sc);
}
