// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_iscsi_pdu - iscsi_da's side of Control_Notify, independent of the
 * datamover: the input is EDTL (4 bytes, big endian), MaxRecvDSL (4
 * bytes, big endian, 0 = unchecked), a 48-byte BHS and the data segment
 * (the rest, of any length: a datamover's len need not match
 * DataSegmentLength).  It runs isda_pdu_check_rx() and, for an accepted
 * PDU, the SCSI Response, NOP-In and Reject parsing iscsi_da does.
 */
// fuzz-sources: iscsi_da/pdu.c
#include "fuzz.h"

#define FUZZ_PREFIX	8

int LLVMFuzzerTestOneInput(const u8 *in, size_t size)
{
	struct iscsi_hdr *hdr;
	u32 edtl, max_recv, len;
	u8 *data = NULL;

	if (size < FUZZ_PREFIX + sizeof(*hdr))
		return 0;
	edtl = get_unaligned_be32(in);
	max_recv = get_unaligned_be32(in + 4);
	in += FUZZ_PREFIX;
	size -= FUZZ_PREFIX;

	/* Separate, exactly sized heap copies: any overread hits a redzone. */
	hdr = malloc(sizeof(*hdr));
	FUZZ_ASSERT(hdr);
	memcpy(hdr, in, sizeof(*hdr));
	len = size - sizeof(*hdr);
	if (len) {
		data = malloc(len);
		FUZZ_ASSERT(data);
		memcpy(data, in + sizeof(*hdr), len);
	}

	if (!fuzz_iscsi_rx(hdr, data, len, edtl, max_recv))
		FUZZ_ASSERT(len == ntoh24(hdr->dlength));

	free(data);
	free(hdr);
	return 0;
}
