/* Post-mortems and improvements end to end: writing one (factors get ids,
 * Markdown is rendered safely, the timeline comes from the audit chain);
 * the approval rules (every factor needs an improvement; a second person
 * approves; approved means frozen until reopened with a reason); the
 * improvement lifecycle (done needs a verification note; owners must be
 * staff); and an overdue improvement emailing its owner through a real
 * SMTP server, once per round, with the reminder recorded. */
#include "harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

static struct server S;
static char responder[128], manager[128], manager2[128], auditor[128], tadmin[128];
static char key[32], base[96], maildir[64];
static pid_t smtp_pid;
static const char *const JSON[] = { "Content-Type: application/json", NULL };

static long call(const char *method, const char *path, const char *token, const char *body, json_t **ret)
{
        return api_call(&S, method, path, token, body, ret);
}

static json_t *postmortem(void)
{
        json_t *a;
        assert_int_equal(call("GET", base, auditor, NULL, &a), 200);
        return a;
}

static bool missing(json_t *pm, const char *field)
{
        json_t *m;
        size_t i;
        json_array_foreach(json_object_get(pm, "missing"), i, m)
        {
                if (strcmp(json_string_value(json_object_get(m, "field")), field) == 0)
                        return true;
        }
        return false;
}

static void write_and_read(void **state)
{
        (void)state;
        json_t *a;
        expect_refused_on(&S, "GET", base, auditor, NULL, NULL, 404, "no post-mortem", NULL);
        /* Bad input changes nothing. */
        char *before = db_fingerprint(&S);
        expect_refused_on(&S, "PUT", base, responder, JSON, "{\"factors\":[{\"kind\":\"bad_luck\",\"description\":\"x\"}]}",
                          400, NULL, "factors[0]");
        expect_refused_on(&S, "PUT", base, responder, JSON, "{\"factors\":[{\"kind\":\"manual_error\"}]}", 400, NULL,
                          "factors[0]");
        expect_refused_on(&S, "PUT", base, responder, JSON,
                          "{\"factors\":[{\"id\":\"F9\",\"kind\":\"manual_error\",\"description\":\"x\"}]}", 400, NULL,
                          "factors[0]");
        expect_refused_on(&S, "PUT", base, responder, JSON, "{\"summry\":\"typo\"}", 400, NULL, "summry");
        expect_refused_on(&S, "PUT", base, tadmin, JSON, "{}", 403, NULL, NULL);
        char *after = db_fingerprint(&S);
        assert_string_equal(before, after);
        free(before);
        free(after);

        assert_int_equal(call("PUT", base, responder,
                              "{\"summary\":\"A signing key leaked through a **public** bucket.\","
                              "\"impact\":\"\",\"narrative\":\"<script>alert(1)</script>\\n\\n* found by a scan\\n"
                              "* [link](javascript:alert(1))\",\"went_well\":\"Paging worked.\","
                              "\"factors\":[{\"kind\":\"technical_lapse\",\"description\":\"Bucket ACL defaulted to public\"},"
                              "{\"kind\":\"procedural_failure\",\"description\":\"No review of bucket policies\"}]}",
                              &a),
                         201);
        assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(a, "factors"), 1), "id")), "F2");
        json_decref(a);
        a = postmortem();
        assert_string_equal(json_string_value(json_object_get(a, "status")), "draft");
        assert_true(json_is_true(json_object_get(a, "required"))); /* confirmed tenant in scope */
        json_t *html = json_object_get(a, "html");
        assert_string_equal(json_string_value(json_object_get(html, "summary")),
                            "<p>A signing key leaked through a <strong>public</strong> bucket.</p>\n");
        const char *narr = json_string_value(json_object_get(html, "narrative"));
        assert_null(strstr(narr, "<script>"));
        assert_null(strstr(narr, "javascript:"));
        assert_non_null(strstr(narr, "<li>found by a scan</li>"));
        /* What approval still needs: an impact, and an improvement per factor. */
        assert_true(missing(a, "impact"));
        assert_true(missing(a, "factors.F1"));
        assert_true(missing(a, "factors.F2"));
        assert_false(missing(a, "summary"));
        /* The timeline: the incident's audit records, this edit among them. */
        json_t *e;
        size_t i;
        bool created = false, edited = false;
        json_array_foreach(json_object_get(a, "timeline"), i, e)
        {
                created |= strcmp(json_string_value(json_object_get(e, "action")), "incident.create") == 0;
                edited |= strcmp(json_string_value(json_object_get(e, "action")), "incident.postmortem.edit") == 0;
        }
        assert_true(created && edited);
        json_decref(a);
}

