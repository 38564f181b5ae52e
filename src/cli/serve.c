/* vigil serve: run the server until SIGTERM or SIGINT.
 *
 * Threads: the main thread only waits for signals (they are blocked in every
 * thread, so sigtimedwait receives them); libmicrohttpd's pool answers
 * requests. SIGHUP reloads the configuration file: what can change live does,
 * and what needs a restart is logged.
 *
 * Intake is started here, beside its doors: the intake writer (group
 * commit) first, then the HTTP server and the syslog listener, which both
 * borrow it. Stopping goes the other way: the doors stop accepting, the
 * writer drains (every batch handed over is committed and answered), and
 * only then do the daemon and the store close. */
#include "cli/cli.h"

#include "base/clock.h"
#include "base/log.h"
#include "base/rules.h"
#include "base/templates.h"
#include "core/error.h"
#include "http/http.h"
#include "intake/intake.h"
#include "intake/syslog_server.h"
#include "jobs/jobs.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RELOADS_MAX 64

static const char serve_usage[] =
        "usage: vigil -c FILE serve [--check-config]\n"
        "\n"
        "Run the server with the configuration FILE (YAML). With --check-config,\n"
        "validate the file and exit: 0 when valid, 3 with FILE:LINE: reason when not.\n"
        "Signals: SIGTERM or SIGINT stop gracefully (requests in flight finish);\n"
        "SIGHUP reloads log_level, limits, session, login, intake (routes, grouping,\n"
        "tokens) and syslog settings; listener addresses need a restart.\n";

int cli_config(struct cli *cli, struct config **ret)
{
        char err[512];
        if (!cli->config_path) {
                fprintf(stderr, "vigil: no configuration: pass -c FILE or set VIGIL_CONFIG\n");
                return -VG_ECONFIG;
        }
        int r = config_load(cli->config_path, ret, err, sizeof err);
        if (r < 0)
                fprintf(stderr, "vigil: %s\n", err);
        return r;
}

int cli_store(const struct config *cfg, struct store **ret)
{
        char err[512] = "";
        int r = store_open(cfg->database, ret, err, sizeof err);
        if (r < 0)
                fprintf(stderr, "vigil: store: %s\n", err[0] ? err : vg_strerror(r));
        return r;
}

static void cleanup_sessions(struct store *store, const struct config *cfg)
{
        struct store_tx *tx;
        vg_usec_t now = clock_now();
        if (store_begin(store, &tx) < 0)
                return;
        int n = store_session_delete_expired(tx, now - cfg->session.idle_timeout * VG_USEC_PER_SEC, now);
        if (n >= 0 && store_commit(tx) >= 0) {
                if (n > 0)
                        log_event(LOG_LVL_INFO, "expired sessions removed", "count=%d", n);
        } else if (n < 0) {
                store_rollback(tx);
        }
}

