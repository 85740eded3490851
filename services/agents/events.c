/* events.c - builds the AgentEvent / ScriptEvent payloads and adds them to the outbox in the
 * caller's transaction (events.h). */
#include "events.h"

#include <stdio.h>
#include <stdlib.h>

#include "shared/outbox.h"
#include "shared/util.h"

/* Adds one event to the transaction of db. */
static status_t emit(db_t *db, const char *prefix, const char *verb, const char *org,
                     const ProtobufCMessage *evt)
{
    char subject[96];
    size_t len = protobuf_c_message_get_packed_size(evt);
    uint8_t *payload = xmalloc(len ? len : 1);

    protobuf_c_message_pack(evt, payload);
    snprintf(subject, sizeof subject, "%s%s", prefix, verb);
    status_t st = outbox_add(db, "agents", subject, org, payload, len, NULL);
    free(payload);
    return st;
}

static void now_rfc3339(char out[32])
{
    time_format_rfc3339(time_now_ms(), out, 32);
}

status_t agents_event_agent(db_t *db, const char *verb, const char *org, const char *actor,
                            const Agents__Agent *agent, int restored_from)
{
    Agents__AgentEvent evt = AGENTS__AGENT_EVENT__INIT;
    char at[32];

    now_rfc3339(at);
    evt.org_id = (char *)org;
    evt.agent_id = agent->id;
    evt.actor_id = (char *)actor;
    evt.agent = (Agents__Agent *)agent;
    evt.at = at;
    evt.has_restored_from = restored_from > 0;
    evt.restored_from = restored_from;
    return emit(db, AGENTS_EVT_AGENT, verb, org, &evt.base);
}

status_t agents_event_script(db_t *db, const char *verb, const char *org, const char *actor,
                             const Agents__Script *script)
{
    Agents__ScriptEvent evt = AGENTS__SCRIPT_EVENT__INIT;
    char at[32];

    now_rfc3339(at);
    evt.org_id = (char *)org;
    evt.agent_id = script->agent_id;
    evt.script_id = script->id;
    evt.actor_id = (char *)actor;
    evt.script = (Agents__Script *)script;
    evt.at = at;
    return emit(db, AGENTS_EVT_SCRIPT, verb, org, &evt.base);
}
