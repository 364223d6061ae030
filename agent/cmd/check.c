/* check-config's record of notes and problems, and the secret-file check. */
/* getgrouplist() is a BSD and glibc extension. */
#define _DEFAULT_SOURCE
#include "agent/cmd/check_internal.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
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
        c->owner_gid = pw ? pw->pw_gid : getegid();
        if (pw)
                snprintf(c->owner_name, sizeof(c->owner_name), "%s", pw->pw_name);
        else
                snprintf(c->owner_name, sizeof(c->owner_name), "%u", (unsigned)c->owner_uid);
}

void tw_check_done(struct tw_check *c)
{
        tw_check_as_root(c);
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

int tw_check_as_reader(struct tw_check *c)
{
        gid_t groups[64];
        int n = 64, r = 0;

        if (geteuid() != 0 || c->owner_uid == 0 || c->as_reader)
                return 0;
        c->saved_egid = getegid();
        c->n_saved_groups = getgroups(64, c->saved_groups);
        if (c->n_saved_groups < 0 || getgrouplist(c->owner_name, c->owner_gid, groups, &n) < 0)
                return -EINVAL;
        if (setgroups((size_t)n, groups) < 0 || setegid(c->owner_gid) < 0 ||
            seteuid(c->owner_uid) < 0) {
                r = -errno;
                c->as_reader = true;
                tw_check_as_root(c);
                return r;
        }
        c->as_reader = true;
        return 0;
}

void tw_check_as_root(struct tw_check *c)
{
        if (!c->as_reader)
                return;
        /* Back to root; if that failed, going on could do anything. */
        if (seteuid(0) < 0 || setegid(c->saved_egid) < 0 ||
            setgroups((size_t)c->n_saved_groups, c->saved_groups) < 0)
                abort();
        c->as_reader = false;
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

/* Whether the user tokenwatch runs as is in group gid. */
static bool reader_in_group(const struct tw_check *c, gid_t gid)
{
        gid_t groups[64];
        int n = 64;

        if (gid == c->owner_gid)
                return true;
        if (getgrouplist(c->owner_name, c->owner_gid, groups, &n) < 0)
                return false;
        for (int i = 0; i < n; i++)
                if (groups[i] == gid)
                        return true;
        return false;
}

/* The owner and mode checks of a regular file; true when the mode is one
 * tokenwatch accepts. */
static bool check_access(struct tw_check *c, int line, const char *section, const char *key,
                         const char *path, const char *what, const struct stat *st)
{
        unsigned mode = (unsigned)(st->st_mode & 07777);
        bool root_file = st->st_uid == 0 && c->owner_uid != 0;
        char owner[64];

        if (!tw_secret_mode_is_private(st->st_uid, st->st_mode, c->owner_uid)) {
                tw_check_problem(c, line, section, key,
                                 "%s has mode %04o: %s may read or write %s, and tokenwatch "
                                 "refuses it: chmod %s %s",
                                 path, mode, root_file ? "others" : "group or others", what,
                                 root_file ? "440" : "600", path);
                return false;
        }
        if (st->st_uid == c->owner_uid && !(st->st_mode & S_IRUSR)) {
                tw_check_problem(c, line, section, key,
                                 "%s has mode %04o: its owner cannot read it: chmod 600 %s", path,
                                 mode, path);
                return false;
        }
        if (root_file && (st->st_mode & S_IRGRP) && reader_in_group(c, st->st_gid))
                return true;
        if (st->st_uid != c->owner_uid)
                tw_check_problem(c, line, section, key,
                                 "%s belongs to %s, not to %s (the user tokenwatch runs as), "
                                 "which then cannot read it: chown %s %s",
                                 path, user_name(st->st_uid, owner, sizeof(owner)), c->owner_name,
                                 c->owner_name, path);
        return true;
}

bool tw_check_secret_file(struct tw_check *c, int line, const char *section, const char *key,
                          const char *path, const char *what)
{
        size_t before = c->n_problems;
        struct stat st;
        char owner[64];
        bool usable;

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
        usable = check_access(c, line, section, key, path, what, &st);
        if (c->n_problems == before)
                tw_check_note(c, "[%s] %s %s: belongs to %s, mode %04o", section, key, path,
                              user_name(st.st_uid, owner, sizeof(owner)),
                              (unsigned)(st.st_mode & 07777));
        return usable;
}
