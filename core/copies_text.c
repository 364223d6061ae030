/* How people name a copy and the command that writes it (core/copies.h). */
#include "core/copies.h"

#include <errno.h>
#include <string.h>

#include "core/config/copies.h"
#include "lib/buf.h"

static const char *get(const struct tw_copy_config *c, const char *key)
{
        return tw_copy_config_get(c, key);
}

static bool is(const struct tw_copy_config *c, const char *type)
{
        return c->type && strcmp(c->type, type) == 0;
}

/* Appends the NULL-terminated strings of w. */
static int add_all(struct tw_buf *out, const char *const *w)
{
        int r = 0;

        for (; *w && r >= 0; w++)
                r = tw_buf_adds(out, *w);
        return r;
}

int tw_copy_describe(const struct tw_copy_config *c, struct tw_buf *out)
{
        const char *env = get(c, "environment"), *scope = get(c, "environment_scope"),
                   *ns = get(c, "namespace"), *mount = get(c, "mount");
        int r;

        if (is(c, "github") && get(c, "repository"))
                r = add_all(out, (const char *const[]){"GitHub secret ", get(c, "secret"),
                                                       " of repository ", get(c, "repository"),
                                                       env ? ", environment " : "", env ? env : "",
                                                       NULL});
        else if (is(c, "github"))
                r = add_all(out,
                            (const char *const[]){"GitHub organization secret ", get(c, "secret"),
                                                  " of ", get(c, "github_org"), NULL});
        else if (is(c, "gitlab"))
                r = add_all(out,
                            (const char *const[]){
                                    "GitLab variable ", get(c, "variable"),
                                    get(c, "project") ? " of project " : " of group ",
                                    get(c, "project") ? get(c, "project") : get(c, "group"),
                                    scope ? ", environment scope " : "", scope ? scope : "", NULL});
        else if (is(c, "vault"))
                r = add_all(out, (const char *const[]){"Vault secret ", mount ? mount : "secret",
                                                       "/", get(c, "path"), ", key ", get(c, "key"),
                                                       ns ? " (namespace " : "", ns ? ns : "",
                                                       ns ? ")" : "", NULL});
        else if (is(c, "kubernetes"))
                r = add_all(out,
                            (const char *const[]){"Kubernetes Secret ", ns ? ns : "", ns ? "/" : "",
                                                  get(c, "secret"), ", key ", get(c, "key"), NULL});
        else if (is(c, "file"))
                r = add_all(out, (const char *const[]){"file ", get(c, "path"), NULL});
        else
                r = add_all(out,
                            (const char *const[]){"the program of [deliver.", c->name, "]", NULL});
        return r;
}

/* Whether s goes into a shell command as it is. */
static bool plain_word(const char *s)
{
        return *s && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                               "_./:@%+=,-") == strlen(s);
}

/* Appends s as one shell word: as it is, or in single quotes. */
static int add_word(struct tw_buf *out, const char *s)
{
        int r;

        if (plain_word(s))
                return tw_buf_adds(out, s);
        r = tw_buf_addc(out, '\'');
        for (const char *p = s; *p && r >= 0; p++)
                r = *p == '\'' ? tw_buf_adds(out, "'\\''") : tw_buf_addc(out, *p);
        return r < 0 ? r : tw_buf_addc(out, '\'');
}

/* Appends the words of w: even entries as they are, odd ones shell-quoted;
 * NULL-terminated (a NULL anywhere ends it). */
static int add_cmd(struct tw_buf *out, const char *const *w)
{
        int r = 0;

        for (size_t i = 0; w[i] && r >= 0; i++)
                r = i % 2 ? add_word(out, w[i]) : tw_buf_adds(out, w[i]);
        return r;
}

static int github_fix(const struct tw_copy_config *c, struct tw_buf *out)
{
        const char *repo = get(c, "repository"), *env = get(c, "environment");
        int r = add_cmd(out, (const char *const[]){"gh secret set ", get(c, "secret"),
                                                   repo ? " --repo " : " --org ",
                                                   repo ? repo : get(c, "github_org"), NULL});

        return r >= 0 && env ? add_cmd(out, (const char *const[]){" --env ", env, NULL}) : r;
}

static int gitlab_fix(const struct tw_copy_config *c, struct tw_buf *out)
{
        const char *project = get(c, "project"), *scope = get(c, "environment_scope");
        int r = add_cmd(out, (const char *const[]){"glab variable update ", get(c, "variable"),
                                                   project ? " --repo " : " --group ",
                                                   project ? project : get(c, "group"), NULL});

        return r >= 0 && scope ? add_cmd(out, (const char *const[]){" --scope ", scope, NULL}) : r;
}

static int vault_fix(const struct tw_copy_config *c, struct tw_buf *out)
{
        const char *mount = get(c, "mount"), *ns = get(c, "namespace");
        int r = add_cmd(out, (const char *const[]){
                                     "vault kv patch -mount=", mount ? mount : "secret", NULL});

        if (r >= 0 && ns)
                r = add_cmd(out, (const char *const[]){" -namespace=", ns, NULL});
        if (r >= 0)
                r = add_cmd(out,
                            (const char *const[]){" ", get(c, "path"), " ", get(c, "key"), NULL});
        return r < 0 ? r : tw_buf_adds(out, "=-");
}

/* The key is a Secret data key (letters, digits, -, _, .): it fits the
 * JSON and the quotes as it is. */
static int kubernetes_fix(const struct tw_copy_config *c, struct tw_buf *out)
{
        const char *ns = get(c, "namespace");
        int r = tw_buf_adds(out, "kubectl");

        if (r >= 0 && ns)
                r = add_cmd(out, (const char *const[]){" -n ", ns, NULL});
        if (r >= 0)
                r = add_cmd(out, (const char *const[]){" patch secret ", get(c, "secret"), NULL});
        return r < 0 ? r
                     : tw_buf_printf(out,
                                     " --type merge -p '{\"data\":{\"%s\":\"<base64 of the "
                                     "value>\"}}'",
                                     get(c, "key"));
}

static int file_fix(const struct tw_copy_config *c, struct tw_buf *out)
{
        return add_cmd(out, (const char *const[]){"(umask 077; cat > ", get(c, "path"), ")", NULL});
}

int tw_copy_fix_command(const struct tw_copy_config *c, struct tw_buf *out)
{
        static const struct {
                const char *type;
                int (*fix)(const struct tw_copy_config *c, struct tw_buf *out);
        } fixes[] = {
                {"github", github_fix},         {"gitlab", gitlab_fix}, {"vault", vault_fix},
                {"kubernetes", kubernetes_fix}, {"file", file_fix},
        };
        size_t len0 = out->len;

        for (size_t i = 0; i < sizeof(fixes) / sizeof(fixes[0]); i++) {
                int r;

                if (!is(c, fixes[i].type))
                        continue;
                r = fixes[i].fix(c, out);
                if (r < 0 && out->ptr) {
                        out->len = len0;
                        out->ptr[len0] = '\0';
                }
                return r;
        }
        return -ENOENT;
}
