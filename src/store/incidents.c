/* Incidents: their rows and keys, the filtered listing, the customer
 * reports counted against a rate limit, the anchors a responder sets on
 * an incident's clock, and the incidents under a vigilance watch. */
#include "store/db.h"

#include "core/error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define INCIDENT_COLS                                                                              \
        "i.id, i.key, i.title, i.description, i.severity, i.source, i.reporter, i.phase, "         \
        "i.classification, i.impact_c, i.impact_i, i.impact_a, i.data_categories, i.version, "     \
        "i.detected_at, i.reported_at, i.acknowledged_at, i.declared_at, i.contained_at, "         \
        "i.eradicated_at, i.recovered_at, i.closed_at, i.created_at, i.updated_at, "               \
        "i.declared_by, i.declaration, i.root_cause, i.vigilance_until "
#define INCIDENT_SELECT "SELECT " INCIDENT_COLS

/* The row's incident into inc, which owns its long texts: -ENOMEM (inc
 * left empty) when one cannot be copied. */
static int incident_row(struct db_stmt *st, struct incident *inc)
{
        char buf[64];

        memset(inc, 0, sizeof *inc);
        inc->id = db_column_int64(st, 0);
        db_text_copy(st, 1, inc->key, sizeof inc->key);
        db_text_copy(st, 2, inc->title, sizeof inc->title);
        inc->description = db_text_dup(st, 3);
        if (!inc->description)
                return -ENOMEM;
        db_text_copy(st, 4, buf, sizeof buf);
        inc->severity = severity_from_string(buf);
        db_text_copy(st, 5, buf, sizeof buf);
        inc->source = source_from_string(buf);
        db_text_copy(st, 6, inc->reporter, sizeof inc->reporter);
        db_text_copy(st, 7, buf, sizeof buf);
        inc->phase = phase_from_string(buf);
        db_text_copy(st, 8, buf, sizeof buf);
        inc->classification = class_from_string(buf);
        inc->impact.confidentiality = db_column_int64(st, 9) != 0;
        inc->impact.integrity = db_column_int64(st, 10) != 0;
        inc->impact.availability = db_column_int64(st, 11) != 0;
        inc->data_categories = (data_mask_t)db_column_int64(st, 12);
        inc->version = db_column_int64(st, 13);
        inc->detected_at = db_column_int64(st, 14);
        inc->reported_at = db_column_int64(st, 15);
        /* acknowledged .. closed: optional (migration 024) */
        vg_usec_t *optional[] = {&inc->acknowledged_at, &inc->declared_at,  &inc->contained_at,
                                 &inc->eradicated_at,   &inc->recovered_at, &inc->closed_at};
        for (int i = 0; i < 6; i++)
                *optional[i] = db_column_time(st, 16 + i);
        inc->created_at = db_column_int64(st, 22);
        inc->updated_at = db_column_int64(st, 23);
        db_text_copy(st, 24, inc->declared_by, sizeof inc->declared_by);
        inc->declaration = db_text_dup(st, 25);
        inc->root_cause = db_text_dup(st, 26);
        inc->vigilance_until = db_column_time(st, 27);
        if (!inc->declaration || !inc->root_cause) {
                incident_fini(inc);
                return -ENOMEM;
        }
        return 0;
}

/* Bind the mutable fields: ?1..?21 in the order INCIDENT_COLS lists them
 * after id and key, then declared_by ?24, declaration ?25, root_cause ?26,
 * vigilance_until ?27. */
static void bind_incident(struct db_stmt *st, const struct incident *inc)
{
        db_bind_text(st, 1, inc->title);
        db_bind_text(st, 2, inc->description ? inc->description : "");
        db_bind_text(st, 3, severity_to_string(inc->severity));
        db_bind_text(st, 4, source_to_string(inc->source));
        db_bind_text(st, 5, inc->reporter);
        db_bind_text(st, 6, phase_to_string(inc->phase));
        db_bind_text(st, 7, class_to_string(inc->classification));
        db_bind_int64(st, 8, inc->impact.confidentiality);
        db_bind_int64(st, 9, inc->impact.integrity);
        db_bind_int64(st, 10, inc->impact.availability);
        db_bind_int64(st, 11, (int64_t)inc->data_categories);
        db_bind_int64(st, 12, inc->detected_at);
        db_bind_int64(st, 13, inc->reported_at);
        /* acknowledged .. closed: optional (migration 024) */
        const vg_usec_t optional[] = {inc->acknowledged_at, inc->declared_at,  inc->contained_at,
                                      inc->eradicated_at,   inc->recovered_at, inc->closed_at};
        for (int i = 0; i < 6; i++)
                db_bind_time(st, 14 + i, optional[i]);
        db_bind_int64(st, 20, inc->created_at);
        db_bind_int64(st, 21, inc->updated_at);
        db_bind_text(st, 24, inc->declared_by);
        db_bind_text(st, 25, inc->declaration ? inc->declaration : "");
        db_bind_text(st, 26, inc->root_cause ? inc->root_cause : "");
        db_bind_time(st, 27, inc->vigilance_until);
}

