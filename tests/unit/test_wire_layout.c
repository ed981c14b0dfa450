// SPDX-License-Identifier: GPL-2.0-only
/*
 * The kernel's wire structures, read through the userspace shim, keep their
 * on-the-wire sizes and offsets.  Guards the shim every other unit test
 * relies on.
 */
// unit-sources:
#include <stddef.h>
#include <scsi/iscsi_proto.h>
#include <scsi/iser.h>
#include "tap.h"

int main(void)
{
	printf("TAP version 13\n");
	TAP_EQ(sizeof(struct iscsi_hdr), 48, "BHS is 48 bytes");
	TAP_EQ(sizeof(struct iscsi_scsi_req), 48, "SCSI Command BHS is 48 bytes");
	TAP_EQ(offsetof(struct iscsi_scsi_req, cdb), 32, "CDB at offset 32");
	TAP_EQ(offsetof(struct iscsi_hdr, itt), 16, "ITT at offset 16");
	TAP_EQ(sizeof(struct iser_ctrl), 28, "iSER header is 28 bytes");
	TAP_EQ(offsetof(struct iser_ctrl, read_stag), 16, "read STag at 16");
	TAP_EQ(sizeof(struct iser_cm_hdr), 4, "iSER CM private data is 4 bytes");
	return tap_done();
}
