/* vigil evidence: an auditor's pack for a period - the server's evidence
 * (GET /api/v1/reports/evidence) written as JSON and CSV files, with an
 * index.html that maps the files to the controls of etc/controls.tsv, as
 * a directory or a .tar.gz (libarchive). */
#define _GNU_SOURCE
#include "cli/cli.h"
#include "cli/client.h"

#include "core/buf.h"
#include "core/vtime.h"

#include <archive.h>
#include <archive_entry.h>
#include <csv.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static const char evidence_usage[] =
        "usage: vigil evidence --from DATE --to DATE [--framework fedramp|iso27001|iso27018|soc2]\n"
        "                      (-o DIR | -o FILE.tar.gz)\n"
        "\n"
        "Writes the evidence of [DATE, DATE) - the incident register, the obligation ledger\n"
        "with each filing (filings.csv: corrections, references, attachments' SHA-256),\n"
        "the notices with their deliveries, the post-mortems and improvements, the response\n"
        "metrics and the audit chain's verification with its head digest - as JSON and CSV\n"
        "files with an index.html mapping them to the framework's controls. DATE is\n"
        "YYYY-MM-DD (UTC midnight) or RFC 3339.\n";

/* One file of the pack, in memory until written. */
struct file {
        char name[32];
        struct buf b;
};

struct pack {
        struct file f[16];
        size_t n;
};

static struct buf *pack_file(struct pack *p, const char *name)
{
        for (size_t i = 0; i < p->n; i++)
                if (strcmp(p->f[i].name, name) == 0)
                        return &p->f[i].b;
        if (p->n == sizeof p->f / sizeof p->f[0])
                return NULL;
        struct file *f = &p->f[p->n++];
        snprintf(f->name, sizeof f->name, "%s", name);
        buf_init(&f->b, (size_t)1 << 30);
        return &f->b;
}

static void pack_free(struct pack *p)
{
        for (size_t i = 0; i < p->n; i++)
                buf_release(&p->f[i].b);
}

/* ---- CSV (fields quoted by libcsv) and HTML text ---- */

/* A cell a spreadsheet would run as a formula (OWASP's CSV injection:
 * it starts with = + - @, a tab or a carriage return) gets a leading
 * apostrophe, so it shows as the text it is. A plain number such as -3
 * is no formula and stays as it is; the JSON files keep every raw value. */
static bool csv_formula(const char *c)
{
        if (!c[0] || !strchr("=+-@\t\r", c[0]))
                return false;
        if (c[0] == '-' && c[1]) {
                const char *p = c + 1;
                while (*p >= '0' && *p <= '9')
                        p++;
                if (*p == '.' && p[1] >= '0' && p[1] <= '9')
                        for (p++; *p >= '0' && *p <= '9'; p++)
                                ;
                if (!*p && p > c + 1)
                        return false;
        }
        return true;
}

static int csv_row(struct buf *b, const char *const *cells, size_t n)
{
        int r = 0;
        for (size_t i = 0; i < n && r >= 0; i++) {
                const char *c = cells[i] ? cells[i] : "";
                size_t len = strlen(c), cap = len * 2 + 3;
                char *q = malloc(cap);
                if (!q)
                        return -ENOMEM;
                /* libcsv always quotes: a formula's apostrophe goes just
                 * inside the opening quote. */
                size_t qlen = csv_write(q, cap, c, len);
                r = csv_formula(c) ? buf_append(b, "\"'", 2) : buf_append(b, q, 1);
                if (r >= 0)
                        r = buf_append(b, q + 1, qlen - 1);
                free(q);
                if (r >= 0)
                        r = buf_append(b, i + 1 < n ? "," : "\r\n", i + 1 < n ? 1 : 2);
        }
        return r;
}

static const char *js(json_t *o, const char *k)
{
        const char *s = json_string_value(json_object_get(o, k));
        return s ? s : "";
}

static const char *jnum(json_t *o, const char *k, char *buf, size_t size)
{
        json_t *v = json_object_get(o, k);
        if (json_is_integer(v))
                snprintf(buf, size, "%lld", (long long)json_integer_value(v));
        else if (json_is_boolean(v))
                snprintf(buf, size, "%s", json_is_true(v) ? "true" : "false");
        else
                snprintf(buf, size, "%s", json_is_string(v) ? json_string_value(v) : "");
        return buf;
}

