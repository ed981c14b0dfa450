/* SPDX-License-Identifier: GPL-2.0-only */
/* Userspace shim: everything lives in linux/types.h. */
#include <linux/types.h>
