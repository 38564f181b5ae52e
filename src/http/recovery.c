/* Recovery checkpoints: the last known good state of each affected asset
 * and the validation checks that prove the return to it. The doors of
 * src/cases/recovery.c, where the rules are: each change is one use case
 * in one transaction. */
#include "http/resources.h"

#include "cases/tasks.h"
#include "core/error.h"
#include "core/names.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The incident in the path, read in a read transaction. */
static int open_read(struct request *req, struct store_tx **tx, struct incident *inc)
{
        int r = store_begin_read(req->store, tx);
        if (r < 0) {
                *tx = NULL;
                return r;
        }
        return request_incident_load(req, *tx, inc);
}

static int add_asset(const struct recovery_asset *a, void *userdata)
{
        return json_array_append_new(userdata, case_recovery_asset_json(a)) == 0 ? 0 : -ENOMEM;
}

static int add_check(const struct recovery_check *c, void *userdata)
{
        return json_array_append_new(userdata, case_recovery_check_json(c)) == 0 ? 0 : -ENOMEM;
}

int api_recovery_get(struct request *req, struct response *resp)
{
        struct incident inc = { 0 };
        struct store_tx *tx;
        json_t *assets = json_array(), *checks = json_array();
        int r = open_read(req, &tx, &inc);
        if (r >= 0)
                r = store_recovery_asset_list(tx, inc.id, add_asset, assets);
        if (r >= 0)
                r = store_recovery_check_list(tx, inc.id, add_check, checks);
        store_rollback(tx);
        incident_fini(&inc);
        if (r < 0) {
                json_decref(assets);
                json_decref(checks);
                return r;
        }
        return response_json(resp, 200, json_pack("{s:o, s:o}", "assets", assets, "checks", checks));
}

/* The end of a change: the outcome into the problem, or what was written
 * (json, stolen); then commit, or roll back on failure. */
static int end_change(struct request *req, struct response *resp, struct store_tx *tx, int r,
                      const struct case_outcome *o, unsigned status, json_t *json)
{
        request_outcome(req, o);
        if (r >= 0)
                r = response_json(resp, status, json);
        else
                json_decref(json);
        return tx ? store_finish(tx, r) : r;
}

int api_recovery_asset_put(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "snapshot", "build", "config_hash", "restore_actions", NULL };
        struct recovery_asset a = { 0 };
        struct case_outcome o;
        struct store_tx *tx = NULL;
        json_t *body;
        int r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        const char *snap = json_field_string(req, body, "snapshot", false, RECOVERY_FIELD_MAX - 1);
        const char *build = json_field_string(req, body, "build", false, RECOVERY_FIELD_MAX - 1);
        const char *hash = json_field_string(req, body, "config_hash", false, RECOVERY_FIELD_MAX - 1);
        a.restore_actions = json_field_string(req, body, "restore_actions", false, INCIDENT_TEXT_MAX);
        /* A path segment longer than a name holds is no name: left empty,
         * the rule refuses it. */
        if (strlen(req->params[1]) < sizeof a.asset)
                snprintf(a.asset, sizeof a.asset, "%.*s", (int)sizeof a.asset - 1, req->params[1]);
        snprintf(a.snapshot, sizeof a.snapshot, "%s", snap ? snap : "");
        snprintf(a.build, sizeof a.build, "%s", build ? build : "");
        snprintf(a.config_hash, sizeof a.config_hash, "%s", hash ? hash : "");
        case_recovery_asset_validate(&a, &req->errors);
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;
        case_outcome_init(&o);
        struct actor actor = request_actor(req);
        r = store_begin(req->store, &tx);
        if (r >= 0)
                r = case_recovery_asset_put(tx, &actor, req->now, req->params[0], &a, &o);
        return end_change(req, resp, tx, r, &o, 200, r >= 0 ? case_recovery_asset_json(&a) : NULL);
}

int api_recovery_check_create(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "name", "asset", NULL };
        struct recovery_check c = { 0 };
        struct case_outcome o;
        struct store_tx *tx = NULL;
        json_t *body;
        int r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        const char *name = json_field_string(req, body, "name", true, RECOVERY_FIELD_MAX - 1);
        const char *asset = json_field_string(req, body, "asset", false, STORE_NAME_MAX - 1);
        snprintf(c.name, sizeof c.name, "%s", name ? name : "");
        snprintf(c.asset, sizeof c.asset, "%s", asset ? asset : "");
        if (asset && !*asset) /* none is leaving it out */
                fielderr_add(&req->errors, "asset", CASE_ASSET_NAME_RULE);
        else if (name)
                case_recovery_check_validate(&c, &req->errors);
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;
        case_outcome_init(&o);
        struct actor actor = request_actor(req);
        r = store_begin(req->store, &tx);
        if (r >= 0)
                r = case_recovery_check_create(tx, &actor, req->now, req->params[0], &c, &o);
        return end_change(req, resp, tx, r, &o, 201, r >= 0 ? case_recovery_check_json(&c) : NULL);
}

int api_recovery_check_update(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "result", "detail", NULL };
        struct recovery_check c;
        struct case_outcome o;
        struct store_tx *tx = NULL;
        json_t *body;
        int r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        const char *result = json_field_string(req, body, "result", true, 16);
        const char *detail = json_field_string(req, body, "detail", false, 1024);
        enum check_result res = CHECK_PENDING; /* neither pass nor fail: the use case refuses it */
        if (result && strcmp(result, "pass") == 0)
                res = CHECK_PASS;
        else if (result && strcmp(result, "fail") == 0)
                res = CHECK_FAIL;
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;
        char *end;
        long long id = strtoll(req->params[1], &end, 10);
        if (*end || id <= 0) {
                request_detail(req, "no check %s in %s", req->params[1], req->params[0]);
                return -VG_ENOTFOUND;
        }
        case_outcome_init(&o);
        struct actor actor = request_actor(req);
        r = store_begin(req->store, &tx);
        if (r >= 0)
                r = case_recovery_check_record(tx, &actor, req->now, req->params[0], id, res, detail, &c, &o);
        return end_change(req, resp, tx, r, &o, 200, r >= 0 ? case_recovery_check_json(&c) : NULL);
}
