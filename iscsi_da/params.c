// SPDX-License-Identifier: GPL-2.0-only
/*
 * iSCSI parameters: SET_PARAM from iscsid, sysfs show, visibility
 *
 * One table says, for every parameter we keep, where it lives (session or
 * connection), its type, and so whether it is visible in sysfs.  set_param
 * answers 0 also for parameters we do not keep (iscsid fails the login on
 * any error but "not implemented", so there is nothing to gain); a
 * show callback answers a value or -ENOTCONN (libopeniscsiusr copes with
 * nothing else).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/stat.h>

#include "iscsi_da.h"

enum isda_ptype {
	ISDA_P_INT,
	ISDA_P_UINT,
	ISDA_P_STR,
};

struct isda_param_desc {
	enum iscsi_param	param;
	u8			type;
	bool			conn;	/* in struct isda_conn, else isda_params */
	size_t			off;
};

#define SP(p, t, f) { ISCSI_PARAM_##p, ISDA_P_##t, false, \
		      offsetof(struct isda_params, f) }
#define CP(p, t, f) { ISCSI_PARAM_##p, ISDA_P_##t, true, \
		      offsetof(struct isda_conn, f) }

static const struct isda_param_desc isda_params_table[] = {
	CP(MAX_RECV_DLENGTH, UINT, max_recv_dlength),
	CP(MAX_XMIT_DLENGTH, UINT, max_xmit_dlength),
	CP(HDRDGST_EN, INT, hdrdgst_en),
	CP(DATADGST_EN, INT, datadgst_en),
	CP(IFMARKER_EN, INT, ifmarker_en),
	CP(OFMARKER_EN, INT, ofmarker_en),
	CP(EXP_STATSN, UINT, exp_statsn),
	CP(PERSISTENT_ADDRESS, STR, persistent_address),
	CP(PERSISTENT_PORT, INT, persistent_port),
	CP(PING_TMO, INT, ping_tmo),
	CP(RECV_TMO, INT, recv_tmo),
	SP(INITIAL_R2T_EN, INT, initial_r2t_en),
	SP(MAX_R2T, UINT, max_r2t),
	SP(IMM_DATA_EN, INT, imm_data_en),
	SP(FIRST_BURST, UINT, first_burst),
	SP(MAX_BURST, UINT, max_burst),
	SP(PDU_INORDER_EN, INT, pdu_inorder_en),
	SP(DATASEQ_INORDER_EN, INT, dataseq_inorder_en),
	SP(ERL, INT, erl),
	SP(TARGET_NAME, STR, targetname),
	SP(TPGT, INT, tpgt),
	SP(USERNAME, STR, username),
	SP(USERNAME_IN, STR, username_in),
	SP(PASSWORD, STR, password),
	SP(PASSWORD_IN, STR, password_in),
	SP(FAST_ABORT, INT, fast_abort),
	SP(ABORT_TMO, INT, abort_tmo),
	SP(LU_RESET_TMO, INT, lu_reset_tmo),
	SP(TGT_RESET_TMO, INT, tgt_reset_tmo),
	SP(IFACE_NAME, STR, ifacename),
	SP(INITIATOR_NAME, STR, initiatorname),
	SP(TARGET_ALIAS, STR, targetalias),
	SP(BOOT_ROOT, STR, boot_root),
	SP(BOOT_NIC, STR, boot_nic),
	SP(BOOT_TARGET, STR, boot_target),
	SP(DISCOVERY_SESS, INT, discovery_sess),
	SP(PORTAL_TYPE, STR, portal_type),
	SP(DEF_TIME2WAIT, INT, time2wait),
	SP(DEF_TIME2RETAIN, INT, time2retain),
	SP(DEF_TASKMGMT_TMO, INT, def_taskmgmt_tmo),
	SP(ISID, STR, isid),
	SP(TSID, INT, tsid),
};

static const struct isda_param_desc *isda_param_find(int param)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(isda_params_table); i++)
		if (isda_params_table[i].param == param)
			return &isda_params_table[i];
	return NULL;
}

static void *isda_param_ptr(const struct isda_param_desc *d,
			    struct isda_conn *conn, struct isda_params *p)
{
	return (u8 *)(d->conn ? (void *)conn : (void *)p) + d->off;
}

int isda_set_param(struct iscsi_cls_conn *cls, enum iscsi_param param,
		   char *buf, int buflen)
{
	struct isda_conn *conn = cls->dd_data;
	struct isda_session *sess = conn->sess;
	const struct isda_param_desc *d = isda_param_find(param);
	unsigned long flags;
	void *ptr;
	char *str;
	int ival;
	u32 uval;

	if (!d)
		return 0;
	ptr = isda_param_ptr(d, conn, &sess->params);
	switch (d->type) {
	case ISDA_P_INT:
		if (kstrtoint(buf, 10, &ival))
			goto bad_value;
		*(int *)ptr = ival;
		break;
	case ISDA_P_UINT:
		if (kstrtou32(buf, 10, &uval))
			goto bad_value;
		/* ExpStatSN is read by the receive path under the lock */
		spin_lock_irqsave(&sess->lock, flags);
		*(u32 *)ptr = uval;
		spin_unlock_irqrestore(&sess->lock, flags);
		break;
	case ISDA_P_STR:
		str = kstrndup(buf, buflen, GFP_KERNEL);
		if (!str)
			return -ENOMEM;
		isda_param_str_set(sess, ptr, str);
		break;
	}
	if ((param == ISCSI_PARAM_HDRDGST_EN || param == ISCSI_PARAM_DATADGST_EN) &&
	    *(int *)ptr)
		pr_warn("session %u: digests requested, but a datamover carries none\n",
			sess->cls->sid);
	return 0;

bad_value:
	pr_err("session %u: parameter %d: bad value \"%.*s\"\n",
	       sess->cls->sid, param, buflen, buf);
	return -EINVAL;
}

