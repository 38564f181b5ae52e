/* Changing a user (account_user_update) without HTTP, on a throw-away
 * store: the user as it would be is checked, an admin keeps their own
 * admin role, and a new password ends what it vouched for. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "base/secret.h"
#include "cases/account.h"
#include "cases/feeds.h"
#include "core/error.h"
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const touched[] = {
        "SELECT count(*) FROM users",
        "SELECT coalesce(sum(updated_at), 0) FROM users",
        "SELECT count(*) FROM sessions",
        "SELECT count(*) FROM api_tokens WHERE revoked_at IS NULL OR revoked_at = 0",
        "SELECT count(*) FROM audit_log",
        NULL,
};

struct fixture {
        struct case_fixture *cf;
        int64_t ada, rita;
        int64_t tokens[2]; /* rita's */
};

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof *f);
        if (!f || !(f->cf = case_fixture_new("account-cases")))
                return -1;
        f->ada = fx_user(f->cf, "ada", ROLE_ADMIN, false);
        f->rita = fx_user(f->cf, "rita", ROLE_RESPONDER, false);
        struct store_tx *tx;
        assert_int_equal(store_begin(f->cf->s, &tx), 0);
        struct session s = {.user_id = f->rita, .created_at = FX_T0, .last_seen = FX_T0,
                            .expires_at = FX_T0 + 3600 * FX_S};
        s.token_hash[0] = 1;
        assert_int_equal(store_session_insert(tx, &s), 0);
        for (int i = 0; i < 2; i++) {
                struct api_token t = {.user_id = f->rita, .created_at = FX_T0};
                snprintf(t.name, sizeof t.name, "t%d", i);
                snprintf(t.prefix, sizeof t.prefix, "p%d", i);
                t.token_hash[0] = (uint8_t)(2 + i);
                assert_int_equal(store_token_insert(tx, &t), 0);
                f->tokens[i] = t.id;
        }
        assert_int_equal(store_commit(tx), 0);
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;
        int r = case_fixture_free(f->cf);
        free(f);
        return r;
}

/* account_user_update of name as actor (id actor_id), in its own transaction. */
static int update(struct fixture *f, const char *actor, int64_t actor_id, const char *name, int64_t keep,
                  const struct user_change *c, struct user *u, struct case_outcome *o)
{
        struct store_tx *tx;
        struct actor a = fx_actor(actor);
        a.user_id = actor_id;
        case_outcome_init(o);
        assert_int_equal(store_begin(f->cf->s, &tx), 0);
        assert_int_equal(store_user_get_by_name(tx, name, u), 0);
        int r = store_finish(tx, account_user_update(tx, &a, FX_T0 + FX_S, keep, u, c, o));
        secret_wipe(u->password_hash, sizeof u->password_hash);
        return r;
}

static void refusals_change_nothing(void **state)
{
        struct fixture *f = *state;
        struct fx_snapshot before;
        struct case_outcome o;
        struct user u;
        fx_snap(f->cf, touched, &before);

        const struct user_change demote = {.role = "responder", .disabled = -1};
        assert_int_equal(update(f, "ada", f->ada, "ada", 0, &demote, &u, &o), -VG_ECONFLICT);
        assert_non_null(strstr(o.detail, "their own account"));
        const struct user_change off = {.disabled = 1};
        assert_int_equal(update(f, "ada", f->ada, "ada", 0, &off, &u, &o), -VG_ECONFLICT);
        /* As the user would be: a tenant_admin needs a tenant, a password its length. */
        const struct user_change tenantless = {.role = "tenant_admin", .disabled = -1};
        assert_int_equal(update(f, "ada", f->ada, "rita", 0, &tenantless, &u, &o), -VG_EVALIDATION);
        assert_string_equal(o.errors.e[0].field, "tenant");
        const struct user_change short_pw = {.disabled = -1, .password = "short"};
        assert_int_equal(update(f, "ada", f->ada, "rita", 0, &short_pw, &u, &o), -VG_EVALIDATION);
        assert_string_equal(o.errors.e[0].field, "password");
        fx_assert_unchanged(f->cf, touched, &before);
}

