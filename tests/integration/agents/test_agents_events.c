/* test_agents_events.c - every change of an agent or a script writes its domain event in the
 * same transaction (agents.outbox), refused requests write none, and the relay delivers each to
 * the JetStream stream EVENTS exactly once, as an AgentEvent / ScriptEvent naming the entity,
 * the organisation and the actor. */
#include <pthread.h>

#include "agents_helpers.h"
#include "proto/agents.pb-c.h"
#include "shared/bus.h"
#include "shared/outbox.h"

#define MAX_SEEN 64

/* Events of one organisation received from EVENTS. */
static struct {
    pthread_mutex_t mu;
    const char *org;
    int n;
    char subjects[MAX_SEEN][64];
    char ids[MAX_SEEN][37];
    char entity[MAX_SEEN][37]; /* agent_id / script_id of the payload */
    char actor[MAX_SEEN][37];
} seen = {.mu = PTHREAD_MUTEX_INITIALIZER};

static status_t on_event(void *ctx, natsMsg *msg, int delivery)
{
    const char *org = NULL, *id = NULL, *subject = natsMsg_GetSubject(msg);
    (void)ctx;
    (void)delivery;
    natsMsgHeader_Get(msg, BUS_HDR_ORG, &org);
    natsMsgHeader_Get(msg, "Nats-Msg-Id", &id);
    pthread_mutex_lock(&seen.mu);
    if (seen.org && org && strcmp(org, seen.org) == 0 && seen.n < MAX_SEEN) {
        int i = seen.n++;
        const uint8_t *data = (const uint8_t *)natsMsg_GetData(msg);
        size_t len = (size_t)natsMsg_GetDataLength(msg);
        snprintf(seen.subjects[i], sizeof seen.subjects[i], "%s", subject);
        snprintf(seen.ids[i], sizeof seen.ids[i], "%s", id ? id : "");
        if (strstr(subject, ".agent.")) {
            Agents__AgentEvent *e = agents__agent_event__unpack(NULL, len, data);
            if (e) {
                snprintf(seen.entity[i], 37, "%s", e->agent_id ? e->agent_id : "");
                snprintf(seen.actor[i], 37, "%s",
                         e->meta && e->meta->actor_id ? e->meta->actor_id : "");
                agents__agent_event__free_unpacked(e, NULL);
            }
        } else {
            Agents__ScriptEvent *e = agents__script_event__unpack(NULL, len, data);
            if (e) {
                snprintf(seen.entity[i], 37, "%s", e->script_id ? e->script_id : "");
                snprintf(seen.actor[i], 37, "%s",
                         e->meta && e->meta->actor_id ? e->meta->actor_id : "");
                agents__script_event__free_unpacked(e, NULL);
            }
        }
    }
    pthread_mutex_unlock(&seen.mu);
    return ST_OK;
}

static int seen_count(void)
{
    pthread_mutex_lock(&seen.mu);
    int n = seen.n;
    pthread_mutex_unlock(&seen.mu);
    return n;
}

/* Outbox rows of org with subject (NULL: all). */
static long outbox_rows(const char *org, const char *subject)
{
    const char *p[] = {org, subject};
    char *v = harness_pg_value_params("SELECT count(*) FROM agents.outbox "
                                      "WHERE org_id = $1 AND ($2::text IS NULL OR subject = $2)",
                                      2, p);
    long n = v ? atol(v) : -1;
    free(v);
    return n;
}

Test(agents_events, every_change_is_announced_once)
{
    person_t owner;
    person_sign_up(&owner, "events");
    bus_t *bus = NULL;
    char durable[48], id8[37];
    uuid_new(id8);
    snprintf(durable, sizeof durable, "test_agents_%.8s", id8);
    seen.org = owner.org_id;
    cr_assert_eq(bus_connect("test", harness_env("NATS_URL"), 5000, &bus), ST_OK);
    cr_assert_eq(bus_js_ensure_stream(bus, OUTBOX_STREAM, OUTBOX_STREAM_SUBJECT), ST_OK);
    cr_assert_eq(bus_js_consume(bus, OUTBOX_STREAM, durable, "evt.agents.>", 5, on_event, NULL),
                 ST_OK);

    char *agent = agent_create(&owner, "{\"name\":\"Evented\"}");
    char *path = fmt("/api/agents/%s", agent);
    cr_assert_eq(call_status(&owner, "PATCH", path, "{\"max_tokens\":10}"), 200);
    char *script = script_create(&owner, agent, "{\"name\":\"S\",\"body\":\"x\"}");
    char *spath = fmt("/api/agents/%s/scripts/%s", agent, script);
    cr_assert_eq(call_status(&owner, "PATCH", spath, "{\"body\":\"y\"}"), 200);
    char *dup = fmt("%s/duplicate", path);
    cr_assert_eq(call_status(&owner, "POST", dup, NULL), 201);
    char *restore = fmt("%s/versions/1/restore", path);
    cr_assert_eq(call_status(&owner, "POST", restore, NULL), 200);
    cr_assert_eq(call_status(&owner, "DELETE", spath, NULL), 204);
    cr_assert_eq(call_status(&owner, "DELETE", path, NULL), 204);
    /* Refusals announce nothing. */
    cr_assert_eq(call_status(&owner, "POST", "/api/agents", "{\"name\":\"\"}"), 400);
    cr_assert_eq(call_status(&owner, "PATCH", path, "{\"name\":\"gone\"}"), 404);

    /* In the outbox, committed with the changes. */
    cr_assert_eq(outbox_rows(owner.org_id, "evt.agents.agent.created"), 2); /* + duplicate */
    cr_assert_eq(outbox_rows(owner.org_id, "evt.agents.agent.updated"), 2); /* + restore */
    cr_assert_eq(outbox_rows(owner.org_id, "evt.agents.agent.deleted"), 1);
    cr_assert_eq(outbox_rows(owner.org_id, "evt.agents.script.created"), 2); /* + the copy */
    cr_assert_eq(outbox_rows(owner.org_id, "evt.agents.script.updated"), 1);
    cr_assert_eq(outbox_rows(owner.org_id, "evt.agents.script.deleted"), 1);
    long total = outbox_rows(owner.org_id, NULL);
    cr_assert_eq(total, 9);

    /* On the stream, each exactly once, with the entity and the actor. */
    for (int waited = 0; waited < 10000 && seen_count() < total; waited += 50)
        usleep(50 * 1000);
    usleep(1000 * 1000); /* duplicates would show by now */
    cr_assert_eq(seen_count(), total);
    int agent_events = 0;
    for (int i = 0; i < seen.n; i++) {
        for (int j = 0; j < i; j++)
            cr_assert_str_neq(seen.ids[i], seen.ids[j], "event %s delivered twice", seen.ids[i]);
        cr_assert_str_eq(seen.actor[i], owner.user_id);
        if (strcmp(seen.entity[i], agent) == 0)
            agent_events++;
    }
    cr_assert_eq(agent_events, 4, "created, updated, updated (restore), deleted");
    cr_assert_str_eq(seen.subjects[0], "evt.agents.agent.created");
    cr_assert_str_eq(seen.subjects[seen.n - 1], "evt.agents.agent.deleted");

    bus_free(bus);
    free(restore);
    free(dup);
    free(spath);
    free(script);
    free(path);
    free(agent);
    person_free(&owner);
}
