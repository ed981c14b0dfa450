// SPDX-License-Identifier: GPL-2.0-only
/*
 * Control_Notify (RFC 5047 §9.1): dispatch of incoming PDUs
 *
 * Login phase: Login Responses (and anything else) go to iscsid.
 * Full Feature Phase: every control-type PDU updates StatSN and the CmdSN
 * window, then goes to its owner by opcode.  A malformed or unexpected PDU
 * is logged, starts connection recovery and returns -EPROTO.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "iscsi_da.h"
#include "trace.h"
#include "sn.h"

/* Caller holds the session lock. */
void isda_rx_update_sn(struct isda_conn *conn, struct iscsi_hdr *hdr)
{
	struct iscsi_nopin *in = (struct iscsi_nopin *)hdr;
	struct isda_session *sess = conn->sess;
	u32 exp = be32_to_cpu(in->exp_cmdsn), max = be32_to_cpu(in->max_cmdsn);

	lockdep_assert_held(&sess->lock);
	/*
	 * Held SCSI Responses are delivered after the PDUs behind them
	 * (iscsi_dm.h, the lifetime rule): ExpStatSN only moves forward.
	 */
	if (isda_pdu_has_statsn(hdr) &&
	    isda_sn_gt(be32_to_cpu(in->statsn) + 1, conn->exp_statsn))
		conn->exp_statsn = be32_to_cpu(in->statsn) + 1;
	/*
	 * RFC 7143 §4.2.2.1: such a window is ignored, not a protocol
	 * error; the PDU itself is still processed.
	 */
	if (isda_sn_lt(max, exp - 1))
		pr_warn_ratelimited("session %u: target's MaxCmdSN %u is below ExpCmdSN %u - 1 (opcode 0x%x): window ignored\n",
				    sess->cls->sid, max, exp, hdr->opcode);
	isda_sn_update(&sess->exp_cmdsn, &sess->max_cmdsn, exp, max);
}

static int isda_proto_error(struct isda_conn *conn, struct iscsi_hdr *hdr,
			    const char *why)
{
	pr_err_ratelimited("session %u conn %u: %s (opcode 0x%x, ITT 0x%x, %u data bytes): recovering\n",
			   conn->sess->cls->sid, conn->dm.cid, why, hdr->opcode,
			   iscsi_dm_itt(hdr->itt),
			   ntoh24(hdr->dlength));
	conn->stats.proto_err++;
	isda_conn_failure(conn, ISCSI_ERR_PROTO);
	return -EPROTO;
}

static int isda_rx_login_phase(struct isda_conn *conn, struct iscsi_hdr *hdr,
			       void *data, u32 len)
{
	struct isda_session *sess = conn->sess;
	unsigned long flags;

	if ((hdr->opcode & ISCSI_OPCODE_MASK) == ISCSI_OP_LOGIN_RSP) {
		struct iscsi_login_rsp *rsp = (struct iscsi_login_rsp *)hdr;

		spin_lock_irqsave(&sess->lock, flags);
		conn->exp_statsn = be32_to_cpu(rsp->statsn) + 1;
		if (!rsp->status_class) {
			/*
			 * No task is outstanding during login, so the target's
			 * ExpCmdSN is simply our next CmdSN (also after an
			 * ERL0 reinstatement).
			 */
			sess->exp_cmdsn = be32_to_cpu(rsp->exp_cmdsn);
			sess->max_cmdsn = be32_to_cpu(rsp->max_cmdsn);
			sess->cmdsn = sess->exp_cmdsn;
		}
		spin_unlock_irqrestore(&sess->lock, flags);
	}
	if (iscsi_recv_pdu(conn->cls, hdr, data, len)) {
		isda_conn_failure(conn, ISCSI_ERR_CONN_FAILED);
		return -ENOMEM;
	}
	return 0;
}

/* Text/Logout/NOP responses to PDUs iscsid sent: hand them back to it. */
static int isda_rx_relay_rsp(struct isda_conn *conn, struct iscsi_hdr *hdr,
			     void *data, u32 len)
{
	struct isda_mtask *mt = isda_mtask_lookup(conn, hdr->itt);

	if (!mt || mt->kind != ISDA_MT_RELAY)
		return isda_proto_error(conn, hdr, "response for no outstanding request");
	if (iscsi_recv_pdu(conn->cls, hdr, data, len))
		isda_conn_failure(conn, ISCSI_ERR_CONN_FAILED);
	isda_mtask_finish(mt, -1);
	return 0;
}

static int isda_rx_async(struct isda_conn *conn, struct iscsi_hdr *hdr,
			 void *data, u32 len)
{
	struct iscsi_async *async = (struct iscsi_async *)hdr;
	struct isda_session *sess = conn->sess;

	conn->stats.async_pdus++;
	pr_info_ratelimited("session %u: async event %u (vcode 0x%x, param %u/%u/%u)\n",
			    sess->cls->sid, async->async_event,
			    async->async_vcode, be16_to_cpu(async->param1),
			    be16_to_cpu(async->param2),
			    be16_to_cpu(async->param3));
	/*
	 * iscsid acts on every event itself: logout requests, dropped
	 * connections, and the LUN rescan for a SCSI event (REPORTED LUNS
	 * DATA HAS CHANGED).
	 */
	if (iscsi_recv_pdu(conn->cls, hdr, data, len))
		isda_conn_failure(conn, ISCSI_ERR_CONN_FAILED);
	return 0;
}

