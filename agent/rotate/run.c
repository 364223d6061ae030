/* One call of the executor: load or make the journal, take the steps the
 * protocol says are next until one waits, fails or the renewal is over. */
#include "agent/rotate/rotate_internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/config/values.h"
#include "lib/timeutil.h"

#define MAX_STEPS 4096 /* a bound on one call, far above any real renewal */

static void outcome(const struct rotate_run *x, const char *token_id, struct tw_rotate_outcome *ret)
{
        const struct tw_renewal *r = &x->r;

        snprintf(ret->token_id, sizeof(ret->token_id), "%s", r->old.id ? r->old.id : token_id);
        snprintf(ret->new_id, sizeof(ret->new_id), "%s", r->new_id ? r->new_id : "");
        snprintf(ret->organization_id, sizeof(ret->organization_id), "%s", x->organization_id);
        snprintf(ret->token_name, sizeof(ret->token_name), "%s", r->old.name ? r->old.name : "");
        snprintf(ret->scope, sizeof(ret->scope), "%s", r->old.scope ? r->old.scope : "");
        ret->step = r->step;
        ret->strategy = r->old.id ? r->strategy : x->strategy;
        ret->n_copies = r->n_copies;
        ret->old_end_at = r->old.end_at;
        ret->new_end_at = r->new_end_at;
        ret->failures = r->failures;
}

/* A failed step: counted in the journal (backoff), and why.  A manual
 * renewal that had not issued leaves no journal behind: nothing was done,
 * and nobody asked the daemon to try again. */
static void failed(struct rotate_run *x, int r)
{
        struct tw_rotate_outcome *out = x->out;
        const char *why = x->err.len ? x->err.ptr : strerror(-r);
        int64_t now = tw_now();

        out->result = TW_ROTATE_FAILED;
        out->error = r;
        snprintf(out->reason, sizeof(out->reason), "%s", why);
        if (!x->r.old.id)
                return;
        tw_renewal_failed(&x->r, now, out->reason);
        out->next_at = x->r.next_attempt;
        if (x->r.step == TW_RENEWAL_INTENT && x->r.manual) {
                if (x->journaled)
                        rotate_journal_remove(x);
                out->next_at = TW_NO_TIME;
                return;
        }
        rotate_journal_save(x, "failed");
}

/* A renewal not yet issued whose token no longer needs one. */
static void dropped(struct rotate_run *x)
{
        x->out->result = x->journaled ? TW_ROTATE_DROPPED : TW_ROTATE_NOTHING;
        snprintf(x->out->reason, sizeof(x->out->reason),
                 "the token is no longer due for renewal (renewed by hand, deleted, or its "
                 "copies are gone): nothing was issued");
        if (x->journaled)
                rotate_journal_remove(x);
}

/* Takes one step; 1 when the call is over (ret filled), 0 to go on, or a
 * negative errno (the step failed). */
static int step(struct rotate_run *x, bool *intent_fresh)
{
        struct tw_renewal_next n;
        int r;

        tw_renewal_next(&x->r, tw_now(), &n);
        tw_buf_reset(&x->err);
        switch (n.action) {
        case TW_RENEWAL_DO_WAIT:
                x->out->result = TW_ROTATE_WAITING;
                x->out->next_at = n.at;
                return 1;
        case TW_RENEWAL_DO_ISSUE:
                if (!*intent_fresh) {
                        r = rotate_intent(x, x->r.old.id);
                        if (r == -ESTALE) {
                                dropped(x);
                                return 1;
                        }
                        if (r < 0)
                                return r;
                }
                *intent_fresh = false;
                r = rotate_issue(x);
                if (r == -EIO && !x->recovered) {
                        x->recovered = true; /* recover at once, once */
                        return 0;
                }
                return r;
        case TW_RENEWAL_DO_RECOVER:
                return rotate_recover(x);
        case TW_RENEWAL_DO_ROLES:
                return rotate_roles(x);
        case TW_RENEWAL_DO_DELIVER:
                return rotate_deliver(x, n.copy);
        case TW_RENEWAL_DO_VERIFY:
                return rotate_verify(x);
        case TW_RENEWAL_DO_RETIRE:
                r = rotate_retire(x);
                if (r == 0 && x->r.step != TW_RENEWAL_RETIRED) {
                        if (x->out->result != TW_ROTATE_HELD)
                                x->out->result = TW_ROTATE_WAITING;
                        x->out->next_at = x->r.next_attempt;
                        if (x->out->result == TW_ROTATE_HELD)
                                snprintf(x->out->reason, sizeof(x->out->reason), "%s",
                                         x->err.ptr ? x->err.ptr : "");
                        return 1;
                }
                return r;
        case TW_RENEWAL_DO_FINISH:
                r = rotate_finish(x);
                return r < 0 ? r : 1;
        }
        return -EINVAL;
}

static int run(struct rotate_run *x, const char *token_id)
{
        bool intent_fresh = false;
        int r = 0;

        if (!x->journaled) {
                r = rotate_intent(x, token_id);
                if (r == -ESTALE) {
                        dropped(x);
                        return 0;
                }
                if (r < 0)
                        return r;
                x->out->started = true;
                intent_fresh = true;
        }
        if (x->o->manual && x->r.failures && x->r.step != TW_RENEWAL_VERIFIED)
                x->r.next_attempt = TW_NO_TIME; /* a person asked: now */
        for (int i = 0; i < MAX_STEPS; i++) {
                if (x->o->cancel && *x->o->cancel) {
                        x->out->result = TW_ROTATE_CANCELLED;
                        return 0;
                }
                r = step(x, &intent_fresh);
                if (r != 0)
                        return r > 0 ? 0 : r;
        }
        tw_buf_adds(&x->err, "the renewal did not settle");
        return -ELOOP;
}

int tw_rotate_token(const struct tw_rotate_options *o, size_t org, const char *token_id,
                    struct tw_rotate_outcome *ret)
{
        struct rotate_run x;
        int open_r, r;

        memset(ret, 0, sizeof(*ret));
        ret->next_at = ret->old_end_at = ret->new_end_at = TW_NO_TIME;
        if (org >= tw_config_org_count(o->cfg) || !tw_is_valid_id(token_id))
                return -EINVAL;
        open_r = rotate_open(&x, o, org);
        x.out = ret;
        r = rotate_journal_load(&x, token_id);
        if (r == -EINVAL || r == -ENOMEM) {
                rotate_close(&x);
                return r;
        }
        if (r == -ENOENT && !o->start) {
                ret->result = TW_ROTATE_NOTHING;
                outcome(&x, token_id, ret);
                rotate_close(&x);
                return 0;
        }
        if (r == -ENOENT)
                r = 0;
        if (r == 0)
                r = open_r;
        if (r == 0)
                r = run(&x, token_id);
        if (r < 0)
                failed(&x, r);
        outcome(&x, token_id, ret);
        rotate_close(&x);
        return 0;
}
