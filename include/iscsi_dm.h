/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iscsi_dm.h - the Datamover Interface (DI) between iscsi_da and a datamover
 *
 * This header is the whole contract between the iSCSI layer (iscsi_da.ko)
 * and a datamover such as iSER (iser_dm.ko), modelled on RFC 5047, the
 * Datamover Architecture for iSCSI.  The iSCSI layer knows nothing about the
 * fabric; the datamover knows nothing about SCSI.  Every RFC 5047
 * Operational Primitive that an initiator uses is one named member of
 * &struct iscsi_dm_ops (down-calls) or one exported iscsi_dm_*_notify()
 * function (up-calls).  Documentation/datamover-interface.rst keeps the map.
 *
 * Object model:
 *
 * - &struct iscsi_dm_ep is the Transport Connection (an RC QP for iSER).  The
 *   datamover embeds it in its own connection object and returns it from
 *   &iscsi_dm_ops.ep_connect.  It exists before the iSCSI connection does,
 *   because the login phase already runs over it.
 * - &struct iscsi_dm_conn is the RFC 5047 Connection_Handle.  iscsi_da embeds
 *   it in its iSCSI connection; &iscsi_dm_ops.bind ties it to an endpoint.
 *   Every down-call and up-call is qualified by it.
 * - &struct iscsi_dm_task is one iSCSI task (an ITT).  iscsi_da owns it (it
 *   lives in the blk-mq request PDU or in the connection's small management
 *   task array); the datamover gets @iscsi_dm_ops.task_priv_size bytes
 *   behind it for its per-task state, so the I/O path allocates nothing.
 * - &struct iscsi_dm_data_desc is the RFC 5047 Data_Descriptor: a
 *   scatterlist describing an I/O buffer.
 *
 * The lifetime rule (what makes it safe to hand buffers to a fabric): a
 * SCSI command's buffers belong to the datamover from Send_Control until
 * either (a) Control_Notify delivers its SCSI Response with the task
 * attached, or (b) Deallocate_Task_Resources or Connection_Terminate
 * returns.  The datamover attaches the task to a SCSI Response only once
 * the fabric can no longer touch the buffers: every send that reads them
 * has completed, every key that exposes them is invalid, and they are
 * DMA-unmapped.  iscsi_da completes a command to the midlayer only at (a)
 * or after (b); a response that arrives without its task (early,
 * duplicate, never issued) completes nothing.
 *
 * Put_Data, Get_Data and Data_ACK_Notify are target-side primitives: an
 * initiator never issues or receives them (R2T and Data-In are data-type
 * PDUs consumed inside the datamover).  They have no member here; see
 * Documentation/datamover-interface.rst for where they would sit.
 */
#ifndef ISCSI_DM_H
#define ISCSI_DM_H

#include <linux/types.h>
#include <linux/socket.h>
#include <linux/scatterlist.h>
#include <linux/dma-direction.h>
#include <linux/module.h>
#include <linux/list.h>
#include <scsi/iscsi_proto.h>

/* Bumped on every incompatible change of this header. */
#define ISCSI_DM_API_VERSION	3

/**
 * iscsi_dm_itt() - an ITT as the number on the wire, for logs and traces
 * @itt: the Initiator Task Tag as a PDU carries it
 *
 * Return: @itt in CPU byte order.
 */
static inline u32 iscsi_dm_itt(itt_t itt)
{
	return be32_to_cpu((__force __be32)itt);
}

/*
 * Management tasks (NOP-Out, TMF, Text, Logout) iscsi_da may have
 * outstanding on one connection beside its SCSI commands; a datamover
 * sizes its queues and reserves for max_cmds + this many.
 */
#define ISCSI_DM_MGMT_TASKS	8

/* Largest BHS + AHS iscsi_da ever hands down (BHS + one CDB AHS). */
#define ISCSI_DM_MAX_HDR_LEN	(sizeof(struct iscsi_hdr) + 64)

