/*
 * The copies of tokens' values ([deliver.NAME]): each copy's verdict from
 * its last check (core/copies.h) and its token in the inventory, then the
 * rules stale_copy and missing_copy, one finding per token listing its
 * copies.
 *
 * A copy is judged against I, the time the token's current value was
 * issued (tw_token_issued_at(): lastRotatedAt, else createdAt for a token
 * created as a replacement or never rotated, or a later startAt).  What
 * the store says decides, most precise first:
 *  - a value read back that is a JWT: its apiTokenId must be the token's
 *    id (else OTHER_TOKEN, or NOT_A_TOKEN without one), and its iat at
 *    least I - TW_COPY_SKEW (else OLD_VALUE);
 *  - a value read back that is not a JWT: NOT_A_TOKEN;
 *  - no value (GitHub, a hidden GitLab variable): the store's time of the
 *    last change, at least I - TW_COPY_SKEW (else OLDER); without one,
 *    UNKNOWN.
 * TW_COPY_SKEW (a few seconds) keeps two systems' clocks and a value minted
 * a moment before its rotation is recorded from making a fresh copy stale.
 */
#include "core/evaluate/rules_internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/config/copies.h"
#include "core/copies.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

/* Whether copy time at predates issued (both known) by more than the skew. */
static bool before(int64_t at, int64_t issued)
{
        return at != TW_NO_TIME && issued != TW_NO_TIME && at < issued - TW_COPY_SKEW;
}

/* The verdict of a checked copy s of token t. */
static enum tw_copy_verdict_kind judge(const struct tw_copy_state *s, const struct tw_token *t,
                                       struct tw_copy_verdict *v)
{
        if (!s->exists)
                return TW_COPY_MISSING;
        if (s->holds_jwt) {
                if (!s->api_token_id[0])
                        return TW_COPY_NOT_A_TOKEN;
                if (!t->id || strcmp(s->api_token_id, t->id) != 0)
                        return TW_COPY_OTHER_TOKEN;
                v->at = s->iat;
                return before(s->iat, v->issued_at) ? TW_COPY_OLD_VALUE : TW_COPY_CURRENT;
        }
        if (s->readable)
                return TW_COPY_NOT_A_TOKEN;
        if (s->updated_at == TW_NO_TIME || v->issued_at == TW_NO_TIME)
                return TW_COPY_UNKNOWN;
        v->at = s->updated_at;
        return before(s->updated_at, v->issued_at) ? TW_COPY_OLDER : TW_COPY_CURRENT;
}

/* Copies s into the evaluation's arena; NULL stays NULL.  *failed on -ENOMEM. */
static const char *keep(struct tw_eval_ctx *c, const char *s, int *failed)
{
        return s ? tw_arena_strdup(&c->ev->arena, s, failed) : NULL;
}

/* The verdict of copy i, its strings in the arena.  buf: scratch. */
static int judge_one(struct tw_eval_ctx *c, size_t i, struct tw_buf *buf)
{
        const struct tw_copy_config *cc = &c->copies->configs[i];
        const struct tw_copy_state *s = &c->copies->states[i];
        struct tw_copy_verdict *v = &c->ev->copies[i];
        const struct tw_token *t;
        int failed = 0, r;

        *v = (struct tw_copy_verdict){.token = SIZE_MAX,
                                      .verdict = TW_COPY_NOT_CHECKED,
                                      .updated_at = TW_NO_TIME,
                                      .at = TW_NO_TIME,
                                      .issued_at = TW_NO_TIME};
        v->name = keep(c, cc->name, &failed);
        v->type = keep(c, cc->type, &failed);
        tw_buf_reset(buf);
        r = tw_copy_describe(cc, buf);
        v->where = r < 0 ? NULL : keep(c, buf->ptr ? buf->ptr : "", &failed);
        tw_buf_reset(buf);
        r = tw_copy_fix_command(cc, buf);
        v->fix = r < 0 ? NULL : keep(c, buf->ptr, &failed);
        tw_buf_reset(buf);
        r = tw_copy_resolve(c->inv, cc, &v->token, buf);
        if (r == -ESRCH) /* its organization is not in this inventory */
                return failed ? -ENOMEM : 0;
        if (r < 0) {
                v->token = SIZE_MAX;
                v->verdict = TW_COPY_UNRESOLVED;
                v->problem = keep(c, buf->ptr ? buf->ptr : "", &failed);
                return failed ? -ENOMEM : 0;
        }
        t = &c->inv->tokens[v->token];
        if (s->status == TW_COPY_STATE_FAILED) {
                v->verdict = TW_COPY_CHECK_FAILED;
                v->problem = keep(c, s->message, &failed);
        }
        if (s->known) {
                v->updated_at = s->updated_at;
                v->issued_at = tw_token_issued_at(t, c->now);
                v->verdict = judge(s, t, v);
                if (v->verdict == TW_COPY_OTHER_TOKEN)
                        v->holds = keep(c, s->api_token_id, &failed);
        }
        return failed ? -ENOMEM : 0;
}

int tw_eval_judge_copies(struct tw_eval_ctx *c)
{
        struct tw_evaluation *ev = c->ev;
        struct tw_buf buf;
        int r = 0;

        if (!c->copies || c->copies->n == 0)
                return 0;
        ev->copies = calloc(c->copies->n, sizeof(*ev->copies));
        if (!ev->copies)
                return -ENOMEM;
        ev->n_copies = c->copies->n;
        tw_buf_init(&buf, 16 * 1024);
        for (size_t i = 0; i < c->copies->n && r >= 0; i++)
                r = judge_one(c, i, &buf);
        tw_buf_done(&buf);
        return r;
}

/* The finding listing token t's copies whose verdict is wanted. */
static int list_copies(struct tw_eval_ctx *c, const struct tw_token *t, struct tw_finding *f,
                       bool (*wanted)(enum tw_copy_verdict_kind))
{
        size_t token = (size_t)(t - c->inv->tokens);
        uint32_t n = 0;

        for (size_t i = 0; i < c->ev->n_copies; i++) {
                struct tw_finding_reason *rs;

                if (c->ev->copies[i].token != token || !wanted(c->ev->copies[i].verdict))
                        continue;
                if (n++ >= TW_EVAL_MAX_REASONS)
                        continue;
                rs = tw_eval_add_reason(c, TW_REASON_COPY);
                if (!rs)
                        return -ENOMEM;
                rs->copy = i;
        }
        if (n == 0)
                return 0;
        f->severity = TW_SEVERITY_CRITICAL;
        f->fix = TW_FIX_UPDATE_COPY;
        f->n_reasons = n < TW_EVAL_MAX_REASONS ? n : TW_EVAL_MAX_REASONS;
        f->n_more = n - f->n_reasons;
        return 0;
}

static bool is_missing(enum tw_copy_verdict_kind v)
{
        return v == TW_COPY_MISSING;
}

int tw_rule_stale_copy(struct tw_eval_ctx *c, const struct tw_token *t, struct tw_finding *f)
{
        return list_copies(c, t, f, tw_copy_verdict_is_stale);
}

int tw_rule_missing_copy(struct tw_eval_ctx *c, const struct tw_token *t, struct tw_finding *f)
{
        return list_copies(c, t, f, is_missing);
}
