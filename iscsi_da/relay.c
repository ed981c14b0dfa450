// SPDX-License-Identifier: GPL-2.0-only
/*
 * The send_pdu callback: iscsid's PDUs, relayed through the datamover
 *
 * Without CAP_LOGIN_OFFLOAD iscsid builds Login, Text, Logout (and
 * occasionally NOP-Out) PDUs itself.  Before Full Feature Phase they go
 * over the datamover's login messaging (login_send); in Full Feature Phase
 * they become management tasks sent with Send_Control, with ITT, CmdSN and
 * ExpStatSN filled in here because only the kernel knows them.  Answers
 * reach iscsid through iscsi_recv_pdu() (recv.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "iscsi_da.h"

/**
 * isda_conn_alloc_resources() - Allocate_Connection_Resources (§8.4)
 * @conn: connection in the login phase
 *
 * Sized from what iscsid offered; idempotent.  Process context.
 */
int isda_conn_alloc_resources(struct isda_conn *conn)
{
	struct isda_session *sess = conn->sess;
	const struct isda_params *p = &sess->params;
	struct iscsi_dm_resources res = {
		.max_tasks = sess->cmds_max + ISCSI_DM_MGMT_TASKS,
		.max_recv_dlength = conn->max_recv_dlength,
		.max_xmit_dlength = conn->max_xmit_dlength,
		.first_burst = p->first_burst,
		.max_burst = p->max_burst,
		.discovery = p->discovery_sess,
	};
	int ret = 0;

	mutex_lock(&conn->dm_mutex);
	if (conn->res_allocated || !conn->dm.ep)
		goto out;
	ret = sess->tr->ops->allocate_connection_resources(&conn->dm, &res);
	if (ret)
		pr_err("session %u: Allocate_Connection_Resources failed: %d\n",
		       sess->cls->sid, ret);
	else
		conn->res_allocated = true;
out:
	mutex_unlock(&conn->dm_mutex);
	return ret;
}

static int isda_login_phase_send(struct isda_conn *conn, struct iscsi_hdr *hdr,
				 char *data, u32 len)
{
	struct isda_session *sess = conn->sess;
	struct iscsi_nopout *req = (struct iscsi_nopout *)hdr;
	unsigned long flags;
	int ret;

	spin_lock_irqsave(&sess->lock, flags);
	/* login-phase PDUs are one at a time: slot 0's index is free */
	if (hdr->itt != RESERVED_ITT)
		hdr->itt = isda_itt_build(sess->cmds_max, conn->login_age);
	req->cmdsn = cpu_to_be32(sess->cmdsn);
	spin_unlock_irqrestore(&sess->lock, flags);

	if ((hdr->opcode & ISCSI_OPCODE_MASK) == ISCSI_OP_LOGIN) {
		conn->stats.login_pdus++;
		/* RFC 5047 §8.4: resources exist before the final request */
		if (isda_pdu_login_is_final(hdr)) {
			ret = isda_conn_alloc_resources(conn);
			if (ret)
				return ret;
		}
	}
	return sess->tr->ops->login_send(&conn->dm, hdr, data, len);
}

static int isda_ffp_send(struct isda_conn *conn, struct iscsi_hdr *hdr,
			 char *data, u32 len)
{
	struct isda_session *sess = conn->sess;
	u8 opcode = hdr->opcode & ISCSI_OPCODE_MASK;
	struct isda_mtask *mt;
	unsigned long flags;
	int ret;

	switch (opcode) {
	case ISCSI_OP_LOGOUT:
		conn->stats.logoutreq_pdus++;
		spin_lock_irqsave(&sess->lock, flags);
		if (sess->state == ISDA_SESS_LOGGED_IN)
			isda_session_set_state(sess, ISDA_SESS_LOGGING_OUT);
		spin_unlock_irqrestore(&sess->lock, flags);
		break;
	case ISCSI_OP_TEXT:
		conn->stats.text_pdus++;
		break;
	case ISCSI_OP_NOOP_OUT:
		conn->stats.noptx_pdus++;
		break;
	default:
		pr_err("session %u: iscsid sent opcode 0x%x in full feature phase\n",
		       sess->cls->sid, opcode);
		return -EINVAL;
	}

	mt = isda_mtask_get(conn, ISDA_MT_RELAY);
	if (!mt)
		return -EBUSY;
	memcpy(mt->task.hdr, hdr, sizeof(*hdr));
	if (len)
		memcpy(mt->data, data, len);
	ret = isda_mtask_send(conn, mt, len);
	/*
	 * Failed, or nothing will answer (NOP-Out with reserved ITT).  Not
	 * judged by the slot's state: an answer may already have finished
	 * and released the slot, which a second put would free twice.
	 */
	if (ret || hdr->itt == RESERVED_ITT)
		isda_mtask_put(mt);
	return ret;
}

int isda_send_pdu(struct iscsi_cls_conn *cls, struct iscsi_hdr *hdr,
		  char *data, u32 data_size)
{
	struct isda_conn *conn = cls->dd_data;

	if (data_size > ISCSI_DM_MAX_LOGIN_DATA) {
		pr_err("session %u: %u-byte data segment from iscsid exceeds %u\n",
		       conn->sess->cls->sid, data_size,
		       ISCSI_DM_MAX_LOGIN_DATA);
		return -EINVAL;
	}
	switch (conn->state) {
	case ISDA_CONN_LOGIN:
		return isda_login_phase_send(conn, hdr, data, data_size);
	case ISDA_CONN_FFP:
		return isda_ffp_send(conn, hdr, data, data_size);
	default:
		return -ENOTCONN;
	}
}
