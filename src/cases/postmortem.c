/* Post-mortems and their improvements (DESIGN.md 1.7): a draft any
 * incident writer edits, approved by an incident manager other than its
 * last editor once postmortem_check (core) finds it complete; contributing
 * factors, each classified, lead to improvements tracked to done with a
 * verification note, whose owners are reminded when one is overdue. */
#include "cases/postmortem.h"

#include "cases/outbox.h"
#include "core/error.h"
#include "core/names.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const case_pm_texts[PM_TEXTS] = {"summary", "impact", "narrative", "went_well"};

/* ---- reading ---- */

static int pm_copy(const struct postmortem *p, void *userdata)
{
        struct pm_doc *d = userdata;
        d->found = true;
        d->p = *p;
        d->p.body = NULL;
        d->body = json_loads(p->body, 0, NULL);
        return d->body ? 0 : -VG_ESTORE;
}

int case_postmortem_read(struct store_tx *tx, int64_t incident_id, struct pm_doc *ret)
{
        memset(ret, 0, sizeof *ret);
        int r = store_postmortem_get(tx, incident_id, pm_copy, ret);
        return r == -VG_ENOTFOUND ? 0 : r;
}

void pm_doc_fini(struct pm_doc *d)
{
        json_decref(d->body);
        d->body = NULL;
}

void pm_result_fini(struct pm_result *r)
{
        json_decref(r->factors);
        r->factors = NULL;
}

struct factor_tally {
        size_t n;
        struct pm_factor f[PM_FACTORS_MAX];
};

static int tally_improvement(const struct improvement *i, void *userdata)
{
        struct factor_tally *t = userdata;
        for (size_t k = 0; k < t->n; k++)
                t->f[k].improvements += strcmp(i->factor, t->f[k].id) == 0;
        return 0;
}

int case_postmortem_unmet(struct store_tx *tx, int64_t incident_id, json_t *body,
                          struct field_errors *unmet)
{
        struct factor_tally t = {0};
        struct improvement_filter flt = {.incident_id = incident_id};
        json_t *f;
        size_t k;
        json_array_foreach(json_object_get(body, "factors"), k, f)
        {
                if (t.n == PM_FACTORS_MAX)
                        break;
                t.f[t.n].id = json_string_value(json_object_get(f, "id"));
                t.f[t.n++].improvements = 0;
        }
        int r = store_improvement_list(tx, &flt, tally_improvement, &t);
        if (r < 0)
                return r;
        const char *summary = json_string_value(json_object_get(body, "summary"));
        const char *impact = json_string_value(json_object_get(body, "impact"));
        struct pm_facts facts = {.summary = summary && text_valid(summary, PM_TEXT_MAX) && *summary,
                                 .impact = impact && text_valid(impact, PM_TEXT_MAX) && *impact,
                                 .n_factors = t.n,
                                 .factors = t.f};
        return postmortem_check(&facts, unmet);
}

/* The incident key names and its post-mortem. */
static int pm_load(struct store_tx *tx, const char *key, struct incident *inc, struct pm_doc *d,
                   struct case_outcome *o)
{
        memset(d, 0, sizeof *d);
        int r = case_incident_get(tx, key, inc, o);
        return r < 0 ? r : case_postmortem_read(tx, inc->id, d);
}

/* ---- writing ---- */

/* The factors of a put, with ids kept or given (F<n>, never reused);
 * what is not valid goes to errs. */
