// SPDX-License-Identifier: GPL-2.0-only
/*
 * iser-evil-target - a small iSER target in userspace (librdmacm + verbs)
 * that behaves correctly, except exactly once, when it feeds the initiator
 * one chosen kind of malformed traffic.  Used by the VM tests to exercise an
 * iSER initiator's error paths.  See usage() for the scenarios.
 *
 * It is deliberately simple: one thread, one event loop, a RAM disk shared
 * by all connections, a fixed command window.  It is not a real target.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <arpa/inet.h>
#include <endian.h>
#include <infiniband/verbs.h>
#include <rdma/rdma_cma.h>

/*
 * Wire layouts.  Our own minimal copies of the iSER definitions in the
 * kernel's include/scsi/iser.h (RFC 7145), big-endian on the wire.
 */
#define ISER_ZBVA_NOT_SUP	0x80
#define ISER_SEND_W_INV_NOT_SUP	0x40
#define ISCSI_CTRL		0x10
#define ISER_WSV		0x08
#define ISER_RSV		0x04

struct iser_cm_hdr {
	uint8_t flags;
	uint8_t rsvd[3];
} __attribute__((packed));

struct iser_ctrl {
	uint8_t flags;
	uint8_t rsvd[3];
	uint32_t write_stag;
	uint64_t write_va;
	uint32_t read_stag;
	uint64_t read_va;
} __attribute__((packed));

#define ISER_HDR_LEN	28
#define BHS_LEN		48
#define HDRS_LEN	(ISER_HDR_LEN + BHS_LEN)

/* iSCSI opcodes (RFC 7143, include/scsi/iscsi_proto.h) */
#define OP_NOOP_OUT	0x00
#define OP_SCSI_CMD	0x01
#define OP_TMF		0x02
#define OP_LOGIN	0x03
#define OP_TEXT		0x04
#define OP_DATA_OUT	0x05
#define OP_LOGOUT	0x06
#define OP_NOOP_IN	0x20
#define OP_SCSI_RSP	0x21
#define OP_TMF_RSP	0x22
#define OP_LOGIN_RSP	0x23
#define OP_TEXT_RSP	0x24
#define OP_DATA_IN	0x25
#define OP_LOGOUT_RSP	0x26
#define OP_R2T		0x31
#define OP_ASYNC	0x32
#define OP_IMMEDIATE	0x40
#define OP_MASK		0x3f

/* Byte offsets in the 48-byte BHS common to most PDUs. */
#define B_OP		0
#define B_FLAGS		1
#define B_AHSLEN	4
#define B_DLEN		5
#define B_LUN		8
#define B_ITT		16
#define B_TTT		20	/* EDTL in a SCSI command, CID in a login */
#define B_CMDSN		24	/* StatSN in target PDUs */
#define B_EXPSTATSN	28	/* ExpCmdSN in target PDUs */
#define B_MAXCMDSN	32
#define B_CDB		32

#define RSVD_TAG	0xffffffffu

/* Sizes. */
#define RX_N		128
#define RX_DATA		(8192 + 1024)
#define RX_SIZE		(HDRS_LEN + RX_DATA)
#define TX_N		256
#define TX_DATA		16384
#define TX_SIZE		(HDRS_LEN + TX_DATA)
#define SQ_DEPTH	512
#define CMD_WINDOW	64
#define TARGET_RDSL	8192
#define BLOCK		512

enum scen {
	S_GOOD, S_UNKNOWN_OPCODE, S_BAD_ITT, S_DUP_RESPONSE, S_LONG_DATA,
	S_LONG_DSL, S_BAD_ISER_FLAGS, S_INV_WRONG_STAG, S_INV_OTHER_STAG, S_TRUNCATED,
	S_CMDSN_BACKWARDS, S_NOP_FLOOD, S_ASYNC_FLOOD, S_ASYNC_LOGOUT,
	S_DATA_IN, S_DATA_IN_STATUS, S_R2T, S_DROP, S_LATE_RSP, S_DISCONNECT,
	S_DUP_RESPONSE_READ, S_DUP_RESPONSE_INV, S_INV_WHEN_OFF, S_EARLY_RESPONSE,
	S_WRITE_AFTER_RSP, S_STALL, S_PING, S_NR
};

enum fire_on { F_ANY, F_READ, F_WRITE, F_RW };
static const char *const fire_names[] = { "any", "read", "write", "rw" };

static const struct {
	const char *name;
	enum fire_on fire_on;
	const char *help;
} scenarios[S_NR] = {
	[S_GOOD] = { "good", F_ANY, "a correct target (the tool's self-check)" },
	[S_UNKNOWN_OPCODE] = { "unknown-opcode", F_ANY,
		"send a PDU with reserved opcode 0x3c instead of the SCSI Response" },
	[S_BAD_ITT] = { "bad-itt", F_ANY,
		"SCSI Response with ITT 0x0ffffff0 (never issued), then the real one" },
	[S_DUP_RESPONSE] = { "dup-response", F_ANY,
		"send the SCSI Response twice (byte-identical)" },
	[S_LONG_DATA] = { "long-data", F_ANY,
		"SCSI Response of InitiatorRecvDataSegmentLength+4096 data bytes,\n"
		"                        DataSegmentLength saying so (overflows the receive buffer)" },
	[S_LONG_DSL] = { "long-dsl", F_ANY,
		"SCSI Response whose DataSegmentLength claims IRDSL+4096 bytes,\n"
		"                        but the SEND carries only the sense data" },
	[S_BAD_ISER_FLAGS] = { "bad-iser-flags", F_ANY,
		"SCSI Response with iSER header flags 0xff" },
	[S_INV_WRONG_STAG] = { "inv-wrong-stag", F_RW,
		"SCSI Response by SEND_WITH_INV of (read_stag ?: write_stag) ^ 0x100" },
	[S_INV_OTHER_STAG] = { "inv-other-stag", F_RW,
		"hold the SCSI Response until the next command with a buffer\n"
		"                        arrives, then send it by SEND_WITH_INV of that\n"
		"                        command's (live) STag" },
	[S_TRUNCATED] = { "truncated", F_ANY,
		"a SEND of only 20 bytes, then the real response" },
	[S_CMDSN_BACKWARDS] = { "cmdsn-backwards", F_ANY,
		"SCSI Response with MaxCmdSN = ExpCmdSN - 10 (window going backwards)" },
	[S_NOP_FLOOD] = { "nop-flood", F_ANY,
		"after the response, 1000 unsolicited NOP-In (ITT = TTT = 0xffffffff)" },
	[S_ASYNC_FLOOD] = { "async-flood", F_ANY,
		"after the response, 200 Async Messages, event 0 (SCSI async event,\n"
		"                        UNIT ATTENTION / REPORTED LUNS DATA HAS CHANGED)" },
	[S_ASYNC_LOGOUT] = { "async-logout", F_ANY,
		"after the response, one Async Message event 1 (logout requested, 2 s)" },
	[S_DATA_IN] = { "data-in", F_READ,
		"a Data-In PDU (opcode 0x25, forbidden in iSER) before the read's\n"
		"                        RDMA WRITE and response" },
	[S_DATA_IN_STATUS] = { "data-in-status", F_READ,
		"a Data-In PDU with the S bit (status GOOD) and 64 bytes of data\n"
		"                        instead of the read's RDMA WRITE and response" },
	[S_R2T] = { "r2t", F_WRITE,
		"an R2T (forbidden in iSER) for the write's solicited data, then the\n"
		"                        normal RDMA READ and response; Data-Out PDUs are ignored" },
	[S_DROP] = { "drop", F_ANY,
		"never answer that command (initiator abort / timeout paths)" },
	[S_LATE_RSP] = { "late-response", F_ANY,
		"execute that command (data moved) but hold its SCSI Response\n"
		"                        until a TMF arrives, then send the Response just\n"
		"                        before the TMF Response (a response racing the abort)" },
	[S_DISCONNECT] = { "disconnect", F_ANY,
		"rdma_disconnect() when that command arrives, without answering" },
	[S_DUP_RESPONSE_READ] = { "dup-response-read", F_READ,
		"send the read's SCSI Response twice back to back, both by plain\n"
		"                        SEND (no Send with Invalidate, even with --send-inv)" },
	[S_DUP_RESPONSE_INV] = { "dup-response-inv", F_READ,
		"send the read's SCSI Response twice back to back, each by\n"
		"                        SEND_WITH_INV of the task's STag" },
	[S_INV_WHEN_OFF] = { "inv-when-off", F_READ,
		"SCSI Response by SEND_WITH_INV of the task's own STag, even\n"
		"                        when the initiator's CM private data said it does not\n"
		"                        support Send with Invalidate" },
	[S_EARLY_RESPONSE] = { "early-response", F_ANY,
		"after that command's response, a SCSI Response (GOOD) for the\n"
		"                        next ITT of every task index (0 .. the highest seen,\n"
		"                        rounded up to 2^n - 1): ITT (age + 1) << 16 | index, the\n"
		"                        layout of iscsi_da's ITTs (16-bit index, 12-bit age),\n"
		"                        i.e. commands not yet sent" },
	[S_WRITE_AFTER_RSP] = { "write-after-rsp", F_READ,
		"answer the read normally, then ~200 ms later RDMA WRITE 0xee\n"
		"                        bytes to its STag/VA again; logs \"late write to rkey ...\n"
		"                        failed\" when the fabric refuses it, as it must" },
	[S_STALL] = { "stall", F_ANY,
		"go silent from that command on: no response, no NOP-In answer,\n"
		"                        no TMF response; the RC connection stays up until the\n"
		"                        initiator drops it (its ping timeout)" },
	[S_PING] = { "ping", F_ANY,
		"after that command's response and each of the next 19, a NOP-In\n"
		"                        ping that wants an answer (TTT 0x7000 + n); logs\n"
		"                        \"ping answers: 20 of 20\" once all are answered, the\n"
		"                        count so far if the connection closes before" },
};

#define PINGS		20
#define PING_TTT	0x7000u

/* ITTs as iscsi_da builds them (isda_itt_build()): index, then age. */
#define ITT_IDX_BITS	16
#define ITT_AGE_MASK	0xfffu
#define ITT_IDX_MAX	4096	/* task indexes followed (cmds_max is 128 by default) */
#define LATE_DELAY_MS	200
#define SCRIBBLE_MS	50
#define JUNK_LEN	(1u << 20)

static struct {
	const char *addr, *iqn;
	const char *port;
	enum scen scen;
	enum fire_on fire_on;
	unsigned int after, lun_mb, login_delay_ms;
	int once, send_inv, scribble;
	const char *forge_file;
} cfg = { .lun_mb = 16 };