static void approval_rules(void **state)
{
        (void)state;
        char path[160];
        json_t *a;
        snprintf(path, sizeof path, "%s/approve", base);
        /* Incomplete: refused, naming what is missing. */
        expect_refused_on(&S, "POST", path, manager, JSON, "{}", 409, "not complete", "factors.F1");
        expect_refused_on(&S, "POST", path, responder, JSON, "{}", 403, NULL, NULL);

        char imps[128];
        snprintf(imps, sizeof imps, "/api/v1/incidents/%s/improvements", key);
        char *before = db_fingerprint(&S);
        expect_refused_on(&S, "POST", imps, responder, JSON,
                          "{\"factor\":\"F7\",\"title\":\"x\",\"owner\":\"rita\",\"kind\":\"prevent\",\"due_at\":\"2099-01-01T00:00:00Z\"}",
                          400, NULL, "factor");
        expect_refused_on(&S, "POST", imps, responder, JSON,
                          "{\"factor\":\"F1\",\"title\":\"x\",\"owner\":\"tina\",\"kind\":\"prevent\",\"due_at\":\"2099-01-01T00:00:00Z\"}",
                          400, NULL, "owner"); /* a tenant administrator owns nothing of ours */
        expect_refused_on(&S, "POST", imps, responder, JSON,
                          "{\"factor\":\"F1\",\"title\":\"x\",\"owner\":\"rita\",\"kind\":\"fix\",\"due_at\":\"soon\"}", 400,
                          NULL, "due_at");
        char *after = db_fingerprint(&S);
        assert_string_equal(before, after);
        free(before);
        free(after);
        assert_int_equal(call("POST", imps, responder,
                              "{\"factor\":\"F1\",\"title\":\"Buckets private by default (org policy)\",\"owner\":\"rita\","
                              "\"kind\":\"prevent\",\"due_at\":\"2099-01-01T00:00:00Z\"}",
                              NULL),
                         201);
        assert_int_equal(call("POST", imps, responder,
                              "{\"factor\":\"F2\",\"title\":\"Alert on public bucket policies\",\"owner\":\"ina\","
                              "\"kind\":\"detect\",\"due_at\":\"2099-02-01T00:00:00Z\"}",
                              NULL),
                         201);
        /* A factor with improvements cannot be dropped. */
        expect_refused_on(&S, "PUT", base, responder, JSON,
                          "{\"summary\":\"s\",\"factors\":[{\"id\":\"F1\",\"kind\":\"technical_lapse\",\"description\":\"d\"}]}",
                          400, NULL, "factors");
        /* Complete it; the last editor (ina) may not approve her own words. */
        assert_int_equal(call("PUT", base, manager,
                              "{\"summary\":\"A signing key leaked through a public bucket.\",\"impact\":\"Release "
                              "signatures untrusted for 6 hours; 1 tenant confirmed.\",\"factors\":["
                              "{\"id\":\"F1\",\"kind\":\"technical_lapse\",\"description\":\"Bucket ACL defaulted to public\"},"
                              "{\"id\":\"F2\",\"kind\":\"procedural_failure\",\"description\":\"No review of bucket policies\"}]}",
                              NULL),
                         200);
        expect_refused_on(&S, "POST", path, manager, JSON, "{}", 409, "another incident manager", NULL);
        assert_int_equal(call("POST", path, manager2, "{}", &a), 200);
        assert_string_equal(json_string_value(json_object_get(a, "status")), "approved");
        assert_string_equal(json_string_value(json_object_get(a, "approved_by")), "ivan");
        json_decref(a);
        expect_refused_on(&S, "POST", path, manager2, JSON, "{}", 409, "approved already", NULL);
        /* Approved is frozen; reopening needs a reason, and is audited. */
        expect_refused_on(&S, "PUT", base, responder, JSON, "{\"summary\":\"changed\"}", 409, "reopen", NULL);
        snprintf(path, sizeof path, "%s/reopen", base);
        expect_refused_on(&S, "POST", path, manager, JSON, "{}", 400, NULL, "reason");
        assert_int_equal(call("POST", path, manager, "{\"reason\":\"the impact figure was wrong\"}", NULL), 200);
        a = postmortem();
        assert_string_equal(json_string_value(json_object_get(a, "status")), "draft");
        assert_int_equal(json_array_size(json_object_get(a, "missing")), 0);
        json_decref(a);
        snprintf(path, sizeof path, "%s/approve", base);
        assert_int_equal(call("POST", path, manager2, "{}", NULL), 200);
        assert_int_equal(db_count(&S, "audit_log", "action = 'incident.postmortem.approve'"), 2);
        assert_int_equal(db_count(&S, "audit_log", "action = 'incident.postmortem.reopen' AND change LIKE '%impact figure%'"),
                         1);
}