static json_t *parse_factors(json_t *arr, json_t *old, struct field_errors *errs)
{
        json_t *out = json_array(), *f;
        size_t i;
        long next = 1;
        if (!out)
                return NULL;
        json_array_foreach(json_object_get(old, "factors"), i, f)
        {
                long n = strtol(json_string_value(json_object_get(f, "id")) + 1, NULL, 10);
                next = n >= next ? n + 1 : next;
        }
        if (arr && (!json_is_array(arr) || json_array_size(arr) > PM_FACTORS_MAX)) {
                fielderr_add(errs, "factors", "must be an array of at most %d factors",
                             PM_FACTORS_MAX);
                return out;
        }
        json_array_foreach(arr, i, f)
        {
                char field[48];
                snprintf(field, sizeof field, "factors[%zu]", i);
                const char *id = json_string_value(json_object_get(f, "id"));
                const char *kind = json_string_value(json_object_get(f, "kind"));
                const char *desc = json_string_value(json_object_get(f, "description"));
                const char *k;
                json_t *v;
                bool extra = false;
                if (json_is_object(f))
                        json_object_foreach(f, k, v) extra |=
                                !(strcmp(k, "id") == 0 || strcmp(k, "kind") == 0 ||
                                  strcmp(k, "description") == 0);
                if (!json_is_object(f) || extra) {
                        fielderr_add(errs, field, "must be {id?, kind, description}");
                        continue;
                }
                if (!factor_kind_valid(kind))
                        fielderr_add(errs, field,
                                     "kind must be technical_lapse, procedural_failure, "
                                     "manual_error or other_process_flaw");
                if (!desc || !*desc || strlen(desc) > 4000)
                        fielderr_add(errs, field, "description must be 1 to 4000 bytes of text");
                bool known = false;
                json_t *o;
                size_t m;
                json_array_foreach(json_object_get(old, "factors"), m, o) known |=
                        id && strcmp(json_string_value(json_object_get(o, "id")), id) == 0;
                if (id && !known)
                        fielderr_add(errs, field, "no factor '%s'; leave id out to add one", id);
                char fresh[24];
                snprintf(fresh, sizeof fresh, "F%ld", next);
                if (!id)
                        next++;
                json_array_append_new(out,
                                      json_pack("{s:s, s:s, s:s}", "id", id ? id : fresh, "kind",
                                                kind ? kind : "", "description", desc ? desc : ""));
        }
        return out;
}

struct factor_use {
        const char *factor;
        unsigned n;
};

static int count_factor(const struct improvement *i, void *userdata)
{
        struct factor_use *u = userdata;
        u->n += strcmp(i->factor, u->factor) == 0;
        return 0;
}

/* A factor that improvements point at cannot go: each old factor missing
 * from factors and still used goes to errs. */
static int check_removed(struct store_tx *tx, int64_t incident_id, json_t *old, json_t *factors,
                         struct field_errors *errs)
{
        json_t *f, *g;
        size_t i, m;
        json_array_foreach(json_object_get(old, "factors"), i, f)
        {
                const char *id = json_string_value(json_object_get(f, "id"));
                bool kept = false;
                json_array_foreach(factors, m, g) kept |=
                        strcmp(json_string_value(json_object_get(g, "id")), id) == 0;
                if (kept)
                        continue;
                struct factor_use use = {id, 0};
                struct improvement_filter flt = {.incident_id = incident_id};
                int r = store_improvement_list(tx, &flt, count_factor, &use);
                if (r < 0)
                        return r;
                if (use.n)
                        fielderr_add(errs, "factors",
                                     "factor %s has %u improvement(s); it cannot be removed", id,
                                     use.n);
        }
        return 0;
}

