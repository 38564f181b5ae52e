/* Recovery checkpoints: the last known good state of each affected asset
 * (snapshot, build, configuration hash) and how it was restored, and the
 * validation checks that prove the return to a known good state. Recovery
 * cannot be left with a check that failed or has no result (core's exit
 * criteria, fed by case_incident_facts). */
#include "cases/tasks.h"

#include "core/error.h"
#include "core/names.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const char *const results[] = {"pending", "pass", "fail"};

json_t *case_recovery_asset_json(const struct recovery_asset *a)
{
        return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "asset", a->asset, "snapshot",
                         a->snapshot, "build", a->build, "config_hash", a->config_hash,
                         "restore_actions", a->restore_actions ? a->restore_actions : "",
                         "recorded_by", a->recorded_by, "recorded_at", case_time_json(a->recorded_at));
}

json_t *case_recovery_check_json(const struct recovery_check *c)
{
        return json_pack("{s:I, s:o, s:s, s:s, s:s, s:o, s:o, s:o}", "id", (json_int_t)c->id, "asset",
                         c->asset[0] ? json_string(c->asset) : json_null(), "name", c->name, "result",
                         results[c->result], "detail", c->detail, "checked_by",
                         c->checked_by[0] ? json_string(c->checked_by) : json_null(), "checked_at",
                         case_time_json(c->checked_at), "created_at", case_time_json(c->created_at));
}

/* The incident key, read in tx, that takes a change. */
static int changeable_get(struct store_tx *tx, const char *key, struct incident *inc,
                          struct case_outcome *o)
{
        int r = case_incident_get(tx, key, inc, o);
        return r < 0 ? r : case_incident_changeable(inc, o);
}

/* The audit record action on inc, with change (stolen). */
static int audit(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                 const struct incident *inc, const char *action, json_t *change)
{
        int r = change ? store_audit_incident(tx, now, actor, action, inc->key, change) : -ENOMEM;
        json_decref(change);
        return r;
}



void case_recovery_asset_validate(const struct recovery_asset *a, struct field_errors *fe)
{
        if (!tenant_id_valid(a->asset))
                fielderr_add(fe, "asset", CASE_ASSET_NAME_RULE);
        if (!a->snapshot[0] && !a->build[0] && !a->config_hash[0])
                fielderr_add(fe, "snapshot",
                             "a last known good state needs at least one of snapshot, build, config_hash");
}

void case_recovery_check_validate(const struct recovery_check *c, struct field_errors *fe)
{
        if (!text_valid(c->name, sizeof c->name - 1))
                fielderr_add(fe, "name", "must be 1 to %zu bytes of text on one line", sizeof c->name - 1);
        if (c->asset[0] && !tenant_id_valid(c->asset))
                fielderr_add(fe, "asset", CASE_ASSET_NAME_RULE);
}

int case_recovery_asset_put(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                            const char *key, struct recovery_asset *a, struct case_outcome *o)
{
        struct incident inc = {0};
        case_recovery_asset_validate(a, &o->errors);
        if (fielderr_any(&o->errors))
                return -VG_EVALIDATION;
        snprintf(a->recorded_by, sizeof a->recorded_by, "%s", actor->name);
        a->recorded_at = now;
        int r = changeable_get(tx, key, &inc, o);
        if (r >= 0)
                r = store_recovery_asset_put(tx, inc.id, a);
        if (r >= 0)
                r = audit(tx, actor, now, &inc, "incident.recovery.asset", case_recovery_asset_json(a));
        incident_fini(&inc);
        return r;
}

int case_recovery_check_create(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                               const char *key, struct recovery_check *c, struct case_outcome *o)
{
        struct incident inc = {0};
        case_recovery_check_validate(c, &o->errors);
        if (fielderr_any(&o->errors))
                return -VG_EVALIDATION;
        c->result = CHECK_PENDING;
        c->detail[0] = c->checked_by[0] = '\0';
        c->checked_at = VG_TIME_UNSET;
        c->created_at = now;
        int r = changeable_get(tx, key, &inc, o);
        c->incident_id = inc.id;
        if (r >= 0)
                r = store_recovery_check_insert(tx, c);
        if (r >= 0)
                r = audit(tx, actor, now, &inc, "incident.recovery.check", case_recovery_check_json(c));
        incident_fini(&inc);
        return r;
}

int case_recovery_check_record(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                               const char *key, int64_t id, enum check_result result,
                               const char *detail, struct recovery_check *ret,
                               struct case_outcome *o)
{
        struct incident inc = {0};
        if (result != CHECK_PASS && result != CHECK_FAIL) {
                fielderr_add(&o->errors, "result", "must be pass or fail");
                return -VG_EVALIDATION;
        }
        int r = changeable_get(tx, key, &inc, o);
        if (r >= 0) {
                r = id > 0 ? store_recovery_check_get(tx, inc.id, id, ret) : -VG_ENOTFOUND;
                if (r == -VG_ENOTFOUND)
                        case_outcome_detail(o, "no check %lld in %s", (long long)id, inc.key);
        }
        if (r >= 0) {
                ret->result = result;
                snprintf(ret->detail, sizeof ret->detail, "%s", detail ? detail : "");
                snprintf(ret->checked_by, sizeof ret->checked_by, "%s", actor->name);
                ret->checked_at = now;
                r = store_recovery_check_update(tx, ret);
        }
        if (r >= 0)
                r = audit(tx, actor, now, &inc, "incident.recovery.check", case_recovery_check_json(ret));
        incident_fini(&inc);
        return r;
}
