#ifndef TW_AGENT_CMD_STATE_LOCK_H
#define TW_AGENT_CMD_STATE_LOCK_H

/*
 * The state directory's lock: one process at a time writes state_dir, the
 * daemon or a command that writes state (`tokenwatch rotate`).  An
 * exclusive flock(2) on state_dir/tokenwatch.lock, which holds the PID of
 * its holder; released when the descriptor is closed (or the process
 * ends, kill -9 included).
 */

#define TW_STATE_LOCK_FILE "tokenwatch.lock"
#define TW_STATE_LOCK_PID_MAX 32

/* Creates dir if missing (tw_statefile_ensure_dir) and takes its lock:
 * 0 with *ret_fd; -EBUSY when another process holds it (its PID in
 * ret_holder, "" when unknown); or the -errno of the directory or the lock
 * file (tw_statefile_strerror() says it for a person). */
int tw_state_lock(const char *dir, int *ret_fd, char ret_holder[TW_STATE_LOCK_PID_MAX]);

#endif