int case_postmortem_put(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                        const char *key, const char *const texts[PM_TEXTS], json_t *factors,
                        struct pm_result *ret, struct case_outcome *o)
{
        struct incident inc = {0};
        struct pm_doc d;
        json_t *doc = NULL, *fs = NULL;
        memset(ret, 0, sizeof *ret);
        int r = pm_load(tx, key, &inc, &d, o);
        if (r < 0)
                goto out;
        if (d.found && strcmp(d.p.status, "approved") == 0) {
                case_outcome_detail(o, "the post-mortem of %s is approved; reopen it to change it",
                                    inc.key);
                r = -VG_ECONFLICT;
                goto out;
        }
        for (size_t i = 0; i < PM_TEXTS; i++)
                if (texts[i] &&
                    strlen(texts[i]) > PM_TEXT_MAX) /* Markdown: any text up to the limit */
                        fielderr_add(&o->errors, case_pm_texts[i], "must be at most %d bytes",
                                     PM_TEXT_MAX);
        fs = parse_factors(factors, d.body, &o->errors);
        r = fs ? check_removed(tx, inc.id, d.body, fs, &o->errors) : -ENOMEM;
        if (r >= 0 && fielderr_any(&o->errors))
                r = -VG_EVALIDATION;
        if (r < 0)
                goto out;
        doc = json_object();
        for (size_t i = 0; doc && i < PM_TEXTS; i++)
                json_object_set_new(doc, case_pm_texts[i], json_string(texts[i] ? texts[i] : ""));
        char *text = doc && json_object_set(doc, "factors", fs) == 0
                             ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS)
                             : NULL;
        struct postmortem p = {.incident_id = inc.id,
                               .body = text,
                               .created_at = d.found ? d.p.created_at : now,
                               .updated_at = now};
        snprintf(p.status, sizeof p.status, "draft");
        snprintf(p.updated_by, sizeof p.updated_by, "%s", actor->name);
        r = text ? store_postmortem_put(tx, &p) : -ENOMEM;
        free(text);
        if (r >= 0) {
                json_t *change = json_pack("{s:O, s:I}", "postmortem", doc, "version",
                                           (json_int_t)p.version);
                r = change ? store_audit_incident(tx, now, actor, "incident.postmortem.edit",
                                                  inc.key, change)
                           : -ENOMEM;
                json_decref(change);
        }
        if (r >= 0) {
                snprintf(ret->incident, sizeof ret->incident, "%s", inc.key);
                ret->created = !d.found;
                ret->p = p;
                ret->p.body = NULL;
                ret->factors = json_incref(fs);
        }
out:
        json_decref(doc);
        json_decref(fs);
        pm_doc_fini(&d);
        incident_fini(&inc);
        return r;
}

/* Approve or reopen. */
static int pm_decide(struct store_tx *tx, const struct actor *actor, vg_usec_t now, const char *key,
                     const char *reason, bool approve, struct pm_result *ret,
                     struct case_outcome *o)
{
        struct incident inc = {0};
        struct pm_doc d;
        memset(ret, 0, sizeof *ret);
        if ((!approve && !reason) || (reason && (!*reason || !text_valid(reason, 4096)))) {
                fielderr_add(&o->errors, "reason", "must say why");
                return -VG_EVALIDATION;
        }
        int r = pm_load(tx, key, &inc, &d, o);
        if (r >= 0 && !d.found) {
                case_outcome_detail(o, "%s has no post-mortem yet", inc.key);
                r = -VG_ENOTFOUND;
        }
        if (r < 0)
                goto out;
        if (approve != (strcmp(d.p.status, "approved") != 0)) {
                case_outcome_detail(o, "the post-mortem of %s is %s", inc.key,
                                    approve ? "approved already" : "not approved");
                r = -VG_ECONFLICT;
                goto out;
        }
        if (approve && strcmp(d.p.updated_by, actor->name) == 0) {
                case_outcome_detail(
                        o,
                        "%s wrote the latest version; another incident manager reviews and "
                        "approves it",
                        actor->name);
                r = -VG_ECONFLICT;
                goto out;
        }
        if (approve) {
                r = case_postmortem_unmet(tx, inc.id, d.body, &o->errors);
                if (r == -VG_ECONFLICT)
                        case_outcome_detail(
                                o, "the post-mortem of %s is not complete: %zu criterion(s) unmet",
                                inc.key, o->errors.n);
                if (r < 0)
                        goto out;
        }
        char *text = json_dumps(d.body, JSON_COMPACT | JSON_SORT_KEYS);
        struct postmortem p = d.p;
        p.body = text;
        snprintf(p.status, sizeof p.status, "%s", approve ? "approved" : "draft");
        snprintf(p.approved_by, sizeof p.approved_by, "%s", approve ? actor->name : "");
        p.approved_at = approve ? now : 0;
        r = text ? store_postmortem_put(tx, &p) : -ENOMEM;
        free(text);
        if (r >= 0) {
                json_t *change = json_pack("{s:I, s:s?}", "version", (json_int_t)p.version,
                                           "reason", reason);
                r = change ? store_audit_incident(tx, now, actor,
                                                  approve ? "incident.postmortem.approve"
                                                          : "incident.postmortem.reopen",
                                                  inc.key, change)
                           : -ENOMEM;
                json_decref(change);
        }
        if (r >= 0) {
                snprintf(ret->incident, sizeof ret->incident, "%s", inc.key);
                ret->p = p;
                ret->p.body = NULL;
        }
out:
        pm_doc_fini(&d);
        incident_fini(&inc);
        return r;
}

