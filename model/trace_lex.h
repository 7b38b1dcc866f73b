/* trace_lex.h: the parser's state and its lexical and symbol-table helpers,
 * shared by trace_lex.c and trace_parse.c.  Not part of the public
 * interface. */
#ifndef PM_TRACE_LEX_H
#define PM_TRACE_LEX_H

#include "pymemref.h"

/* A line of at most PM_MAX_LINE_BYTES bytes holds at most this many tokens. */
#define TP_MAX_TOKENS (PM_MAX_LINE_BYTES / 2 + 1)
#define TP_SHOW_BYTES 40        /* bytes of a token quoted in a message */
#define TP_CLS_UNKNOWN (-1)     /* static class of a binding: not known */

typedef struct tok { const char *p; size_t n; } tok;

/* Open-addressing table from a string to its index in a string array. */
typedef struct symtab { int32_t *slot; size_t mask; } symtab;

typedef struct parser {
    const char *file;
    pm_diag *diag;
    int line;
    pm_trace t;               /* what is built; released on failure      */
    int32_t cap_ops, cap_values, cap_classes, cap_names;
    symtab classes, names;
    int32_t *class_op;        /* per class: index of its CLASS op        */
    int32_t *name_cls;        /* per name: class it surely holds, or -1  */
    bool *name_volatile;      /* per name: a finalizer may rebind it     */
    /* the allocator operations: pointer names, whether each has been bound
     * by `malloc`, and where the `pymalloc` directive and the first
     * allocator operation were (0: not yet) */
    symtab pnames;
    int32_t cap_pnames;
    bool *pbound;
    int pymalloc_line, alloc_line;
    tok tk[TP_MAX_TOKENS];    /* the current line's tokens               */
    int ntok;
    char show[2][TP_SHOW_BYTES + 8];
    int show_next;
} parser;

/* Fill the diagnostic for the current line; returns -1. */
int tp_fail(parser *P, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int tp_oom(parser *P);
/* A token as quoted text, cut to TP_SHOW_BYTES on a UTF-8 boundary. */
const char *tp_show(parser *P, tok t);
/* "an instance", "a list", ...: a kind with its article. */
const char *tp_kind_name(pm_kind k);
/* Make *P hold NEED elements of SIZE bytes (*CAP grows by doubling). */
bool tp_grow(void **p, int32_t *cap, int32_t need, size_t size);

bool tp_tok_is(tok t, const char *kw);
/* NULL when T is a name, else the reason it is not one. */
const char *tp_name_problem(tok t);
/* A number 0|[1-9][0-9]* below 2^31; WHAT says what it is for. */
int tp_number(parser *P, tok t, const char *what, int32_t *out);
/* Fail unless the line has no token after index LAST. */
int tp_no_more(parser *P, int last);
/* Fail with "expected WHAT after ..." unless token I exists. */
int tp_need(parser *P, int i, const char *what);
/* Lexical checks of one line: NUL, control bytes, UTF-8. */
int tp_check_bytes(parser *P, const unsigned char *s, size_t n);

/* The binding index of name T, added on first appearance. */
int tp_binding(parser *P, tok t, int32_t *out);
/* The pointer-name index of T (allocator operations), added on first
 * appearance. */
int tp_pointer(parser *P, tok t, int32_t *out);
/* A value: a binding index, or PM_NO_VALUE for `_`. */
int tp_value(parser *P, tok t, int32_t *out);
/* The index of declared class T, or a diagnostic. */
int tp_class_ref(parser *P, tok t, int32_t *out);
/* The index of class NAME, or -1. */
int32_t tp_find_class(const parser *P, tok name);
/* Declare class NAME for the operation about to be appended. */
int tp_declare_class(parser *P, tok name, int32_t *out);
/* The declaration of class CLS. */
const pm_class *tp_decl_of(const parser *P, int32_t cls);
/* Free everything P holds. */
void tp_release(parser *P);
/* Parse one line into P (trace_parse.c; for model/api_lockstep.c). */
int tp_parse_line(parser *P, const char *s, size_t n);

#endif /* PM_TRACE_LEX_H */
