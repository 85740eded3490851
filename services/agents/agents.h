/* agents.h - the agents service's module interface: its context, handlers and shared helpers.
 *
 * The service owns the `agents` schema (agents, sales scripts, configuration versions) and
 * serves svc.agents.* (see proto/agents.proto and routes.def). main.c wires it; handlers_*.c
 * answer one rpc each; store.c holds the SQL and the transactions (each change, its version
 * snapshot and its domain event commit together); validate.c, script.c and hours.c are pure
 * logic with unit tests.
 */
#ifndef AGENTS_AGENTS_H
#define AGENTS_AGENTS_H

#include <stdbool.h>

#include "proto/agents.pb-c.h"
#include "shared/bus.h"
#include "shared/buscache.h"
#include "shared/db.h"
#include "shared/log.h"
#include "shared/svc.h"
#include "validate.h"

/* The service's migrations, embedded by the Makefile from migrations/NNN_*.sql. */
extern const db_migration_t agents_migrations[];
extern const size_t agents_migrations_count;

/* The forbidden message's end: "only owners and admins may change agents". */
#define AGENTS_WRITE_WHAT "change agents"

/* ---- handlers: svc.agents.<method> -> agents_handle_<method> ------------------------------- */

/* handlers_agents.c */
status_t agents_handle_list(void *svc, bus_req_t *req);
status_t agents_handle_create(void *svc, bus_req_t *req);
status_t agents_handle_get(void *svc, bus_req_t *req);
status_t agents_handle_update(void *svc, bus_req_t *req);
status_t agents_handle_delete(void *svc, bus_req_t *req);
status_t agents_handle_duplicate(void *svc, bus_req_t *req);
/* handlers_versions.c */
status_t agents_handle_list_versions(void *svc, bus_req_t *req);
status_t agents_handle_restore_version(void *svc, bus_req_t *req);
/* handlers_scripts.c */
status_t agents_handle_list_scripts(void *svc, bus_req_t *req);
status_t agents_handle_create_script(void *svc, bus_req_t *req);
status_t agents_handle_get_script(void *svc, bus_req_t *req);
status_t agents_handle_update_script(void *svc, bus_req_t *req);
status_t agents_handle_delete_script(void *svc, bus_req_t *req);

/* ---- consumed events: a durable consumer on EVENTS each (bus_js_consume) -------------------- */

/* handlers_events.c: evt.rag.category.deleted, consumer "agents_rag_category_deleted". */
#define AGENTS_SUBJ_CATEGORY_DELETED    "evt.rag.category.deleted"
#define AGENTS_DURABLE_CATEGORY_DELETED "agents_rag_category_deleted"
status_t agents_on_category_deleted(void *svc, natsMsg *msg, int delivery);

/* ---- helpers shared by the handlers (common.c) --------------------------------------------- */

/* Checks that every name in `clear` is one of `allowed` (NULL-terminated), not twice, and not
 * also sent in msg (msgpatch_sent); reply message set on ST_INVALID. */
status_t agents_check_clear(bus_req_t *req, char **clear, size_t n, const char *const *allowed,
                            const ProtobufCMessage *msg);
/* Asks rag (svc.rag.categories_check, as the caller) whether each of ids names a knowledge-base
 * category of the caller's organisation: ST_NOT_FOUND with "kb_category_ids[i]: no such
 * category" for the first that does not, ST_UNAVAILABLE when rag does not answer. */
status_t agents_check_categories(svc_t *svc, bus_req_t *req, char *const *ids, size_t n);

#endif
