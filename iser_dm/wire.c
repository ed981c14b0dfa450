// SPDX-License-Identifier: GPL-2.0-only
/*
 * wire.c - encode and decode iSER wire formats (RFC 7145 §9, the
 * generalisation draft §5.3 for the CM private data).  No verbs here, so
 * the unit tests link this file unchanged.
 */
#include <linux/kernel.h>
#include <linux/errno.h>
#include <linux/string.h>
#include "iscsi_dm_pdu.h"
#include "wire.h"

/**
 * iser_dm_wire_build_cm_req() - fill the iSER CM REQ private data
 * @cm: the header to fill
 * @send_inv_ok: we can take Send with Invalidate
 *
 * We always advertise real virtual addresses (ZBVA not supported): Linux
 * targets ignore the bit and expect real addresses anyway.
 */
void iser_dm_wire_build_cm_req(struct iser_cm_hdr *cm, bool send_inv_ok)
{
	memset(cm, 0, sizeof(*cm));
	cm->flags = ISER_ZBVA_NOT_SUP;
	if (!send_inv_ok)
		cm->flags |= ISER_SEND_W_INV_NOT_SUP;
}

/**
 * iser_dm_wire_parse_cm_rep() - decode the target's accept private data
 * @priv: the private data, or NULL
 * @len: its length
 * @caps: what the target declared
 *
 * A target that sends no iSER CM header (old targets, some iWARP stacks)
 * is taken to use neither ZBVA nor Send with Invalidate: both are opt-in.
 */
void iser_dm_wire_parse_cm_rep(const void *priv, size_t len,
			       struct iser_dm_peer_caps *caps)
{
	const struct iser_cm_hdr *cm = priv;

	memset(caps, 0, sizeof(*caps));
	if (!priv || len < sizeof(*cm))
		return;
	caps->present = true;
	caps->zbva = !(cm->flags & ISERT_ZBVA_NOT_USED);
	caps->send_inv = !(cm->flags & ISERT_SEND_W_INV_NOT_USED);
}

/**
 * iser_dm_wire_build_ctrl() - fill the iSER header of a control-type PDU
 * @ih: the header
 * @rd: read buffer (target RDMA-Writes into it), or invalid
 * @wr: write buffer beyond the unsolicited data (target RDMA-Reads it)
 */
void iser_dm_wire_build_ctrl(struct iser_ctrl *ih, const struct iser_dm_stag *rd,
			     const struct iser_dm_stag *wr)
{
	memset(ih, 0, sizeof(*ih));
	ih->flags = ISCSI_CTRL;
	if (rd && rd->valid) {
		ih->flags |= ISER_RSV;
		ih->read_stag = cpu_to_be32(rd->stag);
		ih->read_va = cpu_to_be64(rd->va);
	}
	if (wr && wr->valid) {
		ih->flags |= ISER_WSV;
		ih->write_stag = cpu_to_be32(wr->stag);
		ih->write_va = cpu_to_be64(wr->va);
	}
}

/**
 * iser_dm_wire_parse_rx() - validate a received iSER message
 * @buf: the receive buffer (iSER header first)
 * @byte_len: bytes the completion reported
 * @pdu: where the parsed layout goes
 *
 * The message must be an iSCSI control-type PDU (iSER opcode ISCSI_CTRL)
 * whose AHS and data segment fit in what arrived.  Up to three pad bytes
 * after the data segment are tolerated (LIO pads sense data).
 *
 * Return: 0, or -EPROTO for anything malformed.
 */