int case_postmortem_approve(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                            const char *key, const char *reason, struct pm_result *ret,
                            struct case_outcome *o)
{
        return pm_decide(tx, actor, now, key, reason, true, ret, o);
}

int case_postmortem_reopen(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                           const char *key, const char *reason, struct pm_result *ret,
                           struct case_outcome *o)
{
        return pm_decide(tx, actor, now, key, reason, false, ret, o);
}

/* ---- improvements ---- */

json_t *case_improvement_json(const struct improvement *i, vg_usec_t now)
{
        bool undone = strcmp(i->status, "done") != 0;
        return json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:o, s:s, s:o, s:o, s:b}", "id",
                         (json_int_t)i->id, "factor", i->factor, "title", i->title, "owner",
                         i->owner, "kind", i->kind, "due_at", case_time_json(i->due_at), "status",
                         i->status, "verification", i->verification ? i->verification : "",
                         "done_at", case_time_json(i->done_at), "created_by", i->created_by,
                         "created_at", case_time_json(i->created_at), "updated_at",
                         case_time_json(i->updated_at), "overdue", undone && i->due_at < now);
}

void case_improvement_validate(const struct improvement_change *c, struct field_errors *errs)
{
        if (c->title && (!*c->title || !text_valid(c->title, IMPROVEMENT_TITLE_MAX)))
                fielderr_add(errs, "title", "must be 1 to %d bytes of text on one line",
                             IMPROVEMENT_TITLE_MAX);
        if (c->kind && !improvement_kind_valid(c->kind))
                fielderr_add(errs, "kind", "must be prevent, detect or respond");
        if (c->status && !improvement_status_valid(c->status))
                fielderr_add(errs, "status", "must be open, in_progress or done");
        if (c->verification && strlen(c->verification) > IMPROVEMENT_VERIFICATION_MAX)
                fielderr_add(errs, "verification", "must be at most %d bytes",
                             IMPROVEMENT_VERIFICATION_MAX);
}

/* An owner must be a person who can act: an enabled staff account. */
static int check_owner(struct store_tx *tx, const char *owner, struct field_errors *errs)
{
        struct user u;
        int r = store_user_get_by_name(tx, owner, &u);
        if (r == -VG_ENOTFOUND || (r >= 0 && (u.disabled || u.role == ROLE_TENANT_ADMIN))) {
                fielderr_add(errs, "owner", "no staff user '%s'", owner);
                return 0;
        }
        return r < 0 ? r : 0;
}

/* Queue the reminder of improvement id due at due, round `round`, at `at`. */
static int remind_job(struct store_tx *tx, int64_t id, vg_usec_t due, int64_t round, vg_usec_t at)
{
        char payload[128];
        snprintf(payload, sizeof payload, "{\"improvement\":%lld,\"due_at\":%lld,\"round\":%lld}",
                 (long long)id, (long long)due, (long long)round);
        return store_job_add(tx, "improvement.remind", payload, at, NULL);
}

/* Audit a change of an improvement of incident key. */
static int improvement_audit(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                             const struct improvement *i, const char *key, const char *action)
{
        json_t *change = case_improvement_json(i, now);
        int r = change ? store_audit_incident(tx, now, actor, action, key, change) : -ENOMEM;
        json_decref(change);
        return r;
}

static int imp_copy(const struct improvement *i, void *userdata)
{
        struct improvement_result *c = userdata;
        c->i = *i;
        snprintf(c->title, sizeof c->title, "%s", i->title ? i->title : "");
        snprintf(c->verification, sizeof c->verification, "%s",
                 i->verification ? i->verification : "");
        c->i.title = c->title;
        c->i.verification = c->verification;
        return 0;
}

