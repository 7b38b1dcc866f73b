/* cli.h: what the parts of the pymemref command share (not part of the
 * model's public interface). */
#ifndef PYMEMREF_CLI_H
#define PYMEMREF_CLI_H

#include "pymemref.h"

/* Everything one command works on. */
typedef struct cli_input {
    const char *path;          /* the trace file as given                    */
    char *text;                /* its whole contents                         */
    size_t len;
    pm_trace trace;
    const pm_profile *profile;
    pm_options options;
} cli_input;

/* Print "PATH:LINE: error: MESSAGE" on stderr. */
void cli_report(const cli_input *in, const pm_diag *d);
/* A model of IN's profile and options that has run IN's trace, or NULL
 * (the error reported on stderr). */
pm_model *cli_run_model(const cli_input *in);

/* The class name of object I: its trace class, or the built-in kind
 * ("list", "tuple", "dict", "int", "weakref"). */
const char *cli_class_name(const pm_model *m, const pm_trace *t, int32_t i);
/* Object I as a learner reads it: "o3 (Node)", "tmp#12 (tuple)",
 * "namespace (list)". */
void cli_object_name(pm_buf *b, const pm_model *m, const pm_trace *t, int32_t i);
/* "gen0", "gen1", "gen2", "permanent", "untracked", "collecting", ... */
const char *cli_where_name(pm_where w);
/* Line LINE of the trace without its comment and outer blanks, at most
 * MAX bytes: *LEN receives its length.  CUR (zeroed at first) remembers
 * where the last line was, so that increasing lines cost one pass. */
typedef struct cli_cursor { int line; const char *p; } cli_cursor;
const char *cli_line_text(const cli_input *in, cli_cursor *cur, int line, size_t max,
                          int *len);

/* The commands other than run.  Each returns 0 and fills OUT, or -1 after
 * reporting the error on stderr. */
int cli_explain(const cli_input *in, pm_buf *out);
int cli_dot(const cli_input *in, int32_t at, pm_buf *out);

/* ------------------------------------------- helpers in pymemref.c */
/* Read PATH wholly; -1 after a message on stderr. */
int cli_read_file(const char *path, char **text, size_t *len);
/* The profile NAME (NULL: the default); NULL after a message on stderr. */
const pm_profile *cli_find_profile(const char *name);
/* The usage and the options on stdout (--help). */
void cli_print_help(void);
/* "pymemref: MESSAGE" and the usage on stderr; returns 2. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A decimal number 0..MAX. */
bool cli_parse_count(const char *s, int64_t max, int64_t *out);
/* Option NAME at argv[*I], as "NAME V" or "NAME=V": true when it is there,
 * with *VAL its value (NULL and a usage error when the value is missing). */
bool cli_option(int argc, char **argv, int *i, const char *name, const char **val);

/* ------------------------------------------------ the object as the model
 * knows it (check.c): "o3 (Node): refcount 2, gen0, tracked, not finalized" */
void cli_describe_object(pm_buf *b, const pm_model *m, const pm_trace *t, int32_t i);
/* The object index that events print as o<UID>, or -1. */
int32_t cli_object_by_uid(const pm_model *m, int32_t uid);

/* ---------------------------------------- malloc-stats (malloc_stats.c) */
int cli_malloc_stats_main(int argc, char **argv);

/* ---------------------------------------------- check (check.c) */
/* Compare EVENTS (the text of an event log read from EVENTS_PATH) with the
 * model's events for IN's trace.  Returns 0 when they agree, 1 at the first
 * divergence (the report in OUT), 2 on bad input (`FILE:LINE: error:` in
 * ERR). */
int cli_check(const cli_input *in, const char *events_path, const char *events, size_t len,
              bool observable_only, pm_buf *out, pm_buf *err);
int cli_check_main(int argc, char **argv);

/* ---------------------------------------------- serve (serve.c) */
typedef struct cli_server {
    pm_session *session;
    bool observable;           /* leave model-only events out             */
} cli_server;
/* 0, or -1 when out of memory. */
int cli_serve_init(cli_server *sv, const pm_profile *p, const pm_options *opts, bool observable);
void cli_serve_free(cli_server *sv);
/* Answer one request (a line of JSON, without its newline): one line of
 * JSON, newline included, appended to OUT. */
void cli_serve_request(cli_server *sv, const char *req, size_t len, pm_buf *out);
int cli_serve_main(int argc, char **argv);

/* ---------------------------------------------- export (export.c) */
/* The driver's modules, embedded into each exported test. */
enum { CLI_DRIVER_PARSE, CLI_DRIVER_GEN, CLI_DRIVER_EXEC, CLI_DRIVER_FILES };
typedef struct cli_driver {
    char *text[CLI_DRIVER_FILES];
    size_t len[CLI_DRIVER_FILES];
} cli_driver;
extern const char *const cli_driver_files[CLI_DRIVER_FILES];
/* A standalone Python unittest file for IN's trace; 0, or -1 with the
 * error in ERR. */
int cli_export_python(const cli_input *in, const cli_driver *drv, pm_buf *out, pm_buf *err);
/* run_all.py: runs every test_*.py beside it and prints a summary. */
void cli_export_runner(pm_buf *out);
int cli_export_main(int argc, char **argv);

#endif /* PYMEMREF_CLI_H */