static int json_file(struct pack *p, const char *name, json_t *j)
{
        char *text = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS);
        struct buf *b = pack_file(p, name);
        int r = text && b ? buf_append(b, text, strlen(text)) : -ENOMEM;
        if (r >= 0)
                r = buf_append(b, "\n", 1);
        free(text);
        return r;
}

static int csv_files(struct pack *p, json_t *e)
{
        json_t *v, *d;
        size_t i, k;
        char n1[32], n2[32];
        struct buf *b = pack_file(p, "incidents.csv");
        static const char *const ih[] = { "key", "title", "severity", "source", "classification", "phase", "services",
                                          "tenants", "detected", "reported", "acknowledged", "declared", "contained",
                                          "eradicated", "recovered", "closed", "duplicate_of" };
        int r = b ? csv_row(b, ih, 17) : -ENOMEM;
        json_array_foreach(json_object_get(e, "incidents"), i, v)
        {
                char services[1024] = "", tenants[4096] = "";
                json_array_foreach(json_object_get(v, "services"), k, d)
                {
                        size_t l = strlen(services);
                        snprintf(services + l, sizeof services - l, "%s%s", l ? ";" : "", json_string_value(d));
                }
                json_array_foreach(json_object_get(v, "tenants"), k, d)
                {
                        size_t l = strlen(tenants);
                        snprintf(tenants + l, sizeof tenants - l, "%s%s:%s", l ? ";" : "", js(d, "id"), js(d, "status"));
                }
                json_t *t = json_object_get(v, "times");
                const char *row[] = { js(v, "key"),          js(v, "title"),           js(v, "severity"),
                                      js(v, "source"),       js(v, "classification"),  js(v, "phase"),
                                      services,              tenants,                  js(t, "detected"),
                                      js(t, "reported"),     js(t, "acknowledged"),    js(t, "declared"),
                                      js(t, "contained"),    js(t, "eradicated"),      js(t, "recovered"),
                                      js(t, "closed"),       js(v, "duplicate_of") };
                if (r >= 0)
                        r = csv_row(b, row, 17);
        }
        b = pack_file(p, "obligations.csv");
        static const char *const oh[] = { "incident", "id",     "tenant",  "rule",    "duty",   "recipient",
                                          "citation", "due_at", "status",  "sent_at", "on_time" };
        if (r >= 0)
                r = b ? csv_row(b, oh, 11) : -ENOMEM;
        json_array_foreach(json_object_get(e, "obligations"), i, v)
        {
                const char *row[] = { js(v, "incident"), jnum(v, "id", n1, sizeof n1), js(v, "tenant"), js(v, "rule"),
                                      js(v, "duty"),     js(v, "recipient"),         js(v, "citation"), js(v, "due_at"),
                                      js(v, "status"),   js(v, "sent_at"),           jnum(v, "on_time", n2, sizeof n2) };
                if (r >= 0)
                        r = csv_row(b, row, 11);
        }
        /* Every filing and correction; an attachment by name, type, size
         * and SHA-256 (the API serves its bytes). */
        b = pack_file(p, "filings.csv");
        static const char *const fh[] = { "incident",  "obligation", "filing",    "kind",
                                          "at",        "previous_at", "by",       "channel",
                                          "reference", "reason",     "attachment", "attachment_media_type",
                                          "attachment_size", "attachment_sha256" };
        if (r >= 0)
                r = b ? csv_row(b, fh, 14) : -ENOMEM;
        json_array_foreach(json_object_get(e, "obligations"), i, v)
        {
                json_array_foreach(json_object_get(v, "filings"), k, d)
                {
                        char n3[32];
                        json_t *a = json_object_get(d, "attachment");
                        const char *row[] = { js(v, "incident"),  jnum(v, "id", n1, sizeof n1), jnum(d, "id", n2, sizeof n2),
                                              js(d, "kind"),      js(d, "at"),                 js(d, "previous_at"),
                                              js(d, "by"),        js(d, "channel"),            js(d, "reference"),
                                              js(d, "reason"),    js(a, "name"),               js(a, "media_type"),
                                              json_is_object(a) ? jnum(a, "size", n3, sizeof n3) : "",
                                              js(a, "sha256") };
                        if (r >= 0)
                                r = csv_row(b, row, 14);
                }
        }
        b = pack_file(p, "notices.csv");
        static const char *const nh[] = { "incident", "notice", "version",  "kind",   "released_at",
                                          "tenant",   "channel", "address", "status", "attempts", "last_result" };
        if (r >= 0)
                r = b ? csv_row(b, nh, 11) : -ENOMEM;
        json_array_foreach(json_object_get(e, "notices"), i, v)
        {
                json_array_foreach(json_object_get(v, "deliveries"), k, d)
                {
                        char n3[32];
                        const char *row[] = { js(v, "incident"), jnum(v, "id", n1, sizeof n1), jnum(v, "version", n2, sizeof n2),
                                              js(v, "kind"),     js(v, "released_at"),        js(d, "tenant"),
                                              js(d, "channel"),  js(d, "address"),            js(d, "status"),
                                              jnum(d, "attempts", n3, sizeof n3), js(d, "last_result") };
                        if (r >= 0)
                                r = csv_row(b, row, 11);
                }
        }
        b = pack_file(p, "training.csv");
        static const char *const th[] = { "user", "role", "course", "completed_at", "due_at", "overdue", "evidence" };
        if (r >= 0)
                r = b ? csv_row(b, th, 7) : -ENOMEM;
        json_array_foreach(json_object_get(json_object_get(e, "training"), "items"), i, v)
        {
                json_t *last = json_object_get(v, "last");
                const char *row[] = { js(v, "user"),     js(v, "role"),   js(last, "course"),
                                      js(last, "completed_at"), js(v, "due_at"), jnum(v, "overdue", n1, sizeof n1),
                                      js(last, "evidence") };
                if (r >= 0)
                        r = csv_row(b, row, 7);
        }
        b = pack_file(p, "improvements.csv");
        static const char *const mh[] = { "incident", "id", "factor", "title", "owner", "kind",
                                          "due_at",   "status", "done_at", "verification" };
        if (r >= 0)
                r = b ? csv_row(b, mh, 10) : -ENOMEM;
        json_array_foreach(json_object_get(e, "postmortems"), i, v)
        {
                json_array_foreach(json_object_get(v, "improvements"), k, d)
                {
                        const char *row[] = { js(v, "incident"), jnum(d, "id", n1, sizeof n1), js(d, "factor"),
                                              js(d, "title"),    js(d, "owner"),             js(d, "kind"),
                                              js(d, "due_at"),   js(d, "status"),            js(d, "done_at"),
                                              js(d, "verification") };
                        if (r >= 0)
                                r = csv_row(b, row, 10);
                }
        }
        return r;
}

