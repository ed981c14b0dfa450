// SPDX-License-Identifier: GPL-2.0-only
/*
 * ITT lookup and the management task slots
 *
 * ITT index 0 .. cmds_max - 1 are SCSI tasks (blk-mq tags); cmds_max ..
 * cmds_max + ISCSI_DM_MGMT_TASKS - 1 are management slots for NOP-Out, TMF
 * and the Text/Logout PDUs iscsid sends in Full Feature Phase.  Slots are
 * allocated with the connection, so sending needs no allocation.
 *
 * A management task ends without a SCSI Response, so each one gets a
 * Deallocate_Task_Resources (RFC 5047 §8.9) before its slot is reused; as
 * that may sleep it runs from a work item (isda_mtask_release_work).
 */
#include <linux/module.h>
#include <linux/slab.h>
#include <scsi/scsi_tcq.h>

#include "iscsi_da.h"
#include "sn.h"

static void isda_mtask_release_work(struct work_struct *work)
{
	struct isda_mtask *mt = container_of(work, struct isda_mtask,
					     release_work);
	struct isda_conn *conn = mt->conn;
	struct isda_session *sess = conn->sess;
	unsigned long flags;

	if (mt->sent)
		isda_task_deallocate(conn, &mt->task);

	spin_lock_irqsave(&sess->lock, flags);
	mt->sent = false;
	mt->state = ISDA_MTASK_FREE;
	spin_unlock_irqrestore(&sess->lock, flags);
}

int isda_mtasks_alloc(struct isda_conn *conn)
{
	size_t priv = conn->sess->tr->ops->task_priv_size;
	int i;

	conn->mtask_size = ALIGN(offsetof(struct isda_mtask, task) +
				 ISCSI_DM_TASK_SIZE(priv), 8);
	conn->mtasks = isda_fault("the management tasks") ? NULL :
		       kcalloc(ISCSI_DM_MGMT_TASKS, conn->mtask_size, GFP_KERNEL);
	if (!conn->mtasks)
		return -ENOMEM;
	for (i = 0; i < ISCSI_DM_MGMT_TASKS; i++) {
		struct isda_mtask *mt = isda_mtask_at(conn, i);

		/* A fault site once, halfway: a partial unwind */
		if (i == ISCSI_DM_MGMT_TASKS / 2 &&
		    isda_fault("a management task's data buffer"))
			mt->data = NULL;
		else
			mt->data = kmalloc(ISCSI_DM_MAX_LOGIN_DATA, GFP_KERNEL);
		if (!mt->data)
			goto out_free;
		mt->conn = conn;
		mt->slot = i;
		init_completion(&mt->done);
		INIT_WORK(&mt->release_work, isda_mtask_release_work);
	}
	return 0;

out_free:
	while (i--)
		kfree(isda_mtask_at(conn, i)->data);
	kfree(conn->mtasks);
	conn->mtasks = NULL;
	return -ENOMEM;
}

void isda_mtasks_free(struct isda_conn *conn)
{
	int i;

	if (!conn->mtasks)
		return;
	for (i = 0; i < ISCSI_DM_MGMT_TASKS; i++) {
		struct isda_mtask *mt = isda_mtask_at(conn, i);

		flush_work(&mt->release_work);
		kfree(mt->data);
	}
	kfree(conn->mtasks);
	conn->mtasks = NULL;
}

/**
 * isda_mtask_get() - reserve a management slot
 * @conn: connection
 * @kind: &enum isda_mtask_kind
 *
 * Any context.  Return: the slot or NULL when all are busy.
 */
struct isda_mtask *isda_mtask_get(struct isda_conn *conn, u8 kind)
{
	struct isda_session *sess = conn->sess;
	struct isda_mtask *mt = NULL;
	unsigned long flags;
	int i;

	spin_lock_irqsave(&sess->lock, flags);
	for (i = 0; i < ISCSI_DM_MGMT_TASKS; i++) {
		struct isda_mtask *t = isda_mtask_at(conn, i);

		if (t->state == ISDA_MTASK_FREE) {
			t->state = ISDA_MTASK_RESERVED;
			t->kind = kind;
			t->tmf_response = -1;
			t->sent = false;
			reinit_completion(&t->done);
			mt = t;
			break;
		}
	}
	spin_unlock_irqrestore(&sess->lock, flags);
	return mt;
}

/**
 * isda_mtask_send() - Send_Control for a control PDU already in @mt->task.hdr
 * @conn: connection (Full Feature Phase)
 * @mt: reserved slot; the data segment, if any, is in @mt->data
 * @dlen: bytes of data segment
 *
 * Fills ITT (unless the PDU carries RESERVED_ITT), CmdSN and ExpStatSN.
 * Immediate PDUs carry the current CmdSN without consuming it.
 * Any context.  Return: 0 or a negative errno (slot stays reserved).
 */
