// SPDX-License-Identifier: GPL-2.0-only
/*
 * stats.c - the datamover counters iscsi_da folds into
 * "iscsiadm -m session -s".
 */
#include "iser_dm.h"

/**
 * iser_dm_get_stats() - DI get_stats
 * @conn: the Connection_Handle
 * @stats: filled with the endpoint's counters (zero while unbound)
 */
void iser_dm_get_stats(struct iscsi_dm_conn *conn, struct iscsi_dm_stats *stats)
{
	struct iser_dm_ep *ep = iser_dm_conn_ep(conn);

	memset(stats, 0, sizeof(*stats));
	if (!ep)
		return;
	stats->sends = atomic64_read(&ep->stats.sends);
	stats->signaled = atomic64_read(&ep->stats.signaled);
	stats->recvs = atomic64_read(&ep->stats.recvs);
	stats->reg_mrs = atomic64_read(&ep->stats.reg_mrs);
	stats->inv_remote = atomic64_read(&ep->stats.inv_remote);
	stats->inv_local = atomic64_read(&ep->stats.inv_local);
	stats->errors = atomic64_read(&ep->stats.errors);
}
