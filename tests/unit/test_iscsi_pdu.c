// SPDX-License-Identifier: GPL-2.0-only
/*
 * iscsi_da's PDU builders and parsers: SCSI Command (flags, F bit,
 * immediate length, CDB AHS), unsolicited-data sizing, SCSI Response
 * (residuals, sense bounds, malformed PDUs), NOP-Out, TMF, receive checks
 * and ITT encoding.
 */
// unit-sources: iscsi_da/pdu.c
#include <linux/types.h>
#include <scsi/iscsi_proto.h>
#include "../../iscsi_da/pdu.h"
#include "tap.h"

static const u8 lun1[8] = { 0, 1, 0, 0, 0, 0, 0, 0 };

static void test_burst(void)
{
	struct isda_burst_params p = {
		.immediate_data = true, .initial_r2t = true,
		.first_burst = 65536, .max_xmit_dlength = 8192,
	};
	u32 imm, unsol;

	isda_pdu_burst_sizes(&p, true, 131072, &imm, &unsol);
	TAP_EQ(imm, 8192, "immediate data bounded by MaxXmitDSL");
	TAP_EQ(unsol, 8192, "InitialR2T=Yes: nothing beyond immediate");

	p.initial_r2t = false;
	isda_pdu_burst_sizes(&p, true, 131072, &imm, &unsol);
	TAP_EQ(unsol, 65536, "InitialR2T=No: unsolicited up to FirstBurstLength");

	isda_pdu_burst_sizes(&p, true, 4096, &imm, &unsol);
	TAP_EQ(imm, 4096, "small write fully immediate");
	TAP_EQ(unsol, 4096, "small write: unsolicited == EDTL");

	p.immediate_data = false;
	isda_pdu_burst_sizes(&p, true, 131072, &imm, &unsol);
	TAP_EQ(imm, 0, "ImmediateData=No: no immediate data");
	TAP_EQ(unsol, 65536, "ImmediateData=No, InitialR2T=No: Data-Out burst");

	isda_pdu_burst_sizes(&p, false, 131072, &imm, &unsol);
	TAP_EQ(imm + unsol, 0, "reads carry no unsolicited data");
}

static void test_scsi_cmd(void)
{
	u8 buf[48 + 64];
	struct iscsi_scsi_req *h = (void *)buf;
	u8 cdb[32];
	struct isda_scsi_cmd_desc d = {
		.lun = lun1, .cdb = cdb, .cdb_len = 16, .attr = ISCSI_ATTR_SIMPLE,
		.write = true, .edtl = 65536, .itt = isda_itt_build(5, 3),
		.cmdsn = 0x01020304, .exp_statsn = 77, .immediate = 8192,
		.unsolicited = 8192,
	};
	int n, i;

	for (i = 0; i < 32; i++)
		cdb[i] = i + 1;
	memset(buf, 0xaa, sizeof(buf));
	n = isda_pdu_build_scsi_cmd(buf, sizeof(buf), &d);
	TAP_EQ(n, 48, "16-byte CDB needs no AHS");
	TAP_EQ(h->opcode, ISCSI_OP_SCSI_CMD, "opcode");
	TAP_EQ(h->flags, ISCSI_FLAG_CMD_FINAL | ISCSI_FLAG_CMD_WRITE | ISCSI_ATTR_SIMPLE,
	       "F + W + SIMPLE when no unsolicited Data-Out follows");
	TAP_EQ(ntoh24(h->dlength), 8192, "DataSegmentLength = immediate");
	TAP_EQ(be32_to_cpu(h->data_length), 65536, "EDTL");
	TAP_EQ(be32_to_cpu(h->cmdsn), 0x01020304, "CmdSN");
	TAP_EQ(be32_to_cpu(h->exp_statsn), 77, "ExpStatSN");
	TAP_CHECK(!memcmp(&h->lun, lun1, 8), "LUN copied");
	TAP_CHECK(!memcmp(h->cdb, cdb, 16), "CDB copied");
	TAP_EQ(h->hlength, 0, "TotalAHSLength 0");

	d.unsolicited = 65536;
	n = isda_pdu_build_scsi_cmd(buf, sizeof(buf), &d);
	TAP_CHECK(!(h->flags & ISCSI_FLAG_CMD_FINAL),
		  "F clear when unsolicited Data-Out PDUs follow");

	d.cdb_len = 32;
	d.write = false;
	d.read = true;
	d.immediate = 0;
	d.unsolicited = 0;
	n = isda_pdu_build_scsi_cmd(buf, sizeof(buf), &d);
	TAP_EQ(n, 48 + 20, "32-byte CDB: 4-byte AHS header + 16 bytes");
	TAP_EQ(h->hlength, 5, "TotalAHSLength in words");
	TAP_EQ(buf[48 + 2], ISCSI_AHSTYPE_CDB, "AHS type CDB");
	TAP_EQ((buf[48] << 8) | buf[49], 17, "AHSLength = extra CDB + reserved byte");
	TAP_CHECK(!memcmp(buf + 52, cdb + 16, 16), "extended CDB bytes in AHS");
	TAP_EQ(h->flags, ISCSI_FLAG_CMD_FINAL | ISCSI_FLAG_CMD_READ | ISCSI_ATTR_SIMPLE,
	       "read: F + R");

	d.cdb_len = 20;
	n = isda_pdu_build_scsi_cmd(buf, sizeof(buf), &d);
	TAP_EQ(n, 48 + 8, "20-byte CDB: AHS padded to 4 bytes");

	d.cdb_len = ISDA_MAX_CDB_LEN + 1;
	TAP_EQ(isda_pdu_build_scsi_cmd(buf, sizeof(buf), &d), -EINVAL,
	       "CDB too long for the header buffer is refused");
	d.cdb_len = 32;
	TAP_EQ(isda_pdu_build_scsi_cmd(buf, 60, &d), -EINVAL,
	       "short destination buffer is refused");
}

