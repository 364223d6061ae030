#ifndef TW_CORE_CONFIG_KEYS_INTERNAL_H
#define TW_CORE_CONFIG_KEYS_INTERNAL_H

/*
 * Private to core/config/keys.c (the tables) and key_types.c (one parser
 * per type of value).
 *
 * Every key of the fixed sections and of [webhook.NAME] is one row of a
 * table (name, type, offset, range, default), as in redis's config.c; each
 * type is one parser function in types[].  A new key is one row; a new kind
 * of value is one function and one types[] entry.  Defaults are parsed by
 * the same functions, so a default can never be a value the parser refuses.
 */
#include <stdbool.h>
#include <stddef.h>

enum key_type {
        T_STRING,
        T_URL,
        T_URL_LIST, /* comma-separated URLs, stored comma-joined without spaces */
        T_BOOL,
        T_INT,
        T_DOUBLE,
        T_DURATION,
        T_DURATION_OFF,
        T_THRESHOLD,
        T_LOG_LEVEL,
        T_LOG_FORMAT,
        T_API_VERSION,
        T_ID,
        T_ID_LIST, /* "*" gives NULL; ids otherwise (count at offset + sizeof(char **)) */
        T_LISTEN,
        T_ROLE_ORG,
        T_ROLE_WORKSPACE,
        T_ROLE_DEPLOYMENT,
        T_SEVERITY,
        T_KINDS,
        T_SIZE,
        T_SCHEDULE,  /* a digest schedule (core/notify/schedule.h), or "off" */
        T_TEAMS,     /* owner teams, count at offset + sizeof(char **) */
        T_MATCH,     /* key=value owner matches, likewise */
        T_CHANGES,   /* token change event kinds: a mask, "all" or "none" */
        T_STAGES,    /* expiry lead times: struct tw_stages_config */
        T_AUTO_BOOL, /* auto, or a boolean: enum tw_auditlog_mode */
        T_LEAD,      /* a struct tw_threshold that is never off: [rotation] before */
        T_STRATEGY,  /* replace or rotate: enum tw_rotation_strategy */
        T_DAYS,      /* a whole number of days ("90d" or "90") as an int in [min, max] */
        _T_MAX,
};

struct key_def {
        const char *section;
        const char *name;
        enum key_type type;
        size_t offset;
        double min, max;  /* for numbers and durations; equal: no range */
        const char *dflt; /* parsed into a new config; NULL: zero */
};

/* Why a value was refused: static text, or text built in buf. */
struct why {
        const char *text;
        char buf[256];
};

/* Parses value into the field at base + def->offset.  0, -EINVAL or
 * -ERANGE with why->text set, -ENOMEM. */
int tw_config_parse_value(const struct key_def *def, void *base, const char *value,
                          struct why *why);
/* core/config/rotation_values.c: T_LEAD, T_STRATEGY, T_DAYS (as above). */
int tw_config_parse_lead(const struct key_def *def, void *field, const char *value,
                         struct why *why);
int tw_config_parse_strategy(const struct key_def *def, void *field, const char *value,
                             struct why *why);
int tw_config_parse_days(const struct key_def *def, void *field, const char *value,
                         struct why *why);
/* Whether a type's range is shown in seconds (the durations). */
bool tw_config_type_in_seconds(enum key_type type);

#endif
