/* libFuzzer target: a token's owner from its description (core/owner.c),
 * the text anyone who can create a token writes.  Input: a description,
 * then optionally after a NUL byte a token name.  Whatever resolves must be
 * usable in any format (tw_owner_value_ok), pairs only of configured keys,
 * a team exactly when a source answered; and the [owners] rule (names
 * starting "ci-") answers for those names whatever the description says,
 * and for no other name. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"

#include "core/inventory.h"
#include "core/owner.h"

static const char *const keys[] = {"owner", "team", "pipeline", "repo", "contact"};

static void check(const struct tw_owner *o, const struct tw_owner_policy *p, const char *name)
{
        bool rule = name && strncmp(name, "ci-", 3) == 0;

        if ((o->team[0] != '\0') != (o->source != TW_OWNER_NONE))
                abort();
        if (o->team[0] && !tw_owner_value_ok(o->team))
                abort();
        if (o->contact[0] && !tw_owner_value_ok(o->contact))
                abort();
        if (o->n_pairs > TW_OWNER_KEYS_MAX)
                abort();
        for (size_t i = 0; i < o->n_pairs; i++) {
                bool known = false;

                for (size_t k = 0; k < p->n_keys; k++)
                        known |= strcmp(o->pairs[i].key, p->keys[k]) == 0;
                if (!known || !tw_owner_value_ok(o->pairs[i].value))
                        abort();
        }
        if (rule && (o->source != TW_OWNER_RULE || strcmp(o->team, "platform") != 0))
                abort();
        if (!rule && o->source == TW_OWNER_RULE)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        const struct tw_owner_rule rules[] = {{.name_glob = "ci-*", .team = "platform"}};
        const struct tw_owner_policy policy = {
                .keys = keys, .n_keys = 5, .rules = rules, .n_rules = 1};
        char *text = malloc(size + 1);
        struct tw_token t = {0};
        struct tw_owner o;
        size_t dlen;

        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        dlen = strlen(text);
        t.id = (char *)"cltoken0000000000000000001";
        t.scope = (char *)"ORGANIZATION";
        t.description = text;
        t.name = dlen < size ? text + dlen + 1 : NULL;
        if (tw_owner_resolve(NULL, &t, &policy, &o) != 0)
                abort();
        check(&o, &policy, t.name);
        free(text);
        return 0;
}