static void a_new_password_ends_what_it_vouched_for(void **state)
{
        struct fixture *f = *state;
        struct case_outcome o;
        struct user u;
        const struct user_change c = {.disabled = -1, .password = "a long new password"};
        assert_int_equal(update(f, "ada", f->ada, "rita", f->tokens[1], &c, &u, &o), 0);
        assert_int_equal(fx_count(f->cf, "SELECT count(*) FROM sessions"), 0);
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM api_tokens WHERE revoked_at > 0 AND id = %lld",
                 (long long)f->tokens[0]);
        assert_int_equal(fx_count(f->cf, sql), 1);
        snprintf(sql, sizeof sql, "SELECT count(*) FROM api_tokens WHERE revoked_at > 0 AND id = %lld",
                 (long long)f->tokens[1]);
        assert_int_equal(fx_count(f->cf, sql), 0); /* the one making the change */
        assert_int_equal(fx_count(f->cf, "SELECT count(*) FROM audit_log WHERE action = 'user.update' "
                                         "AND change LIKE '%\"tokens_revoked\":1%'"),
                         1);
        assert_int_equal(u.updated_at, FX_T0 + FX_S);

        /* Contact fields only: the sessions are not the change's business. */
        struct user contact = {0};
        snprintf(contact.email, sizeof contact.email, "rita@example.com");
        const struct user_change mail = {.disabled = -1, .contact = &contact, .set_email = true};
        assert_int_equal(update(f, "ada", f->ada, "rita", 0, &mail, &u, &o), 0);
        assert_string_equal(u.email, "rita@example.com");
        /* Its ETag moves even within the same microsecond. */
        assert_int_equal(u.updated_at, FX_T0 + FX_S + 1);
}

static int revoke(struct fixture *f, const char *as, int64_t as_id, enum role role, int64_t id,
                  struct case_outcome *o)
{
        struct store_tx *tx;
        struct actor a = fx_actor(as);
        a.user_id = as_id;
        case_outcome_init(o);
        assert_int_equal(store_begin(f->cf->s, &tx), 0);
        return store_finish(tx, account_token_revoke(tx, &a, role, FX_T0 + FX_S, id, o));
}

/* A token is its owner's to revoke, or an admin's; to anyone else it does
 * not exist. */
static void a_token_is_revoked_by_its_owner_or_an_admin(void **state)
{
        struct fixture *f = *state;
        struct fx_snapshot before;
        struct case_outcome o;
        int64_t olga = fx_user(f->cf, "olga", ROLE_RESPONDER, false);
        fx_snap(f->cf, touched, &before);
        assert_int_equal(revoke(f, "olga", olga, ROLE_RESPONDER, f->tokens[0], &o), -VG_ENOTFOUND);
        char want[48];
        snprintf(want, sizeof want, "no token %lld", (long long)f->tokens[0]);
        assert_string_equal(o.detail, want);
        assert_int_equal(revoke(f, "olga", olga, ROLE_RESPONDER, 999999, &o), -VG_ENOTFOUND);
        fx_assert_unchanged(f->cf, touched, &before);

        assert_int_equal(revoke(f, "rita", f->rita, ROLE_RESPONDER, f->tokens[0], &o), 0);
        assert_int_equal(revoke(f, "ada", f->ada, ROLE_ADMIN, f->tokens[1], &o), 0);
        assert_int_equal(revoke(f, "ada", f->ada, ROLE_ADMIN, f->tokens[1], &o), -VG_ECONFLICT);
        assert_non_null(strstr(o.detail, "already revoked"));
        assert_int_equal(fx_count(f->cf, "SELECT count(*) FROM audit_log WHERE action = 'token.revoke'"), 2);
}

/* A new token: its secret once, only its digest stored. */
static void a_token_is_created_for_its_maker(void **state)
{
        struct fixture *f = *state;
        struct case_outcome o;
        struct store_tx *tx;
        struct api_token t;
        char secret[SECRET_TOKEN_MAX];
        struct actor a = fx_actor("rita");
        a.user_id = f->rita;
        case_outcome_init(&o);
        assert_int_equal(store_begin(f->cf->s, &tx), 0);
        assert_int_equal(store_finish(tx, account_token_create(tx, &a, FX_T0, "vgt_", "two\nlines", 0, &t, secret,
                                                               sizeof secret, &o)),
                         -VG_EVALIDATION);
        case_outcome_init(&o);
        assert_int_equal(store_begin(f->cf->s, &tx), 0);
        assert_int_equal(store_finish(tx, account_token_create(tx, &a, FX_T0, "vgt_", "ci", 60, &t, secret,
                                                               sizeof secret, &o)),
                         0);
        assert_int_equal(strncmp(secret, "vgt_", 4), 0);
        assert_int_equal(t.user_id, f->rita);
        assert_int_equal(t.expires_at, FX_T0 + 60 * FX_S);
        uint8_t h[STORE_HASH_BYTES];
        secret_token_digest(secret, h);
        assert_memory_equal(h, t.token_hash, sizeof h);
        assert_int_equal(fx_count(f->cf, "SELECT count(*) FROM audit_log WHERE action = 'token.create'"), 1);
}