static void improvement_lifecycle(void **state)
{
        (void)state;
        json_t *a;
        char path[96];
        assert_int_equal(call("GET", "/api/v1/improvements?owner=rita", auditor, NULL, &a), 200);
        assert_int_equal(json_array_size(json_object_get(a, "items")), 1);
        json_t *imp = json_array_get(json_object_get(a, "items"), 0);
        long long id = (long long)json_integer_value(json_object_get(imp, "id"));
        assert_string_equal(json_string_value(json_object_get(imp, "incident")), key);
        assert_string_equal(json_string_value(json_object_get(imp, "status")), "open");
        json_decref(a);
        snprintf(path, sizeof path, "/api/v1/improvements/%lld", id);
        assert_int_equal(call("PATCH", path, responder, "{\"status\":\"in_progress\"}", NULL), 200);
        /* Done means verified. */
        expect_refused_on(&S, "PATCH", path, responder, JSON, "{\"status\":\"done\"}", 400, NULL, "verification");
        expect_refused_on(&S, "PATCH", path, responder, JSON, "{\"status\":\"finished\"}", 400, NULL, "status");
        expect_refused_on(&S, "PATCH", "/api/v1/improvements/9999", responder, JSON, "{\"status\":\"open\"}", 404, NULL,
                          NULL);
        expect_refused_on(&S, "PATCH", path, auditor, JSON, "{\"status\":\"open\"}", 403, NULL, NULL);
        assert_int_equal(call("PATCH", path, responder,
                              "{\"status\":\"done\",\"verification\":\"org policy denies public ACLs; tried, refused\"}", &a),
                         200);
        assert_true(json_is_string(json_object_get(a, "done_at")));
        json_decref(a);
        assert_int_equal(call("GET", "/api/v1/improvements?status=done", auditor, NULL, &a), 200);
        assert_int_equal(json_array_size(json_object_get(a, "items")), 1);
        json_decref(a);
        assert_int_equal(call("GET", "/api/v1/improvements?status=undone", auditor, NULL, &a), 200);
        assert_int_equal(json_array_size(json_object_get(a, "items")), 1);
        json_decref(a);
        expect_refused_on(&S, "GET", "/api/v1/improvements?status=late", auditor, NULL, NULL, 400, NULL, "status");
}

