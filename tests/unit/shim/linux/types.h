/* SPDX-License-Identifier: GPL-2.0-only */
/* Userspace stand-in for the kernel types the protocol-logic files use. */
#ifndef UNIT_SHIM_TYPES_H
#define UNIT_SHIM_TYPES_H
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <string.h>
#include <errno.h>
#include <endian.h>
#include <sys/types.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef int64_t s64;
typedef uint16_t __be16;
typedef uint32_t __be32;
typedef uint64_t __be64;
typedef uint16_t __le16;
typedef uint32_t __le32;
typedef uint64_t __le64;
typedef u64 dma_addr_t;

#define __bitwise
#define __force
#define __packed __attribute__((packed))
#define __aligned(x) __attribute__((aligned(x)))
#undef __always_inline
#define __always_inline inline __attribute__((always_inline))
#define __must_check
#define __maybe_unused __attribute__((unused))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

#define cpu_to_be16(x) htobe16(x)
#define cpu_to_be32(x) htobe32(x)
#define cpu_to_be64(x) htobe64(x)
#define be16_to_cpu(x) be16toh(x)
#define be32_to_cpu(x) be32toh(x)
#define be64_to_cpu(x) be64toh(x)
#define cpu_to_le32(x) htole32(x)
#define le32_to_cpu(x) le32toh(x)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define ALIGN(x, a) (((x) + ((a) - 1)) & ~((__typeof__(x))(a) - 1))
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define min(a, b) ((a) < (b) ? (a) : (b))
#define max(a, b) ((a) > (b) ? (a) : (b))
#define min_t(t, a, b) ((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b) ((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#define BIT(n) (1UL << (n))
#define U32_MAX UINT32_MAX
#define PAGE_SHIFT 12
#define PAGE_SIZE (1UL << PAGE_SHIFT)
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define SZ_4K 0x1000
#define SZ_8K 0x2000
#define BUILD_BUG_ON(c) _Static_assert(!(c), #c)
#define WARN_ON(c) ({ int __c = !!(c); if (__c) fprintf(stderr, "WARN_ON(%s)\n", #c); __c; })
#define WARN_ON_ONCE(c) WARN_ON(c)
#define EXPORT_SYMBOL(x)
#define EXPORT_SYMBOL_GPL(x)
#include <stdio.h>
#define pr_err(...) fprintf(stderr, __VA_ARGS__)
#define pr_warn(...) fprintf(stderr, __VA_ARGS__)
#define pr_info(...) fprintf(stderr, __VA_ARGS__)
#define pr_debug(...) do { } while (0)
#define pr_err_ratelimited(...) fprintf(stderr, __VA_ARGS__)
#define pr_warn_ratelimited(...) fprintf(stderr, __VA_ARGS__)

static inline u32 get_unaligned_be32(const void *p)
{
	u32 v;

	memcpy(&v, p, 4);
	return be32toh(v);
}

static inline void put_unaligned_be32(u32 v, void *p)
{
	v = htobe32(v);
	memcpy(p, &v, 4);
}

static inline u64 get_unaligned_be64(const void *p)
{
	u64 v;

	memcpy(&v, p, 8);
	return be64toh(v);
}

static inline void put_unaligned_be64(u64 v, void *p)
{
	v = htobe64(v);
	memcpy(p, &v, 8);
}
#endif
