/* tokenwatch: command line parsing only; the commands live in the library. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include <curl/curl.h>

#include "agent/cmd/audit.h"
#include "agent/cmd/report.h"
#include "agent/cmd/commands.h"
#include "core/config/config.h"
#include "agent/cmd/notify_test.h"
#include "lib/log.h"
#include "lib/timeutil.h"

static void usage(FILE *f)
{
        fputs("Usage: tokenwatch [-c FILE] [COMMAND] [OPTIONS]\n"
              "\n"
              "Watches the API tokens of an Astro organization: expiring, expired, never\n"
              "expiring, unused, orphaned and over-privileged tokens.\n"
              "\n"
              "Commands:\n"
              "  run                 collect every [agent] interval and serve metrics (default)\n"
              "  report              collect once and print the security review report\n"
              "  check-config        check the configuration, credential and webhook files\n"
              "  notify-test [SINK]  send one test notification to every (or one) webhook\n"
              "  audit               print the token changes recorded in [agent] state_dir\n"
              "\n"
              "Options:\n"
              "  -c, --config FILE   configuration file (default " TW_CONFIG_DEFAULT_PATH ")\n"
              "  -h, --help          show this help\n"
              "  -V, --version       show the version\n"
              "\n"
              "report options:\n"
              "  -f, --format F      table (default), json, csv, markdown or html\n"
              "  -o, --output FILE   write the report to FILE instead of stdout\n"
              "      --fail-on S     critical (default), warning or never: exit 1 when an\n"
              "                      unsuppressed finding at or above S exists\n"
              "      --now TIME      evaluate at another RFC 3339 time\n"
              "      --group-by G    team: group the tokens by their owner's team\n"
              "      --organization O  only this organization ([astro.NAME] name or id)\n"
              "      --since D       the audit logs read when no fresh usage is kept\n"
              "                      (default [audit_logs] backfill, at most 90d)\n"
              "\n"
              "audit options:\n"
              "  -f, --format F      table (default), json, csv or markdown\n"
              "  -o, --output FILE   write to FILE instead of stdout\n"
              "      --since D       only the last D (e.g. 30d, 12h)\n"
              "      --token ID      only this token's changes\n"
              "\n"
              "check-config options:\n"
              "      --online        also call the Astro API (two GETs per organization) and\n"
              "                      connect to each webhook's host (no message is sent)\n"
              "\n"
              "run options:\n"
              "      --once          one cycle, then exit\n"
              "      --dry-run       print the notifications instead of sending them\n"
              "      --port-file F   write the metrics port to F once listening\n"
              "\n"
              "Exit codes: 0 fine, 1 findings (report --fail-on), 2 configuration or\n"
              "credential error, 3 collection incomplete.\n"
              "The Astro API token comes from [astro] token_file or ASTRO_API_TOKEN.\n",
              f);
}

enum {
        OPT_FAIL_ON = 256,
        OPT_NOW,
        OPT_ONCE,
        OPT_DRY_RUN,
        OPT_PORT_FILE,
        OPT_SINCE,
        OPT_TOKEN,
        OPT_GROUP_BY,
        OPT_ONLINE
};
enum { OPT_ORGANIZATION = 300 };

/* Every command's options, as parsed from argv. */
struct cli {
        struct tw_report_options report; /* report.config_path: -c for every command */
        struct tw_run_options run;
        struct tw_auditlog_options audit; /* since_seconds, token_id */
        bool online;                      /* check-config --online */
        const char *arg; /* the argument after the command (notify-test SINK), or NULL */
};

static int run_run(const struct cli *c)
{
        return tw_cmd_run(c->report.config_path, &c->run);
}

static int run_report(const struct cli *c)
{
        struct tw_report_options o = c->report;

        o.since_seconds = c->audit.since_seconds;
        return tw_cmd_report(&o);
}

static int run_check_config(const struct cli *c)
{
        return tw_cmd_check_config(c->report.config_path, c->online);
}

static int run_notify_test(const struct cli *c)
{
        return tw_cmd_notify_test(c->report.config_path, c->arg);
}

static int run_audit(const struct cli *c)
{
        struct tw_auditlog_options o = c->audit;

        o.config_path = c->report.config_path;
        o.format = c->report.format;
        o.output = c->report.output;
        return tw_cmd_audit(&o);
}

/* The commands, as --help lists them. */
static const struct command {
        const char *name;
        int (*run)(const struct cli *c);
} commands[] = {
        {"run", run_run},
        {"report", run_report},
        {"check-config", run_check_config},
        {"notify-test", run_notify_test},
        {"audit", run_audit},
};

