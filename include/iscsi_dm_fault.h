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
 * The same build has a second hook, for race windows: hold_window names a
 * window (a point in the code where another context can act on the same
 * object, such as a command whose keys are registered but not yet posted)
 * and hold_ms a time (default 2000).  The next pass through that window
 * waits there for hold_ms, once, between two log lines naming what is in
 * it (the ITT, or the session id): "fault injection: holding 0x... in
 * window W for N ms" and "fault injection: released 0x... from window W".
 * A test arms it, waits for the first line and acts (a forged response,
 * rdma link delete) while the window is open: what a preempted vCPU or a
 * slow CPU does by chance.
 * The windows are listed in Documentation/reliability.rst.
 *
 * Built only with "make FAULT_INJECT=1" (ISCSI_DM_FAULT_INJECT; the test
 * suite's VM builds).  Otherwise there are no parameters, each module's
 * PREFIX_fault() is a stub that returns false; the modules' headers make
 * PREFIX_hold() an empty inline, so the I/O path pays nothing.
 */
#ifndef ISCSI_DM_FAULT_H
#define ISCSI_DM_FAULT_H

#ifdef ISCSI_DM_FAULT_INJECT

#include <linux/atomic.h>
#include <linux/bottom_half.h>
#include <linux/delay.h>
#include <linux/processor.h>
#include <linux/irqflags.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/nmi.h>
#include <linux/spinlock.h>
#include <linux/string.h>
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

/* The armed window (empty: none) and how long a pass through it waits. */
struct iscsi_dm_hold {
	spinlock_t lock;	/* protects window */
	char window[32];
	unsigned int ms;
};

static inline int iscsi_dm_hold_param_set(struct iscsi_dm_hold *h, const char *val)
{
	char name[sizeof(h->window)];
	unsigned long flags;

	if (strscpy(name, val, sizeof(name)) < 0)
		return -E2BIG;
	spin_lock_irqsave(&h->lock, flags);
	strscpy(h->window, strim(name), sizeof(h->window));
	spin_unlock_irqrestore(&h->lock, flags);
	return 0;
}

static inline int iscsi_dm_hold_param_get(struct iscsi_dm_hold *h, char *buf)
{
	unsigned long flags;
	int n;

	spin_lock_irqsave(&h->lock, flags);
	n = sysfs_emit(buf, "%s\n", h->window);
	spin_unlock_irqrestore(&h->lock, flags);
	return n;
}

/**
 * iscsi_dm_hold_at() - wait in a race window if a test armed it
 * @h: the module's hold state
 * @window: the window's name
 * @id: what is in the window, for the log lines: the ITT, or the session id
 * @can_sleep: the caller may sleep; otherwise the wait spins
 *
 * Disarms the window before waiting, so one pass waits.
 */
static inline void iscsi_dm_hold_at(struct iscsi_dm_hold *h, const char *window,
				    u32 id, bool can_sleep)
{
	unsigned long flags;
	unsigned int ms = 0;
	ktime_t end;

	if (likely(!READ_ONCE(h->window[0])))
		return;
	spin_lock_irqsave(&h->lock, flags);
	if (!strcmp(h->window, window)) {
		h->window[0] = '\0';
		ms = h->ms;
	}
	spin_unlock_irqrestore(&h->lock, flags);
	if (!ms)
		return;
	pr_warn("fault injection: holding %#x in window %s for %u ms\n",
		id, window, ms);
	if (can_sleep) {
		msleep(ms);
	} else {
		/*
		 * Inside a spinlock taken with interrupts off (queuecommand's
		 * session lock): let hard interrupts in, or every other CPU
		 * soon waits for this one (TLB shootdowns, cross calls) and
		 * nothing can act in the window.  Softirqs stay off: they may
		 * want the lock held here.
		 */
		bool irqs_off = irqs_disabled();

		if (irqs_off) {
			local_bh_disable();
			local_irq_enable();
		}
		/* By the clock: under emulation mdelay()'s loops run short. */
		end = ktime_add_ms(ktime_get(), ms);
		while (ktime_before(ktime_get(), end)) {
			cpu_relax();
			touch_nmi_watchdog();
		}
		if (irqs_off) {
			local_irq_disable();
			_local_bh_enable();
		}
	}
	pr_warn("fault injection: released %#x from window %s\n", id, window);
}

/**
 * DEFINE_ISCSI_DM_FAULT() - the test hooks' parameters and functions
 * @prefix: the module's symbol prefix; defines bool PREFIX_fault(site)
 *	and void PREFIX_hold(window, id, can_sleep)
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
}									\
static struct iscsi_dm_hold prefix##_hold_state = {			\
	.lock = __SPIN_LOCK_UNLOCKED(prefix##_hold_state.lock),		\
	.ms = 2000,							\
};									\
static int prefix##_hold_set(const char *val,				\
			     const struct kernel_param *kp)		\
{									\
	return iscsi_dm_hold_param_set(&prefix##_hold_state, val);	\
}									\
static int prefix##_hold_get(char *buf, const struct kernel_param *kp) \
{									\
	return iscsi_dm_hold_param_get(&prefix##_hold_state, buf);	\
}									\
static const struct kernel_param_ops prefix##_hold_ops = {		\
	.set = prefix##_hold_set,					\
	.get = prefix##_hold_get,					\
};									\
module_param_cb(hold_window, &prefix##_hold_ops, NULL, 0600);		\
MODULE_PARM_DESC(hold_window,						\
		 "Test hook: hold the next pass through this window for hold_ms, once"); \
module_param_named(hold_ms, prefix##_hold_state.ms, uint, 0600);	\
MODULE_PARM_DESC(hold_ms, "Test hook: how long hold_window holds (ms, default 2000)"); \
void prefix##_hold(const char *window, u32 id, bool can_sleep)	\
{									\
	iscsi_dm_hold_at(&prefix##_hold_state, window, id, can_sleep);	\
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