/* Two optional strings are equal. */
static bool same(const char *a, const char *b)
{
        return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

int cmd_serve(struct cli *cli, int argc, char **argv)
{
        struct config *configs[RELOADS_MAX + 1] = { 0 };
        unsigned n_configs = 0;
        struct store *store = NULL;
        struct intake_committer *committer = NULL;
        struct http_server *srv = NULL;
        struct syslog_server *sl = NULL;
        struct jobs_worker *jobs = NULL;
        bool check = false;
        char err[512];
        int rc = EXIT_FAIL;

        if (wants_help(argc, argv)) {
                fputs(serve_usage, stdout);
                return EXIT_OK;
        }
        for (int i = 1; i < argc; i++) {
                if (strcmp(argv[i], "--check-config") == 0)
                        check = true;
                else {
                        fprintf(stderr, "vigil serve: unknown argument '%s'\n%s", argv[i], serve_usage);
                        return EXIT_USAGE;
                }
        }
        if (cli_config(cli, &configs[0]) < 0)
                return EXIT_CONFIG;
        n_configs = 1;
        struct config *cfg = configs[0];
        /* The notification rules must be sound before anything starts. */
        struct rule_set rules;
        if (rules_load(cfg->rules, &rules, err, sizeof err) < 0) {
                fprintf(stderr, "vigil: %s\n", err);
                config_free(cfg);
                return EXIT_CONFIG;
        }
        struct notice_templates templates;
        if (notice_templates_load(cfg->notices.templates, &templates, err, sizeof err) < 0) {
                fprintf(stderr, "vigil: %s\n", err);
                rule_set_fini(&rules);
                config_free(cfg);
                return EXIT_CONFIG;
        }
        if (check) {
                printf("%s: configuration ok; %s: %zu rules, version %s; notice templates in %s\n", cfg->path,
                       cfg->rules, rules.n, rules.version, cfg->notices.templates);
                rule_set_fini(&rules);
                notice_templates_fini(&templates);
                config_free(cfg);
                return EXIT_OK;
        }
        log_event(LOG_LVL_INFO, "notification rules loaded", "file=%s version=%s rules=%zu", cfg->rules, rules.version,
                  rules.n);
        log_set_level(cfg->log_level);
        log_set_node(cfg->node);

        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGHUP);
        pthread_sigmask(SIG_BLOCK, &set, NULL);
        signal(SIGPIPE, SIG_IGN);

        if (cli_store(cfg, &store) < 0)
                goto out;
        if (intake_committer_new(store, &committer) < 0) {
                log_event(LOG_LVL_ERROR, "cannot start the intake writer", NULL);
                goto out;
        }
        if (http_server_start(cfg, store, committer, &srv, err, sizeof err) < 0) {
                log_event(LOG_LVL_ERROR, "cannot start", "detail=\"%s\"", err);
                goto out;
        }
        http_server_set_rules(srv, &rules);
        http_server_set_templates(srv, &templates);
        char shown[512];
        store_url_shown(cfg->database, shown, sizeof shown);
        log_event(LOG_LVL_INFO, "listening", "addr=%s port=%u database=%s version=%s",
                  cfg->listen_host, http_server_port(srv), shown, VIGIL_VERSION);
        if (jobs_worker_start(store, cfg, &jobs) < 0) {
                log_event(LOG_LVL_ERROR, "cannot start the job worker", NULL);
                goto out;
        }
        if (syslog_server_start(cfg, committer, &sl, err, sizeof err) < 0) {
                log_event(LOG_LVL_ERROR, "cannot start", "detail=\"%s\"", err);
                goto out;
        }
        if (sl) {
                unsigned udp, tcp;
                syslog_server_ports(sl, &udp, &tcp);
                http_server_set_syslog(srv, sl);
                log_event(LOG_LVL_INFO, "syslog listening", "udp_port=%u tcp_port=%u", udp, tcp);
        }

        for (;;) {
                struct timespec tick = { .tv_sec = 60 };
                int sig = sigtimedwait(&set, NULL, &tick);
                if (sig < 0) {
                        if (errno == EAGAIN)
                                cleanup_sessions(store, cfg);
                        continue;
                }
                if (sig == SIGHUP) {
                        struct config *next;
                        if (n_configs > RELOADS_MAX) {
                                log_event(LOG_LVL_WARN, "reload refused: too many reloads; restart", NULL);
                                continue;
                        }
                        if (config_load(cfg->path, &next, err, sizeof err) < 0) {
                                char q[600];
                                log_event(LOG_LVL_ERROR, "reload failed; keeping the running configuration",
                                          "detail=%s", log_quote(err, q, sizeof q));
                                continue;
                        }
                        char what[128];
                        http_server_reload(srv, next, what, sizeof what);
                        syslog_server_reload(sl, next);
                        jobs_worker_reload(jobs, next);
                        if (!same(cfg->syslog.udp, next->syslog.udp) || !same(cfg->syslog.tcp, next->syslog.tcp)) {
                                size_t n = strlen(what);
                                snprintf(what + n, sizeof what - n, "%ssyslog", n ? "," : "");
                        }
                        configs[n_configs++] = next;
                        cfg = next;
                        log_event(LOG_LVL_INFO, "configuration reloaded", "log_level=%s%s%s",
                                  log_level_to_string(cfg->log_level),
                                  what[0] ? " needs_restart=" : "", what);
                        continue;
                }
                log_event(LOG_LVL_INFO, "stopping", "signal=%s", sig == SIGTERM ? "TERM" : "INT");
                break;
        }
        rc = EXIT_OK;
out:;
        /* Stop accepting: the syslog listener commits the batch in hand and
         * closes its sockets; the HTTP server refuses new connections and
         * gives the requests in flight the grace to finish (parked intake
         * requests are committed meanwhile). Then drain the writer, so no
         * batch is left queued for a request the daemon is about to drop,
         * let the requests it answered go out, and stop the daemon. The
         * store closes last. */
        vg_usec_t grace = cfg->shutdown_grace * VG_USEC_PER_SEC, deadline = clock_mono() + grace;
        if (srv)
                http_server_set_syslog(srv, NULL);
        sl = syslog_server_stop(sl);
        http_server_quiesce(srv, grace);
        intake_committer_stop(committer);
        vg_usec_t left = clock_mono() < deadline ? deadline - clock_mono() : 0;
        srv = http_server_stop(srv, left);
        committer = intake_committer_free(committer);
        jobs = jobs_worker_stop(jobs);
        rule_set_fini(&rules);
        notice_templates_fini(&templates);
        store = store_close(store);
        for (unsigned i = 0; i < n_configs; i++)
                config_free(configs[i]);
        if (rc == EXIT_OK)
                log_event(LOG_LVL_INFO, "stopped", NULL);
        return rc;
}
