/* The public status page's advisories as a use case (src/cases/
 * advisories.c), and the check every door that names a service of the
 * organisation shares: it must be one the organisation runs. */
#pragma once

#include "cases/cases.h"

/* 0 when name is a service of the organisation (an org object of kind
 * "service"); -VG_EVALIDATION with o->errors "service" ("no service
 * 'NAME'") when it is not; a store error. Changes nothing. */
int case_service_known(struct store_tx *tx, const char *name, struct case_outcome *o);

#define ADVISORY_MESSAGE_MAX 2000

/* The rules of an advisory ("service" a service name, "state" one of
 * investigating, identified, monitoring, resolved, "message" 1 to
 * ADVISORY_MESSAGE_MAX bytes) into fe. */
void case_advisory_validate(const struct advisory *a, struct field_errors *fe);

/* Post advisory a (service, state, message, and the key of the incident
 * it is about in a->incident, or "") on the status page, by actor at now
 * (set in *a, with its id and incident_id); audit "advisory.post".
 * Refusals: an incident that does not exist (-VG_EVALIDATION, field
 * "incident");
 * -VG_EVALIDATION (case_advisory_validate, and a service the organisation
 * does not run: case_service_known - a typo would otherwise put a service
 * that does not exist on the public page). A refusal writes nothing. */
int case_advisory_post(struct store_tx *tx, const struct actor *actor, vg_usec_t now, struct advisory *a,
                       struct case_outcome *o);
