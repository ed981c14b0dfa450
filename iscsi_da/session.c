// SPDX-License-Identifier: GPL-2.0-only
/*
 * iSCSI sessions: one Scsi_Host plus one class session each
 *
 * What libiscsi's iscsi_session_setup/teardown do for other LLDs, done
 * directly on the class helpers (iscsi_alloc_session/iscsi_add_session).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sizes.h>
#include <scsi/scsi_device.h>
#include <scsi/scsi_host.h>

#include "iscsi_da.h"

static const char *const isda_sess_state_names[] = {
	[ISDA_SESS_FREE]		= "FREE",
	[ISDA_SESS_LOGGED_IN]		= "LOGGED_IN",
	[ISDA_SESS_FAILED]		= "FAILED",
	[ISDA_SESS_RECOVERY_FAILED]	= "RECOVERY_FAILED",
	[ISDA_SESS_LOGGING_OUT]		= "LOGGING_OUT",
	[ISDA_SESS_TERMINATE]		= "TERMINATE",
};

const char *isda_sess_state_name(enum isda_sess_state state)
{
	return isda_sess_state_names[state];
}

/**
 * isda_session_set_state() - the one place a session changes state
 * @sess: session
 * @state: new state
 *
 * Called with @sess->lock held.
 */
void isda_session_set_state(struct isda_session *sess,
			    enum isda_sess_state state)
{
	lockdep_assert_held(&sess->lock);
	if (sess->state == state)
		return;
	pr_debug("session %u: %s -> %s\n", sess->cls->sid,
		 isda_sess_state_name(sess->state), isda_sess_state_name(state));
	sess->state = state;
}

static void isda_host_limits(struct Scsi_Host *shost, struct iscsi_dm_ep *dm,
			     u16 cmds_max, u16 qdepth)
{
	if (!cmds_max)
		cmds_max = ISDA_DEF_CMDS_MAX;
	if (dm->max_cmds)
		cmds_max = min(cmds_max, dm->max_cmds);
	/* task indices and management slots must fit the ITT index field */
	cmds_max = min_t(u32, cmds_max,
			 ISDA_ITT_INDEX_MASK + 1 - ISCSI_DM_MGMT_TASKS);
	shost->can_queue = cmds_max;
	shost->cmd_per_lun = qdepth ? min(qdepth, cmds_max) : cmds_max;
	shost->max_lun = ISDA_MAX_LUN;
	shost->max_id = 1;
	shost->max_channel = 0;
	shost->max_cmd_len = ISDA_MAX_CDB_LEN;
	shost->sg_tablesize = dm->sg_tablesize ?: ISDA_DEF_SG_TABLESIZE;
	shost->max_sectors = dm->max_sectors ?: ISDA_DEF_MAX_SECTORS;
	/* fast-registration page lists cannot describe gaps between pages */
	if (dm->no_sg_gaps)
		shost->virt_boundary_mask = SZ_4K - 1;
}

struct iscsi_cls_session *isda_create_session(struct iscsi_endpoint *ep,
					      u16 cmds_max, u16 qdepth,
					      u32 initial_cmdsn)
{
	struct iscsi_cls_session *cls;
	struct isda_transport *tr;
	struct isda_session *sess;
	struct Scsi_Host *shost;
	struct isda_ep *iep;

	/* iscsid creates iser sessions bound: the endpoint names the datamover */
	if (!ep) {
		pr_err("unbound session creation is not supported\n");
		return NULL;
	}
	iep = ep->dd_data;
	tr = iep->tr;
	if (!try_module_get(tr->ops->owner))
		return NULL;

	shost = isda_fault("the SCSI host") ? NULL :
		scsi_host_alloc(&tr->sht, sizeof(struct isda_session *));
	if (!shost)
		goto out_put;
	shost->transportt = tr->stt;
	isda_host_limits(shost, iep->dm, cmds_max, qdepth);
	if (isda_fault("the SCSI host's tag set") ||
	    scsi_add_host(shost, iep->dm->dma_dev))
		goto out_host_put;

	cls = isda_fault("the session") ? NULL :
	      iscsi_alloc_session(shost, &tr->iscsit,
				  struct_size(sess, tag_age, shost->can_queue));
	if (!cls)
		goto out_remove_host;
	sess = cls->dd_data;
	sess->cls = cls;
	sess->shost = shost;
	sess->tr = tr;
	spin_lock_init(&sess->lock);
	sess->state = ISDA_SESS_FREE;
	sess->cmdsn = initial_cmdsn;
	sess->exp_cmdsn = initial_cmdsn;
	sess->max_cmdsn = initial_cmdsn;
	sess->cmds_max = shost->can_queue;
	mutex_init(&sess->eh_mutex);
	INIT_LIST_HEAD(&sess->list);
	*(struct isda_session **)shost_priv(shost) = sess;

	if (iscsi_add_session(cls, 0))
		goto out_free_session;
	isda_registry_add_session(sess);
	isda_debugfs_add_session(sess);
	pr_info("session %u created on host%u (cmds_max %u, sg %u, max_sectors %u)\n",
		cls->sid, shost->host_no, shost->can_queue,
		shost->sg_tablesize, shost->max_sectors);
	return cls;

out_free_session:
	iscsi_free_session(cls);
out_remove_host:
	scsi_remove_host(shost);
out_host_put:
	scsi_host_put(shost);
out_put:
	module_put(tr->ops->owner);
	return NULL;
}

/* The class has destroyed the connection (destroy_conn) before this. */
void isda_destroy_session(struct iscsi_cls_session *cls)
{
	struct isda_session *sess = cls->dd_data;
	struct Scsi_Host *shost = sess->shost;
	struct module *owner = sess->tr->ops->owner;
	unsigned long flags;

	isda_debugfs_del_session(sess);
	spin_lock_irqsave(&sess->lock, flags);
	isda_session_set_state(sess, ISDA_SESS_TERMINATE);
	spin_unlock_irqrestore(&sess->lock, flags);
	isda_registry_del_session(sess);

	iscsi_remove_session(cls);
	scsi_remove_host(shost);
	isda_params_free(&sess->params);
	pr_info("session %u destroyed\n", cls->sid);
	iscsi_free_session(cls);
	scsi_host_put(shost);
	module_put(owner);
}
