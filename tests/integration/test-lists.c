/* The console's lists at scale: search, filters, sort and cursor paging
 * of incidents, alerts, pages, tenants, obligations and the audit log,
 * each parameter and each bad one (400 naming it, nothing changed), a
 * tenant administrator kept out; then 500 incidents and 100,000 tenants
 * (one CSV import), the tenant typeahead and paging checked against what
 * was seeded, with the time of each query printed (no timing asserts). */
#include "harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

static struct server S;
static char responder[128], manager[128], comms[128], auditor[128], acme_admin[128];
static char bank_key[32], storage_key[32];

#define INCIDENTS 500

static long call(const char *method, const char *path, const char *token, const char *body, json_t **ret)
{
        return api_call(&S, method, path, token, body, ret);
}

static json_t *get_ok(const char *path, const char *token)
{
        json_t *j = NULL;
        long st = call("GET", path, token, NULL, &j);
        if (st != 200)
                fail_msg("GET %s: %ld", path, st);
        return j;
}

static void refused(const char *path, const char *token, long status, const char *field)
{
        expect_refused_on(&S, "GET", path, token, NULL, NULL, status, NULL, field);
}

/* Walk every page of path (a query without cursor), collecting member
 * key of each item (as text) into a new array; fails on a repeat.
 * *pages gets how many pages it took. */
static json_t *walk(const char *path, const char *token, const char *key, size_t *pages)
{
        char url[1200], cursor[900] = "";
        json_t *got = json_array(), *seen = json_object();
        *pages = 0;
        for (;;) {
                snprintf(url, sizeof url, "%s%s%s", path, *cursor ? "&cursor=" : "", cursor);
                json_t *j = get_ok(url, token), *it;
                size_t i;
                (*pages)++;
                json_array_foreach(json_object_get(j, "items"), i, it)
                {
                        json_t *v = json_object_get(it, key), *idv = json_object_get(it, "id");
                        char one[160], id[64];
                        if (json_is_integer(v))
                                snprintf(one, sizeof one, "%lld", (long long)json_integer_value(v));
                        else
                                snprintf(one, sizeof one, "%s", json_is_string(v) ? json_string_value(v) : "null");
                        /* A repeat is the same row: its id (seq in the audit log,
                         * key of an incident). */
                        if (!idv)
                                idv = json_object_get(it, "seq");
                        if (!idv)
                                idv = json_object_get(it, "key");
                        if (json_is_integer(idv))
                                snprintf(id, sizeof id, "%lld", (long long)json_integer_value(idv));
                        else
                                snprintf(id, sizeof id, "%s", json_string_value(idv));
                        if (json_object_get(seen, id))
                                fail_msg("%s: %s twice", path, id);
                        json_object_set_new(seen, id, json_true());
                        json_array_append_new(got, json_string(one));
                }
                const char *next = json_string_value(json_object_get(j, "next_cursor"));
                if (!next) {
                        json_decref(j);
                        json_decref(seen);
                        return got;
                }
                assert_true(strlen(next) < sizeof cursor);
                snprintf(cursor, sizeof cursor, "%s", next);
                json_decref(j);
                assert_true(*pages < 100000);
        }
}

/* How many items every page of path holds, all told; each page full but
 * the last (so pages = n / limit + 1). */
static size_t count(const char *path, const char *token)
{
        size_t pages;
        json_t *got = walk(path, token, "id", &pages);
        size_t n = json_array_size(got);
        json_decref(got);
        return n;
}

/* The values walk collected, ",a,b,". */
static const char *joined(json_t *got)
{
        static char buf[8192];
        size_t i, len = 0;
        json_t *v;
        buf[len++] = ',';
        buf[len] = '\0';
        json_array_foreach(got, i, v)
        {
                int w = snprintf(buf + len, sizeof buf - len, "%s,", json_string_value(v));
                assert_true(w > 0 && (size_t)w < sizeof buf - len);
                len += (size_t)w;
        }
        return buf;
}

static json_t *first_item(const char *path, const char *token)
{
        json_t *j = get_ok(path, token);
        json_t *it = json_incref(json_array_get(json_object_get(j, "items"), 0));
        json_decref(j);
        return it;
}

