#ifndef TW_LIB_FNV_H
#define TW_LIB_FNV_H

/*
 * FNV-1a, 64 bit (Fowler/Noll/Vo): the hash of the string map and of the
 * audit-log line identities.  Fast and well spread, not keyed: never use
 * it where an attacker choosing inputs could hurt (it is not a MAC).
 *
 * The offset basis is 1469598103934665603, not FNV's published
 * 14695981039346656037: a digit was lost when the first copy was written,
 * and the audit-log cursor in state_dir persists these hashes, so the
 * values stay as they are (any non-zero basis spreads as well).
 * Pure and thread-safe.
 */

#include <stddef.h>
#include <stdint.h>

/* The hash of the len bytes at data. */
uint64_t tw_fnv1a(const void *data, size_t len);
/* The hash of the bytes of s before its NUL (tw_fnv1a(s, strlen(s))). */
uint64_t tw_fnv1a_str(const char *s);

#endif
