/* Route handlers, one file per resource. Each is bound to its path and the
 * roles it admits in routes.c, and documented in docs/openapi.yaml. */
#pragma once

#include "http/request.h"
#include "intake/intake.h"

/* health.c */
int api_health_live(struct request *req, struct response *resp);
int api_health_ready(struct request *req, struct response *resp);
int api_metrics_get(struct request *req, struct response *resp);
/* session.c */
int api_session_create(struct request *req, struct response *resp);
int api_session_get(struct request *req, struct response *resp);
int api_session_delete(struct request *req, struct response *resp);
/* tokens.c */
int api_token_create(struct request *req, struct response *resp);
int api_token_list(struct request *req, struct response *resp);
int api_token_revoke(struct request *req, struct response *resp);
/* users.c */
int api_user_list(struct request *req, struct response *resp);
int api_user_create(struct request *req, struct response *resp);
int api_user_get(struct request *req, struct response *resp);
int api_user_update(struct request *req, struct response *resp);
/* incidents.c */
int api_incident_create(struct request *req, struct response *resp);
int api_incident_list(struct request *req, struct response *resp);
int api_incident_get(struct request *req, struct response *resp);
int api_incident_classify(struct request *req, struct response *resp);
int api_incident_advance(struct request *req, struct response *resp);
int api_incident_declare(struct request *req, struct response *resp);
int api_incident_scope(struct request *req, struct response *resp);
int api_incident_scope_tenant_put(struct request *req, struct response *resp);
int api_incident_scope_tenant_delete(struct request *req, struct response *resp);
int api_incident_note(struct request *req, struct response *resp);
int api_incident_timeline(struct request *req, struct response *resp);
int api_incident_exit_criteria(struct request *req, struct response *resp);
int api_anchor_list(struct request *req, struct response *resp);
int api_anchor_set(struct request *req, struct response *resp);
/* tasks.c */
int api_task_create(struct request *req, struct response *resp);
int api_task_list(struct request *req, struct response *resp);
int api_task_update(struct request *req, struct response *resp);
int api_approval_decide(struct request *req, struct response *resp);
int api_incident_update(struct request *req, struct response *resp);
/* A change to the incident in the path, for handlers beyond incidents.c:
 * begin opens the write transaction, loads the incident and honours
 * If-Match; end renders the use case's outcome (r) or the incident as
 * written (200, with its ETag), commits or rolls back, and frees inc. */
int api_incident_change_begin(struct request *req, struct store_tx **tx, struct incident *inc,
                              struct case_outcome *o);
int api_incident_change_end(struct request *req, struct response *resp, struct store_tx *tx,
                            struct incident *inc, const struct case_outcome *o, int r);
/* duplicates.c */
int api_incident_duplicate(struct request *req, struct response *resp);
/* recovery.c */
int api_recovery_get(struct request *req, struct response *resp);
int api_recovery_asset_put(struct request *req, struct response *resp);
int api_recovery_check_create(struct request *req, struct response *resp);
int api_recovery_check_update(struct request *req, struct response *resp);
/* vigilance.c */
int api_vigilance_match_route(struct request *req, struct response *resp);
int api_alert_link_list(struct request *req, struct response *resp);
int api_alert_link_create(struct request *req, struct response *resp);
/* amv2.c: Alertmanager API v2 */
int api_amv2_alerts_get(struct request *req, struct response *resp);
int api_alert_list(struct request *req, struct response *resp);
int api_amv2_silences_get(struct request *req, struct response *resp);
int api_amv2_silences_post(struct request *req, struct response *resp);
int api_amv2_silence_get(struct request *req, struct response *resp);
int api_amv2_silence_delete(struct request *req, struct response *resp);
int api_amv2_status(struct request *req, struct response *resp);
/* intake.c: every intake door (the route names its intake_sources row) */
int intake_post(struct request *req, struct response *resp);
/* A batch of alerts on its way to the intake writer while its request is
 * parked (request_park): the request's thread serves others meanwhile. */
struct parked_intake {
        struct intake_parsed parsed; /* owns its batch */
        struct intake_result res;
        struct intake_ticket ticket;
        struct actor actor;                   /* its strings are the two below */
        char actor_name[STORE_NAME_MAX + 16]; /* copied: a quiet batch outlives its request */
        char request_id[33];
        json_t *json; /* owns a reference: the request's JSON body, which the batch may borrow */
        const struct intake_source *source; /* borrows: the route's row */
        struct request *req;                /* borrows */
};
/* integrations.c */
int api_integration_key_create(struct request *req, struct response *resp);
int api_integration_key_list(struct request *req, struct response *resp);
int api_integration_key_revoke(struct request *req, struct response *resp);
/* org.c: teams, services, schedules, escalation policies (the kind is the
 * route's path) */
