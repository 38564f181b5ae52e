/* Route handlers, one file per resource. Each is bound to its path and the
 * roles it admits in routes.c, and documented in docs/openapi.yaml. */
#pragma once

#include "http/request.h"
#include "intake/intake.h"

/* health.c */
int health_live(struct request *req, struct response *resp);
int health_ready(struct request *req, struct response *resp);
int metrics_get(struct request *req, struct response *resp);
/* session.c */
int session_create(struct request *req, struct response *resp);
int session_get(struct request *req, struct response *resp);
int session_delete(struct request *req, struct response *resp);
/* tokens.c */
int token_create(struct request *req, struct response *resp);
int token_list(struct request *req, struct response *resp);
int token_revoke(struct request *req, struct response *resp);
/* users.c */
int user_list(struct request *req, struct response *resp);
int user_create(struct request *req, struct response *resp);
int user_get(struct request *req, struct response *resp);
int user_update(struct request *req, struct response *resp);
/* incidents.c */
/* The incident named in the path (params[0]), read in tx; -VG_ENOTFOUND
 * with the detail set when there is none. */
int incident_load(struct request *req, struct store_tx *tx, struct incident *inc);
int incident_create(struct request *req, struct response *resp);
int incident_list(struct request *req, struct response *resp);
int incident_get(struct request *req, struct response *resp);
int incident_classify(struct request *req, struct response *resp);
int incident_advance(struct request *req, struct response *resp);
int incident_declare(struct request *req, struct response *resp);
int incident_scope(struct request *req, struct response *resp);
int incident_note(struct request *req, struct response *resp);
int incident_timeline(struct request *req, struct response *resp);
int incident_exit_criteria(struct request *req, struct response *resp);
int anchor_list(struct request *req, struct response *resp);
int anchor_set(struct request *req, struct response *resp);
/* tasks.c */
int task_create(struct request *req, struct response *resp);
int task_list(struct request *req, struct response *resp);
int task_update(struct request *req, struct response *resp);
int approval_decide(struct request *req, struct response *resp);
json_t *task_json(const struct task *t);
/* Add the task and approval counts the exit criteria need to f. */
int task_facts(struct store_tx *tx, int64_t incident_id, struct incident_facts *f);
int incident_update(struct request *req, struct response *resp);
/* recovery.c */
int recovery_get(struct request *req, struct response *resp);
int recovery_asset_put(struct request *req, struct response *resp);
int recovery_check_create(struct request *req, struct response *resp);
int recovery_check_update(struct request *req, struct response *resp);
/* Add the asset and validation counts the exit criteria need to f. */
int recovery_facts(struct store_tx *tx, int64_t incident_id, struct incident_facts *f);
/* vigilance.c */
int vigilance_match_route(struct request *req, struct response *resp);
int alert_link_list(struct request *req, struct response *resp);
int alert_link_create(struct request *req, struct response *resp);
/* amv2.c: Alertmanager API v2 */
int amv2_alerts_get(struct request *req, struct response *resp);
int amv2_silences_get(struct request *req, struct response *resp);
int amv2_silences_post(struct request *req, struct response *resp);
int amv2_silence_get(struct request *req, struct response *resp);
int amv2_silence_delete(struct request *req, struct response *resp);
int amv2_status(struct request *req, struct response *resp);
/* intake.c: every intake door (the route names its intake_sources row) */
int intake_post(struct request *req, struct response *resp);
/* A batch of alerts on its way to the intake writer while its request is
 * parked (request_park): the request's thread serves others meanwhile. */
struct parked_intake {
        struct intake_parsed parsed; /* owns its batch */
        struct intake_result res;
        struct intake_ticket ticket;
        struct actor actor;
        const struct intake_source *source; /* borrows: the route's row */
        struct request *req;                /* borrows */
};
/* integrations.c */
int integration_key_create(struct request *req, struct response *resp);
int integration_key_list(struct request *req, struct response *resp);
int integration_key_revoke(struct request *req, struct response *resp);
/* org.c: teams, services, schedules, escalation policies (the kind is the
 * route's path) */
