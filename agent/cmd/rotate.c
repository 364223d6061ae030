/*
 * `tokenwatch rotate TOKEN [--dry-run] [--strategy replace|rotate]
 * [--organization O]`: renews one token now (agent/rotate/rotate.h), with
 * [rotation] enabled or not, or says what a renewal would do and writes
 * nothing.  A renewal in progress (its journal) is resumed at once, its
 * backoff ignored.  The renewal is recorded in the trail and sent to the
 * sinks like the daemon's.
 */
#include "agent/cmd/rotate.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/cmd/commands.h"
#include "agent/cmd/state_lock.h"
#include "agent/rotate/rotate.h"
#include "core/config/config.h"
#include "core/events.h"
#include "exporters/notify/notify.h"
#include "exporters/trail/trail.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/statefile.h"
#include "lib/timeutil.h"

/* The organization the token is in: --organization, the only one, or the
 * one organization where the token is found. */
static int find_token(const struct tw_config *cfg, const struct tw_rotate_cli *o, size_t *ret_org,
                      char id[64])
{
        size_t n = tw_config_org_count(cfg), found = 0;
        struct tw_buf why;
        int r = -ENOENT;

        tw_buf_init(&why, 1 << 16);
        for (size_t i = 0; i < n; i++) {
                const struct tw_astro_config *a = tw_config_org(cfg, i);
                char one[64];

                if (o->organization && a != tw_config_org_find(cfg, o->organization))
                        continue;
                tw_buf_reset(&why);
                r = tw_rotate_find(cfg, i, o->token, one, &why);
                if (r == 0 && found++ == 0) {
                        *ret_org = i;
                        snprintf(id, 64, "%s", one);
                }
        }
        if (found > 1) {
                fprintf(stderr, "tokenwatch: %s is in %zu organizations: add --organization\n",
                        o->token, found);
                r = -ENOTUNIQ;
        } else if (found == 1) {
                r = 0;
        } else if (o->organization && !tw_config_org_find(cfg, o->organization)) {
                fprintf(stderr, "tokenwatch: no organization %s in the configuration\n",
                        o->organization);
        } else {
                fprintf(stderr, "tokenwatch: %s\n", why.len ? why.ptr : "no such token");
        }
        tw_buf_done(&why);
        return r;
}

/* The trail and the sinks hear of the renewal, as from the daemon. */
static void record(const struct tw_config *cfg, const struct tw_rotate_outcome *out)
{
        const struct tw_trail_options to = {
                .state_dir = cfg->agent.state_dir,
                .policy = {.in_use_window = cfg->trail.in_use_window},
                .rotation = {.max_bytes = cfg->trail.max_bytes, .keep = (unsigned)cfg->trail.files},
        };
        struct tw_event e;
        struct tw_events ev = {.events = &e, .n_events = 1};
        struct tw_notifier *n = NULL;
        struct tw_trail *t = NULL;
        struct tw_buf err;

        if (tw_rotate_event(out, tw_now(), &e) <= 0)
                return;
        tw_buf_init(&err, 1 << 16);
        if (tw_trail_open(&to, tw_now(), &t, NULL) < 0 || tw_trail_note(t, &ev) < 0)
                tw_log(TW_LOG_WARN, "cannot record the renewal in the audit trail", NULL);
        tw_trail_free(t);
        if (cfg->n_webhooks && tw_notifier_new(cfg, NULL, NULL, &n, &err) == 0) {
                tw_notifier_events(n, &ev, NULL, tw_now());
                if (tw_notifier_flush(n, 30000) < 0)
                        tw_log(TW_LOG_WARN,
                               "some notifications are still queued: the daemon "
                               "sends them",
                               NULL);
        }
        tw_notifier_free(n);
        tw_buf_done(&err);
        tw_event_done(&e);
}