int api_org_put(struct request *req, struct response *resp);
int api_org_get(struct request *req, struct response *resp);
int api_org_list(struct request *req, struct response *resp);
int api_org_delete(struct request *req, struct response *resp);
/* oncall.c */
int api_schedule_final(struct request *req, struct response *resp);
int api_override_create(struct request *req, struct response *resp);
int api_override_list(struct request *req, struct response *resp);
int api_override_delete(struct request *req, struct response *resp);
int api_oncall_coverage(struct request *req, struct response *resp);
int api_oncall_get(struct request *req, struct response *resp);
/* notices.c */
int api_notice_create(struct request *req, struct response *resp);
int api_notice_list(struct request *req, struct response *resp);
int api_notice_release(struct request *req, struct response *resp);
int api_notice_preview(struct request *req, struct response *resp);

/* preparation.c: training (IR-2) and the response plan (IR-8) */
int api_training_add(struct request *req, struct response *resp);
int api_training_list(struct request *req, struct response *resp);
int api_training_status(struct request *req, struct response *resp);
int api_plan_generate(struct request *req, struct response *resp);
int api_plan_get(struct request *req, struct response *resp);
int api_plan_versions(struct request *req, struct response *resp);

/* web.c: the static pages */
int api_web_get(struct request *req, struct response *resp);
int api_web_index(struct request *req, struct response *resp);

/* reports.c */
int api_report_metrics_get(struct request *req, struct response *resp);
int api_report_evidence_get(struct request *req, struct response *resp);
int api_report_incident_get(struct request *req, struct response *resp);

/* postmortems.c */
int api_postmortem_get(struct request *req, struct response *resp);
int api_postmortem_put(struct request *req, struct response *resp);
int api_postmortem_approve(struct request *req, struct response *resp);
int api_postmortem_reopen(struct request *req, struct response *resp);
int api_improvement_create(struct request *req, struct response *resp);
int api_improvement_update(struct request *req, struct response *resp);
int api_improvement_list(struct request *req, struct response *resp);
int api_obligation_waive(struct request *req, struct response *resp);
int api_obligation_due_list(struct request *req, struct response *resp);

/* portal.c: the customer portal and the public status page */
int api_portal_notices(struct request *req, struct response *resp);
int api_portal_notice_ack(struct request *req, struct response *resp);
int api_portal_incidents(struct request *req, struct response *resp);
int api_portal_report(struct request *req, struct response *resp);
int api_portal_status(struct request *req, struct response *resp);
int api_advisory_post(struct request *req, struct response *resp);
int api_incident_advisories(struct request *req, struct response *resp);
int api_status_get(struct request *req, struct response *resp);
int api_status_atom(struct request *req, struct response *resp);
/* obligations.c */
int api_obligation_list(struct request *req, struct response *resp);
int api_obligation_get(struct request *req, struct response *resp);
int api_obligation_sent(struct request *req, struct response *resp);
int api_obligation_correct(struct request *req, struct response *resp);
int api_filing_list(struct request *req, struct response *resp);
int api_filing_attachment_get(struct request *req, struct response *resp);
/* rules.c */
int api_rule_list(struct request *req, struct response *resp);
/* tenants.c */
int api_tenant_list(struct request *req, struct response *resp);
int api_tenant_get(struct request *req, struct response *resp);
int api_tenant_put(struct request *req, struct response *resp);
int api_tenant_delete(struct request *req, struct response *resp);
int api_tenant_import(struct request *req, struct response *resp);
/* calendar.c */
int api_feed_create(struct request *req, struct response *resp);
int api_feed_list(struct request *req, struct response *resp);
int api_feed_revoke(struct request *req, struct response *resp);
int api_calendar_get(struct request *req, struct response *resp);
/* pages.c */
int api_page_list(struct request *req, struct response *resp);
int api_page_ack(struct request *req, struct response *resp);
int api_ack_link_get(struct request *req, struct response *resp);
int api_ack_link_post(struct request *req, struct response *resp);
/* audit.c */
int api_audit_list(struct request *req, struct response *resp);
int api_audit_verify(struct request *req, struct response *resp);
/* GET /api/v1/me/work (work.c) */
int api_my_work(struct request *req, struct response *resp);

/* Who releases notices and who decides approvals: the route table admits
 * them, and the work list shows them what waits for them. */
#define ROLES_NOTICE_WRITERS                                                                       \
        (ROLE_BIT(ROLE_COMMUNICATIONS) | ROLE_BIT(ROLE_INCIDENT_MANAGER) |                         \
         ROLE_BIT(ROLE_EXECUTIVE_INCIDENT_MANAGER) | ROLE_BIT(ROLE_ADMIN))
#define ROLES_APPROVERS ROLE_BIT(ROLE_EXECUTIVE_INCIDENT_MANAGER)