static volatile sig_atomic_t stop, forge_req;
static uint8_t *lun;
static uint64_t lun_blocks;
static unsigned int eligible_seen, fired;
static uint16_t next_tsih;
static unsigned int next_conn_no;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	fputs("evil: ", stdout);
	va_start(ap, fmt);
	vfprintf(stdout, fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

static uint16_t get16(const uint8_t *p) { return p[0] << 8 | p[1]; }
static uint32_t get24(const uint8_t *p) { return p[0] << 16 | p[1] << 8 | p[2]; }
static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}
static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}
static void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v; }
static void put24(uint8_t *p, uint32_t v) { p[0] = v >> 16; p[1] = v >> 8; p[2] = v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v); }
static void put64(uint8_t *p, uint64_t v) { put32(p, v >> 32); put32(p + 4, v); }
static uint32_t pad4(uint32_t n) { return (n + 3) & ~3u; }
static int sn_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }

/* ---- state ---- */

enum wr_kind { WR_RECV = 1, WR_SEND, WR_WRITE, WR_READ, WR_LATE };

struct wrctx {
	enum wr_kind kind;
	int idx;		/* rx or tx slot, -1 for none */
	struct cmd *cmd;	/* WR_READ */
};

struct dev {
	struct dev *next;
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	struct ibv_mr *lun_mr;
	uint8_t *junk;		/* write-after-rsp: 0xee bytes to write late */
	struct ibv_mr *junk_mr;
	struct ibv_comp_channel *ch;
	struct ibv_device_attr attr;
};

struct cmd {
	struct cmd *next;	/* ready list */
	struct cmd *all_next;	/* the connection's outstanding commands */
	struct wrctx w;
	uint32_t itt, edtl, xfer, resid;
	uint8_t lun[8], op, status, rsp_flags, sense_len, sense[18];
	uint32_t read_stag, write_stag, other_stag;
	uint64_t read_va, write_va;
	int fire, state;	/* state: 1 waiting for RDMA READ, 2 never answer */
	int released;		/* late-response: the TMF came, answer now */
};

struct conn {
	struct conn *next;
	unsigned int no;
	struct rdma_cm_id *id;
	struct dev *dev;
	struct ibv_cq *cq;
	struct ibv_qp *qp;
	uint8_t *rxmem, *txmem, *big;
	struct ibv_mr *rx_mr, *tx_mr, *big_mr;
	size_t big_len;
	struct wrctx rxw[RX_N], txw[TX_N];
	int tx_next_free[TX_N], tx_free;
	int sq_out;
	int rxq[RX_N], rxq_len[RX_N], rxq_head, rxq_n;
	struct cmd *ready, *ready_tail, *all;
	int dead, ffp, discovery, peer_no_inv, tpgt_sent, login_started;
	int silent;		/* stall: ignore everything from now on */
	int pings_sent, ping_answers;	/* ping */
	int logged_out, rejected;
	unsigned int ncmds;
	struct cmd *parked;	/* inv-other-stag, late-response */
	uint32_t statsn, expcmdsn, irdsl;
	uint16_t tsih;
	char keys[8193];
	size_t keys_len;
	uint8_t *txt;		/* pending Text Response data (continuation) */
	size_t txt_len, txt_off;
	uint32_t txt_ttt;
	/* early-response: the last ITT age seen per task index */
	uint16_t itt_age[ITT_IDX_MAX];
	uint8_t itt_seen[ITT_IDX_MAX];
	/* write-after-rsp: the RDMA WRITE to a read buffer already answered */
	struct {
		int armed, posted;
		unsigned int scribbles;	/* --scribble: writes that landed */
		uint32_t rkey, len;
		uint64_t va;
		struct timespec due;
		struct wrctx w;
	} late;
};

static struct dev *devs;
static struct conn *conns;
static struct rdma_event_channel *cm_ch;
static struct rdma_cm_id *listen_id;
static struct wrctx lun_write_ctx = { WR_WRITE, -1, NULL };

static void mark_dead(struct conn *c, const char *why)
{
	if (c->dead)
		return;
	c->dead = 1;
	say("conn %u: dead (%s), disconnecting", c->no, why);
	rdma_disconnect(c->id);
}

/* ---- completions ---- */

static void late_write_due(struct conn *c, long ms);

/*
 * write-after-rsp: the late RDMA WRITE completed.  It must fail: the
 * initiator took the buffer back before it let the command complete.
 */
static void late_write_done(struct conn *c, const struct ibv_wc *wc)
{
	c->late.posted = 0;
	if (wc->status == IBV_WC_SUCCESS && cfg.scribble) {
		/* The command is outstanding: its buffer is open.  Again. */
		if (!c->late.scribbles++)
			say("conn %u: scribble: the first write to rkey 0x%x landed (the read "
			    "is outstanding); every %d ms until one fails", c->no, c->late.rkey,
			    SCRIBBLE_MS);
		late_write_due(c, SCRIBBLE_MS);
		return;
	}
	if (wc->status == IBV_WC_SUCCESS) {
		say("conn %u: late write to rkey 0x%x (va 0x%llx, %u bytes) succeeded: "
		    "the initiator left an answered read's buffer open", c->no,
		    c->late.rkey, (unsigned long long)c->late.va, c->late.len);
		return;
	}
	if (wc->status == IBV_WC_WR_FLUSH_ERR) {
		say("conn %u: late write to rkey 0x%x flushed: the connection was already down "
		    "(proves nothing)", c->no, c->late.rkey);
		return;
	}
	say("conn %u: late write to rkey 0x%x failed: %s (vendor err 0x%x)%s", c->no,
	    c->late.rkey, ibv_wc_status_str(wc->status), wc->vendor_err,
	    cfg.scribble ? " (scribble: the key is closed)" : "");
	mark_dead(c, "late write failed");
}

static void free_cmd(struct conn *c, struct cmd *cmd)
{
	struct cmd **p;

	for (p = &c->all; *p; p = &(*p)->all_next)
		if (*p == cmd) {
			*p = cmd->all_next;
			break;
		}
	free(cmd);
}

static int drain_cq(struct conn *c)
{
	struct ibv_wc wc[32];
	int n, i, total = 0;

	while ((n = ibv_poll_cq(c->cq, 32, wc)) > 0) {
		total += n;
		for (i = 0; i < n; i++) {
			struct wrctx *w = (struct wrctx *)(uintptr_t)wc[i].wr_id;

			if (w->kind == WR_LATE) {
				c->sq_out--;
				late_write_done(c, &wc[i]);
				continue;
			}
			if (wc[i].status != IBV_WC_SUCCESS && !c->dead) {
				say("conn %u: completion error: %s (wr kind %d, vendor err 0x%x)",
				    c->no, ibv_wc_status_str(wc[i].status), w->kind,
				    wc[i].vendor_err);
				mark_dead(c, "completion error");
			}
			switch (w->kind) {
			case WR_RECV:
				if (wc[i].status == IBV_WC_SUCCESS) {
					int t = (c->rxq_head + c->rxq_n++) % RX_N;

					c->rxq[t] = w->idx;
					c->rxq_len[t] = wc[i].byte_len;
				}
				break;
			case WR_SEND:
			case WR_WRITE:
				c->sq_out--;
				if (w->idx >= 0) {
					c->tx_next_free[w->idx] = c->tx_free;
					c->tx_free = w->idx;
				}
				break;
			case WR_READ:
				c->sq_out--;
				if (wc[i].status == IBV_WC_SUCCESS) {
					w->cmd->next = NULL;
					if (c->ready_tail)
						c->ready_tail->next = w->cmd;
					else
						c->ready = w->cmd;
					c->ready_tail = w->cmd;
				}
				break;
			case WR_LATE:	/* handled above */
				break;
			}
		}
	}
	return total;
}

/* Wait until a send queue entry (and, if want_slot, a tx buffer) is free. */
static int wait_sq(struct conn *c, int want_slot)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (c->dead)
			return -1;
		if (c->sq_out < SQ_DEPTH - 1 && (!want_slot || c->tx_free >= 0))
			return 0;
		if (drain_cq(c))
			continue;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 10) {
			mark_dead(c, "send queue stuck for 10 s");
			return -1;
		}
		usleep(100);
	}
}

static int post_sq(struct conn *c, struct ibv_send_wr *wr)
{
	struct ibv_send_wr *bad;
	int err;

	struct ibv_send_wr *w;

	if (c->dead)
		return -1;
	for (w = wr; w; w = w->next)
		w->send_flags |= IBV_SEND_SIGNALED;
	err = ibv_post_send(c->qp, wr, &bad);
	if (err) {
		say("conn %u: ibv_post_send: %s", c->no, strerror(err));
		mark_dead(c, "post_send failed");
		return -1;
	}
	for (w = wr; w; w = w->next)
		c->sq_out++;
	return 0;
}

static int post_recv(struct conn *c, int i)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)(c->rxmem + (size_t)i * RX_SIZE),
		.length = RX_SIZE,
		.lkey = c->rx_mr->lkey,
	};
	struct ibv_recv_wr wr = {
		.wr_id = (uintptr_t)&c->rxw[i], .sg_list = &sge, .num_sge = 1,
	}, *bad;

	return ibv_post_recv(c->qp, &wr, &bad);
}

/* ---- PDU building ---- */

/* Get a tx slot and start a PDU in it: iSER header, zeroed BHS. */
static int tx_get(struct conn *c)
{
	int s;

	if (wait_sq(c, 1))
		return -1;
	s = c->tx_free;
	c->tx_free = c->tx_next_free[s];
	memset(c->txmem + (size_t)s * TX_SIZE, 0, HDRS_LEN);
	c->txmem[(size_t)s * TX_SIZE] = ISCSI_CTRL;
	return s;
}

static uint8_t *tx_buf(struct conn *c, int s) { return c->txmem + (size_t)s * TX_SIZE; }
static uint8_t *tx_bhs(struct conn *c, int s) { return tx_buf(c, s) + ISER_HDR_LEN; }
static uint8_t *tx_data(struct conn *c, int s) { return tx_buf(c, s) + HDRS_LEN; }

/* SEND the slot's first len bytes; with_inv: SEND_WITH_INV of inv_rkey. */
/*
 * SEND tx buffer s (len bytes), or, with s2 >= 0, s then s2 chained in one
 * post: the two go out back to back, so the peer's receive completions
 * for both are queued before it can act on the first.
 */
