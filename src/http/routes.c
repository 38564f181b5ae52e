/* The route table: every route, the roles it admits, in one place.
 * tests/http/test-openapi.c fails when a route here is missing from
 * docs/openapi.yaml; tests/integration/test-roles.c proves each role rule. */
#include "http/events.h"
#include "http/resources.h"

#define R(role) ROLE_BIT(ROLE_##role)
/* Who works an incident: responders and the incident managers. */
#define INCIDENT_WRITERS (R(RESPONDER) | R(INCIDENT_MANAGER) | R(EXECUTIVE_INCIDENT_MANAGER))
/* Who changes teams, services, schedules and escalation policies. */
#define ORG_WRITERS (R(ADMIN) | R(INCIDENT_MANAGER))
/* Who records that a report or notice went out. */
#define NOTICE_WRITERS ROLES_NOTICE_WRITERS
/* Who approves a post-mortem and sets an obligation aside. */
#define PM_APPROVERS (R(INCIDENT_MANAGER) | R(EXECUTIVE_INCIDENT_MANAGER))
/* Who reads reports and evidence. */
#define REPORT_READERS (R(AUDITOR) | R(ADMIN) | R(INCIDENT_MANAGER) | R(EXECUTIVE_INCIDENT_MANAGER))
/* An intake door: its row of intake_sources (intake/sources.c). */
#define INTAKE(id) &intake_sources[INTAKE_SOURCE_##id]
/* Who keeps the tenant records. */
#define TENANT_WRITERS (R(ADMIN) | R(COMMUNICATIONS))