static double ms_since(const struct timespec *t0)
{
        struct timespec t1;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* ---- incidents ---- */

static size_t n_incidents; /* every incident seeded, the alerts' too */

static void incidents_filter_sort_and_page(void **state)
{
        (void)state;
        size_t pages, i;
        /* Every incident once, newest first, over pages of 37. */
        json_t *keys = walk("/api/v1/incidents?limit=37", auditor, "key", &pages);
        assert_int_equal(json_array_size(keys), n_incidents);
        assert_int_equal(pages, n_incidents / 37 + 1);
        /* Oldest first is the same, reversed. */
        json_t *oldest = walk("/api/v1/incidents?limit=100&sort=created", auditor, "key", &pages);
        assert_int_equal(json_array_size(oldest), n_incidents);
        for (i = 0; i < n_incidents; i++)
                assert_string_equal(json_string_value(json_array_get(oldest, i)),
                                    json_string_value(json_array_get(keys, n_incidents - 1 - i)));
        json_decref(oldest);
        json_decref(keys);
        /* Severity order: sev1 first, never going back; each filter's
         * count is what the full list holds of it. */
        json_t *sevs = walk("/api/v1/incidents?sort=severity&limit=45", auditor, "severity", &pages);
        assert_int_equal(json_array_size(sevs), n_incidents);
        size_t per[4] = { 0 };
        for (i = 0; i < n_incidents; i++) {
                const char *sev = json_string_value(json_array_get(sevs, i));
                if (i)
                        assert_true(strcmp(json_string_value(json_array_get(sevs, i - 1)), sev) <= 0);
                per[sev[3] - '1']++;
        }
        json_decref(sevs);
        assert_true(per[0] >= INCIDENTS / 4 + 1);
        assert_int_equal(count("/api/v1/incidents?severity=sev1&limit=30", auditor), per[0]);
        assert_int_equal(count("/api/v1/incidents?severity=sev4&sort=created&limit=30", auditor), per[3]);
        /* Changed last first: the incident edited last leads. */
        char path[200];
        snprintf(path, sizeof path, "/api/v1/incidents/%s", storage_key);
        assert_int_equal(call("PATCH", path, manager, "{\"description\":\"edited last\"}", NULL), 200);
        json_t *top = first_item("/api/v1/incidents?sort=-updated", auditor);
        assert_string_equal(json_string_value(json_object_get(top, "key")), storage_key);
        json_decref(top);
        assert_int_equal(count("/api/v1/incidents?sort=-updated&limit=120", auditor), n_incidents);
        /* Filters, alone and together, each paged. */
        assert_int_equal(count("/api/v1/incidents?service=storage&limit=7", auditor), INCIDENTS / 25 + 1);
        assert_int_equal(count("/api/v1/incidents?q=gamma&limit=50", auditor), INCIDENTS / 10);
        assert_int_equal(count("/api/v1/incidents?q=GAMMA", auditor), INCIDENTS / 10);
        assert_int_equal(count("/api/v1/incidents?q=edited%20LAST", auditor), 1); /* the description */
        /* gamma is every 10th, sev2 every 4th from the second: i = 9, 29, ... */
        assert_int_equal(count("/api/v1/incidents?q=gamma&severity=sev2&sort=-updated&limit=9", auditor),
                         INCIDENTS / 20);
        assert_int_equal(count("/api/v1/incidents?q=gamma&severity=sev1", auditor), 0);
        assert_int_equal(count("/api/v1/incidents?tenant=bank", auditor), 1);
        assert_int_equal(count("/api/v1/incidents?open=false", auditor), 1);
        assert_int_equal(count("/api/v1/incidents?phase=closed&sort=severity", auditor), 1);
        assert_int_equal(count("/api/v1/incidents?open=true&limit=500", auditor), n_incidents - 1);
        assert_int_equal(count("/api/v1/incidents?open=true&classification=false_positive", auditor), 0);
        assert_int_equal(count("/api/v1/incidents?declared_from=2000-01-01T00:00:00Z", auditor), 1);
        assert_int_equal(count("/api/v1/incidents?declared_to=2000-01-01T00:00:00Z", auditor), 0);
        /* Bad ones, by name. */
        refused("/api/v1/incidents?sort=title", auditor, 400, "sort");
        refused("/api/v1/incidents?open=yes", auditor, 400, "open");
        refused("/api/v1/incidents?limit=0", auditor, 400, "limit");
        refused("/api/v1/incidents?limit=501", auditor, 400, "limit");
        refused("/api/v1/incidents?cursor=bm9wZQ", auditor, 400, "cursor");
        refused("/api/v1/incidents?q=a%01b", auditor, 400, "q");
        refused("/api/v1/incidents?declared_from=2026-02-01T00:00:00Z&declared_to=2026-01-01T00:00:00Z", auditor, 400,
                "declared_to");
        /* A cursor of one order is refused by another. */
        json_t *j = get_ok("/api/v1/incidents?limit=2&sort=severity", auditor);
        snprintf(path, sizeof path, "/api/v1/incidents?limit=2&sort=-updated&cursor=%s",
                 json_string_value(json_object_get(j, "next_cursor")));
        json_decref(j);
        refused(path, auditor, 400, "cursor");
        j = get_ok("/api/v1/incidents?limit=2", auditor);
        snprintf(path, sizeof path, "/api/v1/incidents?limit=2&sort=severity&cursor=%s",
                 json_string_value(json_object_get(j, "next_cursor")));
        json_decref(j);
        refused(path, auditor, 400, "cursor");
}

/* ---- tenants ---- */

static void expect_ids(const char *path, const char *key, const char *want)
{
        size_t pages;
        json_t *got = walk(path, responder, key, &pages);
        const char *s = joined(got);
        if (strcmp(s, want) != 0)
                fail_msg("%s: %s, want %s", path, s, want);
        json_decref(got);
}

static void tenants_search_and_page(void **state)
{
        (void)state;
        /* id or name, ASCII case folded, anywhere in either. */
        expect_ids("/api/v1/tenants?q=ACME", "id", ",acme,acme-eu,");
        expect_ids("/api/v1/tenants?q=industries", "id", ",globex,");
        /* LIKE's wildcards are text here: only the name with a % in it. */
        expect_ids("/api/v1/tenants?q=%25", "id", ",initech,");
        expect_ids("/api/v1/tenants?q=_", "id", ",");
        /* By name, paged one at a time on the name's key. */
        expect_ids("/api/v1/tenants?sort=name&limit=1", "name",
                   ",Acme Corp,Acme Europe,Bank AG,Globex Industries,Initech 100% Sure,");
        expect_ids("/api/v1/tenants?limit=2", "id", ",acme,acme-eu,bank,globex,initech,");
        /* A typeahead's empty box: every tenant. */
        expect_ids("/api/v1/tenants?q=&limit=3", "id", ",acme,acme-eu,bank,globex,initech,");
        /* Changed last first: globex, changed now, leads. */
        assert_int_equal(call("PUT", "/api/v1/tenants/globex", comms,
                              "{\"name\":\"Globex Industries\",\"contacts\":[{\"email\":\"soc@globex.example\"}]}", NULL),
                         200);
        expect_ids("/api/v1/tenants?sort=-updated&limit=2&q=globex", "id", ",globex,");
        json_t *top = first_item("/api/v1/tenants?sort=-updated", responder);
        assert_string_equal(json_string_value(json_object_get(top, "id")), "globex");
        json_decref(top);
        assert_int_equal(count("/api/v1/tenants?sort=-updated&limit=2", responder), 5);
        assert_int_equal(count("/api/v1/tenants?followup=false&limit=2", responder), 5);
        assert_int_equal(count("/api/v1/tenants?followup=true", responder), 0);
        refused("/api/v1/tenants?followup=1", responder, 400, "followup");
        refused("/api/v1/tenants?sort=rid", responder, 400, "sort");
        char longq[260] = "/api/v1/tenants?q=";
        memset(longq + strlen(longq), 'a', 201);
        refused(longq, responder, 400, "q");
        refused("/api/v1/tenants?q=caf%C3", responder, 400, "q"); /* cut inside a character */
        /* 200 bytes of multibyte text is a search (of nothing here). */
        char wide[700] = "/api/v1/tenants?q=";
        for (int i = 0; i < 100; i++)
                strcat(wide, "%C3%A9");
        assert_int_equal(count(wide, responder), 0);
        /* A v1 (id-only) cursor does not fit an order keyed on the name. */
        refused("/api/v1/tenants?sort=name&cursor=djE6Mw", responder, 400, "cursor");
}

/* ---- alerts ---- */

static void alerts_filter_and_page(void **state)
{
        (void)state;
        char path[200];
        size_t pages;
        json_t *all = walk("/api/v1/alerts?limit=7", responder, "id", &pages);
        assert_int_equal(json_array_size(all), 30);
        assert_int_equal(pages, 30 / 7 + 1);
        /* Newest first; oldest first is the reverse. */
        json_t *old = walk("/api/v1/alerts?limit=8&sort=created", responder, "id", &pages);
        for (size_t i = 0; i < 30; i++)
                assert_string_equal(json_string_value(json_array_get(old, i)), json_string_value(json_array_get(all, 29 - i)));
        json_decref(old);
        json_decref(all);
        assert_int_equal(count("/api/v1/alerts?status=firing&limit=4", responder), 20);
        assert_int_equal(count("/api/v1/alerts?status=resolved", responder), 10);
        assert_int_equal(count("/api/v1/alerts?service=queue", responder), 15);
        assert_int_equal(count("/api/v1/alerts?service=queue&status=resolved", responder), 5);
        assert_int_equal(count("/api/v1/alerts?severity=critical&sort=created&limit=2", responder), 10);
        /* q looks in the summary and the labels' text. */
        assert_int_equal(count("/api/v1/alerts?q=DISK%20FULL", responder), 3);
        assert_int_equal(count("/api/v1/alerts?q=probe07", responder), 1);
        /* A firing alert belongs to its group's incident; the list names it. */
        json_t *a = first_item("/api/v1/alerts?q=probe07", responder);
        const char *key = json_string_value(json_object_get(a, "incident"));
        assert_non_null(key);
        assert_string_equal(json_string_value(json_object_get(a, "status")), "firing");
        assert_string_equal(json_string_value(json_object_get(json_object_get(a, "labels"), "instance")), "probe07");
        snprintf(path, sizeof path, "/api/v1/alerts?incident=%s&limit=3", key);
        json_t *same = walk(path, responder, "incident", &pages);
        assert_true(json_array_size(same) >= 1);
        for (size_t i = 0; i < json_array_size(same); i++)
                assert_string_equal(json_string_value(json_array_get(same, i)), key);
        json_decref(same);
        json_decref(a);
        size_t linked = count("/api/v1/alerts?linked=true", responder);
        assert_true(linked >= 1);
        assert_int_equal(linked + count("/api/v1/alerts?linked=false", responder), 30);
        refused("/api/v1/alerts?status=open", responder, 400, "status");
        refused("/api/v1/alerts?linked=maybe", responder, 400, "linked");
        refused("/api/v1/alerts?service=a%20b", responder, 400, "service");
        refused("/api/v1/alerts?sort=severity", responder, 400, "sort");
        refused("/api/v1/alerts?incident=INC-1999-0001", responder, 404, NULL);
}

/* ---- pages ---- */

static void pages_filter_and_page(void **state)
{
        (void)state;
        char path[200];
        size_t pages;
        /* Each storage incident paged rita (the declared one twice), once
         * the job worker got to them all. */
        for (int i = 0; i < 12 && db_count(&S, "pages", NULL) < INCIDENTS / 25 + 1; i++)
                server_settle(&S);
        server_settle(&S);
        json_t *ids = walk("/api/v1/pages?limit=3", responder, "id", &pages);
        size_t all = json_array_size(ids);
        json_decref(ids);
        assert_true(all >= INCIDENTS / 25 + 1);
        assert_int_equal(pages, all / 3 + 1);
        assert_int_equal(count("/api/v1/pages?user=rita&acked=false&sort=created&limit=5", responder), all);
        snprintf(path, sizeof path, "/api/v1/pages?incident=%s", storage_key);
        assert_int_equal(count(path, responder), 1);
        json_t *p = first_item(path, responder);
        assert_string_equal(json_string_value(json_object_get(p, "incident")), storage_key);
        char ack[96];
        snprintf(ack, sizeof ack, "/api/v1/pages/%lld/ack", (long long)json_integer_value(json_object_get(p, "id")));
        json_decref(p);
        assert_int_equal(call("POST", ack, responder, NULL, NULL), 200);
        assert_int_equal(count("/api/v1/pages?acked=true", responder), 1);
        assert_int_equal(count("/api/v1/pages?acked=false", responder), all - 1);
        assert_int_equal(count("/api/v1/pages?user=ina", responder), 0);
        /* q: the user, or the incident's key or title. */
        assert_int_equal(count("/api/v1/pages?q=RITA", responder), all);
        snprintf(path, sizeof path, "/api/v1/pages?incident=%s", bank_key);
        assert_int_equal(count("/api/v1/pages?q=bank%20export", responder), count(path, responder));
        refused("/api/v1/pages?user=no%20body", responder, 400, "user");
        refused("/api/v1/pages?acked=2", responder, 400, "acked");
        refused("/api/v1/pages?sort=user", responder, 400, "sort");
        refused("/api/v1/pages?limit=x", responder, 400, "limit");
        refused("/api/v1/pages?incident=INC-1999-0001", responder, 404, NULL);
}

/* ---- obligations ---- */

static void obligations_filter_and_page(void **state)
{
        (void)state;
        char path[200];
        size_t pages;
        snprintf(path, sizeof path, "/api/v1/obligations?status=any&incident=%s&limit=1", bank_key);
        json_t *ids = walk(path, responder, "id", &pages);
        size_t all = json_array_size(ids);
        json_decref(ids);
        assert_true(all >= 1);
        assert_int_equal(pages, all + 1);
        /* Soonest first, a clock not started last; -due the reverse. */
        json_t *due = walk("/api/v1/obligations?limit=2", responder, "due_at", &pages);
        json_t *late = walk("/api/v1/obligations?limit=3&sort=-due", responder, "due_at", &pages);
        size_t open = json_array_size(due);
        assert_int_equal(json_array_size(late), open);
        for (size_t i = 0; i + 1 < open; i++)
                assert_true(strcmp(json_string_value(json_array_get(due, i + 1)), "null") == 0 ||
                            (strcmp(json_string_value(json_array_get(due, i)), "null") != 0 &&
                             strcmp(json_string_value(json_array_get(due, i)), json_string_value(json_array_get(due, i + 1))) <= 0));
        /* -due holds the same, latest (and not started) first. */
        for (size_t i = 0; i < open; i++)
                assert_string_equal(json_string_value(json_array_get(late, i)), json_string_value(json_array_get(due, open - 1 - i)));
        json_decref(due);
        json_decref(late);
        assert_int_equal(count("/api/v1/obligations?rule=EU-GDPR-33&tenant=bank", responder), 1);
        json_t *rules = walk("/api/v1/obligations?q=gdpr-33&tenant=bank&status=any", responder, "rule", &pages);
        assert_true(json_array_size(rules) >= 1);
        for (size_t i = 0; i < json_array_size(rules); i++)
                assert_non_null(strstr(json_string_value(json_array_get(rules, i)), "GDPR-33"));
        json_decref(rules);
        assert_int_equal(count("/api/v1/obligations?tenant=globex&status=any", responder), 0);
        assert_int_equal(count("/api/v1/obligations?status=waived", responder), 0);
        refused("/api/v1/obligations?status=late", responder, 400, "status");
        refused("/api/v1/obligations?tenant=a%20b", responder, 400, "tenant");
        refused("/api/v1/obligations?sort=due_at", responder, 400, "sort");
        refused("/api/v1/obligations?limit=501", responder, 400, "limit");
        refused("/api/v1/obligations?incident=INC-1999-0001", responder, 404, NULL);
}

/* ---- audit ---- */

static void audit_filter_and_page(void **state)
{
        (void)state;
        size_t pages;
        json_t *seqs = walk("/api/v1/audit?action=incident.create&limit=60", auditor, "seq", &pages);
        assert_int_equal(json_array_size(seqs), n_incidents);
        json_decref(seqs);
        assert_int_equal(count("/api/v1/audit?action=incident.create&sort=-seq&limit=70", auditor), n_incidents);
        json_t *newest = first_item("/api/v1/audit?sort=-seq&limit=1", auditor);
        json_t *oldest = first_item("/api/v1/audit?limit=1", auditor);
        assert_true(json_integer_value(json_object_get(newest, "seq")) > json_integer_value(json_object_get(oldest, "seq")));
        json_decref(newest);
        json_decref(oldest);
        char path[200];
        snprintf(path, sizeof path, "/api/v1/audit?object=incident:%s", bank_key);
        size_t about = count(path, auditor);
        assert_true(about >= 4); /* create, classify, scope, declare */
        snprintf(path, sizeof path, "/api/v1/audit?q=%s", bank_key);
        assert_true(count(path, auditor) >= about);
        assert_true(count("/api/v1/audit?actor=user:ina&action=incident.declare", auditor) == 1);
        assert_int_equal(count("/api/v1/audit?actor=nobody", auditor), 0);
        assert_int_equal(count("/api/v1/audit?to=2000-01-01T00:00:00Z", auditor), 0);
        assert_int_equal(count("/api/v1/audit?from=2000-01-01T00:00:00Z&action=incident.create&limit=500", auditor),
                         n_incidents);
        refused("/api/v1/audit?from=yesterday", auditor, 400, "from");
        refused("/api/v1/audit?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z", auditor, 400, "to");
        refused("/api/v1/audit?sort=at", auditor, 400, "sort");
        refused("/api/v1/audit?actor=a%0Ab", auditor, 400, "actor");
}

/* A tenant administrator reads none of these lists (its portal shows
 * its own tenant); staff roles that may, do. */
static void tenant_admin_sees_no_list(void **state)
{
        (void)state;
        const char *const lists[] = { "/api/v1/incidents", "/api/v1/alerts", "/api/v1/pages", "/api/v1/tenants",
                                      "/api/v1/tenants?q=globex", "/api/v1/obligations", "/api/v1/audit" };
        for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
                refused(lists[i], acme_admin, 403, NULL);
        refused("/api/v1/tenants/globex", acme_admin, 404, NULL);
        refused("/api/v1/audit", responder, 403, NULL);
}

/* ---- at scale: 100,000 tenants ---- */

static double typeahead(const char *q, size_t expect, const char *first)
{
        char path[200];
        snprintf(path, sizeof path, "/api/v1/tenants?limit=10&q=%s", q);
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        json_t *j = get_ok(path, responder);
        double ms = ms_since(&t0);
        json_t *items = json_object_get(j, "items");
        if (json_array_size(items) != expect)
                fail_msg("%s: %zu items, want %zu", path, json_array_size(items), expect);
        if (first)
                assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "id")), first);
        json_decref(j);
        print_message("# typeahead q=%-14s %2zu items in %6.2f ms\n", q, expect, ms);
        return ms;
}

