/* The owner in the report: each token's team and the source that
 * answered, in every format, and `report --group-by team`. */
#include "exporters/report/report_internal.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/json.h"
#include "core/config/config.h"
#include "core/inventory.h"
#include "core/owner.h"
#include "core/snapshot.h"
#include "exporters/report/report.h"

void tw_report_owner(const struct tw_snapshot *snap, size_t token, struct tw_owner *ret)
{
        struct tw_owner_policy policy = {0};

        if (snap->cfg)
                tw_config_owner_policy(snap->cfg, &policy);
        if (token >= snap->inv->n_tokens ||
            tw_owner_resolve(snap->inv, &snap->inv->tokens[token], &policy, ret) < 0)
                memset(ret, 0, sizeof(*ret)); /* source none, no team */
}

int tw_report_owner_text(const struct tw_snapshot *snap, size_t token, struct tw_buf *out)
{
        struct tw_owner o;

        tw_report_owner(snap, token, &o);
        if (o.source == TW_OWNER_NONE)
                return tw_buf_adds(out, "-");
        return tw_buf_printf(out, "%s (%s)", o.team, tw_owner_source_name(o.source));
}

int tw_report_owner_json(const struct tw_snapshot *snap, size_t token, struct cJSON *tok)
{
        cJSON *obj = cJSON_AddObjectToObject(tok, "owner"), *keys;
        struct tw_owner o;

        tw_report_owner(snap, token, &o);
        if (!obj || !tw_json_add_str(obj, "team", o.team[0] ? o.team : NULL) ||
            !cJSON_AddStringToObject(obj, "source", tw_owner_source_name(o.source)) ||
            !tw_json_add_str(obj, "contact", o.contact[0] ? o.contact : NULL) ||
            !(keys = cJSON_AddObjectToObject(obj, "keys")))
                return -ENOMEM;
        for (size_t i = 0; i < o.n_pairs; i++)
                if (!cJSON_AddStringToObject(keys, o.pairs[i].key, o.pairs[i].value))
                        return -ENOMEM;
        return 0;
}

int tw_report_owner_csv(const struct tw_snapshot *snap, size_t token, struct tw_buf *out)
{
        struct tw_owner o;
        int r;

        tw_report_owner(snap, token, &o);
        r = tw_report_add_csv_cell(out, o.team, false);
        return r < 0 ? r : tw_report_add_csv_cell(out, tw_owner_source_name(o.source), false);
}

struct team_key {
        size_t pos; /* in the order given */
        size_t token;
        char team[TW_OWNER_VALUE_MAX + 1];
};

/* By team (tokens without one last), then the order given. */
static int cmp_team(const void *a, const void *b)
{
        const struct team_key *x = a, *y = b;
        int c;

        if (!x->team[0] != !y->team[0])
                return x->team[0] ? -1 : 1;
        c = strcmp(x->team, y->team);
        if (c)
                return c;
        return x->pos < y->pos ? -1 : x->pos > y->pos;
}

int tw_report_order(const struct tw_snapshot *snap, const struct tw_report_layout *opts,
                    bool worst_first, size_t **ret_order)
{
        size_t n = snap->inv->n_tokens, *order = NULL;
        struct team_key *keys = NULL;
        int r = 0;

        if (worst_first) {
                r = tw_report_worst_first(snap, &order);
        } else {
                order = calloc(n ? n : 1, sizeof(*order));
                for (size_t i = 0; order && i < n; i++)
                        order[i] = i;
                r = order ? 0 : -ENOMEM;
        }
        if (r < 0 || !opts || opts->group_by != TW_REPORT_GROUP_TEAM || n < 2)
                goto done;
        keys = calloc(n, sizeof(*keys));
        if (!keys) {
                r = -ENOMEM;
                goto done;
        }
        for (size_t i = 0; i < n; i++) {
                struct tw_owner o;

                tw_report_owner(snap, order[i], &o);
                keys[i].pos = i;
                keys[i].token = order[i];
                memcpy(keys[i].team, o.team, sizeof(keys[i].team));
        }
        qsort(keys, n, sizeof(*keys), cmp_team);
        for (size_t i = 0; i < n; i++)
                order[i] = keys[i].token;
        free(keys);
done:
        if (r < 0) {
                free(order);
                return r;
        }
        *ret_order = order;
        return 0;
}

int tw_report_group_from_string(const char *s, enum tw_report_group *ret)
{
        if (s && strcmp(s, "team") == 0) {
                *ret = TW_REPORT_GROUP_TEAM;
                return 0;
        }
        if (s && strcmp(s, "none") == 0) {
                *ret = TW_REPORT_GROUP_NONE;
                return 0;
        }
        return -EINVAL;
}
