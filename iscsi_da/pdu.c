// SPDX-License-Identifier: GPL-2.0-only
/*
 * Building and parsing iSCSI PDUs (pure protocol logic, RFC 7143)
 *
 * Only headers the unit-test shim provides are included here.
 */
#include <linux/types.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/errno.h>
#include <scsi/iscsi_proto.h>
#include "iscsi_dm_pdu.h"

#include "pdu.h"

/* SAM status CHECK CONDITION, without pulling in the SCSI headers. */
#define ISDA_SAM_STAT_CHECK_CONDITION	0x02

/**
 * isda_pdu_burst_sizes() - how much of a write goes out unsolicited
 * @p: negotiated keys
 * @write: the command writes
 * @edtl: Expected Data Transfer Length
 * @immediate: out: bytes carried in the command PDU itself
 * @unsolicited: out: immediate plus unsolicited Data-Out bytes
 *
 * RFC 7143 §13.10-13.14: immediate data is bounded by FirstBurstLength and
 * by one data segment (MaxXmitDataSegmentLength); with InitialR2T=No the
 * initiator may send up to FirstBurstLength unsolicited in total.
 */
void isda_pdu_burst_sizes(const struct isda_burst_params *p, bool write,
			  u32 edtl, u32 *immediate, u32 *unsolicited)
{
	u32 imm = 0, unsol;

	if (!write || !edtl) {
		*immediate = 0;
		*unsolicited = 0;
		return;
	}
	if (p->immediate_data)
		imm = min(edtl, min(p->first_burst, p->max_xmit_dlength));
	unsol = imm;
	if (!p->initial_r2t)
		unsol = max(imm, min(edtl, p->first_burst));
	*immediate = imm;
	*unsolicited = unsol;
}

/**
 * isda_pdu_build_scsi_cmd() - write a SCSI Command BHS (+ CDB AHS)
 * @buf: destination, at least @buflen bytes, zeroed by this function
 * @buflen: room in @buf
 * @d: what the command says
 *
 * Return: header length (48 + AHS) or -EINVAL if the CDB does not fit.
 */
int isda_pdu_build_scsi_cmd(void *buf, size_t buflen,
			    const struct isda_scsi_cmd_desc *d)
{
	struct iscsi_scsi_req *hdr = buf;
	size_t ahs_len = 0;

	if (!d->cdb_len || d->cdb_len > ISDA_MAX_CDB_LEN)
		return -EINVAL;
	if (d->cdb_len > ISCSI_CDB_SIZE)
		/* AHSLength counts the reserved byte and the extra CDB bytes */
		ahs_len = ALIGN(4 + d->cdb_len - ISCSI_CDB_SIZE, 4);
	if (buflen < sizeof(*hdr) + ahs_len)
		return -EINVAL;

	memset(buf, 0, sizeof(*hdr) + ahs_len);
	hdr->opcode = ISCSI_OP_SCSI_CMD;
	hdr->flags = d->attr & ISCSI_FLAG_CMD_ATTR_MASK;
	if (d->read)
		hdr->flags |= ISCSI_FLAG_CMD_READ;
	if (d->write)
		hdr->flags |= ISCSI_FLAG_CMD_WRITE;
	/* F: no unsolicited Data-Out PDUs follow this one */
	if (d->unsolicited <= d->immediate)
		hdr->flags |= ISCSI_FLAG_CMD_FINAL;
	hdr->hlength = ahs_len / 4;
	hton24(hdr->dlength, d->immediate);
	memcpy(&hdr->lun, d->lun, sizeof(hdr->lun));
	hdr->itt = d->itt;
	hdr->data_length = cpu_to_be32(d->edtl);
	hdr->cmdsn = cpu_to_be32(d->cmdsn);
	hdr->exp_statsn = cpu_to_be32(d->exp_statsn);
	memcpy(hdr->cdb, d->cdb, min_t(u16, d->cdb_len, ISCSI_CDB_SIZE));
	if (ahs_len) {
		struct iscsi_ecdb_ahdr *ahs = (void *)(hdr + 1);

		ahs->ahslength = cpu_to_be16(d->cdb_len - ISCSI_CDB_SIZE + 1);
		ahs->ahstype = ISCSI_AHSTYPE_CDB;
		memcpy(ahs->ecdb, d->cdb + ISCSI_CDB_SIZE,
		       d->cdb_len - ISCSI_CDB_SIZE);
	}
	return sizeof(*hdr) + ahs_len;
}

