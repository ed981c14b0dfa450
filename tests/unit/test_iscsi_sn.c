// SPDX-License-Identifier: GPL-2.0-only
/*
 * Serial-number arithmetic (RFC 1982) and the CmdSN window of iscsi_da:
 * comparisons across the 2^32 wrap, window open/closed, and which
 * ExpCmdSN/MaxCmdSN updates are accepted (RFC 7143 §4.2.2.1).
 */
// unit-sources:
#include <linux/types.h>
#include "../../iscsi_da/sn.h"
#include "tap.h"

int main(void)
{
	u32 exp, max;
	bool changed;

	printf("TAP version 13\n");

	TAP_CHECK(isda_sn_lt(1, 2), "1 < 2");
	TAP_CHECK(!isda_sn_lt(2, 1), "not 2 < 1");
	TAP_CHECK(!isda_sn_lt(5, 5), "not 5 < 5");
	TAP_CHECK(isda_sn_lt(0xfffffff0u, 0x10), "wrap: 0xfffffff0 < 0x10");
	TAP_CHECK(isda_sn_gt(0x10, 0xfffffff0u), "wrap: 0x10 > 0xfffffff0");
	TAP_CHECK(isda_sn_lt(0xffffffffu, 0), "wrap: 0xffffffff < 0");
	TAP_CHECK(isda_sn_lte(7, 7), "7 <= 7");
	TAP_CHECK(!isda_sn_gt(0x80000000u, 0) && !isda_sn_lt(0x80000000u, 0) &&
		  !isda_sn_gt(0, 0x80000000u),
		  "distance 2^31 is neither less nor greater");

	TAP_CHECK(isda_sn_window_open(10, 10), "window open at CmdSN == MaxCmdSN");
	TAP_CHECK(!isda_sn_window_open(11, 10), "window closed at CmdSN == MaxCmdSN + 1");
	TAP_CHECK(isda_sn_window_open(0xffffffffu, 2), "window open across wrap");
	TAP_CHECK(!isda_sn_window_open(3, 0xfffffffeu), "window closed across wrap");

	exp = 100; max = 131;
	changed = isda_sn_update(&exp, &max, 101, 132);
	TAP_CHECK(changed, "forward update accepted");
	TAP_EQ(exp, 101, "ExpCmdSN advanced");
	TAP_EQ(max, 132, "MaxCmdSN advanced");
	changed = isda_sn_update(&exp, &max, 99, 120);
	TAP_CHECK(!changed, "stale (older) values ignored");
	TAP_EQ(exp, 101, "ExpCmdSN did not move back");
	TAP_EQ(max, 132, "MaxCmdSN did not move back");
	changed = isda_sn_update(&exp, &max, 200, 150);
	TAP_CHECK(!changed,
		  "MaxCmdSN < ExpCmdSN - 1 is an invalid window, ignored");
	TAP_EQ(exp, 101, "ExpCmdSN unchanged by invalid window");
	changed = isda_sn_update(&exp, &max, 133, 132);
	TAP_CHECK(changed,
		  "MaxCmdSN == ExpCmdSN - 1 (closed window) is valid");
	TAP_EQ(exp, 133, "ExpCmdSN taken from closed-window PDU");
	TAP_CHECK(!isda_sn_window_open(133, max), "and the window is closed");

	exp = 0xfffffffeu; max = 0xffffffffu;
	changed = isda_sn_update(&exp, &max, 1, 20);
	TAP_CHECK(changed, "update across wrap");
	TAP_EQ(exp, 1, "ExpCmdSN wrapped");
	TAP_EQ(max, 20, "MaxCmdSN wrapped");

	return tap_done();
}
