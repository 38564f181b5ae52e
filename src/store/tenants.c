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

int store_tenant_put(struct store_tx *tx, const char *id, const char *name, const char *body,
                     vg_usec_t now, int *ret_changed)
{
        struct db_stmt *st;
        int r = db_prepare(tx,
                           "SELECT CASE WHEN name = ?2 AND body = ?3 THEN 1 ELSE 0 END FROM "
                           "tenants WHERE id = ?1",
                           &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, id);
        db_bind_text(st, 2, name);
        db_bind_text(st, 3, body);
        int rc = db_step(st);
        bool exists = rc > 0, same = exists && db_column_int64(st, 0) == 1;
        db_finish(st);
        if (rc < 0)
                return rc;
        if (same) {
                *ret_changed = 0;
                return 0;
        }
        if (exists)
                r = db_prepare(tx,
                               "UPDATE tenants SET name = ?2, body = ?3, version = version + 1, "
                               "updated_at = ?4 WHERE id = ?1",
                               &st);
        else
                r = db_prepare(tx,
                               "INSERT INTO tenants(id, name, body, created_at, updated_at) VALUES "
                               "(?1, ?2, ?3, ?4, ?4)",
                               &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, id);
        db_bind_text(st, 2, name);
        db_bind_text(st, 3, body);
        db_bind_int64(st, 4, now);
        r = db_exec(st);
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

/* Text in the id or the name (?3, a DB_LIKE pattern), the follow-up
 * flag (?4: -1 either); the page after rid ?1 and key ?2. Each order
 * walks its index ((id), (name, rid), (updated_at, rid): migration 031)
 * and tests the filters on the way, so a page that many tenants match
 * stops early; a rare text reads the table once (100,000 tenants: a few
 * milliseconds, tests/integration/test-lists.c prints it). */
#define TENANT_FILTERS                                                                             \
        "(?3 IS NULL OR " DB_LIKE("id", "?3") " OR " DB_LIKE("name", "?3") ") "                    \
        "AND (?4 < 0 OR needs_followup = ?4) "

int store_tenant_list(struct store_tx *tx, const struct tenant_filter *f, unsigned limit,
                      int (*cb)(const struct tenant_row *, void *), void *userdata)
{
        static const char *const by_id = "SELECT " TENANT_COLS " FROM tenants "
                                         "WHERE (?1 = 0 OR id > ?2) AND " TENANT_FILTERS "ORDER BY id LIMIT ?5";
        static const char *const by_name = "SELECT " TENANT_COLS " FROM tenants "
                                           "WHERE (?1 = 0 OR name > ?2 OR (name = ?2 AND rid > ?1)) "
                                           "AND " TENANT_FILTERS "ORDER BY name, rid LIMIT ?5";
        static const char *const by_updated = "SELECT " TENANT_COLS " FROM tenants "
                                              "WHERE (?1 = 0 OR updated_at < ?2 OR (updated_at = ?2 AND rid < ?1)) "
                                              "AND " TENANT_FILTERS "ORDER BY updated_at DESC, rid DESC LIMIT ?5";
        char pattern[2 * TENANT_TEXT_MAX + 3];
        if (f->text && db_like_pattern(f->text, pattern, sizeof pattern) < 0)
                return -E2BIG;
        struct db_stmt *st;
        struct tenant_row t;
        int r = db_prepare(tx, f->sort == TENANT_SORT_NAME ? by_name : f->sort == TENANT_SORT_UPDATED ? by_updated : by_id,
                           &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, f->after_rid);
        if (f->sort == TENANT_SORT_UPDATED)
                db_bind_int64(st, 2, f->after_updated);
        else
                db_bind_text(st, 2, f->after_text ? f->after_text : "");
        db_bind_text(st, 3, f->text && *f->text ? pattern : NULL);
        db_bind_int64(st, 4, f->followup == TENANT_FOLLOWUP_ANY ? -1 : f->followup == TENANT_FOLLOWUP_YES);
        db_bind_int64(st, 5, db_limit(limit));
        return DB_EACH(st, t, tenant_read, cb, userdata);
}

#undef TENANT_FILTERS

int store_tenant_delete(struct store_tx *tx, const char *id)
{
        struct db_stmt *st;
        int r = db_prepare(tx, "DELETE FROM tenants WHERE id = ?", &st);
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