static void typeahead_over_100k_tenants(void **state)
{
        (void)state;
        const size_t n = 100000;
        size_t cap = n * 80 + 256, len = 0;
        char *csv = malloc(cap);
        assert_non_null(csv);
        len += (size_t)snprintf(csv + len, cap - len, "id,name,contacts\n");
        for (size_t i = 0; i < n; i++)
                len += (size_t)snprintf(csv + len, cap - len, "cust-%06zu,Customer %zu Ltd,sec@c%zu.example\n", i, i, i);
        const char *const h[] = { "Content-Type: text/csv", NULL };
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        struct reply r;
        http(&S, "POST", "/api/v1/tenants/import", comms, h, csv, &r);
        assert_int_equal(r.status, 200);
        reply_free(&r);
        free(csv);
        print_message("# seeded %zu tenants in %.0f ms (one CSV import)\n", n, ms_since(&t0));

        /* The typeahead: the first ten by id, whatever the share that matches. */
        double worst = 0, sum = 0, ms;
        int queries = 0;
#define T(q, e, f) (ms = typeahead(q, e, f), sum += ms, worst = ms > worst ? ms : worst, queries++)
        T("cust", 10, "cust-000000");            /* every one matches: the first page at once */
        T("CUST-0421", 10, "cust-042100");       /* 100 match */
        T("customer%2099999", 1, "cust-099999"); /* one, the last */
        T("99999", 1, "cust-099999");            /* one, in both id and name */
        T("acme", 2, "acme");                    /* the seeded few among them */
        T("no-such-tenant", 0, NULL);            /* none: the whole table read */
#undef T
        print_message("# typeahead over %zu tenants: %d queries, mean %.2f ms, worst %.2f ms\n", n + 5, queries,
                      sum / queries, worst);

        /* Paging a search reaches each match once, in id order. */
        size_t pages;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        json_t *got = walk("/api/v1/tenants?q=cust-0421&limit=30", responder, "id", &pages);
        print_message("# 100 matches in %zu pages of 30: %.2f ms\n", pages, ms_since(&t0));
        assert_int_equal(pages, 4);
        assert_int_equal(json_array_size(got), 100);
        for (int i = 0; i < 100; i++) {
                char id[16];
                snprintf(id, sizeof id, "cust-0421%02d", i);
                assert_string_equal(json_string_value(json_array_get(got, (size_t)i)), id);
        }
        json_decref(got);
        /* By name deep into the table: the page after a cursor picks up
         * where the last left off. */
        clock_gettime(CLOCK_MONOTONIC, &t0);
        json_t *j = get_ok("/api/v1/tenants?sort=name&limit=500&q=customer%209", responder);
        print_message("# by name, q=customer 9, 500 of 11,111: %.2f ms\n", ms_since(&t0));
        json_t *items = json_object_get(j, "items");
        assert_int_equal(json_array_size(items), 500);
        assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "name")), "Customer 9 Ltd");
        char path[1200];
        snprintf(path, sizeof path, "/api/v1/tenants?sort=name&limit=1&q=customer%%209&cursor=%s",
                 json_string_value(json_object_get(j, "next_cursor")));
        const char *last = json_string_value(json_object_get(json_array_get(items, 499), "name"));
        json_t *next = first_item(path, responder);
        assert_true(strcmp(json_string_value(json_object_get(next, "name")), last) > 0);
        json_decref(next);
        json_decref(j);
        /* The whole table pages in full: 100,005 tenants by id. */
        clock_gettime(CLOCK_MONOTONIC, &t0);
        got = walk("/api/v1/tenants?limit=500", responder, "id", &pages);
        assert_int_equal(json_array_size(got), n + 5);
        for (size_t i = 1; i < n + 5; i++)
                assert_true(strcmp(json_string_value(json_array_get(got, i - 1)), json_string_value(json_array_get(got, i))) < 0);
        json_decref(got);
        print_message("# every tenant in %zu pages of 500: %.0f ms (%.2f ms a page)\n", pages, ms_since(&t0),
                      ms_since(&t0) / (double)pages);
        /* And the incident list at 500 (and more) incidents. */
        clock_gettime(CLOCK_MONOTONIC, &t0);
        assert_int_equal(count("/api/v1/incidents?open=true&q=gamma&limit=20", responder), INCIDENTS / 10);
        print_message("# incidents q=gamma, open, pages of 20: %.2f ms\n", ms_since(&t0));
}