static void overdue_improvement_reminds_its_owner(void **state)
{
        (void)state;
        json_t *a;
        char path[128];
        /* ina's improvement moves into the past: it is overdue at once. */
        assert_int_equal(call("GET", "/api/v1/improvements?owner=ina", auditor, NULL, &a), 200);
        long long id = (long long)json_integer_value(json_object_get(json_array_get(json_object_get(a, "items"), 0), "id"));
        json_decref(a);
        snprintf(path, sizeof path, "/api/v1/improvements/%lld", id);
        assert_int_equal(call("PATCH", path, responder, "{\"due_at\":\"2026-01-05T09:00:00Z\"}", NULL), 200);
        assert_int_equal(call("GET", "/api/v1/improvements?overdue=true", auditor, NULL, &a), 200);
        assert_int_equal(json_array_size(json_object_get(a, "items")), 1);
        assert_true(json_is_true(json_object_get(json_array_get(json_object_get(a, "items"), 0), "overdue")));
        json_decref(a);
        for (int i = 0; i < 100 && sink_files_with(maildir, ".eml", "Overdue improvement") < 1; i++)
                usleep(100 * 1000);
        usleep(1000 * 1000); /* a second message would have come by now */
        assert_int_equal(sink_files_with(maildir, ".eml", "Overdue improvement"), 1);
        assert_int_equal(sink_files_with(maildir, ".eml", "X-Envelope-To: ina@example.com"), 1);
        assert_int_equal(sink_files_with(maildir, ".eml", "Alert on public bucket policies"), 1);
        assert_int_equal(db_count(&S, "audit_log", "action = 'incident.improvement.overdue'"), 1);
        /* The next round waits a week. */
        assert_int_equal(db_count(&S, "jobs", "kind = 'improvement.remind' AND done_at = 0 AND payload LIKE '%\"round\":2%'"),
                         1);
        /* Done: the next round finds nothing to say. */
        assert_int_equal(call("PATCH", path, responder, "{\"status\":\"done\",\"verification\":\"alert fired in a drill\"}",
                              NULL),
                         200);
        assert_int_equal(call("GET", "/api/v1/improvements?overdue=true", auditor, NULL, &a), 200);
        assert_int_equal(json_array_size(json_object_get(a, "items")), 0);
        json_decref(a);
}

/* The report of incident k (format "md", or NULL for the HTML page) as the
 * auditor reads it, answered 200. */
static void report_get(const char *k, const char *format, struct reply *r)
{
        char path[128];
        snprintf(path, sizeof path, "/api/v1/incidents/%s/report%s%s", k, format ? "?format=" : "", format ? format : "");
        http(&S, "GET", path, auditor, NULL, NULL, r);
        assert_int_equal(r->status, 200);
}

/* The incident report: Markdown and a self-contained HTML page that
 * headless Chromium renders without a console message (a style the
 * page's Content-Security-Policy refused would print one). */
static void incident_report_in_a_browser(void **state)
{
        (void)state;
        char path[128], file[96], cmd[600];
        struct reply r;
        report_get(key, "md", &r);
        assert_non_null(strstr(r.body, "# Incident "));
        assert_non_null(strstr(r.body, "## Post-mortem\n\nStatus: approved (version"));
        assert_non_null(strstr(r.body, "; approved by ivan at "));
        assert_non_null(strstr(r.body, "| F1 | technical_lapse | Bucket ACL defaulted to public |"));
        assert_non_null(strstr(r.body, "Alert on public bucket policies"));
        assert_non_null(strstr(r.body, "| incident.postmortem.approve |"));
        assert_non_null(strstr(r.body, "Audit chain: intact"));
        reply_free(&r);
        report_get(key, NULL, &r);
        assert_non_null(strstr(reply_header(&r, "Content-Type"), "text/html"));
        assert_non_null(strstr(reply_header(&r, "Content-Security-Policy"), "style-src 'sha256-"));
        snprintf(file, sizeof file, "%s/report.html", maildir);
        FILE *f = fopen(file, "w");
        assert_non_null(f);
        fputs(r.body, f);
        fclose(f);
        reply_free(&r);
        snprintf(cmd, sizeof cmd,
                 "timeout 120 chromium --headless=new --no-sandbox --disable-gpu --user-data-dir=%s/chromium "
                 "--enable-logging=stderr --v=0 --dump-dom file://%s > %s/dom.html 2> %s/chromium.log",
                 maildir, file, maildir, maildir);
        assert_int_equal(system(cmd), 0);
        snprintf(file, sizeof file, "%s/dom.html", maildir);
        char *dom = read_text_file(file);
        assert_non_null(dom);
        assert_non_null(strstr(dom, "<h2>Post-mortem</h2>"));
        free(dom);
        snprintf(file, sizeof file, "%s/chromium.log", maildir);
        char *log = read_text_file(file);
        assert_non_null(log);
        if (strstr(log, ":CONSOLE"))
                fail_msg("the browser reported: %s", strstr(log, ":CONSOLE"));
        free(log);
        expect_refused_on(&S, "GET", "/api/v1/incidents/INC-2099-9999/report", auditor, NULL, NULL, 404, NULL, NULL);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/report", key);
        expect_refused_on(&S, "GET", path, tadmin, NULL, NULL, 403, NULL, NULL);
}

