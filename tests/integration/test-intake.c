/* Intake through the Alertmanager API v2, with real peers: Debian's
 * amtool and a stock Prometheus whose rule fires at once. Each new firing
 * alert opens an incident for its service or joins its group's; repeats
 * deduplicate; silences keep alerts from opening incidents. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "harness.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define INTAKE_TOKEN "intake-token-for-tests-0123456789"

/* Alerts with their counters (received, ends_at, updated_at live apart). */
#define ALERTS "alerts JOIN alert_seen ON alert_seen.alert_id = alerts.id"

static struct server S;
static char responder[128], auditor[128];
static const char *const bearer[] = { "Authorization: Bearer " INTAKE_TOKEN, NULL };

static void need(const char *tool)
{
        char cmd[128];
        snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
        if (system(cmd) != 0)
                fail_msg("%s is not installed: run scripts/deps.sh --test", tool);
}

/* Post alerts as monitoring; returns the status. */
static long post_alerts(const char *body)
{
        struct reply r;
        http(&S, "POST", "/api/v2/alerts", NULL, bearer, body, &r);
        long st = r.status;
        if (st != 200)
                print_message("POST /api/v2/alerts: %ld %s\n", r.status, r.body);
        reply_free(&r);
        return st;
}

static size_t incidents_for(const char *service)
{
        struct reply r;
        char path[128];
        snprintf(path, sizeof path, "/api/v1/incidents?service=%s&limit=500", service);
        http(&S, "GET", path, auditor, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        size_t n = json_array_size(json_object_get(r.json, "items"));
        reply_free(&r);
        return n;
}

/* A refused Alertmanager request: status, an application/json body that
 * names field and says words (when given), and no change in the store. */
static void refused(const char *const headers[], const char *body, long status, const char *field,
                    const char *words)
{
        struct reply r;
        char *before = db_fingerprint(&S);
        http(&S, "POST", "/api/v2/alerts", NULL, headers, body, &r);
        char *after = db_fingerprint(&S);
        if (r.status != status)
                fail_msg("got %ld, want %ld: %s", r.status, status, r.body);
        assert_string_equal(reply_header(&r, "Content-Type"), "application/json");
        if (field && !problem_has_field(r.json, field))
                fail_msg("no error for %s: %s", field, r.body);
        if (words && !strstr(r.body, words))
                fail_msg("the answer does not say '%s': %s", words, r.body);
        assert_string_equal(before, after);
        free(before);
        free(after);
        reply_free(&r);
}

/* Issue 14: a regular expression with nested counts took 13.6 s and
 * 3.4 GB to compile, and two at once crashed the server. Both filters
 * are refused (400, the limit named) while the other runs, and the server
 * still answers. */
#define NESTED "alertname%3D~%22(((a%7B255%7D)%7B255%7D)%7B255%7D)%22"

/* GET path as monitoring: true when the answer has status and says words
 * (and, for a 400, names the filter field). No cmocka call: it also runs
 * in the children below, whose failure the parent reports. */
static bool answers(const char *path, long status, const char *words)
{
        struct reply r;
        http(&S, "GET", path, NULL, bearer, NULL, &r);
        bool ok = r.status == status && strstr(r.body ? r.body : "", words) &&
                  (status != 400 || problem_has_field(r.json, "filter"));
        if (!ok)
                print_message("GET %.80s: %ld %.300s\n", path, r.status, r.body ? r.body : "");
        reply_free(&r);
        return ok;
}

static void nested_count_filters_are_refused(void **state)
{
        (void)state;
        char *before = db_fingerprint(&S);
        pid_t kids[2];
        for (int i = 0; i < 2; i++) {
                kids[i] = fork();
                assert_true(kids[i] >= 0);
                if (kids[i] == 0)
                        _exit(answers("/api/v2/alerts?filter=" NESTED, 400, "at most 1000") ? 0
                                                                                            : 1);
        }
        for (int i = 0; i < 2; i++) {
                int st;
                assert_int_equal(waitpid(kids[i], &st, 0), kids[i]);
                assert_true(WIFEXITED(st));
                assert_int_equal(WEXITSTATUS(st), 0);
        }
        /* The size of the compiled form is bounded too. */
        assert_true(answers("/api/v2/alerts?filter=alertname%3D~%22%5CpL%7B1000%7D%22", 400,
                            "256 KiB"));
        /* Still up, and a filter in Alertmanager's syntax works. */
        assert_true(answers("/api/v2/alerts?filter=alertname%3D~%22(%3Fi)diskfull%22", 200,
                            "DiskFull"));
        char *after = db_fingerprint(&S);
        assert_string_equal(before, after);
        free(before);
        free(after);
}

/* A silence with such matchers: refused under the matcher's field, the
 * limit named, nothing stored. */
static void silence_refused(const char *matchers, const char *field, const char *words)
{
        char body[4096];
        struct reply r;
        snprintf(body, sizeof body,
                 "{\"matchers\":%s,\"startsAt\":\"2026-01-01T00:00:00Z\",\"endsAt\":\"2099-01-"
                 "01T00:00:00Z\","
                 "\"createdBy\":\"ops\",\"comment\":\"nested\"}",
                 matchers);
        char *before = db_fingerprint(&S);
        http(&S, "POST", "/api/v2/silences", NULL, bearer, body, &r);
        char *after = db_fingerprint(&S);
        if (r.status != 400 || !problem_has_field(r.json, field) || !strstr(r.body, words))
                fail_msg("POST /api/v2/silences: %ld %.300s", r.status, r.body);
        assert_int_equal(json_array_size(json_object_get(r.json, "errors")), 1);
        reply_free(&r);
        assert_string_equal(before, after);
        free(before);
        free(after);
}

static void nested_count_silence_is_refused(void **state)
{
        char long_re[2200];
        (void)state;
        silence_refused("[{\"name\":\"alertname\",\"value\":\"Disk.*\",\"isRegex\":true},"
                        "{\"name\":\"instance\",\"value\":\"((a{50}){50})\",\"isRegex\":true}]",
                        "matchers[1]", "at most 1000");
        int n = snprintf(long_re, sizeof long_re,
                         "[{\"name\":\"instance\",\"isRegex\":true,\"value\":\"");
        memset(long_re + n, 'a', 2049);
        snprintf(long_re + n + 2049, sizeof long_re - (size_t)n - 2049, "\"}]");
        silence_refused(long_re, "matchers[0]", "longer than the limit of 2048");
        assert_int_equal(db_count(&S, "silences", NULL), 0);
}

static void intake_needs_credentials(void **state)
{
        (void)state;
        const char *body = "[{\"labels\":{\"alertname\":\"A\",\"service\":\"x\"}}]";
        refused(NULL, body, 401, NULL, NULL);
        const char *const wrong[] = { "Authorization: Bearer not-the-intake-token-at-all", NULL };
        refused(wrong, body, 401, NULL, NULL);
        /* Staff may post with their own token. */
        struct reply r;
        http(&S, "GET", "/api/v2/status", auditor, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(json_string_value(json_object_get(json_object_get(r.json, "cluster"), "status")), "disabled");
        reply_free(&r);
}

static void bad_alerts_change_nothing(void **state)
{
        (void)state;
        refused(bearer, "{\"labels\":{}}", 400, NULL, NULL);
        refused(bearer, "[{\"annotations\":{}}]", 400, "[0].labels", NULL);
        refused(bearer, "[{\"labels\":{\"bad-name\":\"x\"}}]", 400, "[0].labels", NULL);
        refused(bearer, "[{\"labels\":{\"a\":1}}]", 400, "[0].labels", NULL);
        refused(bearer, "[{\"labels\":{\"a\":\"b\"},\"startsAt\":\"soon\"}]", 400, "[0]", NULL);
        refused(bearer, "[{\"labels\":{\"a\":\"b\"},\"startsAt\":\"2026-01-02T00:00:00Z\",\"endsAt\":\"2026-01-01T00:00:00Z\"}]", 400, "[0]", NULL);
        refused(bearer, "[{\"labels\":{\"a\":\"b\"},\"colour\":\"red\"}]", 400, "[0]", NULL);
        /* One bad alert refuses the whole batch: the good one is not kept. */
        refused(bearer, "[{\"labels\":{\"alertname\":\"Good\",\"service\":\"x\"}},{\"labels\":{}}]", 400, "[1].labels", NULL);
        /* Not JSON, or not strict JSON: refused, saying where. */
        refused(bearer, "[{\"labels\":", 400, NULL, "malformed JSON at line 1");
        refused(bearer, "[{\"labels\":{\"a\":\"b\"}}]\n]", 400, NULL, "malformed JSON at line 2 column 1: end of input expected");
        refused(bearer, "[{\"labels\":{\"a\":\"x\\u0000y\"}}]", 400, NULL, "is not allowed in a string");
        refused(bearer, "[{\"labels\":{\"a\":\"tab\there\"}}]", 400, NULL, "control character in a string");
        refused(bearer, "[{\"labels\":{\"a\":\"\xff\xfe\"}}]", 400, NULL, "is not valid UTF-8");
        refused(bearer, "[{\"labels\":{\"a\":\"b\",\"a\":\"c\"}}]", 400, NULL, "label names must not repeat");
        refused(bearer, "[{\"labels\":{\"a\":\"b\"},\"annotations\":{\"s\":\"1\",\"s\":\"2\"}}]", 400, NULL,
                "annotation names must not repeat");
        refused(bearer, "[{\"labels\":{\"a\":\"b\"},\"labels\":{\"c\":\"d\"}}]", 400, NULL, "field 'labels' is given twice");
        refused(bearer, "[{\"labels\":{\"a\":\"b\"},\"generatorURL\":7}]", 400, NULL, "generatorURL must be a string");
        refused(bearer, "[{\"labels\":{\"a\":\"b\"},\"\xff\":1}]", 400, "[0]", "unknown field '?'");
}

static void alerts_open_dedup_and_group(void **state)
{
        struct reply r;
        (void)state;
        const char *a = "[{\"labels\":{\"alertname\":\"DiskFull\",\"service\":\"storage\",\"instance\":\"a\",\"severity\":\"critical\"},"
                        "\"annotations\":{\"summary\":\"disk 98% full\"},\"startsAt\":\"2026-01-01T00:00:00Z\"}]";
        assert_int_equal(post_alerts(a), 200);
        assert_int_equal(incidents_for("storage"), 1);
        http(&S, "GET", "/api/v1/incidents?service=storage", auditor, NULL, NULL, &r);
        json_t *inc = json_array_get(json_object_get(r.json, "items"), 0);
        assert_string_equal(json_string_value(json_object_get(inc, "title")), "DiskFull: disk 98% full");
        assert_string_equal(json_string_value(json_object_get(inc, "severity")), "sev1");
        assert_string_equal(json_string_value(json_object_get(inc, "source")), "monitoring");
        assert_string_equal(json_string_value(json_object_get(inc, "reporter")), "intake");
        char key[32], path[96];
        snprintf(key, sizeof key, "%s", json_string_value(json_object_get(inc, "key")));
        reply_free(&r);
        /* The same alert again: deduplicated, no new incident. */
        assert_int_equal(post_alerts(a), 200);
        assert_int_equal(incidents_for("storage"), 1);
        assert_int_equal(db_count_soon(&S, ALERTS,
                                       "json_extract(labels, '$.instance') = 'a' AND received = 2",
                                       1),
                         1);
        /* Another instance of the same alert: joins the group's incident. */
        assert_int_equal(post_alerts("[{\"labels\":{\"alertname\":\"DiskFull\",\"service\":\"storage\",\"instance\":\"b\"}}]"), 200);
        assert_int_equal(incidents_for("storage"), 1);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/alerts", key);
        http(&S, "GET", path, auditor, NULL, NULL, &r);
        assert_int_equal(json_array_size(json_object_get(r.json, "items")), 2);
        reply_free(&r);
        /* An alert that arrives already resolved opens nothing. */
        assert_int_equal(post_alerts("[{\"labels\":{\"alertname\":\"Blip\",\"service\":\"dns\"},"
                                     "\"startsAt\":\"2026-01-01T00:00:00Z\",\"endsAt\":\"2026-01-01T00:01:00Z\"}]"), 200);
        assert_int_equal(incidents_for("dns"), 0);
        /* A batch of 100 distinct alerts of one group: one incident. */
        char *batch = malloc(100 * 120 + 8);
        size_t n = 0;
        batch[n++] = '[';
        for (int i = 0; i < 100; i++)
                n += (size_t)sprintf(batch + n, "%s{\"labels\":{\"alertname\":\"Latency\",\"service\":\"search\",\"pod\":\"p%d\"}}",
                                     i ? "," : "", i);
        batch[n++] = ']';
        batch[n] = '\0';
        assert_int_equal(post_alerts(batch), 200);
        free(batch);
        assert_int_equal(incidents_for("search"), 1);
        assert_int_equal(db_count(&S, "alerts", "service = 'search'"), 100);
        /* Escapes arrive as what they stand for: a newline, a letter outside
         * ASCII (as \u00e9 and as raw UTF-8), a quote, a surrogate pair. */
        assert_int_equal(post_alerts("[{\"labels\":{\"alertname\":\"Esc\",\"service\":\"esc\",\"who\":\"Ren\u00e9e\"},"
                                     "\"annotations\":{\"description\":\"one\\ntwo \\u00e9 \\\"q\\\" \\ud83d\\ude00\"}}]"),
                         200);
        assert_int_equal(db_count(&S, "alerts",
                                  db_sql(&S,
                                         "json_extract(labels, '$.who') = 'Ren\u00e9e' AND "
                                         "json_extract(annotations, '$.description') = "
                                         "'one' || char(10) || 'two \u00e9 \"q\" \U0001F600'",
                                         "json_extract(labels, '$.who') = 'Ren\u00e9e' AND "
                                         "json_extract(annotations, '$.description') = "
                                         "'one' || chr(10) || 'two \u00e9 \"q\" \U0001F600'")),
                         1);
}

/* Two nodes on one database, each with its own cache of open episodes:
 * node 1 saw the alert resolve, node 2 then saw it fire again (a new
 * episode), and node 1, whose cache still says "ended", sees it fire. That
 * is a repeat of node 2's episode, not a second open episode. */
static void two_nodes_keep_one_open_episode(void **state)
{
        struct server S2;
        struct reply r;
        (void)state;
        server_start_sibling(&S2, &S, "intake:\n  token: " INTAKE_TOKEN "\n");
        const char *resolved = "[{\"labels\":{\"alertname\":\"Twice\",\"service\":\"twice\"},"
                               "\"startsAt\":\"2026-01-01T00:00:00Z\",\"endsAt\":\"2026-01-01T00:01:00Z\"}]";
        const char *firing = "[{\"labels\":{\"alertname\":\"Twice\",\"service\":\"twice\"}}]";
        assert_int_equal(post_alerts(resolved), 200);
        http(&S2, "POST", "/api/v2/alerts", NULL, bearer, firing, &r);
        assert_int_equal(r.status, 200);
        reply_free(&r);
        assert_int_equal(db_count(&S, ALERTS, "json_extract(labels, '$.alertname') = 'Twice' AND ends_at = 0"), 1);
        assert_int_equal(post_alerts(firing), 200);
        assert_int_equal(db_count(&S, ALERTS, "json_extract(labels, '$.alertname') = 'Twice'"), 2);
        assert_int_equal(db_count(&S, ALERTS, "json_extract(labels, '$.alertname') = 'Twice' AND ends_at = 0 "
                                              "AND received = 2"), 1);
        assert_int_equal(incidents_for("twice"), 1);
        assert_int_equal(server_finish(&S2), 0);
}

/* Three nodes on one database, each taking the same ten alerts ten times
 * at once (a process per node): one open episode per fingerprint, each
 * counting every post, and one incident for their group - whichever
 * node's cache of open episodes saw a fingerprint first. */
static void three_nodes_make_one_episode_per_fingerprint(void **state)
{
        struct server nodes[3];
        (void)state;
        nodes[0] = S;
        server_start_sibling(&nodes[1], &S, "intake:\n  token: " INTAKE_TOKEN "\n");
        server_start_sibling(&nodes[2], &S, "intake:\n  token: " INTAKE_TOKEN "\n");
        char batch[2048];
        size_t o = (size_t)snprintf(batch, sizeof batch, "[");
        for (int i = 0; i < 10; i++)
                o += (size_t)snprintf(batch + o, sizeof batch - o,
                                      "%s{\"labels\":{\"alertname\":\"RoundRobin\",\"service\":\"rr\","
                                      "\"instance\":\"i%d\"}}",
                                      i ? "," : "", i);
        snprintf(batch + o, sizeof batch - o, "]");
        pid_t kids[3];
        for (int k = 0; k < 3; k++) {
                kids[k] = fork();
                assert_true(kids[k] >= 0);
                if (kids[k] == 0) {
                        int bad = 0;
                        for (int n = 0; n < 10; n++) {
                                struct reply r;
                                http(&nodes[k], "POST", "/api/v2/alerts", NULL, bearer, batch, &r);
                                bad |= r.status != 200;
                                reply_free(&r);
                        }
                        _exit(bad);
                }
        }
        for (int k = 0; k < 3; k++) {
                int st;
                assert_int_equal(waitpid(kids[k], &st, 0), kids[k]);
                assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
        }
        assert_int_equal(db_count(&S, ALERTS, "json_extract(labels, '$.alertname') = 'RoundRobin'"), 10);
        assert_int_equal(db_count_soon(&S, ALERTS,
                                       "json_extract(labels, '$.alertname') = 'RoundRobin' "
                                       "AND ends_at = 0 AND received = 30",
                                       10),
                         10);
        assert_int_equal(incidents_for("rr"), 1);
        assert_int_equal(server_finish(&nodes[1]), 0);
        assert_int_equal(server_finish(&nodes[2]), 0);
}

static int run(const char *cmd, char **out)
{
        FILE *p = popen(cmd, "r");
        size_t cap = 4096, len = 0;
        char *buf = malloc(cap);
        size_t k;
        while ((k = fread(buf + len, 1, cap - len - 1, p)) > 0) {
                len += k;
                if (len + 1 >= cap)
                        buf = realloc(buf, cap *= 2);
        }
        buf[len] = '\0';
        int st = pclose(p);
        *out = buf;
        return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void amtool_lists_alerts_and_manages_silences(void **state)
{
        char cfg[160], am[512], cmd[1024], id[64], *out;
        (void)state;
        need("amtool");
        snprintf(cfg, sizeof cfg, "%s/amtool-http.yml", S.dir);
        FILE *f = fopen(cfg, "w");
        fprintf(f, "authorization:\n  type: Bearer\n  credentials: %s\n", INTAKE_TOKEN);
        fclose(f);
        snprintf(am, sizeof am, "amtool --alertmanager.url=%s --http.config.file=%s", S.url, cfg);

        snprintf(cmd, sizeof cmd, "%s alert query 2>/dev/null", am);
        assert_int_equal(run(cmd, &out), 0);
        assert_non_null(strstr(out, "DiskFull"));
        free(out);

        snprintf(cmd, sizeof cmd, "%s silence add alertname=Noisy --comment='known flapping' --author=ops --duration=1h 2>/dev/null", am);
        assert_int_equal(run(cmd, &out), 0);
        snprintf(id, sizeof id, "%.36s", out);
        free(out);
        assert_int_equal(strlen(id), 36);
        snprintf(cmd, sizeof cmd, "%s silence query 2>/dev/null", am);
        assert_int_equal(run(cmd, &out), 0);
        assert_non_null(strstr(out, id));
        assert_non_null(strstr(out, "known flapping"));
        free(out);

        /* The silenced alert opens no incident, and shows as suppressed. */
        assert_int_equal(post_alerts("[{\"labels\":{\"alertname\":\"Noisy\",\"service\":\"cache\",\"n\":\"1\"}}]"), 200);
        assert_int_equal(incidents_for("cache"), 0);
        snprintf(cmd, sizeof cmd, "%s alert query --silenced alertname=Noisy 2>/dev/null", am);
        assert_int_equal(run(cmd, &out), 0);
        assert_non_null(strstr(out, "suppressed"));
        free(out);

        snprintf(cmd, sizeof cmd, "%s silence expire %s 2>/dev/null", am, id);
        assert_int_equal(run(cmd, &out), 0);
        free(out);
        snprintf(cmd, sizeof cmd, "%s silence query --expired 2>/dev/null", am);
        assert_int_equal(run(cmd, &out), 0);
        assert_non_null(strstr(out, id));
        free(out);
        /* Once the silence is gone, a new alert opens an incident. */
        assert_int_equal(post_alerts("[{\"labels\":{\"alertname\":\"Noisy\",\"service\":\"cache\",\"n\":\"2\"}}]"), 200);
        assert_int_equal(incidents_for("cache"), 1);
        assert_int_equal(db_count(&S, "audit_log", "action IN ('silence.create','silence.expire')"), 2);
}

static void prometheus_alert_opens_an_incident(void **state)
{
        char conf[160], rules[160], data[160], log[160], cmd[1024];
        (void)state;
        need("prometheus");
        snprintf(conf, sizeof conf, "%s/prometheus.yml", S.dir);
        snprintf(rules, sizeof rules, "%s/rules.yml", S.dir);
        snprintf(data, sizeof data, "%s/prometheus-data", S.dir);
        snprintf(log, sizeof log, "%s/prometheus.log", S.dir);
        FILE *f = fopen(rules, "w");
        fprintf(f, "groups:\n- name: vigil-test\n  interval: 1s\n  rules:\n  - alert: AlwaysFiring\n"
                   "    expr: vector(1)\n    labels:\n      service: payments\n      severity: page\n"
                   "    annotations:\n      summary: fires at once for the test\n");
        fclose(f);
        f = fopen(conf, "w");
        /* resend-delay 1s: Prometheus drops what fires before its
         * Alertmanager list has synced, and would resend only a minute later. */
        fprintf(f, "global:\n  evaluation_interval: 1s\nrule_files: ['%s']\nalerting:\n  alertmanagers:\n"
                   "  - api_version: v2\n    authorization:\n      credentials: %s\n    static_configs:\n"
                   "    - targets: ['127.0.0.1:%u']\n", rules, INTAKE_TOKEN, S.port);
        fclose(f);
        unsigned port = free_port();
        pid_t pid = fork();
        if (pid == 0) {
                snprintf(cmd, sizeof cmd, "exec prometheus --config.file=%s --storage.tsdb.path=%s "
                                          "--web.listen-address=127.0.0.1:%u --rules.alert.resend-delay=1s >%s 2>&1",
                         conf, data, port, log);
                execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
                _exit(127);
        }
        size_t n = 0;
        for (int i = 0; i < 600 && n == 0; i++) { /* up to 60 s */
                usleep(100000);
                n = incidents_for("payments");
        }
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
        if (n == 0) {
                snprintf(cmd, sizeof cmd, "tail -20 '%s' >&2", log);
                if (system(cmd) != 0)
                        print_message("no prometheus log\n");
        }
        assert_int_equal(n, 1);
        struct reply r;
        http(&S, "GET", "/api/v1/incidents?service=payments", auditor, NULL, NULL, &r);
        json_t *inc = json_array_get(json_object_get(r.json, "items"), 0);
        assert_string_equal(json_string_value(json_object_get(inc, "title")), "AlwaysFiring: fires at once for the test");
        assert_string_equal(json_string_value(json_object_get(inc, "severity")), "sev1");
        reply_free(&r);
        /* Prometheus re-sends while firing: still one episode, counted. */
        assert_int_equal(db_count(&S, "alerts", "json_extract(labels, '$.alertname') = 'AlwaysFiring'"), 1);
}

static void alertmanager_forwards_by_webhook(void **state)
{
        char conf[160], data[160], log[160], cmd[1024], *out;
        struct reply r;
        (void)state;
        need("prometheus-alertmanager");
        need("amtool");
        /* Not a version 4 payload. */
        http(&S, "POST", "/intake/alertmanager", NULL, bearer, "{\"version\":\"3\",\"alerts\":[]}", &r);
        assert_int_equal(r.status, 400);
        assert_true(problem_has_field(r.json, "version"));
        reply_free(&r);
        /* A field it reads, given twice. */
        http(&S, "POST", "/intake/alertmanager", NULL, bearer, "{\"version\":\"4\",\"alerts\":[],\"alerts\":[]}", &r);
        assert_int_equal(r.status, 400);
        assert_non_null(strstr(r.body, "a field is given twice"));
        reply_free(&r);

        snprintf(conf, sizeof conf, "%s/alertmanager.yml", S.dir);
        snprintf(data, sizeof data, "%s/alertmanager-data", S.dir);
        snprintf(log, sizeof log, "%s/alertmanager.log", S.dir);
        FILE *f = fopen(conf, "w");
        fprintf(f, "route:\n  receiver: vigil\n  group_wait: 0s\n  group_interval: 1s\n  repeat_interval: 1h\n"
                   "receivers:\n- name: vigil\n  webhook_configs:\n  - url: %s/intake/alertmanager\n"
                   "    send_resolved: true\n    http_config:\n      authorization:\n        credentials: %s\n",
                S.url, INTAKE_TOKEN);
        fclose(f);
        unsigned port = free_port();
        pid_t pid = fork();
        if (pid == 0) {
                snprintf(cmd, sizeof cmd, "exec prometheus-alertmanager --config.file=%s --storage.path=%s "
                                          "--web.listen-address=127.0.0.1:%u --cluster.listen-address= >%s 2>&1",
                         conf, data, port, log);
                execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
                _exit(127);
        }
        /* Wait for it to answer, then give it an alert. */
        snprintf(cmd, sizeof cmd, "amtool --alertmanager.url=http://127.0.0.1:%u alert add alertname=Forwarded "
                                  "service=ledger severity=warning --annotation=summary='replica lag' 2>&1", port);
        int rc = -1;
        for (int i = 0; i < 100 && rc != 0; i++) {
                usleep(100000);
                rc = run(cmd, &out);
                free(out);
        }
        assert_int_equal(rc, 0);
        size_t n = 0;
        for (int i = 0; i < 300 && n == 0; i++) {
                usleep(100000);
                n = incidents_for("ledger");
        }
        if (n == 0) {
                snprintf(cmd, sizeof cmd, "tail -20 '%s' >&2", log);
                if (system(cmd) != 0)
                        print_message("no alertmanager log\n");
        }
        assert_int_equal(n, 1);
        assert_int_equal(db_count(&S, "alerts", "service = 'ledger' AND source = 'webhook'"), 1);
        /* Our fingerprint is Alertmanager's: ask it for the one it computed. */
        snprintf(cmd, sizeof cmd, "curl -s http://127.0.0.1:%u/api/v2/alerts", port);
        assert_int_equal(run(cmd, &out), 0);
        json_t *am_alerts = json_loads(out, 0, NULL);
        free(out);
        const char *am_fp = json_string_value(json_object_get(json_array_get(am_alerts, 0), "fingerprint"));
        assert_non_null(am_fp);
        char where[128];
        snprintf(where, sizeof where, "service = 'ledger' AND fingerprint = '%s'", am_fp);
        assert_int_equal(db_count(&S, "alerts", where), 1);
        json_decref(am_alerts);
        /* Resolve it at the Alertmanager: the resolved notification ends the episode. */
        snprintf(cmd, sizeof cmd, "amtool --alertmanager.url=http://127.0.0.1:%u alert add alertname=Forwarded "
                                  "service=ledger severity=warning --annotation=summary='replica lag' "
                                  "--end=2000-01-01T00:00:00Z 2>&1", port);
        assert_int_equal(run(cmd, &out), 0);
        free(out);
        long ended = 0;
        for (int i = 0; i < 300 && ended == 0; i++) {
                usleep(100000);
                ended = db_count(&S, ALERTS, "service = 'ledger' AND ends_at > 0");
        }
        kill(pid, SIGTERM);
        waitpid(pid, NULL, 0);
        assert_int_equal(ended, 1);
        assert_int_equal(incidents_for("ledger"), 1);
}

static long enqueue(const char *body, struct reply *r)
{
        http(&S, "POST", "/v2/enqueue", NULL, NULL, body, r);
        return r->status;
}

static void pagerduty_events(void **state)
{
        struct reply r;
        char body[1024], key[128], dedup[64], admin_tok[128];
        (void)state;
        server_user_token(&S, "ada", "admin", NULL, admin_tok, sizeof admin_tok);
        http(&S, "POST", "/api/v1/integration-keys", admin_tok, NULL, "{\"service\":\"checkout\",\"name\":\"datadog\"}", &r);
        assert_int_equal(r.status, 201);
        snprintf(key, sizeof key, "%s", json_string_value(json_object_get(r.json, "key")));
        long key_id = (long)json_integer_value(json_object_get(r.json, "id"));
        assert_int_equal(strncmp(key, "vgi_", 4), 0);
        reply_free(&r);
        http(&S, "GET", "/api/v1/integration-keys", auditor, NULL, NULL, &r);
        assert_null(strstr(r.body, key)); /* never listed */
        reply_free(&r);
        expect_refused_on(&S, "POST", "/api/v1/integration-keys", responder, NULL, "{\"service\":\"x\",\"name\":\"y\"}", 403, NULL, NULL);

        /* Bad events change nothing. */
        char *before = db_fingerprint(&S);
        assert_int_equal(enqueue("{\"event_action\":\"trigger\"}", &r), 400);
        assert_string_equal(reply_header(&r, "Content-Type"), "application/json");
        assert_true(problem_has_field(r.json, "routing_key"));
        reply_free(&r);
        snprintf(body, sizeof body, "{\"routing_key\":\"%s\",\"event_action\":\"explode\"}", key);
        assert_int_equal(enqueue(body, &r), 400);
        assert_true(problem_has_field(r.json, "event_action"));
        reply_free(&r);
        snprintf(body, sizeof body, "{\"routing_key\":\"%s\",\"event_action\":\"trigger\"}", key);
        assert_int_equal(enqueue(body, &r), 400);
        assert_true(problem_has_field(r.json, "payload"));
        reply_free(&r);
        snprintf(body, sizeof body, "{\"routing_key\":\"%s\",\"event_action\":\"trigger\",\"payload\":"
                                    "{\"summary\":\"x\",\"source\":\"y\",\"severity\":\"dire\"}}", key);
        assert_int_equal(enqueue(body, &r), 400);
        assert_true(problem_has_field(r.json, "payload.severity"));
        reply_free(&r);
        snprintf(body, sizeof body, "{\"routing_key\":\"%s\",\"event_action\":\"resolve\"}", key);
        assert_int_equal(enqueue(body, &r), 400);
        assert_true(problem_has_field(r.json, "dedup_key"));
        reply_free(&r);
        assert_int_equal(enqueue("{\"routing_key\":\"vgi_not-a-key\",\"event_action\":\"trigger\",\"payload\":"
                                 "{\"summary\":\"x\",\"source\":\"y\",\"severity\":\"info\"}}", &r), 400);
        assert_true(problem_has_field(r.json, "routing_key"));
        reply_free(&r);
        char *after = db_fingerprint(&S);
        assert_string_equal(before, after);
        free(before);
        free(after);

        /* Trigger without a dedup key: one is made and returned. */
        snprintf(body, sizeof body, "{\"routing_key\":\"%s\",\"event_action\":\"trigger\",\"payload\":"
                                    "{\"summary\":\"Card declines spiking\",\"source\":\"checkout-7\",\"severity\":\"critical\","
                                    "\"custom_details\":{\"rate\":0.31}}}", key);
        assert_int_equal(enqueue(body, &r), 202);
        assert_string_equal(json_string_value(json_object_get(r.json, "status")), "success");
        snprintf(dedup, sizeof dedup, "%s", json_string_value(json_object_get(r.json, "dedup_key")));
        assert_int_equal(strlen(dedup), 32);
        reply_free(&r);
        assert_int_equal(incidents_for("checkout"), 1);
        http(&S, "GET", "/api/v1/incidents?service=checkout", auditor, NULL, NULL, &r);
        json_t *inc = json_array_get(json_object_get(r.json, "items"), 0);
        assert_string_equal(json_string_value(json_object_get(inc, "title")), "pagerduty: Card declines spiking");
        assert_string_equal(json_string_value(json_object_get(inc, "severity")), "sev1");
        reply_free(&r);
        /* The same dedup key again: deduplicated; acknowledge changes nothing; resolve ends it. */
        snprintf(body, sizeof body, "{\"routing_key\":\"%s\",\"event_action\":\"trigger\",\"dedup_key\":\"%s\",\"payload\":"
                                    "{\"summary\":\"Card declines spiking\",\"source\":\"checkout-7\",\"severity\":\"critical\"}}",
                 key, dedup);
        assert_int_equal(enqueue(body, &r), 202);
        reply_free(&r);
        char where[160];
        snprintf(where, sizeof where, "json_extract(labels, '$.dedup_key') = '%s'", dedup);
        assert_int_equal(db_count(&S, "alerts", where), 1);
        snprintf(where, sizeof where, "json_extract(labels, '$.dedup_key') = '%s' AND received = 2 AND ends_at = 0", dedup);
        assert_int_equal(db_count_soon(&S, ALERTS, where, 1), 1);
        snprintf(body, sizeof body, "{\"routing_key\":\"%s\",\"event_action\":\"acknowledge\",\"dedup_key\":\"%s\"}", key, dedup);
        assert_int_equal(enqueue(body, &r), 202);
        reply_free(&r);
        snprintf(body, sizeof body, "{\"routing_key\":\"%s\",\"event_action\":\"resolve\",\"dedup_key\":\"%s\"}", key, dedup);
        assert_int_equal(enqueue(body, &r), 202);
        reply_free(&r);
        snprintf(where, sizeof where, "json_extract(labels, '$.dedup_key') = '%s' AND ends_at > 0", dedup);
        assert_int_equal(db_count(&S, ALERTS, where), 1);

        /* A revoked key stops working. */
        char path[64];
        snprintf(path, sizeof path, "/api/v1/integration-keys/%ld", key_id);
        http(&S, "DELETE", path, admin_tok, NULL, NULL, &r);
        assert_int_equal(r.status, 204);
        reply_free(&r);
        snprintf(body, sizeof body, "{\"routing_key\":\"%s\",\"event_action\":\"trigger\",\"payload\":"
                                    "{\"summary\":\"x\",\"source\":\"y\",\"severity\":\"info\"}}", key);
        assert_int_equal(enqueue(body, &r), 400);
        reply_free(&r);
}

static long post_json(const char *body, struct reply *r)
{
        http(&S, "POST", "/intake/json", NULL, bearer, body, r);
        return r->status;
}

static void generic_json_and_ocsf(void **state)
{
        struct reply r;
        (void)state;
        char *before = db_fingerprint(&S);
        assert_int_equal(post_json("{\"service\":\"sso\"}", &r), 400);
        assert_true(problem_has_field(r.json, "[0]"));
        reply_free(&r);
        assert_int_equal(post_json("{\"title\":\"x\",\"status\":\"maybe\"}", &r), 400);
        reply_free(&r);
        assert_int_equal(post_json("{\"title\":\"x\",\"colour\":\"red\"}", &r), 400);
        reply_free(&r);
        assert_int_equal(post_json("{\"class_uid\":2003,\"finding_info\":{\"uid\":\"a\",\"title\":\"b\"},\"severity_id\":1}", &r), 400);
        reply_free(&r);
        assert_int_equal(post_json("{\"class_uid\":2004,\"severity_id\":1}", &r), 400);
        reply_free(&r);
        assert_int_equal(post_json("[]", &r), 400);
        reply_free(&r);
        char *after = db_fingerprint(&S);
        assert_string_equal(before, after);
        free(before);
        free(after);

        /* Generic: opens, deduplicates by dedup_key, resolves. */
        const char *g = "{\"title\":\"Impossible travel\",\"service\":\"sso\",\"severity\":\"high\",\"tenant\":\"acme\","
                        "\"summary\":\"login from two continents in 5 minutes\",\"dedup_key\":\"user-77\"}";
        assert_int_equal(post_json(g, &r), 200);
        reply_free(&r);
        assert_int_equal(post_json(g, &r), 200);
        reply_free(&r);
        assert_int_equal(incidents_for("sso"), 1);
        assert_int_equal(db_count_soon(&S, ALERTS,
                                       "source = 'json' AND service = 'sso' AND received = 2", 1),
                         1);
        assert_int_equal(post_json("{\"title\":\"Impossible travel\",\"service\":\"sso\",\"severity\":\"high\","
                                   "\"tenant\":\"acme\",\"dedup_key\":\"user-77\",\"status\":\"resolved\"}", &r), 200);
        reply_free(&r);
        assert_int_equal(db_count(&S, ALERTS, "source = 'json' AND service = 'sso' AND ends_at > 0"), 1);

        /* OCSF Detection Finding, as a security product emits it. */
        const char *f = "{\"class_uid\":2004,\"category_uid\":2,\"activity_id\":1,\"type_uid\":200401,"
                        "\"time\":1795392000000,\"severity_id\":5,\"status_id\":1,"
                        "\"finding_info\":{\"uid\":\"arn:finding/9f2\",\"title\":\"Malware on file server\","
                        "\"desc\":\"Trojan found in an uploaded archive\",\"types\":[\"Malware\"]},"
                        "\"metadata\":{\"version\":\"1.1.0\",\"product\":{\"name\":\"Scanner\",\"vendor_name\":\"Example\"}},"
                        "\"resources\":[{\"name\":\"fileserver\",\"type\":\"host\"}],"
                        "\"cloud\":{\"provider\":\"example\",\"account\":{\"uid\":\"tenant-42\"}},"
                        "\"message\":\"quarantined 1 file\"}";
        assert_int_equal(post_json(f, &r), 200);
        reply_free(&r);
        assert_int_equal(incidents_for("fileserver"), 1);
        http(&S, "GET", "/api/v1/incidents?service=fileserver", auditor, NULL, NULL, &r);
        json_t *inc = json_array_get(json_object_get(r.json, "items"), 0);
        assert_string_equal(json_string_value(json_object_get(inc, "title")),
                            "Malware on file server: Trojan found in an uploaded archive");
        assert_string_equal(json_string_value(json_object_get(inc, "severity")), "sev1");
        assert_string_equal(json_string_value(json_object_get(inc, "detected_at")), "2026-11-23T00:00:00Z");
        reply_free(&r);
        assert_int_equal(db_count(&S, "alerts", "source = 'ocsf' AND json_extract(labels, '$.tenant') = 'tenant-42' "
                                                 "AND json_extract(annotations, '$.ocsf') LIKE '%arn:finding/9f2%'"), 1);
}

/* Repeats alone are answered before their commit: the episode is open on
 * disk already and they move only endsAt, last seen and the count, which
 * the writer's next commit writes. New annotations, an end, or a new
 * alert in the same request are committed before the answer. */
static void quiet_repeats_are_answered_before_their_commit(void **state)
{
        (void)state;
        const char *one = "[{\"labels\":{\"alertname\":\"Quiet\",\"service\":\"quiet\"},"
                          "\"annotations\":{\"summary\":\"one\"}}]";
        const char *open = "json_extract(labels, '$.alertname') = 'Quiet' AND ends_at = 0";
        assert_int_equal(post_alerts(one), 200);
        assert_int_equal(db_count(&S, ALERTS, open), 1); /* new: on disk before its 2xx */
        long q0 = metric_value(&S, "vigil_intake_quiet_requests_total");
        assert_true(q0 >= 0);
        for (int i = 0; i < 20; i++)
                assert_int_equal(post_alerts(one), 200);
        assert_int_equal(metric_value(&S, "vigil_intake_quiet_requests_total") - q0, 20);
        assert_int_equal(
                db_count_soon(&S, ALERTS,
                              "json_extract(labels, '$.alertname') = 'Quiet' AND ends_at = 0 AND "
                              "received = 21",
                              1),
                1);
        /* New annotations: written before the answer. */
        assert_int_equal(post_alerts("[{\"labels\":{\"alertname\":\"Quiet\",\"service\":\"quiet\"},"
                                     "\"annotations\":{\"summary\":\"two\"}}]"),
                         200);
        assert_int_equal(db_count(&S, ALERTS,
                                  "json_extract(labels, '$.alertname') = 'Quiet' AND summary = "
                                  "'two' AND received = 22"),
                         1);
        /* A repeat beside a new alert: the whole request waits for its commit. */
        assert_int_equal(
                post_alerts("[{\"labels\":{\"alertname\":\"Quiet\",\"service\":\"quiet\"},"
                            "\"annotations\":{\"summary\":\"two\"}},"
                            "{\"labels\":{\"alertname\":\"Quiet2\",\"service\":\"quiet\"}}]"),
                200);
        assert_int_equal(db_count(&S, ALERTS, "json_extract(labels, '$.alertname') = 'Quiet2'"), 1);
        assert_int_equal(
                db_count(&S, ALERTS,
                         "json_extract(labels, '$.alertname') = 'Quiet' AND received = 23"),
                1);
        /* An end: written before the answer. */
        assert_int_equal(post_alerts("[{\"labels\":{\"alertname\":\"Quiet\",\"service\":\"quiet\"},"
                                     "\"annotations\":{\"summary\":\"two\"},\"endsAt\":\"2026-01-"
                                     "01T00:00:00Z\"}]"),
                         200);
        assert_int_equal(db_count(&S, ALERTS, open), 0);
        assert_int_equal(metric_value(&S, "vigil_intake_quiet_requests_total") - q0, 20);
}

/* Alert "Crash" of instance i<i>, posted. */
static long post_crash_alert(int i)
{
        char body[256];
        snprintf(body, sizeof body,
                 "[{\"labels\":{\"alertname\":\"Crash\",\"service\":\"crash\",\"instance\":\"i%d\"}"
                 "}]",
                 i);
        return post_alerts(body);
}

/* Killed right after repeats answered from memory: every alert answered
 * 2xx is there after the restart, one open episode each; what a crash
 * may lose is the count of the last commit window, and the alerts go on
 * counting in the same episodes. */
static void killed_after_quiet_repeats_keeps_every_alert(void **state)
{
        (void)state;
        for (int i = 0; i < 40; i++)
                assert_int_equal(post_crash_alert(i), 200);
        long q0 = metric_value(&S, "vigil_intake_quiet_requests_total");
        for (int round = 0; round < 10; round++)
                for (int i = 0; i < 40; i++)
                        assert_int_equal(post_crash_alert(i), 200);
        assert_int_equal(metric_value(&S, "vigil_intake_quiet_requests_total") - q0, 400);
        server_kill(&S);
        server_restart(&S);
        const char *open = "json_extract(labels, '$.alertname') = 'Crash' AND ends_at = 0";
        assert_int_equal(db_count(&S, ALERTS, open), 40);
        long counted =
                db_count(&S, ALERTS,
                         "json_extract(labels, '$.alertname') = 'Crash' AND received >= 1 AND "
                         "received <= 11");
        assert_int_equal(counted, 40);
        /* After the restart the first repeat of each is committed before
         * its answer (nothing is known in memory yet), in the same episode. */
        assert_int_equal(post_crash_alert(0), 200);
        assert_int_equal(db_count(&S, "alerts", "json_extract(labels, '$.alertname') = 'Crash'"),
                         40);
        assert_int_equal(metric_value(&S, "vigil_intake_quiet_requests_total"), 0);
}

static int setup(void **state)
{
        (void)state;
        server_start(&S, "intake:\n  token: " INTAKE_TOKEN "\nlogin:\n  max_failures_address: 1000\n");
        server_user_token(&S, "rita", "responder", NULL, responder, sizeof responder);
        server_user_token(&S, "aud", "auditor", NULL, auditor, sizeof auditor);
        return 0;
}

static int teardown(void **state)
{
        (void)state;
        return server_finish(&S);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(intake_needs_credentials),
                cmocka_unit_test(bad_alerts_change_nothing),
                cmocka_unit_test(alerts_open_dedup_and_group),
                cmocka_unit_test(two_nodes_keep_one_open_episode),
                cmocka_unit_test(three_nodes_make_one_episode_per_fingerprint),
                cmocka_unit_test(nested_count_filters_are_refused),
                cmocka_unit_test(nested_count_silence_is_refused),
                cmocka_unit_test(amtool_lists_alerts_and_manages_silences),
                cmocka_unit_test(prometheus_alert_opens_an_incident),
                cmocka_unit_test(alertmanager_forwards_by_webhook),
                cmocka_unit_test(pagerduty_events),
                cmocka_unit_test(generic_json_and_ocsf),
                cmocka_unit_test(quiet_repeats_are_answered_before_their_commit),
                cmocka_unit_test(killed_after_quiet_repeats_keeps_every_alert),
        };
        return cmocka_run_group_tests_name("intake", tests, setup, teardown);
}
