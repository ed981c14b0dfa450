// SPDX-License-Identifier: GPL-2.0-only
/*
 * iser_dm/wire.c: the iSER header, CM private data, receive validation and
 * the Data-Out BHS for unsolicited data, checked byte by byte.
 */
// unit-sources: iser_dm/wire.c
#include <stddef.h>
#include "../../iser_dm/wire.h"
#include "tap.h"

static u8 rxbuf[ISER_DM_HDRS_LEN + 64 + 300];

static struct iscsi_hdr *rx_setup(u8 ctrl, u8 opcode, u8 ahs_words, u32 dlen)
{
	struct iser_ctrl *ih = (struct iser_ctrl *)rxbuf;
	struct iscsi_hdr *h = (struct iscsi_hdr *)(ih + 1);

	memset(rxbuf, 0, sizeof(rxbuf));
	ih->flags = ctrl;
	h->opcode = opcode;
	h->hlength = ahs_words;
	hton24(h->dlength, dlen);
	return h;
}

static void test_cm(void)
{
	struct iser_cm_hdr cm;
	struct iser_dm_peer_caps caps;
	u8 rep[4] = { 0 };

	iser_dm_wire_build_cm_req(&cm, true);
	TAP_EQ(cm.flags, ISER_ZBVA_NOT_SUP, "REQ: SI allowed -> only ZBVA-not-supported");
	iser_dm_wire_build_cm_req(&cm, false);
	TAP_EQ(cm.flags, ISER_ZBVA_NOT_SUP | ISER_SEND_W_INV_NOT_SUP,
	       "REQ: SI refused -> both bits");
	TAP_EQ(cm.rsvd[0] | cm.rsvd[1] | cm.rsvd[2], 0, "REQ: reserved bytes zero");

	rep[0] = ISERT_ZBVA_NOT_USED;
	iser_dm_wire_parse_cm_rep(rep, sizeof(rep), &caps);
	TAP_CHECK(caps.present && !caps.zbva && caps.send_inv,
		  "REP from LIO with SI: no ZBVA, SI on");
	rep[0] = ISERT_ZBVA_NOT_USED | ISERT_SEND_W_INV_NOT_USED;
	iser_dm_wire_parse_cm_rep(rep, sizeof(rep), &caps);
	TAP_CHECK(caps.present && !caps.zbva && !caps.send_inv,
		  "REP with SI refused: SI off");
	rep[0] = 0;
	iser_dm_wire_parse_cm_rep(rep, sizeof(rep), &caps);
	TAP_CHECK(caps.zbva && caps.send_inv, "REP with no bits: ZBVA and SI used");
	iser_dm_wire_parse_cm_rep(rep, 3, &caps);
	TAP_CHECK(!caps.present && !caps.zbva && !caps.send_inv,
		  "short REP private data: nothing assumed");
	iser_dm_wire_parse_cm_rep(NULL, 0, &caps);
	TAP_CHECK(!caps.present && !caps.send_inv, "no REP private data: nothing assumed");
}

static void test_ctrl(void)
{
	struct iser_ctrl ih;
	struct iser_dm_stag rd = { true, 0x12345678, 0x1122334455667788ULL };
	struct iser_dm_stag wr = { true, 0xabcdef01, 0x1000 };
	const u8 *b = (const u8 *)&ih;

	iser_dm_wire_build_ctrl(&ih, NULL, NULL);
	TAP_EQ(ih.flags, ISCSI_CTRL, "no data: flags ISCSI_CTRL only");
	TAP_EQ(ih.read_stag | ih.write_stag, 0, "no data: no STags");

	iser_dm_wire_build_ctrl(&ih, &rd, NULL);
	TAP_EQ(ih.flags, ISCSI_CTRL | ISER_RSV, "read: RSV set, WSV clear");
	TAP_EQ(b[16], 0x12, "read STag big-endian at offset 16");
	TAP_EQ(b[19], 0x78, "read STag last byte at 19");
	TAP_EQ(b[20], 0x11, "read VA big-endian at offset 20");
	TAP_EQ(b[27], 0x88, "read VA last byte at 27");
	TAP_EQ(ih.write_stag, 0, "read: write STag zero");

	iser_dm_wire_build_ctrl(&ih, NULL, &wr);
	TAP_EQ(ih.flags, ISCSI_CTRL | ISER_WSV, "write: WSV set, RSV clear");
	TAP_EQ(be32_to_cpu(ih.write_stag), 0xabcdef01, "write STag");
	TAP_EQ(be64_to_cpu(ih.write_va), 0x1000, "write VA");
	TAP_EQ(b[4], 0xab, "write STag big-endian at offset 4");

	iser_dm_wire_build_ctrl(&ih, &rd, &wr);
	TAP_EQ(ih.flags, ISCSI_CTRL | ISER_RSV | ISER_WSV, "bidi: both valid bits");
	rd.valid = false;
	iser_dm_wire_build_ctrl(&ih, &rd, NULL);
	TAP_EQ(ih.flags, ISCSI_CTRL, "invalid read stag ignored");
}

