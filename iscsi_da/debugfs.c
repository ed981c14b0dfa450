// SPDX-License-Identifier: GPL-2.0-only
/*
 * The state view: /sys/kernel/debug/iscsi_da/
 *
 *   session<N>/session  the session: state, CmdSN window, limits, the
 *                       negotiated and administrative keys
 *   session<N>/conn<M>  the connection: state, ExpStatSN, ping, counters,
 *                       the management slots, every outstanding SCSI task
 *                       with its ITT, CmdSN, age and datamover state, then
 *                       the datamover's own view (iscsi_dm_ops.show)
 *
 * Objects are named as the kernel log names them ("session N conn M").
 * Read-only and root-only (0400).  Each file is removed before the object
 * it shows is torn down, and debugfs_remove() waits for readers in flight,
 * so a read during logout or a failing connection sees a consistent object
 * in some state of going away, never freed memory.  A reader takes no lock
 * a teardown waits on for long: the session lock briefly, and the
 * connection's down-call mutex killably.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/ktime.h>

#include "iscsi_da.h"

static struct dentry *isda_debugfs_root;

static const char *const isda_cmd_state_names[] = {
	[ISDA_CMD_IDLE]		= "IDLE",
	[ISDA_CMD_ACTIVE]	= "ACTIVE",
	[ISDA_CMD_DONE]		= "DONE",
};

static const char *const isda_mtask_state_names[] = {
	[ISDA_MTASK_FREE]	= "FREE",
	[ISDA_MTASK_RESERVED]	= "RESERVED",
	[ISDA_MTASK_ACTIVE]	= "ACTIVE",
	[ISDA_MTASK_DONE]	= "DONE",
	[ISDA_MTASK_RELEASING]	= "RELEASING",
};

static const char *const isda_mtask_kind_names[] = {
	[ISDA_MT_PING]		= "ping",
	[ISDA_MT_NOP_REPLY]	= "nop-reply",
	[ISDA_MT_TMF]		= "tmf",
	[ISDA_MT_RELAY]		= "relay",
};

static void isda_show_str(struct seq_file *m, const char *key, const char *v)
{
	if (v)
		seq_printf(m, "  %s: %s\n", key, v);
}

static int isda_session_show(struct seq_file *m, void *unused)
{
	struct isda_session *sess = m->private;
	const struct isda_params *p = &sess->params;
	struct Scsi_Host *shost = sess->shost;
	unsigned long flags;

	spin_lock_irqsave(&sess->lock, flags);
	seq_printf(m, "session %u: %s, host%u, datamover %s\n", sess->cls->sid,
		   isda_sess_state_name(sess->state), shost->host_no,
		   sess->tr->ops->name);
	seq_printf(m, "  CmdSN %u  ExpCmdSN %u  MaxCmdSN %u  window %d\n",
		   sess->cmdsn, sess->exp_cmdsn, sess->max_cmdsn,
		   (int)(sess->max_cmdsn - sess->cmdsn + 1));
	seq_printf(m, "  connection: %s\n", sess->conn ? "bound" : "none");
	seq_printf(m, "  limits: cmds_max %u  cmd_per_lun %d  sg_tablesize %u  max_sectors %u\n",
		   sess->cmds_max, shost->cmd_per_lun, shost->sg_tablesize,
		   shost->max_sectors);
	/*
	 * iscsid sets these at every login; the strings are replaced under
	 * the session lock (isda_param_str_set()), so they are read under it.
	 */
	seq_puts(m, "keys:\n");
	isda_show_str(m, "TargetName", p->targetname);
	isda_show_str(m, "TargetAlias", p->targetalias);
	isda_show_str(m, "InitiatorName", p->initiatorname);
	isda_show_str(m, "ISID", p->isid);
	seq_printf(m, "  TSIH: %d\n  TargetPortalGroupTag: %d\n",
		   p->tsid, p->tpgt);
	seq_printf(m, "  FirstBurstLength: %u\n  MaxBurstLength: %u\n",
		   p->first_burst, p->max_burst);
	seq_printf(m, "  ImmediateData: %s\n  InitialR2T: %s\n",
		   p->imm_data_en ? "Yes" : "No",
		   p->initial_r2t_en ? "Yes" : "No");
	seq_printf(m, "  MaxOutstandingR2T: %u\n  ErrorRecoveryLevel: %d\n",
		   p->max_r2t, p->erl);
	seq_printf(m, "  DataPDUInOrder: %s\n  DataSequenceInOrder: %s\n",
		   p->pdu_inorder_en ? "Yes" : "No",
		   p->dataseq_inorder_en ? "Yes" : "No");
	seq_printf(m, "  DefaultTime2Wait: %d\n  DefaultTime2Retain: %d\n",
		   p->time2wait, p->time2retain);
	/* whether CHAP was used, never the secrets */
	seq_printf(m, "  CHAP: %s\n", p->username_in ? "mutual" :
		   p->username ? "one-way" : "none");
	seq_printf(m, "  timeouts (s): abort %d  lu_reset %d  tgt_reset %d  recovery %d\n",
		   p->abort_tmo, p->lu_reset_tmo, p->tgt_reset_tmo,
		   sess->cls->recovery_tmo);
	spin_unlock_irqrestore(&sess->lock, flags);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(isda_session);