static void test_scsi_rsp(void)
{
	struct iscsi_scsi_rsp r;
	struct isda_rsp_result res;
	u8 data[40] = { 0, 18, 0x70, 0, 5 };

	memset(&r, 0, sizeof(r));
	r.opcode = ISCSI_OP_SCSI_CMD_RSP;
	isda_pdu_parse_scsi_rsp(&r, NULL, 0, 4096, &res);
	TAP_EQ(res.verdict, ISDA_RSP_OK, "GOOD response ok");
	TAP_EQ(res.resid, 0, "no residual");

	r.flags = ISCSI_FLAG_CMD_UNDERFLOW;
	r.residual_count = cpu_to_be32(1024);
	isda_pdu_parse_scsi_rsp(&r, NULL, 0, 4096, &res);
	TAP_EQ(res.resid, 1024, "underflow residual reported");

	r.residual_count = cpu_to_be32(8192);
	isda_pdu_parse_scsi_rsp(&r, NULL, 0, 4096, &res);
	TAP_EQ(res.verdict, ISDA_RSP_MALFORMED, "underflow residual > EDTL is malformed");

	r.flags = ISCSI_FLAG_CMD_OVERFLOW;
	isda_pdu_parse_scsi_rsp(&r, NULL, 0, 4096, &res);
	TAP_EQ(res.verdict, ISDA_RSP_OK, "overflow accepted");
	TAP_CHECK(res.overflow && res.resid == 0, "overflow: flagged, no residual");

	r.flags = ISCSI_FLAG_CMD_OVERFLOW | ISCSI_FLAG_CMD_UNDERFLOW;
	isda_pdu_parse_scsi_rsp(&r, NULL, 0, 4096, &res);
	TAP_EQ(res.verdict, ISDA_RSP_MALFORMED, "overflow and underflow together is malformed");

	r.flags = 0;
	r.cmd_status = 0x02;
	isda_pdu_parse_scsi_rsp(&r, data, 20, 4096, &res);
	TAP_EQ(res.verdict, ISDA_RSP_OK, "CHECK CONDITION with sense ok");
	TAP_EQ(res.status, 0x02, "status CHECK CONDITION");
	TAP_EQ(res.sense_len, 18, "SenseLength read");
	TAP_CHECK(res.sense == data + 2, "sense follows SenseLength");

	isda_pdu_parse_scsi_rsp(&r, data, 19, 4096, &res);
	TAP_EQ(res.verdict, ISDA_RSP_MALFORMED, "SenseLength beyond the data segment is malformed");
	isda_pdu_parse_scsi_rsp(&r, data, 1, 4096, &res);
	TAP_EQ(res.verdict, ISDA_RSP_MALFORMED, "1-byte data segment cannot hold SenseLength");

	r.response = 1;
	isda_pdu_parse_scsi_rsp(&r, NULL, 0, 4096, &res);
	TAP_EQ(res.verdict, ISDA_RSP_TARGET_FAILURE, "iSCSI Response 'target failure'");
}

