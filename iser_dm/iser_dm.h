/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * iser_dm.h - internal objects of the iSER datamover
 *
 * One &struct iser_dm_ep per RC connection.  It embeds the DI's
 * &struct iscsi_dm_ep and owns, in setup order: the rdma_cm id, a reference
 * on the per-device object (PD), a CQ from the device's CQ pool, the QP,
 * the login buffers, and (after Allocate_Connection_Resources) the
 * receive pool, the send-descriptor pool and the MR pool.  Teardown runs
 * the same list backwards (see iser_dm_ep_release()).
 */
#ifndef ISER_DM_H
#define ISER_DM_H

#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/completion.h>
#include <linux/atomic.h>
#include <rdma/ib_verbs.h>
#include <rdma/rdma_cm.h>
#include <scsi/iser.h>
#include <iscsi_dm.h>
#include "wire.h"

#define ISER_DM_NAME		"iser"

/* Receive buffers beyond one per task: unsolicited NOP-In, Async, Reject. */
#define ISER_DM_RX_SLACK	8
/* SGEs of a SEND: iSER header + BHS, then up to three data pieces. */
#define ISER_DM_MAX_TX_SGE	4
/*
 * Unsolicited Data-Out PDUs posted in one chain; a burst that needs more
 * (FirstBurstLength / MaxXmitDataSegmentLength) goes out in several
 * chains as descriptors come back (send.c).
 */
#define ISER_DM_MAX_DATAOUTS	63
/* Send descriptors only control PDUs may take (never starved by I/O). */
#define ISER_DM_TX_RESERVE	ISCSI_DM_MGMT_TASKS
/*
 * Unsolicited Data-Out PDUs in flight (posted, not completed) per
 * connection.  A target provisions receive buffers for the commands of its
 * CmdSN window (LIO: 128 buffers for a window of 64), not for whole
 * bursts: beyond that our SENDs meet RNR NAKs, and rxe retries them by
 * executing the REG_MRs queued behind them a second time ("not free"),
 * which kills the QP.
 */
#define ISER_DM_DATAOUTS_INFLIGHT	32
/*
 * Data-Outs one burst posts per turn while other bursts wait: bursts take
 * turns, not queue behind each other.  A target times each command from
 * its last Data-Out (LIO: 3 s, then at ERL0 the connection drops): with N
 * bursts waiting, each gets a Data-Out every N * TURN of them.  At 0.7 MB/s
 * (rxe under KASAN) eight 1 MiB bursts in a row starved the last, and
 * turns of 8 among 32 bursts of 8 KiB segments still took 3 s.
 */
#define ISER_DM_DATAOUTS_TURN	2
/* One command SEND in this many is signalled (send.c). */
#define ISER_DM_SIGNAL_EVERY	16
/* Bytes of iSER header + BHS + AHS a send descriptor carries. */
#define ISER_DM_TX_HDR_LEN	(sizeof(struct iser_ctrl) + ISCSI_DM_MAX_HDR_LEN)
/* Login buffers: iSER header + BHS + the largest login data segment. */
#define ISER_DM_LOGIN_BUF_LEN	(ISER_DM_HDRS_LEN + ISCSI_DM_MAX_LOGIN_DATA)
/* MR page size: what the block layer's virt_boundary guarantees. */
#define ISER_DM_PAGE_SHIFT	12
#define ISER_DM_PAGE_SIZE	BIT(ISER_DM_PAGE_SHIFT)
/* Room for "ep N to [IPv6 address]:port". */
#define ISER_DM_NAME_LEN	64
/* CM timeouts (ms) for address and route resolution. */
#define ISER_DM_RESOLVE_MS	1000

/* Module parameters (main.c). */
extern unsigned int iser_dm_max_cmds;
extern unsigned int iser_dm_sg_tablesize;
extern unsigned int iser_dm_rx_dlength_max;
extern bool iser_dm_force_no_send_inv;
extern unsigned int iser_dm_iwarp_connect_ms;
extern struct workqueue_struct *iser_dm_wq;
extern const struct iscsi_dm_ops iser_dm_ops;

/**
 * struct iser_dm_device - per-ib_device state shared by its connections
 * @entry: in the global device list (device.c)
 * @refs: connections using it; protected by the device-list mutex
 * @ib_dev: the RDMA device
 * @pd: protection domain of all our connections on @ib_dev
 */
struct iser_dm_device {
	struct list_head	entry;
	unsigned int		refs;
	struct ib_device	*ib_dev;
	struct ib_pd		*pd;
};

