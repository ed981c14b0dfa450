// SPDX-License-Identifier: GPL-2.0-only
/*
 * fuzz_iser_pagelist - the fast-reg page-list check memory.c runs on every
 * DMA-mapped scatterlist before ib_map_mr_sg().  The input is the MR page
 * shift (1 byte, folded into 9..16), the page-list capacity (2 bytes, big
 * endian) and segments of 12 bytes each (DMA address: 8 bytes big endian,
 * folded below 2^52 as DMA addresses are; length: 4 bytes big endian).
 * Invariant: an accepted list's pages cover every byte, fit the MR, and
 * only contiguous or page-aligned joins are accepted.
 */
// fuzz-sources: iser_dm/pagelist.c
#include "fuzz.h"
#include "iser_dm/pagelist.h"

#define FUZZ_MAX_SEGS	128

int LLVMFuzzerTestOneInput(const u8 *in, size_t size)
{
	struct iser_dm_seg segs[FUZZ_MAX_SEGS];
	unsigned int shift, max_pages, n, i;
	u64 total = 0, psize, mask;
	int ret;

	if (size < 3)
		return 0;
	shift = 9 + in[0] % 8;
	max_pages = (in[1] << 8) | in[2];
	in += 3;
	size -= 3;
	n = min_t(size_t, size / 12, FUZZ_MAX_SEGS);
	for (i = 0; i < n; i++) {
		segs[i].addr = get_unaligned_be64(in + 12 * i) & ((1ULL << 52) - 1);
		segs[i].len = get_unaligned_be32(in + 12 * i + 8);
		total += segs[i].len;
	}
	psize = 1ULL << shift;
	mask = psize - 1;

	ret = iser_dm_pagelist_count(segs, n, shift, max_pages);
	if (ret < 0) {
		FUZZ_ASSERT(ret == -EINVAL || ret == -E2BIG);
		return 0;
	}
	FUZZ_ASSERT(n > 0 && ret > 0);
	FUZZ_ASSERT((unsigned int)ret <= max_pages);
	/* the pages cover every byte */
	FUZZ_ASSERT((u64)ret * psize >= total);
	for (i = 0; i < n; i++) {
		FUZZ_ASSERT(segs[i].len);
		if (i && segs[i - 1].addr + segs[i - 1].len != segs[i].addr)
			FUZZ_ASSERT(!(segs[i].addr & mask) &&
				    !((segs[i - 1].addr + segs[i - 1].len) & mask));
	}
	return 0;
}
