/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iSCSI sequence-number arithmetic (RFC 1982 serial numbers, 32 bit)
 *
 * CmdSN, ExpCmdSN, MaxCmdSN and StatSN all wrap at 2^32; RFC 3720 §3.2.2.1
 * compares them with serial-number arithmetic.  Pure logic: unit-tested in
 * userspace (tests/unit/test_iscsi_sn.c).
 */
#ifndef ISDA_SN_H
#define ISDA_SN_H

#include <linux/types.h>

/*
 * RFC 1982: s1 < s2 when (s2 - s1) mod 2^32 lies in [1, 2^31 - 1]; at a
 * distance of exactly 2^31 neither is less than the other.
 */
static inline bool isda_sn_lt(u32 s1, u32 s2)
{
	u32 d = s2 - s1;

	return d && d < 0x80000000u;
}

static inline bool isda_sn_gt(u32 s1, u32 s2)
{
	return isda_sn_lt(s2, s1);
}

static inline bool isda_sn_lte(u32 s1, u32 s2)
{
	return !isda_sn_gt(s1, s2);
}

/**
 * isda_sn_window_open() - may a non-immediate PDU with CmdSN @cmdsn go out?
 * @cmdsn: the CmdSN the next PDU would carry
 * @max_cmdsn: the target's current MaxCmdSN
 *
 * The window is open while CmdSN <= MaxCmdSN (serial); a MaxCmdSN of
 * ExpCmdSN - 1 closes it.
 */
static inline bool isda_sn_window_open(u32 cmdsn, u32 max_cmdsn)
{
	return isda_sn_lte(cmdsn, max_cmdsn);
}

/**
 * isda_sn_update() - apply ExpCmdSN/MaxCmdSN from a target response
 * @exp: the session's ExpCmdSN, updated in place
 * @max: the session's MaxCmdSN, updated in place
 * @new_exp: ExpCmdSN from the PDU
 * @new_max: MaxCmdSN from the PDU
 *
 * RFC 3720 §3.2.2.1: a PDU whose MaxCmdSN is below ExpCmdSN - 1 (serial)
 * carries no valid window and is ignored; otherwise each value only ever
 * moves forward, because responses may overtake each other.
 *
 * Return: true when the window changed.
 */
static inline bool isda_sn_update(u32 *exp, u32 *max, u32 new_exp, u32 new_max)
{
	bool changed = false;

	if (isda_sn_lt(new_max, new_exp - 1))
		return false;
	if (isda_sn_gt(new_exp, *exp)) {
		*exp = new_exp;
		changed = true;
	}
	if (isda_sn_gt(new_max, *max)) {
		*max = new_max;
		changed = true;
	}
	return changed;
}

#endif /* ISDA_SN_H */
