/* Recovery checkpoints: the last known good state of each affected asset
 * (snapshot, build, configuration hash) and how it was restored, and the
 * validation checks that prove the return to a known good state. Recovery
 * cannot be left with a check that failed or has no result. */
#include "http/resources.h"

#include "core/error.h"
#include "core/names.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const results[] = { "pending", "pass", "fail" };

static json_t *asset_json(const struct recovery_asset *a)
{
        return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "asset", a->asset, "snapshot", a->snapshot,
                         "build", a->build, "config_hash", a->config_hash, "restore_actions",
                         a->restore_actions ? a->restore_actions : "", "recorded_by", a->recorded_by,
                         "recorded_at", json_time(a->recorded_at));
}

static json_t *check_json(const struct recovery_check *c)
{
        return json_pack("{s:I, s:o, s:s, s:s, s:s, s:o, s:o, s:o}", "id", (json_int_t)c->id, "asset",
                         c->asset[0] ? json_string(c->asset) : json_null(), "name", c->name, "result",
                         results[c->result], "detail", c->detail, "checked_by",
                         c->checked_by[0] ? json_string(c->checked_by) : json_null(), "checked_at",
                         json_time(c->checked_at), "created_at", json_time(c->created_at));
}

/* Open a write (or read) transaction on the incident in the path; a
 * closed incident takes no more changes. */
static int open_incident(struct request *req, bool write, struct store_tx **tx, struct incident *inc)
{
        int r = write ? store_begin(req->store, tx) : store_begin_read(req->store, tx);
        if (r < 0) {
                *tx = NULL;
                return r;
        }
        r = request_incident_load(req, *tx, inc);
        if (r >= 0 && write && incident_closed(inc->phase)) {
                request_detail(req, "the incident is closed");
                r = -VG_ECONFLICT;
        }
        return r;
}

static int audit(struct request *req, struct store_tx *tx, const struct incident *inc, const char *action,
                 json_t *change)
{
        int r = change ? request_audit_incident(req, tx, action, inc->key, change) : -ENOMEM;
        json_decref(change);
        return r;
}

static int add_asset(const struct recovery_asset *a, void *userdata)
{
        return json_array_append_new(userdata, asset_json(a)) == 0 ? 0 : -ENOMEM;
}

static int add_check(const struct recovery_check *c, void *userdata)
{
        return json_array_append_new(userdata, check_json(c)) == 0 ? 0 : -ENOMEM;
}

int api_recovery_get(struct request *req, struct response *resp)
{
        struct incident inc = { 0 };
        struct store_tx *tx;
        json_t *assets = json_array(), *checks = json_array();
        int r = open_incident(req, false, &tx, &inc);
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

int api_recovery_asset_put(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "snapshot", "build", "config_hash", "restore_actions", NULL };
        struct recovery_asset a = { 0 };
        struct incident inc = { 0 };
        struct store_tx *tx = NULL;
        json_t *body;
        int r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        if (!tenant_id_valid(req->params[1]))
                fielderr_add(&req->errors, "asset", "an asset name is 1 to 64 of A-Z, a-z, 0-9, '.', '_', '-'");
        const char *snap = json_field_string(req, body, "snapshot", false, RECOVERY_FIELD_MAX - 1);
        const char *build = json_field_string(req, body, "build", false, RECOVERY_FIELD_MAX - 1);
        const char *hash = json_field_string(req, body, "config_hash", false, RECOVERY_FIELD_MAX - 1);
        a.restore_actions = json_field_string(req, body, "restore_actions", false, INCIDENT_TEXT_MAX);
        if (!(snap && *snap) && !(build && *build) && !(hash && *hash))
                fielderr_add(&req->errors, "snapshot",
                             "a last known good state needs at least one of snapshot, build, config_hash");
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;
        snprintf(a.asset, sizeof a.asset, "%.*s", (int)sizeof a.asset - 1, req->params[1]); /* checked above */
        snprintf(a.snapshot, sizeof a.snapshot, "%s", snap ? snap : "");
        snprintf(a.build, sizeof a.build, "%s", build ? build : "");
        snprintf(a.config_hash, sizeof a.config_hash, "%s", hash ? hash : "");
        snprintf(a.recorded_by, sizeof a.recorded_by, "%s", req->who.user.name);
        a.recorded_at = req->now;

        r = open_incident(req, true, &tx, &inc);
        if (r >= 0)
                r = store_recovery_asset_put(tx, inc.id, &a);
        if (r >= 0)
                r = audit(req, tx, &inc, "incident.recovery.asset", asset_json(&a));
        if (r >= 0)
                r = response_json(resp, 200, asset_json(&a));
        r = tx ? store_finish(tx, r) : r;
        incident_fini(&inc);
        return r;
}