/* The one incident st selects into ret; -VG_ENOTFOUND when there is none.
 * Finishes st. */
static int incident_one(struct db_stmt *st, struct incident *ret)
{
        int r = db_step(st);
        if (r > 0)
                r = incident_row(st, ret);
        else if (r == 0)
                r = -VG_ENOTFOUND;
        db_finish(st);
        return r;
}

/* Incidents read from st, each handed to cb and freed; cb < 0 stops the
 * walk and is returned. Finishes st. */
static int each_incident(struct db_stmt *st, int (*cb)(const struct incident *, void *),
                         void *userdata)
{
        struct incident inc;
        int rc, r = 0;
        while ((rc = db_step(st)) > 0) {
                r = incident_row(st, &inc);
                if (r >= 0)
                        r = cb(&inc, userdata);
                incident_fini(&inc);
                if (r < 0)
                        break;
        }
        db_finish(st);
        return r < 0 ? r : rc < 0 ? rc : 0;
}

int store_customer_report_nth(struct store_tx *tx, const char *reporter, const char *tenant,
                              vg_usec_t since, unsigned n, vg_usec_t *ret_at)
{
        struct db_stmt *st;
        int r = db_prepare(tx,
                           reporter
                                   ? "SELECT created_at FROM incidents WHERE source = 'customer' "
                                     "AND reporter = ? "
                                     "AND created_at > ? ORDER BY created_at DESC LIMIT 1 OFFSET ?"
                                   : "SELECT created_at FROM incidents WHERE source = 'customer' "
                                     "AND reporter IN (SELECT name FROM users WHERE tenant = ?) "
                                     "AND created_at > ? ORDER BY created_at DESC LIMIT 1 OFFSET ?",
                           &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, reporter ? reporter : tenant);
        db_bind_int64(st, 2, since);
        db_bind_int64(st, 3, n > 0 ? (int64_t)n - 1 : 0);
        int64_t at;
        r = db_int64(st, &at);
        if (r == -VG_ENOTFOUND)
                return 0;
        if (r < 0)
                return r;
        *ret_at = at;
        return 1;
}

/* SQLite's text index (incident_text, migration 036): an incident's
 * title and description, added or removed. */
#define TEXT_ADD "INSERT INTO incident_text(rowid, title, description) VALUES (?1, ?2, ?3)"
#define TEXT_REMOVE                                                                                \
        "INSERT INTO incident_text(incident_text, rowid, title, description) "                     \
        "VALUES ('delete', ?1, ?2, ?3)"

/* The text SQLite's index holds for inc's row, when the write inc is
 * about to make changes its title or description (copies to free; both
 * NULL otherwise, and on PostgreSQL). The index drops it after the
 * write has gone through, so a refused write leaves it as it was. */
static int text_before(struct store_tx *tx, const struct incident *inc, char **ret_title,
                       char **ret_description)
{
        *ret_title = *ret_description = NULL;
        if (db_has(tx, DB_CAP_TRIGRAM_LIKE))
                return 0;
        struct db_stmt *st;
        int r = db_prepare(tx, "SELECT title, description FROM incidents WHERE id = ?", &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, inc->id);
        r = db_step(st);
        if (r > 0 && (strcmp(db_text_ref(st, 0), inc->title) != 0 ||
                      strcmp(db_text_ref(st, 1), inc->description ? inc->description : "") != 0)) {
                *ret_title = strdup(db_text_ref(st, 0));
                *ret_description = strdup(db_text_ref(st, 1));
                if (!*ret_title || !*ret_description)
                        r = -ENOMEM;
        }
        db_finish(st);
        if (r < 0) {
                free(*ret_title);
                free(*ret_description);
                *ret_title = *ret_description = NULL;
        }
        return r < 0 ? r : 0;
}