/* A feed of one's own shifts is anyone's on the staff; someone else's is
 * an admin's or an incident manager's; revoking it is its creator's or
 * an admin's. */
static void calendar_feeds_follow_their_creator(void **state)
{
        struct fixture *f = *state;
        const char *const feeds[] = {"SELECT count(*) FROM calendar_feeds", "SELECT count(*) FROM audit_log", NULL};
        struct fx_snapshot before;
        struct case_outcome o;
        struct store_tx *tx;
        struct calendar_feed feed;
        struct user rita, ada;
        char token[SECRET_TOKEN_MAX];
        assert_int_equal(store_begin_read(f->cf->s, &tx), 0);
        assert_int_equal(store_user_get_by_name(tx, "rita", &rita), 0);
        assert_int_equal(store_user_get_by_name(tx, "ada", &ada), 0);
        store_rollback(tx);
        struct actor a = fx_actor("rita");
        a.user_id = f->rita;

        fx_snap(f->cf, feeds, &before);
        case_outcome_init(&o);
        assert_int_equal(store_begin(f->cf->s, &tx), 0);
        assert_int_equal(store_finish(tx, case_feed_create(tx, &a, &rita, FX_T0, "user", "ada", &feed, token,
                                                           sizeof token, &o)),
                         -VG_EFORBIDDEN);
        case_outcome_init(&o);
        assert_int_equal(store_begin(f->cf->s, &tx), 0);
        assert_int_equal(store_finish(tx, case_feed_create(tx, &a, &rita, FX_T0, "schedule", "nope", &feed, token,
                                                           sizeof token, &o)),
                         -VG_EVALIDATION);
        assert_string_equal(o.errors.e[0].field, "schedule");
        fx_assert_unchanged(f->cf, feeds, &before);

        case_outcome_init(&o);
        assert_int_equal(store_begin(f->cf->s, &tx), 0);
        assert_int_equal(store_finish(tx, case_feed_create(tx, &a, &rita, FX_T0, "user", "rita", &feed, token,
                                                           sizeof token, &o)),
                         0);
        assert_int_equal(strncmp(token, FEED_PREFIX, strlen(FEED_PREFIX)), 0);
        assert_false(feed_creator_admits(&(struct user){.role = ROLE_TENANT_ADMIN}, "user", ""));
        assert_true(feed_creator_admits(&ada, "user", "rita"));

        struct actor olga = fx_actor("olga");
        olga.user_id = fx_user(f->cf, "olga", ROLE_RESPONDER, false);
        case_outcome_init(&o);
        assert_int_equal(store_begin(f->cf->s, &tx), 0);
        assert_int_equal(store_finish(tx, case_feed_revoke(tx, &olga, ROLE_RESPONDER, FX_T0, feed.id, &o)),
                         -VG_ENOTFOUND);
        struct actor admin = fx_actor("ada");
        admin.user_id = f->ada;
        case_outcome_init(&o);
        assert_int_equal(store_begin(f->cf->s, &tx), 0);
        assert_int_equal(store_finish(tx, case_feed_revoke(tx, &admin, ROLE_ADMIN, FX_T0, feed.id, &o)), 0);
        assert_int_equal(fx_count(f->cf, "SELECT count(*) FROM audit_log WHERE action LIKE 'calendar_feed.%'"), 2);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(refusals_change_nothing, setup, teardown),
                cmocka_unit_test_setup_teardown(a_new_password_ends_what_it_vouched_for, setup, teardown),
                cmocka_unit_test_setup_teardown(a_token_is_revoked_by_its_owner_or_an_admin, setup, teardown),
                cmocka_unit_test_setup_teardown(a_token_is_created_for_its_maker, setup, teardown),
                cmocka_unit_test_setup_teardown(calendar_feeds_follow_their_creator, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
