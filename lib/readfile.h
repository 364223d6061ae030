#ifndef TW_LIB_READFILE_H
#define TW_LIB_READFILE_H

/*
 * Reading a whole file into memory, with a size cap: the one reader of
 * state files, secrets, TLS keys, time-zone files and the configuration.
 * A file larger than the cap is refused (-E2BIG), never cut.  Library code:
 * no logging; errors are negative errnos.  Thread-safe.
 */

#include <stddef.h>

/* A symbolic link at the path is refused (-ELOOP), as for state files. */
#define TW_READ_NOFOLLOW 0x1u
/* The content is a secret: every buffer it passed through on the way is
 * wiped, so the only copy left is the one returned (the caller wipes it). */
#define TW_READ_SECRET 0x2u

/* Reads fd from its offset to its end: at most max bytes (max below
 * SIZE_MAX / 2).  On success *ret_data is a new NUL-terminated copy (the
 * caller frees it; a file may hold NUL bytes, *ret_len counts them) and
 * *ret_len (may be NULL) its length.  -E2BIG when there is more than max,
 * -ENOMEM, or the -errno of read().  The caller keeps fd. */
int tw_read_fd(int fd, size_t max, unsigned flags, char **ret_data, size_t *ret_len);

/* Opens path (O_CLOEXEC, O_NOCTTY, O_NOFOLLOW with TW_READ_NOFOLLOW) and
 * reads it like tw_read_fd().  The -errno of open() too (-ENOENT, -EACCES,
 * -ELOOP ...). */
int tw_read_file(const char *path, size_t max, unsigned flags, char **ret_data, size_t *ret_len);

#endif
