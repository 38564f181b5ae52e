/* Tenants: the customers of the provider, each a validated JSON document
 * under its id. */
#include "store/db.h"

#include "core/error.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define TENANT_COLS "rid, id, name, body, needs_followup, version, created_at, updated_at"

static void tenant_read(struct db_stmt *st, void *out)
{
        struct tenant_row *t = out;
        memset(t, 0, sizeof *t);
        t->rid = db_column_int64(st, 0);
        t->id = db_text_ref(st, 1);
        t->name = db_text_ref(st, 2);
        t->body = db_text_ref(st, 3);
        t->needs_followup = (int)db_column_int64(st, 4) != 0;
        t->version = db_column_int64(st, 5);
        t->created_at = db_column_int64(st, 6);
        t->updated_at = db_column_int64(st, 7);
}

/* SQLite's text index (tenant_text, migration 035): a tenant's id and
 * name, added or removed. */
#define TEXT_ADD "INSERT INTO tenant_text(rowid, id, name) VALUES (?1, ?2, ?3)"
#define TEXT_REMOVE                                                                                \
        "INSERT INTO tenant_text(tenant_text, rowid, id, name) VALUES ('delete', ?1, ?2, ?3)"

/* Remove tenant id's text from SQLite's text index, before the row is
 * deleted. */
static int text_unindex(struct store_tx *tx, const char *id)
{
        if (db_has(tx, DB_CAP_TRIGRAM_LIKE))
                return 0;
        struct db_stmt *st;
        int r = db_prepare(tx, "SELECT rid, name FROM tenants WHERE id = ?", &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, id);
        r = db_step(st);
        int64_t rid = r > 0 ? db_column_int64(st, 0) : 0;
        char *was = r > 0 ? strdup(db_text_ref(st, 1)) : NULL;
        db_finish(st);
        if (r > 0)
                r = was ? db_text_keep(tx, TEXT_REMOVE, rid, id, was) : -ENOMEM;
        free(was);
        return r;
}

int store_tenant_put(struct store_tx *tx, const char *id, const char *name, const char *body,
                     vg_usec_t now, int *ret_changed)
{
        struct db_stmt *st;
        int r = db_prepare(
                tx,
                "SELECT CASE WHEN name = ?2 AND body = ?3 THEN 1 ELSE 0 END, rid, name FROM "
                "tenants WHERE id = ?1",
                &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, id);
        db_bind_text(st, 2, name);
        db_bind_text(st, 3, body);
        int rc = db_step(st);
        bool exists = rc > 0, same = exists && db_column_int64(st, 0) == 1;
        int64_t rid = exists ? db_column_int64(st, 1) : 0;
        /* The text index changes with a new tenant or a new name; a
         * renamed one's old text is dropped first (SQLite's tenant_text). */
        bool retext = !exists || strcmp(db_text_ref(st, 2), name) != 0;
        char *was = exists && retext && !same ? strdup(db_text_ref(st, 2)) : NULL;
        db_finish(st);
        if (rc < 0)
                return rc;
        if (same) {
                *ret_changed = 0;
                return 0;
        }
        if (exists && retext)
                r = was ? db_text_keep(tx, TEXT_REMOVE, rid, id, was) : -ENOMEM;
        free(was);
        if (r < 0)
                return r;
        if (exists)
                r = db_prepare(tx,
                               "UPDATE tenants SET name = ?2, body = ?3, version = version + 1, "
                               "updated_at = ?4 WHERE id = ?1",
                               &st);
        else
                r = db_prepare_insert(
                        tx,
                        "INSERT INTO tenants(id, name, body, created_at, updated_at) VALUES "
                        "(?1, ?2, ?3, ?4, ?4)",
                        &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, id);
        db_bind_text(st, 2, name);
        db_bind_text(st, 3, body);
        db_bind_int64(st, 4, now);
        r = exists ? db_exec(st) : db_insert_id(st, &rid);
        if (r >= 0 && retext)
                r = db_text_keep(tx, TEXT_ADD, rid, id, name);
        if (r < 0)
                return r;
        *ret_changed = exists ? 2 : 1;
        return 0;
}

int store_tenant_get(struct store_tx *tx, const char *id,
                     int (*cb)(const struct tenant_row *, void *), void *userdata)
{
        struct db_stmt *st;
        struct tenant_row t;
        int r = db_prepare(tx, "SELECT " TENANT_COLS " FROM tenants WHERE id = ?", &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, id);
        return DB_ONE(st, t, tenant_read, cb, userdata);
}