/**
 * enum iser_dm_state - life of an endpoint
 * @ISER_DM_INIT: allocated, nothing started
 * @ISER_DM_RESOLVING: resolving address, then route
 * @ISER_DM_CONNECTING: QP made, CM REQ sent
 * @ISER_DM_CONNECTED: RC connection up, login phase
 * @ISER_DM_FFP: Full Feature Phase (Enable_Datamover done)
 * @ISER_DM_TERMINATING: failed or being torn down; no new work
 * @ISER_DM_DOWN: QP drained, every task released
 * @ISER_DM_FAILED: the connect attempt failed (ep_poll reports it)
 */
enum iser_dm_state {
	ISER_DM_INIT,
	ISER_DM_RESOLVING,
	ISER_DM_CONNECTING,
	ISER_DM_CONNECTED,
	ISER_DM_FFP,
	ISER_DM_TERMINATING,
	ISER_DM_DOWN,
	ISER_DM_FAILED,
};

/**
 * struct iser_dm_rx_desc - one posted receive buffer
 * @cqe: completion handle
 * @ep: owning endpoint
 * @buf: iSER header + BHS + AHS + data segment
 * @dma: @buf's DMA address
 * @len: @buf's size
 * @byte_len: bytes the last completion delivered
 * @login: the login buffer (reposted only until the pool is posted)
 */
struct iser_dm_rx_desc {
	struct ib_cqe		cqe;
	struct iser_dm_ep	*ep;
	void			*buf;
	u64			dma;
	u32			len;
	u32			byte_len;
	bool			login;
};

/**
 * struct iser_dm_tx_desc - one SEND: iSER header + BHS (+ data SGEs)
 * @cqe: completion handle
 * @entry: in &iser_dm_ep.tx_free while unused, in &iser_dm_ep.tx_posted
 *	from its post until a completion retires it
 * @posted: on &iser_dm_ep.tx_posted
 * @ep: owning endpoint
 * @task: the SCSI task whose data this signalled SEND (the last of its
 *	chain) carries, or NULL; its completion ends the task's send
 * @dataouts: unsolicited Data-Out PDUs in the chain this signalled SEND
 *	ends, counted in &iser_dm_ep.dataouts_inflight until it is retired
 * @hdr: iSER header then BHS + AHS (inside the pool's DMA-mapped array)
 * @hdr_dma: DMA address of @hdr
 * @wr: the SEND work request
 * @sge: @wr's gather list; sge[0] is @hdr
 * @n_unmap: control-PDU data pages mapped for this send only
 * @unmap_addr: their DMA addresses (unmapped on completion)
 * @unmap_len: their lengths
 */
struct iser_dm_tx_desc {
	struct ib_cqe		cqe;
	struct list_head	entry;
	bool			posted;
	struct iser_dm_ep	*ep;
	struct iser_dm_task	*task;
	unsigned int		dataouts;
	u8			*hdr;
	u64			hdr_dma;
	struct ib_send_wr	wr;
	struct ib_sge		sge[ISER_DM_MAX_TX_SGE];
	unsigned int		n_unmap;
	u64			unmap_addr[ISER_DM_MAX_TX_SGE - 1];
	u32			unmap_len[ISER_DM_MAX_TX_SGE - 1];
};

/**
 * enum iser_dm_task_state - life of a SCSI task in the datamover (task.c)
 * @ISER_DM_TASK_IDLE: nothing mapped or registered; a SCSI Response naming
 *	the task is early (its command was not sent) and a protocol error
 * @ISER_DM_TASK_ACTIVE: buffers mapped, MRs registered, command posted
 * @ISER_DM_TASK_RESPONDED: its SCSI Response arrived and is held until the
 *	task settles (see &struct iser_dm_task); a second one is a protocol
 *	error
 * @ISER_DM_TASK_ABORTING: Deallocate_Task_Resources waits for it to settle
 */
enum iser_dm_task_state {
	ISER_DM_TASK_IDLE,
	ISER_DM_TASK_ACTIVE,
	ISER_DM_TASK_RESPONDED,
	ISER_DM_TASK_ABORTING,
};

/**
 * struct iser_dm_buf - one direction of a task's data
 * @desc: the Data_Descriptor it maps (iscsi_da's memory)
 * @dma_nents: entries after DMA mapping, 0 when unmapped
 * @mr: the fast-reg MR, or NULL (single segment sent with local_dma_lkey)
 * @invalid: @mr's key is invalid (the peer's Send with Invalidate, or our
 *	LOCAL_INV completed)
 */
