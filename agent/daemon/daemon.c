#include "agent/daemon/daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "agent/cmd/load_config.h"
#include "agent/cmd/state_lock.h"
#include "lib/buf.h"
#include "core/config/config.h"
#include "agent/daemon/daemon_internal.h"
#include "core/evaluate/finding.h"
#include "core/inventory.h"
#include "lib/statefile.h"
#include "lib/timeutil.h"
#include "exporters/http/server.h"
#include "exporters/report/report.h"

/* got_interrupt is the collection's cancel flag: any of these signals cuts a
 * cycle short, so that SIGTERM and SIGHUP are honoured within the
 * transport's polling period (100 ms), not after a long collection. */
static volatile sig_atomic_t got_stop, got_reload, got_interrupt;
static bool warned_auth_in_clear;
/* A reload whose server did not start: retried on the next cycle. */
static bool reload_retry;
static int wake_fd[2] = {-1, -1};

static void on_signal(int sig)
{
        int saved = errno;

        if (sig == SIGHUP)
                got_reload = 1;
        else
                got_stop = 1;
        got_interrupt = 1;
        if (wake_fd[1] >= 0 && write(wake_fd[1], "x", 1) < 0) {
                /* full pipe: a wake-up is pending anyway */
        }
        errno = saved;
}

static int install_signals(void)
{
        struct sigaction sa;

        if (pipe(wake_fd) < 0)
                return -errno;
        for (int i = 0; i < 2; i++) {
                fcntl(wake_fd[i], F_SETFL, fcntl(wake_fd[i], F_GETFL) | O_NONBLOCK);
                fcntl(wake_fd[i], F_SETFD, FD_CLOEXEC);
        }
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGHUP, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        sa.sa_handler = SIG_IGN;
        sigaction(SIGPIPE, &sa, NULL);
        return 0;
}

