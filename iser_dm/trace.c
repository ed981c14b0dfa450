// SPDX-License-Identifier: GPL-2.0-only
/*
 * The trace events of iser_dm (trace.h) are instantiated here.
 */
#define CREATE_TRACE_POINTS
#include "trace.h"
