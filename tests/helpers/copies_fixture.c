#include "helpers/copies_fixture.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "core/config/config.h"
#include "core/evaluate/evaluate.h"
#include "core/inventory.h"
#include "lib/timeutil.h"

/* The inventory: "tok" named ci-deploy, created CREATED, rotated as given,
 * and "other" named other. */
struct tw_inventory *cf_inventory(int64_t rotated, int64_t start)
{
        struct tw_inventory *inv = ef_base_inventory();
        struct token_spec tok = HEALTHY_TOKEN("tok"), other = HEALTHY_TOKEN("other");

        tok.name = "ci-deploy";
        tok.created = CF_CREATED;
        tok.start = start;
        other.name = "other";
        ef_add_token(inv, &tok);
        ef_add_token(inv, &other);
        ((struct tw_token *)tw_inventory_token(inv, "tok"))->last_rotated_at = rotated;
        return inv;
}

/* Evaluates inv with cfg's copies in states[]. */
struct tw_evaluation *cf_evaluate(const struct tw_inventory *inv, const struct tw_config *cfg,
                                  const struct tw_copy_state *states)
{
        struct tw_copies copies = {.configs = cfg->copies, .states = states, .n = cfg->n_copies};
        struct tw_eval_inputs in = {.copies = &copies};
        struct tw_evaluation *ev = NULL;

        assert_int_equal(tw_evaluate_with(inv, &cfg->policy, cfg->suppressions, cfg->n_suppressions,
                                          &in, NOW, &ev),
                         0);
        return ev;
}

/* The finding of kind k on token id, or NULL. */
const struct tw_finding *cf_finding(const struct tw_evaluation *ev, const struct tw_inventory *inv,
                                    const char *id, enum tw_finding_kind k)
{
        const struct tw_token *t = tw_inventory_token(inv, id);
        const struct tw_finding *f = NULL;
        size_t n = tw_evaluation_token_findings(ev, (size_t)(t - inv->tokens), &f);

        for (size_t i = 0; i < n; i++)
                if (f[i].kind == k)
                        return &f[i];
        return NULL;
}

/* A checked state. */
struct tw_copy_state cf_checked(bool exists, int64_t updated, bool readable, bool jwt,
                                const char *id, int64_t iat)
{
        struct tw_copy_state s;

        tw_copy_state_init(&s);
        s.status = TW_COPY_STATE_CHECKED;
        s.checked_at = NOW - MIN;
        s.known = true;
        s.known_at = NOW - MIN;
        s.exists = exists;
        s.updated_at = updated;
        s.readable = readable;
        s.holds_jwt = jwt;
        snprintf(s.api_token_id, sizeof(s.api_token_id), "%s", id ? id : "");
        s.iat = iat;
        return s;
}
