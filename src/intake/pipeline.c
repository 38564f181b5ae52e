/* The intake pipeline, one alert at a time inside the writer's transaction:
 *
 *   fingerprint -> episode (dedup): a repeat updates the open episode's
 *   counters (and its annotations when they changed) and stops there;
 *   a new episode -> silenced? -> enhanced vigilance -> its group (route
 *   and group_by): joins the group's open incident, waits (group_wait), or
 *   opens a new incident.
 *
 * Fingerprints and routes are computed by intake_prepare in the request's
 * thread; only store work happens on the writer. */
#include "intake/intake.h"
#include "intake/silence.h"

#include "core/array.h"
#include "core/error.h"
#include "core/names.h"
#include "cases/cases.h"
#include "cases/vigilance.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static enum severity severity_of(const char *s)
{
        static const struct {
                const char *name;
                enum severity sev;
        } map[] = { { "critical", SEV1 }, { "page", SEV1 }, { "emergency", SEV1 }, { "alert", SEV1 },
                    { "high", SEV2 },     { "error", SEV2 }, { "major", SEV2 },     { "warning", SEV3 },
                    { "warn", SEV3 },     { "medium", SEV3 }, { "minor", SEV3 } };
        for (size_t i = 0; s && i < sizeof map / sizeof map[0]; i++)
                if (strcasecmp(s, map[i].name) == 0)
                        return map[i].sev;
        return SEV4;
}

/* Append src to the string in dst (size bytes), cut on a character
 * boundary, turning control characters into spaces (titles are one line). */
static void one_line_append(char *dst, size_t size, const char *src)
{
        size_t at = strlen(dst);
        utf8_copy(dst + at, size - at, src);
        for (size_t i = at; dst[i]; i++)
                if (iscntrl((unsigned char)dst[i]))
                        dst[i] = ' ';
}

/* The incident an alert opens: its title from the alert's name and
 * summary, its severity from the labels; the rule and the audit record
 * are case_incident_open's, as for every door. */
static int open_incident(struct store_tx *tx, const struct actor *actor, const struct intake_alert *x,
                         const char *service, const char *summary, vg_usec_t now, struct incident *inc)
{
        char title[INCIDENT_TITLE_MAX + 1] = "";
        memset(inc, 0, sizeof *inc); /* the caller finishes it whatever happens */
        const char *name = labelset_get(&x->labels, "alertname");
        one_line_append(title, sizeof title, name ? name : "alert");
        if (summary && *summary) {
                one_line_append(title, sizeof title, ": ");
                one_line_append(title, sizeof title, summary);
        }
        if (!title[0])
                snprintf(title, sizeof title, "alert");
        const char *sev = labelset_get(&x->labels, "severity");
        if (!sev)
                sev = json_string_value(json_object_get(x->annotations, "severity"));
        bool has_service = service && tenant_id_valid(service);
        json_t *record = json_pack("{s:O}", "labels", x->labels_json);
        struct case_incident_new n = {
                .title = title,
                .description = json_string_value(json_object_get(x->annotations, "description")),
                .severity = severity_of(sev),
                .source = SOURCE_MONITORING,
                .detected_at = x->starts_at && x->starts_at < now ? x->starts_at : now,
                .services = has_service ? &service : NULL,
                .n_services = has_service,
                .record = record,
        };
        struct case_outcome o;
        case_outcome_init(&o);
        int r = record ? case_incident_open(tx, actor, now, &n, inc, &o) : -ENOMEM;
        json_decref(record);
        return r;
}

