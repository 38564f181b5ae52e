/* An incident's scope: its services, the tenants it touches (with their
 * status, evidence and what of theirs is affected) and its indicators. */
#include "store/db.h"

#include "core/error.h"

#include <string.h>

#define TENANT_SELECT                                                                              \
        "SELECT tenant, status, evidence, affected_users, data_categories FROM incident_tenants "

int store_incident_services_set(struct store_tx *tx, int64_t incident_id,
                                const char *const *services, size_t n)
{
        struct db_stmt *st;
        int r = DB_EXEC_INTS(tx, "DELETE FROM incident_services WHERE incident_id = ?",
                             incident_id);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                r = db_prepare(tx,
                               "INSERT INTO incident_services(incident_id, service) VALUES (?, ?) "
                               "ON CONFLICT DO NOTHING",
                               &st);
                if (r < 0)
                        break;
                db_bind_int64(st, 1, incident_id);
                db_bind_text(st, 2, services[i]);
                r = db_exec(st);
        }
        return r < 0 ? r : 0;
}

int store_incident_services_list(struct store_tx *tx, int64_t incident_id,
                                 int (*cb)(const char *, void *), void *userdata)
{
        struct db_stmt *st;
        int rc, r = db_prepare(tx,
                               "SELECT service FROM incident_services WHERE incident_id = ? "
                               "ORDER BY service",
                               &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, incident_id);
        while ((rc = db_step(st)) > 0) {
                r = cb(db_text_ref(st, 0), userdata);
                if (r < 0)
                        break;
        }
        if (r >= 0 && rc < 0)
                r = rc;
        db_finish(st);
        return r < 0 ? r : 0;
}

int store_incident_tenants_set(struct store_tx *tx, int64_t incident_id,
                               const struct scope_tenant *t, size_t n)
{
        int r = DB_EXEC_INTS(tx, "DELETE FROM incident_tenants WHERE incident_id = ?", incident_id);
        for (size_t i = 0; r >= 0 && i < n; i++)
                r = store_incident_tenant_put(tx, incident_id, &t[i]);
        return r < 0 ? r : 0;
}

static void tenant_row(struct db_stmt *st, void *out)
{
        struct scope_tenant *t = out;
        char status[32];
        memset(t, 0, sizeof *t);
        db_text_copy(st, 0, t->tenant, sizeof t->tenant);
        db_text_copy(st, 1, status, sizeof status);
        t->status = tenant_status_from_string(status);
        t->evidence = db_text_ref(st, 2); /* valid until the next step */
        t->affected_users = db_column_int64(st, 3);
        t->data_categories = (data_mask_t)db_column_int64(st, 4);
}

int store_incident_tenant_put(struct store_tx *tx, int64_t incident_id, const struct scope_tenant *t)
{
        struct db_stmt *st;
        int r = db_prepare(tx,
                           "INSERT INTO incident_tenants(incident_id, tenant, status, evidence, "
                           "affected_users, data_categories) VALUES (?,?,?,?,?,?) "
                           "ON CONFLICT (incident_id, tenant) DO UPDATE SET status = excluded.status, "
                           "evidence = excluded.evidence, affected_users = excluded.affected_users, "
                           "data_categories = excluded.data_categories",
                           &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, incident_id);
        db_bind_text(st, 2, t->tenant);
        db_bind_text(st, 3, tenant_status_to_string(t->status));
        db_bind_text(st, 4, t->evidence ? t->evidence : "");
        db_bind_int64(st, 5, t->affected_users);
        db_bind_int64(st, 6, t->data_categories);
        r = db_exec(st);
        return r < 0 ? r : 0;
}

int store_incident_tenant_delete(struct store_tx *tx, int64_t incident_id, const char *tenant)
{
        struct db_stmt *st;
        int r = db_prepare(tx, "DELETE FROM incident_tenants WHERE incident_id = ? AND tenant = ?", &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, incident_id);
        db_bind_text(st, 2, tenant);
        return db_exec_one(st, -VG_ENOTFOUND);
}

int store_incident_tenant_get(struct store_tx *tx, int64_t incident_id, const char *tenant,
                              int (*cb)(const struct scope_tenant *, void *), void *userdata)
{
        struct db_stmt *st;
        struct scope_tenant t;
        int found = 0;
        int r = db_prepare(tx,
                           TENANT_SELECT "WHERE incident_id = ? AND tenant = ?",
                           &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, incident_id);
        db_bind_text(st, 2, tenant);
        int rc = db_step(st);
        if (rc > 0) {
                tenant_row(st, &t);
                found = 1;
                r = cb(&t, userdata);
        }
        db_finish(st);
        return rc < 0 ? rc : r < 0 ? r : found ? 0 : -VG_ENOTFOUND;
}

