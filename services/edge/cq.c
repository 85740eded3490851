/* cq.c - the completion queue: bus threads push finished calls, notifications and revocations;
 * the lws loop takes them all at once after lws_cancel_service wakes it. Only the push that
 * finds the queue empty wakes the loop, so a burst of replies costs one wake-up. */
#include <stdlib.h>

#include "edge.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static cq_item_t *head, *tail;

void cq_push(cq_item_t *item)
{
    bool wake;
    item->next = NULL;
    pthread_mutex_lock(&mu);
    wake = head == NULL;
    if (tail)
        tail->next = item;
    else
        head = item;
    tail = item;
    pthread_mutex_unlock(&mu);
    if (wake && edge.ctx)
        lws_cancel_service(edge.ctx);
}

cq_item_t *cq_take_all(void)
{
    pthread_mutex_lock(&mu);
    cq_item_t *all = head;
    head = tail = NULL;
    pthread_mutex_unlock(&mu);
    return all;
}

void cq_item_free(cq_item_t *item)
{
    if (!item)
        return;
    natsMsg_Destroy(item->msg);
    free(item->errmsg);
    free(item);
}
