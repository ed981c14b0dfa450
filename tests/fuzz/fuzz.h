/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared by the libFuzzer harnesses: an assertion that crashes
 * (so libFuzzer keeps the input), and what iscsi_da does with a control
 * PDU the datamover hands up in Full Feature Phase (iscsi_da/recv.c,
 * host.c, nop.c), reduced to the real pure functions of iscsi_da/pdu.c
 * plus the bounded copies the module makes around them.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stdio.h>
#include <stdlib.h>
#include <linux/types.h>
#include <scsi/iscsi_proto.h>
#include "iscsi_da/pdu.h"

#define FUZZ_ASSERT(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "FUZZ_ASSERT failed: %s (%s:%d)\n",	\
			#cond, __FILE__, __LINE__);			\
		abort();						\
	}								\
} while (0)

/*
 * Every byte a parser hands out is read through here, so ASan sees it; a
 * global the compiler must store keeps the reads.
 */
u8 fuzz_sink;

static inline void fuzz_touch(const void *p, size_t len)
{
	const u8 *b = p;
	u8 x = 0;
	size_t i;

	for (i = 0; i < len; i++)
		x ^= b[i];
	fuzz_sink ^= x;
}

/* ISCSI_DM_MAX_LOGIN_DATA (include/iscsi_dm.h needs kernel headers) */
#define FUZZ_MAX_LOGIN_DATA	8192

/* SCSI_SENSE_BUFFERSIZE, as host.c copies sense into sc->sense_buffer. */
#define FUZZ_SENSE_BUFFERSIZE	96
#define FUZZ_SAM_STAT_CHECK_CONDITION	0x02

static inline void fuzz_scsi_rsp(const struct iscsi_hdr *hdr, const u8 *data,
				 u32 len, u32 edtl)
{
	const struct iscsi_scsi_rsp *rsp = (const void *)hdr;
	u8 sense_buffer[FUZZ_SENSE_BUFFERSIZE];
	struct isda_rsp_result res;

	isda_pdu_parse_scsi_rsp(rsp, data, len, edtl, &res);
	FUZZ_ASSERT(res.status == rsp->cmd_status);
	switch (res.verdict) {
	case ISDA_RSP_OK:
		FUZZ_ASSERT(rsp->response == ISCSI_STATUS_CMD_COMPLETED);
		FUZZ_ASSERT(res.resid <= edtl);
		if (rsp->flags & ISCSI_FLAG_CMD_UNDERFLOW) {
			FUZZ_ASSERT(!(rsp->flags & ISCSI_FLAG_CMD_OVERFLOW));
			FUZZ_ASSERT(res.resid == be32_to_cpu(rsp->residual_count));
		} else {
			FUZZ_ASSERT(res.resid == 0);
		}
		FUZZ_ASSERT(res.overflow == !!(rsp->flags & ISCSI_FLAG_CMD_OVERFLOW));
		if (res.sense) {
			FUZZ_ASSERT(res.status == FUZZ_SAM_STAT_CHECK_CONDITION);
			FUZZ_ASSERT(data && len >= 2);
			FUZZ_ASSERT(res.sense == data + 2);
			FUZZ_ASSERT(res.sense_len && res.sense_len <= len - 2);
			/* host.c: the copy into the midlayer's sense buffer */
			memcpy(sense_buffer, res.sense,
			       min_t(u16, res.sense_len, FUZZ_SENSE_BUFFERSIZE));
			fuzz_touch(sense_buffer, min_t(u16, res.sense_len,
						       FUZZ_SENSE_BUFFERSIZE));
			fuzz_touch(res.sense, res.sense_len);
		} else {
			FUZZ_ASSERT(res.sense_len == 0);
		}
		break;
	case ISDA_RSP_TARGET_FAILURE:
		FUZZ_ASSERT(rsp->response != ISCSI_STATUS_CMD_COMPLETED);
		FUZZ_ASSERT(!res.sense && !res.resid);
		break;
	case ISDA_RSP_MALFORMED:
		FUZZ_ASSERT(rsp->response == ISCSI_STATUS_CMD_COMPLETED);
		FUZZ_ASSERT(!res.resid);
		break;
	default:
		FUZZ_ASSERT(!"verdict out of range");
	}
}

