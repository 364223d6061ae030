/*
 * tw-storesim: a secret store fake as a program, for shell tests.  Runs
 * until SIGTERM or SIGINT.  Credentials come from files (never argv); the
 * port goes to --port-file once the server listens.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/secret.h"
#include "lib/statefile.h"
#include "sim/stores/storesim.h"

static const char usage[] =
        "usage: tw-storesim --kind github|gitlab|vault|kubernetes [--port N] [--port-file FILE]\n"
        "                   [--credential-file FILE] [--read-credential-file FILE]\n"
        "                   [--rate-limit N] [--rate-window-ms N]\n"
        "                   [--tls-cert FILE --tls-key FILE]\n";

static bool parse_num(const char *s, long max, long *ret)
{
        char *end;
        long v = strtol(s, &end, 10);

        if (end == s || *end || v < -1 || v > max)
                return false;
        *ret = v;
        return true;
}

/* Reads a credential file into *ret; a message on failure. */
static int read_credential(const char *path, char **ret)
{
        struct tw_buf err;
        int r;

        tw_buf_init(&err, 0);
        r = tw_secret_read_file(path, ret, &err);
        if (r < 0)
                fprintf(stderr, "tw-storesim: %s\n", err.ptr ? err.ptr : path);
        tw_buf_done(&err);
        return r;
}

int main(int argc, char **argv)
{
        static const struct option longopts[] = {
                {"kind", required_argument, NULL, 'k'},
                {"port", required_argument, NULL, 'p'},
                {"port-file", required_argument, NULL, 'P'},
                {"credential-file", required_argument, NULL, 'c'},
                {"read-credential-file", required_argument, NULL, 'r'},
                {"rate-limit", required_argument, NULL, 'l'},
                {"rate-window-ms", required_argument, NULL, 'w'},
                {"tls-cert", required_argument, NULL, 'C'},
                {"tls-key", required_argument, NULL, 'K'},
                {"help", no_argument, NULL, 'h'},
                {NULL, 0, NULL, 0}};
        struct tw_storesim_options o = {0};
        const char *port_file = NULL, *cred_file = NULL, *read_file = NULL, *kind = NULL;
        char *cred = NULL, *read_cred = NULL;
        struct tw_storesim *s;
        sigset_t set;
        long v;
        int c, sig, r;

        while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
                bool ok = true;

                switch (c) {
                case 'k':
                        kind = optarg;
                        ok = tw_storesim_kind_from_string(optarg, &o.kind) == 0;
                        break;
                case 'p':
                        ok = parse_num(optarg, 65535, &v) && v >= 0;
                        o.port = (unsigned short)v;
                        break;
                case 'P':
                        port_file = optarg;
                        break;
                case 'c':
                        cred_file = optarg;
                        break;
                case 'r':
                        read_file = optarg;
                        break;
                case 'l':
                        ok = parse_num(optarg, 1000000, &v);
                        o.rate_limit = (int)v;
                        break;
                case 'w':
                        ok = parse_num(optarg, 86400000, &v) && v >= 0;
                        o.rate_window_ms = v;
                        break;
                case 'C':
                        o.tls_cert_file = optarg;
                        break;
                case 'K':
                        o.tls_key_file = optarg;
                        break;
                case 'h':
                        fputs(usage, stdout);
                        return 0;
                default:
                        fputs(usage, stderr);
                        return 2;
                }
                if (!ok) {
                        fprintf(stderr, "tw-storesim: bad option value: %s\n", optarg);
                        return 2;
                }
        }
        if (!kind || optind < argc) {
                fputs(usage, stderr);
                return 2;
        }
        if ((cred_file && read_credential(cred_file, &cred) < 0) ||
            (read_file && read_credential(read_file, &read_cred) < 0))
                return 1;
        o.credential = cred;
        o.read_credential = read_cred;

        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        pthread_sigmask(SIG_BLOCK, &set, NULL);
        signal(SIGPIPE, SIG_IGN);
        s = tw_storesim_start(&o);
        tw_secret_free(cred);
        tw_secret_free(read_cred);
        if (!s) {
                fprintf(stderr, "tw-storesim: cannot start the %s server\n", kind);
                return 1;
        }
        if (port_file && (r = tw_write_port_file(port_file, tw_storesim_port(s))) < 0) {
                fprintf(stderr, "tw-storesim: cannot write %s: %s\n", port_file, strerror(-r));
                tw_storesim_stop(s);
                return 1;
        }
        fprintf(stderr, "tw-storesim (%s) listening on %s\n", kind, tw_storesim_url(s));
        do
                r = sigwait(&set, &sig);
        while (r != 0);
        tw_storesim_stop(s);
        return 0;
}