/* ---- the control map and index.html ---- */

static int index_html(struct pack *p, json_t *e, const char *framework, const char *controls_path, char *err,
                      size_t errlen)
{
        FILE *f = fopen(controls_path, "r");
        if (!f) {
                snprintf(err, errlen, "%s: %s", controls_path, strerror(errno));
                return -1;
        }
        struct buf *b = pack_file(p, "index.html"), *c = pack_file(p, "controls.csv");
        static const char *const ch[] = { "framework", "control", "title", "files", "what they show" };
        int r = b && c ? csv_row(c, ch, 5) : -ENOMEM;
        json_t *audit = json_object_get(e, "audit"), *m = json_object_get(e, "metrics");
        char n1[32], n2[32], n3[32];
        if (r >= 0)
                r = buf_printf(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                                  "<title>Incident response evidence</title>"
                                  "<style>body{font:15px/1.5 system-ui,sans-serif;max-width:70em;margin:2em auto;padding:0 1em}"
                                  "table{border-collapse:collapse;width:100%%}td,th{border:1px solid #999;padding:.3em .5em;"
                                  "text-align:left;vertical-align:top}code{word-break:break-all}</style></head><body>\n"
                                  "<h1>Incident response evidence</h1>\n<p>Period: ");
        if (r >= 0)
                r = buf_append_xml_text(b, js(e, "from"));
        if (r >= 0)
                r = buf_printf(b, " to ");
        if (r >= 0)
                r = buf_append_xml_text(b, js(e, "to"));
        if (r >= 0)
                r = buf_printf(b, " (UTC). Generated ");
        if (r >= 0)
                r = buf_append_xml_text(b, js(e, "generated_at"));
        if (r >= 0)
                r = buf_printf(b, ". Rules data version ");
        if (r >= 0)
                r = buf_append_xml_text(b, js(e, "rules_version"));
        if (r >= 0)
                r = buf_printf(b, ".</p>\n<h2>Audit chain</h2>\n<p id=\"audit\">%s: %s records verified; head digest "
                                  "<code>",
                               json_is_true(json_object_get(audit, "verified")) ? "Intact" : "BROKEN",
                               jnum(audit, "records", n1, sizeof n1));
        if (r >= 0)
                r = buf_append_xml_text(b, js(audit, "head_hash"));
        if (r >= 0)
                r = buf_printf(b, "</code>. <code>vigil audit verify</code> on the server recomputes it; a later "
                                  "head must extend this one.</p>\n<h2>Figures</h2>\n<table id=\"figures\"><tr><th>Incidents "
                                  "opened</th><td>%s</td></tr>",
                               jnum(m, "incidents", n1, sizeof n1));
        json_t *all = json_object_get(m, "all");
        static const char *const measures[] = { "detect", "acknowledge", "declare", "contain", "eradicate", "recover" };
        for (size_t i = 0; r >= 0 && i < 6; i++) {
                json_t *x = json_object_get(all, measures[i]);
                r = buf_printf(b, "<tr><th>Time to %s (median / p90, s; n)</th><td>%s / %s; %s</td></tr>", measures[i],
                               jnum(x, "median_s", n1, sizeof n1), jnum(x, "p90_s", n2, sizeof n2), jnum(x, "n", n3, sizeof n3));
        }
        long long on_time = 0, late = 0, past_target = 0;
        const char *rule;
        json_t *tally;
        json_object_foreach(json_object_get(json_object_get(m, "obligations"), "by_rule"), rule, tally)
        {
                on_time += json_integer_value(json_object_get(tally, "on_time"));
                late += json_integer_value(json_object_get(tally, "late")) +
                        json_integer_value(json_object_get(tally, "overdue"));
                /* "Without undue delay" is never late: past its internal target. */
                past_target += json_integer_value(json_object_get(tally, "past_target"));
        }
        json_t *pm = json_object_get(m, "postmortems"), *imp = json_object_get(m, "improvements");
        json_t *plan = json_object_get(e, "plan"), *training = json_object_get(e, "training");
        if (r >= 0)
                r = buf_printf(b, "<tr><th>Incident response plan in force</th><td id=\"plan\">%s%s</td></tr>"
                                  "<tr><th>Staff overdue for training (of %zu)</th><td id=\"training\">%lld</td></tr>",
                               json_is_object(plan) ? "version " : "none generated",
                               json_is_object(plan) ? jnum(plan, "version", n1, sizeof n1) : "",
                               json_array_size(json_object_get(training, "items")),
                               (long long)json_integer_value(json_object_get(training, "overdue")));
        if (r >= 0)
                r = buf_printf(b, "<tr><th>Obligations met on time / late or overdue / without undue delay but past "
                                  "the internal target</th><td>%lld / %lld / %lld</td></tr>"
                                  "<tr><th>Post-mortems required / approved</th><td>%lld / %lld</td></tr>"
                                  "<tr><th>Improvements created / done / overdue</th><td>%lld / %lld / %lld</td></tr>"
                                  "</table>\n<h2>Controls</h2>\n<table id=\"controls\"><tr><th>Framework</th><th>Control"
                                  "</th><th>Title</th><th>Evidence</th><th>What it shows</th></tr>\n",
                               on_time, late, past_target, (long long)json_integer_value(json_object_get(pm, "required")),
                               (long long)json_integer_value(json_object_get(pm, "approved")),
                               (long long)json_integer_value(json_object_get(imp, "created")),
                               (long long)json_integer_value(json_object_get(imp, "done")),
                               (long long)json_integer_value(json_object_get(imp, "overdue")));
        char line[2048];
        unsigned lineno = 0, rows = 0;
        while (r >= 0 && fgets(line, sizeof line, f)) {
                lineno++;
                line[strcspn(line, "\r\n")] = '\0';
                if (!line[0] || line[0] == '#')
                        continue;
                char *fields[5], *save = NULL, *s = line;
                size_t n = 0;
                for (char *t = strtok_r(s, "\t", &save); t && n < 5; t = strtok_r(NULL, "\t", &save))
                        fields[n++] = t;
                if (n != 5) {
                        snprintf(err, errlen, "%s:%u: want 5 tab-separated fields", controls_path, lineno);
                        r = -1;
                        break;
                }
                if (framework && strcmp(framework, fields[0]) != 0)
                        continue;
                rows++;
                r = csv_row(c, (const char *const *)fields, 5);
                if (r >= 0)
                        r = buf_printf(b, "<tr><td>");
                for (size_t i = 0; i < 3 && r >= 0; i++) {
                        r = buf_append_xml_text(b, fields[i]);
                        if (r >= 0)
                                r = buf_printf(b, "</td><td>");
                }
                char *fsave = NULL;
                for (char *file = strtok_r(fields[3], " ", &fsave); file && r >= 0; file = strtok_r(NULL, " ", &fsave)) {
                        r = buf_printf(b, "<a href=\"");
                        if (r >= 0)
                                r = buf_append_xml_text(b, file);
                        if (r >= 0)
                                r = buf_printf(b, "\">");
                        if (r >= 0)
                                r = buf_append_xml_text(b, file);
                        if (r >= 0)
                                r = buf_printf(b, "</a> ");
                }
                if (r >= 0)
                        r = buf_printf(b, "</td><td>");
                if (r >= 0)
                        r = buf_append_xml_text(b, fields[4]);
                if (r >= 0)
                        r = buf_printf(b, "</td></tr>\n");
        }
        fclose(f);
        if (r >= 0 && framework && rows == 0) {
                snprintf(err, errlen, "no controls for framework '%s' in %s", framework, controls_path);
                r = -1;
        }
        if (r >= 0)
                r = buf_printf(b, "</table>\n<p>Files: <a href=\"evidence.json\">evidence.json</a> (everything), "
                                  "<a href=\"filings.csv\">filings.csv</a> (what was filed, when, how), "
                                  "<a href=\"controls.csv\">controls.csv</a>.</p>\n</body></html>\n");
        if (r < 0 && !err[0])
                snprintf(err, errlen, "out of memory");
        return r;
}