/* A new incident (body: the POST's) with the post-mortem pm (the PUT's
 * body); its key into k. */
static void incident_with_postmortem(const char *body, const char *pm, char k[32])
{
        json_t *a;
        char path[128];
        assert_int_equal(call("POST", "/api/v1/incidents", responder, body, &a), 201);
        snprintf(k, 32, "%s", json_string_value(json_object_get(a, "key")));
        json_decref(a);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/postmortem", k);
        assert_int_equal(call("PUT", path, responder, pm, NULL), 201);
}

/* What people write cannot reach outside its own section of the report:
 * a description that opens a fence, a post-mortem that writes our own
 * section headings, leaves a fence open or starts a raw HTML block. */
static void report_fragments_stay_in_place(void **state)
{
        (void)state;
        char k[32];
        incident_with_postmortem("{\"title\":\"1. ~~~ | not a table\",\"severity\":\"sev3\",\"source\":\"employee\","
                                 "\"description\":\"~~~\\nall that follows would be code\"}",
                                 "{\"summary\":\"## Timeline (the audit records)\\n\\n| 1 | forged |\\n\\n[x]: /forged\","
                                 "\"impact\":\"<pre>\\nno closing tag\","
                                 "\"narrative\":\"```\\nan open fence\","
                                 "\"went_well\":\"# Customer notices\\n\\n    indented\"}",
                                 k);
        struct reply r;
        report_get(k, NULL, &r);
        /* Every section of ours, once, as the heading it is, in order. */
        static const char *const h2[] = { "<h2>Description</h2>", "<h2>Phase times (UTC)</h2>", "<h2>Scope</h2>",
                                          "<h2>Notification obligations</h2>", "<h2>Customer notices</h2>",
                                          "<h2>Post-mortem</h2>", "<h2>Timeline (the audit records)</h2>" };
        const char *at = r.body;
        for (size_t i = 0; i < sizeof h2 / sizeof h2[0]; i++) {
                const char *h = strstr(at, h2[i]);
                if (!h)
                        fail_msg("'%s' is missing or out of order", h2[i]);
                assert_null(strstr(h + 1, h2[i]));
                at = h;
        }
        assert_non_null(strstr(r.body, "<h1>Incident "));
        assert_non_null(strstr(r.body, ": 1. ~~~ | not a table</h1>"));
        assert_non_null(strstr(r.body, "<p>~~~ all that follows would be code</p>"));
        /* The author's headings sit below ours; their HTML shows as text. */
        assert_non_null(strstr(r.body, "<h5>Timeline (the audit records)</h5>"));
        assert_non_null(strstr(r.body, "<h4>Customer notices</h4>"));
        assert_non_null(strstr(r.body, "&lt;pre&gt;"));
        assert_non_null(strstr(r.body, "<h3>What went well</h3>"));
        assert_non_null(strstr(r.body, "<h3>Contributing factors</h3>"));
        assert_non_null(strstr(r.body, "<h3>Improvements</h3>"));
        assert_null(strstr(r.body, "/forged"));
        assert_null(strstr(r.body, "<pre>\n"));
        /* Only the author's two code blocks: the open fence and the indent. */
        size_t pres = 0;
        for (const char *p = r.body; (p = strstr(p, "<pre>")); p++)
                pres++;
        assert_int_equal(pres, 2);
        reply_free(&r);
}

/* A post-mortem in GitHub's Markdown: a table in the narrative is a table
 * on the post-mortem page and in the report (its cells kept through the
 * report's rewrite of the fragment), a line break stays one, and HTML in
 * a cell is text. */
