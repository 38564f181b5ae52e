/* Computing an incident's obligations from the rules (src/cases/obligations.c):
 * for every tenant in scope (not ruled out) and for the provider itself,
 * each rule that applies becomes a row with its anchor and due time. Runs
 * in the caller's transaction, on the declaration and on every change of
 * scope or anchors, so the obligations are always those of the incident
 * as committed. */
#pragma once

#include "base/config.h"
#include "cases/cases.h"
#include "core/rules.h"
#include "store/store.h"

/* Recompute incident key's obligations at now (nothing before it is
 * declared). asap_target: how long after its anchor a duty "without undue
 * delay" whose rule names no target_hours has as its internal target
 * (microseconds; <= 0: 24 hours). *ret_n (may be NULL): how many apply. */
int obligations_recompute(struct store_tx *tx, const struct rule_set *rules, const struct party_facts *provider,
                          vg_usec_t asap_target, const char *key, vg_usec_t now, unsigned *ret_n);

/* The same for a door: the provider's own facts are the configuration's
 * (provider.jurisdictions, provider.sectors, provider.asap_target). */
int case_obligations_recompute(struct store_tx *tx, const struct rule_set *rules,
                               const struct config_provider *pv, const char *key, vg_usec_t now);

/* ---- why each obligation applies ---- */

/* What the explanations of one incident's obligations read, gathered
 * once in tx (the incident's facts, its scope; tenants' records as they
 * are asked for): tenant NULL reads the whole scope, for explaining any
 * of them; a tenant id only that tenant's row, for its obligations alone
 * ("" the provider's own: none). new answers 0 or a store error; free
 * accepts NULL. */
struct case_explainer;
int case_explainer_new(struct store_tx *tx, const struct rule_set *rules, const struct config_provider *pv,
                       const struct incident *inc, const char *tenant, struct case_explainer **ret);
void case_explainer_free(struct case_explainer *x);
/* Why obligation o applies and by when (case_rule_explanation, with the
 * facts as they stand: a withdrawn row shows the condition no longer
 * met). Yours; NULL when o's rule is not the one in force (another
 * rules version) or on ENOMEM. */
json_t *case_obligation_explanation(struct case_explainer *x, const struct obligation *o);

/* ---- the obligations' use cases (src/cases/obligations.c) ---- */

/* Mark obligation id of incident key sent at `at`: case_obligation_file
 * with nothing more said than the time (same audit record, refusals and
 * recomputation). */
int case_obligation_sent(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                         const struct rule_set *rules, const struct config_provider *pv, const char *key,
                         int64_t id, vg_usec_t at, struct case_outcome *o);

/* Set obligation id of incident key aside at now by actor, saying why:
 * reason is required, not empty and valid text of at most 4096 bytes. The
 * audit record "incident.obligation.waive". Refusals: -VG_EVALIDATION
 * (o->errors: "reason"), -VG_ENOTFOUND (no incident, or no such obligation
 * on it), -VG_ECONFLICT (not open). */
int case_obligation_waive(struct store_tx *tx, const struct actor *actor, vg_usec_t now, const char *key,
                          int64_t id, const char *reason, struct case_outcome *o);

/* The clock of a group at mark percent of its time (100: overdue): the
 * provider's open duties of rule_id on incident_id whose clock ends at
 * due. An email to everyone with the communications role (at 100, the
 * executive incident managers) through the outbox, naming the duty and
 * (up to 20 of) its tenants, one idempotency key per group, due time,
 * mark, person and set of members, and the audit record
 * "incident.obligation.reminder" (or ".overdue") by actor. For a duty
 * "without undue delay" the clock runs to its internal target (due is
 * target_at) and at 100 it is ".target_passed", not overdue. A group
 * with no member left (sent, withdrawn, moved): nothing. A clock that
 * runs twice sends nothing twice. only (nonzero): that obligation alone,
 * for a clock queued per obligation before the groups (as such a clock
 * reminded then: 100,000 of them each paging its whole group would cost
 * the square). */
int case_obligation_remind(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                           int64_t incident_id, const char *rule_id, vg_usec_t due, int mark,
                           int64_t only);

/* ---- filings: what went out, and corrections of when ---- */

/* The largest attachment a filing keeps, in bytes. The request body limit
 * (limits.max_body, 1 MiB by default) also bounds it at the HTTP door,
 * where the bytes come base64-encoded (4/3 of their size). */
#define FILING_ATTACHMENT_MAX (512 * 1024)
#define FILING_REFERENCE_MAX 256
#define FILING_NOTE_MAX 4096
#define FILING_REASON_MAX 4096

/* A file that goes with a filing (the acknowledgement, the form sent). */
struct filing_attachment {
        const char *name;       /* borrows: 1..255 bytes of text, no / or \ */
        const char *media_type; /* borrows: type/subtype, e.g. application/pdf */
        const void *data;       /* borrows: size bytes, 1..FILING_ATTACHMENT_MAX */
        size_t size;
};

/* What the user says of a filing; every pointer borrows and may be NULL. */
struct filing_input {
        vg_usec_t at;            /* when it went out */
        const char *channel;     /* portal, email, letter, phone, other; NULL or "": unsaid */
        const char *reference;   /* the regulator's or recipient's reference number */
        const char *note;        /* free text; new lines allowed */
        const struct filing_attachment *attachment;
};

/* Is s a channel a filing may name? */
bool filing_channel_valid(const char *s);

/* Record obligation id of incident key as filed: `in->at` (not after now,
 * not before the obligation's anchor), by actor, through in->channel with
 * in->reference, in->note and in->attachment (kept with its SHA-256), as a
 * filing row and the audit record "incident.obligation.sent"; the
 * obligation becomes sent and the incident's obligations are recomputed,
 * so a later stage's clock starts at in->at. Refusals, changing nothing:
 * -VG_EVALIDATION (o->errors names the field: at, channel, reference,
 * note, attachment.name, attachment.media_type, attachment.content),
 * -VG_ENOTFOUND (no incident, or no such obligation on it), -VG_ECONFLICT
 * (not open); each with o->detail. */
int case_obligation_file(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                         const struct rule_set *rules, const struct config_provider *pv, const char *key,
                         int64_t id, const struct filing_input *in, struct case_outcome *o);

/* Correct the sent time of obligation id of incident key to `at` (not
 * after now, not before its anchor, not the time already recorded),
 * saying why (reason: text of 1..FILING_REASON_MAX bytes): a correction
 * row beside the filing (which stays), the audit record
 * "incident.obligation.sent_corrected" with the old and new time and the
 * reason, and a recomputation, so later stages count from the corrected
 * time. Refusals, changing nothing: -VG_EVALIDATION (o->errors: at,
 * reason), -VG_ENOTFOUND, -VG_ECONFLICT (the obligation is not sent). */
int case_obligation_correct(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                            const struct rule_set *rules, const struct config_provider *pv, const char *key,
                            int64_t id, vg_usec_t at, const char *reason, struct case_outcome *o);

/* The filing history of incident key as JSON into *ret (yours): an array
 * of {id, obligation, kind, at, previous_at, by, channel, reference, note,
 * reason, attachment: null | {name, media_type, size, sha256}, recorded_at}
 * by obligation, oldest first; obligation_id 0: of every obligation.
 * -VG_ENOTFOUND (o->detail) when there is no such incident. */
int case_filing_list(struct store_tx *tx, const char *key, int64_t obligation_id, json_t **ret,
                     struct case_outcome *o);
