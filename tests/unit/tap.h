/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * tap.h - a tiny TAP producer for the userspace unit tests.
 *
 * The protocol-logic files of iscsi_da/ and iser_dm/ are compiled unchanged
 * against the kernel-header shim in shim/, so Debian's kernel (no KUnit)
 * is not needed to test them.  Each test binary prints TAP version 13 and
 * exits non-zero when any check failed.
 */
#ifndef UNIT_TAP_H
#define UNIT_TAP_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

#define TAP_CHECK(cond, ...) do {					\
	tap_n++;							\
	if (cond) {							\
		printf("ok %d - ", tap_n);				\
	} else {							\
		tap_failed++;						\
		printf("not ok %d - ", tap_n);				\
	}								\
	printf(__VA_ARGS__);						\
	printf("\n");							\
	if (!(cond))							\
		printf("#   failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
} while (0)

#define TAP_EQ(a, b, ...) do {						\
	unsigned long long _a = (unsigned long long)(a);		\
	unsigned long long _b = (unsigned long long)(b);		\
	TAP_CHECK(_a == _b, __VA_ARGS__);				\
	if (_a != _b)							\
		printf("#   got 0x%llx, want 0x%llx\n", _a, _b);	\
} while (0)

static inline int tap_done(void)
{
	printf("1..%d\n", tap_n);
	if (tap_failed)
		printf("# %d of %d checks failed\n", tap_failed, tap_n);
	return tap_failed ? 1 : 0;
}

#endif