static void say(const struct tw_rotate_outcome *out)
{
        char when[TW_RFC3339_LEN] = "";

        if (out->next_at != TW_NO_TIME)
                tw_time_format(out->next_at, when);
        if (out->renewed)
                printf("renewed %s (%s): %s %s; %zu copies hold the new value\n", out->token_name,
                       out->token_id,
                       out->strategy == TW_ROTATION_REPLACE ? "replaced by" : "rotated in place as",
                       out->new_id, out->n_copies);
        switch (out->result) {
        case TW_ROTATE_FINISHED:
                printf("finished: %s\n", out->strategy == TW_ROTATION_REPLACE
                                                 ? "the old token is deleted"
                                                 : "nothing else to do");
                break;
        case TW_ROTATE_WAITING:
                printf("the old token %s is deleted after retire_after, at %s: by the daemon, "
                       "or run `tokenwatch rotate %s` again then\n",
                       out->token_id, when, out->token_id);
                break;
        case TW_ROTATE_HELD:
                printf("%s\n", out->reason);
                break;
        case TW_ROTATE_DROPPED:
        case TW_ROTATE_NOTHING:
                printf("nothing done: %s\n", out->reason);
                break;
        case TW_ROTATE_FAILED:
                fprintf(stderr, "tokenwatch: the renewal of %s failed (step %s): %s\n",
                        out->token_id, tw_renewal_step_to_string(out->step), out->reason);
                if (*when)
                        fprintf(stderr, "tokenwatch: the daemon tries again at %s\n", when);
                break;
        case TW_ROTATE_CANCELLED:
                fprintf(stderr, "tokenwatch: cancelled; the journal says where it stood\n");
                break;
        }
}

static int plan(const struct tw_config *cfg, const struct tw_rotate_options *ro, size_t org,
                const char *id)
{
        struct tw_buf out;
        int r;

        tw_buf_init(&out, 1 << 20);
        r = tw_rotate_plan(ro, org, id, &out);
        fputs(out.ptr ? out.ptr : "", r < 0 ? stderr : stdout);
        tw_buf_done(&out);
        (void)cfg;
        return r < 0 ? TW_EXIT_CONFIG : TW_EXIT_OK;
}

/* The state directory's lock into *fd; -errno, said on stderr. */
static int take_lock(const char *state_dir, int *fd)
{
        char holder[TW_STATE_LOCK_PID_MAX];
        int r = tw_state_lock(state_dir, fd, holder);

        if (r == -EBUSY)
                fprintf(stderr,
                        "tokenwatch: another tokenwatch (pid %s) holds the state directory %s: "
                        "the daemon renews due tokens itself; stop it to renew by hand\n",
                        *holder ? holder : "unknown", state_dir);
        else if (r < 0)
                fprintf(stderr, "tokenwatch: the state directory %s: %s\n", state_dir,
                        tw_statefile_strerror(r));
        return r;
}

int tw_cmd_rotate(const char *config_path, const struct tw_rotate_cli *o)
{
        struct tw_rotate_options ro = {.manual = true, .start = true, .strategy = o->strategy};
        struct tw_rotate_outcome out;
        struct tw_config *cfg = NULL;
        struct tw_buf err;
        int code = TW_EXIT_CONFIG, lock = -1, r;
        size_t org = 0;
        char id[64];

        tw_buf_init(&err, 1 << 20);
        if (!o->token) {
                fprintf(stderr, "tokenwatch: rotate needs a TOKEN (its id or its name)\n");
                goto out;
        }
        r = tw_config_load_file(config_path, &cfg, &err);
        if (r < 0) {
                fprintf(stderr, "%s", err.ptr ? err.ptr : strerror(-r));
                goto out;
        }
        tw_log_setup(cfg->agent.log_level, cfg->agent.log_format);
        ro.cfg = cfg;
        /* A renewal writes state: never beside the daemon (which renews itself). */
        if (!o->dry_run && take_lock(cfg->agent.state_dir, &lock) < 0)
                goto out;
        if (find_token(cfg, o, &org, id) < 0)
                goto out;
        if (o->dry_run) {
                code = plan(cfg, &ro, org, id);
                goto out;
        }
        if (tw_rotate_token(&ro, org, id, &out) < 0) {
                fprintf(stderr, "tokenwatch: cannot renew %s\n", id);
                goto out;
        }
        say(&out);
        record(cfg, &out);
        code = out.result == TW_ROTATE_FAILED || out.result == TW_ROTATE_CANCELLED ? TW_EXIT_RENEWAL
                                                                                   : TW_EXIT_OK;
out:
        if (lock >= 0)
                close(lock);
        tw_config_free(cfg);
        tw_buf_done(&err);
        return code;
}
