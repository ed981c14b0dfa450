/* SPDX-License-Identifier: GPL-2.0-only */
/* The real kernel header, read through the shim's types. */
#include KHDR_ISER