static int tx_send2(struct conn *c, int s, int s2, uint32_t len, int with_inv,
		    uint32_t inv_rkey, int with_inv2)
{
	struct ibv_sge sge[2] = {
		{ .addr = (uintptr_t)tx_buf(c, s), .length = len, .lkey = c->tx_mr->lkey },
		{ .addr = (uintptr_t)tx_buf(c, s2 < 0 ? s : s2), .length = len,
		  .lkey = c->tx_mr->lkey },
	};
	struct ibv_send_wr wr[2] = {
		{ .wr_id = (uintptr_t)&c->txw[s], .sg_list = &sge[0], .num_sge = 1,
		  .opcode = with_inv ? IBV_WR_SEND_WITH_INV : IBV_WR_SEND },
		{ .wr_id = (uintptr_t)&c->txw[s2 < 0 ? s : s2], .sg_list = &sge[1],
		  .num_sge = 1, .opcode = with_inv2 ? IBV_WR_SEND_WITH_INV : IBV_WR_SEND },
	};

	if (with_inv)
		wr[0].invalidate_rkey = inv_rkey;
	if (with_inv2)
		wr[1].invalidate_rkey = inv_rkey;
	if (s2 >= 0)
		wr[0].next = &wr[1];
	if (post_sq(c, wr)) {
		c->tx_next_free[s] = c->tx_free;
		c->tx_free = s;
		if (s2 >= 0) {
			c->tx_next_free[s2] = c->tx_free;
			c->tx_free = s2;
		}
		return -1;
	}
	return 0;
}

static int tx_send(struct conn *c, int s, uint32_t len, int with_inv, uint32_t inv_rkey)
{
	return tx_send2(c, s, -1, len, with_inv, inv_rkey, 0);
}

/* StatSN (advanced if adv), ExpCmdSN, MaxCmdSN. */
static void put_sns(struct conn *c, uint8_t *b, int adv)
{
	put32(b + 24, adv ? c->statsn++ : c->statsn);
	put32(b + 28, c->expcmdsn);
	put32(b + 32, c->expcmdsn + CMD_WINDOW - 1);
}

/* A whole PDU with data in one go. */
static int send_simple(struct conn *c, const uint8_t *bhs, const void *data, uint32_t dlen)
{
	int s = tx_get(c);

	if (s < 0)
		return -1;
	if (dlen > TX_DATA)
		dlen = TX_DATA;
	memcpy(tx_bhs(c, s), bhs, BHS_LEN);
	put24(tx_bhs(c, s) + B_DLEN, dlen);
	if (dlen) {
		memcpy(tx_data(c, s), data, dlen);
		memset(tx_data(c, s) + dlen, 0, pad4(dlen) - dlen);
	}
	return tx_send(c, s, HDRS_LEN + pad4(dlen), 0, 0);
}

/* ---- text keys ---- */

struct kv { char *buf; size_t len, cap; };

static void kv_add(struct kv *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void kv_add(struct kv *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n + 1 > o->cap - o->len)
		return;		/* does not fit: drop the key */
	o->len += n + 1;	/* keep the NUL */
}

static unsigned long num(const char *v) { return strtoul(v, NULL, 0); }
static unsigned long min_ul(unsigned long a, unsigned long b) { return a < b ? a : b; }
static unsigned long max_ul(unsigned long a, unsigned long b) { return a > b ? a : b; }

/* Answer one operational (or unknown) key the way a plain target would. */
static void negotiate(struct conn *c, struct kv *o, const char *k, const char *v)
{
	if (!strcmp(k, "HeaderDigest") || !strcmp(k, "DataDigest"))
		kv_add(o, "%s=None", k);
	else if (!strcmp(k, "MaxConnections"))
		kv_add(o, "%s=%lu", k, min_ul(num(v), 1));
	else if (!strcmp(k, "InitialR2T") || !strcmp(k, "DataPDUInOrder") ||
		 !strcmp(k, "DataSequenceInOrder"))
		kv_add(o, "%s=Yes", k);
	else if (!strcmp(k, "ImmediateData") || !strcmp(k, "RDMAExtensions"))
		kv_add(o, "%s=%s", k, strcmp(v, "Yes") ? "No" : "Yes");
	else if (!strcmp(k, "MaxBurstLength"))
		kv_add(o, "%s=%lu", k, min_ul(num(v), 262144));
	else if (!strcmp(k, "FirstBurstLength"))
		kv_add(o, "%s=%lu", k, min_ul(num(v), 65536));
	else if (!strcmp(k, "DefaultTime2Wait"))
		kv_add(o, "%s=%lu", k, max_ul(num(v), 2));
	else if (!strcmp(k, "DefaultTime2Retain") || !strcmp(k, "ErrorRecoveryLevel") ||
		 !strcmp(k, "MaxOutstandingUnexpectedPDUs"))
		kv_add(o, "%s=0", k);
	else if (!strcmp(k, "MaxOutstandingR2T"))
		kv_add(o, "%s=%lu", k, min_ul(num(v), 1));
	else if (!strcmp(k, "IFMarker") || !strcmp(k, "OFMarker"))
		kv_add(o, "%s=No", k);
	else if (!strcmp(k, "IFMarkInt") || !strcmp(k, "OFMarkInt"))
		kv_add(o, "%s=Irrelevant", k);
	else if (!strcmp(k, "TargetRecvDataSegmentLength"))
		kv_add(o, "%s=%lu", k, min_ul(num(v), TARGET_RDSL));
	else if (!strcmp(k, "InitiatorRecvDataSegmentLength")) {
		c->irdsl = num(v);
		kv_add(o, "%s=%s", k, v);
	} else if (!strcmp(k, "MaxRecvDataSegmentLength")) {
		/* Declarative; irrelevant with RDMAExtensions=Yes. */
		if (!c->irdsl)
			c->irdsl = num(v);
		kv_add(o, "%s=%d", k, TARGET_RDSL);
	} else if (!strcmp(k, "AuthMethod"))
		kv_add(o, "%s=None", k);
	else if (!strcmp(k, "InitiatorName") || !strcmp(k, "InitiatorAlias") ||
		 !strcmp(k, "SessionType") || !strcmp(k, "TargetName"))
		;	/* declarations, no answer */
	else
		kv_add(o, "%s=NotUnderstood", k);
}

/*
 * Next "key=value" of a NUL-separated list in [*pp, end); *end must be a
 * NUL.  Splits the pair in place.  Entries without '=' are skipped.
 */
static int next_key(char **pp, char *end, char **k, char **v)
{
	while (*pp < end) {
		char *p = *pp, *eq;
		size_t l = strlen(p);

		*pp = p + l + 1;
		eq = memchr(p, '=', l);
		if (!eq)
			continue;
		*eq = 0;
		*k = p;
		*v = eq + 1;
		return 1;
	}
	return 0;
}

/* ---- login, text, logout, NOP, TMF ---- */

static void handle_login(struct conn *c, const uint8_t *b, const uint8_t *data, uint32_t dlen)
{
	uint8_t flags = b[B_FLAGS], rsp[BHS_LEN] = { 0 };
	int csg = (flags >> 2) & 3, nsg = flags & 3, transit = flags & 0x80;
	char obuf[8192], *p, *k, *v;
	struct kv o = { obuf, 0, sizeof(obuf) };
	uint8_t cls = 0, det = 0;
	int final = 0;

	if (!c->login_started) {
		c->login_started = 1;
		c->statsn = 0x1000 + (rand() & 0xfff);
		c->expcmdsn = get32(b + B_CMDSN);
	}
	if (c->keys_len + dlen > sizeof(c->keys) - 1)
		dlen = sizeof(c->keys) - 1 - c->keys_len;
	memcpy(c->keys + c->keys_len, data, dlen);
	c->keys_len += dlen;

	rsp[B_OP] = OP_LOGIN_RSP;
	memcpy(rsp + 8, b + 8, 6);		/* ISID */
	put32(rsp + B_ITT, get32(b + B_ITT));
	if (flags & 0x40) {			/* C bit: more keys follow */
		rsp[B_FLAGS] = csg << 2;
		put_sns(c, rsp, 1);
		send_simple(c, rsp, NULL, 0);
		return;
	}

	c->keys[c->keys_len] = 0;
	p = c->keys;
	while (next_key(&p, c->keys + c->keys_len, &k, &v)) {
		if (!strcmp(k, "SessionType"))
			c->discovery = !strcmp(v, "Discovery");
		if (!strcmp(k, "TargetName") && strcmp(v, cfg.iqn)) {
			say("conn %u: login for unknown target %s: rejected", c->no, v);
			cls = 2, det = 3;
		}
		if (!strcmp(k, "AuthMethod") && !strstr(v, "None")) {
			say("conn %u: AuthMethod=%s without None: rejected", c->no, v);
			cls = 2, det = 1;
		}
		negotiate(c, &o, k, v);
	}
	c->keys_len = 0;
	if (!c->tpgt_sent) {
		kv_add(&o, "TargetPortalGroupTag=1");
		c->tpgt_sent = 1;
	}
	if (cls) {
		rsp[B_FLAGS] = csg << 2;
		rsp[36] = cls;
		rsp[37] = det;
		c->rejected = 1;
		o.len = 0;
	} else if (transit) {
		rsp[B_FLAGS] = 0x80 | csg << 2 | nsg;
		if (nsg == 3) {
			final = 1;
			c->tsih = get16(b + 14);
			if (!c->tsih) {
				if (!++next_tsih)
					next_tsih = 1;
				c->tsih = next_tsih;
			}
			put16(rsp + 14, c->tsih);
		}
	} else {
		rsp[B_FLAGS] = csg << 2;
	}
	put_sns(c, rsp, 1);
	if (cfg.login_delay_ms && !c->discovery) {
		/* A slow target: holds the initiator in the login phase. */
		struct timespec ts = { cfg.login_delay_ms / 1000,
				       cfg.login_delay_ms % 1000 * 1000000L };

		nanosleep(&ts, NULL);
	}
	send_simple(c, rsp, obuf, o.len);
	if (cls)
		return;
	if (final) {
		c->ffp = 1;
		if (!c->irdsl)
			c->irdsl = 8192;
		say("login stage %d->%d ok (%s session, TSIH %u, InitiatorRecvDataSegmentLength %u)",
		    csg, nsg, c->discovery ? "discovery" : "normal", c->tsih, c->irdsl);
	} else {
		say("login stage %d->%d%s", csg, transit ? nsg : csg, transit ? " ok" : " (stay)");
	}
}

/* Send (the next chunk of) c->txt as a Text Response. */
static void send_text_chunk(struct conn *c, const uint8_t *req)
{
	uint8_t rsp[BHS_LEN] = { 0 };
	uint32_t lim = c->irdsl ? c->irdsl : 8192, n = c->txt_len - c->txt_off;
	int more = 0;

	if (lim > TX_DATA)
		lim = TX_DATA;
	if (n > lim) {
		n = lim;
		more = 1;
	}
	rsp[B_OP] = OP_TEXT_RSP;
	rsp[B_FLAGS] = more ? 0x40 : 0x80;
	memcpy(rsp + B_LUN, req + B_LUN, 8);
	put32(rsp + B_ITT, get32(req + B_ITT));
	put32(rsp + B_TTT, more ? (c->txt_ttt = 0x7e00 + c->no) : RSVD_TAG);
	put_sns(c, rsp, 1);
	send_simple(c, rsp, c->txt + c->txt_off, n);
	c->txt_off += n;
	if (!more) {
		free(c->txt);
		c->txt = NULL;
	}
}