struct iser_dm_buf {
	struct iscsi_dm_data_desc	*desc;
	int				dma_nents;
	struct ib_mr			*mr;
	bool				invalid;
};

static inline bool iser_dm_buf_needs_inv(const struct iser_dm_buf *buf)
{
	return buf->mr && !buf->invalid;
}

/**
 * struct iser_dm_task - our state behind each &struct iscsi_dm_task
 * @task: the DI task this area belongs to
 * @ep: endpoint the task was sent on (valid while not IDLE)
 * @entry: in &iser_dm_ep.active while not IDLE
 * @state: see &enum iser_dm_task_state, under &iser_dm_ep.lock
 * @sends: chains carrying the task's data posted and not completed: the
 *	HCA may still read the write buffer (a retransmission)
 * @inv_pending: a LOCAL_INV of the task's MRs is in flight
 * @do_entry: in &iser_dm_ep.dataouts while unsolicited Data-Outs remain to
 *	be posted
 * @do_off: offset of the next unsolicited byte to post in a Data-Out
 * @do_sn: DataSN of the next Data-Out
 * @in: read buffer (target RDMA-Writes)
 * @out: write buffer (immediate data SGE, RDMA Read beyond unsolicited)
 * @resp_rx: the held SCSI Response while RESPONDED (or ABORTING after one)
 * @inv_cqe: completion handle of the LOCAL_INV
 * @released: completed when an ABORTING task has settled
 *
 * The task settles (is released: MRs back to the pool, buffers unmapped,
 * IDLE) only when no chain of @sends is in flight, @inv_pending is clear
 * and its MRs are invalid; only then does its SCSI Response go to
 * iscsi_da.
 * Fields other than @state are under &iser_dm_ep.lock too once ACTIVE.
 */
struct iser_dm_task {
	struct iscsi_dm_task		*task;
	struct iser_dm_ep		*ep;
	struct list_head		entry;
	enum iser_dm_task_state		state;
	unsigned int			sends;
	bool				inv_pending;
	struct list_head		do_entry;
	u32				do_off;
	u32				do_sn;
	struct iser_dm_buf		in;
	struct iser_dm_buf		out;
	struct iser_dm_rx_desc		*resp_rx;
	struct ib_cqe			inv_cqe;
	struct completion		released;
};

/**
 * struct iser_dm_counters - live counters behind iscsi_dm_stats
 * @sends: SEND WRs posted
 * @signaled: SEND WRs posted signalled
 * @recvs: receive completions
 * @reg_mrs: REG_MR WRs posted
 * @inv_remote: MRs invalidated by the peer
 * @inv_local: LOCAL_INV WRs posted
 * @errors: failed completions and protocol errors
 */
struct iser_dm_counters {
	atomic64_t	sends;
	atomic64_t	signaled;
	atomic64_t	recvs;
	atomic64_t	reg_mrs;
	atomic64_t	inv_remote;
	atomic64_t	inv_local;
	atomic64_t	errors;
};

