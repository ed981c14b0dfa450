/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pagelist.h - can a DMA-mapped scatterlist be registered as one fast-reg
 * MR?  Pure arithmetic over {address, length} pairs; unit-tested in
 * userspace (tests/unit/test_iser_pagelist.c).
 */
#ifndef ISER_DM_PAGELIST_H
#define ISER_DM_PAGELIST_H

#include <linux/types.h>

/**
 * struct iser_dm_pagelist - running state while walking a scatterlist
 * @page_shift: log2 of the MR page size
 * @max_pages: page-list capacity of the MR
 * @pages: pages counted so far
 * @nsegs: segments seen so far
 * @last_end: DMA address just past the previous segment
 */
struct iser_dm_pagelist {
	unsigned int	page_shift;
	unsigned int	max_pages;
	unsigned int	pages;
	unsigned int	nsegs;
	u64		last_end;
};

/**
 * struct iser_dm_seg - one DMA segment
 * @addr: DMA address
 * @len: length in bytes
 */
struct iser_dm_seg {
	u64	addr;
	u32	len;
};

void iser_dm_pagelist_init(struct iser_dm_pagelist *pl, unsigned int page_shift,
			   unsigned int max_pages);
int iser_dm_pagelist_add(struct iser_dm_pagelist *pl, u64 addr, u32 len);
int iser_dm_pagelist_count(const struct iser_dm_seg *segs, unsigned int n,
			   unsigned int page_shift, unsigned int max_pages);

#endif /* ISER_DM_PAGELIST_H */