/* ---- writing ---- */

static int write_dir(struct pack *p, const char *dir, char *err, size_t errlen)
{
        if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
                snprintf(err, errlen, "%s: %s", dir, strerror(errno));
                return -1;
        }
        for (size_t i = 0; i < p->n; i++) {
                char path[4096];
                snprintf(path, sizeof path, "%s/%s", dir, p->f[i].name);
                FILE *f = fopen(path, "w");
                if (!f || fwrite(p->f[i].b.p ? p->f[i].b.p : "", 1, p->f[i].b.len, f) != p->f[i].b.len) {
                        snprintf(err, errlen, "%.400s: %s", path, strerror(errno));
                        if (f)
                                fclose(f);
                        return -1;
                }
                if (fclose(f) != 0) {
                        snprintf(err, errlen, "%.400s: %s", path, strerror(errno));
                        return -1;
                }
        }
        return 0;
}

static int write_tar(struct pack *p, const char *file, const char *top, char *err, size_t errlen)
{
        struct archive *a = archive_write_new();
        int r = a ? 0 : -1;
        if (r == 0 && (archive_write_add_filter_gzip(a) != ARCHIVE_OK || archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
                       archive_write_open_filename(a, file) != ARCHIVE_OK))
                r = -1;
        time_t now = time(NULL);
        for (size_t i = 0; r == 0 && i < p->n; i++) {
                struct archive_entry *e = archive_entry_new();
                char path[512];
                snprintf(path, sizeof path, "%s/%s", top, p->f[i].name);
                archive_entry_set_pathname(e, path);
                archive_entry_set_size(e, (la_int64_t)p->f[i].b.len);
                archive_entry_set_filetype(e, AE_IFREG);
                archive_entry_set_perm(e, 0644);
                archive_entry_set_mtime(e, now, 0);
                if (archive_write_header(a, e) != ARCHIVE_OK ||
                    (p->f[i].b.len && archive_write_data(a, p->f[i].b.p, p->f[i].b.len) != (la_ssize_t)p->f[i].b.len))
                        r = -1;
                archive_entry_free(e);
        }
        if (r == 0 && archive_write_close(a) != ARCHIVE_OK)
                r = -1;
        if (r < 0)
                snprintf(err, errlen, "%s: %s", file, a ? archive_error_string(a) ? archive_error_string(a) : "cannot write"
                                                        : "out of memory");
        if (a)
                archive_write_free(a);
        return r;
}