/**
 * struct iser_dm_ep - one iSER connection (Transport Connection)
 * @dm: the DI's view of it
 * @entry: in the global endpoint list (main.c), for module unload
 * @state: see &enum iser_dm_state; changed by iser_dm_set_state()
 * @lock: state, task list, tx free list, up-call accounting
 * @mutex: serialises setup and teardown of verbs objects
 * @wq: ep_poll, login sends and unbind wait here
 * @cm_id: the rdma_cm id, NULL once destroyed (device removal)
 * @dev: per-device object (PD), NULL until route resolution
 * @cq: from the device's CQ pool
 * @cq_size: entries taken from the pool
 * @qp: the RC QP
 * @qpn: its number, kept for the trace events (0 before it exists)
 * @tasks: SCSI + management tasks the QP is sized for
 * @sq_size: send queue depth
 * @rq_size: receive queue depth
 * @max_send_sge: SGEs per SEND we use (<= ISER_DM_MAX_TX_SGE)
 * @connect_err: why the connect failed (negative errno)
 * @connect_deadline: jiffies by which CONNECTING must end, or 0 (rcp.c)
 * @peer: what the target declared in its accept private data
 * @send_inv_ok: we advertised Send with Invalidate support
 * @login_tx: login request buffer (one PDU in flight)
 * @login_tx_dma: its DMA address
 * @login_tx_cqe: its completion handle
 * @login_tx_busy: a login SEND is in flight
 * @login_rx: the login receive buffer
 * @rx: receive pool, @rx_count entries
 * @rx_count: receive pool size, 0 when not allocated
 * @rx_dlength: data bytes each pool receive buffer takes
 * @tx: send-descriptor pool, @tx_count entries
 * @tx_count: send pool size
 * @tx_hdrs: one DMA-mapped array of all send headers
 * @tx_hdrs_dma: its DMA address
 * @tx_free: unused send descriptors
 * @tx_nfree: how many are on @tx_free
 * @tx_posted: descriptors posted and not yet retired, in posting order
 * @tx_unsignaled: SCSI command SENDs posted unsignalled since the last
 *	signalled one
 * @senders: senders past their state check that still use the QP, the
 *	pools or the login buffers; teardown waits for none (iser_dm_stop_io)
 * @dataouts: tasks with unsolicited Data-Outs still to post, in order
 * @dataouts_inflight: Data-Out PDUs posted and not retired (at most
 *	about ISER_DM_DATAOUTS_INFLIGHT)
 * @mrs: free fast-reg MRs (ib_mr_pool)
 * @mr_count: MRs in the pool, 0 when none
 * @max_pages: page-list length of each MR
 * @reg_cqe: completion handle of unsignalled REG_MR / LOCAL_INV WRs
 * @max_xmit: negotiated MaxXmitDataSegmentLength
 * @max_recv: negotiated MaxRecvDataSegmentLength
 * @first_burst: negotiated FirstBurstLength
 * @upcall_conn: Connection_Handle up-calls go to, NULL while unbound
 * @upcalls: up-calls running now
 * @no_notify: Connection_Terminate_Notify must not be sent any more
 * @notified: Connection_Terminate_Notify was sent
 * @term_err: the error the termination work reports
 * @term_work: runs the RFC 5047 §9.2 termination in process context
 * @free_work: the second half of ep_disconnect in the background, for a
 *	connect still in flight
 * @dying_id: the CM id ep_disconnect took over, to destroy last
 * @io_stopped: QP drained and every task released
 * @ever_connected: the CM reached ESTABLISHED (rdma_disconnect needed)
 * @active: SCSI tasks not IDLE
 * @stats: counters for get_stats
 * @id: the endpoint's number in @name
 * @name: how messages name the endpoint: "ep N to PEER" (N counts the
 *	module's endpoints); set at ep_connect, never changed
 * @bound_name: "session S conn C, " then @name, once bound (the kernel
 *	log's and the state view's names for the connection); set once,
 *	before @named
 * @named: @bound_name is set (release/acquire)
 */
struct iser_dm_ep {
	struct iscsi_dm_ep		dm;
	struct list_head		entry;
	enum iser_dm_state		state;
	spinlock_t			lock;	/* see @lock above */
	struct mutex			mutex;	/* see @mutex above */
	wait_queue_head_t		wq;

	struct rdma_cm_id		*cm_id;
	struct iser_dm_device		*dev;
	struct ib_cq			*cq;
	unsigned int			cq_size;
	struct ib_qp			*qp;
	u32				qpn;
	unsigned int			tasks;
	unsigned int			sq_size;
	unsigned int			rq_size;
	unsigned int			max_send_sge;
	int				connect_err;
	unsigned long			connect_deadline;
	struct iser_dm_peer_caps	peer;
	bool				send_inv_ok;

	void				*login_tx;
	u64				login_tx_dma;
	struct ib_cqe			login_tx_cqe;
	bool				login_tx_busy;
	struct iser_dm_rx_desc		login_rx;

	struct iser_dm_rx_desc		*rx;
	unsigned int			rx_count;
	u32				rx_dlength;
	struct iser_dm_tx_desc		*tx;
	unsigned int			tx_count;
	u8				*tx_hdrs;
	u64				tx_hdrs_dma;
	struct list_head		tx_free;
	unsigned int			tx_nfree;
	struct list_head		tx_posted;
	unsigned int			tx_unsignaled;
	unsigned int			senders;
	struct list_head		dataouts;
	unsigned int			dataouts_inflight;
	struct list_head		mrs;
	unsigned int			mr_count;
	unsigned int			max_pages;
	struct ib_cqe			reg_cqe;

	u32				max_xmit;
	u32				max_recv;
	u32				first_burst;

	struct iscsi_dm_conn		*upcall_conn;
	unsigned int			upcalls;
	bool				no_notify;
	bool				notified;
	int				term_err;
	struct work_struct		term_work;
	struct work_struct		free_work;
	struct rdma_cm_id		*dying_id;
	bool				io_stopped;
	bool				ever_connected;
	struct list_head		active;

