/* A request as handlers see it, the response they fill, and the route table
 * entry that binds them. Handlers return 0 after filling the response, or a
 * negative error code that the server renders as problem+json (with
 * req->errors and req->detail when set). */
#pragma once

#include "base/config.h"
#include "cases/cases.h"
#include "core/fielderr.h"
#include "core/role.h"
#include "store/store.h"

#include <jansson.h>
#include <microhttpd.h>

#define ROUTE_PARAMS_MAX 4
#define ROUTE_PARAM_LEN 128
#define RESPONSE_HEADERS_MAX 8

enum auth_kind { AUTH_NONE, AUTH_SESSION, AUTH_TOKEN, AUTH_INTAKE };

struct principal {
        enum auth_kind kind;
        struct user user;  /* valid unless kind is AUTH_NONE */
        int64_t session_id;
        int64_t token_id;
        char csrf[2 * STORE_HASH_BYTES + 1]; /* expected X-CSRF-Token (sessions) */
};

struct route;
struct metrics;
struct intake_committer;
struct syslog_server;
struct rule_set;
struct notice_templates;
struct event_hub;
struct response;

struct request {
        const struct config *cfg;     /* borrows: snapshot taken at start */
        struct store *store;          /* borrows */
        struct metrics *metrics;      /* borrows: the server's request metrics */
        struct intake_committer *committer; /* borrows: group commit for alerts */
        const struct syslog_server *syslog; /* borrows: NULL when no listener */
        const struct rule_set *rules;       /* borrows: the notification rules; NULL: none loaded */
        const struct notice_templates *templates; /* borrows: NULL: none loaded */
        struct event_hub *events;     /* borrows: the change stream's hub; NULL: none */
        struct MHD_Connection *conn;  /* borrows */
        const struct route *route;    /* borrows: matched route */
        const char *method;           /* borrows */
        const char *path;             /* borrows */
        char params[ROUTE_PARAMS_MAX][ROUTE_PARAM_LEN]; /* {name} segments in order */
        unsigned n_params;
        bool param_too_long;          /* a {name} segment did not fit: answered 404 after authorization */
        const char *body;             /* borrows: NUL-terminated, body_len bytes */
        size_t body_len;
        json_t *json;                 /* owns: parsed body, once */
        struct principal who;
        char request_id[33];
        char client_addr[64];
        vg_usec_t now;
        vg_usec_t started_at;         /* when the server started (for status) */
        struct field_errors errors;   /* filled by validation */
        char detail[256];             /* problem detail; "" for the default */
        const char *allow;            /* borrows: Allow header for 405 */
        int retry_after;              /* seconds, for 429; 0 for none */
        /* Parking (see request_park): */
        int (*resume)(struct request *req, struct response *resp);
        void *parked;                 /* owns, through park_free */
        void (*park_free)(void *parked);
};

/* A handler that waits for work done on another thread (the intake
 * writer) need not hold its server thread: it calls request_park, hands
 * the work over with a callback that calls request_unpark (from any
 * thread), sets resume and returns REQUEST_PARKED. The server then calls
 * resume on one of its threads to finish the answer. Park before handing
 * over, so the unpark cannot come first. */
#define REQUEST_PARKED 1
void request_park(struct request *req);
void request_unpark(struct request *req);

struct response_header {
        const char *name; /* borrows: static */
        char *value;      /* owns */
};

struct response {
        unsigned status;
        json_t *json;             /* owns: body when set */
        char *text;               /* owns: body when json is NULL */
        size_t text_len;
        const char *content_type; /* borrows: static; for text */
        struct response_header headers[RESPONSE_HEADERS_MAX];
        unsigned n_headers;
        /* A body written while it is sent (the change stream): the server
         * hands reader to MHD, which owns reader_cls from then on and calls
         * reader_free when the connection ends; until then it is the
         * response's, freed by response_fini. */
        MHD_ContentReaderCallback reader;
        void *reader_cls;
        MHD_ContentReaderFreeCallback reader_free;
};

typedef int (*route_handler)(struct request *req, struct response *resp);