static int isda_rx_reject(struct isda_conn *conn, struct iscsi_hdr *hdr,
			  void *data, u32 len)
{
	struct iscsi_reject *rej = (struct iscsi_reject *)hdr;
	const struct iscsi_hdr *bad = isda_pdu_rejected_hdr(data, len);
	struct isda_mtask *mt;

	conn->stats.reject_pdus++;
	if (!bad)
		return isda_proto_error(conn, hdr, "Reject without the rejected header");
	pr_warn("session %u: target rejected opcode 0x%x ITT 0x%x, reason 0x%x\n",
		conn->sess->cls->sid, bad->opcode,
		iscsi_dm_itt(bad->itt), rej->reason);
	mt = isda_mtask_lookup(conn, bad->itt);
	if (mt) {
		isda_mtask_finish(mt, -1);
		return 0;
	}
	/*
	 * A rejected SCSI command holds datamover resources that only
	 * Connection_Terminate can release from this context: recover.
	 */
	if (isda_cmd_lookup(conn->sess, bad->itt))
		return isda_proto_error(conn, hdr, "SCSI command rejected");
	return 0;
}

/* Control_Notify (RFC 5047 §9.1): the contract is in include/iscsi_dm.h. */
int iscsi_dm_control_notify(struct iscsi_dm_conn *dm, struct iscsi_hdr *hdr,
			    void *data, u32 len, struct iscsi_dm_task *task)
{
	struct isda_conn *conn = isda_dm_to_conn(dm);
	struct isda_session *sess = conn->sess;
	struct scsi_cmnd *sc;
	struct isda_mtask *mt;
	unsigned long flags;

	WRITE_ONCE(conn->last_rx, jiffies);
	trace_iscsi_da_pdu_rx(sess->cls->sid, dm->cid,
			      hdr->opcode & ISCSI_OPCODE_MASK,
			      iscsi_dm_itt(hdr->itt),
			      be32_to_cpu(hdr->statsn),
			      be32_to_cpu(hdr->exp_statsn),
			      be32_to_cpu(hdr->max_statsn));
	if (!READ_ONCE(conn->ffp))
		return isda_rx_login_phase(conn, hdr, data, len);

	if (isda_pdu_check_rx(hdr, len, 0))
		return isda_proto_error(conn, hdr, "malformed or data-type PDU");

	spin_lock_irqsave(&sess->lock, flags);
	isda_rx_update_sn(conn, hdr);
	spin_unlock_irqrestore(&sess->lock, flags);

	switch (hdr->opcode & ISCSI_OPCODE_MASK) {
	case ISCSI_OP_SCSI_CMD_RSP:
		conn->stats.scsirsp_pdus++;
		/*
		 * Only a response the datamover released its task for may
		 * complete the command (iscsi_dm.h, the lifetime rule).
		 */
		sc = task ? isda_cmd_lookup(sess, hdr->itt) : NULL;
		if (sc && &isda_sc_cmd(sc)->task != task)
			sc = NULL;
		if (!sc) {
			if (!isda_itt_in_range(hdr->itt, sess->cmds_max +
					       ISCSI_DM_MGMT_TASKS))
				return isda_proto_error(conn, hdr,
							"SCSI Response for an ITT never issued");
			/* a late answer for a task aborted meanwhile, or a duplicate */
			conn->stats.stale_rsp++;
			pr_info_ratelimited("session %u: SCSI Response for ITT 0x%x, not outstanding (late or duplicate): ignored\n",
					    sess->cls->sid,
					    iscsi_dm_itt(hdr->itt));
			return 0;
		}
		isda_cmd_complete(conn, sc, (struct iscsi_scsi_rsp *)hdr,
				  data, len);
		return 0;
	case ISCSI_OP_NOOP_IN:
		conn->stats.noprx_pdus++;
		isda_nop_in(conn, (struct iscsi_nopin *)hdr, data, len);
		return 0;
	case ISCSI_OP_SCSI_TMFUNC_RSP:
		conn->stats.tmfrsp_pdus++;
		mt = isda_mtask_lookup(conn, hdr->itt);
		if (!mt || mt->kind != ISDA_MT_TMF)
			return isda_proto_error(conn, hdr, "TMF response for no TMF");
		isda_mtask_finish(mt, ((struct iscsi_tm_rsp *)hdr)->response);
		return 0;
	case ISCSI_OP_TEXT_RSP:
		conn->stats.textrsp_pdus++;
		return isda_rx_relay_rsp(conn, hdr, data, len);
	case ISCSI_OP_LOGOUT_RSP:
		conn->stats.logoutrsp_pdus++;
		return isda_rx_relay_rsp(conn, hdr, data, len);
	case ISCSI_OP_ASYNC_EVENT:
		return isda_rx_async(conn, hdr, data, len);
	case ISCSI_OP_REJECT:
		return isda_rx_reject(conn, hdr, data, len);
	default:
		return isda_proto_error(conn, hdr, "unexpected opcode in full feature phase");
	}
}
EXPORT_SYMBOL_GPL(iscsi_dm_control_notify);
