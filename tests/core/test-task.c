/* The rules of tasks and their approvals (core/task.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/error.h"
#include "core/task.h"

static void the_requester_cannot_decide(void **state)
{
        (void)state;
        assert_int_equal(approval_decide_check(APPROVAL_PENDING, APPROVAL_GRANTED, "erin", "ezra"), 0);
        assert_int_equal(approval_decide_check(APPROVAL_PENDING, APPROVAL_REJECTED, "erin", "ezra"), 0);
        assert_int_equal(approval_decide_check(APPROVAL_PENDING, APPROVAL_GRANTED, "erin", "erin"),
                         -VG_EFORBIDDEN);
        /* Rejecting one's own request is deciding it too. */
        assert_int_equal(approval_decide_check(APPROVAL_PENDING, APPROVAL_REJECTED, "erin", "erin"),
                         -VG_EFORBIDDEN);
        /* Names compare whole: a prefix is someone else. */
        assert_int_equal(approval_decide_check(APPROVAL_PENDING, APPROVAL_GRANTED, "erin", "eri"), 0);
}

static void only_a_pending_approval_is_decided(void **state)
{
        (void)state;
        for (int s = APPROVAL__INVALID; s < APPROVAL__COUNT; s++)
                assert_int_equal(approval_decide_check(s, APPROVAL_GRANTED, "erin", "ezra"),
                                 s == APPROVAL_PENDING ? 0 : -VG_ECONFLICT);
        /* A decision is granted or rejected, before anything else. */
        assert_int_equal(approval_decide_check(APPROVAL_PENDING, APPROVAL_PENDING, "erin", "ezra"),
                         -VG_EVALIDATION);
        assert_int_equal(approval_decide_check(APPROVAL_GRANTED, APPROVAL__INVALID, "erin", "erin"),
                         -VG_EVALIDATION);
}

static void a_step_starts_once_granted(void **state)
{
        (void)state;
        for (int a = APPROVAL__INVALID; a < APPROVAL__COUNT; a++)
                for (int to = TASK_OPEN; to < TASK__COUNT; to++) {
                        bool starts = to == TASK_IN_PROGRESS || to == TASK_DONE;
                        assert_int_equal(task_status_check(false, a, to), 0);
                        assert_int_equal(task_status_check(true, a, to),
                                         starts && a != APPROVAL_GRANTED ? -VG_ECONFLICT : 0);
                }
}

static void a_new_subject_voids_or_is_refused(void **state)
{
        (void)state;
        for (int a = APPROVAL__INVALID; a < APPROVAL__COUNT; a++)
                for (int s = TASK_OPEN; s < TASK__COUNT; s++) {
                        assert_int_equal(approval_follow_subject(a, s, false), APPROVAL_FOLLOW_KEEP);
                        enum approval_follow want = a == APPROVAL__INVALID ? APPROVAL_FOLLOW_KEEP
                                                    : s == TASK_IN_PROGRESS || s == TASK_DONE
                                                            ? APPROVAL_FOLLOW_LOCKED
                                                            : APPROVAL_FOLLOW_VOID;
                        assert_int_equal(approval_follow_subject(a, s, true), want);
                }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(the_requester_cannot_decide),
                cmocka_unit_test(only_a_pending_approval_is_decided),
                cmocka_unit_test(a_step_starts_once_granted),
                cmocka_unit_test(a_new_subject_voids_or_is_refused),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
