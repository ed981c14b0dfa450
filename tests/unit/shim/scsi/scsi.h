/* SPDX-License-Identifier: GPL-2.0-only */
/* Userspace shim for <scsi/scsi.h>: only what iscsi_proto.h needs. */
#ifndef UNIT_SHIM_SCSI_H
#define UNIT_SHIM_SCSI_H
#include <linux/types.h>

#define SCSI_MAX_VARLEN_CDB_SIZE 260

struct scsi_lun {
	u8 scsi_lun[8];
};
#endif