struct isda_view_ctx {
	struct seq_file		*m;
	struct isda_session	*sess;
	struct isda_conn	*conn;
	bool			dm;	/* the datamover may be asked */
	unsigned int		n;
};

static bool isda_show_cmd(struct scsi_cmnd *sc, void *data)
{
	struct isda_view_ctx *ctx = data;
	struct isda_cmd *cmd = isda_sc_cmd(sc);
	const struct iscsi_dm_ops *ops = ctx->sess->tr->ops;
	int state = atomic_read(&cmd->state);
	u64 age_ms = 0;

	if (state == ISDA_CMD_ACTIVE)
		age_ms = div_u64(ktime_get_ns() - READ_ONCE(cmd->start_ns),
				 NSEC_PER_MSEC);
	seq_printf(ctx->m, "  tag %3u itt 0x%08x CmdSN %u lun %llu op 0x%02x len %u %s age %llu ms",
		   scsi_cmd_to_rq(sc)->tag,
		   iscsi_dm_itt(READ_ONCE(cmd->task.itt)),
		   READ_ONCE(cmd->cmdsn), sc->device->lun, sc->cmnd[0],
		   READ_ONCE(cmd->edtl), isda_cmd_state_names[state], age_ms);
	if (state == ISDA_CMD_ACTIVE && ctx->dm && ops->show_task) {
		seq_puts(ctx->m, " | ");
		ops->show_task(&ctx->conn->dm, &cmd->task, ctx->m);
	}
	seq_putc(ctx->m, '\n');
	ctx->n++;
	return true;
}

