// SPDX-License-Identifier: GPL-2.0-only
/*
 * The iscsi_transport callback table handed to
 * scsi_transport_iscsi, one per registered datamover
 *
 * Every callback the class calls without a NULL check is set (see
 * /work/shared/notes/interop-facts.md); the libiscsi-only hooks (init_task,
 * xmit_task, alloc_pdu, ...) stay NULL because we do not use libiscsi.
 */
#include <linux/module.h>

#include "iscsi_da.h"

static int isda_set_host_param(struct Scsi_Host *shost,
			       enum iscsi_host_param param, char *buf,
			       int buflen);

void isda_transport_fill(struct isda_transport *tr)
{
	struct iscsi_transport *t = &tr->iscsit;
	const struct iscsi_dm_ops *ops = tr->ops;

	/* the class pins ops->owner around every netlink request */
	t->owner = ops->owner;
	t->name = (char *)ops->name;
	/*
	 * ERL0 recovery, multiple R2Ts (the datamover handles them) and text
	 * negotiation through the kernel are implemented here; digests and
	 * login offload are not (iscsid builds login PDUs itself).
	 */
	t->caps = (ops->caps & ~(u64)(CAP_LOGIN_OFFLOAD | CAP_HDRDGST |
				      CAP_DATADGST | CAP_DIGEST_OFFLOAD)) |
		  CAP_RECOVERY_L0 | CAP_MULTI_R2T | CAP_TEXT_NEGO;

	t->create_session = isda_create_session;
	t->destroy_session = isda_destroy_session;
	t->create_conn = isda_create_conn;
	t->bind_conn = isda_bind_conn;
	t->unbind_conn = isda_unbind_conn;
	t->start_conn = isda_start_conn;
	t->stop_conn = isda_stop_conn;
	t->destroy_conn = isda_destroy_conn;
	t->set_param = isda_set_param;
	t->get_ep_param = isda_get_ep_param;
	t->get_conn_param = isda_get_conn_param;
	t->get_session_param = isda_get_session_param;
	t->get_host_param = isda_get_host_param;
	t->set_host_param = isda_set_host_param;
	t->send_pdu = isda_send_pdu;
	t->get_stats = isda_get_stats;
	t->attr_is_visible = isda_attr_is_visible;
	t->session_recovery_timedout = isda_session_recovery_timedout;
	/* ep_connect is set per registration slot by registry.c */
	t->ep_poll = isda_ep_poll;
	t->ep_disconnect = isda_ep_disconnect;
}

static int isda_set_host_param(struct Scsi_Host *shost,
			       enum iscsi_host_param param, char *buf,
			       int buflen)
{
	struct isda_session *sess = isda_shost_session(shost);
	struct isda_params *p = &sess->params;
	char **dst;
	char *val;

	switch (param) {
	case ISCSI_HOST_PARAM_NETDEV_NAME:
		dst = &p->host_netdev;
		break;
	case ISCSI_HOST_PARAM_HWADDRESS:
		dst = &p->host_hwaddress;
		break;
	case ISCSI_HOST_PARAM_IPADDRESS:
		dst = &p->host_ipaddress;
		break;
	case ISCSI_HOST_PARAM_INITIATOR_NAME:
		dst = &p->host_initiatorname;
		break;
	default:
		return 0;	/* nothing to keep */
	}
	val = kstrndup(buf, buflen, GFP_KERNEL);
	if (!val)
		return -ENOMEM;
	isda_param_str_set(sess, dst, val);
	return 0;
}
