// SPDX-License-Identifier: GPL-2.0-only
/*
 * Connection statistics for "iscsiadm -m session -s"
 *
 * The standard iSCSI counters, plus the datamover's own counters
 * (RFC 5047 has no primitive for them) as custom statistics.
 */
#include <linux/module.h>

#include "iscsi_da.h"

static void isda_stats_custom(struct iscsi_stats *stats, const char *desc,
			      u64 value)
{
	struct iscsi_stats_custom *c;

	if (stats->custom_length >= ISCSI_STATS_CUSTOM_MAX)
		return;
	c = &stats->custom[stats->custom_length++];
	strscpy(c->desc, desc, sizeof(c->desc));
	c->value = value;
}

void isda_get_stats(struct iscsi_cls_conn *cls, struct iscsi_stats *stats)
{
	struct isda_conn *conn = cls->dd_data;
	const struct iscsi_dm_ops *ops = conn->sess->tr->ops;
	const struct isda_stats *s = &conn->stats;
	struct iscsi_dm_stats dms = {};

	stats->txdata_octets = s->txdata_octets;
	stats->rxdata_octets = s->rxdata_octets;
	stats->noptx_pdus = s->noptx_pdus;
	stats->scsicmd_pdus = s->scsicmd_pdus;
	stats->tmfcmd_pdus = s->tmfcmd_pdus;
	stats->login_pdus = s->login_pdus;
	stats->text_pdus = s->text_pdus;
	stats->dataout_pdus = s->dataout_pdus;
	stats->logout_pdus = s->logoutreq_pdus;
	stats->snack_pdus = 0;
	stats->noprx_pdus = s->noprx_pdus;
	stats->scsirsp_pdus = s->scsirsp_pdus;
	stats->tmfrsp_pdus = s->tmfrsp_pdus;
	stats->textrsp_pdus = s->textrsp_pdus;
	stats->datain_pdus = s->datain_pdus;
	stats->logoutrsp_pdus = s->logoutrsp_pdus;
	stats->r2t_pdus = 0;	/* R2Ts are consumed inside the datamover */
	stats->async_pdus = s->async_pdus;
	stats->rjt_pdus = s->reject_pdus;
	stats->digest_err = 0;
	stats->timeout_err = s->timeout_err;

	stats->custom_length = 0;
	isda_stats_custom(stats, "protocol_errors", s->proto_err);
	isda_stats_custom(stats, "stale_responses", s->stale_rsp);
	mutex_lock(&conn->dm_mutex);
	if (ops->get_stats && conn->dm.ep)
		ops->get_stats(&conn->dm, &dms);
	mutex_unlock(&conn->dm_mutex);
	isda_stats_custom(stats, "dm_sends", dms.sends);
	isda_stats_custom(stats, "dm_signaled_sends", dms.signaled);
	isda_stats_custom(stats, "dm_recvs", dms.recvs);
	isda_stats_custom(stats, "dm_reg_mrs", dms.reg_mrs);
	isda_stats_custom(stats, "dm_inv_remote", dms.inv_remote);
	isda_stats_custom(stats, "dm_inv_local", dms.inv_local);
	isda_stats_custom(stats, "dm_errors", dms.errors);
}