/* Parses one option into c.  -1: exit with *ret_code; 0: go on. */
static int parse_option(int opt, struct cli *c, int *ret_code)
{
        switch (opt) {
        case 'c':
                c->report.config_path = optarg;
                return 0;
        case 'h':
                usage(stdout);
                *ret_code = TW_EXIT_OK;
                return -1;
        case 'V':
                printf("tokenwatch %s\n", TW_VERSION);
                *ret_code = TW_EXIT_OK;
                return -1;
        case 'f':
                c->report.format = optarg;
                return 0;
        case 'o':
                c->report.output = optarg;
                return 0;
        case OPT_FAIL_ON:
                if (strcmp(optarg, "never") == 0) {
                        c->report.fail_on = TW_SEVERITY_NONE;
                        return 0;
                }
                if (tw_severity_from_string(optarg, &c->report.fail_on) < 0 ||
                    c->report.fail_on == TW_SEVERITY_NONE) {
                        fprintf(stderr, "tokenwatch: --fail-on takes critical, warning or never\n");
                        *ret_code = TW_EXIT_CONFIG;
                        return -1;
                }
                return 0;
        case OPT_NOW:
                if (tw_time_parse(optarg, &c->report.now) < 0) {
                        fprintf(stderr, "tokenwatch: --now takes an RFC 3339 time, e.g. "
                                        "2027-01-31T00:00:00Z\n");
                        *ret_code = TW_EXIT_CONFIG;
                        return -1;
                }
                return 0;
        case OPT_ORGANIZATION:
                c->report.organization = optarg;
                return 0;
        case OPT_ONCE:
                c->run.once = true;
                return 0;
        case OPT_DRY_RUN:
                c->run.dry_run = true;
                return 0;
        case OPT_PORT_FILE:
                c->run.port_file = optarg;
                return 0;
        case OPT_SINCE:
                if (tw_duration_parse(optarg, &c->audit.since_seconds) < 0 ||
                    c->audit.since_seconds <= 0) {
                        fprintf(stderr, "tokenwatch: --since takes a duration, e.g. 30d\n");
                        *ret_code = TW_EXIT_CONFIG;
                        return -1;
                }
                return 0;
        case OPT_TOKEN:
                c->audit.token_id = optarg;
                return 0;
        case OPT_GROUP_BY:
                c->report.group_by = optarg;
                return 0;
        case OPT_ONLINE:
                c->online = true;
                return 0;
        default:
                usage(stderr);
                *ret_code = TW_EXIT_CONFIG;
                return -1;
        }
}

int main(int argc, char **argv)
{
        static const struct option opts[] = {
                {"config", required_argument, NULL, 'c'},
                {"help", no_argument, NULL, 'h'},
                {"version", no_argument, NULL, 'V'},
                {"format", required_argument, NULL, 'f'},
                {"output", required_argument, NULL, 'o'},
                {"fail-on", required_argument, NULL, OPT_FAIL_ON},
                {"now", required_argument, NULL, OPT_NOW},
                {"once", no_argument, NULL, OPT_ONCE},
                {"dry-run", no_argument, NULL, OPT_DRY_RUN},
                {"port-file", required_argument, NULL, OPT_PORT_FILE},
                {"since", required_argument, NULL, OPT_SINCE},
                {"token", required_argument, NULL, OPT_TOKEN},
                {"group-by", required_argument, NULL, OPT_GROUP_BY},
                {"organization", required_argument, NULL, OPT_ORGANIZATION},
                {"online", no_argument, NULL, OPT_ONLINE},
                {0},
        };
        struct cli c = {
                .report = {.config_path = TW_CONFIG_DEFAULT_PATH,
                           .format = "table",
                           .fail_on = TW_SEVERITY_CRITICAL,
                           .now = TW_NO_TIME},
        };
        const struct command *cmd = NULL;
        const char *name = "run";
        int opt, code = TW_EXIT_CONFIG;

        /* No core dump (nor ptrace by the same user) may expose the token or
         * webhook secrets held in memory.  Best effort: the systemd unit
         * also sets LimitCORE=0. */
        (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

        while ((opt = getopt_long(argc, argv, "c:hVf:o:", opts, NULL)) != -1)
                if (parse_option(opt, &c, &code) < 0)
                        return code;
        /* getopt_long permutes: options may follow the command too. */
        if (optind < argc)
                name = argv[optind++];
        c.arg = optind < argc ? argv[optind] : NULL;
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                if (strcmp(name, commands[i].name) == 0)
                        cmd = &commands[i];
        if (!cmd) {
                fprintf(stderr, "tokenwatch: unknown command '%s' (see --help)\n", name);
                return TW_EXIT_CONFIG;
        }
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
                fprintf(stderr, "tokenwatch: cannot initialise libcurl\n");
                return TW_EXIT_CONFIG;
        }
        code = cmd->run(&c);
        curl_global_cleanup();
        return code;
}
