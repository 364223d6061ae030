#ifndef TW_LIB_SECRET_H
#define TW_LIB_SECRET_H

/*
 * Secrets: the Astro API token, webhook URLs, signing and routing keys.
 * They are read from files (or the environment), held in memory, and wiped
 * when freed.  Error messages name the file, never its content.
 */

#include <stddef.h>

#include "lib/wipe.h" /* tw_wipe(), the one wipe */

struct tw_buf;

/* Reads the first line of path (surrounding whitespace trimmed).  Refuses a
 * file readable or writable by group or others (-EPERM), an empty one
 * (-ENODATA), one over 64 KiB (-E2BIG).  On failure a message is appended to
 * err (which may be NULL). */
int tw_secret_read_file(const char *path, char **ret_secret, struct tw_buf *err);

/* Copies the value of an environment variable; -ENOENT if unset or empty. */
int tw_secret_from_env(const char *name, char **ret_secret);

/* Wipes a NUL-terminated secret and frees it; NULL-safe. */
void tw_secret_free(char *secret);

#endif
