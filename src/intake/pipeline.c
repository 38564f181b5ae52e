/* The intake pipeline: one transaction per batch.
 *
 *   for each alert: fingerprint -> silence? -> episode (dedup) ->
 *     new, firing, not silenced: enhanced vigilance, else the open incident
 *     of its group (alertname + service), else a new incident.
 *
 * Routing is by the "service" label (then "job"); routing rules from
 * configuration come later. */
#include "intake/intake.h"
#include "intake/silence.h"

#include "core/error.h"
#include "core/names.h"
#include "store/vigilance.h"

#include <ctype.h>
#include <errno.h>
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

/* Copy text, turning control characters into spaces (titles are one line). */
static void one_line(char *dst, size_t size, const char *src)
{
        size_t i = 0;
        for (; src && src[i] && i + 1 < size; i++)
                dst[i] = iscntrl((unsigned char)src[i]) ? ' ' : src[i];
        dst[i] = '\0';
}

static int open_incident(struct store_tx *tx, const struct actor *actor, const struct intake_alert *x,
                         const char *service, const char *summary, vg_usec_t now, struct incident *inc)
{
        const char *name = labelset_get(&x->labels, "alertname");
        char title[INCIDENT_TITLE_MAX + 1];
        snprintf(title, sizeof title, "%s%s%s", name ? name : "alert", summary && *summary ? ": " : "",
                 summary ? summary : "");
        memset(inc, 0, sizeof *inc);
        one_line(inc->title, sizeof inc->title, title);
        if (!inc->title[0])
                snprintf(inc->title, sizeof inc->title, "alert");
        const char *desc = json_string_value(json_object_get(x->annotations, "description"));
        inc->description = strdup(desc ? desc : "");
        if (!inc->description)
                return -ENOMEM;
        const char *sev = labelset_get(&x->labels, "severity");
        if (!sev)
                sev = json_string_value(json_object_get(x->annotations, "severity"));
        inc->severity = severity_of(sev);
        inc->source = SOURCE_MONITORING;
        snprintf(inc->reporter, sizeof inc->reporter, "%s", actor->name);
        inc->phase = PHASE_ANALYSIS;
        inc->classification = CLASS_SUSPECTED;
        inc->detected_at = x->starts_at && x->starts_at < now ? x->starts_at : now;
        inc->reported_at = inc->created_at = inc->updated_at = now;
        int r = store_incident_insert(tx, inc);
        if (r >= 0 && service && tenant_id_valid(service))
                r = store_incident_services_set(tx, inc->id, &service, 1);
        if (r >= 0) {
                json_t *change = json_pack("{s:s, s:s, s:s, s:O}", "title", inc->title, "severity",
                                           severity_to_string(inc->severity), "source", "monitoring",
                                           "labels", x->labels_json);
                r = change ? store_audit_incident(tx, now, actor, "incident.create", inc->key, change) : -ENOMEM;
                json_decref(change);
        }
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

static int accept_one(struct store_tx *tx, const struct actor *actor, const struct intake_state *st,
                      const char *source, const struct intake_alert *x, vg_usec_t now, struct intake_result *res)
{
        struct alert_row row = { 0 };
        /* Labels are serialised by the store only when a new episode starts;
         * most alerts are repeats. */
        char *annotations = x->annotations ? json_dumps(x->annotations, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
        char group[2 * LABEL_NAME_MAX + 8];
        int r = 0;

        if (x->annotations && !annotations) {
                r = -ENOMEM;
                goto out;
        }
        const char *service = labelset_get(&x->labels, "service");
        if (!service)
                service = labelset_get(&x->labels, "job");
        const char *summary = json_string_value(json_object_get(x->annotations, "summary"));
        const char *alertname = labelset_get(&x->labels, "alertname");

        snprintf(row.fingerprint, sizeof row.fingerprint, "%016llx",
                 (unsigned long long)labelset_fingerprint(&x->labels));
        row.labels_obj = x->labels_json;
        row.annotations = annotations ? annotations : "{}";
        snprintf(row.source, sizeof row.source, "%s", source);
        snprintf(row.service, sizeof row.service, "%s", service ? service : "");
        snprintf(row.severity, sizeof row.severity, "%s", labelset_get(&x->labels, "severity") ?: "");
        row.summary = summary;
        row.generator_url = x->generator_url;
        row.starts_at = x->starts_at ? x->starts_at : now;
        row.ends_at = x->ends_at == INTAKE_ENDS_NOW ? now : x->ends_at;
        row.updated_at = now;
        snprintf(group, sizeof group, "%s/%s", alertname ? alertname : "", service ? service : "");
        row.group_key = group;
        const char *silenced = silence_set_match(&st->silences, &x->labels);
        snprintf(row.silenced_by, sizeof row.silenced_by, "%s", silenced ? silenced : "");

        bool fresh = false;
        r = store_alert_upsert(tx, &row, now, &fresh);
        if (r < 0)
                goto out;
        res->received++;
        bool resolved = row.ends_at && row.ends_at <= now;
        if (!fresh) {
                res->repeated++;
                goto out;
        }
        res->fresh++;
        if (resolved) {
                res->resolved++;
                goto out;
        }
        if (silenced) {
                res->silenced++;
                goto out;
        }

        /* Enhanced vigilance first: an incident recently recovered on the
         * same service, tenant or indicators takes the alert. */
        struct vigilance_hit hit;
        struct alert_signals sig = { .at = now, .service = service, .tenant = labelset_get(&x->labels, "tenant") };
        r = vigilance_set_link(tx, st->vigilance, actor, row.fingerprint, &sig, &hit);
        if (r < 0)
                goto out;
        if (r == 1) {
                res->vigilance++;
                r = link(tx, actor, row.id, hit.incident_id, hit.key, row.fingerprint, hit.why, true, now);
                goto out;
        }
        int64_t incident_id = 0;
        char key[INCIDENT_KEY_MAX];
        r = store_alert_group_incident(tx, group, &incident_id, key);
        if (r == 0) {
                res->joined++;
                r = link(tx, actor, row.id, incident_id, key, row.fingerprint, "same alert group", false, now);
                goto out;
        }
        if (r != -VG_ENOTFOUND)
                goto out;
        struct incident inc;
        r = open_incident(tx, actor, x, service, summary, now, &inc);
        if (r >= 0) {
                res->opened++;
                r = link(tx, actor, row.id, inc.id, inc.key, row.fingerprint, "opened by this alert", false, now);
        }
        incident_fini(&inc);
out:
        free(annotations);
        return r < 0 ? r : 0;
}

int intake_state_load(struct store_tx *tx, vg_usec_t now, struct intake_state *ret)
{
        memset(ret, 0, sizeof *ret);
        int r = silence_set_load(tx, now, &ret->silences);
        if (r >= 0)
                r = vigilance_set_load(tx, now, &ret->vigilance);
        if (r < 0)
                intake_state_fini(ret);
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

int intake_accept(struct store *s, const struct actor *actor, const struct intake_batch *b,
                  vg_usec_t now, struct intake_result *res)
{
        struct store_tx *tx;
        struct intake_state st;
        int r;

        r = store_begin(s, &tx);
        if (r < 0)
                return r;
        r = intake_state_load(tx, now, &st);
        if (r >= 0) {
                r = intake_accept_in(tx, &st, actor, b, now, res);
                intake_state_fini(&st);
        }
        return store_finish(tx, r);
}
