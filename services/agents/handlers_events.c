/* handlers_events.c - the events of other services agents applies (agents.h), each from a
 * durable consumer on the EVENTS stream, idempotent by the message's Nats-Msg-Id. */
#include "agents.h"

#include "proto/rag.pb-c.h"
#include "shared/util.h"
#include "store.h"

/* evt.rag.category.deleted: the category's id leaves every agent of its organisation, each
 * change a new version by whoever deleted the category. ST_INVALID (the message is dropped,
 * logged) for an event that names no organisation or category. */
status_t agents_on_category_deleted(void *arg, natsMsg *msg, int delivery)
{
    svc_t *svc = arg;
    Rag__CategoryEvent *evt = NULL;
    const char *msg_id = NULL, *org = NULL, *actor = NULL;
    char category[37];
    int changed = 0;
    status_t st = ST_INVALID;

    natsMsgHeader_Get(msg, "Nats-Msg-Id", &msg_id);
    evt = rag__category_event__unpack(NULL, (size_t)natsMsg_GetDataLength(msg),
                                      (const uint8_t *)natsMsg_GetData(msg));
    if (evt && evt->meta) {
        org = evt->meta->org_id;
        actor = uuid_valid(evt->meta->actor_id) ? evt->meta->actor_id : NULL;
    }
    if (!msg_id || !uuid_valid(org) || !svc_uuid_parse(evt->category_id, category)) {
        LOG_ERROR("agents: a %s message without its message id, organisation or category",
                  AGENTS_SUBJ_CATEGORY_DELETED);
        goto done;
    }
    if ((st = agents_store_category_deleted(svc->db, org, actor, category, msg_id, &changed)))
        goto done;
    if (changed) {
        svc_changed(svc, org);
        LOG_INFO("agents: category %s deleted in %s: dropped from %d agents", category, org,
                 changed);
    }
done:
    if (st && st != ST_INVALID)
        LOG_WARN("agents: %s (delivery %d): %s; it comes again", AGENTS_SUBJ_CATEGORY_DELETED,
                 delivery, status_str(st));
    if (evt)
        rag__category_event__free_unpacked(evt, NULL);
    return st;
}
