/* On-call through the API and the CLI of a real server: the organisation
 * documents (validation, idempotent PUT, references), who is on call for a
 * schedule and for a service through its escalation policy, overrides,
 * the final schedule, and coverage with `vigil oncall check`. */
#include "harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <libical/ical.h>

static struct server S;
static char manager[128], responder[128], auditor[128];

static long call(const char *method, const char *path, const char *token, const char *body, json_t **ret)
{
        return api_call(&S, method, path, token, body, ret);
}

static void put_ok(const char *path, const char *body, long want)
{
        struct reply r;
        http(&S, "PUT", path, manager, NULL, body, &r);
        if (r.status != want)
                fail_msg("PUT %s: %ld %s", path, r.status, r.body);
        reply_free(&r);
}

static void add_user(const char *name, const char *tz)
{
        char body[512];
        snprintf(body, sizeof body,
                 "{\"name\":\"%s\",\"role\":\"responder\",\"password\":\"a-long-password-1234\","
                 "\"email\":\"%s@example.com\",\"time_zone\":\"%s\","
                 "\"contacts\":[{\"type\":\"email\",\"address\":\"%s@example.com\"}]}",
                 name, name, tz, name);
        struct reply r;
        http(&S, "POST", "/api/v1/users", S.admin_token, NULL, body, &r);
        if (r.status != 201)
                fail_msg("user %s: %ld %s", name, r.status, r.body);
        assert_string_equal(json_string_value(json_object_get(r.json, "time_zone")), tz);
        reply_free(&r);
}

/* Weekly in Berlin, Monday 09:00, alice then bob; 2026-11-02 is a Monday. */
static const char primary[] =
        "{\"time_zone\":\"Europe/Berlin\",\"description\":\"security primary\",\"layers\":[{\"name\":\"weekly\","
        "\"rotation\":\"weekly\",\"start\":\"2026-11-02T09:00\",\"users\":[\"alice\",\"bob\"]}]}";

