/* store.h - every database access of the agents service (the SQL itself is in store.c).
 *
 * Every function runs one transaction begun with db_begin_org(org), so row-level security
 * applies as well as the explicit org_id conditions. A change, the version snapshot it takes
 * and the domain event announcing it (events.c, through the outbox) commit together or not at
 * all. Results go to out-parameters written only on success (free messages with
 * agents_msg_free). Ids are lower-case UUIDs the caller has validated. ST_NOT_FOUND means no
 * such row in the caller's organisation.
 */
#ifndef AGENTS_STORE_H
#define AGENTS_STORE_H

#include <stddef.h>

#include "proto/agents.pb-c.h"
#include "shared/db.h"
#include "shared/svc.h"

/* Filters and order of a list of agents (validated by the caller). */
typedef struct {
    const char *q;       /* substring of name or description, or NULL */
    const char *status;  /* stored name, or NULL */
    const char *channel; /* stored name, or NULL */
    const char *sort;    /* from agents_parse_sort */
    svc_page_t page;
} agents_list_query_t;

/* Changes a loaded agent or script in place inside the transaction (a PATCH merge, a restored
 * snapshot) and validates it: ST_OK, or a status with the reason in why. */
typedef status_t (*agents_edit_fn)(db_t *db, void *row, void *arg, char *why, size_t whylen);

/* Derives the agents table's column lists from Agent and the catalog (dbtable.h) and builds the
 * statements that name them: once, after the migrations, before serving. cleanup undoes it,
 * once nothing runs a statement any more (after svc_main returned). */
status_t agents_store_init(db_pool_t *pool);
void agents_store_cleanup(void);

status_t agents_store_list(db_pool_t *pool, const char *org, const agents_list_query_t *q,
                           Agents__AgentList **out /* OUT */);
status_t agents_store_get(db_pool_t *pool, const char *org, const char *id,
                          Agents__Agent **out /* OUT */);
/* Inserts a validated agent with version 1 (action "create"). */
/* Every write of an agent's configuration (create, update, restore, duplicate) drops from its
 * kb_category_ids the categories recorded by agents_store_category_deleted. */
status_t agents_store_create(db_pool_t *pool, const char *org, const char *user, Agents__Agent *a,
                             Agents__Agent **out /* OUT */);
/* Loads the agent under a row lock, lets edit change it (an Agents__Agent *), writes it as a
 * new version (action "update"). why gets edit's reason on failure. */
status_t agents_store_update(db_pool_t *pool, const char *org, const char *user, const char *id,
                             agents_edit_fn edit, void *arg, Agents__Agent **out /* OUT */,
                             char *why, size_t whylen);
/* Makes version `version` current again, as a new version (action "restore"). ST_NOT_FOUND
 * with why set when the agent or the version does not exist. */
status_t agents_store_restore(db_pool_t *pool, const char *org, const char *user, const char *id,
                              int version, Agents__Agent **out /* OUT */, char *why, size_t whylen);
/* Deletes the agent with its scripts and versions. */
status_t agents_store_delete(db_pool_t *pool, const char *org, const char *user, const char *id);
/* A copy of the agent (configuration and scripts) under a new id, named by agents_copy_name. */
status_t agents_store_duplicate(db_pool_t *pool, const char *org, const char *user, const char *id,
                                Agents__Agent **out /* OUT */);
status_t agents_store_list_versions(db_pool_t *pool, const char *org, const char *id,
                                    const svc_page_t *page, Agents__VersionList **out /* OUT */);

status_t agents_store_list_scripts(db_pool_t *pool, const char *org, const char *agent_id,
                                   Agents__ScriptList **out /* OUT */);
status_t agents_store_get_script(db_pool_t *pool, const char *org, const char *agent_id,
                                 const char *id, Agents__Script **out /* OUT */);
/* Inserts a validated script. ST_NOT_FOUND: no such agent. */
status_t agents_store_create_script(db_pool_t *pool, const char *org, const char *user,
                                    const char *agent_id, const Agents__Script *s,
                                    Agents__Script **out /* OUT */);
/* Loads the script under a row lock, lets edit change it (an Agents__Script *), writes it. */
status_t agents_store_update_script(db_pool_t *pool, const char *org, const char *user,
                                    const char *agent_id, const char *id, agents_edit_fn edit,
                                    void *arg, Agents__Script **out /* OUT */, char *why,
                                    size_t whylen);
status_t agents_store_delete_script(db_pool_t *pool, const char *org, const char *user,
                                    const char *agent_id, const char *id);

/* The consumer name of evt.rag.category.deleted in agents.events_applied. */
#define AGENTS_CONSUMER_CATEGORY_DELETED "agents.rag_category_deleted"

/* rag deleted category_id of org (the event msg_id, its Nats-Msg-Id; actor: who deleted it, may
 * be NULL): records it and drops it from every agent holding it, each written as a new version
 * by actor with its evt.agents.agent.updated, all in one transaction applied once per msg_id.
 * *changed: the agents changed (0 when the message was applied before). */
status_t agents_store_category_deleted(db_pool_t *pool, const char *org, const char *actor,
                                       const char *category_id, const char *msg_id,
                                       int *changed /* OUT */);

#endif