/* The incident's row, keyed by the year's next number. Every incident,
 * however it was opened (the API, an alert, a waiting group, a customer
 * report), starts its escalation: a job in the same transaction, so no
 * incident is ever committed without one. */
int store_incident_insert(struct store_tx *tx, struct incident *inc)
{
        struct db_stmt *st;
        int year = vg_time_year(inc->created_at);
        int64_t seq;

        int r = db_prepare(
                tx,
                "INSERT INTO incident_counters(year, last_seq) VALUES (?, 1) "
                "ON CONFLICT (year) DO UPDATE SET last_seq = incident_counters.last_seq + 1 "
                "RETURNING last_seq",
                &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, year);
        r = db_int64(st, &seq);
        if (r < 0)
                return r == -VG_ENOTFOUND ? -VG_ESTORE : r; /* RETURNING answered nothing */
        r = incident_key_format(year, seq, inc->key, sizeof inc->key);
        if (r < 0)
                return r;
        r = db_prepare_insert(
                tx,
                "INSERT INTO incidents(title, description, severity, source, reporter, phase, "
                "classification, impact_c, impact_i, impact_a, data_categories, detected_at, "
                "reported_at, acknowledged_at, declared_at, contained_at, eradicated_at, "
                "recovered_at, closed_at, created_at, updated_at, key, version, declared_by, "
                "declaration, root_cause, vigilance_until) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,"
                "?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,?25,?26,?27)",
                &st);
        if (r < 0)
                return r;
        bind_incident(st, inc);
        db_bind_text(st, 22, inc->key);
        db_bind_int64(st, 23, 1); /* the first version */
        r = db_insert_id(st, &inc->id);
        if (r >= 0)
                r = db_text_keep(tx, TEXT_ADD, inc->id, inc->title,
                                 inc->description ? inc->description : "");
        if (r < 0)
                return r;
        inc->version = 1;
        return store_escalation_trigger(tx, inc->key, "opened", inc->created_at);
}

int store_incident_get_by_id(struct store_tx *tx, int64_t id, struct incident *ret)
{
        struct db_stmt *st;
        int r = db_prepare(tx, INCIDENT_SELECT "FROM incidents i WHERE i.id = ?", &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, id);
        return incident_one(st, ret);
}

int store_incident_get(struct store_tx *tx, const char *key, struct incident *ret)
{
        struct db_stmt *st;
        int r = db_prepare(tx, INCIDENT_SELECT "FROM incidents i WHERE i.key = ?", &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, key);
        return incident_one(st, ret);
}

int store_incident_update(struct store_tx *tx, struct incident *inc, int64_t expect_version)
{
        struct db_stmt *st;
        char *was_title, *was_description;
        int r = text_before(tx, inc, &was_title, &was_description);
        if (r < 0)
                return r;
        r = db_prepare(tx,
                       "UPDATE incidents SET title=?1, description=?2, severity=?3, source=?4, "
                       "reporter=?5, phase=?6, classification=?7, impact_c=?8, impact_i=?9, "
                       "impact_a=?10, data_categories=?11, detected_at=?12, reported_at=?13, "
                       "acknowledged_at=?14, declared_at=?15, contained_at=?16, eradicated_at=?17, "
                       "recovered_at=?18, closed_at=?19, created_at=?20, updated_at=?21, "
                       "declared_by=?24, declaration=?25, root_cause=?26, vigilance_until=?27, "
                       "version = version + 1 WHERE id = ?22 AND version = ?23",
                       &st);
        if (r < 0) {
                free(was_title);
                free(was_description);
                return r;
        }
        bind_incident(st, inc);
        db_bind_int64(st, 22, inc->id);
        db_bind_int64(st, 23, expect_version);
        r = db_exec_one(st, -VG_EPRECONDITION);
        if (r >= 0 && was_title) {
                r = db_text_keep(tx, TEXT_REMOVE, inc->id, was_title, was_description);
                if (r >= 0)
                        r = db_text_keep(tx, TEXT_ADD, inc->id, inc->title,
                                         inc->description ? inc->description : "");
        }
        free(was_title);
        free(was_description);
        if (r < 0)
                return r;
        inc->version = expect_version + 1;
        return 0;
}

