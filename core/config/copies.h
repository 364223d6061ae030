#ifndef TW_CORE_CONFIG_COPIES_H
#define TW_CORE_CONFIG_COPIES_H

/*
 * Where the copies of a token's value live: the [deliver.NAME] sections.
 * Included by core/config/config.h; the loader fills and checks them
 * (core/config/copies.c, the type table in copy_types.c).
 *
 * A [deliver.NAME] section says that one secret store holds one Astro token.
 * core/ does not speak to the stores: the section's store keys are kept as
 * data (struct tw_copy_setting, in file order) and the agent fills the
 * exporters' struct tw_deliver_target from them, key by key
 * (tw_deliver_target_set()).  The pure table of which keys each store type
 * takes and needs is here (tw_copy_type_find()); exporters/deliver's ops
 * take the same keys (unit_copy_types keeps the two equal).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One store key of a [deliver.NAME] section, as written. */
struct tw_copy_setting {
        char *key;
        char *value;
        int line;
};

/* [deliver.NAME]: one copy of one token. */
struct tw_copy_config {
        char *name;                 /* NAME */
        int line;                   /* the section's first key line */
        char *token;                /* the Astro token: its id, or its exact name */
        int token_line;             /* 0: not given (an error at load) */
        char *astro;                /* the [astro.NAME] NAME given, or NULL */
        int astro_line, adopt_line; /* 0: not given */
        size_t org;                 /* the organization, for tw_config_org() */
        char *type;                 /* github | gitlab | vault | kubernetes | file | exec */
        bool adopt;      /* may a renewal overwrite a copy tokenwatch did not write (false) */
        int64_t timeout; /* seconds, from the timeout key; 0: the store's default (30 s) */
        /* Every store key (type, api_url, credential_file, ca_file, timeout
         * and the type's own keys), in file order; token, astro and adopt are
         * not among them. */
        struct tw_copy_setting *settings;
        size_t n_settings;
};

/* The value of store key key of c, or NULL when it is not set. */
const char *tw_copy_config_get(const struct tw_copy_config *c, const char *key);
/* The line key was set on, or c's first line when it was not. */
int tw_copy_config_line(const struct tw_copy_config *c, const char *key);

/* Frees what c holds (the config does; for copies made by hand). */
void tw_copy_config_done(struct tw_copy_config *c);

/* What a store type takes (the pure half of exporters/deliver's ops). */
struct tw_copy_type {
        const char *type;
        /* the store keys it takes besides type, NULL-ended, in the order of
         * exporters/deliver's ops->keys */
        const char *const *keys;
        /* the keys it needs, NULL-ended; "a|b" means exactly one of a and b */
        const char *const *required;
        bool readable;     /* a check reads the value back (its JWT says which token) */
        bool checkable;    /* a check can say anything at all (exec: no) */
        const char *label; /* for people: "GitHub", "GitLab", "Vault", ... */
};

/* The type named type, or NULL (type NULL included). */
const struct tw_copy_type *tw_copy_type_find(const char *type);
/* The i-th type, or NULL past the last. */
const struct tw_copy_type *tw_copy_type_at(size_t i);
/* Whether type t takes store key key. */
bool tw_copy_type_takes(const struct tw_copy_type *t, const char *key);

#endif
