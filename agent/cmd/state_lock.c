/* The state directory's lock (agent/cmd/state_lock.h). */
#include "agent/cmd/state_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/statefile.h"

int tw_state_lock(const char *dir, int *ret_fd, struct tw_buf *why)
{
        char path[4096], pid[32] = "";
        ssize_t n;
        int fd, r;

        r = tw_statefile_ensure_dir(dir);
        if (r < 0) {
                tw_buf_printf(why, "cannot use the state directory %s: %s", dir,
                              tw_statefile_strerror(r));
                return r;
        }
        if (snprintf(path, sizeof(path), "%s/" TW_STATE_LOCK_FILE, dir) >= (int)sizeof(path))
                return -ENAMETOOLONG;
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0) {
                r = -errno;
                tw_buf_printf(why, "cannot open %s: %s", path, strerror(-r));
                return r;
        }
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                r = errno == EWOULDBLOCK ? -EBUSY : -errno;
                n = pread(fd, pid, sizeof(pid) - 1, 0);
                pid[n > 0 ? (size_t)n : 0] = '\0';
                pid[strcspn(pid, "\n")] = '\0';
                close(fd);
                if (r == -EBUSY)
                        tw_buf_printf(why,
                                      "another tokenwatch (pid %s) holds the state directory %s",
                                      *pid ? pid : "unknown", dir);
                else
                        tw_buf_printf(why, "cannot lock %s: %s", path, strerror(-r));
                return r;
        }
        n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
        if (ftruncate(fd, 0) < 0 || tw_write_all(fd, pid, (size_t)n) < 0) {
                /* the lock holds all the same; only the PID others see is missing */
        }
        *ret_fd = fd;
        return 0;
}