/* Unset filters bind NULL (or 0) and drop out. The statement leads with
 * the most selective indexed filter given, so the database walks that
 * index in id order instead of scanning every incident: SQLite picks the
 * (column, id) index from the leading equality itself, the same SEARCH
 * that INDEXED BY (SQLite's own) used to force. The text filter is a
 * DB_LIKE pattern: the text anywhere in the title or the description,
 * ASCII letters in either case. */
#define INCIDENT_FILTERS                                                                           \
        "(?2 IS NULL OR i.phase = ?2) "                                                            \
        "AND (?3 IS NULL OR i.classification = ?3) AND (?4 IS NULL OR i.severity = ?4) "           \
        "AND (?5 IS NULL OR EXISTS (SELECT 1 FROM incident_services s2 "                           \
        "     WHERE s2.incident_id = i.id AND s2.service = ?5)) "                                  \
        "AND (?6 IS NULL OR " DB_LIKE("i.title", "?6") " OR " DB_LIKE("i.description", "?6") ") " \
        "AND (?8 IS NULL OR EXISTS (SELECT 1 FROM incident_tenants t2 "                            \
        "     WHERE t2.incident_id = i.id AND t2.tenant = ?8)) "                                   \
        "AND (?9 = 0 OR i.declared_at >= ?9) AND (?10 = 0 OR i.declared_at < ?10) "                \
        "AND (?11 = 0 OR (?11 = 1 AND i.phase <> 'closed') OR (?11 = 2 AND i.phase = 'closed')) "
/* Newest first: the page after id ?1. */
#define INCIDENT_NEWEST "(?1 = 0 OR i.id < ?1) AND " INCIDENT_FILTERS

/* The parameters every listing statement shares: the page after id
 * before_id (and f's key), f's filters, the text's pattern (?6; NULL:
 * none) and ?7 rows. */
static void bind_filter(struct db_stmt *st, const struct incident_filter *f, int64_t before_id,
                        const char *pattern, int64_t rows)
{
        db_bind_int64(st, 1, before_id);
        if (f->phase != PHASE__INVALID)
                db_bind_text(st, 2, phase_to_string(f->phase));
        if (f->classification != CLASS__INVALID)
                db_bind_text(st, 3, class_to_string(f->classification));
        if (f->severity != SEV__INVALID)
                db_bind_text(st, 4, severity_to_string(f->severity));
        if (f->service)
                db_bind_text(st, 5, f->service);
        db_bind_text(st, 6, pattern);
        if (f->tenant)
                db_bind_text(st, 8, f->tenant);
        db_bind_int64(st, 9, f->declared_from);
        db_bind_int64(st, 10, f->declared_to);
        db_bind_int64(st, 11, f->state);
        if (f->sort == INCIDENT_SORT_UPDATED)
                db_bind_int64(st, 12, f->after_updated);
        else if (f->sort == INCIDENT_SORT_SEVERITY)
                db_bind_text(st, 12, severity_to_string(f->after_severity));
        db_bind_int64(st, 7, rows);
}

/* Each shape: the rows (a leading index, the page after id ?1 or after
 * key ?12 and id ?1, the filters) and their order. WALK reads the page;
 * COUNT, how many of the next ?7 rows in that walk have the text (?13,
 * the DB_LIKE pattern; ?6 bound NULL), up to ?14; FEW, the page among the incidents
 * the text index names (migration 036): pg_trgm's for the LIKE itself
 * (TRGM), else SQLite's incident_text for the phrase ?13 (FTS, read
 * first: CROSS JOIN fixes SQLite's join order). The few are then
 * filtered, the text by LIKE again, and sorted; FEW needs only the
 * order, since the filters test every row it reads. */
/* clang-format off */
#define SHAPE_ORDERS(how)                                                                          \
        how("FROM incident_services s JOIN incidents i ON i.id = s.incident_id "                   \
            "WHERE s.service = ?5 AND " INCIDENT_NEWEST, "s.incident_id DESC"),                    \
        how("FROM incident_tenants t JOIN incidents i ON i.id = t.incident_id "                    \
            "WHERE t.tenant = ?8 AND " INCIDENT_NEWEST, "t.incident_id DESC"),                     \
        how("FROM incidents i WHERE i.phase = ?2 AND " INCIDENT_NEWEST, "i.id DESC"),              \
        how("FROM incidents i WHERE i.classification = ?3 AND " INCIDENT_NEWEST, "i.id DESC"),     \
        how("FROM incidents i WHERE i.severity = ?4 AND " INCIDENT_NEWEST, "i.id DESC"),           \
        how("FROM incidents i WHERE " INCIDENT_NEWEST, "i.id DESC"),                               \
        how("FROM incidents i WHERE " PAGE_OLDEST, "i.id"),                                        \
        how("FROM incidents i WHERE " PAGE_UPDATED, "i.updated_at DESC, i.id DESC"),               \
        how("FROM incidents i WHERE " PAGE_SEVERITY, "i.severity, i.id DESC")
