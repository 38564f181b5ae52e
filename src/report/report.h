/* Reports over the store: response metrics for a period, and the evidence
 * an auditor asks for. Read-only; every figure is computed from the
 * records in one read transaction, so a report is consistent with itself. */
#pragma once

#include "store/store.h"

#include <jansson.h>

/* Response metrics of the incidents opened in [from, to), duplicates left
 * out (classification duplicate: counted once, as their survivor):
 * {from, to, incidents, duplicates_excluded, all, by_severity, by_service}
 * where each group is
 * {incidents, detect, acknowledge, declare, contain, eradicate, recover}
 * and each measure {n, mean_s, median_s, p90_s, max_s}:
 *   detect      first detection -> reported (the incident opened)
 *   acknowledge reported -> acknowledged
 *   declare     first detection -> declared
 *   contain     first detection -> contained, eradicate ... -> eradicated,
 *   recover     first detection -> recovered;
 * plus obligations {by_rule: {RULE: {deadline_kind, on_time, late, waived,
 * open, overdue, past_target}}} (the provider's duties; core's
 * deadline_standing): a duty "without undue delay" (deadline_kind asap)
 * is never late nor overdue - sent by its internal target it is on_time,
 * sent or still open after it past_target - and its rule also has
 * time_taken {n, mean_s, median_s, p90_s, max_s}, anchor to sending, of
 * those sent; pages {total, acknowledged, by_user},
 * postmortems {required, approved, pending (required, not approved)},
 * improvements {created, done, overdue}.
 * now decides what is overdue. */
int report_metrics(struct store_tx *tx, vg_usec_t from, vg_usec_t to, vg_usec_t now, json_t **ret);

/* {interval_days, overdue, items: [{user, role, last (the newest record or
 * null), due_at, overdue}]} for every enabled staff member. */
/* One tenant's row of an incident's scope as the API and the evidence
 * show it: {id, status, evidence, affected_users, data_categories}. */
json_t *report_scope_tenant_json(const struct scope_tenant *t);

int report_training(struct store_tx *tx, vg_usec_t now, vg_usec_t interval, json_t **ret);

/* The incident report of key as Markdown (caller frees): summary,
 * classification, scope, phase times, obligations, notices with their
 * deliveries, the post-mortem and the audit timeline; -VG_ENOTFOUND for
 * no such incident. */
int report_incident_markdown(struct store *s, const char *key, vg_usec_t now, char **ret);
/* That Markdown as a self-contained HTML page (caller frees). */
int report_incident_html(const char *markdown, const char *key, char **ret);
/* A Content-Security-Policy for the page: nothing but its own stylesheet. */
void report_stylesheet_csp(char out[192]);

/* The evidence of [from, to): {from, to, generated_at, metrics, incidents
 * (the register, with services, tenants and phase times, and every
 * duplicate with the key of its survivor in duplicate_of), obligations (the
 * ledger: each with due, sent and on_time), notices (with deliveries),
 * postmortems (with factors and improvements), training (as
 * report_training, at to), plan (the version in force at to, or null),
 * audit {records, verified, first_bad, head_seq, head_hash}}. */
int report_evidence(struct store *s, vg_usec_t from, vg_usec_t to, vg_usec_t now, vg_usec_t training_interval,
                    json_t **ret);
