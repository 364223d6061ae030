/* [deliver.NAME] as the exporters' target, the stores' checks of a loaded
 * configuration, and one check of a copy (agent/cmd/copies.h). */
#include "agent/cmd/copies.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config/config.h"
#include "exporters/deliver/deliver.h"
#include "lib/buf.h"
#include "lib/timeutil.h"

int tw_agent_copy_target(const struct tw_copy_config *c, struct tw_deliver_target *ret)
{
        int r = 0;

        memset(ret, 0, sizeof(*ret));
        ret->name = strdup(c->name);
        if (!ret->name)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_settings && r == 0; i++) {
                r = tw_deliver_target_set(ret, c->settings[i].key, c->settings[i].value);
                if (r == -ENOENT)
                        r = -EINVAL;
        }
        if (r < 0)
                tw_deliver_target_done(ret);
        return r;
}

/* The message of the exporters without their "deliver NAME: " prefix. */
static const char *unprefixed(const char *msg, const char *name)
{
        size_t n = strlen(name);

        if (strncmp(msg, "deliver ", 8) == 0 && strncmp(msg + 8, name, n) == 0 &&
            strncmp(msg + 8 + n, ": ", 2) == 0)
                return msg + 10 + n;
        return msg;
}

/* The store key a message starts with ("secret must be ..."), or NULL. */
static const char *key_named(const struct tw_copy_config *c, const char *msg)
{
        for (size_t i = 0; i < c->n_settings; i++) {
                size_t n = strlen(c->settings[i].key);

                if (strncmp(msg, c->settings[i].key, n) == 0 && msg[n] == ' ')
                        return c->settings[i].key;
        }
        return NULL;
}

int tw_agent_copies_validate(const struct tw_config *cfg, struct tw_buf *errors)
{
        struct tw_buf why;
        int bad = 0;

        tw_buf_init(&why, 4096);
        for (size_t i = 0; i < cfg->n_copies; i++) {
                const struct tw_copy_config *c = &cfg->copies[i];
                struct tw_deliver_target t;
                const char *msg, *key;
                int r = tw_agent_copy_target(c, &t);

                tw_buf_reset(&why);
                if (r == 0)
                        r = tw_deliver_target_validate(&t, &why);
                else
                        tw_buf_printf(&why, "%s", strerror(-r));
                tw_deliver_target_done(&t);
                if (r == 0)
                        continue;
                bad = -EINVAL;
                msg = unprefixed(why.ptr ? why.ptr : "", c->name);
                key = key_named(c, msg);
                tw_buf_printf(errors, "%s:%d: [deliver.%s]%s%s: %s\n", cfg->path,
                              key ? tw_copy_config_line(c, key) : c->line, c->name, key ? " " : "",
                              key ? key : "", key ? msg + strlen(key) + 1 : msg);
        }
        tw_buf_done(&why);
        return bad;
}

/* The state of a check that failed with r and the exporters' message. */
static void failed(struct tw_copy_state *s, const struct tw_copy_config *c, int r, const char *msg)
{
        s->status = TW_COPY_STATE_FAILED;
        s->error = r;
        snprintf(s->message, sizeof(s->message), "%s",
                 msg && *msg ? unprefixed(msg, c->name) : strerror(-r));
        s->failures++;
}

void tw_agent_check_copy(const struct tw_copy_config *c, int64_t now, volatile sig_atomic_t *cancel,
                         struct tw_copy_state *ret, int64_t *ret_retry_after)
{
        const struct tw_copy_type *type = tw_copy_type_find(c->type);
        const struct tw_deliver_ops *ops = tw_deliver_ops_find(c->type);
        struct tw_deliver_options o = {.timeout_ms = c->timeout * 1000,
                                       .max_retries = 2,
                                       .max_wait_s = 10,
                                       .cancel = cancel};
        struct tw_deliver_state st;
        struct tw_deliver_ctx *ctx = NULL;
        struct tw_deliver_target t;
        struct tw_buf err;
        int r;

        *ret_retry_after = 0;
        if (!type || !type->checkable || !ops)
                return; /* exec: nothing to read */
        ret->checked_at = now;
        tw_buf_init(&err, 4096);
        r = tw_agent_copy_target(c, &t);
        if (r == 0)
                r = tw_deliver_ctx_new(&o, &ctx);
        if (r == 0)
                r = ops->check(ctx, &t, &st, &err);
        if (r == -EAGAIN)
                *ret_retry_after = tw_deliver_retry_after(ctx);
        if (r < 0) {
                failed(ret, c, r, err.ptr);
        } else {
                ret->status = TW_COPY_STATE_CHECKED;
                ret->error = 0;
                ret->message[0] = '\0';
                ret->known = true;
                ret->known_at = now;
                ret->exists = st.exists;
                ret->updated_at = st.updated_at;
                ret->readable = st.readable;
                ret->holds_jwt = st.holds_jwt;
                snprintf(ret->api_token_id, sizeof(ret->api_token_id), "%s", st.api_token_id);
                ret->iat = st.iat;
        }
        tw_deliver_ctx_free(ctx);
        tw_deliver_target_done(&t);
        tw_buf_done(&err);
}