static void seed(void)
{
        char body[400], path[160];
        json_t *a;
        const char *tenants[][2] = {
                { "acme", "{\"name\":\"Acme Corp\",\"contacts\":[{\"email\":\"sec@acme.example\"}]}" },
                { "acme-eu", "{\"name\":\"Acme Europe\",\"contacts\":[{\"email\":\"sec@acme.example\"}]}" },
                { "globex", "{\"name\":\"Globex Industries\",\"contacts\":[{\"email\":\"sec@globex.example\"}]}" },
                { "initech", "{\"name\":\"Initech 100% Sure\",\"contacts\":[{\"email\":\"sec@initech.example\"}]}" },
                { "bank", "{\"name\":\"Bank AG\",\"contacts\":[{\"email\":\"sec@bank.example\"}],\"jurisdictions\":[\"DE\"],"
                          "\"sectors\":[\"finance\"],\"data_categories\":[\"personal_data\"]}" },
        };
        for (size_t i = 0; i < sizeof tenants / sizeof tenants[0]; i++) {
                snprintf(path, sizeof path, "/api/v1/tenants/%s", tenants[i][0]);
                if (call("PUT", path, comms, tenants[i][1], NULL) != 201)
                        fail_msg("PUT %s", path);
        }
        /* rita is on call for storage: each storage incident pages her. */
        assert_int_equal(call("PUT", "/api/v1/schedules/primary", manager,
                              "{\"time_zone\":\"UTC\",\"layers\":[{\"name\":\"all\",\"rotation\":\"daily\","
                              "\"start\":\"2026-01-01T00:00\",\"users\":[\"rita\"]}]}",
                              NULL),
                         201);
        assert_int_equal(call("PUT", "/api/v1/escalation-policies/sec", manager,
                              "{\"levels\":[{\"delay_minutes\":10,\"targets\":[{\"type\":\"schedule\",\"name\":\"primary\"}]}]}",
                              NULL),
                         201);
        assert_int_equal(call("PUT", "/api/v1/services/storage", manager,
                              "{\"description\":\"object storage\",\"escalation_policy\":\"sec\"}", NULL),
                         201);
        /* 500 incidents: a severity each in turn, every 10th "gamma", every
         * 25th on storage. */
        static const char *const words[] = { "alpha", "beta", "delta", "epsilon", "zeta",
                                              "eta",   "theta", "iota", "kappa",  "gamma" };
        for (int i = 0; i < INCIDENTS; i++) {
                snprintf(body, sizeof body,
                         "{\"title\":\"Incident %03d %s\",\"severity\":\"sev%d\",\"source\":\"monitoring\","
                         "\"services\":[\"%s\"]}",
                         i, words[i % 10], i % 4 + 1, i % 25 == 0 ? "storage" : "web");
                if (call("POST", "/api/v1/incidents", manager, body, &a) != 201)
                        fail_msg("POST incident %d", i);
                if (i == 0)
                        snprintf(storage_key, sizeof storage_key, "%s", json_string_value(json_object_get(a, "key")));
                json_decref(a);
        }
        /* One declared with bank in scope (its obligations), one closed. */
        assert_int_equal(call("POST", "/api/v1/incidents", manager,
                              "{\"title\":\"Bank export\",\"severity\":\"sev1\",\"source\":\"monitoring\","
                              "\"services\":[\"storage\"]}",
                              &a),
                         201);
        snprintf(bank_key, sizeof bank_key, "%s", json_string_value(json_object_get(a, "key")));
        json_decref(a);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/classify", bank_key);
        assert_int_equal(call("POST", path, manager,
                              "{\"classification\":\"security_incident\",\"impact\":{\"confidentiality\":true},"
                              "\"data_categories\":[\"personal_data\"]}",
                              NULL),
                         200);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/scope", bank_key);
        assert_int_equal(call("PUT", path, manager, "{\"reason\":\"logs\",\"tenants\":[{\"id\":\"bank\",\"status\":\"confirmed\"}]}",
                              NULL),
                         200);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/declare", bank_key);
        assert_int_equal(call("POST", path, manager, "{\"criteria\":\"personal data read\"}", NULL), 200);
        assert_int_equal(call("POST", "/api/v1/incidents", manager,
                              "{\"title\":\"Partner scan\",\"severity\":\"sev4\",\"source\":\"monitoring\"}", &a),
                         201);
        char key[32];
        snprintf(key, sizeof key, "%s", json_string_value(json_object_get(a, "key")));
        json_decref(a);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/classify", key);
        assert_int_equal(call("POST", path, manager, "{\"classification\":\"false_positive\"}", NULL), 200);
        snprintf(path, sizeof path, "/api/v1/incidents/%s/advance", key);
        assert_int_equal(call("POST", path, manager, "{\"phase\":\"closed\",\"reason\":\"the partner's scan\"}", NULL), 200);
        /* 30 alerts of one name on two services (two groups, two
         * incidents), every third critical, the last 10 resolved, three
         * about a full disk. */
        static char alerts[30 * 400];
        size_t len = 0;
        alerts[len++] = '[';
        for (int i = 0; i < 30; i++)
                len += (size_t)snprintf(alerts + len, sizeof alerts - len,
                                        "%s{\"labels\":{\"alertname\":\"ProbeFailed\",\"instance\":\"probe%02d\","
                                        "\"service\":\"%s\",\"severity\":\"%s\"},\"annotations\":{\"summary\":\"%s\"}%s}",
                                        i ? "," : "", i, i % 2 ? "queue" : "cache", i % 3 ? "warning" : "critical",
                                        i < 3 ? "Disk full on node" : "Probe failed",
                                        i >= 20 ? ",\"startsAt\":\"2025-12-31T00:00:00Z\",\"endsAt\":\"2026-01-01T00:00:00Z\"" : "");
        alerts[len++] = ']';
        alerts[len] = '\0';
        assert_int_equal(call("POST", "/api/v2/alerts", responder, alerts, NULL), 200);
        server_settle(&S);
        n_incidents = (size_t)db_count(&S, "incidents", NULL);
        assert_true(n_incidents >= INCIDENTS + 2);
}

static int setup(void **state)
{
        (void)state;
        server_start(&S, "login:\n  max_failures_address: 1000\n");
        server_user_token(&S, "rita", "responder", NULL, responder, sizeof responder);
        server_user_token(&S, "ina", "incident_manager", NULL, manager, sizeof manager);
        server_user_token(&S, "cora", "communications", NULL, comms, sizeof comms);
        server_user_token(&S, "audrey", "auditor", NULL, auditor, sizeof auditor);
        server_user_token(&S, "alice-acme", "tenant_admin", "acme", acme_admin, sizeof acme_admin);
        seed();
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
                cmocka_unit_test(incidents_filter_sort_and_page),
                cmocka_unit_test(tenants_search_and_page),
                cmocka_unit_test(alerts_filter_and_page),
                cmocka_unit_test(pages_filter_and_page),
                cmocka_unit_test(obligations_filter_and_page),
                cmocka_unit_test(audit_filter_and_page),
                cmocka_unit_test(tenant_admin_sees_no_list),
                cmocka_unit_test(typeahead_over_100k_tenants),
        };
        return cmocka_run_group_tests_name("lists", tests, setup, teardown);
}
