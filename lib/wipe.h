#ifndef TW_LIB_WIPE_H
#define TW_LIB_WIPE_H

#include <stddef.h>

/* Zeroes n bytes with explicit_bzero(), which the compiler may not drop as a
 * dead store; NULL-safe.  The one wipe: every secret in memory goes through
 * it (or tw_secret_free, lib/secret.h).  A leaf of lib/, so that the file
 * readers below lib/secret.c can wipe too. */
void tw_wipe(void *p, size_t n);

#endif
