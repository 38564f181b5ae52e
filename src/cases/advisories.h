/* The public status page's advisories as a use case (src/cases/
 * advisories.c), and the check every door that names a service of the
 * organisation shares: it must be one the organisation runs. */
#pragma once

#include "cases/cases.h"

/* 0 when name is a service of the organisation (an org object of kind
 * "service"); -VG_EVALIDATION with o->errors "service" ("no service
 * 'NAME'") when it is not; a store error. Changes nothing. */
int case_service_known(struct store_tx *tx, const char *name, struct case_outcome *o);

/* Post a (service, state and message as the door checked them; posted_at
 * and posted_by as given) with the audit record "advisory.post" by actor
 * at now, in tx; a->id is set. The service must be known
 * (case_service_known): a typo would otherwise put a service that does
 * not exist on the public page. A refusal writes nothing. */
int case_advisory_post(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                       struct advisory *a, struct case_outcome *o);