/**
 * isda_pdu_parse_scsi_rsp() - interpret a SCSI Response PDU
 * @rsp: the BHS
 * @data: its data segment (SenseLength + sense + response data), or NULL
 * @len: bytes in @data
 * @edtl: the command's Expected Data Transfer Length
 * @res: out: the verdict, status, residual and sense
 *
 * RFC 7143 §11.4.7: the data segment of a response with sense starts with
 * a 2-byte SenseLength; a residual larger than EDTL on underflow, or both
 * overflow and underflow, cannot be true and marks the PDU malformed.
 */
void isda_pdu_parse_scsi_rsp(const struct iscsi_scsi_rsp *rsp,
			     const u8 *data, u32 len, u32 edtl,
			     struct isda_rsp_result *res)
{
	u32 resid = be32_to_cpu(rsp->residual_count);
	u8 fl = rsp->flags;

	memset(res, 0, sizeof(*res));
	res->status = rsp->cmd_status;
	if (rsp->response != ISCSI_STATUS_CMD_COMPLETED) {
		res->verdict = ISDA_RSP_TARGET_FAILURE;
		return;
	}

	if ((fl & ISCSI_FLAG_CMD_UNDERFLOW) && (fl & ISCSI_FLAG_CMD_OVERFLOW))
		goto malformed;
	if (fl & ISCSI_FLAG_CMD_UNDERFLOW) {
		if (resid > edtl)
			goto malformed;
		res->resid = resid;
	} else if (fl & ISCSI_FLAG_CMD_OVERFLOW) {
		res->overflow = true;
	}

	if (len && res->status == ISDA_SAM_STAT_CHECK_CONDITION) {
		u16 slen;

		if (len < 2 || !data)
			goto malformed;
		slen = (data[0] << 8) | data[1];
		if (slen > len - 2)
			goto malformed;
		res->sense = slen ? data + 2 : NULL;
		res->sense_len = slen;
	}
	res->verdict = ISDA_RSP_OK;
	return;

malformed:
	res->verdict = ISDA_RSP_MALFORMED;
	res->resid = 0;
}

/**
 * isda_pdu_build_nop_out() - write a NOP-Out BHS
 * @hdr: destination
 * @itt: our ITT for a ping, RESERVED_ITT for an answer to a target ping
 * @ttt: RESERVED_ITT for a ping, the target's TTT when answering
 * @lun: LUN copied from the NOP-In being answered, or NULL
 * @cmdsn: CmdSN (not advanced: NOP-Outs go out immediate)
 * @exp_statsn: ExpStatSN
 * @dlength: ping data length
 */
void isda_pdu_build_nop_out(struct iscsi_nopout *hdr, itt_t itt, __be32 ttt,
			    const struct scsi_lun *lun, u32 cmdsn,
			    u32 exp_statsn, u32 dlength)
{
	memset(hdr, 0, sizeof(*hdr));
	hdr->opcode = ISCSI_OP_NOOP_OUT | ISCSI_OP_IMMEDIATE;
	hdr->flags = ISCSI_FLAG_CMD_FINAL;
	hton24(hdr->dlength, dlength);
	if (lun)
		hdr->lun = *lun;
	hdr->itt = itt;
	hdr->ttt = ttt;
	hdr->cmdsn = cpu_to_be32(cmdsn);
	hdr->exp_statsn = cpu_to_be32(exp_statsn);
}

/**
 * isda_pdu_build_tmf() - write a Task Management Function Request BHS
 * @hdr: destination
 * @func: ISCSI_TM_FUNC_*
 * @lun: 8-byte LUN, or NULL for target-wide functions
 * @itt: the TMF's own ITT
 * @rtt: Referenced Task Tag (ABORT TASK) or RESERVED_ITT
 * @cmdsn: CmdSN (TMFs go out immediate)
 * @exp_statsn: ExpStatSN
 * @refcmdsn: CmdSN of the referenced task (ABORT TASK)
 */
