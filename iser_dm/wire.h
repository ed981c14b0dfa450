/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * wire.h - iSER wire formats: the iSER header, the CM private data and the
 * Data-Out BHS iser_dm builds for unsolicited data.  Pure functions, no
 * verbs: tests/unit/test_iser_wire.c compiles wire.c in userspace.
 */
#ifndef ISER_DM_WIRE_H
#define ISER_DM_WIRE_H

#include <linux/types.h>
#include <scsi/iscsi_proto.h>
#include <scsi/iser.h>

/* iSER header + BHS: the smallest PDU a SEND can carry. */
#define ISER_DM_HDRS_LEN	(sizeof(struct iser_ctrl) + sizeof(struct iscsi_hdr))

/**
 * struct iser_dm_stag - one advertised buffer (STag and tagged offset)
 * @valid: false when the direction carries no data
 * @stag: the MR's rkey
 * @va: the virtual address the peer uses (not zero based)
 */
struct iser_dm_stag {
	bool	valid;
	u32	stag;
	u64	va;
};

/**
 * struct iser_dm_peer_caps - what a peer declared in its CM private data
 * @present: the private data carried an iSER CM header at all
 * @zbva: the peer uses zero-based virtual addresses
 * @send_inv: the peer may answer with Send with Invalidate
 */
struct iser_dm_peer_caps {
	bool	present;
	bool	zbva;
	bool	send_inv;
};

/**
 * struct iser_dm_rx_pdu - a validated received iSER message
 * @hdr: the BHS (AHS follows)
 * @opcode: BHS opcode without the immediate bit
 * @ahs_len: bytes of AHS
 * @data: the data segment, or NULL
 * @dlength: DataSegmentLength
 * @why: when iser_dm_wire_parse_rx() refuses the message, what is wrong
 */
struct iser_dm_rx_pdu {
	struct iscsi_hdr	*hdr;
	u8			opcode;
	u32			ahs_len;
	void			*data;
	u32			dlength;
	const char		*why;
};

void iser_dm_wire_build_cm_req(struct iser_cm_hdr *cm, bool send_inv_ok);
void iser_dm_wire_parse_cm_rep(const void *priv, size_t len,
			       struct iser_dm_peer_caps *caps);
void iser_dm_wire_build_ctrl(struct iser_ctrl *ih, const struct iser_dm_stag *rd,
			     const struct iser_dm_stag *wr);
int iser_dm_wire_parse_rx(void *buf, u32 byte_len, struct iser_dm_rx_pdu *pdu);
const char *iser_dm_wire_check_opcode(u8 opcode, bool with_inv);
u32 iser_dm_wire_dataout_count(u32 immediate, u32 unsolicited, u32 max_xmit);
void iser_dm_wire_build_dataout(struct iscsi_data *d, const struct iscsi_hdr *cmd,
				u32 datasn, u32 offset, u32 len, bool final);

#endif /* ISER_DM_WIRE_H */