enum route_flags {
        ROUTE_PUBLIC = 1u << 0, /* no credentials needed */
        ROUTE_INTAKE = 1u << 1, /* also admits monitoring: intake.token or an intake.allow address */
        ROUTE_JSON_ERRORS = 1u << 2, /* errors as application/json: clients of foreign APIs
                                      * (amtool, Prometheus, PagerDuty senders) do not read
                                      * application/problem+json */
        ROUTE_BULK = 1u << 3,   /* a bulk upload: the body may be limits.max_import */
};

struct intake_source;

struct route {
        const char *method;
        const char *pattern; /* "/api/v1/tokens/{id}" */
        role_mask_t roles;   /* roles admitted; ignored when ROUTE_PUBLIC */
        unsigned flags;
        route_handler handler;
        const struct intake_source *source; /* borrows: the door's row, for intake_post */
};

/* The one route table (routes.c). */
extern const struct route http_routes[];
extern const unsigned http_routes_count;

/* Find the route for method and path. Returns 0 and fills req->route and
 * params; -VG_ENOTFOUND when no pattern matches; -VG_EMETHOD when the path
 * matches under other methods (req->allow then lists them). */
int router_match(struct request *req, const char *method, const char *path);
/* Does path match pattern? Fills params when it does. A segment too long
 * for a parameter fails the match when ret_too_long is NULL; otherwise it
 * matches, leaves that parameter empty and sets *ret_too_long. */
bool router_path_match(const char *pattern, const char *path, char params[ROUTE_PARAMS_MAX][ROUTE_PARAM_LEN],
                       unsigned *n_params, bool *ret_too_long);

/* Response helpers. json is stolen. */
int response_json(struct response *resp, unsigned status, json_t *json);
int response_text(struct response *resp, unsigned status, const char *content_type, char *text,
                  size_t len);
int response_header_add(struct response *resp, const char *name, const char *value);
/* Answer with the file name of the web root (webfile.c): 200 with its type
 * (an HTML page with its Content-Security-Policy), or -VG_ENOTFOUND for a
 * name that is not plain, not of a known type, or not there. */
int response_web_file(struct request *req, struct response *resp, const char *name);
/* Does the client want a page rather than JSON (a browser's Accept)? */
bool request_wants_html(const struct request *req);
void response_fini(struct response *resp);

/* Request helpers. */
const char *request_header(const struct request *req, const char *name);
const char *request_query(const struct request *req, const char *name);

/* The body as a JSON object, within the configured limits. Errors:
 * -VG_EUNSUPPORTED (not application/json), -VG_EVALIDATION (malformed, too
 * deep, string too long; req->detail says which, naming the limit). The
 * object is borrowed from req. */
int request_json_object(struct request *req, json_t **ret);

/* The body as any JSON value (an array for Alertmanager's API), within the
 * same limits. */
int request_json_value(struct request *req, json_t **ret);

/* The checks before any parse: Content-Type application/json and a body
 * at all; for handlers that parse the text themselves. */
int request_json_body(struct request *req);

/* The depth and string limits of request_json_value, for a value the
 * handler parsed itself (an element of a streamed array). 0 or
 * -VG_EVALIDATION with req->detail naming the limit. */
int request_json_limits(struct request *req, json_t *v);

/* Building a page of a list: page_begin parses ?limit (the configured
 * default when absent) and ?cursor (opaque to clients) and
 * makes the item array; page_add appends one item (stolen) and remembers
 * its id for the next cursor; page_end answers 200 with
 * {"items": [...], "next_cursor": C or null}, or frees the page and
 * returns r when r < 0.
 *
 * A list with several orders takes page_begin_sorted with its orders
 * (?sort=NAME, the first the default; a NULL name ends them). A keyed
 * order pages on (sort key, id): the handler adds each item with
 * page_add_keyed and the row's sort key as text, and hands the store
 * page_after_key (NULL at the start) with pg.after. A cursor is made for
 * one order; given with another it is refused (400, field cursor). */
