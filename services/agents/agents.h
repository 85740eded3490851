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
#include "validate.h"

/* The service's migrations, embedded by the Makefile from migrations/NNN_*.sql. */
extern const db_migration_t agents_migrations[];
extern const size_t agents_migrations_count;

/* Every replica drops the cached lists of an organisation on this subject (body: the org id). */
#define AGENTS_CACHE_DROP_SUBJECT "agents.cache.drop"

typedef struct {
    db_pool_t *db;
    bus_t *bus;
    buscache_t *lists; /* recent `list` answers per organisation; NULL: AGENTS_LIST_CACHE_MS=0 */
} agents_svc_t;

/* The caller of a request, from the headers the edge sets. */
typedef struct {
    const char *org;  /* Org-Id, a UUID */
    const char *user; /* User-Id, a UUID */
    bool can_write;   /* Role owner or admin */
} agents_caller_t;

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

/* ---- helpers shared by the handlers (common.c) --------------------------------------------- */

/* A zeroed, initialised message of type desc on the heap; free with agents_msg_free. */
void *agents_msg_new(const ProtobufCMessageDescriptor *desc);
/* Frees a message and everything it points to. NULL-safe. */
void agents_msg_free(void *msg);
/* Sets the reply's error message (printf-style) and returns st, for `st = agents_fail(...)`. */
status_t agents_fail(bus_req_t *req, status_t st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Reads the caller from the headers: ST_UNAUTHORIZED (reply message set) without a valid Org-Id
 * and User-Id; with write, ST_FORBIDDEN unless the Role is owner or admin. */
status_t agents_caller(bus_req_t *req, bool write, agents_caller_t *out /* OUT */);
/* Checks a path id (field name for the message) and lower-cases it into out. */
status_t agents_path_id(bus_req_t *req, const char *field, const char *s, char out[37] /* OUT */);
/* Checks that every name in `clear` is one of `allowed` (NULL-terminated) and not also sent
 * (sent(name) true); reply message set on ST_INVALID. */
status_t agents_check_clear(bus_req_t *req, char **clear, size_t n, const char *const *allowed,
                            bool (*sent)(const void *msg, const char *name), const void *msg);
/* True if `name` is in clear. */
bool agents_clear_has(char **clear, size_t n, const char *name);
/* After a committed change of org's agents: drops the cached lists here and, through the bus,
 * in every other replica. */
void agents_changed(agents_svc_t *svc, const char *org);
/* Fills a log context from the request. */
void agents_log_ctx(const bus_req_t *req, log_ctx_t *ctx /* OUT */);

#endif