static void test_rx(void)
{
	struct iser_dm_rx_pdu pdu;
	struct iscsi_hdr *h;

	h = rx_setup(ISCSI_CTRL, ISCSI_OP_SCSI_CMD_RSP, 0, 0);
	TAP_EQ(iser_dm_wire_parse_rx(rxbuf, ISER_DM_HDRS_LEN, &pdu), 0,
	       "bare SCSI response accepted");
	TAP_CHECK(pdu.hdr == h && !pdu.data && pdu.dlength == 0,
		  "bare response: hdr located, no data");
	TAP_EQ(iser_dm_wire_parse_rx(rxbuf, ISER_DM_HDRS_LEN - 1, &pdu), -EPROTO,
	       "shorter than iSER header + BHS rejected");
	TAP_CHECK(pdu.why && strstr(pdu.why, "truncated"), "truncated: the reason says so");

	rx_setup(ISCSI_CTRL, ISCSI_OP_SCSI_CMD_RSP | ISCSI_OP_IMMEDIATE, 0, 18);
	TAP_EQ(iser_dm_wire_parse_rx(rxbuf, ISER_DM_HDRS_LEN + 20, &pdu), 0,
	       "sense data with 2 pad bytes accepted");
	TAP_EQ(pdu.opcode, ISCSI_OP_SCSI_CMD_RSP, "opcode without immediate bit");
	TAP_CHECK(pdu.data == rxbuf + ISER_DM_HDRS_LEN, "data right after BHS");
	TAP_EQ(pdu.dlength, 18, "data length from BHS, not byte_len");
	TAP_EQ(iser_dm_wire_parse_rx(rxbuf, ISER_DM_HDRS_LEN + 17, &pdu), -EPROTO,
	       "truncated data segment rejected");
	TAP_CHECK(pdu.why && strstr(pdu.why, "DataSegmentLength"),
		  "short data segment: the reason names DataSegmentLength");
	TAP_EQ(iser_dm_wire_parse_rx(rxbuf, ISER_DM_HDRS_LEN + 22, &pdu), -EPROTO,
	       "more than 3 trailing bytes rejected");

	rx_setup(ISCSI_CTRL, ISCSI_OP_NOOP_IN, 2, 4);
	TAP_EQ(iser_dm_wire_parse_rx(rxbuf, ISER_DM_HDRS_LEN + 12, &pdu), 0,
	       "AHS + data accepted");
	TAP_EQ(pdu.ahs_len, 8, "AHS length in words * 4");
	TAP_CHECK(pdu.data == rxbuf + ISER_DM_HDRS_LEN + 8, "data after AHS");
	TAP_EQ(iser_dm_wire_parse_rx(rxbuf, ISER_DM_HDRS_LEN + 8, &pdu), -EPROTO,
	       "AHS counted in the required length");

	rx_setup(ISER_HELLO, ISCSI_OP_NOOP_IN, 0, 0);
	TAP_EQ(iser_dm_wire_parse_rx(rxbuf, ISER_DM_HDRS_LEN, &pdu), -EPROTO,
	       "iSER Hello (not ISCSI_CTRL) rejected");
	TAP_CHECK(pdu.why && strstr(pdu.why, "flags"), "bad flags: the reason names the flags");
	rx_setup(ISCSI_CTRL | ISER_RSV, ISCSI_OP_NOOP_IN, 0, 0);
	TAP_EQ(iser_dm_wire_parse_rx(rxbuf, ISER_DM_HDRS_LEN, &pdu), 0,
	       "low flag bits do not change the opcode check");
}