/* Largest login-phase data segment (what LIO's isert posts for login). */
#define ISCSI_DM_MAX_LOGIN_DATA	8192

struct device;
struct seq_file;
struct iscsi_dm_conn;
/*
 * Not used by the DI itself: declared here so that checkpatch, which learns
 * the kernel's CamelCase type names from include/, accepts the SCSI
 * midlayer's host type in both modules.
 */
struct Scsi_Host;
struct iscsi_dm_ops;

/**
 * struct iscsi_dm_ep - a Transport Connection (RFC 5047 §2) made by a datamover
 * @ops: the datamover that made this endpoint
 * @dst_addr: the peer's address, for sysfs (persistent_address/port)
 * @src_addr: the local address once connected
 * @max_cmds: SCSI tasks the endpoint's queues can carry at once; iscsi_da
 *	clamps the session's cmds_max (and can_queue) to it
 * @sg_tablesize: largest scatterlist the datamover registers in one go
 * @max_sectors: largest I/O in 512-byte sectors (device registration limit)
 * @dma_dev: the device that DMA-maps task buffers (for RDMA the
 *	ib_device's dma_device), or NULL; iscsi_da parents the SCSI host under
 *	it so the block layer sizes segments by the device's DMA limits
 * @no_sg_gaps: true when the datamover can only register buffers without
 *	gaps between 4 KiB pages (fast-registration page lists); iscsi_da then
 *	sets the host's virt_boundary_mask so the block layer never builds one
 *
 * Embedded by the datamover in its own connection object; iscsi_da never
 * allocates or frees it.
 */
struct iscsi_dm_ep {
	const struct iscsi_dm_ops	*ops;
	struct sockaddr_storage		dst_addr;
	struct sockaddr_storage		src_addr;
	u16				max_cmds;
	u16				sg_tablesize;
	u32				max_sectors;
	struct device			*dma_dev;
	bool				no_sg_gaps;
};

/**
 * struct iscsi_dm_conn - the RFC 5047 Connection_Handle
 * @ep: the Transport Connection this iSCSI connection runs over, or NULL
 *	while unbound
 * @sid: the session's number (scsi_transport_iscsi's), for log messages
 * @cid: the iSCSI connection ID, for log messages
 *
 * Embedded by iscsi_da in its connection object.  The datamover finds its
 * own state through @ep (container_of on its connection object).
 */
struct iscsi_dm_conn {
	struct iscsi_dm_ep	*ep;
	u32			sid;
	u32			cid;
};

/**
 * struct iscsi_dm_data_desc - the RFC 5047 Data_Descriptor
 * @sgl: the buffer, CPU-owned (not DMA-mapped); the datamover maps it
 * @nents: number of entries in @sgl
 * @length: bytes the descriptor covers (may be less than the sum of @sgl)
 * @dir: DMA direction the datamover must map @sgl with
 */
struct iscsi_dm_data_desc {
	struct scatterlist	*sgl;
	unsigned int		nents;
	u32			length;
	enum dma_data_direction	dir;
};

/**
 * struct iscsi_dm_task - one iSCSI task as the datamover sees it
 * @conn: Connection_Handle the task runs on
 * @itt: Initiator Task Tag, as on the wire
 * @hdr: BHS followed by AHS, ready to transmit (Send_Control qualifier a)
 * @hdr_len: bytes valid in @hdr (48 + AHS)
 * @out: DataDescriptorOut: write buffer of a SCSI command, or the data
 *	segment of a control PDU (text, NOP-Out ping data, Data-Out payload)
 * @in: DataDescriptorIn: read buffer of a SCSI command
 * @immediate_size: ImmediateDataSize: leading bytes of @out sent with the
 *	command PDU itself
 * @unsolicited_size: UnsolicitedDataSize: immediate plus non-immediate
 *	unsolicited bytes; the datamover must expose @out beyond this for the
 *	target to fetch (RDMA Read for iSER)
 * @control_sg: storage for a one-entry @out/@in of a control PDU
 *
 * Lives in iscsi_da's per-request memory; followed by
 * &iscsi_dm_ops.task_priv_size bytes for the datamover (iscsi_dm_task_priv()).
 * Valid from Send_Control until the SCSI Response has been delivered by
 * Control_Notify with this task attached, or until Deallocate_Task_Resources
 * or Connection_Terminate returns (the lifetime rule at the top).
 */
