/*
 * A program that stores the value where tokenwatch cannot: `/bin/sh -c
 * command`, the value and a newline on its standard input, and nothing of
 * it in its arguments or environment.  The environment is small and fixed:
 * PATH, and TOKENWATCH_DELIVER (the copy's name) and TOKENWATCH_TOKEN_ID
 * (the token's id) - never the agent's own, which holds its credential.
 * The program runs in its own process group, killed with it when the
 * timeout passes (default 30 s) or the context is cancelled; exit status 0
 * is success.  Its standard output is discarded; the start of its standard
 * error goes into the message of a failure, the value cut out of it.
 * Spawned with posix_spawn (no fork of a threaded daemon), stdin a Unix
 * socket written with MSG_NOSIGNAL (a program that exits without reading
 * cannot raise SIGPIPE here).  A copy behind a program cannot be checked.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exporters/deliver/deliver_common_internal.h"
#include "exporters/deliver/stores_internal.h"
#include "lib/buf.h"
#include "lib/secret.h"
#include "lib/timeutil.h"

#define STDERR_KEPT 512
#define SAFE_PATH "PATH=/usr/local/bin:/usr/bin:/bin"

static const char *const keys[] = {"command", "timeout", NULL};

static int x_validate(const struct tw_deliver_target *t, struct tw_buf *err)
{
        if (!t->command || !t->command[strspn(t->command, " \t")])
                return tw_deliver_error(err, t, -EINVAL, "command is missing");
        return 0;
}

static int x_check(struct tw_deliver_ctx *c, const struct tw_deliver_target *t,
                   struct tw_deliver_state *ret, struct tw_buf *err)
{
        (void)c;
        tw_deliver_state_init(ret);
        return tw_deliver_error(err, t, -EOPNOTSUPP, "a copy behind a program cannot be checked");
}

/* Starts the program with fd 0 = in, 1 = /dev/null, 2 = errw. */
static int spawn(const struct tw_deliver_target *t, const char *token_id, int in, int errw,
                 pid_t *ret_pid)
{
        char name_env[512], id_env[128];
        char *argv[] = {"/bin/sh", "-c", t->command, NULL};
        char *envp[] = {SAFE_PATH, name_env, id_env, NULL};
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t at;
        sigset_t none, dflt;
        int r;

        snprintf(name_env, sizeof(name_env), "TOKENWATCH_DELIVER=%s", t->name ? t->name : "");
        snprintf(id_env, sizeof(id_env), "TOKENWATCH_TOKEN_ID=%s", token_id ? token_id : "");
        sigemptyset(&none);
        sigfillset(&dflt);
        posix_spawn_file_actions_init(&fa);
        posix_spawnattr_init(&at);
        r = posix_spawn_file_actions_adddup2(&fa, in, 0);
        if (r == 0)
                r = posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
        if (r == 0)
                r = posix_spawn_file_actions_adddup2(&fa, errw, 2);
        if (r == 0)
                r = posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                                          POSIX_SPAWN_SETSIGDEF);
        if (r == 0)
                r = posix_spawnattr_setpgroup(&at, 0);
        if (r == 0)
                r = posix_spawnattr_setsigmask(&at, &none);
        if (r == 0)
                r = posix_spawnattr_setsigdefault(&at, &dflt);
        if (r == 0)
                r = posix_spawn(ret_pid, "/bin/sh", &fa, &at, argv, envp);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&at);
        return -r;
}

/* Sends the value and a newline, then end of file. */
static int feed(int fd, const char *value)
{
        size_t n = strlen(value), off = 0;

        while (off <= n) {
                const char *p = off < n ? value + off : "\n";
                size_t len = off < n ? n - off : 1;
                ssize_t w = send(fd, p, len, MSG_NOSIGNAL);

                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0)
                        return -errno;
                off += (size_t)w;
        }
        shutdown(fd, SHUT_WR);
        return 0;
}

/* Keeps up to STDERR_KEPT bytes of what was read from the program's stderr. */
static void keep(struct tw_buf *kept, const char *chunk, size_t n)
{
        if (kept->len < STDERR_KEPT)
                tw_buf_add(kept, chunk, n < STDERR_KEPT - kept->len ? n : STDERR_KEPT - kept->len);
}

/* After the program exited: reads what is left in its stderr pipe, waiting
 * at most 100 ms for a descendant that still holds the pipe open. */
static void drain(int errr, struct tw_buf *kept)
{
        char chunk[256];
        struct pollfd p = {.fd = errr, .events = POLLIN};
        ssize_t n;

        while (poll(&p, 1, 100) > 0 && (n = read(errr, chunk, sizeof(chunk))) > 0)
                keep(kept, chunk, (size_t)n);
}

/* Reads the program's stderr (keeping its start) until it exits or the
 * deadline passes; the wait status into *ret_status. */