/* The page after rid ?1 and key ?2 in each order, walking its index
 * ((id), (name, rid), (updated_at, rid): migration 032) and testing the
 * filters on the way: text in the id or the name (?3, a DB_LIKE
 * pattern), the follow-up flag (?4: -1 either); ?5 rows. COUNT: how many
 * of the next ?5 rows in that order pass, up to ?7 (a text most tenants
 * have reads a few rows). FEW: the tenants the text index names
 * (migration 035) for the text, filtered and sorted: with
 * trigram LIKE indexes (pg_trgm) the LIKE itself, else SQLite's
 * tenant_text for the phrase ?6; materialized, so that the index is
 * read first and the order's index never walked. 100,000 tenants:
 * tests/integration/test-lists.c prints the times. */
#define FOLLOWUP      "(?4 < 0 OR needs_followup = ?4)"
#define TEXT          "(" DB_LIKE("id", "?3") " OR " DB_LIKE("name", "?3") ")"
#define ANY_TEXT      "(?3 IS NULL OR " DB_LIKE("id", "?3") " OR " DB_LIKE("name", "?3") ")"
#define PAGE_ID       "(?1 = 0 OR id > ?2)"
#define PAGE_NAME     "(?1 = 0 OR name > ?2 OR (name = ?2 AND rid > ?1))"
#define PAGE_UPDATED  "(?1 = 0 OR updated_at < ?2 OR (updated_at = ?2 AND rid < ?1))"
#define ORDER_ID      "id"
#define ORDER_NAME    "name, rid"
#define ORDER_UPDATED "updated_at DESC, rid DESC"
#define WALK(page, order)                                                                          \
        "SELECT " TENANT_COLS " FROM tenants WHERE " page " AND " ANY_TEXT " AND " FOLLOWUP        \
        " ORDER BY " order " LIMIT ?5"
#define COUNT(page, order)                                                                         \
        "SELECT count(*) FROM (SELECT 1 AS one FROM (SELECT id, name, needs_followup FROM "        \
        "tenants WHERE " page " ORDER BY " order " LIMIT ?5) AS w WHERE " TEXT " AND " FOLLOWUP    \
        " LIMIT ?7) AS c"
#define FEW(named, page, order)                                                                    \
        "WITH m AS MATERIALIZED (" named ") SELECT " TENANT_COLS                                   \
        " FROM tenants WHERE rid IN (SELECT rid FROM m) "                                          \
        "AND " page " AND " TEXT " AND " FOLLOWUP " ORDER BY " order " LIMIT ?5"
#define NAMED_TRGM "SELECT rid FROM tenants WHERE " TEXT
#define NAMED_FTS  "SELECT rowid AS rid FROM tenant_text WHERE tenant_text MATCH ?6"
#define ALL(how)                                                                                   \
        how(PAGE_ID, ORDER_ID), how(PAGE_NAME, ORDER_NAME), how(PAGE_UPDATED, ORDER_UPDATED)
#define FEW_TRGM(page, order) FEW(NAMED_TRGM, page, order)
#define FEW_FTS(page, order)  FEW(NAMED_FTS, page, order)

enum { HOW_WALK, HOW_COUNT, HOW_FEW_TRGM, HOW_FEW_FTS };

/* The parameters every statement above shares: the page after f's, the
 * text's pattern (NULL: none), the follow-up flag, n rows. */
static void bind_page(struct db_stmt *st, const struct tenant_filter *f, int sort,
                      const char *pattern, int64_t n)
{
        db_bind_int64(st, 1, f->after_rid);
        if (sort == 2)
                db_bind_int64(st, 2, f->after_updated);
        else
                db_bind_text(st, 2, f->after_text ? f->after_text : "");
        db_bind_text(st, 3, pattern);
        db_bind_int64(st, 4,
                      f->followup == TENANT_FOLLOWUP_ANY ? -1 : f->followup == TENANT_FOLLOWUP_YES);
        db_bind_int64(st, 5, n);
}

