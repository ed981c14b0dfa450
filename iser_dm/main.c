// SPDX-License-Identifier: GPL-2.0-only
/*
 * main.c - module init/exit, parameters, and the datamover ops table that
 * iser_dm registers with iscsi_da as transport "iser".
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <scsi/scsi_transport_iscsi.h>
#include "iser_dm.h"
#include "iscsi_dm_fault.h"

DEFINE_ISCSI_DM_FAULT(iser_dm);

unsigned int iser_dm_max_cmds = 128;
module_param_named(max_cmds, iser_dm_max_cmds, uint, 0444);
MODULE_PARM_DESC(max_cmds, "SCSI commands per connection the QP is sized for (default 128)");

unsigned int iser_dm_sg_tablesize = 128;
module_param_named(sg_tablesize, iser_dm_sg_tablesize, uint, 0444);
MODULE_PARM_DESC(sg_tablesize, "4 KiB pages per I/O registration (default 128 = 512 KiB)");

unsigned int iser_dm_rx_dlength_max = 8192;
module_param_named(rx_dlength_max, iser_dm_rx_dlength_max, uint, 0444);
MODULE_PARM_DESC(rx_dlength_max,
		 "cap on the data segment a Full Feature Phase receive buffer holds (default 8192)");

bool iser_dm_force_no_send_inv;
module_param_named(force_no_send_inv, iser_dm_force_no_send_inv, bool, 0644);
MODULE_PARM_DESC(force_no_send_inv,
		 "advertise Send with Invalidate as not supported: always invalidate locally");

unsigned int iser_dm_iwarp_connect_ms = 3000;
module_param_named(iwarp_connect_ms, iser_dm_iwarp_connect_ms, uint, 0644);
MODULE_PARM_DESC(iwarp_connect_ms,
		 "iWARP: give up a connect that has no MPA reply after this many ms (0: wait for the RNIC; default 3000)");

struct workqueue_struct *iser_dm_wq;

/* Endpoints alive, so module unload can free what iscsid left behind. */
static LIST_HEAD(iser_dm_eps);
static DEFINE_SPINLOCK(iser_dm_eps_lock);

void iser_dm_ep_list_add(struct iser_dm_ep *ep)
{
	spin_lock(&iser_dm_eps_lock);
	list_add_tail(&ep->entry, &iser_dm_eps);
	spin_unlock(&iser_dm_eps_lock);
}

void iser_dm_ep_list_del(struct iser_dm_ep *ep)
{
	spin_lock(&iser_dm_eps_lock);
	list_del_init(&ep->entry);
	spin_unlock(&iser_dm_eps_lock);
}

const struct iscsi_dm_ops iser_dm_ops = {
	.name		= ISER_DM_NAME,
	.owner		= THIS_MODULE,
	.api_version	= ISCSI_DM_API_VERSION,
	.caps		= CAP_RECOVERY_L0 | CAP_MULTI_R2T | CAP_TEXT_NEGO,
	.rdma		= true,
	.task_priv_size	= sizeof(struct iser_dm_task),

	.ep_connect	= iser_dm_ep_connect,
	.ep_poll	= iser_dm_ep_poll,
	.ep_disconnect	= iser_dm_ep_disconnect,
	.bind		= iser_dm_bind,
	.unbind		= iser_dm_unbind,
	.login_send	= iser_dm_login_send,

	.send_control			= iser_dm_send_control,
	.allocate_connection_resources	= iser_dm_allocate_connection_resources,
	.deallocate_connection_resources = iser_dm_deallocate_connection_resources,
	.enable_datamover		= iser_dm_enable_datamover,
	.connection_terminate		= iser_dm_connection_terminate,
	.notice_key_values		= iser_dm_notice_key_values,
	.deallocate_task_resources	= iser_dm_deallocate_task_resources,

	.get_stats	= iser_dm_get_stats,
	.show		= iser_dm_show,
	.show_task	= iser_dm_show_task,
};

static int __init iser_dm_init(void)
{
	int ret;

	if (!iser_dm_max_cmds || iser_dm_sg_tablesize < 2 || !iser_dm_rx_dlength_max) {
		pr_err("bad module parameters\n");
		return -EINVAL;
	}
	iser_dm_wq = alloc_workqueue("iser_dm", WQ_MEM_RECLAIM, 0);
	if (!iser_dm_wq)
		return -ENOMEM;
	ret = iscsi_dm_register(&iser_dm_ops);
	if (ret) {
		pr_err("registering datamover \"%s\" failed: %d\n",
		       ISER_DM_NAME, ret);
		goto err_wq;
	}
	pr_info("iSER datamover registered\n");
	return 0;

err_wq:
	destroy_workqueue(iser_dm_wq);
	return ret;
}

static void __exit iser_dm_exit(void)
{
	struct iser_dm_ep *ep;

	/* iscsi_da ends every session over us, normally disconnecting eps. */
	iscsi_dm_unregister(&iser_dm_ops);

	/* Endpoints connected but never bound (iscsid died) are ours to free. */
	spin_lock(&iser_dm_eps_lock);
	while (!list_empty(&iser_dm_eps)) {
		ep = list_first_entry(&iser_dm_eps, struct iser_dm_ep, entry);
		spin_unlock(&iser_dm_eps_lock);
		iser_dm_warn(ep, "freed while still connected\n");
		if (ep->upcall_conn)
			iser_dm_unbind(ep->upcall_conn);
		iser_dm_ep_disconnect(&ep->dm);
		spin_lock(&iser_dm_eps_lock);
	}
	spin_unlock(&iser_dm_eps_lock);
	destroy_workqueue(iser_dm_wq);
}

module_init(iser_dm_init);
module_exit(iser_dm_exit);

MODULE_DESCRIPTION("iSER datamover (RFC 5046/7145) for the iscsi_da initiator");
MODULE_LICENSE("GPL");
MODULE_SOFTDEP("pre: iscsi_da rdma_cm ib_core");