/* nop.c: a target ping is answered with its data echoed back. */
static inline void fuzz_nop_in(const struct iscsi_hdr *hdr, const u8 *data, u32 len)
{
	const struct iscsi_nopin *in = (const void *)hdr;
	static u8 mt_data[FUZZ_MAX_LOGIN_DATA];
	struct iscsi_nopout out;

	if (in->itt != RESERVED_ITT) {
		(void)isda_itt_index(in->itt);
		fuzz_touch(data, len);		/* relayed to iscsid */
		return;
	}
	if (in->ttt == cpu_to_be32(ISCSI_RESERVED_TAG))
		return;
	len = min_t(u32, len, FUZZ_MAX_LOGIN_DATA);
	if (len)
		memcpy(mt_data, data, len);
	isda_pdu_build_nop_out(&out, RESERVED_ITT, in->ttt, &in->lun, 0, 0, len);
	FUZZ_ASSERT(ntoh24(out.dlength) == len);
	FUZZ_ASSERT(out.ttt == in->ttt);
	FUZZ_ASSERT(!memcmp(&out.lun, &in->lun, sizeof(out.lun)));
}

/**
 * fuzz_iscsi_rx() - iscsi_dm_control_notify() in Full Feature Phase
 * @hdr: the BHS (48 bytes readable)
 * @data: the data segment, or NULL
 * @len: bytes at @data
 * @edtl: EDTL of the command a SCSI Response would complete
 * @max_recv: MaxRecvDataSegmentLength to check against, 0 for none
 *
 * Return: 0 if iscsi_da accepts the PDU, -EPROTO otherwise.
 */
static inline int fuzz_iscsi_rx(const struct iscsi_hdr *hdr, const u8 *data,
				u32 len, u32 edtl, u32 max_recv)
{
	const struct iscsi_hdr *bad;
	int ret;

	ret = isda_pdu_check_rx(hdr, len, max_recv);
	if (ret) {
		FUZZ_ASSERT(ret == -EPROTO);
		return ret;
	}
	FUZZ_ASSERT(ntoh24(hdr->dlength) == len);
	FUZZ_ASSERT(!max_recv || len <= max_recv);
	FUZZ_ASSERT(!len || data);
	(void)isda_pdu_has_statsn(hdr);

	switch (hdr->opcode & ISCSI_OPCODE_MASK) {
	case ISCSI_OP_SCSI_CMD_RSP:
		fuzz_scsi_rsp(hdr, data, len, edtl);
		break;
	case ISCSI_OP_NOOP_IN:
		fuzz_nop_in(hdr, data, len);
		break;
	case ISCSI_OP_REJECT:
		bad = isda_pdu_rejected_hdr(data, len);
		if (bad) {
			FUZZ_ASSERT(len >= sizeof(*bad) && (const u8 *)bad == data);
			fuzz_touch(bad, sizeof(*bad));
			(void)isda_itt_index(bad->itt);
		} else {
			FUZZ_ASSERT(len < sizeof(struct iscsi_hdr));
		}
		break;
	case ISCSI_OP_SCSI_TMFUNC_RSP:
		(void)isda_itt_index(hdr->itt);
		break;
	case ISCSI_OP_TEXT_RSP:
	case ISCSI_OP_LOGOUT_RSP:
	case ISCSI_OP_ASYNC_EVENT:
		/* relayed to iscsid by iscsi_recv_pdu(): BHS + data copied */
		fuzz_touch(hdr, sizeof(*hdr));
		fuzz_touch(data, len);
		break;
	case ISCSI_OP_LOGIN_RSP:
		/* a protocol error in FFP (recv.c's default case) */
		break;
	default:
		FUZZ_ASSERT(!"isda_pdu_check_rx() passed a non-target opcode");
	}
	return 0;
}

#endif /* FUZZ_H */
