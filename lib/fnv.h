#ifndef TW_LIB_FNV_H
#define TW_LIB_FNV_H

/*
 * FNV-1a, 64 bit (Fowler/Noll/Vo, the published offset basis and prime):
 * the hash of the string map and of the audit-log entry identities.  Fast
 * and well spread, not keyed: never use it where an attacker choosing
 * inputs could hurt (it is not a MAC).  Pure and thread-safe.
 */

#include <stddef.h>
#include <stdint.h>

/* The hash of the len bytes at data. */
uint64_t tw_fnv1a(const void *data, size_t len);
/* The hash of the bytes of s before its NUL (tw_fnv1a(s, strlen(s))). */
uint64_t tw_fnv1a_str(const char *s);
/* Hash h (of some bytes A) continued over len more bytes B: the hash of A
 * then B, so tw_fnv1a_more(tw_fnv1a(a, n), b, m) is the hash of the n + m
 * bytes a b. */
uint64_t tw_fnv1a_more(uint64_t h, const void *data, size_t len);

#endif