static void handle_text(struct conn *c, const uint8_t *b, const uint8_t *data, uint32_t dlen)
{
	char ibuf[8193], obuf[8192], *p, *k, *v;
	struct kv o = { obuf, 0, sizeof(obuf) };
	char host[64];

	if (c->txt && get32(b + B_TTT) == c->txt_ttt) {
		send_text_chunk(c, b);
		return;
	}
	if (dlen > sizeof(ibuf) - 1)
		dlen = sizeof(ibuf) - 1;
	memcpy(ibuf, data, dlen);
	ibuf[dlen] = 0;
	p = ibuf;
	while (next_key(&p, ibuf + dlen, &k, &v)) {
		if (!strcmp(k, "SendTargets")) {
			const char *a = cfg.addr;

			if (!strcmp(a, "0.0.0.0")) {
				struct sockaddr *sa = rdma_get_local_addr(c->id);

				getnameinfo(sa, sizeof(struct sockaddr_storage), host, sizeof(host),
					    NULL, 0, NI_NUMERICHOST);
				a = host;
			}
			kv_add(&o, "TargetName=%s", cfg.iqn);
			if (strchr(a, ':'))
				kv_add(&o, "TargetAddress=[%s]:%s,1", a, cfg.port);
			else
				kv_add(&o, "TargetAddress=%s:%s,1", a, cfg.port);
			say("conn %u: SendTargets=%s answered", c->no, v);
		} else {
			negotiate(c, &o, k, v);
		}
	}
	free(c->txt);
	c->txt = malloc(o.len ? o.len : 1);
	if (!c->txt)
		return;
	memcpy(c->txt, obuf, o.len);
	c->txt_len = o.len;
	c->txt_off = 0;
	send_text_chunk(c, b);
}

static void handle_logout(struct conn *c, const uint8_t *b)
{
	uint8_t rsp[BHS_LEN] = { 0 };

	rsp[B_OP] = OP_LOGOUT_RSP;
	rsp[B_FLAGS] = 0x80;
	put32(rsp + B_ITT, get32(b + B_ITT));
	put_sns(c, rsp, 1);
	send_simple(c, rsp, NULL, 0);
	c->logged_out = 1;
	say("conn %u: logout (reason %d) -> logout response", c->no, b[B_FLAGS] & 0x7f);
}

static void handle_nop(struct conn *c, const uint8_t *b, const uint8_t *data, uint32_t dlen)
{
	uint8_t rsp[BHS_LEN] = { 0 };

	if (get32(b + B_ITT) == RSVD_TAG) {
		/* an answer to a NOP-In of ours */
		if (get32(b + B_TTT) - PING_TTT < PINGS && ++c->ping_answers == PINGS)
			say("conn %u: ping answers: %d of %d", c->no, PINGS, PINGS);
		return;
	}
	rsp[B_OP] = OP_NOOP_IN;
	rsp[B_FLAGS] = 0x80;
	memcpy(rsp + B_LUN, b + B_LUN, 8);
	put32(rsp + B_ITT, get32(b + B_ITT));
	put32(rsp + B_TTT, RSVD_TAG);
	put_sns(c, rsp, 1);
	if (dlen > c->irdsl)
		dlen = c->irdsl;
	send_simple(c, rsp, data, dlen);
}

static void send_scsi_rsp(struct conn *c, struct cmd *cmd);

static void handle_tmf(struct conn *c, const uint8_t *b)
{
	uint8_t rsp[BHS_LEN] = { 0 };

	if (cfg.scen == S_LATE_RSP && c->parked) {
		struct cmd *pk = c->parked;

		c->parked = NULL;
		pk->released = 1;
		say("conn %u: TMF arrived: the held response to ITT 0x%08x goes first",
		    c->no, pk->itt);
		send_scsi_rsp(c, pk);
		free_cmd(c, pk);
	}
	rsp[B_OP] = OP_TMF_RSP;
	rsp[B_FLAGS] = 0x80;
	rsp[2] = 0;		/* function complete */
	put32(rsp + B_ITT, get32(b + B_ITT));
	put_sns(c, rsp, 1);
	send_simple(c, rsp, NULL, 0);
	say("conn %u: TMF function %d (ref ITT 0x%08x) -> function complete",
	    c->no, b[B_FLAGS] & 0x7f, get32(b + B_TTT));
}

/* ---- SCSI ---- */

static void sense(struct cmd *cmd, uint8_t key, uint8_t asc, uint8_t ascq)
{
	cmd->status = 0x02;	/* CHECK CONDITION */
	memset(cmd->sense, 0, sizeof(cmd->sense));
	cmd->sense[0] = 0x70;
	cmd->sense[2] = key;
	cmd->sense[7] = 10;
	cmd->sense[12] = asc;
	cmd->sense[13] = ascq;
	cmd->sense_len = 18;
}

/* nop: a NOP-In that wants no answer (ttt RSVD_TAG) or wants one (ttt). */
static void unsolicited_ttt(struct conn *c, int nop, int event, uint32_t ttt)
{
	uint8_t b[BHS_LEN] = { 0 }, sd[20] = { 0 };

	b[B_FLAGS] = 0x80;
	put32(b + B_ITT, RSVD_TAG);
	if (nop) {
		b[B_OP] = OP_NOOP_IN;
		put32(b + B_TTT, ttt);
		put_sns(c, b, 0);
		send_simple(c, b, NULL, 0);
		return;
	}
	b[B_OP] = OP_ASYNC;
	put_sns(c, b, 1);
	b[36] = event;
	if (event == 1) {
		put16(b + 42, 2);	/* Parameter3: logout within 2 s */
		send_simple(c, b, NULL, 0);
		return;
	}
	/* SCSI async event: UNIT ATTENTION, REPORTED LUNS DATA HAS CHANGED */
	put16(sd, 18);
	sd[2] = 0x70;
	sd[4] = 0x06;
	sd[9] = 10;
	sd[14] = 0x3f;
	sd[15] = 0x0e;
	send_simple(c, b, sd, 20);
}

static void unsolicited(struct conn *c, int nop, int event)
{
	unsolicited_ttt(c, nop, event, RSVD_TAG);
}

/* A GOOD SCSI Response with no data for @itt, whatever was sent. */
static int send_good_rsp(struct conn *c, uint32_t itt)
{
	uint8_t b[BHS_LEN] = { 0 };

	b[B_OP] = OP_SCSI_RSP;
	b[B_FLAGS] = 0x80;
	put32(b + B_ITT, itt);
	put_sns(c, b, 1);
	return send_simple(c, b, NULL, 0);
}

/*
 * early-response: a SCSI Response, status GOOD, for the next ITT of every
 * task index, i.e. for commands not sent yet.  The indexes are 0 .. the
 * highest seen, rounded up to a power of two less one (cmds_max is one); an
 * index never seen has age 0 and will be sent with age 1 first.
 */
static void early_responses(struct conn *c)
{
	unsigned int i, n = 0, seen = 0, top = 0;

	for (i = 0; i < ITT_IDX_MAX; i++)
		if (c->itt_seen[i])
			top = i;
	while (top & (top + 1))
		top |= top >> 1;
	for (i = 0; i <= top && !c->dead; i++) {
		if (send_good_rsp(c, ((c->itt_age[i] + 1u) & ITT_AGE_MASK) << ITT_IDX_BITS | i))
			break;
		n++;
		seen += c->itt_seen[i];
	}
	say("conn %u: early-response: %u SCSI Responses (GOOD) for the next ITT of task "
	    "indexes 0..%u (%u of them seen so far)", c->no, n, top, seen);
}

/* Arm the late write to post MS from now. */
static void late_write_due(struct conn *c, long ms)
{
	c->late.armed = 1;
	clock_gettime(CLOCK_MONOTONIC, &c->late.due);
	c->late.due.tv_nsec += ms * 1000000L;
	while (c->late.due.tv_nsec >= 1000000000L) {
		c->late.due.tv_sec++;
		c->late.due.tv_nsec -= 1000000000L;
	}
}

/* write-after-rsp: RDMA WRITE the read's buffer again LATE_DELAY_MS from now. */
static void late_write_arm(struct conn *c, struct cmd *cmd)
{
	if (!cmd->read_stag || !c->dev->junk_mr) {
		say("conn %u: write-after-rsp: %s", c->no,
		    cmd->read_stag ? "no junk buffer" : "the command has no read STag");
		return;
	}
	c->late.rkey = cmd->read_stag;
	c->late.va = cmd->read_va;
	c->late.len = cmd->xfer < JUNK_LEN ? cmd->xfer : JUNK_LEN;
	if (!c->late.len)
		c->late.len = cmd->edtl < JUNK_LEN && cmd->edtl ? cmd->edtl : 512;
	late_write_due(c, LATE_DELAY_MS);
	say("conn %u: write-after-rsp: ITT 0x%08x answered; %u bytes of 0xee to rkey 0x%x "
	    "va 0x%llx in %d ms", c->no, cmd->itt, c->late.len, c->late.rkey,
	    (unsigned long long)c->late.va, LATE_DELAY_MS);
}

/* Milliseconds until the late write is due (0: now), or -1 if none is armed. */
static long late_write_ms(const struct conn *c)
{
	struct timespec t;
	long ms;

	if (!c->late.armed || c->dead)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t);
	ms = (c->late.due.tv_sec - t.tv_sec) * 1000 + (c->late.due.tv_nsec - t.tv_nsec) / 1000000;
	return ms > 0 ? ms : 0;
}

static void late_write_post(struct conn *c)
{
	struct ibv_sge sge = {
		.addr = (uintptr_t)c->dev->junk, .length = c->late.len,
		.lkey = c->dev->junk_mr->lkey,
	};
	struct ibv_send_wr wr = {
		.wr_id = (uintptr_t)&c->late.w, .sg_list = &sge, .num_sge = 1,
		.opcode = IBV_WR_RDMA_WRITE,
		.wr.rdma = { .remote_addr = c->late.va, .rkey = c->late.rkey },
	};

	c->late.armed = 0;
	c->late.w = (struct wrctx){ WR_LATE, -1, NULL };
	if (!c->late.scribbles)
		say("conn %u: late write: RDMA WRITE of %u bytes of 0xee to rkey 0x%x va 0x%llx",
		    c->no, c->late.len, c->late.rkey, (unsigned long long)c->late.va);
	if (wait_sq(c, 0) == 0 && post_sq(c, &wr) == 0)
		c->late.posted = 1;
}

/*
 * The connection is closing: the peer may have dropped it because of the
 * late write, before our loop saw the write's completion.  Give it a
 * second to arrive, so that its status is logged.
 */
static void late_write_settle(struct conn *c)
{
	int i;

	for (i = 0; i < 1000 && c->late.posted; i++) {
		if (!drain_cq(c))
			usleep(1000);
	}
	if (c->late.posted)
		say("conn %u: late write to rkey 0x%x: no completion before the connection closed",
		    c->no, c->late.rkey);
	c->late.posted = 0;
}

