/* Steps 3 and 4: the new value into each copy, with the store's own
 * concurrency check against the intent's version, then the proof that the
 * value works and that every readable copy holds it. */
#include "agent/rotate/rotate_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors/astro/manage.h"
#include "core/config/config.h"
#include "lib/timeutil.h"

#define SKEW 5 /* seconds between our clock and a store's */

static int conflict(struct rotate_run *x, struct tw_renewal_copy *c, const char *what)
{
        c->state = TW_DELIVERY_CONFLICT;
        x->out->conflict = true;
        tw_buf_reset(&x->err);
        tw_buf_printf(&x->err,
                      "[deliver.%s] %s since the renewal began: someone else wrote it, and "
                      "tokenwatch does not overwrite it (check who did; set adopt = true in "
                      "[deliver.%s] to let the renewal take it over)",
                      c->name, what, c->name);
        rotate_journal_save(x, "conflict");
        return -EBUSY;
}

/* Whether the copy already holds the new value (a write before a crash). */
static bool already(const struct tw_renewal_copy *c, const struct tw_deliver_ops *ops,
                    const struct tw_deliver_state *st, const char *value)
{
        if (st->readable)
                return st->exists && tw_deliver_state_holds(st, value);
        /* Unreadable (GitHub): changed since its WRITING mark means our write
         * went through; an exec copy is written again (its program takes
         * the same value twice). */
        return ops->readable == false && strcmp(c->type, "exec") != 0 &&
               c->state == TW_DELIVERY_WRITING && st->exists &&
               strcmp(st->version, c->version) != 0 && st->updated_at != TW_NO_TIME &&
               c->write_started_at != TW_NO_TIME && st->updated_at + SKEW >= c->write_started_at;
}

static int delivered(struct rotate_run *x, size_t i, const struct tw_deliver_state *st)
{
        struct tw_renewal_copy *c = &x->r.copies[i];
        char point[32];
        bool all = true;
        int r;

        c->state = TW_DELIVERY_DONE;
        if (tw_renewal_set_str(&c->delivered_version, st->version) < 0)
                return -ENOMEM;
        for (size_t k = 0; k < x->r.n_copies; k++)
                all &= x->r.copies[k].state == TW_DELIVERY_DONE;
        if (all) {
                x->r.step = TW_RENEWAL_DELIVERED;
                x->r.delivered_at = tw_now();
        }
        snprintf(point, sizeof(point), "copy:%zu", i);
        r = rotate_journal_save(x, point);
        if (r == 0 && all)
                rotate_crash_point("delivered");
        return r;
}

/* Drops a copy the configuration no longer has: nothing to write. */
static int forget(struct rotate_run *x, size_t i)
{
        struct tw_renewal *r = &x->r;

        free(r->copies[i].name);
        free(r->copies[i].type);
        free(r->copies[i].version);
        free(r->copies[i].delivered_version);
        memmove(&r->copies[i], &r->copies[i + 1], (r->n_copies - i - 1) * sizeof(*r->copies));
        r->n_copies--;
        return rotate_journal_save(x, "forgot");
}

/* Writes copy i of the renewal, whose check found st. */
static int write_copy(struct rotate_run *x, size_t i, const struct tw_deliver_ops *ops,
                      const struct tw_deliver_target *t, struct tw_deliver_state *st)
{
        struct tw_renewal_copy *c = &x->r.copies[i];
        const struct tw_deliver_write w = {.value = x->r.value,
                                           .token_id = x->r.new_id,
                                           .expect = strcmp(c->type, "exec") ? st : NULL};
        struct tw_deliver_state after;
        char point[32];
        int r;

        c->state = TW_DELIVERY_WRITING;
        c->write_started_at = tw_now();
        snprintf(point, sizeof(point), "writing:%zu", i);
        r = rotate_journal_save(x, point);
        if (r < 0)
                return r;
        tw_deliver_state_init(&after);
        r = ops->write(x->dctx, t, &w, &after, &x->err);
        if (r == -EBUSY)
                return conflict(x, c, "changed just before the write");
        if (r < 0)
                return r;
        snprintf(point, sizeof(point), "wrote:%zu", i);
        rotate_crash_point(point); /* written, not yet journaled */
        return delivered(x, i, &after);
}

int rotate_deliver(struct rotate_run *x, size_t i)
{
        struct tw_renewal_copy *c = &x->r.copies[i];
        const struct tw_copy_config *cc = rotate_copy_named(x, c->name);
        const struct tw_deliver_ops *ops;
        struct tw_deliver_target t;
        struct tw_deliver_state st;
        int r;

        if (!cc || strcmp(cc->type, c->type) != 0)
                return forget(x, i);
        r = rotate_target(cc, &t, &x->err);
        if (r < 0)
                return r;
        ops = tw_deliver_ops_find(t.type);
        r = ops ? rotate_check(x, &t, &st) : -EINVAL;
        if (r < 0)
                goto out;
        if (already(c, ops, &st, x->r.value)) {
                r = delivered(x, i, &st);
                goto out;
        }
        if (strcmp(c->type, "exec") != 0 &&
            (st.exists != c->existed || strcmp(st.version, c->version) != 0)) {
                if (!cc->adopt) {
                        r = conflict(x, c, "changed");
                        goto out;
                }
                /* adopt: the copy as it is now becomes the baseline */
                c->existed = st.exists;
                c->adopted = true;
                if (tw_renewal_set_str(&c->version, st.version) < 0) {
                        r = -ENOMEM;
                        goto out;
                }
        }
        r = write_copy(x, i, ops, &t, &st);
out:
        tw_deliver_target_done(&t);
        return r;
}

/* Each readable copy must hold the value now. */
static int verify_copies(struct rotate_run *x)
{
        for (size_t i = 0; i < x->r.n_copies; i++) {
                struct tw_renewal_copy *c = &x->r.copies[i];
                const struct tw_copy_config *cc = rotate_copy_named(x, c->name);
                const struct tw_deliver_ops *ops = tw_deliver_ops_find(c->type);
                struct tw_deliver_target t;
                struct tw_deliver_state st;
                int r;

                if (!cc || !ops || !ops->readable)
                        continue;
                r = rotate_target(cc, &t, &x->err);
                if (r == 0)
                        r = rotate_check(x, &t, &st);
                tw_deliver_target_done(&t);
                if (r < 0)
                        return r;
                if (!st.exists || !tw_deliver_state_holds(&st, x->r.value)) {
                        x->r.step = TW_RENEWAL_ISSUED;
                        return conflict(x, c,
                                        "no longer holds the new value (changed after "
                                        "the write)");
                }
        }
        return 0;
}

int rotate_verify(struct rotate_run *x)
{
        int r = tw_astro_value_check(x->m, x->r.value, &x->err);

        if (r < 0) {
                tw_buf_printf(&x->err, " (the new token %s does not authenticate)", x->r.new_id);
                return r;
        }
        r = verify_copies(x);
        if (r < 0)
                return r;
        x->r.step = TW_RENEWAL_VERIFIED;
        x->r.verified_at = tw_now();
        tw_renewal_drop_value(&x->r);
        x->out->renewed = true;
        return rotate_journal_save(x, "verified");
}