static void test_misc(void)
{
	struct iscsi_nopout nop;
	struct iscsi_tm tm;
	struct iscsi_hdr h;
	struct scsi_lun l;

	memcpy(l.scsi_lun, lun1, 8);
	isda_pdu_build_nop_out(&nop, RESERVED_ITT, cpu_to_be32(0x1234), &l, 9, 10, 4);
	TAP_EQ(nop.opcode, ISCSI_OP_NOOP_OUT | ISCSI_OP_IMMEDIATE, "NOP-Out immediate");
	TAP_EQ(nop.flags, ISCSI_FLAG_CMD_FINAL, "NOP-Out F bit");
	TAP_EQ(be32_to_cpu(nop.ttt), 0x1234, "NOP-Out echoes TTT");
	TAP_CHECK(nop.itt == RESERVED_ITT, "answer carries reserved ITT");
	TAP_EQ(ntoh24(nop.dlength), 4, "NOP-Out data length");
	TAP_CHECK(!memcmp(&nop.lun, lun1, 8), "NOP-Out echoes LUN");

	isda_pdu_build_tmf(&tm, ISCSI_TM_FUNC_ABORT_TASK, lun1, isda_itt_build(130, 1),
			   isda_itt_build(7, 2), 50, 60, 45);
	TAP_EQ(tm.opcode, ISCSI_OP_SCSI_TMFUNC | ISCSI_OP_IMMEDIATE, "TMF immediate");
	TAP_EQ(tm.flags, ISCSI_FLAG_CMD_FINAL | ISCSI_TM_FUNC_ABORT_TASK, "TMF function");
	TAP_CHECK(tm.rtt == isda_itt_build(7, 2), "RTT");
	TAP_EQ(be32_to_cpu(tm.refcmdsn), 45, "RefCmdSN");

	TAP_EQ(isda_itt_index(isda_itt_build(0x1234, 0xfff)), 0x1234, "ITT index round trip");
	TAP_CHECK(isda_itt_build(0xffff, 0xfff) != RESERVED_ITT, "ITT never reserved");
	TAP_CHECK(isda_itt_build(3, 1) != isda_itt_build(3, 2), "age distinguishes reuse");

	memset(&h, 0, sizeof(h));
	h.opcode = ISCSI_OP_SCSI_CMD_RSP;
	hton24(h.dlength, 20);
	TAP_EQ(isda_pdu_check_rx(&h, 20, 8192), 0, "consistent response accepted");
	TAP_EQ(isda_pdu_check_rx(&h, 19, 8192), -EPROTO, "DataSegmentLength mismatch rejected");
	TAP_EQ(isda_pdu_check_rx(&h, 20, 16), -EPROTO, "data beyond MaxRecvDSL rejected");
	h.opcode = ISCSI_OP_SCSI_DATA_IN;
	TAP_EQ(isda_pdu_check_rx(&h, 20, 0), -EPROTO, "Data-In is not a control PDU");
	h.opcode = ISCSI_OP_R2T;
	hton24(h.dlength, 0);
	TAP_EQ(isda_pdu_check_rx(&h, 0, 0), -EPROTO, "R2T is not a control PDU");

	h.opcode = ISCSI_OP_NOOP_IN;
	h.itt = RESERVED_ITT;
	TAP_CHECK(!isda_pdu_has_statsn(&h), "unsolicited NOP-In does not advance StatSN");
	h.itt = isda_itt_build(1, 1);
	TAP_CHECK(isda_pdu_has_statsn(&h), "NOP-In answer advances StatSN");

	memset(&h, 0, sizeof(h));
	h.opcode = ISCSI_OP_LOGIN | ISCSI_OP_IMMEDIATE;
	h.flags = ISCSI_FLAG_LOGIN_TRANSIT | ISCSI_FLAG_LOGIN_CURRENT_STAGE1 |
		  ISCSI_FULL_FEATURE_PHASE;
	TAP_CHECK(isda_pdu_login_is_final(&h), "T + NSG=FFP is the final login request");
	h.flags = ISCSI_FLAG_LOGIN_TRANSIT | ISCSI_FLAG_LOGIN_NEXT_STAGE1;
	TAP_CHECK(!isda_pdu_login_is_final(&h), "security -> operational is not final");
	h.flags = ISCSI_FULL_FEATURE_PHASE;
	TAP_CHECK(!isda_pdu_login_is_final(&h), "NSG without T is not final");
}

static void test_reject(void)
{
	u8 data[52] = { ISCSI_OP_TEXT };

	TAP_CHECK(isda_pdu_rejected_hdr(data, 48) == (void *)data,
		  "Reject carrying a whole BHS: header found");
	TAP_CHECK(isda_pdu_rejected_hdr(data, 52) == (void *)data,
		  "Reject with a longer data segment: header found");
	TAP_CHECK(!isda_pdu_rejected_hdr(data, 47), "Reject with 47 bytes: no header");
	TAP_CHECK(!isda_pdu_rejected_hdr(data, 0), "Reject without data: no header");
	TAP_CHECK(!isda_pdu_rejected_hdr(NULL, 48), "NULL data: no header");
}

static void test_itt_range(void)
{
	TAP_CHECK(isda_itt_in_range(isda_itt_build(0, 0), 40), "ITT index 0 is ours");
	TAP_CHECK(isda_itt_in_range(isda_itt_build(39, 0xfff), 40),
		  "last index, any age is ours");
	TAP_CHECK(!isda_itt_in_range(isda_itt_build(40, 1), 40),
		  "index past the task space was never issued");
	TAP_CHECK(!isda_itt_in_range((__force itt_t)cpu_to_be32(0x10000001), 40),
		  "bits 28..31 set: never issued");
	TAP_CHECK(!isda_itt_in_range((__force itt_t)cpu_to_be32(0x0ffffff0), 40),
		  "the hostile target's 0x0ffffff0 is not ours");
	TAP_CHECK(!isda_itt_in_range(RESERVED_ITT, 40), "RESERVED_ITT is not a task's");
}

int main(void)
{
	printf("TAP version 13\n");
	test_burst();
	test_scsi_cmd();
	test_scsi_rsp();
	test_misc();
	test_reject();
	test_itt_range();
	return tap_done();
}
