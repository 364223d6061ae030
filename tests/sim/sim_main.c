/*
 * tw-astrosim: the test Astro API server as a program, for the demo, shell
 * tests and benchmarks.  Runs until SIGTERM or SIGINT.  Never prints a
 * credential: the organization's goes to --credential-file, a listed
 * token's value to the FILE of --token-credential TOKEN_ID=FILE (mode 0600).
 * --post-rate/--delete-rate 0 keep the documented write limits; there is no
 * way to turn them off from here (the library's < 0 does).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/secret.h"
#include "lib/statefile.h"
#include "lib/timeutil.h"
#include "sim.h"

static const char usage[] =
        "usage: tw-astrosim [--fixture FILE] [--port N] [--port-file FILE]\n"
        "                   [--credential-file FILE] [--base-time RFC3339] [--latency-ms N]\n"
        "                   [--rate-limit N] [--retry-after] [--generate-tokens N]\n"
        "                   [--generate-workspaces N] [--audit-fixture FILE]\n"
        "                   [--audit-generate N] [--audit-raw-gzip] [--audit-forbidden]\n"
        "                   [--audit-calls N] [--audit-window-ms N]\n"
        "                   [--rotate-keeps-end] [--post-rate N] [--delete-rate N]\n"
        "                   [--token-credential TOKEN_ID=FILE]...\n";

#define MAX_TOKEN_CREDENTIALS 16

/* Writes the current value of each TOKEN_ID=FILE (mode 0600). */
static int write_token_credentials(struct tw_sim *sim, char **specs, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                char *eq = strchr(specs[i], '='), *v = NULL;
                int r;

                *eq = '\0';
                r = tw_sim_token_credential(sim, specs[i], &v);
                if (r == 0) {
                        r = tw_atomic_write_file(eq + 1, v, strlen(v));
                        tw_secret_free(v);
                }
                if (r < 0) {
                        fprintf(stderr, "tw-astrosim: token %s to %s: %s\n", specs[i], eq + 1,
                                strerror(-r));
                        return r;
                }
        }
        return 0;
}

static bool parse_num(const char *s, double max, double *ret)
{
        char *end;
        double v = strtod(s, &end);

        if (end == s || *end || v < 0 || v > max)
                return false;
        *ret = v;
        return true;
}