/* The SCSI Response, and whatever the scenario does around it. */
static void send_scsi_rsp(struct conn *c, struct cmd *cmd)
{
	int s, fire = cmd->fire ? cfg.scen : S_GOOD, with_inv = 0, i;
	uint32_t dlen = cmd->sense_len ? 2 + cmd->sense_len : 0, len, inv = 0;
	uint8_t *b;

	if (cfg.send_inv && !c->peer_no_inv) {
		inv = cmd->read_stag ? cmd->read_stag : cmd->write_stag;
		with_inv = inv != 0;
	}
	if (fire == S_DUP_RESPONSE_READ)
		with_inv = 0;
	if (fire == S_DUP_RESPONSE_INV || fire == S_INV_WHEN_OFF) {
		inv = cmd->read_stag ? cmd->read_stag : cmd->write_stag;
		with_inv = inv != 0;
		say("conn %u: %sSEND_WITH_INV of the task's own rkey 0x%x (read 0x%x write 0x%x)%s",
		    c->no, fire == S_DUP_RESPONSE_INV ? "twice: " : "", inv, cmd->read_stag,
		    cmd->write_stag, c->peer_no_inv ?
		    ", though the initiator said it does not support it" : "");
	}
	if (fire == S_INV_OTHER_STAG && !cmd->other_stag) {
		c->parked = cmd;
		say("conn %u: response to ITT 0x%08x held until the next command", c->no, cmd->itt);
		return;
	}
	if (fire == S_LATE_RSP && !cmd->released) {
		c->parked = cmd;
		say("conn %u: response to ITT 0x%08x held until a TMF arrives", c->no, cmd->itt);
		return;
	}
	if (fire == S_TRUNCATED) {
		s = tx_get(c);
		if (s < 0)
			return;
		memset(tx_bhs(c, s), 0xee, BHS_LEN);
		tx_bhs(c, s)[0] = OP_SCSI_RSP;
		tx_send(c, s, 20, 0, 0);
	}
	s = tx_get(c);
	if (s < 0)
		return;
	b = tx_bhs(c, s);
	b[B_OP] = OP_SCSI_RSP;
	b[B_FLAGS] = 0x80 | cmd->rsp_flags;
	b[3] = cmd->status;
	put24(b + B_DLEN, dlen);
	put32(b + B_ITT, cmd->itt);
	put_sns(c, b, 1);
	put32(b + 44, cmd->resid);
	if (dlen) {
		put16(tx_data(c, s), cmd->sense_len);
		memcpy(tx_data(c, s) + 2, cmd->sense, cmd->sense_len);
		memset(tx_data(c, s) + dlen, 0, pad4(dlen) - dlen);
	}
	len = HDRS_LEN + pad4(dlen);

	switch (fire) {
	case S_UNKNOWN_OPCODE:
		b[B_OP] = 0x3c;
		c->statsn--;
		break;
	case S_BAD_ITT: {
		int s2 = tx_get(c);

		if (s2 < 0)
			return;
		memcpy(tx_buf(c, s2), tx_buf(c, s), len);
		put32(tx_bhs(c, s2) + B_ITT, 0x0ffffff0);
		put32(b + 24, c->statsn++);
		tx_send(c, s2, len, 0, 0);
		break;
	}
	case S_LONG_DSL:
		put24(b + B_DLEN, c->irdsl + 4096);
		break;
	case S_LONG_DATA: {
		uint32_t big = c->irdsl + 4096;

		if (!c->big || c->big_len < HDRS_LEN + big) {
			if (c->big_mr)
				ibv_dereg_mr(c->big_mr);
			free(c->big);
			c->big_len = HDRS_LEN + big;
			c->big = calloc(1, c->big_len);
			c->big_mr = c->big ? ibv_reg_mr(c->dev->pd, c->big, c->big_len,
							IBV_ACCESS_LOCAL_WRITE) : NULL;
			if (!c->big_mr) {
				say("conn %u: long-data: cannot register %zu bytes", c->no, c->big_len);
				break;
			}
		}
		put24(b + B_DLEN, big);
		memcpy(c->big, tx_buf(c, s), len);
		{
			struct ibv_sge sge = {
				.addr = (uintptr_t)c->big, .length = HDRS_LEN + big,
				.lkey = c->big_mr->lkey,
			};
			struct ibv_send_wr wr = {
				.wr_id = (uintptr_t)&c->txw[s], .sg_list = &sge, .num_sge = 1,
				.opcode = IBV_WR_SEND,
			};
			/* The slot is released when this SEND completes. */
			say("conn %u: long-data: SEND of %u data bytes (IRDSL %u)",
			    c->no, big, c->irdsl);
			if (post_sq(c, &wr)) {
				c->tx_next_free[s] = c->tx_free;
				c->tx_free = s;
			}
		}
		return;
	}
	case S_BAD_ISER_FLAGS:
		tx_buf(c, s)[0] = 0xff;
		break;
	case S_INV_WRONG_STAG:
		with_inv = 1;
		inv = (cmd->read_stag ? cmd->read_stag : cmd->write_stag) ^ 0x100;
		say("conn %u: SEND_WITH_INV rkey 0x%x (task read 0x%x write 0x%x)%s",
		    c->no, inv, cmd->read_stag, cmd->write_stag,
		    c->peer_no_inv ? ", initiator said it does not support it" : "");
		break;
	case S_INV_OTHER_STAG:
		with_inv = 1;
		inv = cmd->other_stag;
		say("conn %u: SEND_WITH_INV rkey 0x%x of a newer task (this one: read 0x%x write 0x%x)%s",
		    c->no, inv, cmd->read_stag, cmd->write_stag,
		    c->peer_no_inv ? ", initiator said it does not support it" : "");
		break;
	case S_CMDSN_BACKWARDS:
		put32(b + B_MAXCMDSN, c->expcmdsn - 10);
		break;
	}
	if (fire == S_DUP_RESPONSE || fire == S_DUP_RESPONSE_READ ||
	    fire == S_DUP_RESPONSE_INV) {
		int s2 = tx_get(c);

		if (s2 < 0)
			return;
		memcpy(tx_buf(c, s2), tx_buf(c, s), len);
		tx_send2(c, s, s2, len, with_inv, inv,
			 fire == S_DUP_RESPONSE_INV && with_inv);
		say("conn %u: SCSI Response to ITT 0x%08x sent twice (StatSN %u)", c->no,
		    cmd->itt, c->statsn - 1);
	} else {
		tx_send(c, s, len, with_inv, inv);
	}
	if ((fire == S_PING || c->pings_sent) && c->pings_sent < PINGS)
		unsolicited_ttt(c, 1, 0, PING_TTT + c->pings_sent++);
	if (fire == S_NOP_FLOOD)
		for (i = 0; i < 1000 && !c->dead; i++)
			unsolicited(c, 1, 0);
	if (fire == S_ASYNC_FLOOD)
		for (i = 0; i < 200 && !c->dead; i++)
			unsolicited(c, 0, 0);
	if (fire == S_ASYNC_LOGOUT)
		unsolicited(c, 0, 1);
	if (fire == S_EARLY_RESPONSE)
		early_responses(c);
	if (fire == S_WRITE_AFTER_RSP)
		late_write_arm(c, cmd);
	if (fire == S_NOP_FLOOD || fire == S_ASYNC_FLOOD || fire == S_ASYNC_LOGOUT)
		say("conn %u: %s sent", c->no, scenarios[fire].name);
}

/* RDMA WRITE len bytes from local (addr, lkey) to the task's read buffer. */
static int rdma_write(struct conn *c, struct cmd *cmd, void *addr, uint32_t lkey,
		      uint32_t len, int slot)
{
	struct ibv_sge sge = { .addr = (uintptr_t)addr, .length = len, .lkey = lkey };
	struct ibv_send_wr wr = {
		.wr_id = (uintptr_t)(slot >= 0 ? &c->txw[slot] : &lun_write_ctx),
		.sg_list = &sge, .num_sge = 1, .opcode = IBV_WR_RDMA_WRITE,
		.wr.rdma = { .remote_addr = cmd->read_va, .rkey = cmd->read_stag },
	};

	return post_sq(c, &wr);
}

static void data_in_pdu(struct conn *c, struct cmd *cmd, const uint8_t *src, uint32_t n)
{
	int st = cfg.scen == S_DATA_IN_STATUS;
	uint8_t b[BHS_LEN] = { 0 };

	if (n > 64)
		n = 64;
	if (n > c->irdsl)
		n = c->irdsl;
	b[B_OP] = OP_DATA_IN;
	b[B_FLAGS] = st ? 0x81 : 0x80;
	memcpy(b + B_LUN, cmd->lun, 8);
	put32(b + B_ITT, cmd->itt);
	put32(b + B_TTT, RSVD_TAG);
	put_sns(c, b, st);
	if (!st)
		put32(b + 24, 0);	/* StatSN reserved without the S bit */
	say("conn %u: Data-In PDU%s of %u bytes for ITT 0x%08x", c->no,
	    st ? " with status GOOD" : "", n, cmd->itt);
	send_simple(c, b, src, n);
}

/* Data for a non-media command, sent from a tx slot. */
static void reply_data(struct conn *c, struct cmd *cmd, const uint8_t *d, uint32_t avail,
		       uint32_t alloc)
{
	uint32_t n = avail < alloc ? avail : alloc;
	int s;

	if (n > cmd->edtl)
		n = cmd->edtl;
	if (!cmd->read_stag)
		n = 0;
	if (n) {
		if (cmd->fire && (cfg.scen == S_DATA_IN || cfg.scen == S_DATA_IN_STATUS))
			data_in_pdu(c, cmd, d, n);
		if (cmd->fire && cfg.scen == S_DATA_IN_STATUS) {
			cmd->state = 2;	/* no data, no response */
			return;
		}
		s = tx_get(c);
		if (s < 0)
			return;
		memcpy(tx_data(c, s), d, n);
		if (rdma_write(c, cmd, tx_data(c, s), c->tx_mr->lkey, n, s)) {
			c->tx_next_free[s] = c->tx_free;
			c->tx_free = s;
			return;
		}
	}
	if (cmd->edtl > n) {
		cmd->rsp_flags |= 0x02;	/* underflow */
		cmd->resid = cmd->edtl - n;
	}
}

