/* Notices to tenants: each version an incident's notice has, its
 * deliveries (one outbox message per recipient, under an idempotency key),
 * the check that every released notice reached whom its release counted,
 * and what a tenant sees of them in the portal. */
#include "store/db.h"

#include "core/error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NOTICE_COLS                                                                                \
        "id, incident_id, version, kind, nature, user_impact, mitigation, next_steps, "            \
        "next_update_at, "                                                                         \
        "tenants, composed_by, composed_at, released_by, released_at, severities"

static void notice_read(struct db_stmt *st, void *out)
{
        struct notice *n = out;
        memset(n, 0, sizeof *n);
        n->id = db_column_int64(st, 0);
        n->incident_id = db_column_int64(st, 1);
        n->version = db_column_int64(st, 2);
        db_text_copy(st, 3, n->kind, sizeof n->kind);
        n->nature = db_text_ref(st, 4);
        n->user_impact = db_text_ref(st, 5);
        n->mitigation = db_text_ref(st, 6);
        n->next_steps = db_text_ref(st, 7);
        n->next_update_at = db_column_time(st, 8);
        n->tenants = db_text_ref(st, 9);
        db_text_copy(st, 10, n->composed_by, sizeof n->composed_by);
        n->composed_at = db_column_int64(st, 11);
        db_text_copy(st, 12, n->released_by, sizeof n->released_by);
        n->released_at = db_column_time(st, 13);
        n->severities = db_column_text(st, 14);
}