int main(int argc, char **argv)
{
        static const struct option longopts[] = {
                {"fixture", required_argument, NULL, 'f'},
                {"port", required_argument, NULL, 'p'},
                {"port-file", required_argument, NULL, 'P'},
                {"credential-file", required_argument, NULL, 'c'},
                {"base-time", required_argument, NULL, 'b'},
                {"latency-ms", required_argument, NULL, 'l'},
                {"rate-limit", required_argument, NULL, 'r'},
                {"retry-after", no_argument, NULL, 'R'},
                {"generate-tokens", required_argument, NULL, 't'},
                {"generate-workspaces", required_argument, NULL, 'w'},
                {"audit-fixture", required_argument, NULL, 'A'},
                {"audit-generate", required_argument, NULL, 'G'},
                {"audit-raw-gzip", no_argument, NULL, 'Z'},
                {"audit-forbidden", no_argument, NULL, 'F'},
                {"audit-calls", required_argument, NULL, 'C'},
                {"audit-window-ms", required_argument, NULL, 'W'},
                {"rotate-keeps-end", no_argument, NULL, 'K'},
                {"post-rate", required_argument, NULL, 'O'},
                {"delete-rate", required_argument, NULL, 'D'},
                {"token-credential", required_argument, NULL, 'T'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0}};
        struct tw_sim_options opts = {0};
        const char *port_file = NULL, *cred_file = NULL;
        char *token_creds[MAX_TOKEN_CREDENTIALS];
        size_t n_token_creds = 0;
        struct tw_sim *sim;
        sigset_t set;
        double v;
        int c, sig, r;

        while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
                bool ok = true;

                switch (c) {
                case 'f':
                        opts.fixture_path = optarg;
                        break;
                case 'P':
                        port_file = optarg;
                        break;
                case 'c':
                        cred_file = optarg;
                        break;
                case 'R':
                        opts.rate_limit_retry_after = true;
                        break;
                case 'p':
                        ok = parse_num(optarg, 65535, &v);
                        opts.port = (unsigned short)v;
                        break;
                case 'l':
                        ok = parse_num(optarg, 600000, &v);
                        opts.latency_ms = (int)v;
                        break;
                case 'r':
                        ok = parse_num(optarg, 1e6, &v);
                        opts.rate_limit = v;
                        break;
                case 't':
                        ok = parse_num(optarg, 1e7, &v);
                        opts.generate_tokens = (size_t)v;
                        break;
                case 'w':
                        ok = parse_num(optarg, 1e4, &v);
                        opts.generate_workspaces = (size_t)v;
                        break;
                case 'b':
                        ok = tw_time_parse(optarg, &opts.base_time) == 0;
                        break;
                case 'A':
                        opts.audit_fixture_path = optarg;
                        break;
                case 'G':
                        ok = parse_num(optarg, 1e8, &v);
                        opts.audit_generate = (size_t)v;
                        break;
                case 'Z':
                        opts.audit_raw_gzip = true;
                        break;
                case 'F':
                        opts.audit_forbidden = true;
                        break;
                case 'C':
                        ok = parse_num(optarg, 64, &v);
                        opts.audit_calls = (int)v;
                        break;
                case 'W':
                        ok = parse_num(optarg, 86400000, &v);
                        opts.audit_window_ms = (int64_t)v;
                        break;
                case 'K':
                        opts.rotate_keeps_end = true;
                        break;
                case 'O':
                        ok = parse_num(optarg, 1e6, &v);
                        opts.post_rate = v;
                        break;
                case 'D':
                        ok = parse_num(optarg, 1e6, &v);
                        opts.delete_rate = v;
                        break;
                case 'T':
                        ok = strchr(optarg, '=') && optarg[0] != '=' &&
                             n_token_creds < MAX_TOKEN_CREDENTIALS;
                        if (ok)
                                token_creds[n_token_creds++] = optarg;
                        break;
                case 'h':
                        fputs(usage, stdout);
                        return 0;
                default:
                        fputs(usage, stderr);
                        return 2;
                }
                if (!ok) {
                        fprintf(stderr, "tw-astrosim: bad option value: %s\n", optarg);
                        fputs(usage, stderr);
                        return 2;
                }
        }
        if (optind < argc) {
                fputs(usage, stderr);
                return 2;
        }

        /* Block the signals before the server threads start, then wait. */
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        pthread_sigmask(SIG_BLOCK, &set, NULL);
        signal(SIGPIPE, SIG_IGN);

        sim = tw_sim_start(&opts);
        if (!sim) {
                fprintf(stderr, "tw-astrosim: cannot start the server\n");
                return 1;
        }
        if (cred_file && (r = tw_sim_write_credential(sim, cred_file)) < 0) {
                fprintf(stderr, "tw-astrosim: cannot write %s: %s\n", cred_file, strerror(-r));
                tw_sim_stop(sim);
                return 1;
        }
        if (write_token_credentials(sim, token_creds, n_token_creds) < 0) {
                tw_sim_stop(sim);
                return 1;
        }
        if (port_file && (r = tw_write_port_file(port_file, tw_sim_port(sim))) < 0) {
                fprintf(stderr, "tw-astrosim: cannot write %s: %s\n", port_file, strerror(-r));
                tw_sim_stop(sim);
                return 1;
        }
        fprintf(stderr, "tw-astrosim listening on %s\n", tw_sim_url(sim));
        do
                r = sigwait(&set, &sig);
        while (r != 0);
        tw_sim_stop(sim);
        return 0;
}
