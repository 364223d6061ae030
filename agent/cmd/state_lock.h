#ifndef TW_AGENT_CMD_STATE_LOCK_H
#define TW_AGENT_CMD_STATE_LOCK_H

/*
 * The state directory's lock: one process at a time writes state_dir, the
 * daemon or a command that writes state (`tokenwatch rotate`).  An
 * exclusive flock(2) on state_dir/tokenwatch.lock, which holds the PID of
 * its holder; released when the descriptor is closed (or the process
 * ends, kill -9 included).
 */

#include <stddef.h>

struct tw_buf;

#define TW_STATE_LOCK_FILE "tokenwatch.lock"

/* Creates dir if missing (tw_statefile_ensure_dir) and takes its lock:
 * 0 with *ret_fd, -EBUSY when another process holds it (its PID in why),
 * or -errno; why says what, naming the directory. */
int tw_state_lock(const char *dir, int *ret_fd, struct tw_buf *why);

#endif
