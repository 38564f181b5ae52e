/* Advisories: what the public status page says about a service. */
#include "cases/advisories.h"

#include "core/error.h"
#include "core/names.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int service_found(const struct org_object *s, void *userdata)
{
        (void)s;
        *(bool *)userdata = true;
        return 0;
}

int case_service_known(struct store_tx *tx, const char *name, struct case_outcome *o)
{
        bool found = false;
        int r = store_org_get(tx, "service", name, service_found, &found);
        if (r == -VG_ENOTFOUND || (r >= 0 && !found)) {
                fielderr_add(&o->errors, "service", "no service '%s'", name);
                return -VG_EVALIDATION;
        }
        return r < 0 ? r : 0;
}

void case_advisory_validate(const struct advisory *a, struct field_errors *fe)
{
        static const char *const states[] = {"investigating", "identified", "monitoring", "resolved"};
        bool ok = false;
        if (!tenant_id_valid(a->service))
                fielderr_add(fe, "service", "is not a service name");
        for (size_t i = 0; i < sizeof states / sizeof states[0]; i++)
                ok |= strcmp(a->state, states[i]) == 0;
        if (!ok)
                fielderr_add(fe, "state", "must be investigating, identified, monitoring or resolved");
        if (!a->message || !*a->message || strlen(a->message) > ADVISORY_MESSAGE_MAX)
                fielderr_add(fe, "message", "must say something (at most %d bytes)", ADVISORY_MESSAGE_MAX);
}

int case_advisory_post(struct store_tx *tx, const struct actor *actor, vg_usec_t now, struct advisory *a,
                       struct case_outcome *o)
{
        case_advisory_validate(a, &o->errors);
        if (fielderr_any(&o->errors))
                return -VG_EVALIDATION;
        int r = case_service_known(tx, a->service, o);
        if (r < 0)
                return r;
        a->incident_id = 0;
        if (a->incident[0]) {
                struct incident inc = { 0 };
                r = store_incident_get(tx, a->incident, &inc);
                a->incident_id = inc.id;
                incident_fini(&inc);
                if (r == -VG_ENOTFOUND) {
                        fielderr_add(&o->errors, "incident", "no incident %s", a->incident);
                        return -VG_EVALIDATION;
                }
                if (r < 0)
                        return r;
        }
        snprintf(a->posted_by, sizeof a->posted_by, "%s", actor->name);
        a->posted_at = now;
        r = store_advisory_add(tx, a);
        if (r < 0)
                return r;
        char object[48];
        snprintf(object, sizeof object, "advisory:%lld", (long long)a->id);
        json_t *change = json_pack("{s:s, s:s, s:s}", "service", a->service, "state", a->state, "message", a->message);
        if (change && a->incident_id)
                json_object_set_new(change, "incident", json_string(a->incident));
        r = change ? store_audit_append(tx, now, actor, "advisory.post", object, change) : -ENOMEM;
        json_decref(change);
        return r;
}
