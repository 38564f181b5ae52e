/* Alerts as Vigil normalises them, whatever door they came in by, and the
 * label matching that silences and routes use. Pure: no I/O, no clock.
 *
 * Label sets borrow their strings (from the parser's JSON or buffer); the
 * caller keeps those alive while the set is used. */
#pragma once

#include "core/fielderr.h"
#include "core/vtime.h"

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LABELS_MAX 64
#define LABEL_NAME_MAX 128
#define LABEL_VALUE_MAX 4096

struct label {
        const char *name;  /* borrows */
        const char *value; /* borrows */
};

struct labelset {
        size_t n;
        struct label l[LABELS_MAX];
};

/* Add a label; errors (too many, bad name, empty or long value) go to fe
 * under field. Label names follow Prometheus: [a-zA-Z_][a-zA-Z0-9_]*. */
int labelset_add(struct labelset *ls, const char *name, const char *value, struct field_errors *fe,
                 const char *field);
/* Sort by name; -EEXIST (via fe) when a name repeats. */
int labelset_sort(struct labelset *ls, struct field_errors *fe, const char *field);
/* The value of name, or NULL. The set need not be sorted. */
const char *labelset_get(const struct labelset *ls, const char *name);

/* The fingerprint Prometheus and Alertmanager compute for a label set:
 * FNV-1a 64 over name, 0xff, value, 0xff for each label in name order.
 * The set must be sorted. Printed as %016x it is Alertmanager's. */
uint64_t labelset_fingerprint(const struct labelset *ls);

enum match_op { MATCH_EQ, MATCH_NE, MATCH_RE, MATCH_NRE };

/* One matcher of a silence or route ("severity=~crit|page"). Regular
 * expressions are POSIX extended, anchored at both ends as Alertmanager
 * anchors its RE2 ones. */
struct matcher {
        char name[LABEL_NAME_MAX];
        char value[LABEL_VALUE_MAX];
        enum match_op op;
        regex_t re;   /* compiled for MATCH_RE / MATCH_NRE */
        bool has_re;
};

/* Compile a matcher; -EINVAL via fe for a bad name or expression. */
int matcher_init(struct matcher *m, const char *name, const char *value, enum match_op op,
                 struct field_errors *fe, const char *field);
void matcher_fini(struct matcher *m);
/* Does the label set satisfy m? A missing label is the empty string, as in
 * Alertmanager (so name="" matches its absence). */
bool matcher_matches(const struct matcher *m, const struct labelset *ls);
/* All matchers match. */
bool matchers_match(const struct matcher *ms, size_t n, const struct labelset *ls);
