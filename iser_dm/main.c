// SPDX-License-Identifier: GPL-2.0-only
/* placeholder, replaced by the iscsi_da implementation */
#include <linux/module.h>
MODULE_LICENSE("GPL");
