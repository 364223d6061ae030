#ifndef TW_LIB_STATEFILE_H
#define TW_LIB_STATEFILE_H

/*
 * The one atomic file writer, and the files in [agent] state_dir.
 *
 * tw_atomic_write_file() writes the content to a temporary file in the
 * target's directory, created with O_CREAT|O_EXCL|O_NOFOLLOW and mode 0600
 * (a symlink planted at the temporary name is never followed), fsync()s it,
 * renames it over the target (a symlink at the target is replaced, not
 * followed) and fsync()s the directory, so that after a crash (even kill -9
 * or power loss) the file holds either the old or the new content, never a
 * mix.  State files, `report --output` and `--port-file` all go through it.
 *
 * Library code: no logging; errors are negative errnos.  Thread-safe as long
 * as two threads never write the same path at the same time.
 */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

/* Replaces path with data (mode 0600).  0 or -errno (-ENAMETOOLONG,
 * -ENOSPC, -EEXIST if the temporary name stays taken, ...). */
int tw_atomic_write_file(const char *path, const void *data, size_t len);
/* Writes "PORT\n" to path that way: how a server bound to port 0 tells a
 * test (or a supervisor) which port it got. */
int tw_write_port_file(const char *path, unsigned short port);

/* The same written in pieces, for content too large to hold whole (a
 * report): begin creates the temporary file, write appends, commit makes it
 * path (fsync, rename, fsync of the directory) and abort removes it; after a
 * failed begin or write, call abort.  0 or -errno; abort is idempotent. */
struct tw_atomic_file {
        int fd; /* -1: none open */
        char path[4096];
        char tmp[4096];
};
int tw_atomic_file_begin(struct tw_atomic_file *f, const char *path);
int tw_atomic_file_write(struct tw_atomic_file *f, const void *data, size_t len);
int tw_atomic_file_commit(struct tw_atomic_file *f);
void tw_atomic_file_abort(struct tw_atomic_file *f);

/* Writes all of data to fd, through EINTR and short writes.  0 or -errno. */
int tw_write_all(int fd, const void *data, size_t len);
/* fsync()s the directory that holds path, so a rename or create in it is
 * durable.  0 or -errno. */
int tw_fsync_parent(const char *path);

/* Creates dir (mode 0700) if missing; its parent must exist.  An existing
 * dir must be a directory (-ENOTDIR) owned by this process's effective user
 * (-TW_STATEFILE_EOWNER) and not writable by group or others
 * (-TW_STATEFILE_EMODE): anyone who can write there can replace the state.
 * 0 or -errno; tw_statefile_strerror() says what is wrong for a person. */
int tw_statefile_ensure_dir(const char *dir);

/* The errnos tw_statefile_ensure_dir() uses for an unsafe directory. */
#define TW_STATEFILE_EOWNER EPERM
#define TW_STATEFILE_EMODE EACCES

/* A message for a negative errno from this module: strerror(), except for
 * the unsafe-directory cases of tw_statefile_ensure_dir(), which name the
 * fix.  Static storage; never NULL. */
const char *tw_statefile_strerror(int r);

/* Replaces dir/name with data (tw_atomic_write_file).  0 or -errno. */
int tw_statefile_write(const char *dir, const char *name, const void *data, size_t len);

/* Reads dir/name whole (NUL-terminated).  -ENOENT if absent, -E2BIG if over
 * max bytes, other -errno if unreadable. */
int tw_statefile_read(const char *dir, const char *name, size_t max, char **ret_data,
                      size_t *ret_len);

/* Moves a corrupt dir/name aside to dir/name.corrupt-<now> (a later one
 * gets ".1", ".2" ...).  *ret_path (may be NULL) is the new path, to log. */
int tw_statefile_quarantine(const char *dir, const char *name, int64_t now, char **ret_path);

#endif