int api_recovery_check_create(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "name", "asset", NULL };
        struct recovery_check c = { .result = CHECK_PENDING };
        struct incident inc = { 0 };
        struct store_tx *tx = NULL;
        json_t *body;
        int r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        const char *name = json_field_string(req, body, "name", true, RECOVERY_FIELD_MAX - 1);
        if (name && !text_valid(name, RECOVERY_FIELD_MAX - 1))
                fielderr_add(&req->errors, "name", "must be 1 to %d bytes of text on one line", RECOVERY_FIELD_MAX - 1);
        const char *asset = json_field_string(req, body, "asset", false, STORE_NAME_MAX - 1);
        if (asset && !tenant_id_valid(asset))
                fielderr_add(&req->errors, "asset", "an asset name is 1 to 64 of A-Z, a-z, 0-9, '.', '_', '-'");
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;
        snprintf(c.name, sizeof c.name, "%s", name);
        snprintf(c.asset, sizeof c.asset, "%s", asset ? asset : "");
        c.created_at = req->now;

        r = open_incident(req, true, &tx, &inc);
        c.incident_id = inc.id;
        if (r >= 0)
                r = store_recovery_check_insert(tx, &c);
        if (r >= 0)
                r = audit(req, tx, &inc, "incident.recovery.check", check_json(&c));
        if (r >= 0)
                r = response_json(resp, 201, check_json(&c));
        r = tx ? store_finish(tx, r) : r;
        incident_fini(&inc);
        return r;
}

int api_recovery_check_update(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "result", "detail", NULL };
        struct recovery_check c;
        struct incident inc = { 0 };
        struct store_tx *tx = NULL;
        json_t *body;
        int r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        const char *result = json_field_string(req, body, "result", true, 16);
        const char *detail = json_field_string(req, body, "detail", false, 1024);
        enum check_result res = CHECK_PENDING;
        if (result && strcmp(result, "pass") == 0)
                res = CHECK_PASS;
        else if (result && strcmp(result, "fail") == 0)
                res = CHECK_FAIL;
        else if (result)
                fielderr_add(&req->errors, "result", "must be pass or fail");
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;
        char *end;
        long long id = strtoll(req->params[1], &end, 10);

        r = open_incident(req, true, &tx, &inc);
        if (r >= 0) {
                r = *end || id <= 0 ? -VG_ENOTFOUND : store_recovery_check_get(tx, inc.id, id, &c);
                if (r == -VG_ENOTFOUND)
                        request_detail(req, "no check %s in %s", req->params[1], inc.key);
        }
        if (r >= 0) {
                c.result = res;
                snprintf(c.detail, sizeof c.detail, "%s", detail ? detail : "");
                snprintf(c.checked_by, sizeof c.checked_by, "%s", req->who.user.name);
                c.checked_at = req->now;
                r = store_recovery_check_update(tx, &c);
        }
        if (r >= 0)
                r = audit(req, tx, &inc, "incident.recovery.check", check_json(&c));
        if (r >= 0)
                r = response_json(resp, 200, check_json(&c));
        r = tx ? store_finish(tx, r) : r;
        incident_fini(&inc);
        return r;
}
