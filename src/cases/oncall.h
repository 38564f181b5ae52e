/* On-call documents as the server computes with them (src/cases/oncall.c):
 * schedules parsed into core's structures with their overrides, and the
 * people each level of an escalation policy reaches. */
#pragma once

#include "cases/cases.h"
#include "core/oncall.h"
#include "store/store.h"

#include <jansson.h>

#define OVERRIDES_MAX 2000

/* A schedule document's layers and zone. */
struct schedule_doc {
        const struct vg_zone *zone;
        size_t n_layers;
        struct oncall_layer layers[ONCALL_LAYERS_MAX];
};

/* Parse a schedule body; -VG_EVALIDATION with fe filled (fe may be NULL)
 * when it is not valid. Layers are filled as far as they parse. */
int schedule_doc_parse(json_t *body, struct schedule_doc *ret, struct field_errors *fe);
/* "2026-11-02T09:00" -> civil; false when it is not one. */
bool oncall_local_datetime(const char *s, struct vg_civil *c);

/* The org document kind/name as JSON with name, version and updated_at
 * (caller decrefs); -VG_ENOTFOUND when there is none. */
int org_load(struct store_tx *tx, const char *kind, const char *name, json_t **ret);
/* store_org_get/list callback: *(json_t **)userdata = the document. */
int org_object_json(const struct org_object *o, void *userdata);

/* A schedule ready to compute: its layers and the overrides in a range. */
struct loaded_schedule {
        struct schedule_doc doc;
        size_t n_overrides;
        struct oncall_override overrides[OVERRIDES_MAX];
};
/* Load schedule name with the overrides overlapping [from, to) (caller
 * frees *ret); -VG_ENOTFOUND. */
int schedule_load(struct store_tx *tx, const char *name, vg_usec_t from, vg_usec_t to,
                  struct loaded_schedule **ret);
struct oncall_schedule schedule_view(const struct loaded_schedule *l);

/* The final schedule of name over [from, to): the loaded schedule (for its
 * layer names) and its shifts. The caller frees both. -VG_ENOTFOUND. */
int schedule_shifts(struct store_tx *tx, const char *name, vg_usec_t from, vg_usec_t to,
                    struct loaded_schedule **ret_l, struct oncall_shift **ret_sh, size_t *ret_n);
/* Whether user who is party to override o: the person it puts on call
 * (o->user), or the one person it takes off call (whoever the final
 * schedule without o has on call throughout its window, gaps counting as
 * nobody). o->id 0: an override not stored yet. 1 yes, 0 no, negative
 * errno or -VG_* (-VG_ENOTFOUND: no schedule o->schedule). */
int schedule_override_involves(struct store_tx *tx, const struct schedule_override *o,
                               const char *who);
/* The names of every document of kind, sorted; the caller frees *ret. */
int org_names(struct store_tx *tx, const char *kind, char (**ret)[STORE_NAME_MAX], size_t *n);

/* How long a level waits for an acknowledgement, in seconds
 * (delay_minutes or delay_seconds). */
int64_t oncall_level_delay(json_t *level);
/* The levels of escalation policy name with the people each reaches at t:
 * [{level, delay_seconds, oncall: [{user, via}]}] (a team reaches its
 * members, a schedule whoever is on call, a user that user). */
int oncall_levels(struct store_tx *tx, const char *policy_name, vg_usec_t t, json_t **ret);

/* A shift's layer as the API names it: the layer's name, "override" or
 * "gap". */
const char *oncall_source_name(const struct loaded_schedule *l, int source);
/* sh[0..n) as JSON (from, to, and unless gaps_only the user and layer);
 * gaps_only keeps the shifts nobody holds. A new reference. */
json_t *oncall_shifts_json(const struct loaded_schedule *l, const struct oncall_shift *sh, size_t n,
                           bool gaps_only);

/* Coverage of every schedule and service over [from, to) as the doors
 * show it (the API's coverage and metrics, the readiness answer); *ok is
 * false when any schedule has a gap or any service is not covered around
 * the clock. */
int oncall_coverage_json(struct store_tx *tx, vg_usec_t from, vg_usec_t to, json_t **ret, bool *ok);

/* Overrides: someone put on call over a schedule's window. */

/* An override as the doors show it and its audit record holds it (a new
 * reference). */
json_t *case_override_json(const struct schedule_override *o);

/* The rules of o's window and reason into fe ("to": after from, at most 90
 * days later, in the future at now; "reason": text on one line), for a
 * door to answer every field at once; case_override_create checks them
 * too. */
void case_override_validate(const struct schedule_override *o, vg_usec_t now, struct field_errors *fe);

/* Put o->user, an active staff user, on call on schedule o->schedule over
 * [o->starts_at, o->ends_at), created by actor at now (set in *o, with its
 * id). actor holds role: incident managers and admins change any override
 * (they own the schedules; teams have no managers of their own), a
 * responder only one they are party to, as the person it puts on call or
 * the one it takes off. Audit "schedule.override.create". Refusals:
 * -VG_ENOTFOUND (no schedule), -VG_EVALIDATION ("user", the window),
 * -VG_EFORBIDDEN (o->detail). */
int case_override_create(struct store_tx *tx, const struct actor *actor, enum role role, vg_usec_t now,
                         struct schedule_override *o, struct case_outcome *out);

/* Delete override id of schedule, by actor (holding role, as above) at
 * now; the audit record "schedule.override.delete" names what was
 * deleted. Refusals: -VG_ENOTFOUND, -VG_EFORBIDDEN. */
int case_override_delete(struct store_tx *tx, const struct actor *actor, enum role role, vg_usec_t now,
                         const char *schedule, int64_t id, struct case_outcome *out);