/**
 * isda_param_str_set() - replace a string parameter
 * @sess: its session
 * @dst: the parameter
 * @val: the new value (kmalloc'd; the parameter owns it from now)
 *
 * Under the session lock, so that a reader (sysfs, the state view) never
 * holds a string being freed; iscsid sets them again at every login.
 */
void isda_param_str_set(struct isda_session *sess, char **dst, char *val)
{
	unsigned long flags;
	char *old;

	spin_lock_irqsave(&sess->lock, flags);
	old = *dst;
	*dst = val;
	spin_unlock_irqrestore(&sess->lock, flags);
	kfree(old);
}

/* A string parameter for sysfs, read under the session lock. */
static int isda_param_str_show(struct isda_session *sess, char *const *src,
			       char *buf)
{
	unsigned long flags;
	int ret = -ENOTCONN;

	spin_lock_irqsave(&sess->lock, flags);
	if (*src)
		ret = sysfs_emit(buf, "%s\n", *src);
	spin_unlock_irqrestore(&sess->lock, flags);
	return ret;
}

static int isda_param_show(struct isda_session *sess,
			   const struct isda_param_desc *d, void *ptr, char *buf)
{
	switch (d->type) {
	case ISDA_P_INT:
		return sysfs_emit(buf, "%d\n", *(int *)ptr);
	case ISDA_P_UINT:
		return sysfs_emit(buf, "%u\n", *(u32 *)ptr);
	default:
		return isda_param_str_show(sess, ptr, buf);
	}
}

int isda_get_conn_param(struct iscsi_cls_conn *cls, enum iscsi_param param,
			char *buf)
{
	struct isda_conn *conn = cls->dd_data;
	const struct isda_param_desc *d;
	int ret = -ENOTCONN;

	switch (param) {
	case ISCSI_PARAM_CONN_ADDRESS:
	case ISCSI_PARAM_CONN_PORT:
	case ISCSI_PARAM_LOCAL_PORT:
		mutex_lock(&conn->dm_mutex);
		if (conn->dm.ep) {
			if (param == ISCSI_PARAM_LOCAL_PORT)
				ret = isda_format_addr(&conn->dm.ep->src_addr,
						       param, buf);
			else
				ret = isda_format_addr(&conn->dm.ep->dst_addr,
						       param, buf);
		}
		mutex_unlock(&conn->dm_mutex);
		return ret;
	default:
		break;
	}
	d = isda_param_find(param);
	if (!d || !d->conn)
		return -ENOTCONN;
	return isda_param_show(conn->sess, d, isda_param_ptr(d, conn, NULL), buf);
}

int isda_get_session_param(struct iscsi_cls_session *cls,
			   enum iscsi_param param, char *buf)
{
	struct isda_session *sess = cls->dd_data;
	const struct isda_param_desc *d = isda_param_find(param);

	if (!d || d->conn)
		return -ENOTCONN;
	return isda_param_show(sess, d, isda_param_ptr(d, NULL, &sess->params), buf);
}

int isda_get_host_param(struct Scsi_Host *shost, enum iscsi_host_param param,
			char *buf)
{
	struct isda_session *sess = isda_shost_session(shost);
	struct isda_params *p = &sess->params;

	switch (param) {
	case ISCSI_HOST_PARAM_NETDEV_NAME:
		return isda_param_str_show(sess, &p->host_netdev, buf);
	case ISCSI_HOST_PARAM_HWADDRESS:
		return isda_param_str_show(sess, &p->host_hwaddress, buf);
	case ISCSI_HOST_PARAM_IPADDRESS:
		return isda_param_str_show(sess, &p->host_ipaddress, buf);
	case ISCSI_HOST_PARAM_INITIATOR_NAME:
		return isda_param_str_show(sess, p->host_initiatorname ?
					   &p->host_initiatorname :
					   &p->initiatorname, buf);
	default:
		return -ENOTCONN;
	}
}

umode_t isda_attr_is_visible(int param_type, int param)
{
	switch (param_type) {
	case ISCSI_HOST_PARAM:
		switch (param) {
		case ISCSI_HOST_PARAM_NETDEV_NAME:
		case ISCSI_HOST_PARAM_HWADDRESS:
		case ISCSI_HOST_PARAM_IPADDRESS:
		case ISCSI_HOST_PARAM_INITIATOR_NAME:
			return 0444;
		default:
			return 0;
		}
	case ISCSI_PARAM:
		switch (param) {
		case ISCSI_PARAM_CONN_ADDRESS:
		case ISCSI_PARAM_CONN_PORT:
		case ISCSI_PARAM_LOCAL_PORT:
			return 0444;
		default:
			return isda_param_find(param) ? 0444 : 0;
		}
	default:
		return 0;
	}
}

void isda_params_free(struct isda_params *p)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(isda_params_table); i++) {
		const struct isda_param_desc *d = &isda_params_table[i];

		if (d->type == ISDA_P_STR && !d->conn)
			kfree(*(char **)isda_param_ptr(d, NULL, p));
	}
	kfree(p->host_netdev);
	kfree(p->host_hwaddress);
	kfree(p->host_ipaddress);
	kfree(p->host_initiatorname);
}