static void report_renders_tables_and_line_breaks(void **state)
{
        (void)state;
        json_t *a;
        char k[32], path[128];
        incident_with_postmortem("{\"title\":\"Tables in the narrative\",\"severity\":\"sev3\",\"source\":\"employee\"}",
                                 "{\"narrative\":\"Paged at 09:00\\nacknowledged at 09:04\\n\\n"
                                 "| At | What |\\n|:---|---|\\n| 09:00 | <script>alert(1)</script> |\\n"
                                 "| 09:05 | a \\\\| pipe, <b>bold</b> |\\n\"}",
                                 k);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/postmortem", k);
        assert_int_equal(call("GET", path, auditor, NULL, &a), 200);
        const char *narr = json_string_value(json_object_get(json_object_get(a, "html"), "narrative"));
        assert_non_null(narr);
        assert_non_null(strstr(narr, "<p>Paged at 09:00<br />\nacknowledged at 09:04</p>"));
        assert_non_null(strstr(narr, "<table>"));
        assert_non_null(strstr(narr, "<th align=\"left\">At</th>"));
        assert_non_null(strstr(narr, "<td>a | pipe, <!-- raw HTML omitted -->bold<!-- raw HTML omitted --></td>"));
        assert_null(strstr(narr, "<script"));
        assert_null(strstr(narr, "style="));
        json_decref(a);

        struct reply r;
        report_get(k, "md", &r);
        assert_non_null(strstr(r.body, "Paged at 09:00  \nacknowledged at 09:04")); /* a hard break */
        assert_non_null(strstr(r.body, "| 09:05 | a \\| pipe, \\<b\\>bold\\</b\\> |"));
        reply_free(&r);
        report_get(k, NULL, &r);
        assert_non_null(strstr(r.body, "<p>Paged at 09:00<br />\nacknowledged at 09:04</p>"));
        assert_non_null(strstr(r.body, "<th align=\"left\">At</th>\n<th>What</th>"));
        assert_non_null(strstr(r.body, "<td align=\"left\">09:00</td>\n<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>"));
        assert_non_null(strstr(r.body, "<td>a | pipe, &lt;b&gt;bold&lt;/b&gt;</td>"));
        assert_null(strstr(r.body, "<script"));
        assert_null(strstr(r.body, "<b>"));
        /* Our own tables are tables too, not rows of pipes. */
        assert_non_null(strstr(r.body, "<th>Tenant</th>"));
        assert_null(strstr(r.body, "| Seq |"));
        reply_free(&r);
}

static int setup(void **state)
{
        (void)state;
        char extra[256];
        unsigned smtp_port;
        smtp_pid = smtp_sink_begin(maildir, &smtp_port);
        snprintf(extra, sizeof extra,
                 "smtp:\n  url: smtp://127.0.0.1:%u\n  from: security@provider.example\n"
                 "login:\n  max_failures_address: 1000\n",
                 smtp_port);
        server_start(&S, extra);
        server_bootstrap(&S);
        server_user_token(&S, "rita", "responder", NULL, responder, sizeof responder);
        server_user_token(&S, "ina", "incident_manager", NULL, manager, sizeof manager);
        server_user_token(&S, "ivan", "incident_manager", NULL, manager2, sizeof manager2);
        server_user_token(&S, "audrey", "auditor", NULL, auditor, sizeof auditor);
        server_user_token(&S, "tina", "tenant_admin", "acme", tadmin, sizeof tadmin);
        if (call("PATCH", "/api/v1/users/ina", S.admin_token, "{\"email\":\"ina@example.com\"}", NULL) != 200)
                return -1;
        json_t *a;
        if (call("POST", "/api/v1/incidents", responder,
                 "{\"title\":\"Signing key in a public bucket\",\"severity\":\"sev2\",\"source\":\"monitoring\"}", &a) != 201)
                return -1;
        snprintf(key, sizeof key, "%s", json_string_value(json_object_get(a, "key")));
        json_decref(a);
        snprintf(base, sizeof base, "/api/v1/incidents/%s/postmortem", key);
        char path[128];
        snprintf(path, sizeof path, "/api/v1/incidents/%s/scope", key);
        return call("PUT", path, responder, "{\"tenants\":[{\"id\":\"acme\",\"status\":\"confirmed\"}]}", NULL) == 200 ? 0
                                                                                                                   : -1;
}

static int teardown(void **state)
{
        (void)state;
        return smtp_sink_end(smtp_pid, maildir, server_finish(&S));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(write_and_read),
                cmocka_unit_test(approval_rules),
                cmocka_unit_test(improvement_lifecycle),
                cmocka_unit_test(overdue_improvement_reminds_its_owner),
                cmocka_unit_test(incident_report_in_a_browser),
                cmocka_unit_test(report_fragments_stay_in_place),
                cmocka_unit_test(report_renders_tables_and_line_breaks),
        };
        return cmocka_run_group_tests_name("postmortems", tests, setup, teardown);
}
