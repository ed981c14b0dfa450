// SPDX-License-Identifier: GPL-2.0-only
/*
 * iser_dm/pagelist.c: which DMA segment lists one 4 KiB-page fast-reg MR
 * can describe, and how many pages they take.
 */
// unit-sources: iser_dm/pagelist.c
#include "../../iser_dm/pagelist.h"
#include "tap.h"

#define P 0x1000ULL

int main(void)
{
	struct iser_dm_seg one_aligned[] = { { 0x10000, 8192 } };
	struct iser_dm_seg one_unaligned[] = { { 0x10200, 4096 } };
	struct iser_dm_seg multi_ok[] = {
		{ 0x10800, P - 0x800 }, { 0x40000, P }, { 0x90000, 0x200 } };
	struct iser_dm_seg mid_unaligned[] = {
		{ 0x10000, P }, { 0x20200, P - 0x200 }, { 0x30000, P } };
	struct iser_dm_seg first_end_unaligned[] = {
		{ 0x10000, 0x800 }, { 0x20000, P } };
	struct iser_dm_seg contiguous_join[] = {
		{ 0x10000, 0x800 }, { 0x10800, 0x1000 } };
	struct iser_dm_seg empty_seg[] = { { 0x10000, P }, { 0x20000, 0 } };
	struct iser_dm_seg big[] = { { 0x100000, 128 * P } };
	struct iser_dm_seg big_unaligned[] = { { 0x100200, 128 * P } };
	struct iser_dm_pagelist pl;

	printf("TAP version 13\n");
	TAP_EQ(iser_dm_pagelist_count(one_aligned, 1, 12, 128), 2, "8k aligned: 2 pages");
	TAP_EQ(iser_dm_pagelist_count(one_unaligned, 1, 12, 128), 2,
	       "4k at offset 0x200 straddles 2 pages");
	TAP_EQ(iser_dm_pagelist_count(multi_ok, 3, 12, 128), 3,
	       "unaligned first start and last end: registrable");
	TAP_EQ(iser_dm_pagelist_count(mid_unaligned, 3, 12, 128), -EINVAL,
	       "middle segment starting mid-page is a gap");
	TAP_EQ(iser_dm_pagelist_count(first_end_unaligned, 2, 12, 128), -EINVAL,
	       "first segment ending mid-page before a non-contiguous one is a gap");
	TAP_EQ(iser_dm_pagelist_count(contiguous_join, 2, 12, 128), 2,
	       "DMA-contiguous unaligned join merges and shares its page");
	TAP_EQ(iser_dm_pagelist_count(empty_seg, 2, 12, 128), -EINVAL, "empty segment");
	TAP_EQ(iser_dm_pagelist_count(big, 1, 12, 128), 128, "512k aligned fills 128 pages");
	TAP_EQ(iser_dm_pagelist_count(big_unaligned, 1, 12, 128), -E2BIG,
	       "512k unaligned needs 129 pages: too many for 128");
	TAP_EQ(iser_dm_pagelist_count(big_unaligned, 1, 12, 129), 129,
	       "... and fits a 129-page MR");
	TAP_EQ(iser_dm_pagelist_count(one_aligned, 0, 12, 128), -EINVAL, "no segments");
	TAP_EQ(iser_dm_pagelist_count(one_aligned, 1, 16, 128), 1, "64k pages: 1 page");

	iser_dm_pagelist_init(&pl, 12, 2);
	TAP_EQ(iser_dm_pagelist_add(&pl, 0x1000, 0x1000), 0, "incremental: first page");
	TAP_EQ(iser_dm_pagelist_add(&pl, 0x5000, 0x1000), 0, "incremental: second page");
	TAP_EQ(iser_dm_pagelist_add(&pl, 0x9000, 0x10), -E2BIG, "incremental: overflow");
	TAP_EQ(pl.pages, 2, "failed add leaves the count alone");
	return tap_done();
}