/* YYYY-MM-DD (midnight UTC) or RFC 3339, as RFC 3339. */
static bool date_arg(const char *s, char out[VG_RFC3339_MAX])
{
        vg_usec_t t;
        char tmp[VG_RFC3339_MAX + 16];
        if (strlen(s) == 10) {
                snprintf(tmp, sizeof tmp, "%sT00:00:00Z", s);
                s = tmp;
        }
        if (vg_time_parse_within(s, VG_TIME_MAX, &t) < 0)
                return false;
        vg_time_format(t, out);
        return true;
}

static const char *controls_path(void)
{
        const char *env = getenv("VIGIL_CONTROLS");
        return env && *env ? env : VIGIL_CONTROLS_DEFAULT;
}

int cmd_evidence(struct cli *cli, int argc, char **argv)
{
        (void)cli;
        const char *from = NULL, *to = NULL, *framework = NULL, *out = NULL;
        if (wants_help(argc, argv)) {
                fputs(evidence_usage, stdout);
                return EXIT_OK;
        }
        for (int i = 1; i < argc; i += 2) {
                const char *v = i + 1 < argc ? argv[i + 1] : NULL;
                if (!v)
                        goto usage;
                if (strcmp(argv[i], "--from") == 0)
                        from = v;
                else if (strcmp(argv[i], "--to") == 0)
                        to = v;
                else if (strcmp(argv[i], "--framework") == 0)
                        framework = v;
                else if (strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0)
                        out = v;
                else
                        goto usage;
        }
        char f3339[VG_RFC3339_MAX], t3339[VG_RFC3339_MAX];
        if (!from || !to || !out)
                goto usage;
        if (!date_arg(from, f3339) || !date_arg(to, t3339)) {
                fprintf(stderr, "vigil evidence: a DATE is YYYY-MM-DD or RFC 3339, "
                                "from 2000-01-01 to 9999-12-31\n");
                return EXIT_USAGE;
        }
        if (framework && strcmp(framework, "fedramp") && strcmp(framework, "iso27001") && strcmp(framework, "iso27018") &&
            strcmp(framework, "soc2")) {
                fprintf(stderr, "vigil evidence: --framework is fedramp, iso27001, iso27018 or soc2\n");
                return EXIT_USAGE;
        }
        char path[256];
        snprintf(path, sizeof path, "/api/v1/reports/evidence?from=%s&to=%s", f3339, t3339);
        json_t *e = NULL;
        int rc = client_request("evidence", "GET", path, NULL, &e);
        if (rc)
                return rc;
        struct pack p = { 0 };
        char err[512] = "";
        int r = json_file(&p, "evidence.json", e);
        if (r >= 0)
                r = json_file(&p, "metrics.json", json_object_get(e, "metrics"));
        if (r >= 0)
                r = json_file(&p, "postmortems.json", json_object_get(e, "postmortems"));
        if (r >= 0)
                r = json_file(&p, "audit.json", json_object_get(e, "audit"));
        if (r >= 0)
                r = csv_files(&p, e);
        /* The plan in force, as written; a note when there was none. */
        json_t *plan = json_object_get(e, "plan");
        struct buf *pb = r >= 0 ? pack_file(&p, "plan.md") : NULL;
        if (r >= 0 && !pb)
                r = -ENOMEM;
        if (r >= 0 && json_is_object(plan))
                r = buf_append(pb, js(plan, "markdown"), strlen(js(plan, "markdown")));
        else if (r >= 0)
                r = buf_printf(pb, "No incident response plan had been generated before the end of the period "
                                   "(POST /api/v1/plan generates one).\n");
        if (r >= 0)
                r = index_html(&p, e, framework, controls_path(), err, sizeof err);
        size_t len = strlen(out);
        bool tar = len > 7 && strcmp(out + len - 7, ".tar.gz") == 0;
        if (r >= 0 && tar) {
                char top[64];
                snprintf(top, sizeof top, "evidence-%.10s-%.10s", f3339, t3339);
                r = write_tar(&p, out, top, err, sizeof err);
        } else if (r >= 0) {
                r = write_dir(&p, out, err, sizeof err);
        }
        bool ok = json_is_true(json_object_get(json_object_get(e, "audit"), "verified"));
        if (r >= 0)
                printf("%s: %zu files; %lld incidents; audit chain %s, head %s\n", out, p.n,
                       (long long)json_array_size(json_object_get(e, "incidents")), ok ? "intact" : "BROKEN",
                       js(json_object_get(e, "audit"), "head_hash"));
        else
                fprintf(stderr, "vigil evidence: %s\n", err[0] ? err : "out of memory");
        pack_free(&p);
        json_decref(e);
        if (r < 0)
                return EXIT_FAIL;
        return ok ? EXIT_OK : EXIT_BROKEN;
usage:
        fputs(evidence_usage, stderr);
        return EXIT_USAGE;
}