int store_incident_tenants_list(struct store_tx *tx, int64_t incident_id,
                                int (*cb)(const struct scope_tenant *, void *), void *userdata)
{
        struct db_stmt *st;
        struct scope_tenant t;
        int r = db_prepare(tx,
                           TENANT_SELECT "WHERE incident_id = ? ORDER BY tenant",
                           &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, incident_id);
        return DB_EACH(st, t, tenant_row, cb, userdata);
}

int store_incident_tenant_records(struct store_tx *tx, int64_t incident_id,
                                  int (*cb)(const struct scope_tenant *t, const char *body,
                                            void *userdata),
                                  void *userdata)
{
        struct db_stmt *st;
        struct scope_tenant t;
        int r = db_prepare(tx,
                           "SELECT s.tenant, s.status, s.evidence, s.affected_users, "
                           "s.data_categories, t.body "
                           "FROM incident_tenants s LEFT JOIN tenants t ON t.id = s.tenant "
                           "WHERE s.incident_id = ? ORDER BY s.tenant",
                           &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, incident_id);
        while ((r = db_step(st)) > 0) {
                tenant_row(st, &t);
                if ((r = cb(&t, db_text_ref(st, 5), userdata)) < 0)
                        break;
        }
        db_finish(st);
        return r < 0 ? r : 0;
}

int store_incident_indicators_set(struct store_tx *tx, int64_t incident_id,
                                  const struct indicator *ind, size_t n)
{
        struct db_stmt *st;
        int r = DB_EXEC_INTS(tx, "DELETE FROM incident_indicators WHERE incident_id = ?",
                             incident_id);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                r = db_prepare(tx,
                               "INSERT INTO incident_indicators(incident_id, kind, value) "
                               "VALUES (?,?,?) ON CONFLICT DO NOTHING",
                               &st);
                if (r < 0)
                        break;
                db_bind_int64(st, 1, incident_id);
                db_bind_text(st, 2, indicator_kind_to_string(ind[i].kind));
                db_bind_text(st, 3, ind[i].value);
                r = db_exec(st);
        }
        return r < 0 ? r : 0;
}

int store_incident_indicators_list(struct store_tx *tx, int64_t incident_id,
                                   int (*cb)(const struct indicator *, void *), void *userdata)
{
        struct db_stmt *st;
        struct indicator ind;
        struct field_errors fe;
        char kind[16];
        int rc, r = db_prepare(tx,
                               "SELECT kind, value FROM incident_indicators WHERE incident_id = ? "
                               "ORDER BY kind, value",
                               &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, incident_id);
        while ((rc = db_step(st)) > 0) {
                db_text_copy(st, 0, kind, sizeof kind);
                fielderr_init(&fe);
                /* Stored values were normalised on the way in; parsing again
                 * rebuilds the address fields. */
                if (indicator_parse(indicator_kind_from_string(kind), db_column_text(st, 1), &ind,
                                    &fe, "indicator") < 0) {
                        r = -VG_ESTORE;
                        break;
                }
                r = cb(&ind, userdata);
                if (r < 0)
                        break;
        }
        if (r >= 0 && rc < 0)
                r = rc;
        db_finish(st);
        return r < 0 ? r : 0;
}

int store_incident_residents_set(struct store_tx *tx, int64_t incident_id, const struct resident_count *counts,
                                 size_t n)
{
        struct db_stmt *st;
        int r = DB_EXEC_INTS(tx, "DELETE FROM incident_residents WHERE incident_id = ?", incident_id);
        for (size_t i = 0; r >= 0 && i < n; i++) {
                r = db_prepare(tx, "INSERT INTO incident_residents(incident_id, jurisdiction, residents) VALUES (?,?,?)",
                               &st);
                if (r < 0)
                        break;
                db_bind_int64(st, 1, incident_id);
                db_bind_text(st, 2, counts[i].jur);
                db_bind_int64(st, 3, counts[i].n);
                r = db_exec(st);
        }
        return r < 0 ? r : 0;
}

static void resident_row(struct db_stmt *st, void *out)
{
        struct resident_count *c = out;
        memset(c, 0, sizeof *c);
        db_text_copy(st, 0, c->jur, sizeof c->jur);
        c->n = db_column_int64(st, 1);
}

int store_incident_residents_list(struct store_tx *tx, int64_t incident_id,
                                  int (*cb)(const struct resident_count *c, void *userdata), void *userdata)
{
        struct db_stmt *st;
        struct resident_count c;
        int r = db_prepare(tx,
                           "SELECT jurisdiction, residents FROM incident_residents WHERE incident_id = ? "
                           "ORDER BY jurisdiction",
                           &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, incident_id);
        return DB_EACH(st, c, resident_row, cb, userdata);
}
