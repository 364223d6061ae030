/* tokenwatch: command line parsing only; the commands live in the library. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "agent/cmd_report.h"
#include "core/config.h"
#include "agent/daemon.h"
#include "agent/notify_hook.h"
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
              "  check-config        validate the configuration; exit 0, or 2 with the errors\n"
              "  notify-test [SINK]  send one test notification to every (or one) webhook\n"
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

enum { OPT_FAIL_ON = 256, OPT_NOW, OPT_ONCE, OPT_DRY_RUN, OPT_PORT_FILE };

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
                {0},
        };
        struct tw_report_options ro = {
                .config_path = TW_CONFIG_DEFAULT_PATH,
                .format = "table",
                .fail_on = TW_SEVERITY_CRITICAL,
                .now = TW_NO_TIME,
        };
        const char *command = "run", *port_file = NULL;
        int c, code;
        bool once = false, dry_run = false;

        while ((c = getopt_long(argc, argv, "c:hVf:o:", opts, NULL)) != -1) {
                switch (c) {
                case 'c':
                        ro.config_path = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                case 'V':
                        printf("tokenwatch %s\n", TW_VERSION);
                        return 0;
                case 'f':
                        ro.format = optarg;
                        break;
                case 'o':
                        ro.output = optarg;
                        break;
                case OPT_FAIL_ON:
                        if (strcmp(optarg, "never") == 0) {
                                ro.fail_on = TW_SEVERITY_NONE;
                        } else if (tw_severity_from_string(optarg, &ro.fail_on) < 0 ||
                                   ro.fail_on == TW_SEVERITY_NONE) {
                                fprintf(stderr,
                                        "tokenwatch: --fail-on takes critical, warning or never\n");
                                return TW_EXIT_CONFIG;
                        }
                        break;
                case OPT_NOW:
                        if (tw_time_parse(optarg, &ro.now) < 0) {
                                fprintf(stderr, "tokenwatch: --now takes an RFC 3339 time, e.g. "
                                                "2027-01-31T00:00:00Z\n");
                                return TW_EXIT_CONFIG;
                        }
                        break;
                case OPT_ONCE:
                        once = true;
                        break;
                case OPT_DRY_RUN:
                        dry_run = true;
                        break;
                case OPT_PORT_FILE:
                        port_file = optarg;
                        break;
                default:
                        usage(stderr);
                        return TW_EXIT_CONFIG;
                }
        }
        /* getopt_long permutes: options may follow the command too. */
        if (optind < argc)
                command = argv[optind++];

        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
                fprintf(stderr, "tokenwatch: cannot initialise libcurl\n");
                return TW_EXIT_CONFIG;
        }
        if (strcmp(command, "report") == 0) {
                code = tw_cmd_report(&ro);
        } else if (strcmp(command, "check-config") == 0) {
                code = tw_cmd_check_config(ro.config_path);
        } else if (strcmp(command, "run") == 0) {
                struct tw_notify_hook *hook = tw_notify_hook_new(dry_run);
                struct tw_daemon_options d = {
                        .once = once,
                        .dry_run = dry_run,
                        .port_file = port_file,
                        .on_cycle = tw_notify_hook_on_cycle,
                        .extra_metrics = tw_notify_hook_metrics,
                        .userdata = hook,
                };
                int r;

                if (!hook) {
                        fprintf(stderr, "tokenwatch: out of memory\n");
                        code = TW_EXIT_CONFIG;
                        goto out;
                }
                r = tw_daemon_run(ro.config_path, &d);
                if (once) /* let the senders deliver what this cycle queued */
                        tw_notify_hook_flush(hook, 30000);
                tw_notify_hook_free(hook);
                code = r == 0 ? TW_EXIT_OK : r == -ENODATA ? TW_EXIT_INCOMPLETE : TW_EXIT_CONFIG;
        } else if (strcmp(command, "notify-test") == 0) {
                code = tw_cmd_notify_test(ro.config_path, optind < argc ? argv[optind] : NULL);
        } else {
                fprintf(stderr, "tokenwatch: unknown command '%s' (see --help)\n", command);
                code = TW_EXIT_CONFIG;
        }
out:
        curl_global_cleanup();
        return code;
}
