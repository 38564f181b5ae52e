/* POST /api/v1/incidents/{key}/duplicate {"of": KEY, "reason": TEXT}:
 * close the incident in the path as a duplicate of `of`, its alerts and
 * notes moving there (src/cases/duplicate.c). Answers the incident as
 * written, now closed with classification duplicate and duplicate_of set;
 * If-Match names the version read, as for every incident change. */
#include "http/resources.h"

#include "cases/duplicate.h"
#include "core/error.h"

int api_incident_duplicate(struct request *req, struct response *resp)
{
        static const char *const fields[] = {"of", "reason", NULL};
        struct incident inc = {0};
        struct case_outcome o;
        struct store_tx *tx = NULL;
        json_t *body;

        int r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        /* Bounds here keep the problem to the field; the rules (a key, one
         * line of reason text) are the use case's. */
        const char *of = json_field_string(req, body, "of", true, INCIDENT_KEY_MAX - 1);
        const char *reason = json_field_string(req, body, "reason", true, DUPLICATE_REASON_MAX);
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;

        struct actor a = request_actor(req);
        r = api_incident_change_begin(req, &tx, &inc, &o);
        if (r >= 0)
                r = case_incident_duplicate(tx, &a, req->now, &inc, of, reason, NULL, &o);
        return api_incident_change_end(req, resp, tx, &inc, &o, r);
}