struct iscsi_dm_task {
	struct iscsi_dm_conn		*conn;
	itt_t				itt;
	u8				hdr[ISCSI_DM_MAX_HDR_LEN] __aligned(8);
	u32				hdr_len;
	struct iscsi_dm_data_desc	out;
	struct iscsi_dm_data_desc	in;
	u32				immediate_size;
	u32				unsolicited_size;
	struct scatterlist		control_sg;
};

/**
 * iscsi_dm_task_priv() - the datamover's per-task area behind a task
 * @task: the task
 *
 * Return: pointer to &iscsi_dm_ops.task_priv_size bytes, 8-byte aligned.
 */
static inline void *iscsi_dm_task_priv(struct iscsi_dm_task *task)
{
	return (void *)ALIGN((unsigned long)(task + 1), 8);
}

/* Total per-task bytes iscsi_da must reserve for a datamover. */
#define ISCSI_DM_TASK_SIZE(priv)	(ALIGN(sizeof(struct iscsi_dm_task), 8) + (priv))

/**
 * struct iscsi_dm_resources - the RFC 5047 Resource_Descriptor
 * @max_tasks: tasks the connection may have outstanding (SCSI + management);
 *	ITT task indices run 0 .. @max_tasks - 1
 * @max_recv_dlength: largest data segment the peer may send us
 *	(InitiatorRecvDataSegmentLength / MaxRecvDataSegmentLength as offered)
 * @max_xmit_dlength: largest data segment we may send
 * @first_burst: FirstBurstLength (bounds unsolicited data)
 * @max_burst: MaxBurstLength
 * @discovery: true for a SendTargets discovery session (no SCSI I/O)
 *
 * Passed to Allocate_Connection_Resources so the datamover sizes its
 * per-connection pools (receive buffers, send descriptors, MRs) once.
 */
struct iscsi_dm_resources {
	u16	max_tasks;
	u32	max_recv_dlength;
	u32	max_xmit_dlength;
	u32	first_burst;
	u32	max_burst;
	bool	discovery;
};

/**
 * enum iscsi_dm_key - keys passed to Notice_Key_Values
 * @ISCSI_DM_KEY_MAX_RECV_DLENGTH: MaxRecvDataSegmentLength / InitiatorRDSL
 * @ISCSI_DM_KEY_MAX_XMIT_DLENGTH: peer's MaxRecvDataSegmentLength / TargetRDSL
 * @ISCSI_DM_KEY_FIRST_BURST: FirstBurstLength
 * @ISCSI_DM_KEY_MAX_BURST: MaxBurstLength
 * @ISCSI_DM_KEY_IMMEDIATE_DATA: ImmediateData (0/1)
 * @ISCSI_DM_KEY_INITIAL_R2T: InitialR2T (0/1)
 * @ISCSI_DM_KEY_RDMA_EXTENSIONS: RDMAExtensions (0/1)
 * @ISCSI_DM_KEY_MAX_OUTSTANDING_UNEXP_PDUS: MaxOutstandingUnexpectedPDUs
 * @ISCSI_DM_KEY_ERL: ErrorRecoveryLevel
 * @ISCSI_DM_KEY_MAX: number of keys
 */