int isda_mtask_send(struct isda_conn *conn, struct isda_mtask *mt, u32 dlen)
{
	struct isda_session *sess = conn->sess;
	struct iscsi_hdr *hdr = (struct iscsi_hdr *)mt->task.hdr;
	struct iscsi_nopout *req = (struct iscsi_nopout *)mt->task.hdr;
	struct iscsi_dm_task *task = &mt->task;
	bool imm = hdr->opcode & ISCSI_OP_IMMEDIATE;
	unsigned long flags;
	int ret;

	spin_lock_irqsave(&sess->lock, flags);
	if (conn->state != ISDA_CONN_FFP) {
		ret = -ENOTCONN;
		goto out;
	}
	if (!imm && !isda_sn_window_open(sess->cmdsn, sess->max_cmdsn)) {
		ret = -EAGAIN;
		goto out;
	}
	mt->age++;
	if (hdr->itt != RESERVED_ITT)
		hdr->itt = isda_itt_build(sess->cmds_max + mt->slot, mt->age);
	/* CmdSN and ExpStatSN sit at the same offsets in every request */
	req->cmdsn = cpu_to_be32(sess->cmdsn);
	req->exp_statsn = cpu_to_be32(conn->exp_statsn);
	hton24(hdr->dlength, dlen);

	task->conn = &conn->dm;
	task->itt = hdr->itt;
	task->hdr_len = sizeof(*hdr);
	memset(&task->in, 0, sizeof(task->in));
	memset(&task->out, 0, sizeof(task->out));
	if (dlen) {
		sg_init_one(&task->control_sg, mt->data, dlen);
		task->out.sgl = &task->control_sg;
		task->out.nents = 1;
		task->out.length = dlen;
		task->out.dir = DMA_TO_DEVICE;
	}
	task->immediate_size = dlen;
	task->unsolicited_size = dlen;
	mt->state = hdr->itt == RESERVED_ITT ? ISDA_MTASK_DONE :
					       ISDA_MTASK_ACTIVE;
	ret = sess->tr->ops->send_control(&conn->dm, task);
	if (ret) {
		mt->state = ISDA_MTASK_RESERVED;
		goto out;
	}
	mt->sent = true;
	if (!imm)
		sess->cmdsn++;
out:
	spin_unlock_irqrestore(&sess->lock, flags);
	return ret;
}

/**
 * isda_mtask_finish() - the response for @mt arrived (or never will)
 * @mt: slot
 * @tmf_response: TMF Response field, or -1
 *
 * Wakes a waiter (TMF); pings and relayed PDUs are released here.
 */
void isda_mtask_finish(struct isda_mtask *mt, int tmf_response)
{
	struct isda_session *sess = mt->conn->sess;
	unsigned long flags;
	bool release;

	spin_lock_irqsave(&sess->lock, flags);
	if (mt->state != ISDA_MTASK_ACTIVE) {
		spin_unlock_irqrestore(&sess->lock, flags);
		return;
	}
	mt->state = ISDA_MTASK_DONE;
	mt->tmf_response = tmf_response;
	if (mt->conn->ping_slot == mt->slot)
		mt->conn->ping_slot = -1;
	release = mt->kind != ISDA_MT_TMF;
	spin_unlock_irqrestore(&sess->lock, flags);

	complete(&mt->done);
	if (release)
		isda_mtask_put(mt);
}

/**
 * isda_mtask_put() - give a slot back (Deallocate_Task_Resources first)
 * @mt: slot, in any state but FREE
 */
void isda_mtask_put(struct isda_mtask *mt)
{
	struct isda_session *sess = mt->conn->sess;
	unsigned long flags;

	spin_lock_irqsave(&sess->lock, flags);
	mt->state = ISDA_MTASK_RELEASING;
	if (mt->conn->ping_slot == mt->slot)
		mt->conn->ping_slot = -1;
	spin_unlock_irqrestore(&sess->lock, flags);
	schedule_work(&mt->release_work);
}

/* Connection gone: nothing will answer; wake waiters, release the rest. */
void isda_mtasks_fail_all(struct isda_conn *conn)
{
	int i;

	for (i = 0; i < ISCSI_DM_MGMT_TASKS; i++)
		isda_mtask_finish(isda_mtask_at(conn, i), -1);
}

struct isda_mtask *isda_mtask_lookup(struct isda_conn *conn, itt_t itt)
{
	struct isda_session *sess = conn->sess;
	u32 idx = isda_itt_index(itt);
	struct isda_mtask *mt;

	if (itt == RESERVED_ITT || idx < sess->cmds_max ||
	    idx >= sess->cmds_max + ISCSI_DM_MGMT_TASKS)
		return NULL;
	mt = isda_mtask_at(conn, idx - sess->cmds_max);
	if (READ_ONCE(mt->state) != ISDA_MTASK_ACTIVE || mt->task.itt != itt)
		return NULL;
	return mt;
}

/**
 * isda_cmd_lookup() - the outstanding SCSI command an ITT names
 * @sess: session
 * @itt: from the PDU
 *
 * Return: the command, or NULL (stale age, not outstanding, not a SCSI ITT).
 */
struct scsi_cmnd *isda_cmd_lookup(struct isda_session *sess, itt_t itt)
{
	u32 idx = isda_itt_index(itt);
	struct scsi_cmnd *sc;
	struct isda_cmd *cmd;

	if (itt == RESERVED_ITT || idx >= sess->cmds_max)
		return NULL;
	sc = scsi_host_find_tag(sess->shost, idx);
	if (!sc)
		return NULL;
	cmd = isda_sc_cmd(sc);
	if (atomic_read(&cmd->state) != ISDA_CMD_ACTIVE || cmd->task.itt != itt)
		return NULL;
	return sc;
}

/* the task an incoming ITT names: the contract is in include/iscsi_dm.h. */
struct iscsi_dm_task *iscsi_dm_task_lookup(struct iscsi_dm_conn *dm, itt_t itt)
{
	struct isda_conn *conn = isda_dm_to_conn(dm);
	struct isda_mtask *mt;
	struct scsi_cmnd *sc;

	sc = isda_cmd_lookup(conn->sess, itt);
	if (sc)
		return &isda_sc_cmd(sc)->task;
	mt = isda_mtask_lookup(conn, itt);
	return mt ? &mt->task : NULL;
}
EXPORT_SYMBOL_GPL(iscsi_dm_task_lookup);
