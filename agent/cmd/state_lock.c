/* The state directory's lock (agent/cmd/state_lock.h). */
#include "agent/cmd/state_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "lib/statefile.h"

int tw_state_lock(const char *dir, int *ret_fd, char ret_holder[TW_STATE_LOCK_PID_MAX])
{
        char path[4096], pid[TW_STATE_LOCK_PID_MAX];
        ssize_t n;
        int fd, r;

        ret_holder[0] = '\0';
        r = tw_statefile_ensure_dir(dir);
        if (r < 0)
                return r;
        if (snprintf(path, sizeof(path), "%s/" TW_STATE_LOCK_FILE, dir) >= (int)sizeof(path))
                return -ENAMETOOLONG;
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                r = errno == EWOULDBLOCK ? -EBUSY : -errno;
                n = pread(fd, ret_holder, TW_STATE_LOCK_PID_MAX - 1, 0);
                ret_holder[n > 0 ? (size_t)n : 0] = '\0';
                ret_holder[strcspn(ret_holder, "\n")] = '\0';
                close(fd);
                return r;
        }
        n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
        if (ftruncate(fd, 0) < 0 || tw_write_all(fd, pid, (size_t)n) < 0) {
                /* The lock holds all the same; only the PID shown to others is missing. */
        }
        *ret_fd = fd;
        return 0;
}
