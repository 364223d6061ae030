#ifndef TW_LIB_IDKEY_H
#define TW_LIB_IDKEY_H

/*
 * Stable ids for deliveries (idempotency keys, dedup keys): the first 128
 * bits of SHA-256 of a printf-formatted text, in lower-case hex.  The same
 * fields give the same key across restarts and machines, so a receiver can
 * tell a re-sent delivery from a new one.  Thread-safe, no allocation.
 */

#include <stddef.h>

#define TW_IDKEY_LEN 33 /* 32 hex digits and the NUL */

/* Writes the key of the formatted text into ret.  A text over 1 KiB is cut
 * (its start still differs per delivery: callers put the varying fields
 * first or keep them short). */
__attribute__((format(printf, 2, 3))) void tw_idkey(char ret[TW_IDKEY_LEN], const char *fmt, ...);

#endif