int store_notice_insert(struct store_tx *tx, struct notice *n)
{
        struct db_stmt *st;
        char scope[40];
        int64_t version;
        snprintf(scope, sizeof scope, "notices:%lld", (long long)n->incident_id);
        int r = db_counter_next(tx, scope, &version);
        if (r < 0)
                return r;
        r = db_prepare_insert(tx,
                              "INSERT INTO notices(incident_id, version, kind, nature, "
                              "user_impact, mitigation, next_steps, "
                              "next_update_at, tenants, composed_by, composed_at) "
                              "VALUES (?1, ?11, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                              &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, n->incident_id);
        db_bind_int64(st, 11, version);
        db_bind_text(st, 2, n->kind);
        db_bind_text(st, 3, n->nature);
        db_bind_text(st, 4, n->user_impact);
        db_bind_text(st, 5, n->mitigation);
        db_bind_text(st, 6, n->next_steps ? n->next_steps : "");
        db_bind_time(st, 7, n->next_update_at);
        db_bind_text(st, 8, n->tenants);
        db_bind_text(st, 9, n->composed_by);
        db_bind_int64(st, 10, n->composed_at);
        r = db_insert_id(st, &n->id);
        if (r >= 0)
                n->version = version;
        return r < 0 ? r : 0;
}

int store_notice_get(struct store_tx *tx, int64_t id, int (*cb)(const struct notice *, void *),
                     void *userdata)
{
        struct db_stmt *st;
        struct notice n;
        int r = db_prepare(tx, "SELECT " NOTICE_COLS " FROM notices WHERE id = ?", &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, id);
        return DB_ONE(st, n, notice_read, cb, userdata);
}

int store_notice_list(struct store_tx *tx, int64_t incident_id,
                      int (*cb)(const struct notice *, void *), void *userdata)
{
        struct db_stmt *st;
        struct notice n;
        int r = db_prepare(
                tx, "SELECT " NOTICE_COLS " FROM notices WHERE incident_id = ? ORDER BY version",
                &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, incident_id);
        return DB_EACH(st, n, notice_read, cb, userdata);
}

int store_notice_release(struct store_tx *tx, int64_t id, const char *by, vg_usec_t at)
{
        struct db_stmt *st;
        int r = db_prepare(tx,
                           "UPDATE notices SET released_by = ?, released_at = ? WHERE id = ? AND "
                           "released_at IS NULL",
                           &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, by);
        db_bind_int64(st, 2, at);
        db_bind_int64(st, 3, id);
        return db_exec_one(st, -VG_ECONFLICT);
}

int store_notice_delivery_add(struct store_tx *tx, struct notice_delivery *d)
{
        struct db_stmt *st;
        int r = db_prepare_insert(
                tx,
                "INSERT INTO notice_deliveries(notice_id, tenant, channel, address, "
                "outbox_id) VALUES (?,?,?,?,?)",
                &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, d->notice_id);
        db_bind_text(st, 2, d->tenant);
        db_bind_text(st, 3, d->channel);
        db_bind_text(st, 4, d->address);
        db_bind_int64(st, 5, d->outbox_id);
        return db_insert_id(st, &d->id);
}

int store_notice_delivery_exists(struct store_tx *tx, int64_t notice_id, const char *tenant,
                                 const char *channel, const char *address)
{
        struct db_stmt *st;
        int r = db_prepare(tx,
                           "SELECT 1 FROM notice_deliveries WHERE notice_id = ? AND tenant = ? AND "
                           "channel = ? "
                           "AND address = ?",
                           &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, notice_id);
        db_bind_text(st, 2, tenant);
        db_bind_text(st, 3, channel);
        db_bind_text(st, 4, address);
        int rc = db_step(st);
        db_finish(st);
        return rc > 0 ? 1 : rc == 0 ? 0 : rc;
}

/* The problems of released notices: a delivery whose outbox message is
 * missing or addressed elsewhere, and a notice whose release record
 * counted more (or fewer) messages than it has deliveries - what a release
 * that skipped a recipient leaves behind. They are gathered, sorted by
 * incident, version, tenant, channel and address, then reported. */
struct found_problem {
        char *incident, *tenant, *channel, *address, *what; /* owns */
        int64_t version;
};

struct problems {
        size_t n, cap;
        struct found_problem *v; /* owns */
};

static void problems_fini(struct problems *ps)
{
        for (size_t i = 0; i < ps->n; i++) {
                struct found_problem *p = &ps->v[i];
                free(p->incident);
                free(p->tenant);
                free(p->channel);
                free(p->address);
                free(p->what);
        }
        free(ps->v);
}

static int problem_add(struct problems *ps, const char *incident, int64_t version,
                       const char *tenant, const char *channel, const char *address,
                       const char *what)
{
        if (ps->n == ps->cap) {
                size_t cap = ps->cap ? ps->cap * 2 : 16;
                void *v = realloc(ps->v, cap * sizeof *ps->v);
                if (!v)
                        return -ENOMEM;
                ps->v = v;
                ps->cap = cap;
        }
        struct found_problem *p = &ps->v[ps->n];
        p->version = version;
        p->incident = strdup(incident);
        p->tenant = strdup(tenant);
        p->channel = strdup(channel);
        p->address = strdup(address);
        p->what = strdup(what);
        ps->n++; /* counted now, so problems_fini frees what was copied */
        return p->incident && p->tenant && p->channel && p->address && p->what ? 0 : -ENOMEM;
}

static int problem_cmp(const void *a, const void *b)
{
        const struct found_problem *x = a, *y = b;
        int c = strcmp(x->incident, y->incident);
        if (c == 0)
                c = x->version < y->version ? -1 : x->version > y->version;
        if (c == 0)
                c = strcmp(x->tenant, y->tenant);
        if (c == 0)
                c = strcmp(x->channel, y->channel);
        if (c == 0)
                c = strcmp(x->address, y->address);
        return c;
}

/* Deliveries whose outbox message is missing or addressed elsewhere. */
static int delivery_problems(struct store_tx *tx, struct problems *ps)
{
        struct db_stmt *st;
        int r = db_prepare(
                tx,
                "SELECT i.key, n.version, d.tenant, d.channel, d.address, CASE WHEN o.id IS NULL "
                "THEN 'has no outbox message' ELSE 'its outbox message is addressed to ' || "
                "o.channel "
                "|| ' ' || o.address END "
                "FROM notice_deliveries d JOIN notices n ON n.id = d.notice_id "
                "JOIN incidents i ON i.id = n.incident_id LEFT JOIN outbox o ON o.id = d.outbox_id "
                "WHERE o.id IS NULL OR o.channel <> d.channel OR o.address <> d.address",
                &st);
        if (r < 0)
                return r;
        while ((r = db_step(st)) > 0) {
                r = problem_add(ps, db_text_or_empty(st, 0), db_column_int64(st, 1),
                                db_text_or_empty(st, 2), db_text_or_empty(st, 3),
                                db_text_or_empty(st, 4), db_text_or_empty(st, 5));
                if (r < 0)
                        break;
        }
        db_finish(st);
        return r;
}

/* The release records of one notice, each checked against its count of
 * deliveries; none at all is a problem too. The counted messages are in
 * the record's JSON change, read with jansson. */
static int release_problems(struct store_tx *tx, struct problems *ps, const char *key,
                            int64_t version, int64_t notice_id, int64_t deliveries)
{
        char object[64], what[160];
        struct db_stmt *st;
        bool found = false;
        snprintf(object, sizeof object, "incident:%s", key);
        int r = db_prepare(tx,
                           "SELECT change FROM audit_log WHERE object = ? AND action = "
                           "'incident.notice.release' "
                           "ORDER BY seq",
                           &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, object);
        while ((r = db_step(st)) > 0) {
                json_t *change = json_loads(db_text_or_empty(st, 0), 0, NULL);
                json_t *notice = json_object_get(change, "notice");
                json_t *messages = json_object_get(change, "messages");
                if (json_is_integer(notice) && json_integer_value(notice) == notice_id) {
                        found = true;
                        if (!json_is_integer(messages) ||
                            json_integer_value(messages) != deliveries) {
                                snprintf(what, sizeof what,
                                         "its release counted %lld messages, %lld have a delivery "
                                         "and an outbox "
                                         "message",
                                         (long long)json_integer_value(messages),
                                         (long long)deliveries);
                                r = problem_add(ps, key, version, "", "", "", what);
                        }
                }
                json_decref(change);
                if (r < 0)
                        break;
        }
        db_finish(st);
        if (r >= 0 && !found)
                r = problem_add(ps, key, version, "", "", "", "no audit record of its release");
        return r;
}

static int notice_problems(struct store_tx *tx, struct problems *ps)
{
        struct db_stmt *st;
        char key[INCIDENT_KEY_MAX];
        int r = db_prepare(tx,
                           "SELECT i.key, n.version, n.id, "
                           "(SELECT count(*) FROM notice_deliveries d WHERE d.notice_id = n.id) "
                           "FROM notices n JOIN incidents i ON i.id = n.incident_id WHERE "
                           "n.released_at IS NOT NULL",
                           &st);
        if (r < 0)
                return r;
        while ((r = db_step(st)) > 0) {
                db_text_copy(st, 0, key, sizeof key);
                r = release_problems(tx, ps, key, db_column_int64(st, 1), db_column_int64(st, 2),
                                     db_column_int64(st, 3));
                if (r < 0)
                        break;
        }
        db_finish(st);
        return r;
}

static int notice_verify(struct store_tx *tx, int (*cb)(const struct notice_problem *, void *),
                         void *userdata, struct notice_verify *ret)
{
        struct db_stmt *st;
        struct problems ps = {0};
        int r = db_prepare(
                tx,
                "SELECT (SELECT count(*) FROM notices WHERE released_at IS NOT NULL), "
                "(SELECT count(*) FROM notice_deliveries d JOIN notices n ON n.id = d.notice_id "
                "WHERE n.released_at IS NOT NULL)",
                &st);
        if (r < 0)
                return r;
        r = db_step(st);
        if (r > 0) {
                ret->notices = db_column_int64(st, 0);
                ret->messages = db_column_int64(st, 1);
        }
        db_finish(st);
        if (r <= 0)
                return r < 0 ? r : -VG_ESTORE;
        r = delivery_problems(tx, &ps);
        if (r >= 0)
                r = notice_problems(tx, &ps);
        if (r >= 0 && ps.n > 1)
                qsort(ps.v, ps.n, sizeof *ps.v, problem_cmp);
        for (size_t i = 0; r >= 0 && i < ps.n; i++) {
                const struct found_problem *f = &ps.v[i];
                struct notice_problem p = {.incident = f->incident,
                                           .version = f->version,
                                           .tenant = f->tenant,
                                           .channel = f->channel,
                                           .address = f->address,
                                           .what = f->what};
                ret->problems++;
                r = cb ? cb(&p, userdata) : 0;
        }
        problems_fini(&ps);
        return r < 0 ? r : 0;
}

int store_notice_verify(struct store *s, int (*cb)(const struct notice_problem *p, void *userdata),
                        void *userdata, struct notice_verify *ret)
{
        struct store_tx *tx;
        memset(ret, 0, sizeof *ret);
        int r = store_begin_read(s, &tx);
        if (r < 0)
                return r;
        r = notice_verify(tx, cb, userdata, ret);
        store_rollback(tx);
        return r;
}

#define DELIVERY_COLS                                                                              \
        "d.id, d.notice_id, d.tenant, d.channel, d.address, d.outbox_id, o.status, "               \
        "o.last_result, o.attempts"

static void delivery_read(struct db_stmt *st, void *out)
{
        struct notice_delivery *d = out;
        memset(d, 0, sizeof *d);
        d->id = db_column_int64(st, 0);
        d->notice_id = db_column_int64(st, 1);
        db_text_copy(st, 2, d->tenant, sizeof d->tenant);
        db_text_copy(st, 3, d->channel, sizeof d->channel);
        d->address = db_text_ref(st, 4);
        d->outbox_id = db_column_int64(st, 5);
        db_text_copy(st, 6, d->status, sizeof d->status);
        d->last_result = db_text_ref(st, 7);
        d->attempts = (int)db_column_int64(st, 8);
}

int store_notice_delivery_list(struct store_tx *tx, int64_t notice_id,
                               int (*cb)(const struct notice_delivery *, void *), void *userdata)
{
        struct db_stmt *st;
        struct notice_delivery d;
        int r = db_prepare(tx,
                           "SELECT " DELIVERY_COLS
                           " FROM notice_deliveries d JOIN outbox o ON o.id = d.outbox_id "
                           "WHERE d.notice_id = ? ORDER BY d.tenant, d.id",
                           &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, notice_id);
        return DB_EACH(st, d, delivery_read, cb, userdata);
}

int store_notice_delivery_by_outbox(struct store_tx *tx, int64_t outbox_id,
                                    struct notice_delivery *ret)
{
        struct db_stmt *st;
        int r = db_prepare(tx,
                           "SELECT " DELIVERY_COLS
                           " FROM notice_deliveries d JOIN outbox o ON o.id = d.outbox_id "
                           "WHERE d.outbox_id = ?",
                           &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, outbox_id);
        int rc = db_step(st);
        if (rc > 0) {
                delivery_read(st, ret);
                ret->address = NULL; /* valid only during the step */
                ret->last_result = NULL;
        }
        db_finish(st);
        return rc > 0 ? 0 : rc == 0 ? -VG_ENOTFOUND : rc;
}

void store_notice_key(int64_t incident_id, const char *tenant, int64_t version, const char *channel,
                      const char *address, char out[STORE_IDEM_MAX])
{
        crypto_generichash_state st;
        uint8_t digest[STORE_HASH_BYTES];
        char num[32];

        crypto_generichash_init(&st, NULL, 0, sizeof digest);
        store_hash_field(&st, "vigil-notice-v1", 15);
        snprintf(num, sizeof num, "%lld", (long long)incident_id);
        store_hash_field(&st, num, strlen(num));
        store_hash_field(&st, tenant, strlen(tenant));
        snprintf(num, sizeof num, "%lld", (long long)version);
        store_hash_field(&st, num, strlen(num));
        store_hash_field(&st, channel, strlen(channel));
        store_hash_field(&st, address, strlen(address));
        crypto_generichash_final(&st, digest, sizeof digest);
        char hex[2 * STORE_HASH_BYTES + 1];
        sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
        snprintf(out, STORE_IDEM_MAX, "notice-%s", hex);
}

/* ---- what the tenants see (the portal) ---- */

/* Whether tenant is one of the ids in a notice's JSON array of tenants,
 * read with jansson (no JSON1 in SQL: PostgreSQL has no json_each). */
static bool tenants_include(const char *tenants, const char *tenant)
{
        json_t *a = json_loads(tenants ? tenants : "[]", 0, NULL);
        bool found = false;
        for (size_t i = 0; !found && i < json_array_size(a); i++) {
                const char *id = json_string_value(json_array_get(a, i));
                found = id && strcmp(id, tenant) == 0;
        }
        json_decref(a);
        return found;
}

int store_notice_list_for_tenant(struct store_tx *tx, const char *tenant,
                                 int (*cb)(const struct notice *, vg_usec_t, void *),
                                 void *userdata)
{
        struct db_stmt *st;
        struct notice n;
        int r = db_prepare(tx,
                           "SELECT n.id, n.incident_id, n.version, n.kind, n.nature, "
                           "n.user_impact, n.mitigation, "
                           "n.next_steps, n.next_update_at, n.tenants, n.composed_by, "
                           "n.composed_at, n.released_by, "
                           "n.released_at, n.severities, coalesce(a.acked_at, 0) FROM notices n "
                           "LEFT JOIN notice_acks a ON a.notice_id = n.id AND a.tenant = ?1 "
                           "WHERE n.released_at IS NOT NULL ORDER BY n.id DESC",
                           &st);
        if (r < 0)
                return r;
        db_bind_text(st, 1, tenant);
        while ((r = db_step(st)) > 0) {
                notice_read(st, &n);
                if (!tenants_include(n.tenants, tenant))
                        continue;
                n.tenants = "[]"; /* never another tenant's name */
                r = cb(&n, db_column_int64(st, 15), userdata);
                if (r < 0)
                        break;
        }
        db_finish(st);
        return r < 0 ? r : 0;
}

int store_notice_ack(struct store_tx *tx, int64_t notice_id, const char *tenant, const char *by,
                     vg_usec_t at)
{
        struct db_stmt *st;
        bool sent = false;
        int r = db_prepare(
                tx, "SELECT tenants FROM notices WHERE id = ? AND released_at IS NOT NULL", &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, notice_id);
        r = db_step(st);
        if (r > 0)
                sent = tenants_include(db_column_text(st, 0), tenant);
        db_finish(st);
        if (r < 0)
                return r;
        if (!sent)
                return -VG_ENOTFOUND;
        r = db_prepare(
                tx,
                "INSERT INTO notice_acks(notice_id, tenant, acked_by, acked_at) VALUES (?,?,?,?)",
                &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, notice_id);
        db_bind_text(st, 2, tenant);
        db_bind_text(st, 3, by);
        db_bind_int64(st, 4, at);
        r = db_exec(st);
        return r < 0 ? r : 0;
}

static void ack_row(struct db_stmt *st, void *out)
{
        struct notice_ack *a = out;
        memset(a, 0, sizeof *a);
        db_text_copy(st, 0, a->tenant, sizeof a->tenant);
        db_text_copy(st, 1, a->by, sizeof a->by);
        a->at = db_column_int64(st, 2);
}

int store_notice_ack_list(struct store_tx *tx, int64_t notice_id,
                          int (*cb)(const struct notice_ack *, void *), void *userdata)
{
        struct db_stmt *st;
        struct notice_ack a;
        int r = db_prepare(tx,
                           "SELECT tenant, acked_by, acked_at FROM notice_acks WHERE notice_id = ? "
                           "ORDER BY acked_at, tenant",
                           &st);
        if (r < 0)
                return r;
        db_bind_int64(st, 1, notice_id);
        return DB_EACH(st, a, ack_row, cb, userdata);
}