static void documents_validate_and_apply_idempotently(void **state)
{
        (void)state;
        put_ok("/api/v1/teams/sec-core", "{\"members\":[\"alice\",\"bob\",\"carol\"]}", 201);
        put_ok("/api/v1/teams/sec-core", "{\"members\":[\"alice\",\"bob\",\"carol\"]}", 200);
        json_t *doc;
        assert_int_equal(call("GET", "/api/v1/teams/sec-core", auditor, NULL, &doc), 200);
        assert_int_equal(json_integer_value(json_object_get(doc, "version")), 1); /* unchanged by the second PUT */
        json_decref(doc);
        put_ok("/api/v1/schedules/primary", primary, 201);
        put_ok("/api/v1/escalation-policies/default",
               "{\"repeat\":1,\"levels\":[{\"delay_minutes\":10,\"targets\":[{\"type\":\"schedule\",\"name\":\"primary\"}]},"
               "{\"delay_minutes\":15,\"targets\":[{\"type\":\"user\",\"name\":\"carol\"}]}]}",
               201);
        put_ok("/api/v1/services/payments", "{\"team\":\"sec-core\",\"escalation_policy\":\"default\"}", 201);
        /* What GET returns can be PUT back unchanged. */
        assert_int_equal(call("GET", "/api/v1/services/payments", auditor, NULL, &doc), 200);
        char *text = json_dumps(doc, 0);
        put_ok("/api/v1/services/payments", text, 200);
        free(text);
        json_decref(doc);

        /* Refused, each naming the field, changing nothing. */
        expect_refused_on(&S, "PUT", "/api/v1/teams/t2", manager, NULL, "{\"members\":[\"alice\",\"nobody\"]}", 400,
                          NULL, "members[1]");
        expect_refused_on(&S, "PUT", "/api/v1/schedules/s2", manager, NULL,
                          "{\"time_zone\":\"Mars/Olympus\",\"layers\":[{\"name\":\"x\",\"rotation\":\"daily\","
                          "\"start\":\"2026-11-02T09:00\",\"users\":[\"alice\"]}]}",
                          400, NULL, "time_zone");
        expect_refused_on(&S, "PUT", "/api/v1/schedules/s2", manager, NULL,
                          "{\"time_zone\":\"UTC\",\"layers\":[{\"name\":\"x\",\"rotation\":\"monthly\","
                          "\"start\":\"2026-02-30T09:00\",\"users\":[\"zed\"],"
                          "\"restrictions\":[{\"days\":\"funday\",\"from\":\"9\",\"to\":\"17:00\"}]}]}",
                          400, NULL, "layers[0].rotation");
        struct reply r;
        http(&S, "PUT", "/api/v1/schedules/s2", manager, NULL,
             "{\"time_zone\":\"UTC\",\"layers\":[{\"name\":\"x\",\"rotation\":\"monthly\",\"start\":\"2026-02-30T09:00\","
             "\"users\":[\"zed\"],\"restrictions\":[{\"days\":\"funday\",\"from\":\"9\",\"to\":\"17:00\"}]}]}",
             &r);
        assert_true(problem_has_field(r.json, "layers[0].start"));
        assert_true(problem_has_field(r.json, "layers[0].restrictions[0]"));
        assert_true(problem_has_field(r.json, "layers[0].users[0]"));
        reply_free(&r);
        expect_refused_on(&S, "PUT", "/api/v1/escalation-policies/p2", manager, NULL,
                          "{\"levels\":[{\"delay_minutes\":0,\"targets\":[{\"type\":\"schedule\",\"name\":\"none\"}]}]}",
                          400, NULL, "levels[0]");
        expect_refused_on(&S, "PUT", "/api/v1/services/s2", manager, NULL, "{\"escalation_policy\":\"none\"}", 400,
                          NULL, "escalation_policy");
        expect_refused_on(&S, "PUT", "/api/v1/services/bad%20name", manager, NULL, "{}", 400, NULL, "name");
        /* Still referred to: not deleted. */
        expect_refused_on(&S, "DELETE", "/api/v1/schedules/primary", manager, NULL, NULL, 409,
                          "used by escalation_policy 'default'", NULL);
        expect_refused_on(&S, "DELETE", "/api/v1/teams/sec-core", manager, NULL, NULL, 409, "used by", NULL);
        /* Responders may not change the organisation. */
        expect_refused_on(&S, "PUT", "/api/v1/teams/sec-core", responder, NULL, "{\"members\":[\"alice\"]}", 403, NULL,
                          NULL);
        /* A document nobody uses goes. */
        put_ok("/api/v1/teams/spare", "{\"members\":[\"carol\"]}", 201);
        assert_int_equal(call("DELETE", "/api/v1/teams/spare", manager, NULL, NULL), 204);
        assert_int_equal(call("GET", "/api/v1/teams/spare", auditor, NULL, NULL), 404);
        assert_int_equal(db_count(&S, "audit_log", "action = 'team.delete'"), 1);
}

