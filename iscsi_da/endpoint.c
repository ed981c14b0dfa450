// SPDX-License-Identifier: GPL-2.0-only
/*
 * Transport Connections: ep_connect/ep_poll/ep_disconnect
 *
 * The bootstrap calls outside RFC 5047 (the generalisation draft §8.1.6):
 * the datamover makes the connection, we wrap it in a class endpoint so
 * iscsid can name it by handle.  Each endpoint pins the datamover module.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/in.h>
#include <linux/in6.h>

#include "iscsi_da.h"

struct iscsi_endpoint *isda_ep_connect(struct isda_transport *tr,
				       struct sockaddr *dst, int non_blocking)
{
	const struct iscsi_dm_ops *ops;
	struct iscsi_endpoint *ep;
	struct iscsi_dm_ep *dm;
	struct isda_ep *iep;
	int ret;

	if (!tr)
		return ERR_PTR(-ENODEV);
	ops = tr->ops;
	if (!try_module_get(ops->owner))
		return ERR_PTR(-ENODEV);

	dm = ops->ep_connect(dst, non_blocking);
	if (IS_ERR(dm)) {
		ret = PTR_ERR(dm);
		goto out_put;
	}
	ep = iscsi_create_endpoint(sizeof(*iep));
	if (!ep) {
		ret = -ENOMEM;
		goto out_disconnect;
	}
	iep = ep->dd_data;
	iep->dm = dm;
	iep->tr = tr;
	pr_debug("ep %d connecting\n", ep->id);
	return ep;

out_disconnect:
	ops->ep_disconnect(dm);
out_put:
	module_put(ops->owner);
	return ERR_PTR(ret);
}

int isda_ep_poll(struct iscsi_endpoint *ep, int timeout_ms)
{
	struct isda_ep *iep = ep->dd_data;

	return iep->tr->ops->ep_poll(iep->dm, timeout_ms);
}

/* The class has unbound any connection (unbind_conn) before this. */
void isda_ep_disconnect(struct iscsi_endpoint *ep)
{
	struct isda_ep *iep = ep->dd_data;
	const struct iscsi_dm_ops *ops = iep->tr->ops;

	pr_debug("ep %d disconnect\n", ep->id);
	ops->ep_disconnect(iep->dm);
	iscsi_destroy_endpoint(ep);
	module_put(ops->owner);
}

/**
 * isda_format_addr() - sysfs text for an address or port parameter
 * @ss: the address
 * @param: ISCSI_PARAM_CONN_ADDRESS/PERSISTENT_ADDRESS (address) or a port
 * @buf: sysfs page
 *
 * Return: bytes written or -ENOTCONN when there is no address yet.
 */
int isda_format_addr(const struct sockaddr_storage *ss, enum iscsi_param param,
		     char *buf)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
	bool addr = param == ISCSI_PARAM_CONN_ADDRESS ||
		    param == ISCSI_PARAM_PERSISTENT_ADDRESS;

	switch (ss->ss_family) {
	case AF_INET:
		return addr ? sysfs_emit(buf, "%pI4\n", &sin->sin_addr) :
			      sysfs_emit(buf, "%hu\n", ntohs(sin->sin_port));
	case AF_INET6:
		return addr ? sysfs_emit(buf, "%pI6\n", &sin6->sin6_addr) :
			      sysfs_emit(buf, "%hu\n", ntohs(sin6->sin6_port));
	default:
		return -ENOTCONN;
	}
}

int isda_get_ep_param(struct iscsi_endpoint *ep, enum iscsi_param param,
		      char *buf)
{
	struct isda_ep *iep = ep->dd_data;

	switch (param) {
	case ISCSI_PARAM_CONN_ADDRESS:
	case ISCSI_PARAM_CONN_PORT:
		if (!iep || !iep->dm)
			return -ENOTCONN;
		return isda_format_addr(&iep->dm->dst_addr, param, buf);
	default:
		return -ENOTCONN;
	}
}
