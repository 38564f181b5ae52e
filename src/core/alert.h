/* Alerts as Vigil normalises them, whatever door they came in by, and the
 * label matching that silences and routes use. Pure: no I/O, no clock.
 *
 * Label sets borrow their strings (from the parser's JSON or buffer); the
 * caller keeps those alive while the set is used. */
#pragma once

#include "core/fielderr.h"
#include "core/regex.h"
#include "core/vtime.h"

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

/* A Prometheus label name: [a-zA-Z_][a-zA-Z0-9_]*, at most LABEL_NAME_MAX - 1. */
bool label_name_valid(const char *s);

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
 * expressions have Alertmanager's RE2 syntax, anchored at both ends, and
 * are compiled once, here (core/regex.h has the limits). A matcher moves
 * by struct copy: the copy takes over re. */
struct matcher {
        char name[LABEL_NAME_MAX];
        char value[LABEL_VALUE_MAX];
        enum match_op op;
        struct regex *re; /* owns: compiled for MATCH_RE / MATCH_NRE, else NULL */
};

/* Compile a matcher; -VG_EVALIDATION via fe for a bad name or expression,
 * or one over a limit of core/regex.h (the message names it). */
int matcher_init(struct matcher *m, const char *name, const char *value, enum match_op op,
                 struct field_errors *fe, const char *field);
void matcher_fini(struct matcher *m);
/* Does the label set satisfy m? A missing label is the empty string, as in
 * Alertmanager (so name="" matches its absence). */
bool matcher_matches(const struct matcher *m, const struct labelset *ls);
/* All matchers match. */
bool matchers_match(const struct matcher *ms, size_t n, const struct labelset *ls);

/* A matcher as Alertmanager's configuration and amtool write it:
 * name=value, name!="value", name=~"re", name!~"re" (a quoted value may
 * escape \" and \\). -VG_EVALIDATION via fe when it is not one. */
int matcher_parse(struct matcher *m, const char *text, struct field_errors *fe, const char *field);

#define ROUTE_NAME_MAX 64
#define ROUTE_MATCHERS_MAX 16
#define ROUTE_GROUP_BY_MAX 16
#define GROUP_KEY_MAX 512

/* Where an alert goes: the first route whose matchers all match names the
 * service (or leaves it to the alert's "service" or "job" label) and how
 * its alerts are grouped into incidents:
 *   group_by        the labels whose values make a group ("service" is the
 *                   routed service); group_all: every label
 *   group_wait      how long a new group waits for more alerts before it
 *                   opens an incident; a group whose alerts all resolve in
 *                   that time opens none (0: open at once)
 *   group_interval  alerts of a group that come after a quiet gap longer
 *                   than this start a new incident even when the group's
 *                   last one is still open (0: join while it is open) */
struct alert_route {
        char name[ROUTE_NAME_MAX];
        struct matcher *m; /* owns: n_m matchers */
        size_t n_m;
        char service[64]; /* "": from the labels */
        char group_by[ROUTE_GROUP_BY_MAX][LABEL_NAME_MAX];
        size_t n_group_by;
        bool group_all;
        vg_usec_t group_wait, group_interval;
};

/* The routes in order and the default for alerts no route matches. */
struct alert_routing {
        struct alert_route *routes; /* owns */
        size_t n;
        struct alert_route def;
};

/* The default route: service from the labels, grouped by alertname and
 * service, no waiting. */
void alert_route_default(struct alert_route *r);
void alert_route_fini(struct alert_route *r);
void alert_routing_fini(struct alert_routing *rt);
/* The route for ls: the first that matches, else the default. */
const struct alert_route *alert_route_find(const struct alert_routing *rt, const struct labelset *ls);
/* The service an alert of route r belongs to: the route's, else the
 * "service" label, else "job"; NULL when none. */
const char *alert_route_service(const struct alert_route *r, const struct labelset *ls);
/* The group key of an alert: the route's name and the group_by values,
 * as {alertname="X",service="Y"}. Keys longer than GROUP_KEY_MAX - 1 end
 * in a hash of the rest, so they stay distinct. ls must be sorted. */
void alert_group_key(const struct alert_route *r, const struct labelset *ls, const char *service,
                     char out[GROUP_KEY_MAX]);