static void remove_signals(void)
{
        struct sigaction sa;

        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = SIG_DFL;
        sigaction(SIGHUP, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        for (int i = 0; i < 2; i++) {
                if (wake_fd[i] >= 0)
                        close(wake_fd[i]);
                wake_fd[i] = -1;
        }
}

/* Takes the exclusive lock of state directory dir (agent/cmd/state_lock.h):
 * 0 with *ret_fd, -EBUSY when another process holds it, or -errno; every
 * failure logged, naming the directory (and the holder's PID). */
static int lock_state_dir(const char *dir, int *ret_fd)
{
        char pid[TW_STATE_LOCK_PID_MAX];
        int r = tw_state_lock(dir, ret_fd, pid);

        if (r == -EBUSY)
                tw_log(TW_LOG_ERROR,
                       "another tokenwatch daemon runs on this state directory: one daemon per "
                       "state_dir (see Running two agents in tokenwatch(8))",
                       "state_dir", dir, "pid", *pid ? pid : "unknown", NULL);
        else if (r < 0)
                tw_log(TW_LOG_ERROR, "cannot lock the state directory", "state_dir", dir, "error",
                       tw_statefile_strerror(r), NULL);
        return r;
}

/* Starts the metrics server for cfg, with this thread's signals blocked in
 * its polling thread.  Logs the outcome. */
static int start_server(struct tw_daemon *d, const struct tw_config *cfg,
                        struct tw_http_server **ret)
{
        struct tw_http_server_options o;
        sigset_t block, old;
        struct tw_buf err;
        char port[16], csp[256];
        int r;

        tw_http_server_options_from_config(cfg, &o);
        /* The status page's policy as a header too (a <meta> cannot forbid framing). */
        if (tw_report_html_csp(csp, sizeof(csp)) == 0)
                o.status_csp = csp;
        o.status_wanted = tw_daemon_status_wanted;
        o.status_wanted_ctx = d;
        tw_buf_init(&err, 4096);
        sigemptyset(&block);
        sigaddset(&block, SIGHUP);
        sigaddset(&block, SIGTERM);
        sigaddset(&block, SIGINT);
        pthread_sigmask(SIG_BLOCK, &block, &old);
        r = tw_http_server_start(&o, ret, &err);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        if (r < 0) {
                tw_log_lines(TW_LOG_ERROR, "cannot start the metrics server", err.ptr);
                tw_buf_done(&err);
                return r;
        }
        tw_buf_done(&err);
        snprintf(port, sizeof(port), "%u", tw_http_server_port(*ret));
        tw_log(TW_LOG_INFO, "serving metrics", "listen",
               o.listen ? o.listen : TW_HTTP_DEFAULT_LISTEN, "port", port, "tls",
               o.tls_cert_file ? "true" : "false", "basic_auth", o.n_users ? "true" : "false",
               NULL);
        if (tw_http_server_exposed(*ret))
                tw_log(TW_LOG_WARN,
                       "the metrics endpoint listens beyond loopback without TLS or basic auth: "
                       "anyone who reaches it reads the token inventory ([web] in the config)",
                       "listen", o.listen, NULL);
        if (tw_http_server_auth_in_clear(*ret) && !warned_auth_in_clear) {
                warned_auth_in_clear = true;
                tw_log(TW_LOG_WARN,
                       "basic auth over plain HTTP beyond loopback: passwords cross the network "
                       "readable (set tls_cert_file and tls_key_file in [web])",
                       "listen", o.listen, NULL);
        }
        if (d->opts->port_file) {
                r = tw_write_port_file(d->opts->port_file, tw_http_server_port(*ret));
                if (r < 0)
                        tw_log(TW_LOG_WARN, "cannot write the port file", "file",
                               d->opts->port_file, "error", strerror(-r), NULL);
        }
        return 0;
}

/* Whether the server cfg asks for can start, tried on 127.0.0.1:0 (TLS
 * files, hashes) while the old one keeps the configured address. */
static bool server_would_start(const struct tw_config *cfg)
{
        struct tw_http_server_options o;
        struct tw_http_server *s = NULL;
        struct tw_buf err;
        int r;

        tw_http_server_options_from_config(cfg, &o);
        o.listen = "127.0.0.1:0";
        tw_buf_init(&err, 4096);
        r = tw_http_server_start(&o, &s, &err);
        if (r < 0)
                tw_log_lines(TW_LOG_ERROR, "the new metrics server would not start", err.ptr);
        tw_buf_done(&err);
        tw_http_server_stop(s);
        return r == 0;
}

/* Whether listen (a new config's) asks for the port the running server s
 * holds, so that the new server cannot bind beside it. */
static bool same_port(const struct tw_http_server *s, const char *listen)
{
        struct sockaddr_storage ss;
        socklen_t len;
        in_port_t port;

        if (tw_listen_parse(listen ? listen : TW_HTTP_DEFAULT_LISTEN, &ss, &len) < 0)
                return true; /* the stop-first path reports it */
        port = ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                        : ((struct sockaddr_in *)&ss)->sin_port;
        return port == 0 || ntohs(port) == tw_http_server_port(s);
}

/* SIGHUP: a new config and a new server, or neither.  A new server that
 * cannot start leaves the old one serving, and the reload is retried on
 * the next cycle. */
static void reload(struct tw_daemon *d)
{
        struct tw_config *cfg = NULL;
        struct tw_http_server *old = d->server, *fresh = NULL;

        reload_retry = false;
        d->status.config_reload_time = tw_now();
        tw_log(TW_LOG_INFO, "reloading the configuration", "file", d->config_path, NULL);
        if (tw_agent_load_config(d->config_path, &cfg) < 0)
                goto failed;
        if (strcmp(cfg->agent.state_dir, d->cfg->agent.state_dir) != 0) {
                int fd;

                /* Another state directory: ours before anything writes there. */
                if (lock_state_dir(cfg->agent.state_dir, &fd) < 0) {
                        tw_config_free(cfg);
                        goto failed;
                }
                close(d->lock_fd);
                d->lock_fd = fd;
        }
        if (old && !same_port(old, cfg->agent.listen)) {
                /* Another address: the new server starts beside the old one. */
                if (start_server(d, cfg, &fresh) < 0)
                        goto retry;
                tw_http_server_stop(old);
                d->server = fresh;
        } else if (old) {
                /* Same address: the old server must let go first, once the
                 * new one has shown it can start. */
                if (!server_would_start(cfg))
                        goto retry;
                tw_http_server_stop(old);
                d->server = NULL;
                if (start_server(d, cfg, &fresh) < 0) {
                        if (start_server(d, d->cfg, &d->server) < 0)
                                tw_log(TW_LOG_ERROR,
                                       "cannot restart the metrics server with the old "
                                       "configuration either",
                                       NULL);
                        goto retry;
                }
                d->server = fresh;
        }
        tw_daemon_copies_reset(d); /* it borrows the old config's copies */
        tw_config_free(d->cfg);
        d->cfg = cfg;
        d->owner_rules_checked = false;
        tw_log_setup(cfg->agent.log_level, cfg->agent.log_format);
        d->status.config_reload_success = true;
        tw_log(TW_LOG_INFO, "configuration reloaded", NULL);
        tw_daemon_usage_cycle(d, tw_now()); /* [audit_logs] changes apply now */
        tw_daemon_publish(d);
        return;
retry:
        reload_retry = true;
        tw_config_free(cfg);
        tw_log(TW_LOG_ERROR,
               "the new configuration's metrics server cannot start: the old one keeps serving, "
               "retrying next cycle",
               NULL);
failed:
        d->status.config_reload_success = false;
        tw_log(TW_LOG_ERROR, "configuration reload failed: keeping the old configuration", NULL);
        tw_daemon_publish(d);
}

/* The interval with ±5 % jitter, in nanoseconds. */
static int64_t jittered(int64_t interval_s, unsigned *seed)
{
        double f = 0.95 + 0.1 * ((double)rand_r(seed) / (double)RAND_MAX);

        return (int64_t)((double)interval_s * 1e9 * f);
}

/* Sleeps until deadline (monotonic ns) or a signal; handles SIGHUP. */
static void wait_until(struct tw_daemon *d, int64_t deadline)
{
        if (reload_retry && !got_stop)
                reload(d);
        for (;;) {
                int64_t left = deadline - tw_mono_ns();
                struct pollfd pfd = {.fd = wake_fd[0], .events = POLLIN};
                char drain[64];

                if (got_stop || left <= 0)
                        return;
                if (poll(&pfd, 1, (int)(left / 1000000 + 1 > 60000 ? 60000 : left / 1000000 + 1)) >
                    0)
                        while (read(wake_fd[0], drain, sizeof(drain)) > 0)
                                ;
                /* The audit logs were read: their usage and status reach
                 * the pages now, not at the next cycle. */
                if (!got_stop && tw_daemon_usage_take(d))
                        tw_daemon_refresh(d);
                if (!got_stop && atomic_exchange(&d->status_asked, false))
                        tw_daemon_publish_status(d);
                if (got_reload && !got_stop) {
                        got_reload = 0;
                        got_interrupt = 0;
                        reload(d);
                }
        }
}

int tw_daemon_run(const char *config_path, const struct tw_daemon_options *opts)
{
        static const struct tw_daemon_options no_opts;
        struct tw_daemon d;
        unsigned seed;
        int r;

        /* A fixed threshold: glibc otherwise raises it to the size of each
         * large block freed, and a cycle's response bodies, token arrays and
         * pages then stay in the heap as holes after use (bench/RESULTS.md:
         * 6 MB of peak RSS at 10,000 tokens). */
        mallopt(M_MMAP_THRESHOLD, 128 * 1024);
        memset(&d, 0, sizeof(d));
        atomic_init(&d.status_asked, false);
        d.wake_fd = -1;
        d.lock_fd = -1;
        d.config_path = config_path;
        d.opts = opts ? opts : &no_opts;
        d.stop = &got_stop;
        d.interrupt = &got_interrupt;
        got_stop = got_reload = got_interrupt = 0;
        tw_agent_status_init(&d.status, TW_VERSION);
        d.status.config_reload_time = tw_now();
        r = tw_agent_load_config(config_path, &d.cfg);
        if (r < 0)
                return -EINVAL;
        tw_log_setup(d.cfg->agent.log_level, d.cfg->agent.log_format);
        r = lock_state_dir(d.cfg->agent.state_dir, &d.lock_fd);
        if (r < 0)
                goto out;
        r = install_signals();
        if (r < 0) {
                tw_log(TW_LOG_ERROR, "cannot set up signal handling", "error", strerror(-r), NULL);
                goto out;
        }
        d.wake_fd = wake_fd[1];
        tw_log(TW_LOG_INFO, "tokenwatch starting", "version", TW_VERSION, "config", config_path,
               NULL);
        if (!d.opts->once && !d.opts->no_server) {
                r = start_server(&d, d.cfg, &d.server);
                if (r < 0)
                        goto out;
        }
        seed = (unsigned)tw_now() ^ (unsigned)getpid();
        while (!got_stop) {
                int64_t next = tw_mono_ns() + jittered(d.cfg->agent.interval, &seed);

                tw_daemon_cycle(&d);
                if (d.opts->once)
                        break;
                if (got_reload && !got_stop) {
                        /* A reload cut the cycle short (or came during it):
                         * reload, then collect again under the new config. */
                        got_reload = 0;
                        got_interrupt = 0;
                        reload(&d);
                        continue;
                }
                wait_until(&d, next);
        }
        r = 0;
        if (d.opts->once && !got_stop)
                r = d.last_cycle_credential_failed ? -ENOKEY
                    : d.status.collection_success  ? 0
                                                   : -ENODATA;
        tw_log(TW_LOG_INFO, d.opts->once ? "one cycle done" : "stopping", NULL);
out:
        tw_http_server_stop(d.server);
        tw_daemon_renew_stop(&d);
        tw_daemon_usage_stop(&d);
        if (d.lock_fd >= 0 && d.opts->on_stop)
                d.opts->on_stop(d.opts->userdata, d.opts->once);
        tw_daemon_trail_close(&d);
        tw_evaluation_free(d.ev);
        tw_inventory_free(d.inv);
        tw_daemon_orgs_free(&d);
        tw_daemon_copies_reset(&d);
        tw_config_free(d.cfg);
        remove_signals();
        if (d.lock_fd >= 0)
                close(d.lock_fd); /* releases the lock */
        return r;
}
