/* The incident report: one self-contained document per incident -
 * summary, classification, scope, phase times, obligations, notices with
 * their delivery evidence, the post-mortem with its improvements, and the
 * audit timeline. Written as GitHub Flavored Markdown (its tables); the
 * HTML is that Markdown through report/markdown.c (cmark-gfm, never raw
 * HTML) in a page with one fixed stylesheet, so a strict
 * Content-Security-Policy can name it by hash. */
#define _GNU_SOURCE
#include "report/report.h"
#include "report/markdown.h"

#include "core/array.h"
#include "core/buf.h"
#include "core/deadline.h"
#include "core/error.h"

#include <errno.h>
#include <stdbool.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char report_stylesheet[] =
        "body{font:15px/1.5 system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em;color:#111}"
        "table{border-collapse:collapse;width:100%;margin:.5em 0}td,th{border:1px solid #999;padding:.25em .5em;"
        "text-align:left;vertical-align:top}code{word-break:break-all}h1{font-size:1.6em}h2{margin-top:1.6em}";

struct md {
        struct buf b; /* b.err: the first failure */
        struct store_tx *tx;
        int64_t incident_id;
};

/* Text inside a table cell, a heading or a paragraph of ours: one line,
 * and nothing in it that CommonMark reads as structure. Inline markup
 * (emphasis, code, links, HTML, entities, pipes, strike-through) is
 * escaped wherever it stands; what opens a block (a list, a quote, a
 * fence, a heading, a rule, an indented code block) is only read at the
 * start of a line, and a cell starts a line only where it starts, so
 * only its first character needs more. Nothing the caller wrote can end
 * the block it was put in, or begin one of its own. */
static void cell(struct md *m, const char *s)
{
        if (!s)
                return;
        s += strspn(s, " \t\r\n"); /* four spaces would open a code block */
        size_t digits = strspn(s, "0123456789"); /* "1." or "1)" opens a list */
        for (size_t i = 0; s[i] && m->b.err >= 0; i++) {
                char c = s[i];
                if (c == '\n' || c == '\r')
                        buf_put_n(&m->b, " ", 1);
                else if (strchr("\\|*_`[]<>#!~&", c) || (i == 0 && strchr("-+=", c)) ||
                         (i == digits && digits > 0 && (c == '.' || c == ')')))
                        buf_put(&m->b, "\\%c", c);
                else
                        buf_put_n(&m->b, &s[i], 1);
        }
}

/* The author's own Markdown (a post-mortem's summary, narrative ...) as a
 * fragment that cannot reach outside the section it is put in: parsed on
 * its own, its headings moved below ours (h4 and lower), raw HTML turned
 * into visible text, reference definitions resolved, each line break a
 * hard one (so the Markdown keeps it too, whatever renders it), and
 * written back as Markdown in which every block it opened is closed (a
 * fence left open is closed, a longer fence is used around one that holds
 * backticks; a table keeps its rows, a pipe in a cell escaped). */