static void test_opcode(void)
{
	static const u8 ctrl[] = {
		ISCSI_OP_NOOP_IN, ISCSI_OP_SCSI_TMFUNC_RSP, ISCSI_OP_LOGIN_RSP,
		ISCSI_OP_TEXT_RSP, ISCSI_OP_LOGOUT_RSP, ISCSI_OP_ASYNC_EVENT,
		ISCSI_OP_REJECT,
	};
	unsigned int i, bad = 0, inv = 0;

	TAP_CHECK(!iser_dm_wire_check_opcode(ISCSI_OP_SCSI_CMD_RSP, false),
		  "SCSI Response accepted");
	TAP_CHECK(!iser_dm_wire_check_opcode(ISCSI_OP_SCSI_CMD_RSP, true),
		  "SCSI Response may come as Send with Invalidate");
	for (i = 0; i < ARRAY_SIZE(ctrl); i++) {
		bad += !!iser_dm_wire_check_opcode(ctrl[i], false);
		inv += !iser_dm_wire_check_opcode(ctrl[i], true);
	}
	TAP_EQ(bad, 0, "other target control PDUs accepted");
	TAP_EQ(inv, 0, "Send with Invalidate refused on every non-response");
	TAP_CHECK(!!iser_dm_wire_check_opcode(ISCSI_OP_SCSI_DATA_IN, false),
		  "Data-In over a SEND refused");
	TAP_CHECK(!!iser_dm_wire_check_opcode(ISCSI_OP_R2T, false),
		  "R2T over a SEND refused");
	TAP_CHECK(!!iser_dm_wire_check_opcode(ISCSI_OP_SCSI_CMD, false),
		  "initiator opcode refused");
	TAP_CHECK(!!iser_dm_wire_check_opcode(0x30, false), "unknown opcode refused");
}

static void test_dataout(void)
{
	struct iscsi_scsi_req cmd;
	struct iscsi_data d;

	TAP_EQ(iser_dm_wire_dataout_count(8192, 8192, 8192), 0, "all immediate: none");
	TAP_EQ(iser_dm_wire_dataout_count(0, 0, 8192), 0, "no unsolicited: none");
	TAP_EQ(iser_dm_wire_dataout_count(8192, 65536, 8192), 7, "64k FB, 8k imm: 7");
	TAP_EQ(iser_dm_wire_dataout_count(0, 65536, 8192), 8, "no immediate: 8");
	TAP_EQ(iser_dm_wire_dataout_count(4096, 10000, 4096), 2, "partial last PDU");
	TAP_EQ(iser_dm_wire_dataout_count(0, 100, 0), 0, "zero max_xmit guarded");

	memset(&cmd, 0, sizeof(cmd));
	cmd.opcode = ISCSI_OP_SCSI_CMD;
	cmd.itt = cpu_to_be32(0x0a0b0c0d);
	cmd.lun.scsi_lun[1] = 3;
	cmd.exp_statsn = cpu_to_be32(77);
	iser_dm_wire_build_dataout(&d, (struct iscsi_hdr *)&cmd, 2, 16384, 8192, true);
	TAP_EQ(d.opcode, ISCSI_OP_SCSI_DATA_OUT, "Data-Out opcode");
	TAP_EQ(d.flags, ISCSI_FLAG_CMD_FINAL, "F bit on the last");
	TAP_EQ(ntoh24(d.dlength), 8192, "DataSegmentLength");
	TAP_EQ(d.lun.scsi_lun[1], 3, "LUN copied from the command");
	TAP_EQ(d.itt, cmd.itt, "ITT copied raw");
	TAP_EQ(d.ttt, 0xffffffff, "TTT reserved for unsolicited data");
	TAP_EQ(be32_to_cpu(d.datasn), 2, "DataSN");
	TAP_EQ(be32_to_cpu(d.offset), 16384, "BufferOffset");
	TAP_EQ(be32_to_cpu(d.exp_statsn), 77, "ExpStatSN from the command");
	iser_dm_wire_build_dataout(&d, (struct iscsi_hdr *)&cmd, 0, 8192, 8192, false);
	TAP_EQ(d.flags, 0, "no F bit before the last");
}

int main(void)
{
	printf("TAP version 13\n");
	test_cm();
	test_ctrl();
	test_rx();
	test_opcode();
	test_dataout();
	return tap_done();
}