enum iscsi_dm_key {
	ISCSI_DM_KEY_MAX_RECV_DLENGTH,
	ISCSI_DM_KEY_MAX_XMIT_DLENGTH,
	ISCSI_DM_KEY_FIRST_BURST,
	ISCSI_DM_KEY_MAX_BURST,
	ISCSI_DM_KEY_IMMEDIATE_DATA,
	ISCSI_DM_KEY_INITIAL_R2T,
	ISCSI_DM_KEY_RDMA_EXTENSIONS,
	ISCSI_DM_KEY_MAX_OUTSTANDING_UNEXP_PDUS,
	ISCSI_DM_KEY_ERL,
	ISCSI_DM_KEY_MAX,
};

/**
 * struct iscsi_dm_kv - one negotiated key-value pair
 * @key: which key
 * @value: its negotiated value (numbers; booleans as 0/1)
 */
struct iscsi_dm_kv {
	enum iscsi_dm_key	key;
	u32			value;
};

/**
 * struct iscsi_dm_stats - datamover counters folded into iscsi_da's stats
 * @sends: SEND work requests posted
 * @signaled: of those, posted signalled (each costs a completion)
 * @recvs: receive completions (PDUs arrived)
 * @reg_mrs: memory registrations (fast-reg WRs)
 * @inv_remote: registrations invalidated by the peer (Send-with-Invalidate)
 * @inv_local: registrations invalidated locally (LOCAL_INV WRs)
 * @errors: failed completions and protocol errors detected by the datamover
 */
struct iscsi_dm_stats {
	u64	sends;
	u64	signaled;
	u64	recvs;
	u64	reg_mrs;
	u64	inv_remote;
	u64	inv_local;
	u64	errors;
};

/**
 * struct iscsi_dm_ops - what a datamover implements
 * @name: transport name, as iscsid knows it ("iser")
 * @owner: THIS_MODULE
 * @api_version: ISCSI_DM_API_VERSION the datamover was built against
 * @caps: CAP_* flags of scsi_transport_iscsi.h to advertise (CAP_RECOVERY_L0,
 *	CAP_MULTI_R2T, CAP_TEXT_NEGO, ...)
 * @rdma: true when the transport is RDMA-based (iscsid negotiates the
 *	iSER keys and no digests)
 * @task_priv_size: bytes of per-task datamover state behind each
 *	&struct iscsi_dm_task
 *
 * Bootstrap - outside RFC 5047, which assumes a connected transport (the
 * generalisation draft, §8.1.6: login runs over the fabric's messaging):
 *
 * @ep_connect: start connecting to @dst.  Returns the endpoint or an
 *	ERR_PTR().  May return before the connection is up.  Process context.
 * @ep_poll: wait up to @timeout_ms for the connect to finish.  Returns 1
 *	connected, 0 still connecting, negative errno on failure.
 * @ep_disconnect: disconnect and free the endpoint.  The endpoint must be
 *	unbound.  Waits for all datamover activity on it to end.
 * @bind: bind a Connection_Handle to an endpoint for the login phase.
 *	Returns 0 or a negative errno (-EINVAL if @ep is already bound).
 * @unbind: undo @bind; after it returns no up-call for @conn is running or
 *	will be made.
 * @login_send: send one login-phase PDU (Login, or a Logout/Text before
 *	Full Feature Phase) over the endpoint's messaging.  @hdr is a 48-byte
 *	BHS; @data / @len its data segment (@len <= ISCSI_DM_MAX_LOGIN_DATA).
 *	Answers arrive through iscsi_dm_control_notify().
 *
 * RFC 5047 §8 Operational Primitives (initiator side):
 *
 * @send_control: Send_Control (§8.1, qualifiers of §10.3) - transmit the
 *	control-type PDU described by @task.  For a SCSI Command the
 *	datamover also makes @task->in / @task->out available to the peer
 *	(beyond @task->unsolicited_size for writes).  Valid only in Full
 *	Feature Phase.  May be called from atomic context; must not
 *	allocate memory on the I/O path.  Returns 0, -EAGAIN when the send
 *	queue is momentarily full (iscsi_da requeues), or another errno.
 * @allocate_connection_resources: Allocate_Connection_Resources (§8.4) -
 *	allocate everything Full Feature Phase needs, sized by @res.  Called
 *	before the final login request is sent; idempotent.  Process context.
 * @deallocate_connection_resources: Deallocate_Connection_Resources (§8.5) -
 *	free what @allocate_connection_resources made, e.g. after a failed
 *	login.  Process context.
 * @enable_datamover: Enable_Datamover (§8.6) - switch the connection to
 *	Full Feature Phase.  Returns 0 or errno.  Process context.
 * @connection_terminate: Connection_Terminate (§8.7) - terminate the
 *	Transport Connection and release all task and connection resources.
 *	On return every outstanding task's buffers belong to iscsi_da again
 *	and no up-call for @conn is running.  Process context.
 * @notice_key_values: Notice_Key_Values (§8.8) - the negotiated values of
 *	@n keys.  Process context.
 * @deallocate_task_resources: Deallocate_Task_Resources (§8.9) - release the
 *	datamover's state for a task that ends without a SCSI Response (abort,
 *	reset, connection loss).  On return the task's buffers are no longer
 *	accessible to the peer.  May sleep.
 *
 * @get_stats: copy the datamover's counters for @conn into @stats.
 *
 * The state view (debugfs, optional; may be NULL):
 *
 * @show: print the datamover's state of bound @conn to @m - its
 *	Transport Connection, queues, pools and counters - as lines indented
 *	by two spaces.  iscsi_da calls it with @conn bound and no
 *	@bind/@unbind/@connection_terminate/@deallocate_task_resources
 *	running for @conn; the connection may be failing meanwhile.  May
 *	sleep, must not wait for the connection's teardown.
 * @show_task: print, on one line without its end, the datamover's state
 *	of @task, a SCSI task iscsi_da has handed to @send_control on bound
 *	@conn and whose end it has not seen.  Same context as @show.
 */