static void scsi_rw(struct conn *c, struct cmd *cmd, const uint8_t *cdb,
		    const uint8_t *imm, uint32_t imm_len)
{
	int write = cdb[0] == 0x2a || cdb[0] == 0x8a;
	uint64_t lba;
	uint32_t nblk, bytes, off_imm;

	if (cdb[0] == 0x28 || cdb[0] == 0x2a) {
		lba = get32(cdb + 2);
		nblk = get16(cdb + 7);
	} else {
		lba = get64(cdb + 2);
		nblk = get32(cdb + 10);
	}
	if (lba > lun_blocks || nblk > lun_blocks - lba) {
		sense(cmd, 0x05, 0x21, 0x00);	/* LBA out of range */
		return;
	}
	bytes = nblk * BLOCK;
	cmd->xfer = bytes < cmd->edtl ? bytes : cmd->edtl;
	if (bytes > cmd->edtl) {
		cmd->rsp_flags |= 0x04;
		cmd->resid = bytes - cmd->edtl;
	} else if (bytes < cmd->edtl) {
		cmd->rsp_flags |= 0x02;
		cmd->resid = cmd->edtl - bytes;
	}
	if (!write) {
		if (!cmd->xfer)
			return;
		if (!cmd->read_stag) {
			cmd->rsp_flags = 0x02;
			cmd->resid = cmd->edtl;
			return;
		}
		if (cmd->fire && (cfg.scen == S_DATA_IN || cfg.scen == S_DATA_IN_STATUS))
			data_in_pdu(c, cmd, lun + lba * BLOCK, cmd->xfer);
		if (cmd->fire && cfg.scen == S_DATA_IN_STATUS) {
			cmd->state = 2;	/* no data, no response */
			return;
		}
		if (wait_sq(c, 0) == 0)
			rdma_write(c, cmd, lun + lba * BLOCK, c->dev->lun_mr->lkey, cmd->xfer, -1);
		return;
	}
	off_imm = imm_len < cmd->xfer ? imm_len : cmd->xfer;
	memcpy(lun + lba * BLOCK, imm, off_imm);
	if (off_imm < cmd->xfer) {
		struct ibv_sge sge = {
			.addr = (uintptr_t)(lun + lba * BLOCK + off_imm),
			.length = cmd->xfer - off_imm, .lkey = c->dev->lun_mr->lkey,
		};
		/*
		 * The write STag/VA advertise the solicited part only: the
		 * initiator (ib_iser) sets write_va past the unsolicited data,
		 * and LIO reads from write_va.  Do the same.
		 */
		struct ibv_send_wr wr = {
			.wr_id = (uintptr_t)&cmd->w, .sg_list = &sge, .num_sge = 1,
			.opcode = IBV_WR_RDMA_READ,
			.wr.rdma = { .remote_addr = cmd->write_va, .rkey = cmd->write_stag },
		};

		if (!cmd->write_stag) {
			cmd->rsp_flags = 0x02;
			cmd->resid = cmd->edtl - off_imm;
			return;
		}
		if (cmd->fire && cfg.scen == S_R2T) {
			uint8_t b[BHS_LEN] = { 0 };

			b[B_OP] = OP_R2T;
			b[B_FLAGS] = 0x80;
			memcpy(b + B_LUN, cmd->lun, 8);
			put32(b + B_ITT, cmd->itt);
			put32(b + B_TTT, 0x7f000000 | c->no);
			put_sns(c, b, 0);
			put32(b + 40, off_imm);
			put32(b + 44, cmd->xfer - off_imm);
			say("conn %u: R2T offset %u length %u for ITT 0x%08x",
			    c->no, off_imm, cmd->xfer - off_imm, cmd->itt);
			send_simple(c, b, NULL, 0);
		}
		cmd->w = (struct wrctx){ WR_READ, -1, cmd };
		if (wait_sq(c, 0) == 0 && post_sq(c, &wr) == 0)
			cmd->state = 1;	/* response when the READ completes */
	}
}

static void scsi_exec(struct conn *c, struct cmd *cmd, const uint8_t *cdb,
		      const uint8_t *imm, uint32_t imm_len)
{
	static const uint8_t zero_lun[8];
	uint8_t d[256] = { 0 };
	uint64_t last = lun_blocks - 1;
	int lun0 = !memcmp(cmd->lun, zero_lun, 8);

	if (!lun0 && cdb[0] != 0x12 && cdb[0] != 0xa0) {
		sense(cmd, 0x05, 0x25, 0x00);	/* LU not supported */
		return;
	}
	switch (cdb[0]) {
	case 0x00:		/* TEST UNIT READY */
	case 0x35:		/* SYNCHRONIZE CACHE(10) */
	case 0x91:		/* SYNCHRONIZE CACHE(16) */
		return;
	case 0x12:		/* INQUIRY */
		if (!(cdb[1] & 1)) {
			if (cdb[2]) {
				sense(cmd, 0x05, 0x24, 0x00);
				return;
			}
			d[0] = lun0 ? 0x00 : 0x7f;
			d[2] = 0x06;
			d[3] = 0x02;
			d[4] = 31;
			d[7] = 0x02;	/* CmdQue */
			memcpy(d + 8, "EVILTGT iser-evil-target0001", 28);
			reply_data(c, cmd, d, 36, get16(cdb + 3));
			return;
		}
		d[1] = cdb[2];
		switch (cdb[2]) {
		case 0x00:
			d[3] = 3;
			d[5] = 0x80;
			d[6] = 0x83;
			break;
		case 0x80:
			d[3] = 8;
			memcpy(d + 4, "evil0001", 8);
			break;
		case 0x83:
			d[3] = 4 + 20;
			d[4] = 0x02;	/* ASCII */
			d[5] = 0x01;	/* T10 vendor ID, LU */
			d[7] = 20;
			memcpy(d + 8, "EVILTGT evil00000001", 20);
			break;
		default:
			sense(cmd, 0x05, 0x24, 0x00);
			return;
		}
		reply_data(c, cmd, d, 4 + d[3], get16(cdb + 3));
		return;
	case 0xa0:		/* REPORT LUNS */
		d[3] = 8;
		reply_data(c, cmd, d, 16, get32(cdb + 6));
		return;
	case 0x25:		/* READ CAPACITY(10) */
		put32(d, last > 0xffffffffu ? 0xffffffffu : last);
		put32(d + 4, BLOCK);
		reply_data(c, cmd, d, 8, 8);
		return;
	case 0x9e:		/* SERVICE ACTION IN(16) */
		if ((cdb[1] & 0x1f) != 0x10) {
			sense(cmd, 0x05, 0x24, 0x00);
			return;
		}
		put64(d, last);
		put32(d + 8, BLOCK);
		reply_data(c, cmd, d, 32, get32(cdb + 10));
		return;
	case 0x1a:		/* MODE SENSE(6) */
	case 0x5a: {		/* MODE SENSE(10) */
		int ten = cdb[0] == 0x5a, hl = ten ? 8 : 4, page = cdb[2] & 0x3f, n = hl;

		if (page == 0x08 || page == 0x3f) {
			d[n] = 0x08;		/* caching page, WCE = 0 */
			d[n + 1] = 0x12;
			n += 20;
		} else if (page) {
			sense(cmd, 0x05, 0x24, 0x00);
			return;
		}
		if (ten)
			put16(d, n - 2);
		else
			d[0] = n - 1;
		reply_data(c, cmd, d, n, ten ? get16(cdb + 7) : cdb[4]);
		return;
	}
	case 0x28: case 0x88: case 0x2a: case 0x8a:
		scsi_rw(c, cmd, cdb, imm, imm_len);
		return;
	default:
		sense(cmd, 0x05, 0x20, 0x00);	/* invalid command operation code */
		return;
	}
}

static int cmd_matches(const uint8_t *cdb)
{
	int rd = cdb[0] == 0x28 || cdb[0] == 0x88, wr = cdb[0] == 0x2a || cdb[0] == 0x8a;

	switch (cfg.fire_on) {
	case F_READ: return rd;
	case F_WRITE: return wr;
	case F_RW: return rd || wr;
	default: return 1;
	}
}

static void handle_scsi(struct conn *c, const uint8_t *buf, uint32_t len)
{
	const struct iser_ctrl *ih = (const void *)buf;
	const uint8_t *b = buf + ISER_HDR_LEN, *cdb = b + B_CDB;
	uint32_t ahs = b[B_AHSLEN] * 4, dlen = get24(b + B_DLEN);
	struct cmd *cmd;

	if (HDRS_LEN + ahs > len) {
		say("conn %u: SCSI command with %u bytes of AHS in a %u-byte SEND", c->no, ahs, len);
		return;
	}
	if (HDRS_LEN + ahs + dlen > len)
		dlen = len - HDRS_LEN - ahs;
	cmd = calloc(1, sizeof(*cmd));
	if (!cmd)
		return;
	c->ncmds++;
	cmd->itt = get32(b + B_ITT);
	if ((cmd->itt & 0xffff) < ITT_IDX_MAX) {
		c->itt_seen[cmd->itt & 0xffff] = 1;
		c->itt_age[cmd->itt & 0xffff] = cmd->itt >> ITT_IDX_BITS & ITT_AGE_MASK;
	}
	cmd->edtl = get32(b + B_TTT);
	cmd->op = cdb[0];
	memcpy(cmd->lun, b + B_LUN, 8);
	if (ih->flags & ISER_RSV) {
		cmd->read_stag = be32toh(ih->read_stag);
		cmd->read_va = be64toh(ih->read_va);
	}
	if (ih->flags & ISER_WSV) {
		cmd->write_stag = be32toh(ih->write_stag);
		cmd->write_va = be64toh(ih->write_va);
	}
	cmd->all_next = c->all;
	c->all = cmd;
	if (cfg.scen == S_INV_OTHER_STAG && c->parked && (cmd->read_stag || cmd->write_stag)) {
		struct cmd *pk = c->parked;

		c->parked = NULL;
		pk->other_stag = cmd->read_stag ? cmd->read_stag : cmd->write_stag;
		send_scsi_rsp(c, pk);
		free_cmd(c, pk);
	}

	if (cfg.scen != S_GOOD && !fired && cmd_matches(cdb) && eligible_seen++ >= cfg.after) {
		fired = 1;
		cmd->fire = 1;
		say("scenario %s fired on ITT 0x%08x (conn %u, CDB op 0x%02x, edtl %u)",
		    scenarios[cfg.scen].name, cmd->itt, c->no, cdb[0], cmd->edtl);
		if (cfg.scen == S_DROP) {
			free_cmd(c, cmd);
			return;
		}
		if (cfg.scen == S_STALL) {
			if (cfg.scribble && cmd->read_stag && c->dev->junk_mr) {
				late_write_arm(c, cmd);
				say("conn %u: scribble: writing 0xee to the stalled read's rkey 0x%x "
				    "until a write fails", c->no, c->late.rkey);
			}
			free_cmd(c, cmd);
			c->silent = 1;
			say("conn %u: silent from now on", c->no);
			return;
		}
		if (cfg.scen == S_DISCONNECT) {
			free_cmd(c, cmd);
			rdma_disconnect(c->id);
			c->dead = 1;
			return;
		}
	}
	scsi_exec(c, cmd, cdb, b + BHS_LEN + ahs, dlen);
	if (cmd->state == 1)
		return;		/* waiting for the RDMA READ */
	if (cmd->state != 2)
		send_scsi_rsp(c, cmd);
	if (c->parked != cmd)
		free_cmd(c, cmd);
}

