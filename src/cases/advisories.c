/* Advisories: what the public status page says about a service. */
#include "cases/advisories.h"

#include "core/error.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

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

int case_advisory_post(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                       struct advisory *a, struct case_outcome *o)
{
        int r = case_service_known(tx, a->service, o);
        if (r >= 0)
                r = store_advisory_add(tx, a);
        if (r < 0)
                return r;
        char object[32];
        snprintf(object, sizeof object, "advisory:%" PRId64, a->id);
        json_t *change = json_pack("{s:s, s:s, s:s}", "service", a->service, "state", a->state,
                                   "message", a->message);
        r = change ? store_audit_append(tx, now, actor, "advisory.post", object, change) : -ENOMEM;
        json_decref(change);
        return r;
}
