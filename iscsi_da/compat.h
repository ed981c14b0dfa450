/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every kernel-version difference iscsi_da cares about, here only
 *
 * Built against Debian 12's 6.1 and 6.12 headers.  Keyed on the kernel
 * version (ISDA_KERNEL_VERSION is LINUX_VERSION_CODE without its sublevel).
 */
#ifndef ISDA_COMPAT_H
#define ISDA_COMPAT_H

#include <linux/version.h>
#include <linux/blkdev.h>
#include <scsi/scsi_host.h>

#define ISDA_KERNEL_VERSION \
	KERNEL_VERSION(LINUX_VERSION_MAJOR, LINUX_VERSION_PATCHLEVEL, 0)

/* 6.2 turned eh_timed_out's return into enum scsi_timeout_action. */
#if KERNEL_VERSION(6, 2, 0) <= ISDA_KERNEL_VERSION
#define isda_eh_timeout_ret_t	enum scsi_timeout_action
#define ISDA_EH_RESET_TIMER	SCSI_EH_RESET_TIMER
#define ISDA_EH_NOT_HANDLED	SCSI_EH_NOT_HANDLED
#else
#define isda_eh_timeout_ret_t	enum blk_eh_timer_return
#define ISDA_EH_RESET_TIMER	BLK_EH_RESET_TIMER
#define ISDA_EH_NOT_HANDLED	BLK_EH_DONE
#endif

#endif /* ISDA_COMPAT_H */