int case_improvement_create(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                            const char *key, const struct improvement_change *c,
                            struct improvement_result *ret, struct case_outcome *o)
{
        static const char *const required[] = {"factor", "title", "owner", "kind"};
        const char *given[] = {c->factor, c->title, c->owner, c->kind};
        struct incident inc = {0};
        struct pm_doc d = {0};
        memset(ret, 0, sizeof *ret);
        for (size_t k = 0; k < 4; k++)
                if (!given[k])
                        fielderr_add(&o->errors, required[k], "is required");
        if (!c->has_due)
                fielderr_add(&o->errors, "due_at", "is required");
        case_improvement_validate(c, &o->errors);
        if (fielderr_any(&o->errors))
                return -VG_EVALIDATION;
        int r = pm_load(tx, key, &inc, &d, o);
        if (r < 0)
                goto out;
        bool known = false;
        json_t *f;
        size_t i;
        json_array_foreach(json_object_get(d.body, "factors"), i, f) known |=
                strcmp(json_string_value(json_object_get(f, "id")), c->factor) == 0;
        if (!known)
                fielderr_add(&o->errors, "factor", "the post-mortem of %s has no factor '%s'",
                             inc.key, c->factor);
        r = check_owner(tx, c->owner, &o->errors);
        if (r >= 0 && fielderr_any(&o->errors))
                r = -VG_EVALIDATION;
        if (r < 0)
                goto out;
        struct improvement *imp = &ret->i;
        *imp = (struct improvement){
                .incident_id = inc.id, .due_at = c->due_at, .created_at = now, .updated_at = now};
        snprintf(imp->factor, sizeof imp->factor, "%s", c->factor);
        snprintf(ret->title, sizeof ret->title, "%s", c->title);
        imp->title = ret->title;
        snprintf(imp->owner, sizeof imp->owner, "%s", c->owner);
        snprintf(imp->kind, sizeof imp->kind, "%s", c->kind);
        snprintf(imp->status, sizeof imp->status, "open");
        imp->verification = ret->verification;
        snprintf(imp->created_by, sizeof imp->created_by, "%s", actor->name);
        snprintf(ret->incident, sizeof ret->incident, "%s", inc.key);
        r = store_improvement_add(tx, imp);
        if (r >= 0)
                r = remind_job(tx, imp->id, imp->due_at, 1, imp->due_at);
        if (r >= 0)
                r = improvement_audit(tx, actor, now, imp, inc.key, "incident.improvement.create");
out:
        pm_doc_fini(&d);
        incident_fini(&inc);
        return r;
}

int case_improvement_update(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                            int64_t id, const struct improvement_change *c,
                            struct improvement_result *ret, struct case_outcome *o)
{
        struct incident inc = {0};
        memset(ret, 0, sizeof *ret);
        case_improvement_validate(c, &o->errors);
        if (fielderr_any(&o->errors))
                return -VG_EVALIDATION;
        int r = store_improvement_get(tx, id, imp_copy, ret);
        if (r == -VG_ENOTFOUND)
                case_outcome_detail(o, "no improvement %lld", (long long)id);
        if (r >= 0 && c->owner)
                r = check_owner(tx, c->owner, &o->errors);
        if (r < 0)
                return r;
        struct improvement *i = &ret->i;
        if (c->title)
                snprintf(ret->title, sizeof ret->title, "%s", c->title);
        if (c->owner)
                snprintf(i->owner, sizeof i->owner, "%s", c->owner);
        if (c->kind)
                snprintf(i->kind, sizeof i->kind, "%s", c->kind);
        if (c->verification)
                snprintf(ret->verification, sizeof ret->verification, "%s", c->verification);
        bool was_done = strcmp(i->status, "done") == 0;
        if (c->status)
                snprintf(i->status, sizeof i->status, "%s", c->status);
        bool done = strcmp(i->status, "done") == 0;
        /* Done means checked: say how it was verified. */
        if (done &&
            (!ret->verification[0] || !text_valid(ret->verification, IMPROVEMENT_VERIFICATION_MAX)))
                fielderr_add(&o->errors, "verification",
                             "say how the improvement was verified to be in place");
        if (fielderr_any(&o->errors))
                return -VG_EVALIDATION;
        if (done && !was_done)
                i->done_at = now;
        if (!done)
                i->done_at = 0;
        bool moved = c->has_due && c->due_at != i->due_at;
        if (c->has_due)
                i->due_at = c->due_at;
        i->updated_at = now;
        r = store_improvement_update(tx, i);
        if (r >= 0 && moved && !done)
                r = remind_job(tx, i->id, i->due_at, 1, i->due_at);
        if (r >= 0)
                r = store_incident_get_by_id(tx, i->incident_id, &inc);
        if (r >= 0) {
                snprintf(ret->incident, sizeof ret->incident, "%s", inc.key);
                r = improvement_audit(tx, actor, now, i, inc.key, "incident.improvement.update");
        }
        incident_fini(&inc);
        return r;
}

