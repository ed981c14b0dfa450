// SPDX-License-Identifier: GPL-2.0-only
/*
 * rcp.c - what differs between the RDMA-Capable Protocols iSER runs over:
 * InfiniBand, RoCE (v1/v2) and iWARP.  Everything else in iser_dm is
 * protocol-neutral verbs and rdma_cm; a reader looking for "what changes
 * on iWARP" finds all of it here.
 *
 * - Port space: RDMA_PS_TCP for all three.  For iWARP it is a real TCP
 *   connection (MPA); for IB/RoCE the iSER service ID is derived from the
 *   TCP port by rdma_cm, which is what LIO's isert listens on.
 * - IRD/ORD (the draft's §2.1.4): the initiator is only ever the target of
 *   RDMA Reads (solicited write data).  Our inbound RDMA Read depth
 *   (responder_resources, IRD) is what the device allows; our outbound
 *   depth (initiator_depth, ORD) is 1 (we never issue an RDMA Read but a
 *   zero ORD is refused by some iWARP MPA peers).  IB CM carries these as
 *   "responder resources/initiator depth", MPA as IRD/ORD; rdma_cm maps
 *   both from the same fields.
 * - Access rights: iWARP requires IB_ACCESS_LOCAL_WRITE whenever remote
 *   write is granted, and an RDMA Read *sink* must be remotely writable.
 *   We are never a Read sink, so only the first rule applies to us.
 * - Retry counts are meaningless for iWARP (TCP retransmits) and ignored.
 * - Connect deadline: an IB/RoCE CM REQ that nobody answers ends in
 *   REJECTED or UNREACHABLE within the CM's own timeouts.  An iWARP
 *   connect to an address with a plain TCP listener (an iSCSI/TCP-only
 *   portal) succeeds at the TCP level and then waits for an MPA reply that
 *   never comes; siw gives up only after its MPA timeout, and iscsiadm
 *   retries six times.  A peer that speaks MPA answers within one round
 *   trip, so iser_dm gives up after iwarp_connect_ms (default 3 s).
 */
#include "iser_dm.h"

/**
 * iser_dm_rcp_conn_param() - fill the CM connect parameters for @ep's fabric
 * @ep: endpoint whose device and private data are set up
 * @cp: parameters to fill (private data set by the caller)
 */
void iser_dm_rcp_conn_param(struct iser_dm_ep *ep, struct rdma_conn_param *cp)
{
	const struct ib_device_attr *attrs = &iser_dm_ibdev(ep)->attrs;

	cp->responder_resources = min_t(int, attrs->max_qp_rd_atom, U8_MAX);
	cp->initiator_depth = min_t(int, attrs->max_qp_init_rd_atom, 1);
	if (rdma_protocol_iwarp(ep->cm_id->device, ep->cm_id->port_num)) {
		cp->retry_count = 0;
		cp->rnr_retry_count = 0;
	} else {
		cp->retry_count = 7;
		/* 7 = retry forever: the target reposts receives promptly. */
		cp->rnr_retry_count = 7;
	}
}

/**
 * iser_dm_rcp_connect_deadline() - when a connect on @ep's fabric gives up
 * @ep: endpoint about to call rdma_connect()
 *
 * Return: the jiffies by which the connection must be established, or 0
 * to leave it to the fabric's CM (InfiniBand, RoCE).
 */
unsigned long iser_dm_rcp_connect_deadline(struct iser_dm_ep *ep)
{
	unsigned int ms = READ_ONCE(iser_dm_iwarp_connect_ms);

	if (!ms || !rdma_protocol_iwarp(ep->cm_id->device, ep->cm_id->port_num))
		return 0;
	return (jiffies + msecs_to_jiffies(ms)) | 1;	/* never 0 */
}

/**
 * iser_dm_rcp_access() - MR access flags for a task buffer
 * @ep: the endpoint
 * @dir: DMA_FROM_DEVICE for a read buffer, DMA_TO_DEVICE for a write buffer
 *
 * Return: the IB_ACCESS_* flags the REG_MR grants.
 */
int iser_dm_rcp_access(struct iser_dm_ep *ep, enum dma_data_direction dir)
{
	/*
	 * LOCAL_WRITE is harmless on IB/RoCE and mandatory on iWARP next to
	 * REMOTE_WRITE; giving it always keeps the rule in one place.
	 */
	if (dir == DMA_FROM_DEVICE)
		return IB_ACCESS_LOCAL_WRITE | IB_ACCESS_REMOTE_WRITE;
	return IB_ACCESS_LOCAL_WRITE | IB_ACCESS_REMOTE_READ;
}

/**
 * iser_dm_rcp_name() - the fabric's name, for log messages
 * @ep: endpoint with a resolved device
 *
 * Return: "iWARP", "RoCE", "InfiniBand" or "unknown".
 */
const char *iser_dm_rcp_name(struct iser_dm_ep *ep)
{
	struct ib_device *dev = ep->cm_id->device;
	u32 port = ep->cm_id->port_num;

	if (rdma_protocol_iwarp(dev, port))
		return "iWARP";
	if (rdma_protocol_roce(dev, port))
		return "RoCE";
	if (rdma_protocol_ib(dev, port))
		return "InfiniBand";
	return "unknown";
}