static void handle_pdu(struct conn *c, uint8_t *buf, uint32_t len)
{
	uint8_t *b = buf + ISER_HDR_LEN, op;
	uint32_t dlen;

	if (len < HDRS_LEN) {
		say("conn %u: short SEND of %u bytes ignored", c->no, len);
		return;
	}
	op = b[B_OP] & OP_MASK;
	dlen = get24(b + B_DLEN);
	if (HDRS_LEN + dlen > len) {
		say("conn %u: PDU op 0x%02x says %u data bytes, SEND had %u", c->no, op,
		    dlen, len - HDRS_LEN);
		dlen = len - HDRS_LEN;
	}
	if (op != OP_LOGIN && op != OP_DATA_OUT && !(b[B_OP] & OP_IMMEDIATE) && c->login_started) {
		uint32_t sn = get32(b + B_CMDSN);

		if (sn == c->expcmdsn || sn_lt(c->expcmdsn, sn))
			c->expcmdsn = sn + 1;
	}
	if (!c->ffp && op != OP_LOGIN) {
		say("conn %u: op 0x%02x before login completed, ignored", c->no, op);
		return;
	}
	switch (op) {
	case OP_LOGIN:
		handle_login(c, b, buf + HDRS_LEN, dlen);
		break;
	case OP_TEXT:
		handle_text(c, b, buf + HDRS_LEN, dlen);
		break;
	case OP_LOGOUT:
		handle_logout(c, b);
		break;
	case OP_NOOP_OUT:
		handle_nop(c, b, buf + HDRS_LEN, dlen);
		break;
	case OP_TMF:
		handle_tmf(c, b);
		break;
	case OP_SCSI_CMD:
		handle_scsi(c, buf, len);
		break;
	case OP_DATA_OUT:
		say("conn %u: Data-Out ITT 0x%08x offset %u len %u ignored", c->no,
		    get32(b + B_ITT), get32(b + 40), dlen);
		break;
	default:
		say("conn %u: unexpected opcode 0x%02x ignored", c->no, op);
		break;
	}
}

static void service(struct conn *c)
{
	for (;;) {
		drain_cq(c);
		if (c->rxq_n) {
			int i = c->rxq[c->rxq_head], len = c->rxq_len[c->rxq_head];

			c->rxq_head = (c->rxq_head + 1) % RX_N;
			c->rxq_n--;
			if (!c->dead && !c->silent)
				handle_pdu(c, c->rxmem + (size_t)i * RX_SIZE, len);
			if (!c->dead && post_recv(c, i))
				mark_dead(c, "post_recv failed");
			continue;
		}
		if (c->ready) {
			struct cmd *cmd = c->ready;

			c->ready = cmd->next;
			if (!c->ready)
				c->ready_tail = NULL;
			if (!c->dead && !c->silent)
				send_scsi_rsp(c, cmd);
			if (c->parked != cmd)
				free_cmd(c, cmd);
			continue;
		}
		ibv_req_notify_cq(c->cq, 0);
		if (!drain_cq(c) || c->dead)
			break;
		/* something arrived while arming: loop */
		if (!c->rxq_n && !c->ready)
			break;
	}
}

/* ---- connections ---- */

static struct dev *get_dev(struct ibv_context *ctx)
{
	struct dev *d;

	for (d = devs; d; d = d->next)
		if (d->ctx == ctx)
			return d;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->ctx = ctx;
	if (ibv_query_device(ctx, &d->attr))
		goto err;
	d->pd = ibv_alloc_pd(ctx);
	d->ch = ibv_create_comp_channel(ctx);
	if (!d->pd || !d->ch)
		goto err;
	fcntl(d->ch->fd, F_SETFL, fcntl(d->ch->fd, F_GETFL) | O_NONBLOCK);
	d->lun_mr = ibv_reg_mr(d->pd, lun, lun_blocks * BLOCK, IBV_ACCESS_LOCAL_WRITE |
			       IBV_ACCESS_REMOTE_READ | IBV_ACCESS_REMOTE_WRITE);
	if (!d->lun_mr)
		goto err;
	if (cfg.scen == S_WRITE_AFTER_RSP || cfg.scribble) {
		d->junk = malloc(JUNK_LEN);
		if (!d->junk)
			goto err;
		memset(d->junk, 0xee, JUNK_LEN);
		d->junk_mr = ibv_reg_mr(d->pd, d->junk, JUNK_LEN, IBV_ACCESS_LOCAL_WRITE);
		if (!d->junk_mr)
			goto err;
	}
	d->next = devs;
	devs = d;
	say("device %s: PD and LUN MR (%llu bytes) ready", ibv_get_device_name(ctx->device),
	    (unsigned long long)lun_blocks * BLOCK);
	return d;
err:
	say("device setup failed: %s", strerror(errno));
	if (d->junk_mr)
		ibv_dereg_mr(d->junk_mr);
	free(d->junk);
	if (d->lun_mr)
		ibv_dereg_mr(d->lun_mr);
	if (d->pd)
		ibv_dealloc_pd(d->pd);
	if (d->ch)
		ibv_destroy_comp_channel(d->ch);
	free(d);
	return NULL;
}