static int await(struct tw_deliver_ctx *c, pid_t pid, int errr, int64_t deadline_ns,
                 struct tw_buf *kept, int *ret_status)
{
        char chunk[256];
        bool eof = false;

        for (;;) {
                struct pollfd p = {.fd = errr, .events = POLLIN};
                int64_t left = (deadline_ns - tw_mono_ns()) / 1000000;
                pid_t w = waitpid(pid, ret_status, WNOHANG);
                ssize_t n;

                if (w == pid) {
                        /* What it wrote before exiting may still be in the pipe. */
                        drain(errr, kept);
                        return 0;
                }
                if (left <= 0 || (c->o.cancel && *c->o.cancel)) {
                        kill(-pid, SIGKILL);
                        waitpid(pid, ret_status, 0);
                        return left <= 0 ? -ETIMEDOUT : -ECANCELED;
                }
                if (eof) {
                        poll(NULL, 0, 10); /* stderr closed: wait for the exit */
                        continue;
                }
                if (poll(&p, 1, left < 50 ? (int)left : 50) <= 0)
                        continue;
                n = read(errr, chunk, sizeof(chunk));

                if (n <= 0)
                        eof = n == 0 || errno != EINTR;
                else
                        keep(kept, chunk, (size_t)n);
        }
}

/* The failure message: the program's stderr, the value cut out. */
static int failed(const struct tw_deliver_target *t, const char *value, struct tw_buf *kept,
                  int status, struct tw_buf *err)
{
        char *hit;

        while (kept->ptr && *value && (hit = strstr(kept->ptr, value)))
                memmove(hit, hit + strlen(value), strlen(hit + strlen(value)) + 1);
        for (char *p = kept->ptr; p && *p; p++)
                if ((unsigned char)*p < 0x20)
                        *p = ' ';
        if (WIFSIGNALED(status))
                return tw_deliver_error(err, t, -EPROTO, "the command was killed by signal %d",
                                        WTERMSIG(status));
        return tw_deliver_error(err, t, -EPROTO, "the command exited with status %d%s%s",
                                WEXITSTATUS(status), kept->ptr ? ": " : "",
                                kept->ptr ? kept->ptr : "");
}

static int x_write(struct tw_deliver_ctx *c, const struct tw_deliver_target *t,
                   const struct tw_deliver_write *w, struct tw_deliver_state *ret_after,
                   struct tw_buf *err)
{
        int64_t timeout = t->timeout_ms > 0 ? t->timeout_ms : 30000;
        int sv[2] = {-1, -1}, ep[2] = {-1, -1}, status = 0, r;
        struct tw_buf kept;
        pid_t pid = -1;

        tw_buf_init(&kept, STDERR_KEPT + 1);
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 || pipe(ep) < 0 ||
            fcntl(ep[0], F_SETFD, FD_CLOEXEC) < 0 || fcntl(ep[1], F_SETFD, FD_CLOEXEC) < 0) {
                r = tw_deliver_error(err, t, -errno, "cannot make pipes: %s", strerror(errno));
                goto out;
        }
        r = spawn(t, w->token_id, sv[1], ep[1], &pid);
        close(sv[1]);
        close(ep[1]);
        sv[1] = ep[1] = -1;
        if (r < 0) {
                r = tw_deliver_error(err, t, r, "cannot run /bin/sh: %s", strerror(-r));
                goto out;
        }
        feed(sv[0], w->value); /* a program that does not read fails by its status */
        r = await(c, pid, ep[0], tw_mono_ns() + timeout * 1000000, &kept, &status);
        if (r == -ETIMEDOUT)
                r = tw_deliver_error(err, t, r, "the command did not finish within %lld ms",
                                     (long long)timeout);
        else if (r < 0)
                r = tw_deliver_error(err, t, r, "cancelled");
        else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                r = failed(t, w->value, &kept, status, err);
        if (r == 0) {
                tw_deliver_state_init(ret_after);
                ret_after->exists = ret_after->written = true;
                ret_after->updated_at = tw_now();
        }
out:
        for (int i = 0; i < 2; i++) {
                if (sv[i] >= 0)
                        close(sv[i]);
                if (ep[i] >= 0)
                        close(ep[i]);
        }
        tw_wipe(kept.ptr, kept.len);
        tw_buf_done(&kept);
        return r;
}

static void x_plan(const struct tw_deliver_target *t, struct tw_buf *out)
{
        tw_buf_printf(out,
                      "run /bin/sh -c '%s' with the value on its standard input (timeout %lld "
                      "ms)\n",
                      t->command, (long long)(t->timeout_ms > 0 ? t->timeout_ms : 30000));
}

const struct tw_deliver_ops tw_deliver_exec = {
        .type = "exec",
        .keys = keys,
        .readable = false,
        .validate = x_validate,
        .check = x_check,
        .write = x_write,
        .plan = x_plan,
};