int org_put(struct request *req, struct response *resp);
int org_get(struct request *req, struct response *resp);
int org_list(struct request *req, struct response *resp);
int org_delete(struct request *req, struct response *resp);
/* oncall.c */
int schedule_final(struct request *req, struct response *resp);
int override_create(struct request *req, struct response *resp);
int override_list(struct request *req, struct response *resp);
int override_delete(struct request *req, struct response *resp);
int oncall_coverage(struct request *req, struct response *resp);
int oncall_get(struct request *req, struct response *resp);
/* notices.c */
int notice_create(struct request *req, struct response *resp);
int notice_list(struct request *req, struct response *resp);
int notice_release(struct request *req, struct response *resp);

/* preparation.c: training (IR-2) and the response plan (IR-8) */
int training_add(struct request *req, struct response *resp);
int training_list(struct request *req, struct response *resp);
int training_status(struct request *req, struct response *resp);
int plan_generate(struct request *req, struct response *resp);
int plan_get(struct request *req, struct response *resp);
int plan_versions(struct request *req, struct response *resp);

/* web.c: the static pages */
int web_file(struct request *req, struct response *resp, const char *name);
int web_get(struct request *req, struct response *resp);
int web_index(struct request *req, struct response *resp);
bool request_wants_html(const struct request *req);

/* reports.c */
int report_metrics_get(struct request *req, struct response *resp);
int report_evidence_get(struct request *req, struct response *resp);
int report_incident_get(struct request *req, struct response *resp);

/* postmortems.c */
int postmortem_get(struct request *req, struct response *resp);
int postmortem_put(struct request *req, struct response *resp);
int postmortem_approve(struct request *req, struct response *resp);
int postmortem_reopen(struct request *req, struct response *resp);
int improvement_create(struct request *req, struct response *resp);
int improvement_update(struct request *req, struct response *resp);
int improvement_list(struct request *req, struct response *resp);
int obligation_waive(struct request *req, struct response *resp);
int obligation_due_list(struct request *req, struct response *resp);
/* The close criteria's post-mortem and obligation facts. */
int postmortem_facts(struct store_tx *tx, int64_t incident_id, struct incident_facts *f);

/* portal.c: the customer portal and the public status page */
int portal_notices(struct request *req, struct response *resp);
int portal_notice_ack(struct request *req, struct response *resp);
int portal_incidents(struct request *req, struct response *resp);
int portal_report(struct request *req, struct response *resp);
int portal_status(struct request *req, struct response *resp);
int advisory_post(struct request *req, struct response *resp);
int status_get(struct request *req, struct response *resp);
int status_atom(struct request *req, struct response *resp);
/* obligations.c */
int obligation_list(struct request *req, struct response *resp);
int obligation_sent(struct request *req, struct response *resp);
/* Recompute the obligations of incident key in tx (after a declaration,
 * a scope or anchor change, a report sent). */
int request_obligations_recompute(struct request *req, struct store_tx *tx, const char *key);
/* tenants.c */
int tenant_list(struct request *req, struct response *resp);
int tenant_get(struct request *req, struct response *resp);
int tenant_put(struct request *req, struct response *resp);
int tenant_delete(struct request *req, struct response *resp);
int tenant_import(struct request *req, struct response *resp);
/* calendar.c */
int feed_create(struct request *req, struct response *resp);
int feed_list(struct request *req, struct response *resp);
int feed_revoke(struct request *req, struct response *resp);
int calendar_get(struct request *req, struct response *resp);
/* pages.c */
int page_list(struct request *req, struct response *resp);
int page_ack(struct request *req, struct response *resp);
int ack_link_get(struct request *req, struct response *resp);
int ack_link_post(struct request *req, struct response *resp);
/* audit.c */
int audit_list(struct request *req, struct response *resp);
int audit_verify(struct request *req, struct response *resp);
