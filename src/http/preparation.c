/* Preparation: incident-response training records with who is overdue
 * (NIST IR-2), and the incident response plan (IR-8), kept as numbered
 * versions: the doors of src/cases/preparation.c, which generates the
 * plan from the live configuration. */
#define _GNU_SOURCE
#include "http/resources.h"

#include "cases/preparation.h"
#include "core/error.h"
#include "core/names.h"
#include "report/markdown.h"
#include "report/report.h"

#include <errno.h>
#include <stdarg.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- training ---- */

int api_training_add(struct request *req, struct response *resp)
{
        static const char *const fields[] = { "user", "course", "completed_at", "evidence", NULL };
        struct training_record t = { 0 };
        struct case_outcome o;
        struct store_tx *tx = NULL;
        json_t *body;
        int r = request_json_object(req, &body);
        if (r < 0)
                return r;
        json_only_fields(req, body, fields);
        const char *user = json_field_string(req, body, "user", true, STORE_NAME_MAX - 1);
        t.course = json_field_string(req, body, "course", true, TRAINING_COURSE_MAX);
        const char *done = json_field_string(req, body, "completed_at", true, 64);
        t.evidence = json_field_string(req, body, "evidence", false, TRAINING_EVIDENCE_MAX);
        if (t.course)
                case_training_validate(&t, req->now, &req->errors);
        if (done)
                request_time(req, "completed_at", done, req->now, &t.completed_at);
        if (fielderr_any(&req->errors))
                return -VG_EVALIDATION;
        snprintf(t.user, sizeof t.user, "%s", user);
        case_outcome_init(&o);
        struct actor a = request_actor(req);
        r = store_begin(req->store, &tx);
        if (r < 0)
                return r;
        r = case_training_record(tx, &a, req->now, &t, &o);
        request_outcome(req, &o);
        if (r >= 0)
                r = response_json(resp, 201, case_training_json(&t));
        return store_finish(tx, r);
}

static int add_record(const struct training_record *t, void *userdata)
{
        return json_array_append_new(userdata, case_training_json(t));
}

int api_training_list(struct request *req, struct response *resp)
{
        struct store_tx *tx;
        const char *user = request_query(req, "user");
        if (user && !username_valid(user)) {
                fielderr_add(&req->errors, "user", "not a user name");
                return -VG_EVALIDATION;
        }
        json_t *items = json_array();
        int r = store_begin_read(req->store, &tx);
        if (r >= 0) {
                r = store_training_list(tx, user, add_record, items);
                store_rollback(tx);
        }
        if (r < 0) {
                json_decref(items);
                return r;
        }
        return response_json(resp, 200, json_pack("{s:o}", "items", items));
}

int api_training_status(struct request *req, struct response *resp)
{
        struct store_tx *tx;
        json_t *out = NULL;
        int r = store_begin_read(req->store, &tx);
        if (r < 0)
                return r;
        r = report_training(tx, req->now, req->cfg->training_interval * VG_USEC_PER_SEC, &out);
        store_rollback(tx);
        return r < 0 ? r : response_json(resp, 200, out);
}

/* ---- the incident response plan ---- */

static json_t *plan_json(const struct plan_version *p, bool with_body)
{
        json_t *j = json_pack("{s:I, s:s, s:s, s:o}", "version", (json_int_t)p->version, "digest", p->digest,
                              "created_by", p->created_by, "created_at", json_time(p->created_at));
        if (j && with_body) {
                char *html = NULL;
                json_object_set_new(j, "markdown", json_string(p->body));
                json_object_set_new(j, "html", markdown_html(p->body, strlen(p->body), &html) >= 0 ? json_string(html)
                                                                                                  : json_null());
                free(html);
        }
        return j;
}

static int plan_copy(const struct plan_version *p, void *userdata)
{
        json_t **out = userdata;
        *out = plan_json(p, true);
        return *out ? 0 : -ENOMEM;
}

/* Generate the plan; a new version only when the text changed. */
int api_plan_generate(struct request *req, struct response *resp)
{
        const struct plan_inputs in = { .rules = req->rules,
                                        .two_person = req->cfg->notices.two_person,
                                        .training_interval = req->cfg->training_interval };
        struct plan_result res;
        struct store_tx *tx;
        int r = store_begin(req->store, &tx);
        if (r < 0)
                return r;
        struct actor a = request_actor(req);
        r = case_plan_generate(tx, &a, req->now, &in, &res);
        if (r >= 0) {
                json_t *out = plan_json(&res.p, true);
                json_object_set_new(out, "changed", json_boolean(res.created));
                r = response_json(resp, res.created ? 201 : 200, out);
        }
        plan_result_fini(&res);
        return store_finish(tx, r);
}

int api_plan_get(struct request *req, struct response *resp)
{
        struct store_tx *tx;
        json_t *out = NULL;
        int64_t version = 0;
        if (req->n_params) {
                char *end;
                version = strtoll(req->params[0], &end, 10);
                if (*end || version <= 0) {
                        request_detail(req, "no plan version %s", req->params[0]);
                        return -VG_ENOTFOUND;
                }
        }
        int r = store_begin_read(req->store, &tx);
        if (r < 0)
                return r;
        r = store_plan_get(tx, version, plan_copy, &out);
        store_rollback(tx);
        if (r == -VG_ENOTFOUND)
                request_detail(req, version ? "no plan version %lld" : "no plan yet%.0lld; POST /api/v1/plan generates it",
                               (long long)version);
        return r < 0 ? r : response_json(resp, 200, out);
}

static int plan_item(const struct plan_version *p, void *userdata)
{
        return json_array_append_new(userdata, plan_json(p, false));
}

int api_plan_versions(struct request *req, struct response *resp)
{
        struct store_tx *tx;
        json_t *items = json_array();
        int r = store_begin_read(req->store, &tx);
        if (r >= 0) {
                r = store_plan_list(tx, plan_item, items);
                store_rollback(tx);
        }
        if (r < 0) {
                json_decref(items);
                return r;
        }
        return response_json(resp, 200, json_pack("{s:o}", "items", items));
}