static void who_is_on_call(void **state)
{
        (void)state;
        json_t *a;
        /* Monday 2026-11-23 09:00 CET = 08:00Z starts week 3: bob. */
        assert_int_equal(call("GET", "/api/v1/oncall?schedule=primary&at=2026-11-23T07:59:00Z", auditor, NULL, &a), 200);
        assert_string_equal(json_string_value(json_object_get(a, "user")), "alice");
        json_decref(a);
        assert_int_equal(call("GET", "/api/v1/oncall?schedule=primary&at=2026-11-23T08:00:00Z", auditor, NULL, &a), 200);
        assert_string_equal(json_string_value(json_object_get(a, "user")), "bob");
        assert_string_equal(json_string_value(json_object_get(a, "layer")), "weekly");
        json_decref(a);
        /* For a service: every level of its policy with who it reaches. */
        assert_int_equal(call("GET", "/api/v1/oncall?service=payments&at=2026-11-23T08:00:00Z", auditor, NULL, &a), 200);
        json_t *levels = json_object_get(a, "levels");
        assert_int_equal(json_array_size(levels), 2);
        json_t *first = json_array_get(json_object_get(json_array_get(levels, 0), "oncall"), 0);
        assert_string_equal(json_string_value(json_object_get(first, "user")), "bob");
        assert_string_equal(json_string_value(json_object_get(first, "via")), "schedule:primary");
        json_t *second = json_array_get(json_object_get(json_array_get(levels, 1), "oncall"), 0);
        assert_string_equal(json_string_value(json_object_get(second, "user")), "carol");
        json_decref(a);
        assert_int_equal(call("GET", "/api/v1/oncall?service=payments&schedule=primary", auditor, NULL, NULL), 400);
        assert_int_equal(call("GET", "/api/v1/oncall?service=nope", auditor, NULL, NULL), 404);

        /* An incident manager gives two hours of bob's week to carol (in the
         * future). */
        char body[256];
        snprintf(body, sizeof body, "{\"user\":\"carol\",\"from\":\"2030-01-07T10:00:00Z\",\"to\":\"2030-01-07T12:00:00Z\","
                                    "\"reason\":\"swap\"}");
        assert_int_equal(call("POST", "/api/v1/schedules/primary/overrides", manager, body, &a), 201);
        json_int_t id = json_integer_value(json_object_get(a, "id"));
        json_decref(a);
        assert_int_equal(call("GET", "/api/v1/oncall?schedule=primary&at=2030-01-07T11:00:00Z", auditor, NULL, &a), 200);
        assert_string_equal(json_string_value(json_object_get(a, "user")), "carol");
        assert_string_equal(json_string_value(json_object_get(a, "layer")), "override");
        json_decref(a);
        /* The final schedule shows the override cut into the week. */
        assert_int_equal(call("GET", "/api/v1/schedules/primary/final?from=2030-01-07T00:00:00Z&to=2030-01-08T00:00:00Z",
                              auditor, NULL, &a),
                         200);
        json_t *shifts = json_object_get(a, "shifts");
        assert_int_equal(json_array_size(shifts), 4); /* before 09:00 CET, 08:00-10:00, override, after */
        assert_string_equal(json_string_value(json_object_get(json_array_get(shifts, 2), "user")), "carol");
        assert_string_equal(json_string_value(json_object_get(json_array_get(shifts, 2), "from")), "2030-01-07T10:00:00Z");
        json_decref(a);
        /* Bad overrides change nothing. */
        expect_refused_on(&S, "POST", "/api/v1/schedules/primary/overrides", responder, NULL,
                          "{\"user\":\"carol\",\"from\":\"2030-01-07T12:00:00Z\",\"to\":\"2030-01-07T10:00:00Z\"}", 400,
                          NULL, "to");
        expect_refused_on(&S, "POST", "/api/v1/schedules/primary/overrides", responder, NULL,
                          "{\"user\":\"ghost\",\"from\":\"2030-01-07T10:00:00Z\",\"to\":\"2030-01-07T12:00:00Z\"}", 400,
                          NULL, "user");
        expect_refused_on(&S, "POST", "/api/v1/schedules/nope/overrides", responder, NULL,
                          "{\"user\":\"carol\",\"from\":\"2030-01-07T10:00:00Z\",\"to\":\"2030-01-07T12:00:00Z\"}", 404,
                          NULL, NULL);
        char path[128];
        snprintf(path, sizeof path, "/api/v1/schedules/primary/overrides/%lld", (long long)id);
        assert_int_equal(call("DELETE", path, manager, NULL, NULL), 204);
        assert_int_equal(call("GET", "/api/v1/oncall?schedule=primary&at=2030-01-07T11:00:00Z", auditor, NULL, &a), 200);
        /* 2030-01-07 is 1162 days = week 166 after 2026-11-02: even, alice. */
        assert_string_equal(json_string_value(json_object_get(a, "user")), "alice");
        json_decref(a);
}

