// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_iser_hdr - the input is one received SEND as the RQ buffer holds
 * it (iSER header, BHS, AHS, data segment, pad) and its length is the
 * completion's byte_len.  It goes through what iser_dm_rx_done() and
 * iser_dm_deliver() run (iser_dm_wire_parse_rx(), then
 * iser_dm_wire_check_opcode() with and without Send with Invalidate) and,
 * when accepted, through iscsi_da's Control_Notify checks.  The same bytes
 * are also parsed as CM REP private data.
 */
// fuzz-sources: iser_dm/wire.c iscsi_da/pdu.c
#include "fuzz.h"
#include "iser_dm/wire.h"

/*
 * The fuzzer's own list, on purpose: an oracle that shared
 * include/iscsi_dm_pdu.h with the code under test could not catch a wrong
 * entry there.
 */
static bool target_ctrl_opcode(u8 op)
{
	switch (op) {
	case ISCSI_OP_SCSI_CMD_RSP:
	case ISCSI_OP_NOOP_IN:
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

static void fuzz_cm_rep(const u8 *data, size_t size)
{
	struct iser_dm_peer_caps caps;

	iser_dm_wire_parse_cm_rep(size ? data : NULL, size, &caps);
	FUZZ_ASSERT(caps.present == (size >= sizeof(struct iser_cm_hdr)));
	if (!caps.present)
		FUZZ_ASSERT(!caps.zbva && !caps.send_inv);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct iser_dm_rx_pdu pdu;
	const char *why, *why_inv;
	u8 *buf;
	u32 byte_len;
	int ret;

	fuzz_cm_rep(data, size);

	/* A receive completion reports at most a posted buffer's length. */
	if (size > ISER_DM_HDRS_LEN + 1020 + 2 * FUZZ_MAX_LOGIN_DATA)
		return 0;
	byte_len = size;
	/* kmalloc'ed in the module: an exactly sized heap copy here */
	buf = malloc(size ? size : 1);
	FUZZ_ASSERT(buf);
	memcpy(buf, data, size);

	ret = iser_dm_wire_parse_rx(buf, byte_len, &pdu);
	if (ret) {
		FUZZ_ASSERT(ret == -EPROTO);
		FUZZ_ASSERT(pdu.why);	/* the log line must say what is wrong */
		goto out;
	}
	FUZZ_ASSERT(!pdu.why);
	/* An accepted message lies inside what arrived. */
	FUZZ_ASSERT(byte_len >= ISER_DM_HDRS_LEN);
	FUZZ_ASSERT((buf[0] & 0xf0) == ISCSI_CTRL);
	FUZZ_ASSERT((u8 *)pdu.hdr == buf + sizeof(struct iser_ctrl));
	FUZZ_ASSERT(pdu.opcode == (pdu.hdr->opcode & ISCSI_OPCODE_MASK));
	FUZZ_ASSERT(pdu.ahs_len == pdu.hdr->hlength * 4u);
	FUZZ_ASSERT(pdu.dlength == ntoh24(pdu.hdr->dlength));
	FUZZ_ASSERT(ISER_DM_HDRS_LEN + pdu.ahs_len + pdu.dlength <= byte_len);
	FUZZ_ASSERT(byte_len - (ISER_DM_HDRS_LEN + pdu.ahs_len + pdu.dlength) <= 3);
	FUZZ_ASSERT(!pdu.dlength == !pdu.data);
	if (pdu.data) {
		FUZZ_ASSERT((u8 *)pdu.data == buf + ISER_DM_HDRS_LEN + pdu.ahs_len);
		FUZZ_ASSERT((u8 *)pdu.data + pdu.dlength <= buf + byte_len);
	}
	fuzz_touch(pdu.hdr, sizeof(*pdu.hdr) + pdu.ahs_len);
	fuzz_touch(pdu.data, pdu.dlength);

	why = iser_dm_wire_check_opcode(pdu.opcode, false);
	why_inv = iser_dm_wire_check_opcode(pdu.opcode, true);
	FUZZ_ASSERT(!why == target_ctrl_opcode(pdu.opcode));
	FUZZ_ASSERT(!why_inv == (pdu.opcode == ISCSI_OP_SCSI_CMD_RSP));
	if (why)
		goto out;

	/* Login phase: everything is relayed to iscsid (BHS + data). */
	fuzz_touch(pdu.hdr, sizeof(*pdu.hdr));
	fuzz_touch(pdu.data, pdu.dlength);
	/*
	 * Full Feature Phase: what iser_dm accepts iscsi_da must accept too
	 * (iscsi_dm_control_notify() passes max_recv 0).  The BHS's ITT
	 * stands in for the EDTL of the command it names.
	 */
	ret = fuzz_iscsi_rx(pdu.hdr, pdu.data, pdu.dlength,
			    be32_to_cpu((__force __be32)pdu.hdr->itt), 0);
	FUZZ_ASSERT(ret == 0);
out:
	free(buf);
	return 0;
}