struct iscsi_dm_ops {
	const char	*name;
	struct module	*owner;
	unsigned int	api_version;
	u64		caps;
	bool		rdma;
	size_t		task_priv_size;

	struct iscsi_dm_ep *(*ep_connect)(struct sockaddr *dst, bool non_blocking);
	int (*ep_poll)(struct iscsi_dm_ep *ep, int timeout_ms);
	void (*ep_disconnect)(struct iscsi_dm_ep *ep);
	int (*bind)(struct iscsi_dm_conn *conn, struct iscsi_dm_ep *ep);
	void (*unbind)(struct iscsi_dm_conn *conn);
	int (*login_send)(struct iscsi_dm_conn *conn, const struct iscsi_hdr *hdr,
			  const void *data, u32 len);

	int (*send_control)(struct iscsi_dm_conn *conn, struct iscsi_dm_task *task);
	int (*allocate_connection_resources)(struct iscsi_dm_conn *conn,
					     const struct iscsi_dm_resources *res);
	void (*deallocate_connection_resources)(struct iscsi_dm_conn *conn);
	int (*enable_datamover)(struct iscsi_dm_conn *conn);
	void (*connection_terminate)(struct iscsi_dm_conn *conn);
	void (*notice_key_values)(struct iscsi_dm_conn *conn,
				  const struct iscsi_dm_kv *kv, unsigned int n);
	void (*deallocate_task_resources)(struct iscsi_dm_conn *conn,
					  struct iscsi_dm_task *task);

	void (*get_stats)(struct iscsi_dm_conn *conn, struct iscsi_dm_stats *stats);

	void (*show)(struct iscsi_dm_conn *conn, struct seq_file *m);
	void (*show_task)(struct iscsi_dm_conn *conn, struct iscsi_dm_task *task,
			  struct seq_file *m);
};

/**
 * iscsi_dm_register() - register a datamover with iscsi_da
 * @ops: the datamover's operations; must stay valid until unregistered
 *
 * Registers an iSCSI transport named @ops->name with scsi_transport_iscsi,
 * so that iscsid can drive it ("iscsiadm -I iser").
 *
 * Return: 0, -EEXIST if a transport of that name exists, -EINVAL on an API
 * version mismatch, -ENOSPC when all slots are taken, or -ENOMEM.
 */