void isda_pdu_build_tmf(struct iscsi_tm *hdr, u8 func, const u8 *lun,
			itt_t itt, itt_t rtt, u32 cmdsn, u32 exp_statsn,
			u32 refcmdsn)
{
	memset(hdr, 0, sizeof(*hdr));
	hdr->opcode = ISCSI_OP_SCSI_TMFUNC | ISCSI_OP_IMMEDIATE;
	hdr->flags = ISCSI_FLAG_CMD_FINAL | (func & ISCSI_FLAG_TM_FUNC_MASK);
	if (lun)
		memcpy(&hdr->lun, lun, sizeof(hdr->lun));
	hdr->itt = itt;
	hdr->rtt = rtt;
	hdr->cmdsn = cpu_to_be32(cmdsn);
	hdr->exp_statsn = cpu_to_be32(exp_statsn);
	hdr->refcmdsn = cpu_to_be32(refcmdsn);
}

/**
 * isda_pdu_check_rx() - sanity-check a PDU handed up by the datamover
 * @hdr: its BHS
 * @len: bytes of data segment the datamover received
 * @max_recv: largest data segment we declared, or 0 for no check
 *
 * Data-In and R2T are data-type PDUs the datamover consumes itself
 * (RFC 5047 §7); anything not a target opcode is a protocol error.
 *
 * Return: 0 or -EPROTO.
 */
int isda_pdu_check_rx(const struct iscsi_hdr *hdr, u32 len, u32 max_recv)
{
	u32 dlen = ntoh24(hdr->dlength);

	if (dlen != len)
		return -EPROTO;
	if (max_recv && len > max_recv)
		return -EPROTO;
	if (!iscsi_dm_is_target_control(hdr->opcode & ISCSI_OPCODE_MASK))
		return -EPROTO;
	return 0;
}

/**
 * isda_pdu_rejected_hdr() - the rejected PDU's header inside a Reject
 * @data: the Reject's data segment, or NULL
 * @len: bytes at @data
 *
 * RFC 7143 §11.17: the data segment carries the complete header of the
 * rejected PDU; a shorter one leaves nothing to match the Reject against.
 *
 * Return: the rejected BHS, or NULL when the data segment cannot hold one.
 */
const struct iscsi_hdr *isda_pdu_rejected_hdr(const void *data, u32 len)
{
	if (!data || len < sizeof(struct iscsi_hdr))
		return NULL;
	return data;
}

/**
 * isda_pdu_login_is_final() - is this the login request that enters FFP?
 * @hdr: a Login Request BHS
 *
 * Return: true when T is set and NSG is FullFeaturePhase: the request
 * after which the target may answer with the final Login Response, so
 * Allocate_Connection_Resources must precede it (RFC 5047 §8.4).
 */
bool isda_pdu_login_is_final(const struct iscsi_hdr *hdr)
{
	return (hdr->opcode & ISCSI_OPCODE_MASK) == ISCSI_OP_LOGIN &&
	       (hdr->flags & ISCSI_FLAG_LOGIN_TRANSIT) &&
	       (hdr->flags & ISCSI_FLAG_LOGIN_NEXT_STAGE_MASK) ==
			ISCSI_FULL_FEATURE_PHASE;
}

/**
 * isda_pdu_has_statsn() - does this target PDU advance StatSN?
 * @hdr: the BHS
 *
 * An unsolicited NOP-In (ITT reserved) carries the next StatSN without
 * consuming it (RFC 7143 §11.19); every response does consume one.
 */
bool isda_pdu_has_statsn(const struct iscsi_hdr *hdr)
{
	u8 opcode = hdr->opcode & ISCSI_OPCODE_MASK;

	if (opcode == ISCSI_OP_NOOP_IN)
		return hdr->itt != RESERVED_ITT;
	return iscsi_dm_is_target_control(opcode);
}