int store_tenant_list(struct store_tx *tx, const struct tenant_filter *f, unsigned limit,
                      int (*cb)(const struct tenant_row *, void *), void *userdata)
{
        static const char *const sql[4][3] = {
                {ALL(WALK)}, {ALL(COUNT)}, {ALL(FEW_TRGM)}, {ALL(FEW_FTS)}};
        char pattern[2 * TENANT_TEXT_MAX + 3], phrase[2 * TENANT_TEXT_MAX + 3];
        bool text = f->text && *f->text;
        if (text && (db_like_pattern(f->text, pattern, sizeof pattern) < 0 ||
                     db_text_phrase(f->text, phrase, sizeof phrase) < 0))
                return -E2BIG;
        int sort = f->sort == TENANT_SORT_NAME ? 1 : f->sort == TENANT_SORT_UPDATED ? 2 : 0;
        int how = HOW_WALK, r;
        struct db_stmt *st;
        if (text && db_text_indexed(f->text)) {
                st = NULL;
                if (limit > 0) {
                        if ((r = db_prepare(tx, sql[HOW_COUNT][sort], &st)) < 0)
                                return r;
                        bind_page(st, f, sort, pattern, DB_TEXT_WALK);
                        db_bind_int64(st, 7, limit);
                }
                if ((r = db_text_prefers_index(st, limit)) < 0)
                        return r;
                if (r)
                        how = db_has(tx, DB_CAP_TRIGRAM_LIKE) ? HOW_FEW_TRGM : HOW_FEW_FTS;
        }
        struct tenant_row t;
        if ((r = db_prepare(tx, sql[how][sort], &st)) < 0)
                return r;
        bind_page(st, f, sort, text ? pattern : NULL, db_limit(limit));
        if (how == HOW_FEW_FTS)
                db_bind_text(st, 6, phrase);
        return DB_EACH(st, t, tenant_read, cb, userdata);
}

#undef FEW_FTS
#undef FEW_TRGM
#undef ALL
#undef NAMED_FTS
#undef NAMED_TRGM
#undef FEW
#undef COUNT
#undef WALK
#undef ORDER_UPDATED
#undef ORDER_NAME
#undef ORDER_ID
#undef PAGE_UPDATED
#undef PAGE_NAME
#undef PAGE_ID
#undef ANY_TEXT
#undef TEXT
#undef FOLLOWUP

int store_tenant_delete(struct store_tx *tx, const char *id)
{
        struct db_stmt *st;
        int r = text_unindex(tx, id);
        if (r >= 0)
                r = db_prepare(tx, "DELETE FROM tenants WHERE id = ?", &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, id);
        return db_exec_one(st, -VG_ENOTFOUND);
}

int store_tenant_flag(struct store_tx *tx, const char *tenant)
{
        struct db_stmt *st;
        int r = db_prepare(tx, "UPDATE tenants SET needs_followup = 1 WHERE id = ?", &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, tenant);
        r = db_exec(st);
        return r < 0 ? r : 0;
}

/* Each of the tenant's contacts with this e-mail address unverified and
 * marked bounced, in the JSON body (written back with sorted keys, as a
 * put writes it); the tenant flagged. A tenant that is gone: nothing. */
static int bounce_contacts(json_t *body, const char *address)
{
        json_t *contacts = json_object_get(body, "contacts"), *c;
        size_t i;
        if (!json_is_array(contacts))
                return json_object_set_new(body, "contacts", json_array()) < 0 ? -ENOMEM : 0;
        json_array_foreach(contacts, i, c)
        {
                const char *email = json_string_value(json_object_get(c, "email"));
                if (email && strcmp(email, address) == 0 &&
                    (json_object_set_new(c, "verified", json_false()) < 0 ||
                     json_object_set_new(c, "bounced", json_true()) < 0))
                        return -ENOMEM;
        }
        return 0;
}

int store_tenant_bounce(struct store_tx *tx, const char *tenant, const char *address)
{
        struct db_stmt *st;
        json_t *body = NULL;
        int r = db_prepare(tx, "SELECT body FROM tenants WHERE id = ?", &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, tenant);
        r = db_step(st);
        if (r > 0)
                body = json_loads(db_text_or_empty(st, 0), 0, NULL);
        db_finish(st);
        if (r <= 0)
                return r;
        if (!json_is_object(body)) {
                json_decref(body);
                return -VG_ESTORE; /* a body that put could not have written */
        }
        char *text = NULL;
        r = bounce_contacts(body, address);
        if (r >= 0 && !(text = json_dumps(body, JSON_SORT_KEYS | JSON_COMPACT)))
                r = -ENOMEM;
        json_decref(body);
        if (r >= 0)
                r = db_prepare(tx, "UPDATE tenants SET needs_followup = 1, body = ?2 WHERE id = ?1",
                               &st);
        if (r >= 0) {
                db_bind_text(st, 1, tenant);
                db_bind_text(st, 2, text);
                r = db_exec(st);
        }
        free(text);
        return r < 0 ? r : 0;
}