int iscsi_dm_register(const struct iscsi_dm_ops *ops);

/**
 * iscsi_dm_unregister() - unregister a datamover
 * @ops: what was passed to iscsi_dm_register()
 *
 * Sessions pin the datamover's module, so none should be open here; any
 * still open are terminated first (their I/O fails with
 * DID_TRANSPORT_FAILFAST), then the transport is unregistered.  Called
 * from the datamover's module exit; may sleep.
 */
void iscsi_dm_unregister(const struct iscsi_dm_ops *ops);

/**
 * iscsi_dm_task_lookup() - find the task an incoming PDU's ITT names
 * @conn: Connection_Handle the PDU arrived on
 * @itt: the ITT from the PDU, as on the wire
 *
 * Lets the datamover release its per-task resources (e.g. check a
 * Send-with-Invalidate key, unmap buffers) before Control_Notify delivers a
 * SCSI Response with the task attached.  A task returned here may not have
 * reached the datamover yet (iscsi_da marks it outstanding before
 * Send_Control): the datamover must treat a response for a task it has
 * not sent as a protocol error.  Any context.
 *
 * Return: the task, or NULL if @itt names no task outstanding on @conn
 * (stale, never issued, or reserved).
 */
struct iscsi_dm_task *iscsi_dm_task_lookup(struct iscsi_dm_conn *conn, itt_t itt);

/**
 * iscsi_dm_control_notify() - Control_Notify (RFC 5047 §9.1)
 * @conn: Connection_Handle the PDU arrived on
 * @hdr: the PDU's BHS (48 bytes, AHS following if any)
 * @data: its data segment, or NULL
 * @len: bytes in @data
 * @task: for a SCSI Response, the task it answers, which the datamover
 *	found with iscsi_dm_task_lookup() and has released (the lifetime rule
 *	at the top); NULL when it found none.  NULL for every other PDU.
 *
 * Delivers a control-type PDU, in the login phase (login responses, relayed
 * to iscsid) and in Full Feature Phase.  A SCSI Response without @task
 * completes no command.  Any context except hard IRQ; the buffers are only
 * borrowed for the duration of the call.
 *
 * Return: 0, or a negative errno when the PDU was malformed or unexpected:
 * iscsi_da has then already logged it and started connection recovery.
 */
int iscsi_dm_control_notify(struct iscsi_dm_conn *conn, struct iscsi_hdr *hdr,
			    void *data, u32 len, struct iscsi_dm_task *task);

/**
 * iscsi_dm_connection_terminate_notify() - Connection_Terminate_Notify (§9.2)
 * @conn: Connection_Handle of the failed connection
 * @err: why (negative errno), for the log
 *
 * The datamover calls this after it has stopped using the connection's task
 * resources (RFC 5047 §9.2).  iscsi_da reports a connection error to
 * iscsid and starts ERL0 recovery.  Any context except hard IRQ; a second
 * call for the same connection is ignored.
 */
void iscsi_dm_connection_terminate_notify(struct iscsi_dm_conn *conn, int err);

/**
 * iscsi_dm_data_completion_notify() - Data_Completion_Notify (§9.3)
 * @conn: Connection_Handle
 * @itt: the task
 * @sn: DataSN or R2TSN of the completed transfer
 *
 * Completion of a Put_Data/Get_Data requested with Notify_Enable.  Those are
 * target-side primitives: an initiator datamover never has cause to call
 * this, and iscsi_da treats a call as a datamover protocol error (logged,
 * connection recovery).  Present so the DI is complete.
 */
void iscsi_dm_data_completion_notify(struct iscsi_dm_conn *conn, itt_t itt, u32 sn);

#endif /* ISCSI_DM_H */
