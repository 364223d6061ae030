#ifndef TW_LIB_SECRET_H
#define TW_LIB_SECRET_H

/*
 * Secrets: the Astro API token, webhook URLs, signing and routing keys.
 * They are read from files (or the environment), held in memory, and wiped
 * when freed.  Error messages name the file, never its content.
 */

#include <stddef.h>

struct tw_buf;

/* Reads the first line of path (surrounding whitespace trimmed).  Refuses a
 * file readable or writable by group or others (-EPERM), an empty one
 * (-ENODATA), one over 64 KiB (-E2BIG).  On failure a message is appended to
 * err (which may be NULL). */
int tw_secret_read_file(const char *path, char **ret_secret, struct tw_buf *err);

/* The same with flags: TW_SECRET_ANY_MODE accepts a file group or others
 * may read (one a platform provides, such as a Kubernetes service-account
 * token); TW_SECRET_NOFOLLOW refuses a symbolic link (-ELOOP). */
#define TW_SECRET_ANY_MODE 0x1u
#define TW_SECRET_NOFOLLOW 0x2u
int tw_secret_read_file_flags(const char *path, unsigned flags, char **ret_secret,
                              struct tw_buf *err);

/* Copies the value of an environment variable; -ENOENT if unset or empty. */
int tw_secret_from_env(const char *name, char **ret_secret);

/* Zeroes n bytes with explicit_bzero(), which the compiler may not drop as a
 * dead store; NULL-safe.  The one wipe: every secret in memory goes through
 * it (or tw_secret_free). */
void tw_wipe(void *p, size_t n);

/* Wipes a NUL-terminated secret and frees it; NULL-safe. */
void tw_secret_free(char *secret);

#endif
