/* check-config's record of notes and problems, and the secret-file check. */
#include "agent/cmd/check.h"

#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/secret.h"

#define CHECK_OUT_MAX ((size_t)1 << 20)
#define ONLINE_TIMEOUT_MS 10000

void tw_check_init(struct tw_check *c, const char *config_path, int64_t now)
{
        const struct passwd *pw;

        memset(c, 0, sizeof(*c));
        c->config_path = config_path;
        c->now = now;
        c->timeout_ms = ONLINE_TIMEOUT_MS;
        tw_buf_init(&c->notes, CHECK_OUT_MAX);
        tw_buf_init(&c->problems, CHECK_OUT_MAX);
        c->owner_uid = geteuid();
        pw = c->owner_uid == 0 ? getpwnam(TW_CHECK_SERVICE_USER) : NULL;
        if (pw)
                c->owner_uid = pw->pw_uid;
        else
                pw = getpwuid(c->owner_uid);
        if (pw)
                snprintf(c->owner_name, sizeof(c->owner_name), "%s", pw->pw_name);
        else
                snprintf(c->owner_name, sizeof(c->owner_name), "%u", (unsigned)c->owner_uid);
}

void tw_check_done(struct tw_check *c)
{
        tw_buf_done(&c->notes);
        tw_buf_done(&c->problems);
}

void tw_check_note(struct tw_check *c, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        tw_buf_vprintf(&c->notes, fmt, ap);
        va_end(ap);
        tw_buf_addc(&c->notes, '\n');
}

void tw_check_problem(struct tw_check *c, int line, const char *section, const char *key,
                      const char *fmt, ...)
{
        va_list ap;

        c->n_problems++;
        tw_buf_adds(&c->problems, c->config_path);
        if (line > 0)
                tw_buf_printf(&c->problems, ":%d", line);
        tw_buf_adds(&c->problems, ": ");
        if (section)
                tw_buf_printf(&c->problems, "[%s] ", section);
        if (key)
                tw_buf_printf(&c->problems, "%s: ", key);
        va_start(ap, fmt);
        tw_buf_vprintf(&c->problems, fmt, ap);
        va_end(ap);
        tw_buf_addc(&c->problems, '\n');
}

void tw_check_problem_lines(struct tw_check *c, const char *lines)
{
        const char *nl;

        for (const char *p = lines; p && *p; p = nl ? nl + 1 : p + strlen(p)) {
                nl = strchr(p, '\n');
                if (nl == p)
                        continue;
                c->n_problems++;
                tw_buf_add(&c->problems, p, nl ? (size_t)(nl - p) : strlen(p));
                tw_buf_addc(&c->problems, '\n');
        }
}

/* The name of uid for a message: its user name, else the number. */
static const char *user_name(uid_t uid, char *buf, size_t size)
{
        const struct passwd *pw = getpwuid(uid);

        if (pw)
                snprintf(buf, size, "%s", pw->pw_name);
        else
                snprintf(buf, size, "uid %u", (unsigned)uid);
        return buf;
}

bool tw_check_secret_file(struct tw_check *c, int line, const char *section, const char *key,
                          const char *path, const char *what)
{
        size_t before = c->n_problems;
        struct stat st;
        char owner[64];
        bool usable = true;

        if (stat(path, &st) < 0) {
                if (errno == ENOENT)
                        tw_check_problem(c, line, section, key,
                                         "%s does not exist: put %s there, readable by %s only "
                                         "(install -m 0600 -o %s FILE %s)",
                                         path, what, c->owner_name, c->owner_name, path);
                else
                        tw_check_problem(c, line, section, key, "%s: %s", path, strerror(errno));
                return false;
        }
        if (!S_ISREG(st.st_mode)) {
                tw_check_problem(c, line, section, key, "%s is not a regular file", path);
                return false;
        }
        if (st.st_uid != c->owner_uid)
                tw_check_problem(c, line, section, key,
                                 "%s belongs to %s, not to %s (the user tokenwatch runs as), "
                                 "which then cannot read it: chown %s %s",
                                 path, user_name(st.st_uid, owner, sizeof(owner)), c->owner_name,
                                 c->owner_name, path);
        if (st.st_mode & (S_IRWXG | S_IRWXO)) {
                tw_check_problem(c, line, section, key,
                                 "%s has mode %04o: group or others may read or write %s, and "
                                 "tokenwatch refuses it: chmod 600 %s",
                                 path, (unsigned)(st.st_mode & 07777), what, path);
                usable = false;
        } else if (!(st.st_mode & S_IRUSR)) {
                tw_check_problem(c, line, section, key,
                                 "%s has mode %04o: its owner cannot read it: chmod 600 %s", path,
                                 (unsigned)(st.st_mode & 07777), path);
                usable = false;
        }
        if (c->n_problems == before)
                tw_check_note(c, "[%s] %s %s: belongs to %s, mode %04o", section, key, path,
                              c->owner_name, (unsigned)(st.st_mode & 07777));
        return usable;
}