static int isda_conn_show(struct seq_file *m, void *unused)
{
	struct isda_conn *conn = m->private;
	struct isda_session *sess = conn->sess;
	const struct iscsi_dm_ops *ops = sess->tr->ops;
	struct isda_view_ctx ctx = { .m = m, .sess = sess, .conn = conn };
	const struct isda_stats *s = &conn->stats;
	unsigned long flags, now = jiffies;
	int i, ret;

	spin_lock_irqsave(&sess->lock, flags);
	seq_printf(m, "session %u conn %u: %s%s%s\n", sess->cls->sid,
		   conn->dm.cid, isda_conn_state_name(conn->state),
		   conn->ffp ? ", full feature phase" : "",
		   conn->err_reported ? ", error reported to iscsid" : "");
	seq_printf(m, "  portal %s:%d  ExpStatSN %u\n",
		   conn->persistent_address ?: "-", conn->persistent_port,
		   conn->exp_statsn);
	seq_printf(m, "  MaxRecvDataSegmentLength %u  MaxXmitDataSegmentLength %u\n",
		   conn->max_recv_dlength, conn->max_xmit_dlength);
	seq_printf(m, "  ping: interval %d s timeout %d s, last PDU in %u ms ago",
		   conn->recv_tmo, conn->ping_tmo,
		   jiffies_to_msecs(now - conn->last_rx));
	if (conn->ping_slot >= 0)
		seq_printf(m, ", ping out for %u ms",
			   jiffies_to_msecs(now - conn->ping_sent));
	seq_putc(m, '\n');
	seq_printf(m, "  PDUs out: cmd %u dataout %u nop %u tmf %u text %u logout %u login %u\n",
		   s->scsicmd_pdus, s->dataout_pdus, s->noptx_pdus,
		   s->tmfcmd_pdus, s->text_pdus, s->logoutreq_pdus,
		   s->login_pdus);
	seq_printf(m, "  PDUs in: rsp %u datain %u nop %u tmf %u text %u logout %u async %u reject %u\n",
		   s->scsirsp_pdus, s->datain_pdus, s->noprx_pdus,
		   s->tmfrsp_pdus, s->textrsp_pdus, s->logoutrsp_pdus,
		   s->async_pdus, s->reject_pdus);
	seq_printf(m, "  errors: timeouts %u protocol %u stale responses %u\n",
		   s->timeout_err, s->proto_err, s->stale_rsp);
	seq_puts(m, "management slots:\n");
	for (i = 0; i < ISCSI_DM_MGMT_TASKS; i++) {
		struct isda_mtask *mt = isda_mtask_at(conn, i);

		if (mt->state == ISDA_MTASK_FREE)
			continue;
		seq_printf(m, "  slot %d itt 0x%08x %s %s%s\n", i,
			   iscsi_dm_itt(mt->task.itt),
			   isda_mtask_kind_names[mt->kind],
			   isda_mtask_state_names[mt->state],
			   mt->sent ? ", sent" : "");
	}
	spin_unlock_irqrestore(&sess->lock, flags);

	/*
	 * The datamover is asked only while the connection is bound, and
	 * unbind and Connection_Terminate wait for this mutex: the binding
	 * cannot change under the calls below.
	 */
	ret = mutex_lock_killable(&conn->dm_mutex);
	if (ret)
		return ret;
	ctx.dm = !!conn->dm.ep;
	seq_puts(m, "SCSI tasks outstanding:\n");
	scsi_host_busy_iter(sess->shost, isda_show_cmd, &ctx);
	seq_printf(m, "  (%u)\n", ctx.n);
	if (ctx.dm && ops->show) {
		seq_printf(m, "datamover %s:\n", ops->name);
		ops->show(&conn->dm, m);
	} else {
		seq_puts(m, "datamover: not bound\n");
	}
	mutex_unlock(&conn->dm_mutex);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(isda_conn);

/**
 * isda_debugfs_add_session() - the session's directory and state file
 * @sess: a session just added to the class
 *
 * Failure is not an error: the view is optional (debugfs may be off).
 */
void isda_debugfs_add_session(struct isda_session *sess)
{
	char name[24];

	snprintf(name, sizeof(name), "session%u", sess->cls->sid);
	sess->debugfs = debugfs_create_dir(name, isda_debugfs_root);
	debugfs_create_file("session", 0400, sess->debugfs, sess,
			    &isda_session_fops);
}

/**
 * isda_debugfs_del_session() - remove the session's directory
 * @sess: session about to be torn down
 *
 * Returns after every reader of its files has left them.
 */
void isda_debugfs_del_session(struct isda_session *sess)
{
	debugfs_remove(sess->debugfs);
	sess->debugfs = NULL;
}

/**
 * isda_debugfs_add_conn() - the connection's state file
 * @conn: a connection just added to its session
 */
void isda_debugfs_add_conn(struct isda_conn *conn)
{
	char name[16];

	if (IS_ERR_OR_NULL(conn->sess->debugfs))
		return;
	snprintf(name, sizeof(name), "conn%u", conn->dm.cid);
	conn->debugfs = debugfs_create_file(name, 0400, conn->sess->debugfs,
					    conn, &isda_conn_fops);
}

/**
 * isda_debugfs_del_conn() - remove the connection's state file
 * @conn: connection about to be torn down
 *
 * Returns after every reader of the file has left it.
 */
void isda_debugfs_del_conn(struct isda_conn *conn)
{
	debugfs_remove(conn->debugfs);
	conn->debugfs = NULL;
}

void isda_debugfs_init(void)
{
	isda_debugfs_root = debugfs_create_dir("iscsi_da", NULL);
}

void isda_debugfs_exit(void)
{
	debugfs_remove(isda_debugfs_root);
	isda_debugfs_root = NULL;
}