static int link(struct store_tx *tx, const struct actor *actor, int64_t alert_id, int64_t incident_id,
                const char *key, const char *fp, const char *why, bool vigilance, vg_usec_t now)
{
        int r = store_alert_set_incident(tx, alert_id, incident_id);
        if (r < 0 || vigilance)
                return r; /* vigilance_link_alert wrote its own link and audit record */
        struct alert_link l = { .reason = why, .linked_at = now };
        snprintf(l.alert, sizeof l.alert, "%s", fp);
        snprintf(l.linked_by, sizeof l.linked_by, "%s", actor->name);
        r = store_alert_link(tx, incident_id, &l);
        if (r == -VG_ECONFLICT)
                return 0;
        if (r < 0)
                return r;
        json_t *change = json_pack("{s:s, s:s, s:b}", "alert", fp, "why", why, "vigilance", 0);
        r = change ? store_audit_incident(tx, now, actor, "incident.alert.link", key, change) : -ENOMEM;
        json_decref(change);
        return r;
}

#define FNV_PRIME 1099511628211ULL
#define FNV_BASIS 1469598103934665603ULL

/* Order-independent hash of a JSON value (object members combine by sum),
 * so a repeat with the same annotations is recognised without
 * serialising them. Never 0, which means "unknown". */
static uint64_t json_hash(const json_t *v)
{
        uint64_t h = FNV_BASIS ^ (uint64_t)json_typeof(v);
        const char *k;
        json_t *m;
        size_t i;
        switch (json_typeof(v)) {
        case JSON_OBJECT: {
                uint64_t sum = 0;
                json_object_foreach((json_t *)v, k, m) {
                        uint64_t kh = FNV_BASIS;
                        for (const char *p = k; *p; p++)
                                kh = (kh ^ (unsigned char)*p) * FNV_PRIME;
                        sum += (kh ^ json_hash(m)) * 0x9E3779B97F4A7C15ULL;
                }
                h ^= sum;
                break;
        }
        case JSON_ARRAY:
                json_array_foreach(v, i, m) h = (h ^ json_hash(m)) * FNV_PRIME;
                break;
        case JSON_STRING: {
                const char *p = json_string_value(v);
                for (size_t n = json_string_length(v), j = 0; j < n; j++)
                        h = (h ^ (unsigned char)p[j]) * FNV_PRIME;
                break;
        }
        case JSON_INTEGER:
                h = (h ^ (uint64_t)json_integer_value(v)) * FNV_PRIME;
                break;
        case JSON_REAL: {
                double d = json_real_value(v);
                uint64_t bits;
                memcpy(&bits, &d, sizeof bits);
                h = (h ^ bits) * FNV_PRIME;
                break;
        }
        default:
                break;
        }
        return h ? h : 1;
}

static struct alert_route builtin_route;
static pthread_once_t builtin_once = PTHREAD_ONCE_INIT;

static void builtin_route_init(void)
{
        alert_route_default(&builtin_route);
}

void intake_prepare(struct intake_batch *b)
{
        pthread_once(&builtin_once, builtin_route_init);
        for (size_t i = 0; i < b->n; i++) {
                struct intake_alert *x = &b->alerts[i];
                x->fp = labelset_fingerprint(&x->labels);
                x->route = b->routing ? alert_route_find(b->routing, &x->labels) : &builtin_route;
                x->service = b->service ? b->service : alert_route_service(x->route, &x->labels);
                x->content = x->annotations ? json_hash(x->annotations) : 1;
        }
}