/* POST an override of schedule night; its id, or 0 when refused with
 * want_refused (nothing changed then). */
static json_int_t night_override(const char *token, const char *user, const char *from, const char *to,
                                 long want_refused)
{
        char body[256];
        snprintf(body, sizeof body, "{\"user\":\"%s\",\"from\":\"%s\",\"to\":\"%s\"}", user, from, to);
        if (want_refused) {
                expect_refused_on(&S, "POST", "/api/v1/schedules/night/overrides", token, NULL, body, want_refused,
                                  want_refused == 403 ? "involve them" : NULL, NULL);
                return 0;
        }
        json_t *a = NULL;
        assert_int_equal(call("POST", "/api/v1/schedules/night/overrides", token, body, &a), 201);
        json_int_t id = json_integer_value(json_object_get(a, "id"));
        json_decref(a);
        return id;
}

/* Issue 14, finding 8: a responder changes only the overrides they are
 * party to; managers change any; an override id names one override for
 * ever. */
static void overrides_change_only_by_their_parties(void **state)
{
        char dave[128], erin[128], path[128];
        (void)state;
        server_user_token(&S, "dave", "responder", NULL, dave, sizeof dave);
        server_user_token(&S, "erin", "responder", NULL, erin, sizeof erin);
        /* Daily in UTC from Monday 2026-11-02: 2030-01-07 is day 1162, dave's;
         * 2030-01-08 is erin's. */
        put_ok("/api/v1/schedules/night",
               "{\"time_zone\":\"UTC\",\"layers\":[{\"name\":\"daily\",\"rotation\":\"daily\","
               "\"start\":\"2026-11-02T00:00\",\"users\":[\"dave\",\"erin\"]}]}",
               201);

        /* The attack: a responder puts the auditor on call, and someone
         * else on call over someone else. */
        night_override(responder, "aud", "2030-01-07T10:00:00Z", "2030-01-07T12:00:00Z", 403);
        night_override(dave, "erin", "2030-01-08T10:00:00Z", "2030-01-08T12:00:00Z", 403);
        /* A window half dave's and half erin's is not dave's to hand over. */
        night_override(dave, "rita", "2030-01-07T22:00:00Z", "2030-01-08T02:00:00Z", 403);
        /* Taking over, and handing over one's own window, are fine. */
        json_int_t takeover = night_override(responder, "rita", "2030-01-07T08:00:00Z", "2030-01-07T09:00:00Z", 0);
        json_int_t handover = night_override(dave, "erin", "2030-01-07T12:00:00Z", "2030-01-07T14:00:00Z", 0);
        assert_true(takeover > 0 && handover > 0);

        /* The manager's override takes dave off: only dave (replaced), or a
         * manager, may delete it; not erin, not rita. */
        json_int_t by_manager = night_override(manager, "aud", "2030-01-07T16:00:00Z", "2030-01-07T18:00:00Z", 0);
        snprintf(path, sizeof path, "/api/v1/schedules/night/overrides/%lld", (long long)by_manager);
        expect_refused_on(&S, "DELETE", path, erin, NULL, NULL, 403, "involve them", NULL);
        expect_refused_on(&S, "DELETE", path, responder, NULL, NULL, 403, "involve them", NULL);
        assert_int_equal(call("DELETE", path, dave, NULL, NULL), 204);
        /* The deletion's record says what it deleted. */
        char where[128];
        snprintf(where, sizeof where, "action='schedule.override.delete' AND object='override:%lld' AND change LIKE '%%\"aud\"%%'",
                 (long long)by_manager);
        assert_int_equal(db_count(&S, "audit_log", where), 1);
        /* erin, put on call by the handover, may give it back. */
        snprintf(path, sizeof path, "/api/v1/schedules/night/overrides/%lld", (long long)handover);
        expect_refused_on(&S, "DELETE", path, responder, NULL, NULL, 403, "involve them", NULL);
        assert_int_equal(call("DELETE", path, erin, NULL, NULL), 204);

        /* Ids are never given twice: the newest deleted, the next is higher. */
        json_int_t last = night_override(manager, "erin", "2030-01-07T20:00:00Z", "2030-01-07T21:00:00Z", 0);
        snprintf(path, sizeof path, "/api/v1/schedules/night/overrides/%lld", (long long)last);
        assert_int_equal(call("DELETE", path, manager, NULL, NULL), 204);
        json_int_t next = night_override(manager, "erin", "2030-01-07T20:00:00Z", "2030-01-07T21:00:00Z", 0);
        assert_true(next > last);
        snprintf(where, sizeof where, "object='override:%lld' AND action='schedule.override.create'", (long long)next);
        assert_int_equal(db_count(&S, "audit_log", where), 1);
}

