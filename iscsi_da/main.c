// SPDX-License-Identifier: GPL-2.0-only
/*
 * Module init and exit of iscsi_da
 *
 * iscsi_da is the iSCSI layer of the RFC 5047 Datamover Architecture: it
 * owns sessions, connections, tasks and the SCSI host, and moves every PDU
 * through a datamover registered with iscsi_dm_register() (include/iscsi_dm.h).
 * It registers nothing by itself: a transport appears in
 * /sys/class/iscsi_transport when a datamover registers.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "iscsi_da.h"
#include "iscsi_dm_fault.h"

DEFINE_ISCSI_DM_FAULT(isda);

static int __init isda_init(void)
{
	pr_info("iSCSI Datamover Architecture layer loaded (DI v%u)\n",
		ISCSI_DM_API_VERSION);
	isda_debugfs_init();
	return 0;
}

static void __exit isda_exit(void)
{
	isda_registry_exit();
	isda_debugfs_exit();
}

module_init(isda_init);
module_exit(isda_exit);

MODULE_DESCRIPTION("iSCSI initiator layer on the RFC 5047 Datamover Architecture");
MODULE_LICENSE("GPL");