/* FEW's four orders: newest first, oldest, updated, severity. */
#define FEW_ORDERS(how)                                                                            \
        how(INCIDENT_NEWEST, "i.id DESC"), how(PAGE_OLDEST, "i.id"),                               \
        how(PAGE_UPDATED, "i.updated_at DESC, i.id DESC"),                                         \
        how(PAGE_SEVERITY, "i.severity, i.id DESC")
#define PAGE_OLDEST "(?1 = 0 OR i.id > ?1) AND " INCIDENT_FILTERS
#define PAGE_UPDATED                                                                               \
        "(?1 = 0 OR i.updated_at < ?12 OR (i.updated_at = ?12 AND i.id < ?1)) "                    \
        "AND " INCIDENT_FILTERS
#define PAGE_SEVERITY                                                                              \
        "(?1 = 0 OR i.severity > ?12 OR (i.severity = ?12 AND i.id < ?1)) AND " INCIDENT_FILTERS
#define WALK(rows, order) INCIDENT_SELECT rows " ORDER BY " order " LIMIT ?7"
/* Stops at the ?14th match: a text most incidents have reads a few rows. */
#define COUNT(rows, order)                                                                         \
        "SELECT count(*) FROM (SELECT 1 AS one FROM (SELECT i.title AS title, "                    \
        "i.description AS description " rows " ORDER BY " order " LIMIT ?7) AS w "                 \
        "WHERE " DB_LIKE("w.title", "?13") " OR " DB_LIKE("w.description", "?13")                  \
        " LIMIT ?14) AS c"
#define FEW_TRGM(where, order)                                                                     \
        "WITH m AS MATERIALIZED (SELECT id FROM incidents "                                        \
        "WHERE " DB_LIKE("title", "?13") " OR " DB_LIKE("description", "?13") ") "                 \
        INCIDENT_SELECT "FROM m JOIN incidents i ON i.id = m.id "                                  \
        "WHERE " where " ORDER BY " order " LIMIT ?7"
#define FEW_FTS(where, order)                                                                      \
        "WITH m AS MATERIALIZED "                                                                  \
        "(SELECT rowid AS id FROM incident_text WHERE incident_text MATCH ?13) "                   \
        INCIDENT_SELECT "FROM m CROSS JOIN incidents i ON i.id = m.id "                            \
        "WHERE " where " ORDER BY " order " LIMIT ?7"
/* clang-format on */

enum incident_shape {
        SHAPE_SERVICE,
        SHAPE_TENANT,
        SHAPE_PHASE,
        SHAPE_CLASS,
        SHAPE_SEVERITY,
        SHAPE_ANY, /* newest first */
        SHAPE_OLDEST,
        SHAPE_UPDATED,
        SHAPE_BY_SEVERITY,
};