/* The new alert row's group: join its open incident, wait, or open one. */
static int group_alert(struct store_tx *tx, const struct actor *actor, const struct intake_alert *x,
                       const struct alert_row *row, const char *summary, vg_usec_t now, struct intake_result *res)
{
        const struct alert_route *rt = x->route;
        struct alert_group g;
        int r = store_alert_group_get(tx, row->group_key, &g);
        if (r < 0 && r != -VG_ENOTFOUND)
                return r;
        if (r == 0 && g.opens_at > 0) {
                g.last_alert_at = now; /* waiting: it opens with the others */
                res->held++;
                return store_alert_group_put(tx, &g);
        }
        if (r == 0 && g.incident_id && g.incident_open &&
            (!rt->group_interval || now - g.last_alert_at <= rt->group_interval)) {
                res->joined++;
                r = link(tx, actor, row->id, g.incident_id, g.incident_key, row->fingerprint, "same alert group",
                         false, now);
                g.last_alert_at = now;
                return r < 0 ? r : store_alert_group_put(tx, &g);
        }
        memset(&g, 0, sizeof g);
        g.key = row->group_key;
        utf8_copy(g.service, sizeof g.service, x->service ? x->service : ""); /* a label value */
        g.last_alert_at = now;
        if (rt->group_wait > 0) {
                g.opens_at = now + rt->group_wait;
                res->held++;
                if (!res->wake_at || g.opens_at < res->wake_at)
                        res->wake_at = g.opens_at;
                return store_alert_group_put(tx, &g);
        }
        struct incident inc;
        r = open_incident(tx, actor, x, x->service, summary, now, &inc);
        if (r >= 0) {
                res->opened++;
                r = link(tx, actor, row->id, inc.id, inc.key, row->fingerprint, "opened by this alert", false, now);
                g.incident_id = inc.id;
        }
        incident_fini(&inc);
        return r < 0 ? r : store_alert_group_put(tx, &g);
}

/* A repeat of the open episode e: its counters, and its content when the
 * annotations changed. */