static void destroy_conn(struct conn *c)
{
	struct conn **p;
	struct cmd *cmd;

	for (p = &conns; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	if (c->qp)
		rdma_destroy_qp(c->id);
	if (c->cq)
		ibv_destroy_cq(c->cq);
	if (c->rx_mr)
		ibv_dereg_mr(c->rx_mr);
	if (c->tx_mr)
		ibv_dereg_mr(c->tx_mr);
	if (c->big_mr)
		ibv_dereg_mr(c->big_mr);
	free(c->rxmem);
	free(c->txmem);
	free(c->big);
	free(c->txt);
	while ((cmd = c->all)) {
		c->all = cmd->all_next;
		free(cmd);
	}
	rdma_destroy_id(c->id);
	if (c->pings_sent && c->ping_answers < PINGS)
		say("conn %u: ping answers: %d of %d", c->no, c->ping_answers, PINGS);
	say("conn %u: closed (%u SCSI commands)", c->no, c->ncmds);
	free(c);
}

static void connect_request(struct rdma_cm_id *id, const struct rdma_conn_param *req)
{
	struct conn *c = calloc(1, sizeof(*c));
	struct ibv_qp_init_attr qa = { 0 };
	struct iser_cm_hdr hdr = { 0 };
	struct rdma_conn_param p = { 0 };
	uint8_t pflags = 0;
	int i;

	if (!c)
		goto reject;
	c->no = ++next_conn_no;
	c->id = id;
	id->context = c;
	c->next = conns;
	conns = c;
	if (req->private_data_len >= 1)
		pflags = *(const uint8_t *)req->private_data;
	c->peer_no_inv = !!(pflags & ISER_SEND_W_INV_NOT_SUP);
	c->dev = get_dev(id->verbs);
	if (!c->dev)
		goto reject;
	c->cq = ibv_create_cq(id->verbs, RX_N + SQ_DEPTH + 16, c, c->dev->ch, 0);
	if (!c->cq)
		goto reject;
	ibv_req_notify_cq(c->cq, 0);
	qa.send_cq = qa.recv_cq = c->cq;
	qa.qp_type = IBV_QPT_RC;
	qa.cap.max_send_wr = SQ_DEPTH;
	qa.cap.max_recv_wr = RX_N;
	qa.cap.max_send_sge = 1;
	qa.cap.max_recv_sge = 1;
	if (rdma_create_qp(id, c->dev->pd, &qa))
		goto reject;
	c->qp = id->qp;
	c->rxmem = calloc(RX_N, RX_SIZE);
	c->txmem = calloc(TX_N, TX_SIZE);
	if (!c->rxmem || !c->txmem)
		goto reject;
	c->rx_mr = ibv_reg_mr(c->dev->pd, c->rxmem, (size_t)RX_N * RX_SIZE, IBV_ACCESS_LOCAL_WRITE);
	c->tx_mr = ibv_reg_mr(c->dev->pd, c->txmem, (size_t)TX_N * TX_SIZE, IBV_ACCESS_LOCAL_WRITE);
	if (!c->rx_mr || !c->tx_mr)
		goto reject;
	for (i = 0; i < RX_N; i++) {
		c->rxw[i] = (struct wrctx){ WR_RECV, i, NULL };
		if (post_recv(c, i))
			goto reject;
	}
	for (i = 0; i < TX_N; i++) {
		c->txw[i] = (struct wrctx){ WR_SEND, i, NULL };
		c->tx_next_free[i] = i + 1 < TX_N ? i + 1 : -1;
	}
	c->tx_free = 0;
	hdr.flags = ISER_ZBVA_NOT_SUP;
	if (!cfg.send_inv)
		hdr.flags |= ISER_SEND_W_INV_NOT_SUP;
	p.private_data = &hdr;
	p.private_data_len = sizeof(hdr);
	p.responder_resources = min_ul(c->dev->attr.max_qp_rd_atom, req->initiator_depth);
	p.initiator_depth = min_ul(c->dev->attr.max_qp_init_rd_atom, req->responder_resources);
	p.rnr_retry_count = 7;
	p.retry_count = 7;
	if (rdma_accept(id, &p)) {
		say("conn %u: rdma_accept: %s", c->no, strerror(errno));
		goto reject;
	}
	say("conn %u: connect request accepted (initiator iSER flags 0x%02x%s)", c->no, pflags,
	    c->peer_no_inv ? ", no send-with-invalidate" : "");
	return;
reject:
	say("connect request rejected: %s", strerror(errno));
	rdma_reject(id, NULL, 0);
	if (c) {
		destroy_conn(c);
	} else {
		rdma_destroy_id(id);
	}
}

static void cm_events(void)
{
	struct rdma_cm_event *ev;

	while (rdma_get_cm_event(cm_ch, &ev) == 0) {
		struct rdma_cm_id *id = ev->id;
		struct conn *c = id->context;
		enum rdma_cm_event_type type = ev->event;

		if (type == RDMA_CM_EVENT_CONNECT_REQUEST) {
			struct rdma_conn_param req = ev->param.conn;
			uint8_t priv[4] = { 0 };

			if (req.private_data_len && req.private_data)
				memcpy(priv, req.private_data,
				       req.private_data_len < 4 ? req.private_data_len : 4);
			req.private_data = priv;
			rdma_ack_cm_event(ev);
			connect_request(id, &req);
			continue;
		}
		rdma_ack_cm_event(ev);
		switch (type) {
		case RDMA_CM_EVENT_ESTABLISHED:
			say("conn %u: established", c ? c->no : 0);
			break;
		case RDMA_CM_EVENT_DISCONNECTED:
		case RDMA_CM_EVENT_CONNECT_ERROR:
		case RDMA_CM_EVENT_UNREACHABLE:
		case RDMA_CM_EVENT_REJECTED:
		case RDMA_CM_EVENT_TIMEWAIT_EXIT:
			if (!c || id == listen_id)
				break;
			say("conn %u: %s", c->no, rdma_event_str(type));
			late_write_settle(c);
			if (type != RDMA_CM_EVENT_TIMEWAIT_EXIT)
				rdma_disconnect(id);
			if (cfg.once && c->ffp && !c->discovery)
				stop = 1;
			destroy_conn(c);
			break;
		case RDMA_CM_EVENT_DEVICE_REMOVAL:
			say("device removed: exiting");
			stop = 1;
			break;
		default:
			say("cm event %s ignored", rdma_event_str(type));
			break;
		}
	}
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		forge_req = 1;
	else
		stop = 1;
}

/*
 * --forge-file: on SIGUSR1, a GOOD SCSI Response (no data) for the ITT
 * written in hex in the file, on every connection in Full Feature Phase.
 * A test sends it while the initiator holds that command in a window
 * (its hold_window hook): a response for a command not yet sent.
 */
static void forge_response(void)
{
	unsigned int itt;
	struct conn *c;
	FILE *f;

	forge_req = 0;
	f = fopen(cfg.forge_file, "r");
	if (!f || fscanf(f, "%x", &itt) != 1) {
		say("forge: no ITT in %s", cfg.forge_file);
		if (f)
			fclose(f);
		return;
	}
	fclose(f);
	for (c = conns; c; c = c->next) {
		if (!c->ffp || c->dead || c->discovery)
			continue;
		if (send_good_rsp(c, itt) == 0) {
			struct timespec t;

			clock_gettime(CLOCK_MONOTONIC, &t);
			say("conn %u: forged a GOOD SCSI Response for ITT 0x%08x (at %ld.%03ld s "
			    "monotonic)", c->no, itt, (long)t.tv_sec, t.tv_nsec / 1000000);
		}
	}
}

static void usage(FILE *f)
{
	int i;

	fprintf(f,
"usage: iser-evil-target --addr IP --port PORT --iqn IQN --scenario NAME\n"
"                        [--lun-mb N] [--after K] [--fire-on any|read|write|rw]\n"
"                        [--send-inv] [--once] [--login-delay MS] [--scribble]\n"
"                        [--forge-file F]\n"
"\n"
"A small iSER target (rdma_cm listener, RC QP per connection) with one RAM LUN.\n"
"It logs in iscsid's initiators (security and operational stages, no auth),\n"
"answers SendTargets on discovery sessions, Logout, NOP-Out, task management\n"
"(always \"function complete\") and the SCSI commands a Linux disk needs\n"
"(INQUIRY + VPD 0/0x80/0x83, REPORT LUNS, TEST UNIT READY, READ CAPACITY 10/16,\n"
"MODE SENSE 6/10, READ/WRITE 10/16, SYNCHRONIZE CACHE; others: ILLEGAL REQUEST).\n"
"Read data goes by RDMA WRITE to read_stag/va, write data beyond the immediate\n"
"data is fetched by RDMA READ from write_stag/va (which, as with ib_iser and LIO,\n"
"points past the unsolicited data).\n"
"\n"
"Unless the scenario is \"good\", it misbehaves exactly once in the process's\n"
"life: on the first SCSI command that --fire-on selects after K such commands\n"
"(--after, default 0), on whatever connection that is.  Before and after, it\n"
"is a correct target, so an initiator that recovers can carry on.\n"
"\n"
"  --addr IP        address to listen on (0.0.0.0: any)\n"
"  --port PORT      port (RDMA_PS_TCP)\n"
"  --iqn IQN        target name\n"
"  --lun-mb N       LUN size in MiB (default 16)\n"
"  --after K        behave for K selected commands first (default 0)\n"
"  --fire-on SEL    which commands count and fire: any, read, write, rw\n"
"                   (default: per scenario, shown below)\n"
"  --send-inv       answer with SEND_WITH_INV of read_stag ?: write_stag when\n"
"                   the initiator's CM private data allows it (like LIO)\n"
"  --once           exit when the first normal session's connection closes\n"
"  --login-delay MS answer each login PDU of a normal session MS ms late\n"
"                   (the whole target waits): a long login phase\n"
"  --scribble       stall: RDMA WRITE 0xee to the stalled read's buffer every\n"
"                   50 ms until a write fails (the key must close before the\n"
"                   initiator fails the command)\n"
"  --forge-file F   on SIGUSR1: a GOOD SCSI Response for the ITT in F (hex)\n"
"                   on every connection in Full Feature Phase\n"
"\n"
"Scenarios (default --fire-on in brackets):\n");
	for (i = 0; i < S_NR; i++)
		fprintf(f, "  %-18s[%s] %s\n", scenarios[i].name,
			fire_names[scenarios[i].fire_on], scenarios[i].help);
	fprintf(f, "\nOne line per event on stdout, each starting with \"evil: \".  SIGTERM or\n"
		   "SIGINT: disconnect everything and exit 0.  SIGUSR1: see --forge-file.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "addr", required_argument, NULL, 'a' },
		{ "port", required_argument, NULL, 'p' },
		{ "iqn", required_argument, NULL, 'i' },
		{ "scenario", required_argument, NULL, 's' },
		{ "lun-mb", required_argument, NULL, 'l' },
		{ "after", required_argument, NULL, 'k' },
		{ "fire-on", required_argument, NULL, 'f' },
		{ "send-inv", no_argument, NULL, 'v' },
		{ "once", no_argument, NULL, 'o' },
		{ "login-delay", required_argument, NULL, 'd' },
		{ "scribble", no_argument, NULL, 'w' },
		{ "forge-file", required_argument, NULL, 'g' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *scen = NULL, *fire_on = NULL;
	struct addrinfo hints = { .ai_flags = AI_NUMERICHOST | AI_PASSIVE }, *ai;
	struct sigaction sa = { .sa_handler = on_signal };
	struct pollfd pf[16];
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	int o, i, n, tmo;

	while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (o) {
		case 'a': cfg.addr = optarg; break;
		case 'p': cfg.port = optarg; break;
		case 'i': cfg.iqn = optarg; break;
		case 's': scen = optarg; break;
		case 'l': cfg.lun_mb = strtoul(optarg, NULL, 0); break;
		case 'k': cfg.after = strtoul(optarg, NULL, 0); break;
		case 'f': fire_on = optarg; break;
		case 'v': cfg.send_inv = 1; break;
		case 'o': cfg.once = 1; break;
		case 'd': cfg.login_delay_ms = strtoul(optarg, NULL, 0); break;
		case 'w': cfg.scribble = 1; break;
		case 'g': cfg.forge_file = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!cfg.addr || !cfg.port || !cfg.iqn || !scen || optind != argc || !cfg.lun_mb) {
		usage(stderr);
		return 2;
	}
	for (i = 0; i < S_NR && strcmp(scen, scenarios[i].name); i++)
		;
	if (i == S_NR) {
		fprintf(stderr, "iser-evil-target: unknown scenario %s\n", scen);
		usage(stderr);
		return 2;
	}
	cfg.scen = i;
	/*
	 * siw charges user MRs to RLIMIT_MEMLOCK even for root (rxe does
	 * not): lift it, or the LUN's MR fails with ENOMEM.
	 */
	if (setrlimit(RLIMIT_MEMLOCK, &unlimited))
		fprintf(stderr, "iser-evil-target: cannot lift RLIMIT_MEMLOCK: %s\n",
			strerror(errno));
	cfg.fire_on = scenarios[i].fire_on;
	if (fire_on) {
		for (i = 0; i < 4 && strcmp(fire_on, fire_names[i]); i++)
			;
		if (i == 4) {
			fprintf(stderr, "iser-evil-target: --fire-on any|read|write|rw\n");
			return 2;
		}
		cfg.fire_on = i;
	}

	srand(time(NULL) ^ getpid());
	lun_blocks = (uint64_t)cfg.lun_mb * 2048;
	lun = calloc(lun_blocks, BLOCK);
	if (!lun) {
		perror("iser-evil-target: LUN");
		return 1;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (cfg.forge_file)
		sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	cm_ch = rdma_create_event_channel();
	if (!cm_ch || rdma_create_id(cm_ch, &listen_id, NULL, RDMA_PS_TCP)) {
		perror("iser-evil-target: rdma_cm");
		return 1;
	}
	if (getaddrinfo(cfg.addr, cfg.port, &hints, &ai)) {
		fprintf(stderr, "iser-evil-target: bad address %s:%s\n", cfg.addr, cfg.port);
		return 1;
	}
	if (rdma_bind_addr(listen_id, ai->ai_addr) || rdma_listen(listen_id, 16)) {
		perror("iser-evil-target: rdma_bind_addr/rdma_listen");
		return 1;
	}
	freeaddrinfo(ai);
	fcntl(cm_ch->fd, F_SETFL, fcntl(cm_ch->fd, F_GETFL) | O_NONBLOCK);
	say("listening on %s:%s, %s, scenario %s (fire-on %s, after %u), LUN %u MiB%s",
	    cfg.addr, cfg.port, cfg.iqn, scenarios[cfg.scen].name, fire_names[cfg.fire_on],
	    cfg.after, cfg.lun_mb, cfg.send_inv ? ", send-with-invalidate" : "");

	while (!stop) {
		struct dev *d;
		struct conn *c, *next;

		n = 0;
		pf[n++] = (struct pollfd){ .fd = cm_ch->fd, .events = POLLIN };
		for (d = devs; d && n < 16; d = d->next)
			pf[n++] = (struct pollfd){ .fd = d->ch->fd, .events = POLLIN };
		tmo = 200;
		for (c = conns; c; c = c->next) {
			long ms = late_write_ms(c);

			if (ms >= 0 && ms < tmo)
				tmo = ms;
		}
		if (poll(pf, n, tmo) < 0 && errno != EINTR) {
			perror("poll");
			break;
		}
		for (d = devs; d; d = d->next) {
			struct ibv_cq *cq;
			void *ctx;

			while (ibv_get_cq_event(d->ch, &cq, &ctx) == 0)
				ibv_ack_cq_events(cq, 1);
		}
		for (c = conns; c; c = next) {
			next = c->next;
			service(c);
			if (late_write_ms(c) == 0)
				late_write_post(c);
		}
		cm_events();
		if (forge_req)
			forge_response();
	}

	say("stopping");
	while (conns) {
		rdma_disconnect(conns->id);
		destroy_conn(conns);
	}
	rdma_destroy_id(listen_id);
	while (devs) {
		struct dev *d = devs;

		devs = d->next;
		if (d->junk_mr)
			ibv_dereg_mr(d->junk_mr);
		free(d->junk);
		ibv_dereg_mr(d->lun_mr);
		ibv_dealloc_pd(d->pd);
		ibv_destroy_comp_channel(d->ch);
		free(d);
	}
	rdma_destroy_event_channel(cm_ch);
	free(lun);
	say("exit");
	return 0;
}
