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

#endif /* PYMEMREF_CLI_H */
