#ifndef TW_LIB_STATEFILE_H
#define TW_LIB_STATEFILE_H

/*
 * Files in [agent] state_dir, written atomically: the content goes to a
 * temporary file in the same directory (mode 0600), which is fsync()ed,
 * renamed over the target, and the directory is fsync()ed, so that after a
 * crash (even kill -9 or power loss) the file holds either the old or the
 * new content, never a mix.  Library code: no logging; errors are negative
 * errnos.  Thread-safe as long as two threads never write the same name.
 */

#include <stddef.h>
#include <stdint.h>

/* Creates dir (mode 0700) if missing; its parent must exist.  0 or -errno. */
int tw_statefile_ensure_dir(const char *dir);

/* Replaces dir/name with data.  0 or -errno (-ENAMETOOLONG, -ENOSPC, ...). */
int tw_statefile_write(const char *dir, const char *name, const void *data, size_t len);

/* Reads dir/name whole (NUL-terminated).  -ENOENT if absent, -E2BIG if over
 * max bytes, other -errno if unreadable. */
int tw_statefile_read(const char *dir, const char *name, size_t max, char **ret_data,
                      size_t *ret_len);

/* Moves a corrupt dir/name aside to dir/name.corrupt-<now> (a later one
 * gets ".1", ".2" ...).  *ret_path (may be NULL) is the new path, to log. */
int tw_statefile_quarantine(const char *dir, const char *name, int64_t now, char **ret_path);

#endif
