/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internal objects of the iSCSI layer (iscsi_da.ko)
 *
 * Object tree:   isda_transport (one per registered datamover)
 *                  `- Scsi_Host + isda_session (one per iSCSI session)
 *                       `- isda_conn (the leading and only connection)
 *                            `- isda_mtask[] (NOP-Out, TMF, Text, Logout)
 *                  `- isda_ep (wraps the datamover's iscsi_dm_ep)
 * SCSI tasks live in the blk-mq request PDU as &struct isda_cmd.
 */
#ifndef ISDA_H
#define ISDA_H

#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>
#include <linux/completion.h>
#include <scsi/scsi_host.h>
#include <scsi/scsi_cmnd.h>
#include <scsi/scsi_transport_iscsi.h>

#include "iscsi_dm.h"
#include "compat.h"
#include "pdu.h"

#define ISDA_DEF_CMDS_MAX	128
#define ISDA_MAX_LUN		512
#define ISDA_DEF_MAX_SECTORS	1024
#define ISDA_DEF_SG_TABLESIZE	128

/**
 * struct isda_transport - one registered datamover
 * @list: entry in the registry
 * @ops: the datamover
 * @iscsit: what scsi_transport_iscsi knows us by
 * @stt: the SCSI transport template scsi_transport_iscsi gave us
 * @sht: SCSI host template; cmd_size depends on @ops->task_priv_size
 * @slot: index of the ep_connect trampoline used (see registry.c)
 * @sessions: sessions running over this datamover
 * @proc_name: "iscsi_" + ops->name: iscsid finds the host by it
 */
struct isda_transport {
	struct list_head		list;
	const struct iscsi_dm_ops	*ops;
	struct iscsi_transport		iscsit;
	struct scsi_transport_template	*stt;
	struct scsi_host_template	sht;
	int				slot;
	struct list_head		sessions;
	char				proc_name[32];
};

/**
 * struct isda_ep - iscsi_endpoint's dd_data
 * @dm: the datamover's endpoint
 * @tr: transport it belongs to
 */
struct isda_ep {
	struct iscsi_dm_ep	*dm;
	struct isda_transport	*tr;
};

/* Session states (iscsi_da's view; the class keeps its own block state). */
enum isda_sess_state {
	ISDA_SESS_FREE,		/* created, never logged in */
	ISDA_SESS_LOGGED_IN,	/* Full Feature Phase, I/O flows */
	ISDA_SESS_FAILED,	/* connection lost, ERL0 recovery pending */
	ISDA_SESS_RECOVERY_FAILED, /* replacement_timeout expired */
	ISDA_SESS_LOGGING_OUT,	/* iscsid sent a Logout */
	ISDA_SESS_TERMINATE,	/* being destroyed */
};

/**
 * struct isda_params - session-wide negotiated and administrative values
 * @first_burst: FirstBurstLength
 * @max_burst: MaxBurstLength
 * @max_r2t: MaxOutstandingR2T
 * @imm_data_en: ImmediateData
 * @initial_r2t_en: InitialR2T
 * @pdu_inorder_en: DataPDUInOrder
 * @dataseq_inorder_en: DataSequenceInOrder
 * @erl: ErrorRecoveryLevel
 * @tpgt: TargetPortalGroupTag
 * @fast_abort: iscsid's fast_abort setting
 * @abort_tmo: ABORT TASK timeout (s)
 * @lu_reset_tmo: LOGICAL UNIT RESET timeout (s)
 * @tgt_reset_tmo: TARGET RESET timeout (s)
 * @def_taskmgmt_tmo: iscsid's default TMF timeout (s)
 * @time2wait: DefaultTime2Wait
 * @time2retain: DefaultTime2Retain
 * @discovery_sess: a SendTargets discovery session
 * @tsid: the TSIH the target assigned
 * @targetname: TargetName
 * @targetalias: TargetAlias
 * @initiatorname: InitiatorName
 * @ifacename: iscsid's iface
 * @username: CHAP name we answer with
 * @username_in: CHAP name the target answers with (mutual CHAP)
 * @password: CHAP secret we answer with
 * @password_in: CHAP secret the target answers with (mutual CHAP)
 * @portal_type: iscsid's portal type
 * @isid: ISID
 * @boot_root: iBFT boot root
 * @boot_nic: iBFT boot NIC
 * @boot_target: iBFT boot target
 * @host_netdev: the host's netdev (iscsiadm -m host)
 * @host_hwaddress: the host's hardware address
 * @host_ipaddress: the host's IP address
 * @host_initiatorname: the host's initiator name
 *
 * Integers as iscsid set them (SET_PARAM); strings kmalloc'd, freed with
 * the session.
 */
struct isda_params {
	u32	first_burst;
	u32	max_burst;
	u32	max_r2t;
	int	imm_data_en;
	int	initial_r2t_en;
	int	pdu_inorder_en;
	int	dataseq_inorder_en;
	int	erl;
	int	tpgt;
	int	fast_abort;
	int	abort_tmo;
	int	lu_reset_tmo;
	int	tgt_reset_tmo;
	int	def_taskmgmt_tmo;
	int	time2wait;
	int	time2retain;
	int	discovery_sess;
	int	tsid;
	char	*targetname;
	char	*targetalias;
	char	*initiatorname;
	char	*ifacename;
	char	*username;
	char	*username_in;
	char	*password;
	char	*password_in;
	char	*portal_type;
	char	*isid;
	char	*boot_root;
	char	*boot_nic;
	char	*boot_target;
	char	*host_netdev;
	char	*host_hwaddress;
	char	*host_ipaddress;
	char	*host_initiatorname;
};

/**
 * struct isda_session - cls_session->dd_data
 * @cls: the class session
 * @shost: our Scsi_Host (one per session, as for every iSCSI LLD)
 * @tr: transport
 * @lock: protects the SN state, @state, @conn's FFP flag and serialises
 *	Send_Control so CmdSN order equals send order
 * @state: see &enum isda_sess_state; changed only by isda_session_set_state()
 * @cmdsn: next CmdSN to assign
 * @exp_cmdsn: the target's ExpCmdSN
 * @max_cmdsn: the target's MaxCmdSN
 * @cmds_max: SCSI task indices 0 .. cmds_max - 1 (blk-mq tags)
 * @conn: the session's connection, or NULL
 * @params: negotiated/administrative parameters
 * @eh_mutex: one TMF at a time
 * @list: entry in the transport's session list (registry.c)
 * @debugfs: the session's directory in the state view (debugfs.c)
 * @tag_age: ITT age per task index, bumped under @lock on every send.  Not
 *	in the request: with an I/O scheduler a driver tag passes between
 *	request structures, whose own counters would repeat an ITT.
 */
struct isda_session {
	struct iscsi_cls_session	*cls;
	struct Scsi_Host		*shost;
	struct isda_transport		*tr;
	spinlock_t			lock;	/* see @lock above */
	enum isda_sess_state		state;
	u32				cmdsn;
	u32				exp_cmdsn;
	u32				max_cmdsn;
	u16				cmds_max;
	struct isda_conn		*conn;
	struct isda_params		params;
	struct mutex			eh_mutex;	/* one TMF at a time */
	struct list_head		list;
	struct dentry			*debugfs;
	u16				tag_age[];	/* cmds_max of them */
};

/* Connection states. */
enum isda_conn_state {
	ISDA_CONN_INIT,		/* created, no endpoint */
	ISDA_CONN_LOGIN,	/* bound, login PDUs relayed */
	ISDA_CONN_FFP,		/* started: Full Feature Phase */
	ISDA_CONN_FAILED,	/* error reported, waiting for iscsid */
	ISDA_CONN_STOPPED,	/* terminated; buffers are ours again */
};

/* Management task slot states. */
enum isda_mtask_state {
	ISDA_MTASK_FREE,
	ISDA_MTASK_RESERVED,	/* taken by isda_mtask_get(), not yet sent */
	ISDA_MTASK_ACTIVE,	/* sent, response expected */
	ISDA_MTASK_DONE,	/* response arrived, or given up on */
	ISDA_MTASK_RELEASING,	/* Deallocate_Task_Resources pending */
};

/**
 * struct isda_mtask - a management task slot
 * @conn: owner
 * @state: see &enum isda_mtask_state, under the session lock
 * @age: ITT age, bumped on every use
 * @slot: index in the conn's slot array
 * @kind: what the slot carries (ping, TMF, relayed PDU, NOP reply)
 * @sent: Send_Control accepted the task (the datamover holds state)
 * @done: completed when the response arrives or the connection dies
 * @tmf_response: TMF Response field on completion, or -1 when none came
 * @data: data segment buffer (ISCSI_DM_MAX_LOGIN_DATA bytes)
 * @release_work: Deallocate_Task_Resources may sleep: done from here
 * @task: what the datamover sees; followed by its private bytes
 */
struct isda_mtask {
	struct isda_conn	*conn;
	enum isda_mtask_state	state;
	u16			age;
	u16			slot;
	u8			kind;
	bool			sent;
	struct completion	done;
	int			tmf_response;
	u8			*data;
	struct work_struct	release_work;
	struct iscsi_dm_task	task;	/* must be last */
};

enum isda_mtask_kind {
	ISDA_MT_PING,		/* our NOP-Out ping */
	ISDA_MT_NOP_REPLY,	/* answer to a target NOP-In; no response */
	ISDA_MT_TMF,		/* eh handlers, waited on */
	ISDA_MT_RELAY,		/* Text/Logout/NOP from iscsid */
};

/**
 * struct isda_stats - counters for iscsiadm -m session -s
 * @txdata_octets: data bytes sent (immediate and unsolicited)
 * @rxdata_octets: data bytes received
 * @scsicmd_pdus: SCSI Command PDUs sent
 * @dataout_pdus: Data-Out PDUs the datamover sent for us
 * @scsirsp_pdus: SCSI Response PDUs received
 * @datain_pdus: Data-In PDUs received (none over iSER)
 * @noptx_pdus: NOP-Out PDUs sent
 * @noprx_pdus: NOP-In PDUs received
 * @tmfcmd_pdus: Task Management Function Requests sent
 * @tmfrsp_pdus: Task Management Function Responses received
 * @login_pdus: Login Requests sent
 * @logoutreq_pdus: Logout Requests sent
 * @logoutrsp_pdus: Logout Responses received
 * @text_pdus: Text Requests sent
 * @textrsp_pdus: Text Responses received
 * @async_pdus: Asynchronous Messages received
 * @reject_pdus: Reject PDUs received
 * @timeout_err: NOP-Out pings unanswered
 * @proto_err: protocol errors detected in received PDUs
 * @stale_rsp: responses for no outstanding task (late or duplicate)
 */
struct isda_stats {
	u64	txdata_octets;
	u64	rxdata_octets;
	u32	scsicmd_pdus;
	u32	dataout_pdus;
	u32	scsirsp_pdus;
	u32	datain_pdus;
	u32	noptx_pdus;
	u32	noprx_pdus;
	u32	tmfcmd_pdus;
	u32	tmfrsp_pdus;
	u32	login_pdus;
	u32	logoutreq_pdus;
	u32	logoutrsp_pdus;
	u32	text_pdus;
	u32	textrsp_pdus;
	u32	async_pdus;
	u32	reject_pdus;
	u32	timeout_err;
	u32	proto_err;
	u32	stale_rsp;
};

/**
 * struct isda_conn - cls_conn->dd_data
 * @dm: the Connection_Handle the datamover sees
 * @cls: the class connection
 * @sess: session
 * @state: see &enum isda_conn_state; isda_conn_set_state() only
 * @dm_mutex: serialises the sleeping down-calls on task resources
 *	(Deallocate_Task_Resources) against Connection_Terminate/unbind
 * @res_allocated: Allocate_Connection_Resources succeeded and not undone
 * @terminated: Connection_Terminate ran (or the conn never had resources)
 * @ffp: Enable_Datamover succeeded: Full Feature Phase (under the session
 *	lock; read without it to route a received PDU)
 * @err_reported: a connection error went to iscsid since the last start
 * @exp_statsn: next StatSN we expect
 * @login_age: ITT age for login-phase PDUs
 * @max_recv_dlength: our MaxRecvDataSegmentLength
 * @max_xmit_dlength: the target's MaxRecvDataSegmentLength
 * @hdrdgst_en: HeaderDigest (always 0 over a datamover)
 * @datadgst_en: DataDigest (always 0)
 * @ifmarker_en: IFMarker
 * @ofmarker_en: OFMarker
 * @ping_tmo: noop_out_timeout, seconds
 * @recv_tmo: noop_out_interval, seconds
 * @persistent_port: target portal port iscsid logged in to
 * @persistent_address: target portal address
 * @local_port: what iscsid told us (unused by RDMA)
 * @mtasks: management task slots (stride @mtask_size)
 * @mtask_size: bytes per slot including datamover private area
 * @ping_slot: slot of the outstanding ping, or -1
 * @ping_sent: jiffies the ping went out
 * @last_rx: jiffies of the last PDU received
 * @nop_work: the ping timer (nop.c)
 * @stats: counters
 * @debugfs: the connection's file in the state view (debugfs.c)
 */
struct isda_conn {
	struct iscsi_dm_conn	dm;
	struct iscsi_cls_conn	*cls;
	struct isda_session	*sess;
	enum isda_conn_state	state;
	struct mutex		dm_mutex;	/* see @dm_mutex above */
	bool			res_allocated;
	bool			terminated;
	bool			ffp;
	bool			err_reported;
	u32			exp_statsn;
	u16			login_age;
	u32			max_recv_dlength;
	u32			max_xmit_dlength;
	int			hdrdgst_en;
	int			datadgst_en;
	int			ifmarker_en;
	int			ofmarker_en;
	int			ping_tmo;
	int			recv_tmo;
	int			persistent_port;
	char			*persistent_address;
	int			local_port;
	u8			*mtasks;
	size_t			mtask_size;
	int			ping_slot;
	unsigned long		ping_sent;
	unsigned long		last_rx;
	struct delayed_work	nop_work;
	struct isda_stats	stats;
	struct dentry		*debugfs;
};

/* SCSI command states (atomic: response, abort and recovery race). */
enum isda_cmd_state {
	ISDA_CMD_IDLE,
	ISDA_CMD_ACTIVE,	/* handed to the datamover */
	ISDA_CMD_DONE,		/* claimed by exactly one completer */
};

/**
 * struct isda_cmd - per-request state in the blk-mq PDU (scsi_cmd_priv)
 * @state: &enum isda_cmd_state, changed with atomic_cmpxchg
 * @cmdsn: CmdSN the command went out with (RefCmdSN for ABORT TASK)
 * @edtl: Expected Data Transfer Length
 * @start_ns: when Send_Control accepted it (ktime_get_ns), for the trace
 * @task: the task the datamover sees, followed by its private bytes
 */
struct isda_cmd {
	atomic_t		state;
	u32			cmdsn;
	u32			edtl;
	u64			start_ns;
	struct iscsi_dm_task	task;	/* must be last */
};

static inline struct isda_conn *isda_dm_to_conn(struct iscsi_dm_conn *dm)
{
	return container_of(dm, struct isda_conn, dm);
}

static inline struct isda_transport *isda_cls_to_tr(struct iscsi_transport *t)
{
	return container_of(t, struct isda_transport, iscsit);
}

static inline struct isda_session *isda_shost_session(struct Scsi_Host *shost)
{
	return *(struct isda_session **)shost_priv(shost);
}

static inline struct isda_cmd *isda_sc_cmd(struct scsi_cmnd *sc)
{
	return scsi_cmd_priv(sc);
}

static inline struct isda_mtask *isda_mtask_at(struct isda_conn *conn, int i)
{
	return (struct isda_mtask *)(conn->mtasks + i * conn->mtask_size);
}

/* main.c: include/iscsi_dm_fault.h */
bool isda_fault(const char *site);
#ifdef ISCSI_DM_FAULT_INJECT
void isda_hold(const char *window, u32 id, bool can_sleep);
#else
static inline void isda_hold(const char *window, u32 id, bool can_sleep)
{
}
#endif

/* registry.c */
struct isda_transport *isda_transport_find_slot(int slot);
void isda_registry_add_session(struct isda_session *sess);
void isda_registry_del_session(struct isda_session *sess);
void isda_registry_exit(void);

/* transport.c */
void isda_transport_fill(struct isda_transport *tr);

/* endpoint.c */
struct iscsi_endpoint *isda_ep_connect(struct isda_transport *tr,
				       struct sockaddr *dst, int non_blocking);
int isda_ep_poll(struct iscsi_endpoint *ep, int timeout_ms);
void isda_ep_disconnect(struct iscsi_endpoint *ep);
int isda_get_ep_param(struct iscsi_endpoint *ep, enum iscsi_param param,
		      char *buf);
int isda_format_addr(const struct sockaddr_storage *ss, enum iscsi_param param,
		     char *buf);

/* session.c */
struct iscsi_cls_session *isda_create_session(struct iscsi_endpoint *ep,
					      u16 cmds_max, u16 qdepth,
					      u32 initial_cmdsn);
void isda_destroy_session(struct iscsi_cls_session *cls);
void isda_session_set_state(struct isda_session *sess,
			    enum isda_sess_state state);
const char *isda_sess_state_name(enum isda_sess_state state);

/* conn.c */
struct iscsi_cls_conn *isda_create_conn(struct iscsi_cls_session *cls,
					u32 cid);
void isda_destroy_conn(struct iscsi_cls_conn *cls);
int isda_bind_conn(struct iscsi_cls_session *cls_sess,
		   struct iscsi_cls_conn *cls_conn, u64 transport_eph,
		   int is_leading);
void isda_unbind_conn(struct iscsi_cls_conn *cls, bool is_active);
int isda_start_conn(struct iscsi_cls_conn *cls);
void isda_stop_conn(struct iscsi_cls_conn *cls, int flag);
void isda_conn_set_state(struct isda_conn *conn, enum isda_conn_state state);
const char *isda_conn_state_name(enum isda_conn_state state);

/* host.c */
void isda_host_template_fill(struct isda_transport *tr);
int isda_queuecommand(struct Scsi_Host *shost, struct scsi_cmnd *sc);
bool isda_cmd_claim(struct isda_cmd *cmd);
void isda_cmd_complete(struct isda_conn *conn, struct scsi_cmnd *sc,
		       struct iscsi_scsi_rsp *rsp, void *data, u32 len);

/* mtask.c */
struct isda_mtask *isda_mtask_get(struct isda_conn *conn, u8 kind);
int isda_mtask_send(struct isda_conn *conn, struct isda_mtask *mt, u32 dlen);
void isda_mtask_finish(struct isda_mtask *mt, int tmf_response);
void isda_mtask_put(struct isda_mtask *mt);
struct isda_mtask *isda_mtask_lookup(struct isda_conn *conn, itt_t itt);
int isda_mtasks_alloc(struct isda_conn *conn);
void isda_mtasks_free(struct isda_conn *conn);
void isda_mtasks_fail_all(struct isda_conn *conn);
struct scsi_cmnd *isda_cmd_lookup(struct isda_session *sess, itt_t itt);

/* relay.c */
int isda_conn_alloc_resources(struct isda_conn *conn);
int isda_send_pdu(struct iscsi_cls_conn *cls, struct iscsi_hdr *hdr,
		  char *data, u32 data_size);

/* recv.c */
void isda_rx_update_sn(struct isda_conn *conn, struct iscsi_hdr *hdr);

/* nop.c */
void isda_nop_init(struct isda_conn *conn);
void isda_nop_start(struct isda_conn *conn);
void isda_nop_stop(struct isda_conn *conn);
void isda_nop_in(struct isda_conn *conn, struct iscsi_nopin *hdr,
		 void *data, u32 len);

/* tmf.c */
int isda_eh_abort(struct scsi_cmnd *sc);
int isda_eh_device_reset(struct scsi_cmnd *sc);
int isda_eh_target_reset(struct scsi_cmnd *sc);
isda_eh_timeout_ret_t isda_eh_timed_out(struct scsi_cmnd *sc);

/* recovery.c */
void isda_conn_cleanup(struct isda_conn *conn, bool recover);
void isda_conn_failure(struct isda_conn *conn, enum iscsi_err err);
void isda_fail_commands(struct isda_session *sess, int result, u64 lun,
			bool all_luns, bool dealloc);
void isda_task_deallocate(struct isda_conn *conn, struct iscsi_dm_task *task);
void isda_session_recovery_timedout(struct iscsi_cls_session *cls);

/* params.c */
int isda_set_param(struct iscsi_cls_conn *cls, enum iscsi_param param,
		   char *buf, int buflen);
int isda_get_conn_param(struct iscsi_cls_conn *cls, enum iscsi_param param,
			char *buf);
int isda_get_session_param(struct iscsi_cls_session *cls,
			   enum iscsi_param param, char *buf);
int isda_get_host_param(struct Scsi_Host *shost, enum iscsi_host_param param,
			char *buf);
umode_t isda_attr_is_visible(int param_type, int param);
void isda_params_free(struct isda_params *p);
void isda_param_str_set(struct isda_session *sess, char **dst, char *val);

/* debugfs.c */
void isda_debugfs_init(void);
void isda_debugfs_exit(void);
void isda_debugfs_add_session(struct isda_session *sess);
void isda_debugfs_del_session(struct isda_session *sess);
void isda_debugfs_add_conn(struct isda_conn *conn);
void isda_debugfs_del_conn(struct isda_conn *conn);

/* stats.c */
void isda_get_stats(struct iscsi_cls_conn *cls, struct iscsi_stats *stats);

#endif /* ISDA_H */