int store_incident_list(struct store_tx *tx, const struct incident_filter *f, int64_t before_id,
                        unsigned limit, int (*cb)(const struct incident *, void *), void *userdata)
{
        static const char *const walk[] = {SHAPE_ORDERS(WALK)},
                                 *const count[] = {SHAPE_ORDERS(COUNT)},
                                 *const few_trgm[] = {FEW_ORDERS(FEW_TRGM)},
                                 *const few_fts[] = {FEW_ORDERS(FEW_FTS)};
        /* Phase first: open phases hold a small share of all incidents
         * (closed ones pile up), so its index is the narrowest walk. */
        enum incident_shape shape = f->sort == INCIDENT_SORT_OLDEST       ? SHAPE_OLDEST
                                    : f->sort == INCIDENT_SORT_UPDATED    ? SHAPE_UPDATED
                                    : f->sort == INCIDENT_SORT_SEVERITY   ? SHAPE_BY_SEVERITY
                                    : f->phase != PHASE__INVALID          ? SHAPE_PHASE
                                    : f->tenant                           ? SHAPE_TENANT
                                    : f->service                          ? SHAPE_SERVICE
                                    : f->classification != CLASS__INVALID ? SHAPE_CLASS
                                    : f->severity != SEV__INVALID         ? SHAPE_SEVERITY
                                                                          : SHAPE_ANY;
        int order = shape < SHAPE_OLDEST ? 0 : 1 + (int)(shape - SHAPE_OLDEST);
        char pattern[2 * INCIDENT_SEARCH_MAX + 3], phrase[2 * INCIDENT_SEARCH_MAX + 3];
        bool text = f->text && *f->text; /* "" occurs in every text: no filter, as NULL */
        if (text && (db_like_pattern(f->text, pattern, sizeof pattern) < 0 ||
                     db_text_phrase(f->text, phrase, sizeof phrase) < 0))
                return -E2BIG;
        const char *sql = walk[shape];
        struct db_stmt *st;
        int r;
        if (text && db_text_indexed(f->text)) {
                st = NULL;
                if (limit > 0) {
                        if ((r = db_prepare(tx, count[shape], &st)) < 0)
                                return r;
                        bind_filter(st, f, before_id, NULL, DB_TEXT_WALK);
                        db_bind_text(st, 13, pattern);
                        db_bind_int64(st, 14, limit);
                }
                if ((r = db_text_prefers_index(st, limit)) < 0)
                        return r;
                if (r)
                        sql = db_has(tx, DB_CAP_TRIGRAM_LIKE) ? few_trgm[order] : few_fts[order];
        }
        if ((r = db_prepare(tx, sql, &st)) < 0)
                return r;
        bind_filter(st, f, before_id, text ? pattern : NULL, db_limit(limit));
        if (sql != walk[shape])
                db_bind_text(st, 13, sql == few_fts[order] ? phrase : pattern);
        return each_incident(st, cb, userdata);
}

#undef FEW_FTS
#undef FEW_TRGM
#undef COUNT
#undef WALK
#undef PAGE_SEVERITY
#undef PAGE_UPDATED
#undef PAGE_OLDEST
#undef FEW_ORDERS
#undef SHAPE_ORDERS
#undef INCIDENT_NEWEST
#undef INCIDENT_FILTERS

int store_anchor_append(struct store_tx *tx, int64_t incident_id, const struct anchor_setting *a)
{
        struct db_stmt *st;
        int r = db_prepare(tx,
                           "INSERT INTO incident_anchors(incident_id, anchor, at, reason, set_by, "
                           "set_at) VALUES (?,?,?,?,?,?)",
                           &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, incident_id);
        db_bind_text(st, 2, anchor_to_string(a->anchor));
        db_bind_int64(st, 3, a->at);
        db_bind_text(st, 4, a->reason ? a->reason : "");
        db_bind_text(st, 5, a->set_by);
        db_bind_int64(st, 6, a->set_at);
        r = db_exec(st);
        return r < 0 ? r : 0;
}

static void anchor_row(struct db_stmt *st, void *out)
{
        struct anchor_setting *a = out;
        char name[40];
        memset(a, 0, sizeof *a);
        a->id = db_column_int64(st, 0);
        db_text_copy(st, 1, name, sizeof name);
        a->anchor = anchor_from_string(name);
        a->at = db_column_int64(st, 2);
        a->reason = db_text_ref(st, 3);
        db_text_copy(st, 4, a->set_by, sizeof a->set_by);
        a->set_at = db_column_int64(st, 5);
}

int store_anchor_list(struct store_tx *tx, int64_t incident_id,
                      int (*cb)(const struct anchor_setting *, void *), void *userdata)
{
        struct db_stmt *st;
        struct anchor_setting a;
        int r = db_prepare(tx,
                           "SELECT id, anchor, at, reason, set_by, set_at FROM incident_anchors "
                           "WHERE incident_id = ? ORDER BY id",
                           &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, incident_id);
        return DB_EACH(st, a, anchor_row, cb, userdata);
}

int store_vigilance_list(struct store_tx *tx, vg_usec_t now,
                         int (*cb)(const struct incident *, void *), void *userdata)
{
        struct db_stmt *st;
        int r = db_prepare(
                tx, INCIDENT_SELECT "FROM incidents i WHERE i.vigilance_until > ? ORDER BY i.id",
                &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, now);
        return each_incident(st, cb, userdata);
}
