/* The syslog door with a real sender: util-linux `logger` over UDP and TCP,
 * RFC 5424 and RFC 3164, newline framing and octet counting, CEF
 * payloads; and raw sockets for what logger will not send (garbage,
 * oversize messages, a sender outside syslog.allow, frames split across
 * writes). Drops are counted on /metrics and change nothing. The limits:
 * idle TCP connections from one address cannot lock real senders out, an
 * idle connection is closed after syslog.idle_timeout, and UDP datagrams
 * the kernel drops in a flood are counted, so that what was received and
 * what was dropped add up to what was sent. */
#include "harness.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

static struct server S;
static char auditor[128];
static unsigned port;

/* The counter of outcome on /metrics. */
static long counted(const char *outcome)
{
        struct reply r;
        char want[96];
        http(&S, "GET", "/metrics", NULL, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        snprintf(want, sizeof want, "vigil_syslog_messages_total{outcome=\"%s\"} ", outcome);
        const char *p = r.body ? strstr(r.body, want) : NULL;
        long n = p ? strtol(p + strlen(want), NULL, 10) : -1;
        reply_free(&r);
        return n;
}

/* Every syslog message counted on /metrics, all outcomes together but
 * kernel_dropped; *kernel gets that one. */
static long counted_all(long *kernel)
{
        struct reply r;
        const char *want = "vigil_syslog_messages_total{outcome=\"";
        long n = 0;
        *kernel = 0;
        http(&S, "GET", "/metrics", NULL, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        for (const char *p = r.body; p && (p = strstr(p, want)); p++) {
                const char *v = strstr(p, "} ");
                assert_non_null(v);
                long k = strtol(v + 2, NULL, 10);
                if (strncmp(p + strlen(want), "kernel_dropped\"", 15) == 0)
                        *kernel = k;
                else
                        n += k;
        }
        reply_free(&r);
        return n;
}

/* Wait (at most 10 s) until the counter of outcome reaches want. */
static void await_count(const char *outcome, long want)
{
        for (int i = 0; i < 200 && counted(outcome) < want; i++)
                usleep(50 * 1000);
        assert_int_equal(counted(outcome), want);
}

static void logger(const char *args)
{
        char cmd[1024];
        snprintf(cmd, sizeof cmd, "logger -n 127.0.0.1 -P %u %s", port, args);
        if (system(cmd) != 0)
                fail_msg("failed: %s", cmd);
}

static size_t incidents(const char *service)
{
        struct reply r;
        char path[128];
        snprintf(path, sizeof path, "/api/v1/incidents?service=%s", service);
        http(&S, "GET", path, auditor, NULL, NULL, &r);
        assert_int_equal(r.status, 200);
        size_t n = json_array_size(json_object_get(r.json, "items"));
        reply_free(&r);
        return n;
}

static void tcp_send(const char *bytes, size_t len, bool pause_midway)
{
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
        size_t half = pause_midway ? len / 2 : len;
        assert_int_equal(write(fd, bytes, half), (ssize_t)half);
        if (pause_midway) {
                usleep(200 * 1000); /* the listener sees a partial frame first */
                assert_int_equal(write(fd, bytes + half, len - half), (ssize_t)(len - half));
        }
        close(fd);
}

/* A TCP connection to the listener from source (a loopback address),
 * sending nothing. */
static int tcp_idle_from(unsigned to_port, const char *source)
{
        struct sockaddr_in from = {.sin_family = AF_INET};
        struct sockaddr_in to = {.sin_family = AF_INET,
                                 .sin_port = htons((uint16_t)to_port),
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        inet_pton(AF_INET, source, &from.sin_addr);
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        assert_true(fd >= 0);
        assert_int_equal(bind(fd, (struct sockaddr *)&from, sizeof from), 0);
        assert_int_equal(connect(fd, (struct sockaddr *)&to, sizeof to), 0);
        return fd;
}

/* Whether the server has closed fd (EOF or reset), waiting at most ms. */
static bool closed_by_server(int fd, int ms)
{
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, ms) <= 0)
                return false;
        char b;
        ssize_t n = recv(fd, &b, 1, MSG_DONTWAIT);
        return n == 0 || (n < 0 && errno == ECONNRESET);
}

static void udp_send_from(const char *source, const char *msg)
{
        struct sockaddr_in from = { .sin_family = AF_INET };
        struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        inet_pton(AF_INET, source, &from.sin_addr);
        int fd = socket(AF_INET, SOCK_DGRAM, 0);
        assert_int_equal(bind(fd, (struct sockaddr *)&from, sizeof from), 0);
        assert_int_equal(sendto(fd, msg, strlen(msg), 0, (struct sockaddr *)&to, sizeof to), (ssize_t)strlen(msg));
        close(fd);
}

static void logger_rfc5424_and_rfc3164_over_udp_and_tcp(void **state)
{
        (void)state;
        /* RFC 5424 over UDP, the service in structured data. */
        logger("--rfc5424 -d -p auth.crit -t sshd --sd-id vigil@32473 --sd-param 'service=\"bastion\"' "
               "'Failed password for root from 198.51.100.23'");
        await_count("accepted", 1);
        assert_int_equal(incidents("bastion"), 1);
        assert_int_equal(db_count(&S, "alerts", "source = 'syslog' AND service = 'bastion' AND "
                                               "json_extract(labels, '$.alertname') = 'sshd' AND "
                                               "json_extract(labels, '$.severity') = 'critical' AND "
                                               "json_extract(annotations, '$.syslog.format') = 'rfc5424'"), 1);
        /* The same again over TCP (newline framing): deduplicated, counted. */
        logger("--rfc5424 -T -p auth.crit -t sshd --sd-id vigil@32473 --sd-param 'service=\"bastion\"' "
               "'Failed password for admin from 198.51.100.23'");
        await_count("accepted", 2);
        assert_int_equal(incidents("bastion"), 1);
        assert_int_equal(db_count(&S, "alerts JOIN alert_seen ON alert_seen.alert_id = alerts.id",
                                  "service = 'bastion' AND received = 2 AND "
                                  "summary = 'Failed password for admin from 198.51.100.23'"), 1);
        /* RFC 3164 over UDP and over TCP with octet counting. */
        logger("--rfc3164 -d -p daemon.err -t tripwire 'integrity violation: /usr/bin/ssh'");
        logger("--rfc3164 -T --octet-count -p daemon.warning -t aide 'changed: /etc/passwd'");
        await_count("accepted", 4);
        assert_int_equal(db_count(&S, "alerts", "json_extract(labels, '$.alertname') = 'tripwire' AND "
                                               "json_extract(annotations, '$.syslog.format') = 'rfc3164' AND "
                                               "summary = 'integrity violation: /usr/bin/ssh'"), 1);
        assert_int_equal(db_count(&S, "alerts", "json_extract(labels, '$.alertname') = 'aide' AND "
                                               "json_extract(labels, '$.severity') = 'warning'"), 1);
        /* Below min_severity (notice): counted as dropped, nothing kept. */
        logger("--rfc5424 -d -p user.info -t cron 'job done'");
        await_count("below_severity", 1);
        assert_int_equal(db_count(&S, "alerts", "json_extract(labels, '$.alertname') = 'cron'"), 0);
}

static void cef_over_tcp(void **state)
{
        (void)state;
        logger("--rfc5424 -T --octet-count -p local4.warning -t ids "
               "'CEF:0|Acme|Sentinel IDS|4.2|1001|SQL injection attempt|9|src=203.0.113.5 dst=10.0.0.8 "
               "cs1Label=service cs1=shop msg=union select'");
        await_count("accepted", 5);
        assert_int_equal(incidents("shop"), 1);
        assert_int_equal(db_count(&S, "alerts", "json_extract(labels, '$.alertname') = 'SQL injection attempt' AND "
                                               "json_extract(labels, '$.severity') = 'critical' AND "
                                               "json_extract(labels, '$.src') = '203.0.113.5' AND "
                                               "json_extract(annotations, '$.cef.extension.msg') = 'union select'"),
                         1);
}

static void framing_and_bad_input(void **state)
{
        (void)state;
        long accepted = counted("accepted");
        char *before = db_fingerprint(&S);
        /* Garbage, an oversize line, a sender not allowed: dropped and counted. */
        const char garbage[] = "this is not syslog\n";
        tcp_send(garbage, sizeof garbage - 1, false);
        await_count("malformed", 1);
        char big[3000];
        memset(big, 'x', sizeof big);
        memcpy(big, "<11>1 - h app - - - ", 20);
        big[sizeof big - 1] = '\n';
        tcp_send(big, sizeof big, false);
        await_count("oversize", 1);
        udp_send_from("127.0.0.2", "<11>1 - h app - - - from a stranger");
        await_count("sender_refused", 1);
        char *after = db_fingerprint(&S);
        assert_string_equal(before, after);
        free(before);
        free(after);
        /* Octet-counted frames back to back, split mid-frame across writes,
         * a bad one between good ones on the same connection. */
        const char *m1 = "<11>1 - h1 split - - - first";
        const char *m2 = "<11>1 - h2 split - - - second";
        char stream[512];
        int n = snprintf(stream, sizeof stream, "%zu %s%zu %sgarbage line\n", strlen(m1), m1, strlen(m2), m2);
        tcp_send(stream, (size_t)n, true);
        await_count("accepted", accepted + 2);
        assert_int_equal(db_count(&S, "alerts", "json_extract(labels, '$.alertname') = 'split'"), 2);
        assert_int_equal(counted("malformed"), 2);
}

#define IDLE_FLOOD  300 /* more than the 256 connections the listener holds in all */
#define PER_ADDRESS 4

static void idle_connections_do_not_lock_senders_out(void **state)
{
        (void)state;
        long accepted = counted("accepted");
        /* 127.0.0.3 is allowed to send, and opens connections it never uses. */
        static int idle[IDLE_FLOOD];
        for (int i = 0; i < IDLE_FLOOD; i++)
                idle[i] = tcp_idle_from(port, "127.0.0.3");
        /* A real sender still gets its message in. */
        logger("--rfc5424 -T --octet-count -p auth.crit -t pam 'session opened after the idle "
               "flood'");
        await_count("accepted", accepted + 1);
        assert_int_equal(db_count(&S, "alerts", "summary = 'session opened after the idle flood'"),
                         1);
        /* The listener had taken every earlier connection by then: it kept
         * syslog.max_connections_per_address of them and closed the rest. */
        int open = 0;
        for (int i = 0; i < IDLE_FLOOD; i++)
                open += !closed_by_server(idle[i], 0);
        assert_int_equal(open, PER_ADDRESS);
        for (int i = 0; i < IDLE_FLOOD; i++)
                close(idle[i]);
}

static void an_idle_connection_is_closed(void **state)
{
        (void)state;
        struct server s2;
        char extra[256];
        unsigned p2 = free_port();
        snprintf(extra, sizeof extra,
                 "syslog:\n  tcp: 127.0.0.1:%u\n  allow: 127.0.0.1\n  idle_timeout: 1s\n", p2);
        server_start(&s2, extra);
        int fd = tcp_idle_from(p2, "127.0.0.1");
        bool closed = false;
        for (int i = 0; i < 100 && !closed; i++) /* up to 10 s, for slow sanitizer builds */
                closed = closed_by_server(fd, 100);
        assert_true(closed);
        close(fd);
        char *log = read_text_file(s2.log);
        assert_non_null(log);
        assert_non_null(
                strstr(log, "syslog connection closed: idle longer than syslog.idle_timeout"));
        free(log);
        assert_int_equal(server_finish(&s2), 0);
}

/* Datagrams the kernel dropped on all interfaces (the second column of
 * /proc/net/softnet_stat, summed over CPUs): loopback packets dropped
 * before they reach any socket, which no socket's counter can see. */
static long softnet_dropped(void)
{
        FILE *f = fopen("/proc/net/softnet_stat", "r");
        long total = 0;
        unsigned long processed, dropped;
        char line[512];
        while (f && fgets(line, sizeof line, f))
                if (sscanf(line, "%lx %lx", &processed, &dropped) == 2)
                        total += (long)dropped;
        if (f)
                fclose(f);
        return total;
}

#define FLOOD 20000

static void a_udp_flood_is_counted(void **state)
{
        (void)state;
        long kernel0, kernel, received0 = counted_all(&kernel0), softnet0 = softnet_dropped();
        struct sockaddr_in to = {.sin_family = AF_INET,
                                 .sin_port = htons((uint16_t)port),
                                 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        int fd = socket(AF_INET, SOCK_DGRAM, 0);
        assert_true(fd >= 0);
        long sent = 0;
        for (int i = 0; i < FLOOD; i++) {
                char msg[96];
                int n = snprintf(msg, sizeof msg, "<11>1 - flood-host flood - - - datagram %d", i);
                sent += sendto(fd, msg, (size_t)n, 0, (struct sockaddr *)&to, sizeof to) == n;
        }
        /* Wait until the listener has drained its buffer (the count holds
         * still), then one more datagram carries the kernel's drop count. */
        long last = -1, now = counted_all(&kernel);
        for (int i = 0; i < 300 && now != last; i++) {
                usleep(200 * 1000);
                last = now;
                now = counted_all(&kernel);
        }
        const char marker[] = "<11>1 - flood-host flood - - - the last one";
        sent += sendto(fd, marker, sizeof marker - 1, 0, (struct sockaddr *)&to, sizeof to) ==
                sizeof marker - 1;
        close(fd);
        for (int i = 0; i < 200 && db_count(&S, "alerts", "summary = 'the last one'") == 0; i++)
                usleep(50 * 1000);
        assert_int_equal(db_count(&S, "alerts", "summary = 'the last one'"), 1);
        /* The marker is committed; its count follows the commit. */
        for (int i = 0; i < 100 && counted_all(&kernel) == now; i++)
                usleep(50 * 1000);
        long received = counted_all(&kernel) - received0, dropped = kernel - kernel0;
        long lost = softnet_dropped() - softnet0;
        print_message("# udp flood: sent %ld, received %ld, kernel_dropped %ld, softnet drops "
                      "meanwhile %ld\n",
                      sent, received, dropped, lost);
        assert_true(dropped > 0);
        /* Every datagram was either received or counted as dropped, but
         * for any the kernel dropped before the socket (counted in
         * softnet_stat, system-wide, so an upper bound). */
        assert_true(received + dropped <= sent);
        assert_true(received + dropped >= sent - lost);
        /* The buffer the kernel granted is on /metrics. */
        struct reply r;
        http(&S, "GET", "/metrics", NULL, NULL, NULL, &r);
        const char *g = r.body ? strstr(r.body, "\nvigil_syslog_udp_receive_buffer_bytes ") : NULL;
        assert_non_null(g);
        assert_true(strtol(g + 39, NULL, 10) >= 16384);
        reply_free(&r);
}

static int setup(void **state)
{
        (void)state;
        char extra[512];
        port = free_port();
        snprintf(
                extra, sizeof extra,
                "syslog:\n  udp: 127.0.0.1:%u\n  tcp: 127.0.0.1:%u\n  allow: 127.0.0.1, 127.0.0.3\n"
                "  min_severity: notice\n  max_message: 2KiB\n  max_connections_per_address: %d\n"
                "  receive_buffer: 16KiB\n",
                port, port, PER_ADDRESS);
        server_start(&S, extra);
        server_user_token(&S, "aud", "auditor", NULL, auditor, sizeof auditor);
        if (system("command -v logger >/dev/null") != 0)
                fail_msg("logger is not installed: run scripts/deps.sh --test");
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
                cmocka_unit_test(logger_rfc5424_and_rfc3164_over_udp_and_tcp),
                cmocka_unit_test(cef_over_tcp),
                cmocka_unit_test(framing_and_bad_input),
                cmocka_unit_test(idle_connections_do_not_lock_senders_out),
                cmocka_unit_test(an_idle_connection_is_closed),
                cmocka_unit_test(a_udp_flood_is_counted),
        };
        return cmocka_run_group_tests_name("syslog", tests, setup, teardown);
}
