/* Duplicates and merges (see duplicate.h): one incident closes as a
 * duplicate of another, and what it gathered - alerts, notes - goes to
 * the incident that carries on. Opening an incident from an alert that
 * already had one made the first kind; closing it as false_positive
 * skewed the metrics, which leave duplicates out (src/report/metrics.c). */
#include "cases/duplicate.h"

#include "core/error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int count_notice(const struct notice *n, void *userdata)
{
        (void)n;
        (*(unsigned *)userdata)++;
        return 0;
}

struct note_walk {
        const char *key; /* borrows: A's */
        json_t *notes;   /* borrows: the copies, in order */
};

/* A's notes as they will be copied: {text, copied_from}, oldest first. A
 * note that was itself copied keeps its first author and time. */
static int collect_note(const struct audit_record *a, void *userdata)
{
        const struct note_walk *w = userdata;
        if (strcmp(a->action, "incident.note") != 0)
                return 0;
        json_t *change = json_loads(a->change, 0, NULL);
        const char *text = json_string_value(json_object_get(change, "text"));
        json_t *earlier = json_object_get(change, "copied_from");
        const char *author = json_string_value(json_object_get(earlier, "author"));
        const char *at = json_string_value(json_object_get(earlier, "at"));
        json_t *note = text ? json_pack("{s:s, s:{s:s, s:I, s:s, s:o}}", "text", text,
                                        "copied_from", "incident", w->key, "seq",
                                        (json_int_t)a->seq, "author", author ? author : a->actor,
                                        "at", at ? json_string(at) : case_time_json(a->at))
                            : NULL;
        json_decref(change);
        if (!text)
                return 0; /* not a note as notes are written: nothing to copy */
        return note && json_array_append_new(w->notes, note) == 0 ? 0 : -ENOMEM;
}

/* Why core refused, in one sentence for the door's detail. */
static void refusal(struct case_outcome *o, const struct incident *a, const char *of)
{
        if (!o->errors.n)
                return;
        case_outcome_detail(o, "%s cannot be marked a duplicate of %s: %s", a->key, of,
                            o->errors.e[0].message);
}

int case_incident_duplicate(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                            struct incident *inc, const char *of, const char *reason,
                            struct case_duplicate_result *ret, struct case_outcome *o)
{
        struct incident b = {0};
        struct incident_duplicate_facts f = {.a_phase = inc->phase,
                                             .a_declared = inc->declared_at != VG_TIME_UNSET};
        struct case_duplicate_result res = {0};
        struct note_walk walk = {.key = inc->key};
        char object[128], b_survivor[INCIDENT_KEY_MAX];
        int year;
        int64_t seq;
        json_t *change = NULL, *moved = NULL, *note;
        size_t i;

        if (!of) {
                fielderr_add(&o->errors, "of",
                             "is required: the key of the incident that carries on");
                return -VG_EVALIDATION;
        }
        if (incident_key_parse(of, &year, &seq) < 0) {
                fielderr_add(&o->errors, "of", "must be an incident key like INC-2026-0001");
                return -VG_EVALIDATION;
        }
        f.same = strcmp(of, inc->key) == 0;
        int r = 0;
        if (!f.same) {
                r = case_incident_get(tx, of, &b, o);
                if (r == -VG_ENOTFOUND)
                        fielderr_add(&o->errors, "of", "no incident %s", of);
                if (r < 0)
                        return r;
                f.b_phase = b.phase;
                r = store_incident_duplicate_of(tx, b.id, b_survivor, sizeof b_survivor);
                f.b_duplicate = r > 0 || b.classification == CLASS_DUPLICATE;
        }
        if (r >= 0)
                r = store_notice_list(tx, inc->id, count_notice, &f.a_notices);
        if (r >= 0)
                r = store_obligation_count_open(tx, inc->id, &f.a_obligations_open);
        if (r >= 0) {
                r = incident_duplicate_check(&f, reason, &o->errors);
                if (r == -VG_ECONFLICT)
                        refusal(o, inc, of);
        }
        if (r < 0)
                goto out;
        snprintf(res.survivor, sizeof res.survivor, "%s", b.key);

        /* A's notes, read before anything is appended to the chain. */
        snprintf(object, sizeof object, "incident:%s", inc->key);
        walk.notes = json_array();
        r = walk.notes ? store_audit_list_object(tx, object, 0, 0, collect_note, &walk) : -ENOMEM;
        res.notes = json_array_size(walk.notes);

        /* A closes as a duplicate. */
        if (r >= 0)
                r = store_alerts_move(tx, inc->id, b.id, &res.alerts);
        if (r >= 0) {
                r = store_advisories_move(tx, inc->id, b.id);
                res.advisories = r;
        }
        if (r >= 0)
                r = store_incident_duplicate_set(tx, inc->id, b.id);
        moved = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "links", (json_int_t)res.alerts.links_moved,
                          "links_already_there", (json_int_t)res.alerts.links_dropped, "alerts",
                          (json_int_t)res.alerts.alerts, "groups", (json_int_t)res.alerts.groups,
                          "notes", (json_int_t)res.notes, "advisories", (json_int_t)res.advisories);
        if (r >= 0 && !moved)
                r = -ENOMEM;
        if (r >= 0)
                change = json_pack("{s:s, s:s, s:s, s:s, s:O}", "of", b.key, "reason", reason,
                                   "from_phase", phase_to_string(inc->phase), "from_classification",
                                   class_to_string(inc->classification), "moved", moved);
        if (r >= 0 && !change)
                r = -ENOMEM;
        if (r >= 0) {
                inc->classification = CLASS_DUPLICATE;
                inc->phase = PHASE_CLOSED;
                inc->closed_at = now;
                r = case_incident_write(tx, actor, now, inc, "incident.duplicate", change, o);
        }
        json_decref(change);
        change = NULL;

        /* B takes A's notes, as new records that say where they came from. */
        json_array_foreach(walk.notes, i, note)
        {
                if (r < 0)
                        break;
                r = store_audit_incident(tx, now, actor, "incident.note", b.key, note);
        }
        if (r >= 0)
                change = json_pack("{s:s, s:s, s:O}", "duplicate", inc->key, "reason", reason,
                                   "moved", moved);
        if (r >= 0 && !change)
                r = -ENOMEM;
        if (r >= 0)
                r = case_incident_write(tx, actor, now, &b, "incident.merge", change, o);
        if (r >= 0 && ret)
                *ret = res;
out:
        json_decref(moved);
        json_decref(change);
        json_decref(walk.notes);
        incident_fini(&b);
        return r;
}

static int add_key(const char *key, void *userdata)
{
        return json_array_append_new(userdata, json_string(key)) == 0 ? 0 : -ENOMEM;
}

int case_incident_duplicates_json(struct store_tx *tx, const struct incident *inc, json_t *j)
{
        char survivor[INCIDENT_KEY_MAX];
        json_t *dups = json_array();
        if (!dups)
                return -ENOMEM;
        int r = store_incident_duplicate_of(tx, inc->id, survivor, sizeof survivor);
        if (r >= 0)
                json_object_set_new(j, "duplicate_of", r > 0 ? json_string(survivor) : json_null());
        if (r >= 0)
                r = store_incident_duplicates_list(tx, inc->id, add_key, dups);
        if (r < 0) {
                json_decref(dups);
                return r;
        }
        json_object_set_new(j, "duplicates", dups);
        return 0;
}
