#ifndef TW_LIB_SECRET_H
#define TW_LIB_SECRET_H

/*
 * Secrets: the Astro API token, webhook URLs, signing and routing keys.
 * They are read from files (or the environment), held in memory, and wiped
 * when freed.  Error messages name the file, never its content.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "lib/wipe.h" /* tw_wipe(), the one wipe */

struct tw_buf;

/* Whether a secret file of this owner and mode, read by euid, is private: no
 * group or other permission bits at all; except that a root-owned file read by
 * another user may be readable (only) by its group, the way a Kubernetes Secret
 * volume with fsGroup or a 0640 root:tokenwatch file grants it (PostgreSQL's
 * rule for its key file). */
bool tw_secret_mode_is_private(uid_t owner, mode_t mode, uid_t euid);

/* Reads the first line of path (surrounding whitespace trimmed).  Refuses a
 * file that is not private (tw_secret_mode_is_private(), -EPERM), an empty one
 * (-ENODATA), one over 64 KiB (-E2BIG).  On failure a message is appended to
 * err (which may be NULL). */
int tw_secret_read_file(const char *path, char **ret_secret, struct tw_buf *err);

/* The same with flags: TW_SECRET_ANY_MODE accepts a file that is not
 * private (one a platform provides, such as a Kubernetes service-account
 * token, 0644 by default); TW_SECRET_NOFOLLOW refuses a symbolic link
 * (-ELOOP). */
#define TW_SECRET_ANY_MODE 0x1u
#define TW_SECRET_NOFOLLOW 0x2u
int tw_secret_read_file_flags(const char *path, unsigned flags, char **ret_secret,
                              struct tw_buf *err);

/* Copies the value of an environment variable; -ENOENT if unset or empty. */
int tw_secret_from_env(const char *name, char **ret_secret);

/* Wipes a NUL-terminated secret and frees it; NULL-safe. */
void tw_secret_free(char *secret);

#endif
