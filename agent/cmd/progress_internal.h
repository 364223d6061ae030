#ifndef TW_AGENT_CMD_PROGRESS_INTERNAL_H
#define TW_AGENT_CMD_PROGRESS_INTERNAL_H

/*
 * A progress line for a person at a terminal: "Reading the Astro audit logs:
 * 12345 entries, 48.2 MB", rewritten in place ("\r", erase the line, the
 * text) at most once per `every_ns`; at the end it shows the final figures
 * and ends (a success) or is erased (a failure: the error says the rest).
 * Not a terminal (tty false): nothing is ever written, so logs and pipes
 * never see it.  One thread.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define TW_PROGRESS_EVERY_NS ((int64_t)200 * 1000 * 1000)

struct tw_progress {
        FILE *f;
        bool tty;         /* false: silent */
        const char *what; /* "Reading the Astro audit logs": not copied */
        int64_t every_ns; /* the least time between two updates */
        int64_t last_ns;  /* the last update's time */
        bool shown;       /* a line is on the terminal, to erase */
};

/* tty: isatty(fileno(f)) for the real thing, a flag for tests. */
void tw_progress_init(struct tw_progress *p, FILE *f, bool tty, const char *what);
/* Rewrites the line if due at now_ns (the first update always is). */
void tw_progress_update(struct tw_progress *p, uint64_t entries, uint64_t bytes, int64_t now_ns);
/* If a line was shown: with ok, the final figures and a newline; else the
 * line erased. */
void tw_progress_end(struct tw_progress *p, bool ok, uint64_t entries, uint64_t bytes);

#endif
