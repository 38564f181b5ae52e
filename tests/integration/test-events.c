/* The change stream, GET /api/v1/events, read as a browser's EventSource
 * reads it: a long-lived text/event-stream over a real connection (libcurl
 * on a thread), with the changes made through the API meanwhile. Each role
 * hears of what it may read and of nothing else, a reconnect with
 * Last-Event-ID misses nothing, new alerts are told, the open streams are
 * bounded, and a server stopping with streams open exits cleanly. */
#include "harness.h"

#include <curl/curl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#define INTAKE_TOKEN "intake-token-for-events-0123456789"

static struct server S;
static char responder[128], auditor[128], tenant_admin[128], comms[128];

/* One stream read on its own thread until needle arrives (or the wait). */
struct sse {
        char url[256];
        char auth[200];
        char last_id[64];   /* Last-Event-ID to send, "" for none */
        const char *needle; /* stop when the text holds it */
        long wait_ms;
        char text[1 << 16];
        size_t len;
        long status;
        atomic_bool opened; /* the first piece (the retry: line) arrived */
        bool found;
        CURLcode cc;
        pthread_t thread;
};

static size_t sse_data(char *data, size_t size, size_t n, void *userdata)
{
        struct sse *s = userdata;
        size_t add = size * n;
        if (add > sizeof s->text - 1 - s->len)
                add = sizeof s->text - 1 - s->len;
        memcpy(s->text + s->len, data, add);
        s->len += add;
        s->text[s->len] = '\0';
        atomic_store(&s->opened, true);
        if (s->needle && strstr(s->text, s->needle)) {
                s->found = true;
                return 0;
        }
        return size * n;
}

static void *sse_run(void *arg)
{
        struct sse *s = arg;
        CURL *c = curl_easy_init();
        struct curl_slist *h = curl_slist_append(NULL, s->auth);
        h = curl_slist_append(h, "Accept: text/event-stream");
        if (s->last_id[0]) {
                char line[96];
                snprintf(line, sizeof line, "Last-Event-ID: %s", s->last_id);
                h = curl_slist_append(h, line);
        }
        curl_easy_setopt(c, CURLOPT_URL, s->url);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sse_data);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, s->wait_ms);
        s->cc = curl_easy_perform(c);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &s->status);
        atomic_store(&s->opened, true);
        curl_slist_free_all(h);
        curl_easy_cleanup(c);
        return NULL;
}

/* Open a stream as token on srv and wait until it is open. */
static struct sse *sse_open(struct server *srv, const char *token, const char *last_id,
                            const char *needle, long wait_ms)
{
        struct sse *s = calloc(1, sizeof *s);
        assert_non_null(s);
        snprintf(s->url, sizeof s->url, "%s/api/v1/events", srv->url);
        snprintf(s->auth, sizeof s->auth, "Authorization: Bearer %s", token);
        snprintf(s->last_id, sizeof s->last_id, "%s", last_id ? last_id : "");
        s->needle = needle;
        s->wait_ms = wait_ms;
        assert_int_equal(pthread_create(&s->thread, NULL, sse_run, s), 0);
        for (int i = 0; i < 500 && !atomic_load(&s->opened); i++)
                usleep(10000);
        assert_true(atomic_load(&s->opened));
        return s;
}

static void sse_join(struct sse *s)
{
        pthread_join(s->thread, NULL);
}

/* The id line of the event whose data holds needle. */
static long long event_id_of(const struct sse *s, const char *needle)
{
        const char *at = strstr(s->text, needle);
        assert_non_null(at);
        const char *id = NULL;
        for (const char *p = s->text; p && p < at; p = strstr(p + 1, "id: "))
                if (p == s->text ? strncmp(p, "id: ", 4) == 0 : p[-1] == '\n')
                        id = p;
        assert_non_null(id);
        return atoll(id + 4);
}

static char *open_incident(const char *title)
{
        json_t *inc;
        char body[256];
        snprintf(body, sizeof body,
                 "{\"title\":\"%s\",\"severity\":\"sev3\",\"source\":\"employee\"}", title);
        assert_int_equal(api_call(&S, "POST", "/api/v1/incidents", responder, body, &inc), 201);
        char *key = strdup(json_string_value(json_object_get(inc, "key")));
        json_decref(inc);
        return key;
}