int iser_dm_wire_parse_rx(void *buf, u32 byte_len, struct iser_dm_rx_pdu *pdu)
{
	struct iser_ctrl *ih = buf;
	struct iscsi_hdr *hdr;
	u32 need;

	memset(pdu, 0, sizeof(*pdu));
	if (byte_len < ISER_DM_HDRS_LEN) {
		pdu->why = "truncated: shorter than iSER header + BHS";
		return -EPROTO;
	}
	hdr = (struct iscsi_hdr *)(ih + 1);
	pdu->opcode = hdr->opcode & ISCSI_OPCODE_MASK;
	if ((ih->flags & 0xf0) != ISCSI_CTRL) {
		pdu->why = "iSER header flags are not ISCSI_CTRL";
		return -EPROTO;
	}
	pdu->hdr = hdr;
	pdu->ahs_len = hdr->hlength * 4;
	pdu->dlength = ntoh24(hdr->dlength);
	need = ISER_DM_HDRS_LEN + pdu->ahs_len + pdu->dlength;
	if (byte_len < need) {
		pdu->why = "AHS + DataSegmentLength exceed the bytes received";
		return -EPROTO;
	}
	if (byte_len - need > 3) {
		pdu->why = "bytes beyond DataSegmentLength + padding";
		return -EPROTO;
	}
	if (pdu->dlength)
		pdu->data = (u8 *)buf + ISER_DM_HDRS_LEN + pdu->ahs_len;
	return 0;
}

/**
 * iser_dm_wire_check_opcode() - may this control-type PDU arrive over iSER?
 * @opcode: BHS opcode without the immediate bit (&iser_dm_rx_pdu.opcode)
 * @with_inv: it arrived as a Send with Invalidate
 *
 * Data-In and R2T never travel in a SEND (read data comes by RDMA Write,
 * write data is fetched by RDMA Read), and only a SCSI Response may
 * invalidate one of the task's keys (RFC 7145 §7.3.3).  Whether the key
 * is the task's own is checked against the task by the caller.
 *
 * Return: NULL when the PDU is acceptable, else what is wrong with it.
 */
const char *iser_dm_wire_check_opcode(u8 opcode, bool with_inv)
{
	switch (opcode) {
	case ISCSI_OP_SCSI_CMD_RSP:
		return NULL;
	case ISCSI_OP_SCSI_DATA_IN:
		return "Data-In PDU (read data must come by RDMA Write)";
	case ISCSI_OP_R2T:
		return "R2T PDU (write data is fetched by RDMA Read)";
	}
	if (!iscsi_dm_is_target_control(opcode))
		return "unknown opcode";
	return with_inv ? "Send with Invalidate on a non-response" : NULL;
}

/**
 * iser_dm_wire_dataout_count() - Data-Out PDUs for the unsolicited data
 * @immediate: bytes sent with the command
 * @unsolicited: immediate plus non-immediate unsolicited bytes
 * @max_xmit: MaxXmitDataSegmentLength (each Data-Out carries at most this)
 *
 * Return: number of separate Data-Out PDUs, 0 if none or on nonsense input.
 */
u32 iser_dm_wire_dataout_count(u32 immediate, u32 unsolicited, u32 max_xmit)
{
	if (unsolicited <= immediate || !max_xmit)
		return 0;
	return DIV_ROUND_UP(unsolicited - immediate, max_xmit);
}

/**
 * iser_dm_wire_build_dataout() - build an unsolicited Data-Out BHS
 * @d: the BHS to fill
 * @cmd: the SCSI Command BHS it belongs to (ITT, LUN, ExpStatSN)
 * @datasn: DataSN (0 for the first Data-Out of the command)
 * @offset: BufferOffset
 * @len: DataSegmentLength
 * @final: F bit: last PDU of the unsolicited burst
 */
void iser_dm_wire_build_dataout(struct iscsi_data *d, const struct iscsi_hdr *cmd,
				u32 datasn, u32 offset, u32 len, bool final)
{
	memset(d, 0, sizeof(*d));
	d->opcode = ISCSI_OP_SCSI_DATA_OUT;
	if (final)
		d->flags = ISCSI_FLAG_CMD_FINAL;
	hton24(d->dlength, len);
	memcpy(&d->lun, &cmd->lun, sizeof(d->lun));
	d->itt = cmd->itt;
	d->ttt = cpu_to_be32(ISCSI_RESERVED_TAG);
	d->exp_statsn = cmd->exp_statsn;
	d->datasn = cpu_to_be32(datasn);
	d->offset = cpu_to_be32(offset);
}