/* The overdue message to owner of improvement c, once per due time and
 * round: 0 when this round was queued already. */
static int remind_mail(struct store_tx *tx, vg_usec_t now, const struct improvement_result *c,
                       const char *address, const char *due_text, int64_t round)
{
        char subject[600], body[2048];
        long long id = (long long)c->i.id;
        snprintf(subject, sizeof subject, "[Vigil] Overdue improvement %lld from %s: %s", id,
                 c->incident, c->title);
        snprintf(body, sizeof body,
                 "The improvement you own is past its due date.\n\nIncident: %s\nImprovement %lld "
                 "(%s, factor %s): "
                 "%s\nDue: %s\nStatus: %s\n\nWhen it is in place: vigil api PATCH "
                 "/api/v1/improvements/%lld "
                 "--data '{\"status\":\"done\",\"verification\":\"how it was checked\"}'\n",
                 c->incident, id, c->i.kind, c->i.factor, c->title, due_text, c->i.status, id);
        struct outbox_msg m = {
                .address = address, .subject = subject, .body = body, .created_at = now};
        snprintf(m.idem_key, sizeof m.idem_key, "improvement-%lld-%lld-%lld", id,
                 (long long)c->i.due_at, (long long)round);
        snprintf(m.channel, sizeof m.channel, "email");
        return case_message_queue(tx, &m, now);
}

int case_improvement_remind(struct store_tx *tx, const struct actor *actor, vg_usec_t now,
                            int64_t id, vg_usec_t due, int64_t round,
                            struct improvement_reminder *ret)
{
        struct improvement_result c;
        struct incident inc = {0};
        struct user owner;
        memset(ret, 0, sizeof *ret);
        int r = store_improvement_get(tx, id, imp_copy, &c);
        if (r == -VG_ENOTFOUND ||
            (r >= 0 && (strcmp(c.i.status, "done") == 0 || c.i.due_at != due))) {
                ret->stale = true; /* done or moved: moving it queued a new reminder */
                return 0;
        }
        if (r >= 0)
                r = store_incident_get_by_id(tx, c.i.incident_id, &inc);
        if (r < 0)
                goto out;
        snprintf(c.incident, sizeof c.incident, "%s", inc.key);
        snprintf(ret->owner, sizeof ret->owner, "%s", c.i.owner);
        r = store_user_get_by_name(tx, c.i.owner, &owner);
        bool reachable = r >= 0 && !owner.disabled && owner.email[0];
        if (r < 0 && r != -VG_ENOTFOUND)
                goto out;
        char due_text[VG_RFC3339_MAX];
        vg_time_format(due, due_text);
        r = reachable ? remind_mail(tx, now, &c, owner.email, due_text, round) : 0;
        ret->emailed = reachable;
        if (r >= 0) {
                json_t *change = json_pack("{s:I, s:s, s:s, s:I, s:b}", "improvement",
                                           (json_int_t)id, "owner", c.i.owner, "due_at", due_text,
                                           "round", (json_int_t)round, "emailed", reachable);
                r = change ? store_audit_incident(tx, now, actor, "incident.improvement.overdue",
                                                  inc.key, change)
                           : -ENOMEM;
                json_decref(change);
        }
        if (r >= 0)
                r = remind_job(tx, id, due, round + 1, now + IMPROVEMENT_REMIND_EVERY);
out:
        incident_fini(&inc);
        return r;
}
