/* GET /api/v1/me/work: what waits for the caller, for the console's first
 * page - pages to them not acknowledged, tasks they own, approvals waiting
 * for an executive (never their own requests), notices waiting for a
 * second person to release (never their own). Each list holds at most
 * WORK_LIMIT items and says when there are more. */
#include "http/resources.h"

#include "core/error.h"

#include <errno.h>

#define WORK_LIMIT 50

struct work_list {
        json_t *items;
        unsigned n;
        bool more;
        json_t *(*render)(const struct work_item *w);
};

static int collect(const struct work_item *w, void *userdata)
{
        struct work_list *l = userdata;
        if (l->n == WORK_LIMIT) {
                l->more = true;
                return 0;
        }
        json_t *j = l->render(w);
        if (!j || json_array_append_new(l->items, j) < 0)
                return -ENOMEM;
        l->n++;
        return 0;
}

static json_t *page_item(const struct work_item *w)
{
        return json_pack("{s:I, s:s, s:s, s:I, s:s, s:o}", "id", (json_int_t)w->id, "incident",
                         w->incident, "incident_title", w->incident_title, "level",
                         (json_int_t)w->number, "via", w->who, "paged_at", json_time(w->at));
}

static json_t *task_item(const struct work_item *w)
{
        return json_pack("{s:I, s:s, s:s, s:s, s:s, s:o}", "id", (json_int_t)w->id, "incident",
                         w->incident, "incident_title", w->incident_title, "title", w->title, "status",
                         w->state, "due_at", json_time(w->due_at));
}

static json_t *approval_item(const struct work_item *w)
{
        return json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o}", "task", (json_int_t)w->id, "incident",
                         w->incident, "incident_title", w->incident_title, "title", w->title,
                         "requested_by", w->who, "requested_at", json_time(w->at), "due_at",
                         json_time(w->due_at));
}

static json_t *notice_item(const struct work_item *w)
{
        return json_pack("{s:I, s:s, s:s, s:I, s:s, s:s, s:o}", "id", (json_int_t)w->id, "incident",
                         w->incident, "incident_title", w->incident_title, "version",
                         (json_int_t)w->number, "kind", w->state, "composed_by", w->who,
                         "composed_at", json_time(w->at));
}

typedef int (*work_walk)(struct store_tx *, const char *, unsigned,
                         int (*)(const struct work_item *, void *), void *);

/* One list into out under name: {"items": [...], "more": bool}. */
static int add_list(struct store_tx *tx, const char *user, work_walk walk,
                    json_t *(*render)(const struct work_item *), json_t *out, const char *name)
{
        struct work_list l = {.items = json_array(), .render = render};
        if (!l.items)
                return -ENOMEM;
        int r = walk(tx, user, WORK_LIMIT + 1, collect, &l);
        if (r < 0) {
                json_decref(l.items);
                return r;
        }
        return json_object_set_new(out, name, json_pack("{s:o, s:b}", "items", l.items, "more", l.more)) < 0
                       ? -ENOMEM
                       : 0;
}

int api_my_work(struct request *req, struct response *resp)
{
        const struct user *me = &req->who.user;
        json_t *out = json_object();
        struct store_tx *tx;
        if (!out)
                return -ENOMEM;
        int r = store_begin_read(req->store, &tx);
        if (r < 0) {
                json_decref(out);
                return r;
        }
        r = add_list(tx, me->name, store_work_pages, page_item, out, "pages");
        if (r >= 0)
                r = add_list(tx, me->name, store_work_tasks, task_item, out, "tasks");
        if (r >= 0 && role_in(me->role, ROLES_APPROVERS))
                r = add_list(tx, me->name, store_work_approvals, approval_item, out, "approvals");
        if (r >= 0 && role_in(me->role, ROLES_NOTICE_WRITERS))
                r = add_list(tx, me->name, store_work_notices, notice_item, out, "notices");
        store_rollback(tx);
        if (r < 0) {
                json_decref(out);
                return r;
        }
        return response_json(resp, 200, out);
}