	struct iser_dm_counters		stats;
	u32				id;
	char				name[ISER_DM_NAME_LEN];
	char				bound_name[ISER_DM_NAME_LEN + 32];
	bool				named;
};

static inline const char *iser_dm_ep_name(struct iser_dm_ep *ep)
{
	/* pairs with the release in iser_dm_bind(): the name is whole */
	return smp_load_acquire(&ep->named) ? ep->bound_name : ep->name;
}

/*
 * Messages about an endpoint name it as an admin finds it: the iSCSI
 * session and connection once bound, then the endpoint and its peer
 * ("iser_dm: session 2 conn 0, ep 7 to 10.0.3.1:3260: RDMA device
 * removed").
 */
#define iser_dm_ep_log(lvl, ep, fmt, ...) \
	lvl("%s: " fmt, iser_dm_ep_name(ep), ##__VA_ARGS__)
#define iser_dm_err(ep, fmt, ...)	iser_dm_ep_log(pr_err, ep, fmt, ##__VA_ARGS__)
#define iser_dm_warn(ep, fmt, ...)	iser_dm_ep_log(pr_warn, ep, fmt, ##__VA_ARGS__)
#define iser_dm_info(ep, fmt, ...)	iser_dm_ep_log(pr_info, ep, fmt, ##__VA_ARGS__)
#define iser_dm_dbg(ep, fmt, ...)	iser_dm_ep_log(pr_debug, ep, fmt, ##__VA_ARGS__)
#define iser_dm_err_ratelimited(ep, fmt, ...) \
	iser_dm_ep_log(pr_err_ratelimited, ep, fmt, ##__VA_ARGS__)

static inline struct iser_dm_ep *iser_dm_ep(struct iscsi_dm_ep *dm)
{
	return container_of(dm, struct iser_dm_ep, dm);
}

static inline struct iser_dm_ep *iser_dm_conn_ep(struct iscsi_dm_conn *conn)
{
	return conn && conn->ep ? iser_dm_ep(conn->ep) : NULL;
}

static inline struct iser_dm_task *iser_dm_task(struct iscsi_dm_task *task)
{
	return iscsi_dm_task_priv(task);
}

static inline struct ib_device *iser_dm_ibdev(struct iser_dm_ep *ep)
{
	return ep->dev->ib_dev;
}

/* main.c */
void iser_dm_ep_list_add(struct iser_dm_ep *ep);
void iser_dm_ep_list_del(struct iser_dm_ep *ep);
bool iser_dm_fault(const char *site);	/* include/iscsi_dm_fault.h */
#ifdef ISCSI_DM_FAULT_INJECT
void iser_dm_hold(const char *window, u32 id, bool can_sleep);
#else
static inline void iser_dm_hold(const char *window, u32 id, bool can_sleep)
{
}
#endif

/* cm.c: bootstrap (ep_connect, ep_poll, ep_disconnect) and CM events */
void iser_dm_set_state(struct iser_dm_ep *ep, enum iser_dm_state state);
const char *iser_dm_state_name(enum iser_dm_state state);
struct iscsi_dm_ep *iser_dm_ep_connect(struct sockaddr *dst, bool non_blocking);
int iser_dm_ep_poll(struct iscsi_dm_ep *dm, int timeout_ms);
void iser_dm_ep_disconnect(struct iscsi_dm_ep *dm);

/* rcp.c: everything that differs between InfiniBand, RoCE and iWARP */
void iser_dm_rcp_conn_param(struct iser_dm_ep *ep, struct rdma_conn_param *cp);
int iser_dm_rcp_access(struct iser_dm_ep *ep, enum dma_data_direction dir);
const char *iser_dm_rcp_name(struct iser_dm_ep *ep);
unsigned long iser_dm_rcp_connect_deadline(struct iser_dm_ep *ep);

/* device.c */
struct iser_dm_device *iser_dm_device_get(struct ib_device *ib_dev);
void iser_dm_device_put(struct iser_dm_device *dev);

/* qp.c */
int iser_dm_qp_create(struct iser_dm_ep *ep);
void iser_dm_qp_destroy(struct iser_dm_ep *ep);

/* login.c */
int iser_dm_login_alloc(struct iser_dm_ep *ep);
void iser_dm_login_free(struct iser_dm_ep *ep);
int iser_dm_bind(struct iscsi_dm_conn *conn, struct iscsi_dm_ep *dm);
void iser_dm_unbind(struct iscsi_dm_conn *conn);
int iser_dm_login_send(struct iscsi_dm_conn *conn, const struct iscsi_hdr *hdr,
		       const void *data, u32 len);

/* resources.c */
int iser_dm_allocate_connection_resources(struct iscsi_dm_conn *conn,
					  const struct iscsi_dm_resources *res);
void iser_dm_deallocate_connection_resources(struct iscsi_dm_conn *conn);
void iser_dm_resources_free(struct iser_dm_ep *ep);
int iser_dm_enable_datamover(struct iscsi_dm_conn *conn);
void iser_dm_notice_key_values(struct iscsi_dm_conn *conn,
			       const struct iscsi_dm_kv *kv, unsigned int n);
struct iser_dm_tx_desc *iser_dm_tx_get(struct iser_dm_ep *ep);
void iser_dm_tx_recycle(struct iser_dm_ep *ep, struct iser_dm_tx_desc *tx);
void iser_dm_tx_posted(struct iser_dm_ep *ep, struct iser_dm_tx_desc *tx);
void iser_dm_tx_unpost(struct iser_dm_ep *ep, struct iser_dm_tx_desc *tx);
void iser_dm_tx_retire(struct iser_dm_ep *ep, struct iser_dm_tx_desc *tx);
void iser_dm_tx_retire_all(struct iser_dm_ep *ep);

/* send.c */
int iser_dm_send_control(struct iscsi_dm_conn *conn, struct iscsi_dm_task *task);
void iser_dm_dataouts_resume(struct iser_dm_ep *ep);

/* recv.c */
int iser_dm_post_recv(struct iser_dm_ep *ep, struct iser_dm_rx_desc *rx);
void iser_dm_rx_done(struct ib_cq *cq, struct ib_wc *wc);
void iser_dm_deliver(struct iser_dm_ep *ep, struct iser_dm_rx_desc *rx,
		     struct iscsi_dm_task *task);
void iser_dm_protocol_error(struct iser_dm_ep *ep, const char *what, u8 opcode);
void iser_dm_repost(struct iser_dm_ep *ep, struct iser_dm_rx_desc *rx);

/* memory.c */
int iser_dm_task_map(struct iser_dm_ep *ep, struct iscsi_dm_task *task,
		     struct ib_reg_wr *reg, unsigned int *nreg);
void iser_dm_task_release(struct iser_dm_ep *ep, struct iser_dm_task *t);
int iser_dm_task_remote_inv(struct iser_dm_ep *ep, struct iser_dm_task *t, u32 rkey);
int iser_dm_task_post_inv(struct iser_dm_ep *ep, struct iser_dm_task *t);
void iser_dm_task_inv_complete(struct iser_dm_task *t);
void iser_dm_reg_done(struct ib_cq *cq, struct ib_wc *wc);

/* task.c: a SCSI task's life from its post to its release */
bool iser_dm_sender_enter(struct iser_dm_ep *ep, enum iser_dm_state state);
void iser_dm_sender_exit(struct iser_dm_ep *ep);
void iser_dm_task_sent(struct iser_dm_ep *ep, struct iser_dm_task *t, bool ok);
void iser_dm_task_response(struct iser_dm_ep *ep, struct iser_dm_rx_desc *rx,
			   struct ib_wc *wc, struct iser_dm_rx_pdu *pdu);
void iser_dm_inv_done(struct ib_cq *cq, struct ib_wc *wc);
void iser_dm_deallocate_task_resources(struct iscsi_dm_conn *conn,
				       struct iscsi_dm_task *task);

/* terminate.c */
struct iscsi_dm_conn *iser_dm_upcall_begin(struct iser_dm_ep *ep);
void iser_dm_upcall_end(struct iser_dm_ep *ep);
void iser_dm_conn_fail(struct iser_dm_ep *ep, int err);
void iser_dm_term_work(struct work_struct *work);
void iser_dm_stop_io(struct iser_dm_ep *ep);
void iser_dm_connection_terminate(struct iscsi_dm_conn *conn);

/* stats.c */
void iser_dm_get_stats(struct iscsi_dm_conn *conn, struct iscsi_dm_stats *stats);

/* show.c: iscsi_da's state view */
void iser_dm_show(struct iscsi_dm_conn *conn, struct seq_file *m);
void iser_dm_show_task(struct iscsi_dm_conn *conn, struct iscsi_dm_task *task,
		       struct seq_file *m);

#endif /* ISER_DM_H */