static void fragment(struct md *m, const char *text)
{
        size_t len = strlen(text);
        cmark_node *doc;
        int r = markdown_parse(text, len, &doc);
        if (r < 0) {
                m->b.err = r;
                return;
        }
        /* Edit after the walk: the iterator must not see nodes change. */
        cmark_node **edit = NULL;
        size_t n_edit = 0, cap = 0;
        cmark_iter *it = cmark_iter_new(doc);
        cmark_event_type ev;
        if (!it)
                m->b.err = -ENOMEM;
        while (it && (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE && m->b.err >= 0) {
                cmark_node *node = cmark_iter_get_node(it);
                cmark_node_type t = cmark_node_get_type(node);
                if (ev != CMARK_EVENT_ENTER)
                        continue;
                if (t == CMARK_NODE_HEADING) {
                        int level = cmark_node_get_heading_level(node) + 3;
                        cmark_node_set_heading_level(node, level > 6 ? 6 : level);
                } else if (t == CMARK_NODE_HTML_BLOCK || t == CMARK_NODE_HTML_INLINE || t == CMARK_NODE_SOFTBREAK) {
                        /* Each of these holds at least one byte of the text. */
                        r = array_reserve(edit, cap, n_edit + 1, len + 1);
                        if (r < 0)
                                m->b.err = r;
                        else
                                edit[n_edit++] = node;
                }
        }
        cmark_iter_free(it);
        for (size_t i = 0; i < n_edit; i++) {
                cmark_node *in;
                if (cmark_node_get_type(edit[i]) == CMARK_NODE_SOFTBREAK)
                        in = cmark_node_new(CMARK_NODE_LINEBREAK);
                else {
                        cmark_node *lit = cmark_node_new(CMARK_NODE_TEXT);
                        cmark_node_set_literal(lit, cmark_node_get_literal(edit[i]));
                        in = lit;
                        if (cmark_node_get_type(edit[i]) == CMARK_NODE_HTML_BLOCK) {
                                in = cmark_node_new(CMARK_NODE_PARAGRAPH); /* its text in the block's place */
                                cmark_node_append_child(in, lit);
                        }
                }
                cmark_node_replace(edit[i], in);
                cmark_node_free(edit[i]);
        }
        free(edit);
        char *md = m->b.err >= 0 ? cmark_render_commonmark(doc, MARKDOWN_PARSE_OPTIONS, 0) : NULL;
        cmark_node_free(doc);
        if (md)
                buf_put_n(&m->b, md, strlen(md));
        else if (m->b.err >= 0)
                m->b.err = -ENOMEM;
        free(md);
}

static const char *when(vg_usec_t t, char buf[VG_RFC3339_MAX])
{
        if (!t)
                return "-";
        vg_time_format(t, buf);
        return buf;
}

static int md_service(const char *service, void *userdata)
{
        struct md *m = userdata;
        buf_put(&m->b, " ");
        cell(m, service);
        return 0;
}

static int md_tenant(const struct scope_tenant *t, void *userdata)
{
        struct md *m = userdata;
        buf_put(&m->b, "| ");
        cell(m, t->tenant);
        buf_put(&m->b, " | %s | %lld | ", tenant_status_to_string(t->status), (long long)t->affected_users);
        cell(m, t->evidence);
        buf_put(&m->b, " |\n");
        return 0;
}

static int md_obligation(const struct obligation *o, void *userdata)
{
        struct md *m = userdata;
        char a[VG_RFC3339_MAX], b[VG_RFC3339_MAX], due[96], on_time[96] = "-";
        /* "Without undue delay" is never late: it is met within its
         * internal target or after it, and says how long it took. */
        bool asap = strcmp(o->deadline_kind, "asap") == 0;
        if (asap)
                snprintf(due, sizeof due, "without undue delay (target %s)", when(o->target_at, a));
        else
                snprintf(due, sizeof due, "%s", when(o->due_at, a));
        if (strcmp(o->status, "sent") == 0) {
                enum deadline_standing st = deadline_standing(asap ? DEADLINE_KIND_ASAP : DEADLINE_KIND_FIXED,
                                                              o->due_at, o->target_at, o->sent_at, o->sent_at);
                int64_t took = o->anchor_at ? (o->sent_at - o->anchor_at) / VG_USEC_PER_SEC : 0;
                if (asap)
                        snprintf(on_time, sizeof on_time, "%s, after %lldh %02lldm",
                                 st == STANDING_ON_TIME ? "within target" : "after target", (long long)(took / 3600),
                                 (long long)(took % 3600 / 60));
                else
                        snprintf(on_time, sizeof on_time, "%s", st == STANDING_ON_TIME ? "yes" : "no, late");
        }
        buf_put(&m->b, "| %s | ", o->rule_id);
        cell(m, o->tenant[0] ? o->tenant : "(provider)");
        buf_put(&m->b, " | ");
        cell(m, o->recipient);
        buf_put(&m->b, " | %s | %s | %s | %s |\n", due, o->status, when(o->sent_at, b), on_time);
        return 0;
}

static int md_delivery(const struct notice_delivery *d, void *userdata)
{
        struct md *m = userdata;
        buf_put(&m->b, "| ");
        cell(m, d->tenant);
        buf_put(&m->b, " | %s | ", d->channel);
        cell(m, d->address);
        buf_put(&m->b, " | %s | %d | ", d->status, d->attempts);
        cell(m, d->last_result);
        buf_put(&m->b, " |\n");
        return 0;
}

static int md_notice(const struct notice *n, void *userdata)
{
        struct md *m = userdata;
        char a[VG_RFC3339_MAX], b[VG_RFC3339_MAX];
        buf_put(&m->b, "\n### Notice %lld (%s)\n\nComposed by ", (long long)n->version, n->kind);
        cell(m, n->composed_by);
        buf_put(&m->b, " at %s; released by ", when(n->composed_at, a));
        cell(m, n->released_by[0] ? n->released_by : "-");
        buf_put(&m->b, " at %s.\n\n**Nature of the breach:** ", when(n->released_at, b));
        cell(m, n->nature);
        buf_put(&m->b, "\n\n**Approximate user impact:** ");
        cell(m, n->user_impact);
        buf_put(&m->b, "\n\n**Mitigation:** ");
        cell(m, n->mitigation);
        buf_put(&m->b, "\n\n| Tenant | Channel | Address | Status | Attempts | Server's reply |\n|---|---|---|---|---|---|\n");
        return store_notice_delivery_list(m->tx, n->id, md_delivery, m);
}

static int md_improvement(const struct improvement *i, void *userdata)
{
        struct md *m = userdata;
        char a[VG_RFC3339_MAX], b[VG_RFC3339_MAX];
        buf_put(&m->b, "| %lld | %s | ", (long long)i->id, i->factor);
        cell(m, i->title);
        buf_put(&m->b, " | ");
        cell(m, i->owner);
        buf_put(&m->b, " | %s | %s | %s | %s | ", i->kind, when(i->due_at, a), i->status, when(i->done_at, b));
        cell(m, i->verification);
        buf_put(&m->b, " |\n");
        return 0;
}

static int md_postmortem(const struct postmortem *p, void *userdata)
{
        struct md *m = userdata;
        char a[VG_RFC3339_MAX];
        json_t *body = json_loads(p->body, 0, NULL);
        buf_put(&m->b, "\n## Post-mortem\n\nStatus: %s (version %lld)", p->status, (long long)p->version);
        if (p->approved_at) {
                buf_put(&m->b, "; approved by ");
                cell(m, p->approved_by);
                buf_put(&m->b, " at %s", when(p->approved_at, a));
        }
        buf_put(&m->b, ".\n");
        static const struct {
                const char *key, *title;
        } parts[] = { { "summary", "Summary" }, { "impact", "Impact" }, { "narrative", "Narrative" },
                      { "went_well", "What went well" } };
        for (size_t i = 0; i < 4; i++) {
                const char *text = json_string_value(json_object_get(body, parts[i].key));
                buf_put(&m->b, "\n### %s\n\n", parts[i].title);
                if (text && *text)
                        fragment(m, text);
                else
                        buf_put(&m->b, "(not written)\n");
        }
        buf_put(&m->b, "\n### Contributing factors\n\n| Factor | Kind | Description |\n|---|---|---|\n");
        size_t i;
        json_t *f;
        json_array_foreach(json_object_get(body, "factors"), i, f)
        {
                buf_put(&m->b, "| %s | %s | ", json_string_value(json_object_get(f, "id")),
                    json_string_value(json_object_get(f, "kind")));
                cell(m, json_string_value(json_object_get(f, "description")));
                buf_put(&m->b, " |\n");
        }
        json_decref(body);
        buf_put(&m->b, "\n### Improvements\n\n| Id | Factor | Title | Owner | Kind | Due | Status | Done | Verification |\n"
               "|---|---|---|---|---|---|---|---|---|\n");
        struct improvement_filter flt = { .incident_id = m->incident_id };
        return store_improvement_list(m->tx, &flt, md_improvement, m);
}

static int md_event(const struct audit_record *r, void *userdata)
{
        struct md *m = userdata;
        char a[VG_RFC3339_MAX];
        buf_put(&m->b, "| %lld | %s | ", (long long)r->seq, when(r->at, a));
        cell(m, r->actor);
        buf_put(&m->b, " | %s |\n", r->action);
        return 0;
}

int report_incident_markdown(struct store *s, const char *key, vg_usec_t now, char **ret)
{
        struct incident inc = { 0 };
        struct audit_verify v;
        struct md m = { 0 };
        buf_init(&m.b, 64u << 20);
        int r = store_audit_verify(s, &v);
        if (r >= 0)
                r = store_begin_read(s, &m.tx);
        if (r < 0)
                return r;
        r = store_incident_get(m.tx, key, &inc);
        if (r < 0)
                goto out;
        m.incident_id = inc.id;
        char t[8][VG_RFC3339_MAX];
        buf_put(&m.b, "# Incident %s: ", inc.key);
        cell(&m, inc.title);
        buf_put(&m.b, "\n\n| | |\n|---|---|\n| Severity | %s |\n| Classification | %s |\n| Phase | %s |\n| Source | %s |\n"
                "| Reported by | ",
            severity_to_string(inc.severity), class_to_string(inc.classification), phase_to_string(inc.phase),
            source_to_string(inc.source));
        cell(&m, inc.reporter);
        buf_put(&m.b, " |\n| Declared by | ");
        cell(&m, inc.declared_by[0] ? inc.declared_by : "-");
        buf_put(&m.b, " |\n| Impact | %s%s%s |\n| Data categories |", inc.impact.confidentiality ? "confidentiality " : "",
            inc.impact.integrity ? "integrity " : "", inc.impact.availability ? "availability" : "");
        for (int d = 0; d < DATA__COUNT; d++)
                if (inc.data_categories & (1u << d))
                        buf_put(&m.b, " %s", data_category_to_string((enum data_category)d));
        buf_put(&m.b, " |\n\n## Description\n\n");
        cell(&m, inc.description && *inc.description ? inc.description : "(none)");
        buf_put(&m.b, "\n\n## Phase times (UTC)\n\n| Detected | Reported | Acknowledged | Declared | Contained | Eradicated | "
                "Recovered | Closed |\n|---|---|---|---|---|---|---|---|\n| %s | %s | %s | %s | %s | %s | %s | %s |\n",
            when(inc.detected_at, t[0]), when(inc.reported_at, t[1]), when(inc.acknowledged_at, t[2]),
            when(inc.declared_at, t[3]), when(inc.contained_at, t[4]), when(inc.eradicated_at, t[5]),
            when(inc.recovered_at, t[6]), when(inc.closed_at, t[7]));
        if (inc.root_cause && *inc.root_cause) {
                buf_put(&m.b, "\n**Root cause:** ");
                cell(&m, inc.root_cause);
                buf_put(&m.b, "\n");
        }
        buf_put(&m.b, "\n## Scope\n\nServices:");
        r = store_incident_services_list(m.tx, inc.id, md_service, &m);
        buf_put(&m.b, "\n\n| Tenant | Status | Affected users | Evidence |\n|---|---|---|---|\n");
        if (r >= 0)
                r = store_incident_tenants_list(m.tx, inc.id, md_tenant, &m);
        buf_put(&m.b, "\n## Notification obligations\n\n| Rule | Tenant | Recipient | Due | Status | Sent | On time |\n"
                "|---|---|---|---|---|---|---|\n");
        if (r >= 0)
                r = store_obligation_list(m.tx, inc.id, md_obligation, &m);
        buf_put(&m.b, "\n## Customer notices\n");
        if (r >= 0)
                r = store_notice_list(m.tx, inc.id, md_notice, &m);
        if (r >= 0) {
                int pr = store_postmortem_get(m.tx, inc.id, md_postmortem, &m);
                if (pr == -VG_ENOTFOUND)
                        buf_put(&m.b, "\n## Post-mortem\n\nNone written.\n");
                else
                        r = pr;
        }
        buf_put(&m.b, "\n## Timeline (the audit records)\n\n| Seq | At (UTC) | Actor | Action |\n|---|---|---|---|\n");
        char object[64];
        snprintf(object, sizeof object, "incident:%s", inc.key);
        if (r >= 0)
                r = store_audit_list_object(m.tx, object, 0, 100000, md_event, &m);
        buf_put(&m.b, "\n---\n\nGenerated %s. Audit chain: %s, %lld records, head digest `%s`.\n", when(now, t[0]),
            v.ok ? "intact" : "BROKEN", (long long)v.records, v.head_hash);
out:
        store_rollback(m.tx);
        incident_fini(&inc);
        if (r >= 0 && m.b.err < 0)
                r = m.b.err;
        if (r < 0) {
                buf_release(&m.b);
                return r;
        }
        size_t len;
        *ret = buf_detach(&m.b, &len);
        return *ret ? 0 : -ENOMEM;
}

int report_incident_html(const char *markdown, const char *key, char **ret)
{
        char *body;
        int r = markdown_html(markdown, strlen(markdown), &body);
        if (r < 0)
                return r;
        /* The policy travels with the file, for when it is opened from disk. */
        char csp[192];
        report_stylesheet_csp(csp);
        int n = asprintf(ret,
                         "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                         "<meta http-equiv=\"Content-Security-Policy\" content=\"%s\">"
                         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                         "<title>Incident %s</title><style>%s</style></head>\n<body>\n%s</body></html>\n",
                         csp, key, report_stylesheet, body);
        free(body);
        return n < 0 ? -ENOMEM : 0;
}

void report_stylesheet_csp(char out[192])
{
        unsigned char h[crypto_hash_sha256_BYTES];
        char b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES, sodium_base64_VARIANT_ORIGINAL)];
        crypto_hash_sha256(h, (const unsigned char *)report_stylesheet, strlen(report_stylesheet));
        sodium_bin2base64(b64, sizeof b64, h, sizeof h, sodium_base64_VARIANT_ORIGINAL);
        snprintf(out, 192, "default-src 'none'; style-src 'sha256-%s'; base-uri 'none'; form-action 'none'", b64);
}
