// SPDX-License-Identifier: GPL-2.0-only
/*
 * pagelist.c - decide whether a DMA segment list fits one fast-reg MR.
 *
 * A fast-registration page list can describe a buffer only if every
 * segment but the first starts on a page boundary and every segment but
 * the last ends on one, unless two segments are DMA-contiguous (then they
 * merge, as ib_sg_to_pages() merges them).  memory.c runs every scatterlist
 * through this before ib_map_mr_sg(), so a gap is reported as such instead
 * of as a short mapping.
 */
#include <linux/kernel.h>
#include <linux/errno.h>
#include "pagelist.h"

/**
 * iser_dm_pagelist_init() - start a walk
 * @pl: the state
 * @page_shift: log2 of the MR page size (12 for 4 KiB)
 * @max_pages: the MR's page-list capacity
 */
void iser_dm_pagelist_init(struct iser_dm_pagelist *pl, unsigned int page_shift,
			   unsigned int max_pages)
{
	pl->page_shift = page_shift;
	pl->max_pages = max_pages;
	pl->pages = 0;
	pl->nsegs = 0;
	pl->last_end = 0;
}

/**
 * iser_dm_pagelist_add() - account one more segment
 * @pl: the state
 * @addr: the segment's DMA address
 * @len: its length
 *
 * Return: 0, -EINVAL for an empty segment or a gap the page list cannot
 * express, -E2BIG when the MR's page list would overflow.
 */
int iser_dm_pagelist_add(struct iser_dm_pagelist *pl, u64 addr, u32 len)
{
	u64 off_mask = (1ULL << pl->page_shift) - 1;
	u64 first, last;
	unsigned int n;

	if (!len)
		return -EINVAL;
	first = addr >> pl->page_shift;
	last = (addr + len - 1) >> pl->page_shift;
	n = last - first + 1;
	if (pl->nsegs) {
		bool aligned = !(pl->last_end & off_mask) && !(addr & off_mask);

		if (!aligned && pl->last_end != addr)
			return -EINVAL;
		/* A contiguous join inside a page shares that page. */
		if (pl->last_end == addr && (addr & off_mask))
			n--;
	}
	if (pl->pages + n > pl->max_pages)
		return -E2BIG;
	pl->pages += n;
	pl->nsegs++;
	pl->last_end = addr + len;
	return 0;
}

/**
 * iser_dm_pagelist_count() - pages an array of segments needs in one MR
 * @segs: the segments
 * @n: how many
 * @page_shift: log2 of the MR page size
 * @max_pages: the MR's page-list capacity
 *
 * Return: the page count, or a negative errno as iser_dm_pagelist_add().
 */
int iser_dm_pagelist_count(const struct iser_dm_seg *segs, unsigned int n,
			   unsigned int page_shift, unsigned int max_pages)
{
	struct iser_dm_pagelist pl;
	unsigned int i;
	int ret;

	if (!n)
		return -EINVAL;
	iser_dm_pagelist_init(&pl, page_shift, max_pages);
	for (i = 0; i < n; i++) {
		ret = iser_dm_pagelist_add(&pl, segs[i].addr, segs[i].len);
		if (ret)
			return ret;
	}
	return pl.pages;
}