static int repeat(struct store_tx *tx, const struct intake_state *st, const struct intake_alert *x,
                  struct episode *e, const char *summary, vg_usec_t now, struct intake_result *res)
{
        vg_usec_t ends = x->ends_at == INTAKE_ENDS_NOW ? now : x->ends_at;
        char *annotations;
        res->repeated++;
        int r = store_alert_seen(tx, e->id, 1, ends, now);
        if (r >= 0 && e->content != x->content) {
                annotations = x->annotations ? json_dumps(x->annotations, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
                r = x->annotations && !annotations ? -ENOMEM : store_alert_content(tx, e->id, annotations, summary);
                free(annotations);
        }
        if (r >= 0 && st->episodes) {
                e->ends_at = ends;
                e->content = x->content;
                episodes_put(st->episodes, e, now);
        }
        return r < 0 ? r : 0;
}

static int accept_one(struct store_tx *tx, const struct actor *actor, const struct intake_state *st,
                      const char *source, const struct intake_alert *x, vg_usec_t now, struct intake_result *res)
{
        char fp[17];
        char *annotations = NULL;
        const char *summary = json_string_value(json_object_get(x->annotations, "summary"));
        vg_usec_t ends = x->ends_at == INTAKE_ENDS_NOW ? now : x->ends_at;
        uint64_t content = x->content;
        int r;

        snprintf(fp, sizeof fp, "%016llx", (unsigned long long)x->fp);
        res->received++;

        /* Dedup: the open episode of this fingerprint, from the cache or the store. */
        struct episode e = { .fp = x->fp };
        bool known = st->episodes && episodes_get(st->episodes, x->fp, &e);
        if (!known) {
                r = store_alert_last(tx, fp, &e.id, &e.ends_at);
                if (r < 0 && r != -VG_ENOTFOUND)
                        return r;
                known = r == 0;
                e.content = 0;
        }
        if (known && (e.ends_at == 0 || e.ends_at > now))
                return repeat(tx, st, x, &e, summary, now, res);

        /* A new episode. */
        struct alert_row row = { 0 };
        char group[GROUP_KEY_MAX];
        alert_group_key(x->route, &x->labels, x->service, group);
        annotations = x->annotations ? json_dumps(x->annotations, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
        if (x->annotations && !annotations)
                return -ENOMEM;
        snprintf(row.fingerprint, sizeof row.fingerprint, "%s", fp);
        row.labels_obj = x->labels_json;
        row.annotations = annotations ? annotations : "{}";
        snprintf(row.source, sizeof row.source, "%s", source);
        /* Label values, of any length: cut to their fields on a character. */
        utf8_copy(row.service, sizeof row.service, x->service ? x->service : "");
        utf8_copy(row.severity, sizeof row.severity, labelset_get(&x->labels, "severity") ?: "");
        row.summary = summary;
        row.generator_url = x->generator_url;
        row.starts_at = x->starts_at ? x->starts_at : now;
        row.ends_at = ends;
        row.updated_at = now;
        row.group_key = group;
        const char *silenced = silence_set_match(&st->silences, &x->labels);
        snprintf(row.silenced_by, sizeof row.silenced_by, "%s", silenced ? silenced : "");

        r = store_alert_insert(tx, &row);
        free(annotations);
        if (r == -VG_ECONFLICT) {
                /* The fingerprint's episode was opened since we looked, by
                 * another writer or another process (whose episode cache
                 * is not ours): this alert repeats it. */
                r = store_alert_last(tx, fp, &e.id, &e.ends_at);
                e.content = 0;
                return r < 0 ? r : repeat(tx, st, x, &e, summary, now, res);
        }
        if (r < 0)
                return r;
        if (st->episodes) {
                e = (struct episode){ .fp = x->fp, .id = row.id, .ends_at = ends, .content = content };
                episodes_put(st->episodes, &e, now);
        }
        res->fresh++;
        if (ends && ends <= now) {
                res->resolved++;
                return 0;
        }
        if (silenced) {
                res->silenced++;
                return 0;
        }

        /* Enhanced vigilance first: an incident recently recovered on the
         * same service, tenant or indicators takes the alert. */
        struct vigilance_hit hit;
        struct alert_signals sig = { .at = now, .service = x->service, .tenant = labelset_get(&x->labels, "tenant") };
        r = vigilance_set_link(tx, st->vigilance, actor, row.fingerprint, &sig, &hit);
        if (r < 0)
                return r;
        if (r == 1) {
                res->vigilance++;
                return link(tx, actor, row.id, hit.incident_id, hit.key, row.fingerprint, hit.why, true, now);
        }
        return group_alert(tx, actor, x, &row, summary, now, res);
}

/* ---- groups whose wait is over ---- */

struct member {
        int64_t id;
        char fingerprint[17];
        char *labels, *annotations;
        vg_usec_t starts_at;
};

struct members {
        size_t n, cap;
        struct member *m;
};

/* The alerts of one waiting group, and the groups due at once: bounded
 * like the writer's cache of open episodes (episodes.c). */
#define GROUP_MEMBERS_MAX (1u << 21)
#define GROUPS_DUE_MAX (1u << 21)

static int member_add(const struct alert_row *a, void *userdata)
{
        struct members *ms = userdata;
        int r = array_reserve(ms->m, ms->cap, ms->n + 1, GROUP_MEMBERS_MAX);
        if (r < 0)
                return r;
        struct member *m = &ms->m[ms->n++];
        m->id = a->id;
        snprintf(m->fingerprint, sizeof m->fingerprint, "%s", a->fingerprint);
        m->labels = strdup(a->labels ? a->labels : "{}");
        m->annotations = strdup(a->annotations ? a->annotations : "{}");
        m->starts_at = a->starts_at;
        return m->labels && m->annotations ? 0 : -ENOMEM;
}

static void members_fini(struct members *ms)
{
        for (size_t i = 0; i < ms->n; i++) {
                free(ms->m[i].labels);
                free(ms->m[i].annotations);
        }
        free(ms->m);
}

struct due {
        size_t n, cap_g, cap_keys;
        struct alert_group *g; /* key points into keys[i] */
        char **keys;
};

static int due_add(const struct alert_group *g, void *userdata)
{
        struct due *d = userdata;
        int r = array_reserve(d->g, d->cap_g, d->n + 1, GROUPS_DUE_MAX);
        if (r >= 0)
                r = array_reserve(d->keys, d->cap_keys, d->n + 1, GROUPS_DUE_MAX);
        if (r < 0)
                return r;
        d->keys[d->n] = strdup(g->key);
        if (!d->keys[d->n])
                return -ENOMEM;
        d->g[d->n] = *g;
        d->g[d->n].key = d->keys[d->n];
        d->n++;
        return 0;
}

/* Open the incident of one waiting group from the alerts that still fire. */
static int open_group(struct store_tx *tx, const struct actor *actor, struct alert_group *g, vg_usec_t now,
                      unsigned *opened)
{
        struct members ms = { 0 };
        int r = store_alert_group_members(tx, g->key, now, member_add, &ms);
        g->opens_at = 0;
        if (r < 0 || ms.n == 0) {
                /* All resolved or silenced while it waited: no incident. */
                members_fini(&ms);
                return r < 0 ? r : store_alert_group_put(tx, g);
        }
        struct intake_alert x = { 0 };
        struct field_errors fe;
        const char *k;
        json_t *v;
        json_t *labels = json_loads(ms.m[0].labels, 0, NULL);
        json_t *ann = json_loads(ms.m[0].annotations, 0, NULL);
        fielderr_init(&fe);
        json_object_foreach(labels, k, v)
        {
                if (json_is_string(v))
                        (void)labelset_add(&x.labels, k, json_string_value(v), &fe, "labels");
        }
        x.labels_json = labels;
        x.annotations = ann;
        x.starts_at = ms.m[0].starts_at;
        struct incident inc = { 0 };
        r = labels && ann ? open_incident(tx, actor, &x, g->service, json_string_value(json_object_get(ann, "summary")),
                                          now, &inc)
                          : -ENOMEM;
        if (r >= 0) {
                (*opened)++;
                for (size_t i = 0; r >= 0 && i < ms.n; i++)
                        r = link(tx, actor, ms.m[i].id, inc.id, inc.key, ms.m[i].fingerprint,
                                 i == 0 ? "opened by this alert" : "same alert group", false, now);
                g->incident_id = inc.id;
        }
        incident_fini(&inc);
        json_decref(labels);
        json_decref(ann);
        members_fini(&ms);
        return r < 0 ? r : store_alert_group_put(tx, g);
}

int intake_groups_flush(struct store_tx *tx, const struct actor *actor, vg_usec_t now, unsigned *opened)
{
        struct due d = { 0 };
        *opened = 0;
        int r = store_alert_group_due(tx, now, due_add, &d);
        for (size_t i = 0; r >= 0 && i < d.n; i++)
                r = open_group(tx, actor, &d.g[i], now, opened);
        for (size_t i = 0; i < d.n; i++)
                free(d.keys[i]);
        free(d.keys);
        free(d.g);
        return r;
}

int intake_state_load(struct store_tx *tx, vg_usec_t now, struct intake_state *st)
{
        st->vigilance = vigilance_set_free(st->vigilance);
        int r = silence_set_load(tx, now, &st->silences);
        if (r >= 0)
                r = vigilance_set_load(tx, now, &st->vigilance);
        return r;
}

void intake_state_fini(struct intake_state *st)
{
        silence_set_fini(&st->silences);
        st->vigilance = vigilance_set_free(st->vigilance);
}

int intake_accept_in(struct store_tx *tx, const struct intake_state *st, const struct actor *actor,
                     const struct intake_batch *b, vg_usec_t now, struct intake_result *res)
{
        int r = 0;
        memset(res, 0, sizeof *res);
        for (size_t i = 0; r >= 0 && i < b->n; i++)
                r = accept_one(tx, actor, st, b->source, &b->alerts[i], now, res);
        return r;
}

int intake_accept(struct store *s, const struct actor *actor, struct intake_batch *b,
                  vg_usec_t now, struct intake_result *res)
{
        struct store_tx *tx;
        intake_prepare(b);
        struct intake_state st = {0};
        int r;

        r = store_begin(s, &tx);
        if (r < 0)
                return r;
        r = intake_state_load(tx, now, &st);
        if (r >= 0)
                r = intake_accept_in(tx, &st, actor, b, now, res);
        intake_state_fini(&st);
        return store_finish(tx, r);
}
