/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Building and parsing iSCSI PDUs (pure protocol logic)
 *
 * Nothing here touches a kernel object: the functions take plain values and
 * buffers so tests/unit/test_iscsi_pdu.c can exercise them in userspace.
 */
#ifndef ISDA_PDU_H
#define ISDA_PDU_H

#include <linux/types.h>
#include <scsi/iscsi_proto.h>

/*
 * ITT layout: bits 0..15 task index (blk-mq tag, or cmds_max + management
 * slot), bits 16..27 an age that changes on every reuse of the index, so a
 * late response for an earlier use of the same index is recognised as
 * stale.  Bits 28..31 stay zero, so an ITT never equals RESERVED_ITT.
 */
#define ISDA_ITT_INDEX_BITS	16
#define ISDA_ITT_AGE_BITS	12
#define ISDA_ITT_INDEX_MASK	((1U << ISDA_ITT_INDEX_BITS) - 1)
#define ISDA_ITT_AGE_MASK	((1U << ISDA_ITT_AGE_BITS) - 1)

static inline itt_t isda_itt_build(u32 index, u32 age)
{
	return (__force itt_t)cpu_to_be32(((age & ISDA_ITT_AGE_MASK) <<
					   ISDA_ITT_INDEX_BITS) |
					  (index & ISDA_ITT_INDEX_MASK));
}

static inline u32 isda_itt_index(itt_t itt)
{
	return be32_to_cpu((__force __be32)itt) & ISDA_ITT_INDEX_MASK;
}

/**
 * isda_itt_in_range() - could this session ever have issued @itt?
 * @itt: the ITT from a PDU, as on the wire
 * @ntasks: task indices in use (SCSI commands plus management slots)
 *
 * An ITT with an index past @ntasks, or any of bits 28..31 set, was never
 * ours: a target that answers it is broken.  One in range may still be a
 * late or duplicate answer for an earlier use of its index.
 *
 * Return: true if @itt has the shape of an ITT we build.
 */
static inline bool isda_itt_in_range(itt_t itt, u32 ntasks)
{
	u32 v = be32_to_cpu((__force __be32)itt);

	return !(v >> (ISDA_ITT_INDEX_BITS + ISDA_ITT_AGE_BITS)) &&
	       (v & ISDA_ITT_INDEX_MASK) < ntasks;
}

/* Largest CDB that fits ISCSI_DM_MAX_HDR_LEN: 16 in the BHS, 60 in the AHS. */
#define ISDA_MAX_CDB_LEN	76

/**
 * struct isda_burst_params - the negotiated keys that shape unsolicited data
 * @immediate_data: ImmediateData=Yes
 * @initial_r2t: InitialR2T=Yes
 * @first_burst: FirstBurstLength
 * @max_xmit_dlength: MaxXmitDataSegmentLength (the target's MaxRecvDSL)
 */
struct isda_burst_params {
	bool	immediate_data;
	bool	initial_r2t;
	u32	first_burst;
	u32	max_xmit_dlength;
};

/**
 * struct isda_scsi_cmd_desc - what a SCSI Command PDU says
 * @lun: the LUN, already in SAM encoding
 * @cdb: the CDB
 * @cdb_len: its length (<= ISDA_MAX_CDB_LEN)
 * @attr: ISCSI_ATTR_* task attribute
 * @read: data flows from the target
 * @write: data flows to the target
 * @edtl: Expected Data Transfer Length
 * @itt: the task's ITT
 * @cmdsn: CmdSN
 * @exp_statsn: ExpStatSN
 * @immediate: bytes of immediate data in the PDU's data segment
 * @unsolicited: immediate plus unsolicited Data-Out bytes
 */
struct isda_scsi_cmd_desc {
	const u8	*lun;
	const u8	*cdb;
	u16		cdb_len;
	u8		attr;
	bool		read;
	bool		write;
	u32		edtl;
	itt_t		itt;
	u32		cmdsn;
	u32		exp_statsn;
	u32		immediate;
	u32		unsolicited;
};

/**
 * enum isda_rsp_verdict - what a SCSI Response means for the command
 * @ISDA_RSP_OK: the target completed the command; status is valid
 * @ISDA_RSP_TARGET_FAILURE: iSCSI Response field says the target failed
 * @ISDA_RSP_MALFORMED: the PDU contradicts itself (bad sense or residual)
 */
enum isda_rsp_verdict {
	ISDA_RSP_OK,
	ISDA_RSP_TARGET_FAILURE,
	ISDA_RSP_MALFORMED,
};

/**
 * struct isda_rsp_result - a parsed SCSI Response
 * @verdict: see &enum isda_rsp_verdict
 * @status: SCSI status byte
 * @resid: residual to report to the midlayer (underflow only)
 * @overflow: the target had more data than EDTL
 * @sense: sense bytes inside the PDU's data segment, or NULL
 * @sense_len: bytes at @sense
 */
struct isda_rsp_result {
	enum isda_rsp_verdict	verdict;
	u8			status;
	u32			resid;
	bool			overflow;
	const u8		*sense;
	u16			sense_len;
};

void isda_pdu_burst_sizes(const struct isda_burst_params *p, bool write,
			  u32 edtl, u32 *immediate, u32 *unsolicited);
int isda_pdu_build_scsi_cmd(void *buf, size_t buflen,
			    const struct isda_scsi_cmd_desc *d);
void isda_pdu_parse_scsi_rsp(const struct iscsi_scsi_rsp *rsp,
			     const u8 *data, u32 len, u32 edtl,
			     struct isda_rsp_result *res);
void isda_pdu_build_nop_out(struct iscsi_nopout *hdr, itt_t itt, __be32 ttt,
			    const struct scsi_lun *lun, u32 cmdsn,
			    u32 exp_statsn, u32 dlength);
void isda_pdu_build_tmf(struct iscsi_tm *hdr, u8 func, const u8 *lun,
			itt_t itt, itt_t rtt, u32 cmdsn, u32 exp_statsn,
			u32 refcmdsn);
int isda_pdu_check_rx(const struct iscsi_hdr *hdr, u32 len, u32 max_recv);
const struct iscsi_hdr *isda_pdu_rejected_hdr(const void *data, u32 len);
bool isda_pdu_login_is_final(const struct iscsi_hdr *hdr);
bool isda_pdu_has_statsn(const struct iscsi_hdr *hdr);

#endif /* ISDA_PDU_H */
