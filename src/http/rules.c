/* The notification rules in force: GET /api/v1/rules lists every rule
 * of the loaded file, with its conditions, its deadline in words, what a
 * report must contain, and how sure the research behind it was. */
#include "http/resources.h"

#include "cases/rules.h"
#include "core/error.h"

#include <errno.h>

int api_rule_list(struct request *req, struct response *resp)
{
        if (!req->rules) {
                request_detail(req, "no notification rules are loaded");
                return -VG_ENOTFOUND;
        }
        json_t *j = case_rules_json(req->rules);
        if (!j)
                return -ENOMEM;
        return response_json(resp, 200, j);
}
