/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Userspace shim.  glibc's <errno.h> includes <linux/errno.h> for the
 * E* numbers, which this file shadows: pull them in from the uapi header.
 */
#include <asm-generic/errno.h>
#include <linux/types.h>