const struct route http_routes[] = {
        { "GET", "/healthz", 0, ROUTE_PUBLIC, api_health_live },
        { "GET", "/readyz", 0, ROUTE_PUBLIC, api_health_ready },
        { "GET", "/metrics", 0, ROUTE_PUBLIC, api_metrics_get },

        { "POST", "/api/v1/session", 0, ROUTE_PUBLIC, api_session_create },
        { "GET", "/api/v1/session", ROLES_ALL, 0, api_session_get },
        { "DELETE", "/api/v1/session", ROLES_ALL, 0, api_session_delete },

        { "POST", "/api/v1/tokens", ROLES_ALL, 0, api_token_create },
        { "GET", "/api/v1/tokens", ROLES_ALL, 0, api_token_list },
        { "DELETE", "/api/v1/tokens/{id}", ROLES_ALL, 0, api_token_revoke },

        { "GET", "/api/v1/users", R(ADMIN) | R(AUDITOR), 0, api_user_list },
        { "POST", "/api/v1/users", R(ADMIN), 0, api_user_create },
        { "GET", "/api/v1/users/{name}", R(ADMIN) | R(AUDITOR), 0, api_user_get },
        { "PATCH", "/api/v1/users/{name}", R(ADMIN), 0, api_user_update },

        { "POST", "/api/v1/incidents", INCIDENT_WRITERS | R(COMMUNICATIONS) | R(ADMIN), 0, api_incident_create },
        { "GET", "/api/v1/incidents", ROLES_STAFF, 0, api_incident_list },
        { "GET", "/api/v1/incidents/{key}", ROLES_STAFF, 0, api_incident_get },
        { "POST", "/api/v1/incidents/{key}/classify", INCIDENT_WRITERS, 0, api_incident_classify },
        { "POST", "/api/v1/incidents/{key}/advance", INCIDENT_WRITERS, 0, api_incident_advance },
        { "POST", "/api/v1/incidents/{key}/duplicate", INCIDENT_WRITERS, 0, api_incident_duplicate },
        { "GET", "/api/v1/incidents/{key}/exit-criteria", ROLES_STAFF, 0, api_incident_exit_criteria },
        { "POST", "/api/v1/incidents/{key}/declare", R(INCIDENT_MANAGER) | R(EXECUTIVE_INCIDENT_MANAGER), 0, api_incident_declare },
        { "PUT", "/api/v1/incidents/{key}/scope", INCIDENT_WRITERS, 0, api_incident_scope },
        { "PUT", "/api/v1/incidents/{key}/scope/tenants/{tenant}", INCIDENT_WRITERS, 0, api_incident_scope_tenant_put },
        { "DELETE", "/api/v1/incidents/{key}/scope/tenants/{tenant}", INCIDENT_WRITERS, 0, api_incident_scope_tenant_delete },
        { "PATCH", "/api/v1/incidents/{key}", INCIDENT_WRITERS, 0, api_incident_update },
        { "POST", "/api/v1/incidents/{key}/tasks", INCIDENT_WRITERS, 0, api_task_create },
        { "GET", "/api/v1/incidents/{key}/tasks", ROLES_STAFF, 0, api_task_list },
        { "PATCH", "/api/v1/incidents/{key}/tasks/{id}", INCIDENT_WRITERS, 0, api_task_update },
        { "POST", "/api/v1/incidents/{key}/approvals", ROLES_APPROVERS, 0, api_approval_decide },
        { "GET", "/api/v1/incidents/{key}/recovery", ROLES_STAFF, 0, api_recovery_get },
        { "PUT", "/api/v1/incidents/{key}/recovery/assets/{asset}", INCIDENT_WRITERS, 0, api_recovery_asset_put },
        { "POST", "/api/v1/incidents/{key}/recovery/checks", INCIDENT_WRITERS, 0, api_recovery_check_create },
        { "PATCH", "/api/v1/incidents/{key}/recovery/checks/{id}", INCIDENT_WRITERS, 0, api_recovery_check_update },
        { "GET", "/api/v1/incidents/{key}/anchors", ROLES_STAFF, 0, api_anchor_list },
        { "PUT", "/api/v1/incidents/{key}/anchors/{anchor}", INCIDENT_WRITERS, 0, api_anchor_set },
        { "GET", "/api/v1/incidents/{key}/alerts", ROLES_STAFF, 0, api_alert_link_list },
        { "GET", "/api/v1/alerts", ROLES_STAFF, 0, api_alert_list },
        { "POST", "/api/v1/incidents/{key}/alerts", INCIDENT_WRITERS, 0, api_alert_link_create },
        { "POST", "/api/v1/vigilance/match", ROLES_STAFF, 0, api_vigilance_match_route },
        { "POST", "/api/v1/incidents/{key}/notes", INCIDENT_WRITERS | R(COMMUNICATIONS), 0, api_incident_note },
        { "GET", "/api/v1/incidents/{key}/timeline", ROLES_STAFF, 0, api_incident_timeline },
        { "GET", "/api/v1/incidents/{key}/obligations", ROLES_STAFF, 0, api_obligation_list },
        { "GET", "/api/v1/incidents/{key}/advisories", ROLES_STAFF, 0, api_incident_advisories },
        { "GET", "/api/v1/incidents/{key}/obligations/{id}", ROLES_STAFF, 0, api_obligation_get },
        { "GET", "/api/v1/incidents/{key}/notices", ROLES_STAFF, 0, api_notice_list },
        { "POST", "/api/v1/incidents/{key}/notices", NOTICE_WRITERS, 0, api_notice_create },
        { "POST", "/api/v1/incidents/{key}/notices/{id}/release", NOTICE_WRITERS, 0, api_notice_release },
        { "GET", "/api/v1/incidents/{key}/notices/{id}/preview", ROLES_STAFF, 0, api_notice_preview },
        { "POST", "/api/v1/incidents/{key}/obligations/{id}/sent", NOTICE_WRITERS, 0, api_obligation_sent },
        { "POST", "/api/v1/incidents/{key}/obligations/{id}/correction", NOTICE_WRITERS, 0, api_obligation_correct },
        { "GET", "/api/v1/incidents/{key}/filings", ROLES_STAFF, 0, api_filing_list },
        { "GET", "/api/v1/incidents/{key}/filings/{id}/attachment", ROLES_STAFF, 0, api_filing_attachment_get },

        /* Alertmanager API v2: monitoring (intake.token or intake.allow) or staff. */
        { "POST", "/api/v2/alerts", INCIDENT_WRITERS | R(ADMIN), ROUTE_INTAKE | ROUTE_JSON_ERRORS, intake_post, INTAKE(ALERTMANAGER) },
        { "GET", "/api/v2/alerts", ROLES_STAFF, ROUTE_INTAKE | ROUTE_JSON_ERRORS, api_amv2_alerts_get },
        { "GET", "/api/v2/silences", ROLES_STAFF, ROUTE_INTAKE | ROUTE_JSON_ERRORS, api_amv2_silences_get },
        { "POST", "/api/v2/silences", INCIDENT_WRITERS | R(ADMIN), ROUTE_INTAKE | ROUTE_JSON_ERRORS, api_amv2_silences_post },
        { "GET", "/api/v2/silence/{id}", ROLES_STAFF, ROUTE_INTAKE | ROUTE_JSON_ERRORS, api_amv2_silence_get },
        { "DELETE", "/api/v2/silence/{id}", INCIDENT_WRITERS | R(ADMIN), ROUTE_INTAKE | ROUTE_JSON_ERRORS, api_amv2_silence_delete },
        { "GET", "/api/v2/status", ROLES_STAFF, ROUTE_INTAKE | ROUTE_JSON_ERRORS, api_amv2_status },
        /* An existing Alertmanager forwarding to Vigil (webhook_configs). */
        { "POST", "/intake/alertmanager", INCIDENT_WRITERS | R(ADMIN), ROUTE_INTAKE | ROUTE_JSON_ERRORS, intake_post, INTAKE(WEBHOOK) },
        { "POST", "/intake/json", INCIDENT_WRITERS | R(ADMIN), ROUTE_INTAKE | ROUTE_JSON_ERRORS, intake_post, INTAKE(JSON) },

        /* PagerDuty Events API v2: authenticated by the routing key in the body. */
        { "POST", "/v2/enqueue", 0, ROUTE_PUBLIC | ROUTE_JSON_ERRORS, intake_post, INTAKE(PAGERDUTY) },
        { "POST", "/api/v1/integration-keys", R(ADMIN), 0, api_integration_key_create },
        { "GET", "/api/v1/integration-keys", R(ADMIN) | R(AUDITOR), 0, api_integration_key_list },
        { "DELETE", "/api/v1/integration-keys/{id}", R(ADMIN), 0, api_integration_key_revoke },

        /* On-call: the organisation as documents, schedules, who is on call. */
        { "GET", "/api/v1/teams", ROLES_STAFF, 0, api_org_list },
        { "GET", "/api/v1/teams/{name}", ROLES_STAFF, 0, api_org_get },
        { "PUT", "/api/v1/teams/{name}", ORG_WRITERS, 0, api_org_put },
        { "DELETE", "/api/v1/teams/{name}", ORG_WRITERS, 0, api_org_delete },
        { "GET", "/api/v1/services", ROLES_STAFF, 0, api_org_list },
        { "GET", "/api/v1/services/{name}", ROLES_STAFF, 0, api_org_get },
        { "PUT", "/api/v1/services/{name}", ORG_WRITERS, 0, api_org_put },
        { "DELETE", "/api/v1/services/{name}", ORG_WRITERS, 0, api_org_delete },
        { "GET", "/api/v1/schedules", ROLES_STAFF, 0, api_org_list },
        { "GET", "/api/v1/schedules/{name}", ROLES_STAFF, 0, api_org_get },
        { "PUT", "/api/v1/schedules/{name}", ORG_WRITERS, 0, api_org_put },
        { "DELETE", "/api/v1/schedules/{name}", ORG_WRITERS, 0, api_org_delete },
        { "GET", "/api/v1/schedules/{name}/final", ROLES_STAFF, 0, api_schedule_final },
        { "GET", "/api/v1/schedules/{name}/overrides", ROLES_STAFF, 0, api_override_list },
        { "POST", "/api/v1/schedules/{name}/overrides", ORG_WRITERS | R(RESPONDER), 0, api_override_create },
        { "DELETE", "/api/v1/schedules/{name}/overrides/{id}", ORG_WRITERS | R(RESPONDER), 0, api_override_delete },
        { "GET", "/api/v1/escalation-policies", ROLES_STAFF, 0, api_org_list },
        { "GET", "/api/v1/escalation-policies/{name}", ROLES_STAFF, 0, api_org_get },
        { "PUT", "/api/v1/escalation-policies/{name}", ORG_WRITERS, 0, api_org_put },
        { "DELETE", "/api/v1/escalation-policies/{name}", ORG_WRITERS, 0, api_org_delete },
        { "GET", "/api/v1/oncall", ROLES_STAFF, 0, api_oncall_get },
        { "GET", "/api/v1/oncall/coverage", ROLES_STAFF, 0, api_oncall_coverage },
        { "POST", "/api/v1/calendar-feeds", ROLES_STAFF, 0, api_feed_create },
        { "GET", "/api/v1/calendar-feeds", ROLES_STAFF, 0, api_feed_list },
        { "DELETE", "/api/v1/calendar-feeds/{id}", ROLES_STAFF, 0, api_feed_revoke },
        /* ICS for calendar clients: the token in the file name is the credential. */
        { "GET", "/calendar/{file}", 0, ROUTE_PUBLIC, api_calendar_get },
        { "GET", "/api/v1/pages", ROLES_STAFF, 0, api_page_list },
        { "POST", "/api/v1/pages/{id}/ack", INCIDENT_WRITERS | R(ADMIN), 0, api_page_ack },
        /* The single-use link in a page: the token in the path is the credential. */
        { "GET", "/ack/{token}", 0, ROUTE_PUBLIC, api_ack_link_get },
        { "POST", "/ack/{token}", 0, ROUTE_PUBLIC, api_ack_link_post },

        /* Tenants: communications keeps the customer records with the admins. */
        { "GET", "/api/v1/tenants", ROLES_STAFF, 0, api_tenant_list },
        { "POST", "/api/v1/tenants/import", TENANT_WRITERS, ROUTE_BULK, api_tenant_import },
        { "GET", "/api/v1/tenants/{id}", ROLES_ALL, 0, api_tenant_get },
        { "PUT", "/api/v1/tenants/{id}", TENANT_WRITERS, 0, api_tenant_put },
        { "DELETE", "/api/v1/tenants/{id}", R(ADMIN), 0, api_tenant_delete },

        /* Post-mortems: incident workers write, incident managers approve. */
        { "GET", "/api/v1/incidents/{key}/postmortem", ROLES_STAFF, 0, api_postmortem_get },
        { "PUT", "/api/v1/incidents/{key}/postmortem", INCIDENT_WRITERS | R(COMMUNICATIONS), 0, api_postmortem_put },
        { "POST", "/api/v1/incidents/{key}/postmortem/approve", PM_APPROVERS, 0, api_postmortem_approve },
        { "POST", "/api/v1/incidents/{key}/postmortem/reopen", PM_APPROVERS, 0, api_postmortem_reopen },
        { "POST", "/api/v1/incidents/{key}/improvements", INCIDENT_WRITERS, 0, api_improvement_create },
        { "GET", "/api/v1/improvements", ROLES_STAFF, 0, api_improvement_list },
        { "PATCH", "/api/v1/improvements/{id}", INCIDENT_WRITERS, 0, api_improvement_update },
        { "POST", "/api/v1/incidents/{key}/obligations/{id}/waive", PM_APPROVERS, 0, api_obligation_waive },
        { "GET", "/api/v1/obligations", ROLES_STAFF, 0, api_obligation_due_list },
        { "GET", "/api/v1/rules", ROLES_STAFF, 0, api_rule_list },

        /* Preparation: training records and the response plan. */
        { "POST", "/api/v1/training", R(ADMIN) | R(INCIDENT_MANAGER), 0, api_training_add },
        { "GET", "/api/v1/training", ROLES_STAFF, 0, api_training_list },
        { "GET", "/api/v1/training/status", ROLES_STAFF, 0, api_training_status },
        { "POST", "/api/v1/plan", R(ADMIN) | R(INCIDENT_MANAGER), 0, api_plan_generate },
        { "GET", "/api/v1/plan", ROLES_STAFF, 0, api_plan_get },
        { "GET", "/api/v1/plan/versions", ROLES_STAFF, 0, api_plan_versions },
        { "GET", "/api/v1/plan/versions/{version}", ROLES_STAFF, 0, api_plan_get },

        /* Reports: response metrics and the evidence of a period. */
        { "GET", "/api/v1/reports/metrics", REPORT_READERS, 0, api_report_metrics_get },
        { "GET", "/api/v1/reports/evidence", REPORT_READERS, 0, api_report_evidence_get },
        { "GET", "/api/v1/incidents/{key}/report", ROLES_STAFF, 0, api_report_incident_get },

        /* The customer portal: a tenant administrator, its own tenant only. */
        { "GET", "/api/v1/portal/notices", R(TENANT_ADMIN), 0, api_portal_notices },
        { "POST", "/api/v1/portal/notices/{id}/ack", R(TENANT_ADMIN), 0, api_portal_notice_ack },
        { "GET", "/api/v1/portal/incidents", R(TENANT_ADMIN), 0, api_portal_incidents },
        { "POST", "/api/v1/portal/reports", R(TENANT_ADMIN), 0, api_portal_report },
        { "GET", "/api/v1/portal/status", R(TENANT_ADMIN), 0, api_portal_status },

        /* Service health: communications posts, anyone reads. */
        { "POST", "/api/v1/advisories", NOTICE_WRITERS, 0, api_advisory_post },
        { "GET", "/status", 0, ROUTE_PUBLIC, api_status_get },
        /* The web pages (web/): scripts and styles over the API. */
        { "GET", "/", 0, ROUTE_PUBLIC, api_web_index },
        { "GET", "/web/{file}", 0, ROUTE_PUBLIC, api_web_get },
        { "GET", "/status.atom", 0, ROUTE_PUBLIC, api_status_atom },

        { "GET", "/api/v1/audit", R(ADMIN) | R(AUDITOR), 0, api_audit_list },
        { "GET", "/api/v1/audit/verify", R(ADMIN) | R(AUDITOR), 0, api_audit_verify },
        { "GET", "/api/v1/events", ROLES_STAFF, 0, api_event_stream },
        { "GET", "/api/v1/me/work", ROLES_STAFF, 0, api_my_work },
};

const unsigned http_routes_count = sizeof http_routes / sizeof http_routes[0];
