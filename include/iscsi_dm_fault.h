/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Allocation fault injection for iscsi_da and iser_dm: a test hook.
 *
 * Each module has a parameter fail_alloc (root only).  Writing N to
 * /sys/module/MODULE/parameters/fail_alloc arms it: the Nth allocation
 * made from then on through one of the module's fault sites fails, once,
 * with a log line naming the site; reading the parameter shows how many
 * sites are left to pass before that (0: disarmed).  Sites are the
 * connection and session setup allocations, never the I/O path; an
 * allocation made in a loop is a site once, at its middle iteration, so
 * that the partial unwind is what gets exercised.
 *
 * Debian's kernels have no CONFIG_FAULT_INJECTION, so this cannot be a
 * fault_attr; tests/vm/ours-fault-alloc.sh walks N = 1, 2, ... through a
 * login, I/O and logout until a round passes without the fault firing.
 *
 * Built only with "make FAULT_INJECT=1" (ISCSI_DM_FAULT_INJECT; the test
 * suite's VM builds).  Otherwise there is no parameter, and each
 * module's PREFIX_fault() is a stub that returns false.
 */
#ifndef ISCSI_DM_FAULT_H
#define ISCSI_DM_FAULT_H

#ifdef ISCSI_DM_FAULT_INJECT

#include <linux/atomic.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>
#include <linux/sysfs.h>

/**
 * iscsi_dm_fault_hit() - count one pass through a fault site
 * @left: the module's countdown
 * @site: what the site allocates, for the log line
 *
 * The line carries the module's name through its pr_fmt.
 *
 * Return: true if this allocation is to fail.
 */
static inline bool iscsi_dm_fault_hit(atomic_t *left, const char *site)
{
	if (likely(atomic_read(left) <= 0))
		return false;
	if (atomic_dec_if_positive(left) != 0)
		return false;
	pr_warn("fault injection: failing the allocation of %s\n", site);
	return true;
}

static inline int iscsi_dm_fault_param_set(atomic_t *left, const char *val)
{
	unsigned int n;
	int ret;

	ret = kstrtouint(val, 0, &n);
	if (ret)
		return ret;
	if (n > INT_MAX)
		return -ERANGE;
	atomic_set(left, n);
	return 0;
}

static inline int iscsi_dm_fault_param_get(atomic_t *left, char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(left));
}

/**
 * DEFINE_ISCSI_DM_FAULT() - the fail_alloc parameter and PREFIX_fault()
 * @prefix: the module's symbol prefix; defines bool PREFIX_fault(site)
 *
 * Used once per module, in its main.c.
 */
#define DEFINE_ISCSI_DM_FAULT(prefix)					\
static atomic_t prefix##_fault_left = ATOMIC_INIT(0);			\
static int prefix##_fault_set(const char *val,				\
			      const struct kernel_param *kp)		\
{									\
	return iscsi_dm_fault_param_set(&prefix##_fault_left, val);	\
}									\
static int prefix##_fault_get(char *buf, const struct kernel_param *kp) \
{									\
	return iscsi_dm_fault_param_get(&prefix##_fault_left, buf);	\
}									\
static const struct kernel_param_ops prefix##_fault_ops = {		\
	.set = prefix##_fault_set,					\
	.get = prefix##_fault_get,					\
};									\
module_param_cb(fail_alloc, &prefix##_fault_ops, NULL, 0600);		\
MODULE_PARM_DESC(fail_alloc,						\
		 "Test hook: fail the Nth setup allocation from now, once (0: off)"); \
bool prefix##_fault(const char *site)					\
{									\
	return iscsi_dm_fault_hit(&prefix##_fault_left, site);		\
}

#else /* !ISCSI_DM_FAULT_INJECT */

#include <linux/types.h>

#define DEFINE_ISCSI_DM_FAULT(prefix)					\
bool prefix##_fault(const char *site)					\
{									\
	return false;							\
}

#endif /* ISCSI_DM_FAULT_INJECT */

#endif /* ISCSI_DM_FAULT_H */