static void coverage_gaps_and_the_check_command(void **state)
{
        (void)state;
        /* Business hours only: nights and weekends are gaps. */
        put_ok("/api/v1/schedules/business",
               "{\"time_zone\":\"America/New_York\",\"layers\":[{\"name\":\"day\",\"rotation\":\"daily\","
               "\"start\":\"2026-11-02T09:00\",\"users\":[\"alice\",\"bob\"],"
               "\"restrictions\":[{\"days\":\"mon-fri\",\"from\":\"09:00\",\"to\":\"17:00\"}]}]}",
               201);
        put_ok("/api/v1/escalation-policies/daytime",
               "{\"levels\":[{\"delay_minutes\":5,\"targets\":[{\"type\":\"schedule\",\"name\":\"business\"}]}]}", 201);
        put_ok("/api/v1/services/web", "{\"escalation_policy\":\"daytime\"}", 201);
        put_ok("/api/v1/services/orphan", "{}", 201);
        json_t *a;
        assert_int_equal(call("GET", "/api/v1/oncall/coverage?days=7", auditor, NULL, &a), 200);
        assert_false(json_is_true(json_object_get(a, "ok")));
        json_t *v;
        size_t i;
        json_array_foreach(json_object_get(a, "schedules"), i, v)
        {
                const char *name = json_string_value(json_object_get(v, "name"));
                size_t gaps = json_array_size(json_object_get(v, "gaps"));
                if (strcmp(name, "primary") == 0)
                        assert_int_equal(gaps, 0);
                else
                        assert_true(gaps >= 5); /* at least one per night */
        }
        json_array_foreach(json_object_get(a, "services"), i, v)
        {
                const char *name = json_string_value(json_object_get(v, "name"));
                bool covered = json_is_true(json_object_get(v, "covered"));
                assert_int_equal(covered, strcmp(name, "payments") == 0);
                if (strcmp(name, "orphan") == 0)
                        assert_string_equal(json_string_value(json_object_get(v, "why")), "no escalation policy");
        }
        json_decref(a);

        /* The same as metrics. */
        struct reply m;
        http(&S, "GET", "/metrics", NULL, NULL, NULL, &m);
        assert_int_equal(m.status, 200);
        assert_non_null(strstr(m.body, "vigil_oncall_gap_seconds{schedule=\"primary\"} 0\n"));
        assert_non_null(strstr(m.body, "vigil_oncall_service_covered{service=\"orphan\"} 0\n"));
        assert_non_null(strstr(m.body, "vigil_oncall_service_covered{service=\"payments\"} 1\n"));
        const char *g = strstr(m.body, "vigil_oncall_gap_seconds{schedule=\"business\"} ");
        assert_non_null(g);
        assert_true(atoll(g + strlen("vigil_oncall_gap_seconds{schedule=\"business\"} ")) > 86400);
        reply_free(&m);
        /* The CLI: exit 6 while there are gaps, naming them. */
        struct client_env ce;
        const char *const *env = client_env(&ce, &S, auditor);
        char *out = NULL;
        assert_int_equal(vigil_run(NULL, &out, env, (const char *const[]){ "oncall", "check", "--days", "7", NULL }), 6);
        assert_non_null(strstr(out, "GAP   schedule business"));
        assert_non_null(strstr(out, "GAP   service orphan: no escalation policy"));
        assert_non_null(strstr(out, "ok    service payments"));
        free(out);
        assert_int_equal(vigil_run(NULL, &out, env,
                                   (const char *const[]){ "oncall", "now", "--service", "payments", "--at",
                                                          "2026-11-23T08:00:00+00:00", NULL }),
                         0);
        assert_non_null(strstr(out, "level 1 (escalates after 10 min): bob (schedule:primary)"));
        free(out);
        /* Fixed: a night layer on top of the business hours, the orphan removed. */
        put_ok("/api/v1/schedules/business",
               "{\"time_zone\":\"America/New_York\",\"layers\":[{\"name\":\"night\",\"rotation\":\"weekly\","
               "\"start\":\"2026-11-02T00:00\",\"users\":[\"carol\"]},{\"name\":\"day\",\"rotation\":\"daily\","
               "\"start\":\"2026-11-02T09:00\",\"users\":[\"alice\",\"bob\"],"
               "\"restrictions\":[{\"days\":\"mon-fri\",\"from\":\"09:00\",\"to\":\"17:00\"}]}]}",
               200);
        assert_int_equal(call("DELETE", "/api/v1/services/orphan", manager, NULL, NULL), 204);
        assert_int_equal(vigil_run(NULL, &out, env, (const char *const[]){ "oncall", "check", "--days", "7", NULL }), 0);
        assert_non_null(strstr(out, "complete"));
        free(out);
}