static void create_user(const char *name)
{
        char body[256];
        snprintf(body, sizeof body,
                 "{\"name\":\"%s\",\"role\":\"responder\",\"password\":\"a long password 12\"}", name);
        assert_int_equal(api_call(&S, "POST", "/api/v1/users", S.admin_token, body, NULL), 201);
}

/* The user is created before the incident, and a stream sends links in
 * order: when the responder's stream has the incident, it would already
 * hold the user's link had it been sent. */
static void staff_hear_what_they_may_read_and_nothing_else(void **state)
{
        (void)state;
        struct sse *resp = sse_open(&S, responder, NULL, "\"action\":\"incident.create\"", 10000);
        struct sse *aud = sse_open(&S, auditor, NULL, "\"action\":\"incident.create\"", 10000);
        struct sse *com = sse_open(&S, comms, NULL, "\"action\":\"incident.create\"", 10000);
        create_user("eve-events");
        char *key = open_incident("Event stream: what each role hears");
        char want[128];
        snprintf(want, sizeof want, "\"object\":\"incident:%s\"", key);
        sse_join(resp);
        sse_join(aud);
        sse_join(com);

        assert_int_equal(resp->status, 200);
        assert_true(resp->found);
        assert_non_null(strstr(resp->text, "retry: 3000\n\n"));
        assert_non_null(strstr(resp->text, "event: change\ndata: {"));
        assert_non_null(strstr(resp->text, want));
        assert_null(strstr(resp->text, "\"object\":\"user:"));
        assert_true(com->found);
        assert_null(strstr(com->text, "\"object\":\"user:"));
        /* The auditor hears of accounts too, before the incident. */
        assert_true(aud->found);
        const char *user = strstr(aud->text, "\"action\":\"user.create\"");
        assert_non_null(user);
        assert_true(user < strstr(aud->text, want));
        /* Ids are the chain's seqs, increasing. */
        assert_true(event_id_of(aud, "\"action\":\"user.create\"") < event_id_of(aud, want));
        /* No change's content is sent, only what changed. */
        assert_null(strstr(aud->text, "Event stream: what each role hears"));
        free(key);
        free(resp);
        free(aud);
        free(com);
}

/* A browser that lost its connection comes back with the last id it got
 * and is sent what happened meanwhile, though nobody listened then. */
static void a_reconnect_misses_nothing(void **state)
{
        (void)state;
        struct sse *s = sse_open(&S, responder, NULL, "\"action\":\"incident.create\"", 10000);
        char *a = open_incident("Event stream: before the gap");
        sse_join(s);
        assert_true(s->found);
        char want_a[128], last[32];
        /* The id of A's first link: what the browser got last. */
        snprintf(want_a, sizeof want_a, "\"object\":\"incident:%s\"", a);
        snprintf(last, sizeof last, "%lld", event_id_of(s, want_a));

        char *b = open_incident("Event stream: in the gap");
        usleep(600000); /* the poller has read it: nobody is listening */
        char want_b[128];
        snprintf(want_b, sizeof want_b, "\"object\":\"incident:%s\"", b);
        struct sse *again = sse_open(&S, responder, last, want_b, 10000);
        sse_join(again);
        if (!again->found) print_message("resumed from %s:\n%s\n", last, again->text);
        assert_true(again->found);
        /* Only what came after: every id is past the resume point. */
        int ids = 0;
        for (const char *p = strstr(again->text, "\nid: "); p; p = strstr(p + 1, "\nid: ")) {
                assert_true(atoll(p + 5) > atoll(last));
                ids++;
        }
        assert_true(ids >= 1);
        assert_null(strstr(again->text, "event: reset"));

        /* An id ahead of the chain (a store restored from a backup) cannot
         * be resumed from: the console is told to reload. */
        struct sse *ahead = sse_open(&S, responder, "999999999", "event: reset", 10000);
        sse_join(ahead);
        assert_true(ahead->found);
        free(a);
        free(b);
        free(s);
        free(again);
        free(ahead);
}

