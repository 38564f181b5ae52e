#include "core/task.h"

#include "core/error.h"

#include <string.h>

int approval_decide_check(enum approval_status status, enum approval_status decision,
                          const char *requested_by, const char *decider)
{
        if (decision != APPROVAL_GRANTED && decision != APPROVAL_REJECTED)
                return -VG_EVALIDATION;
        if (status != APPROVAL_PENDING)
                return -VG_ECONFLICT;
        /* An empty requester is no one, and so never the decider. */
        if (requested_by && decider && requested_by[0] && strcmp(requested_by, decider) == 0)
                return -VG_EFORBIDDEN;
        return 0;
}

int task_status_check(bool business_impact, enum approval_status approval, enum task_status to)
{
        if (business_impact && (to == TASK_IN_PROGRESS || to == TASK_DONE) && approval != APPROVAL_GRANTED)
                return -VG_ECONFLICT;
        return 0;
}

enum approval_follow approval_follow_subject(enum approval_status approval, enum task_status status,
                                             bool subject_changed)
{
        if (approval == APPROVAL__INVALID || !subject_changed)
                return APPROVAL_FOLLOW_KEEP;
        /* A grant must not end up recorded against other words. */
        if (status == TASK_IN_PROGRESS || status == TASK_DONE)
                return APPROVAL_FOLLOW_LOCKED;
        return APPROVAL_FOLLOW_VOID;
}