/* The VEVENTs of an ICS text as [{start, end, summary}] (RFC 3339 UTC). */
static json_t *ics_events(const char *ics)
{
        icalcomponent *cal = icalparser_parse_string(ics);
        assert_non_null(cal);
        assert_int_equal(icalcomponent_isa(cal), ICAL_VCALENDAR_COMPONENT);
        json_t *out = json_array();
        for (icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT); ev;
             ev = icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT)) {
                char a[32], b[32];
                time_t ta = icaltime_as_timet(icalcomponent_get_dtstart(ev));
                time_t tb = icaltime_as_timet(icalcomponent_get_dtend(ev));
                struct tm tm;
                strftime(a, sizeof a, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&ta, &tm));
                strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&tb, &tm));
                json_array_append_new(out, json_pack("{s:s, s:s, s:s}", "from", a, "to", b, "summary",
                                                     icalcomponent_get_summary(ev)));
        }
        icalcomponent_free(cal);
        return out;
}

static void calendar_feeds_parse_back_to_the_same_shifts(void **state)
{
        (void)state;
        json_t *a, *shifts;
        assert_int_equal(call("POST", "/api/v1/calendar-feeds", responder, "{\"schedule\":\"primary\"}", &a), 201);
        const char *url = json_string_value(json_object_get(a, "url"));
        const char *path = strstr(url, "/calendar/");
        assert_non_null(path);
        char feed_path[200];
        snprintf(feed_path, sizeof feed_path, "%s", path);
        json_int_t feed_id = json_integer_value(json_object_get(a, "id"));
        json_decref(a);
        /* No sign-in: the token is the credential. */
        struct reply r;
        http(&S, "GET", feed_path, NULL, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        assert_string_equal(reply_header(&r, "Content-Type"), "text/calendar; charset=utf-8");
        json_t *events = ics_events(r.body);
        reply_free(&r);
        /* The same shifts as the final schedule over the feed's range. */
        char q[256], from[32], to[32];
        json_t *ev0 = json_array_get(events, 0);
        assert_non_null(ev0);
        snprintf(from, sizeof from, "%s", json_string_value(json_object_get(ev0, "from")));
        snprintf(to, sizeof to, "%s", json_string_value(json_object_get(json_array_get(events, json_array_size(events) - 1), "to")));
        snprintf(q, sizeof q, "/api/v1/schedules/primary/final?from=%s&to=%s", from, to);
        assert_int_equal(call("GET", q, auditor, NULL, &a), 200);
        shifts = json_object_get(a, "shifts");
        assert_int_equal(json_array_size(events), json_array_size(shifts));
        assert_true(json_array_size(events) >= 14); /* weekly over 97 days */
        for (size_t i = 0; i < json_array_size(events); i++) {
                json_t *e = json_array_get(events, i), *s2 = json_array_get(shifts, i);
                assert_string_equal(json_string_value(json_object_get(e, "from")), json_string_value(json_object_get(s2, "from")));
                assert_string_equal(json_string_value(json_object_get(e, "to")), json_string_value(json_object_get(s2, "to")));
                char want[128];
                snprintf(want, sizeof want, "%s on call (primary)", json_string_value(json_object_get(s2, "user")));
                assert_string_equal(json_string_value(json_object_get(e, "summary")), want);
        }
        json_decref(a);
        json_decref(events);

        /* A person's feed: only their shifts, from every schedule. */
        assert_int_equal(call("POST", "/api/v1/calendar-feeds", manager, "{\"user\":\"bob\"}", &a), 201);
        path = strstr(json_string_value(json_object_get(a, "url")), "/calendar/");
        http(&S, "GET", path, NULL, NULL, NULL, &r);
        json_decref(a);
        assert_int_equal(r.status, 200);
        events = ics_events(r.body);
        reply_free(&r);
        assert_true(json_array_size(events) >= 7);
        for (size_t i = 0; i < json_array_size(events); i++)
                assert_int_equal(strncmp(json_string_value(json_object_get(json_array_get(events, i), "summary")),
                                         "On call: ", 9), 0);
        json_decref(events);
        /* Responders get feeds of their own shifts only. */
        assert_int_equal(call("POST", "/api/v1/calendar-feeds", responder, "{\"user\":\"bob\"}", NULL), 403);
        assert_int_equal(call("POST", "/api/v1/calendar-feeds", responder, "{\"schedule\":\"nope\"}", NULL), 400);
        /* Revoked: the URL stops working. */
        char del[64];
        snprintf(del, sizeof del, "/api/v1/calendar-feeds/%lld", (long long)feed_id);
        assert_int_equal(call("DELETE", del, auditor, NULL, NULL), 404); /* not theirs */
        assert_int_equal(call("DELETE", del, responder, NULL, NULL), 204);
        http(&S, "GET", feed_path, NULL, NULL, NULL, &r);
        assert_int_equal(r.status, 404);
        reply_free(&r);
        http(&S, "GET", "/calendar/vgc_guessed-token.ics", NULL, NULL, NULL, &r);
        assert_int_equal(r.status, 404);
        reply_free(&r);
}

static const char org_yaml[] =
        "# the security organisation\n"
        "users:\n"
        "  dana:\n"
        "    role: responder\n"
        "    email: dana@example.com\n"
        "    time_zone: Asia/Kolkata\n"
        "    contacts:\n"
        "      - {type: email, address: dana@example.com}\n"
        "      - {type: sms, address: '+919876543210'}\n"
        "teams:\n"
        "  appsec: {members: [dana, alice]}\n"
        "schedules:\n"
        "  appsec-primary:\n"
        "    time_zone: Asia/Kolkata\n"
        "    team: appsec\n"
        "    layers:\n"
        "      - name: weekly\n"
        "        rotation: weekly\n"
        "        start: 2026-11-02T10:00\n"
        "        users: [dana, alice]\n"
        "escalation_policies:\n"
        "  appsec:\n"
        "    repeat: 2\n"
        "    levels:\n"
        "      - delay_minutes: 15\n"
        "        targets: [{type: schedule, name: appsec-primary}]\n"
        "      - delay_minutes: 30\n"
        "        targets: [{type: team, name: appsec}]\n"
        "services:\n"
        "  checkout: {team: appsec, escalation_policy: appsec, description: 'the checkout service'}\n";

/* Run `vigil apply -f file`; fails the test (showing the output) unless it exits want. */
static char *apply(const char *const env[], const char *file, int want)
{
        char *out = NULL;
        int rc = vigil_run(NULL, &out, env, (const char *const[]){ "apply", "-f", file, NULL });
        if (rc != want)
                fail_msg("vigil apply exited %d, want %d:\n%s", rc, want, out ? out : "");
        return out;
}

static void apply_is_declarative_and_idempotent(void **state)
{
        (void)state;
        char file[128];
        snprintf(file, sizeof file, "%s/org.yaml", S.dir);
        FILE *f = fopen(file, "w");
        assert_non_null(f);
        fputs(org_yaml, f);
        fclose(f);
        struct client_env ce;
        const char *const *env = client_env(&ce, &S, S.admin_token);
        char *out = NULL;
        out = apply(env, file, 0);
        assert_non_null(strstr(out, "created user dana"));
        assert_non_null(strstr(out, "created service checkout"));
        assert_non_null(strstr(out, "5 created, 0 updated, 0 unchanged"));
        free(out);
        json_t *a;
        assert_int_equal(call("GET", "/api/v1/oncall?service=checkout&at=2026-11-23T05:00:00Z", auditor, NULL, &a), 200);
        /* 2026-11-23 10:00 IST = 04:30Z starts week 3: alice. */
        assert_string_equal(json_string_value(json_object_get(
                                    json_array_get(json_object_get(json_array_get(json_object_get(a, "levels"), 0), "oncall"), 0),
                                    "user")),
                            "alice");
        json_decref(a);
        /* Again: nothing changes, not even the audit log. */
        char *before = db_fingerprint(&S);
        out = apply(env, file, 0);
        assert_non_null(strstr(out, "0 created, 0 updated, 5 unchanged"));
        free(out);
        char *after = db_fingerprint(&S);
        assert_string_equal(before, after);
        free(before);
        free(after);
        /* A change in the file updates that object alone. */
        f = fopen(file, "w");
        fputs(org_yaml, f);
        fputs("  web: {escalation_policy: appsec}\n", f);
        fclose(f);
        out = apply(env, file, 0);
        assert_non_null(strstr(out, "updated service web"));
        assert_non_null(strstr(out, "0 created, 1 updated, 5 unchanged"));
        free(out);
        /* A bad file: refused before anything is sent. */
        f = fopen(file, "w");
        fputs("tems:\n  x: {members: [dana]}\n", f);
        fclose(f);
        out = apply(env, file, 2);
        assert_non_null(strstr(out, "'tems' is not one of"));
        free(out);
        /* A refusal stops at that object, naming it. */
        f = fopen(file, "w");
        fputs("teams:\n  ghosts: {members: [nobody]}\n", f);
        fclose(f);
        out = apply(env, file, 1);
        assert_non_null(strstr(out, "team ghosts refused"));
        free(out);
}

static int setup(void **state)
{
        (void)state;
        server_start(&S, "login:\n  max_failures_address: 1000\n");
        server_bootstrap(&S);
        server_user_token(&S, "ina", "incident_manager", NULL, manager, sizeof manager);
        server_user_token(&S, "rita", "responder", NULL, responder, sizeof responder);
        server_user_token(&S, "aud", "auditor", NULL, auditor, sizeof auditor);
        add_user("alice", "Europe/Berlin");
        add_user("bob", "America/New_York");
        add_user("carol", "Australia/Sydney");
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
                cmocka_unit_test(documents_validate_and_apply_idempotently),
                cmocka_unit_test(who_is_on_call),
                cmocka_unit_test(coverage_gaps_and_the_check_command),
                cmocka_unit_test(calendar_feeds_parse_back_to_the_same_shifts),
                cmocka_unit_test(apply_is_declarative_and_idempotent),
                /* Last: its schedule would count in the coverage above. */
                cmocka_unit_test(overrides_change_only_by_their_parties),
        };
        return cmocka_run_group_tests_name("oncall", tests, setup, teardown);
}