static void new_alerts_are_told(void **state)
{
        (void)state;
        struct sse *s = sse_open(&S, responder, NULL, "event: alerts\ndata: {\"newest\":", 10000);
        struct reply r;
        static const char *const bearer[] = {"Authorization: Bearer " INTAKE_TOKEN, NULL};
        http(&S, "POST", "/api/v2/alerts", NULL, bearer,
             "[{\"labels\":{\"alertname\":\"EventStreamAlert\",\"service\":\"events\"}}]", &r);
        assert_int_equal(r.status, 200);
        reply_free(&r);
        sse_join(s);
        assert_true(s->found);
        free(s);
}

/* Who may open a stream, and what a bad resume point gets. */
static void stream_refusals(void **state)
{
        (void)state;
        struct reply r;
        http(&S, "GET", "/api/v1/events", tenant_admin, NULL, NULL, &r);
        assert_int_equal(r.status, 403);
        reply_free(&r);
        http(&S, "GET", "/api/v1/events", NULL, NULL, NULL, &r);
        assert_int_equal(r.status, 401);
        reply_free(&r);
        static const char *const bad[] = {"Last-Event-ID: 12abc", NULL};
        http(&S, "GET", "/api/v1/events", responder, bad, NULL, &r);
        assert_int_equal(r.status, 400);
        assert_non_null(strstr(r.body, "Last-Event-ID"));
        reply_free(&r);
        static const char *const negative[] = {"Last-Event-ID: -4", NULL};
        http(&S, "GET", "/api/v1/events", responder, negative, NULL, &r);
        assert_int_equal(r.status, 400);
        reply_free(&r);
        /* The harness cuts a stream after its first piece. */
        http(&S, "GET", "/api/v1/events", responder, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        assert_non_null(strstr(reply_header(&r, "Content-Type"), "text/event-stream"));
        reply_free(&r);
}

static size_t count_open(char *data, size_t size, size_t n, void *userdata)
{
        (void)data;
        atomic_int *opened = userdata;
        atomic_fetch_add(opened, 1);
        return size * n;
}

/* 256 streams are kept on a node; one more is refused with 503 and
 * Retry-After, and once the 256 are closed the slots are free again. */
static void open_streams_are_bounded(void **state)
{
        (void)state;
        enum { N = 256 };
        /* A node of its own: the streams the cases before closed hold
         * their slots on S until they next have something to send. */
        struct server B;
        server_start_sibling(&B, &S, NULL);
        CURLM *m = curl_multi_init();
        CURL *e[N];
        atomic_int got[N];
        char url[256], auth[200];
        snprintf(url, sizeof url, "%s/api/v1/events", B.url);
        snprintf(auth, sizeof auth, "Authorization: Bearer %s", responder);
        struct curl_slist *h = curl_slist_append(NULL, auth);
        for (int i = 0; i < N; i++) {
                atomic_init(&got[i], 0);
                e[i] = curl_easy_init();
                curl_easy_setopt(e[i], CURLOPT_URL, url);
                curl_easy_setopt(e[i], CURLOPT_HTTPHEADER, h);
                curl_easy_setopt(e[i], CURLOPT_WRITEFUNCTION, count_open);
                curl_easy_setopt(e[i], CURLOPT_WRITEDATA, &got[i]);
                curl_multi_add_handle(m, e[i]);
        }
        /* A stream refused for the moment (503: on PostgreSQL, a pool of
         * connections busy with the other 255 opening at once) is tried
         * again, as a browser's EventSource would; an open one is one
         * that answered 200 and has not ended. */
        int running = 0, open = 0, retried = 0;
        for (int round = 0; round < 3000 && open < N; round++) {
                curl_multi_perform(m, &running);
                int queued;
                for (CURLMsg *msg; (msg = curl_multi_info_read(m, &queued)) != NULL;) {
                        for (int i = 0; i < N; i++)
                                if (msg->msg == CURLMSG_DONE && msg->easy_handle == e[i]) {
                                        curl_multi_remove_handle(m, e[i]);
                                        atomic_store(&got[i], 0);
                                        curl_multi_add_handle(m, e[i]);
                                        retried++;
                                }
                }
                curl_multi_poll(m, NULL, 0, 10, NULL);
                open = 0;
                for (int i = 0; i < N; i++) {
                        long code = 0;
                        curl_easy_getinfo(e[i], CURLINFO_RESPONSE_CODE, &code);
                        open += atomic_load(&got[i]) > 0 && code == 200;
                }
        }
        if (retried)
                print_message("# %d stream requests were refused for the moment and tried again\n",
                              retried);
        assert_int_equal(open, N);

        struct reply r;
        http(&B, "GET", "/api/v1/events", responder, NULL, NULL, &r);
        assert_int_equal(r.status, 503);
        assert_non_null(strstr(r.body, "256 change streams"));
        assert_string_equal(reply_header(&r, "Retry-After"), "5");
        reply_free(&r);

        for (int i = 0; i < N; i++) {
                curl_multi_remove_handle(m, e[i]);
                curl_easy_cleanup(e[i]);
        }
        curl_multi_cleanup(m);
        curl_slist_free_all(h);
        /* A waiting stream learns its browser left when it next has
         * something to send: a change wakes them all (the first write to
         * a closed socket may still be taken by the kernel; the next
         * one fails, so a change a second). */
        long status = 0;
        for (int i = 0; i < 100 && status != 200; i++) {
                if (i % 10 == 0)
                        free(open_incident("Event stream: wake the closed ones"));
                usleep(100000);
                http(&B, "GET", "/api/v1/events", responder, NULL, NULL, &r);
                status = r.status;
                reply_free(&r);
        }
        assert_int_equal(status, 200);
        assert_int_equal(server_finish(&B), 0);
}

/* With two nodes on one store, a console on either hears of changes made
 * through the other. */
static void a_stream_carries_changes_from_every_node(void **state)
{
        (void)state;
        struct server B;
        server_start_sibling(&B, &S, NULL);
        struct sse *s = sse_open(&B, responder, NULL, "\"action\":\"incident.create\"", 10000);
        char *key = open_incident("Event stream: made on the first node");
        sse_join(s);
        char want[128];
        snprintf(want, sizeof want, "\"object\":\"incident:%s\"", key);
        assert_true(s->found);
        assert_non_null(strstr(s->text, want));
        free(key);
        free(s);
        assert_int_equal(server_finish(&B), 0);
}

/* A server stopping with a stream open ends the stream and exits 0, well
 * inside its grace. */
static void stopping_ends_the_streams(void **state)
{
        (void)state;
        struct server T;
        char token[128];
        server_start(&T, NULL);
        server_bootstrap(&T);
        server_user_token(&T, "rhea", "responder", NULL, token, sizeof token);
        struct sse *s = sse_open(&T, token, NULL, NULL, 30000);
        assert_int_equal(server_finish(&T), 0);
        sse_join(s);
        assert_int_equal(s->status, 200);
        assert_int_equal(s->cc, CURLE_OK); /* ended by the server, not the wait */
        free(s);
}

static int setup(void **state)
{
        (void)state;
        server_start(&S, "intake:\n  token: " INTAKE_TOKEN "\n");
        server_bootstrap(&S);
        server_user_token(&S, "rita", "responder", NULL, responder, sizeof responder);
        server_user_token(&S, "aud", "auditor", NULL, auditor, sizeof auditor);
        server_user_token(&S, "cora", "communications", NULL, comms, sizeof comms);
        server_user_token(&S, "tina", "tenant_admin", "acme", tenant_admin, sizeof tenant_admin);
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
                cmocka_unit_test(staff_hear_what_they_may_read_and_nothing_else),
                cmocka_unit_test(a_reconnect_misses_nothing),
                cmocka_unit_test(new_alerts_are_told),
                cmocka_unit_test(stream_refusals),
                cmocka_unit_test(open_streams_are_bounded),
                cmocka_unit_test(a_stream_carries_changes_from_every_node),
                cmocka_unit_test(stopping_ends_the_streams),
        };
        return cmocka_run_group_tests_name("events", tests, setup, teardown);
}
