/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PDU knowledge both modules share: which opcodes a target sends as
 * control-type PDUs (RFC 5047 §7).  Pure: no kernel object, so the unit
 * tests and fuzzers build it in user space.
 */
#ifndef ISCSI_DM_PDU_H
#define ISCSI_DM_PDU_H

#include <linux/types.h>
#include <scsi/iscsi_proto.h>

/**
 * iscsi_dm_is_target_control() - a control-type PDU a target sends?
 * @opcode: BHS opcode without the immediate bit
 *
 * These the datamover hands to iscsi_da with Control_Notify.  Data-In and
 * R2T are data-type PDUs (RFC 5047 §7), which an iSER datamover never
 * receives in a SEND; every other opcode is not a target's.
 *
 * Return: true for NOP-In, SCSI Response, Task Management Function
 * Response, Login, Text and Logout Responses, Asynchronous Message and
 * Reject.
 */
static inline bool iscsi_dm_is_target_control(u8 opcode)
{
	switch (opcode) {
	case ISCSI_OP_NOOP_IN:
	case ISCSI_OP_SCSI_CMD_RSP:
	case ISCSI_OP_SCSI_TMFUNC_RSP:
	case ISCSI_OP_LOGIN_RSP:
	case ISCSI_OP_TEXT_RSP:
	case ISCSI_OP_LOGOUT_RSP:
	case ISCSI_OP_ASYNC_EVENT:
	case ISCSI_OP_REJECT:
		return true;
	default:
		return false;
	}
}

#endif /* ISCSI_DM_PDU_H */