#define PAGE_KEY_MAX 512
#define PAGE_CURSOR_MAX 800
struct page_sort {
        const char *name; /* "-created", "name", ... */
        bool keyed;       /* pages on a sort key as well as the id */
};
struct page {
        json_t *items; /* owns until page_end */
        int64_t after; /* the id the previous page ended at; 0: the first page */
        int64_t last;
        unsigned limit;
        int sort;      /* index into the orders given to page_begin_sorted */
        bool keyed;    /* the order is keyed */
        int cursor_sort;
        bool has_key;
        char after_key[PAGE_KEY_MAX]; /* the sort key the previous page ended at */
        char last_key[PAGE_KEY_MAX];
        vg_usec_t now; /* the request's, for a handler's row callback */
};
int page_begin(struct request *req, struct page *pg);
int page_begin_sorted(struct request *req, struct page *pg, const struct page_sort sorts[]);
int page_add(struct page *pg, int64_t id, json_t *item);
int page_add_keyed(struct page *pg, int64_t id, const char *key, json_t *item);
/* The sort key the page starts after, or NULL on the first page. */
const char *page_after_key(const struct page *pg);
int page_end(struct response *resp, struct page *pg, int r);
/* page_end with more of the answer beside the page: extra (stolen; may
 * be NULL) gets "items" and "next_cursor" set in it. */
int page_end_with(struct response *resp, struct page *pg, int r, json_t *extra);

/* The id of the incident a list is filtered by, ?incident=KEY read in
 * tx: 0 when key is NULL; -VG_ENOTFOUND with the detail set when there
 * is no such incident. */
int request_incident_filter(struct request *req, struct store_tx *tx, const char *key, int64_t *ret_id);
/* ?name=true|false: 1 or 0; -1 when absent, or with a field error when
 * it is neither. */
int request_query_bool(struct request *req, const char *name);
/* ?name as one line of 1 to max bytes of text (text_valid), or NULL:
 * absent or empty (?q= from a search box left empty), or with a field
 * error naming it. */
const char *request_query_text(struct request *req, const char *name, size_t max);

/* Append this request's audit record to tx: actor from the request, object
 * "KIND:ID". change is borrowed. */
int request_audit(struct request *req, struct store_tx *tx, const char *action, const char *kind,
                  int64_t id, json_t *change);

/* An audit record as JSON (audit.c), for the audit and timeline answers. */
json_t *audit_record_json(const struct audit_record *a);

/* The same, for objects named by a string ("silence:ID"). */
int request_audit_object(struct request *req, struct store_tx *tx, const char *action,
                         const char *object, json_t *change);
/* The same, for a change to incident key (what its timeline shows). */
int request_audit_incident(struct request *req, struct store_tx *tx, const char *action, const char *key,
                           json_t *change);

/* Field helpers: validation errors go to req->errors under the field name. */
/* Refuse keys not in allowed (NULL-terminated). */
void json_only_fields(struct request *req, json_t *obj, const char *const allowed[]);
/* A string field: NULL when absent (and an error when required) or wrong type. */
const char *json_field_string(struct request *req, json_t *obj, const char *key, bool required,
                              size_t max);
/* A boolean field; returns -1 absent, 0/1 present, and records a type error. */
int json_field_bool(struct request *req, json_t *obj, const char *key);
/* A whole number field; returns false when absent or wrong (error recorded when wrong). */
bool json_field_int(struct request *req, json_t *obj, const char *key, int64_t min, int64_t max,
                    int64_t *ret);

/* Set req->detail, printf-style. */
void request_detail(struct request *req, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Path parameter i as a positive row id into *ret; otherwise the detail
 * "no <what> <text>" and -VG_ENOTFOUND. */
int request_id_param(struct request *req, unsigned i, const char *what, long long *ret);

/* Render an error code as problem+json into resp. */
void problem_render(struct request *req, struct response *resp, int err);
/* The HTTP status for an error code. */
unsigned problem_status(int err);

/* Time as RFC 3339 JSON string, or null for 0. */
json_t *json_time(vg_usec_t t);
/* s, the value of key, as a time from VG_TIME_MIN to latest (VG_TIME_MAX:
 * any future; req->now: not in the future). False with a field error for
 * key that names both bounds; *ret is set only on success. */
bool request_time(struct request *req, const char *key, const char *s, vg_usec_t latest,
                  vg_usec_t *ret);
/* The actor a handler records in the audit chain. */
struct actor request_actor(const struct request *req);

/* What a use case said when it refused, into the request's field errors
 * and detail, for the problem the handler answers with. */
void request_outcome(struct request *req, const struct case_outcome *o);
/* The incident named in the path (params[0]), read in tx
 * (case_incident_get); -VG_ENOTFOUND with the detail set when there is
 * none. */
int request_incident_load(struct request *req, struct store_tx *tx, struct incident *inc);
