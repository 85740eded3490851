/* svc.h - the service kit: one `main` for every service, and the helpers every handler and
 * store repeats (the caller, failures with a message, ids, pages, text, tenant transactions).
 *
 * A service is a spec and a method table; its main.c is a few lines:
 *
 *     static const bus_method_t methods[] = {{"list", things_handle_list}, ...};
 *     static const svc_spec_t spec = {
 *         .name = "things", .desc = &things__things__descriptor,
 *         .methods = methods, .n_methods = ARRAY_LEN(methods),
 *         .migrations = things_migrations, .n_migrations = &things_migrations_count,
 *         .outbox = true, .cache_env = "THINGS_LIST_CACHE_MS",
 *     };
 *     int main(void) { return svc_main(&spec, NULL); }
 *
 * svc_main: LOG_LEVEL, DB_POOL_SIZE (8), BUS_WORKERS (8), DATABASE_URL, NATS_URL and the cache
 * TTL from the environment (a malformed number exits 2); SIGTERM/SIGINT blocked in every
 * thread; the pool; the schema `name` migrated; the outbox installed; the bus connected with
 * the database as its health check; the answer cache; the outbox relay; spec->start (the
 * service's own threads and subscriptions); the health server; serving `svc.<name>.*`. Then it
 * waits for a signal and stops in the reverse order: the relay, spec->stop, the bus (draining
 * in-flight handlers), the cache, the pool. Exit 0 after a signal, 1 when start-up failed.
 *
 * Handlers receive the `svc_t *`; a service with more state than the pool, the bus and the cache
 * hangs it on spec->app (svc->app). A handler may answer with bus_reply, or fail without
 * replying: the bus answers the status it returned, with the message svc_fail set.
 */
#ifndef SHARED_SVC_H
#define SHARED_SVC_H

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/common.pb-c.h"
#include "shared/bus.h"
#include "shared/buscache.h"
#include "shared/db.h"
#include "shared/dbtable.h"
#include "shared/log.h"
#include "shared/status.h"

typedef struct svc svc_t;

typedef struct {
    const char *name;                       /* bus name, schema and log name: "agents" */
    const ProtobufCServiceDescriptor *desc; /* the proto service served on svc.<name>.* */
    const bus_method_t *methods;            /* one handler per rpc (bus_serve checks) */
    size_t n_methods;                       /* ARRAY_LEN(methods) */
    const db_migration_t *migrations;       /* the embedded migrations/NNN_*.sql */
    const size_t *n_migrations;             /* &<name>_migrations_count */
    bool outbox;                            /* domain events: outbox table and relay */
    const char *cache_env;                  /* TTL variable of the answer cache (ms, default
                                               2000, 0 = off), e.g. "AGENTS_LIST_CACHE_MS";
                                               NULL: no cache. Drops go on "<name>.cache.drop" */
    const char *cache_subject;              /* another subject for the drops (NULL: the above) */
    size_t cache_max;                       /* entries kept at most (0: 10000) */
    void *app;                              /* the service's own state, as svc->app */
    status_t (*start)(svc_t *svc);          /* after connecting, before serving */
    void (*stop)(svc_t *svc); /* after the relay stopped, before the bus closes; also after a
                                 start that failed halfway (undo what it did) */
} svc_spec_t;

struct svc {
    const svc_spec_t *spec;
    db_pool_t *db;
    bus_t *bus;
    buscache_t *cache; /* answers per organisation; NULL when off */
    void *app;         /* spec->app */
};

/* Runs the service described by spec until SIGTERM/SIGINT (see above). out (may be NULL) is
 * where the service's svc_t lives, so a start hook's state can reach it. Returns the exit code. */
int svc_main(const svc_spec_t *spec, svc_t *out);

/* After a committed change of org's data: drops the cached answers of org in every replica. */
void svc_changed(svc_t *svc, const char *org);

/* ---- requests ------------------------------------------------------------------------------ */

/* The one role vocabulary: owner > admin > member. */
typedef enum { SVC_ROLE_NONE = 0, SVC_ROLE_MEMBER, SVC_ROLE_ADMIN, SVC_ROLE_OWNER } svc_role_t;
/* "owner", "admin", "member" (exact, lower case), else SVC_ROLE_NONE (also for NULL). */
svc_role_t svc_role_parse(const char *s);
/* The role's name, "" for SVC_ROLE_NONE. */
const char *svc_role_name(svc_role_t role);

/* The caller, from the headers the edge sets (Org-Id, User-Id, Role). */
typedef struct {
    const char *org;  /* a UUID, never NULL after svc_caller */
    const char *user; /* a UUID, never NULL after svc_caller */
    svc_role_t role;
    bool can_write; /* owner or admin */
} svc_caller_t;

#define SVC_UNAUTHORIZED_TEXT "not signed in"

/* ST_UNAUTHORIZED ("not signed in") without a valid Org-Id and User-Id. When write_what is
 * set, ST_FORBIDDEN ("only owners and admins may <write_what>") unless the Role is owner or
 * admin. The reply's message is set on failure; out is written on success. */
status_t svc_caller(bus_req_t *req, const char *write_what, svc_caller_t *out /* OUT */);

/* Sets the reply's error message (printf-style) and returns st: `return svc_fail(req, ...)`. */
status_t svc_fail(bus_req_t *req, status_t st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A UUID from a path or body: ST_OK and its lower-case form in out, else ST_INVALID with
 * "<field>: must be a UUID" set on the reply. */
status_t svc_uuid(bus_req_t *req, const char *field, const char *s, char out[37] /* OUT */);
/* The same without a request: true and the lower-case form in out. */
bool svc_uuid_parse(const char *s, char out[37] /* OUT */);

/* Text from the user, cleaned by text_clean (trimmed, min..max characters of valid UTF-8, no
 * C0/C1 control characters; tab, CR and LF when multiline): ST_OK and a heap copy in *out, or
 * ST_INVALID with "<field>: <why>" set on the reply. */
status_t svc_text(bus_req_t *req, const char *field, const char *s, long min, long max,
                  bool multiline, char **out /* OUT */);

/* ---- pages: one limit and one list shape for every service --------------------------------- */

#define SVC_PER_PAGE_DEFAULT 20
#define SVC_PER_PAGE_MAX     100
#define SVC_PAGE_MAX         100000

typedef struct {
    int page;     /* 1-based */
    int per_page; /* 1..SVC_PER_PAGE_MAX */
} svc_page_t;

/* The page asked for by a request message's `page` and `per_page` fields (read through its
 * descriptor): unset page is 1, unset per_page SVC_PER_PAGE_DEFAULT; out of range is ST_INVALID
 * with a message naming the field (set on the reply when req is not NULL, else in why). */
status_t svc_page_parse(bus_req_t *req, const ProtobufCMessage *in, svc_page_t *out /* OUT */);
/* The same without a request: why (at least 64 bytes) gets the message. */
status_t svc_page_check(bool has_page, int page, bool has_per_page, int per_page,
                        svc_page_t *out /* OUT */, char *why, size_t whylen);
/* Offset of the first row of the page. */
int64_t svc_page_offset(const svc_page_t *p);
/* Fills a list reply's `total`, `page`, `per_page` and `pages` (common.PageInfo's fields,
 * repeated flat in every list reply: see proto/common.proto). */
void svc_page_reply(ProtobufCMessage *list, const svc_page_t *p, int64_t total);

/* ---- messages and logs --------------------------------------------------------------------- */

/* A zeroed, initialised message of type desc on the heap; free with svc_msg_free. */
void *svc_msg_new(const ProtobufCMessageDescriptor *desc);
/* Frees a message and everything it points to. NULL-safe. */
void svc_msg_free(void *msg);
/* Fills a log context from the request (request id, subject, org). */
void svc_log_ctx(const bus_req_t *req, log_ctx_t *ctx /* OUT */);

/* ---- stores ---------------------------------------------------------------------------------- */

/* Why a store refused: every store function that can refuse for a reason the user should read
 * takes `svc_why_t *why` and fills it with svc_why; the handler passes it on with
 * svc_fail_why. An empty text means the status speaks for itself. */
#define SVC_WHY_SIZE 256
typedef struct {
    char text[SVC_WHY_SIZE];
} svc_why_t;
/* Writes the reason (printf-style) and returns st: `return svc_why(why, ST_CONFLICT, ...)`. */
status_t svc_why(svc_why_t *why, status_t st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* For a status from a store: sets why's text on the reply when there is one; returns st.
 * `nf_text` (may be NULL) is the message for ST_NOT_FOUND without a reason ("id: no such x"). */
status_t svc_fail_why(bus_req_t *req, status_t st, const svc_why_t *why, const char *nf_text);

/* A timestamp column in the API's form, RFC 3339 UTC with milliseconds, in SQL text:
 * SVC_TS("created_at") " AS created_at". */
#define SVC_TS(col) DB_TS(col)

/* A tenant transaction: a pooled connection with BEGIN and app.org_id set for row-level
 * security. svc_tx_end commits when st is ST_OK (returning the commit's status) and otherwise
 * rolls back; either way the connection goes back to the pool and *db is NULL. */
status_t svc_tx_begin(db_pool_t *pool, const char *org, db_t **db /* OUT */);
status_t svc_tx_end(db_t **db, status_t st);

/* Runs stmt (in the caller's transaction) and fills a new message of type d from its one row:
 * ST_NOT_FOUND when there is none. *out written on success (free with svc_msg_free). */
status_t svc_store_one(db_t *db, const db_stmt_t *stmt, const char *const *params,
                       const ProtobufCMessageDescriptor *d, ProtobufCMessage **out /* OUT */);
/* Runs stmt and appends one message per row to the repeated field `field` of list. */
status_t svc_store_many(db_t *db, const db_stmt_t *stmt, const char *const *params,
                        ProtobufCMessage *list, const char *field);

/* ---- domain events --------------------------------------------------------------------------- */

/* Fills the envelope every domain event carries as field 1 (common.EventMeta): organisation,
 * actor (may be NULL: the system), the time now into at, the request id (NULL: the one of the
 * request this thread is handling, bus_current_request_id). Borrows. */
void svc_event_meta(Common__EventMeta *meta /* OUT */, const char *org, const char *actor,
                    const char *request_id, char at[32]);
/* Packs evt and adds it to <schema>.outbox in db's open transaction under subject
 * (outbox_add: published on EVENTS after the commit). */
status_t svc_event_add(db_t *db, const char *schema, const char *subject, const char *org,
                       const ProtobufCMessage *evt);
/* Both at once: evt's field 1 (its common.EventMeta: ST_INTERNAL, logged, if it has none) gets
 * a fresh envelope for the duration of the call, and the event goes to <schema>.outbox as
 * evt.<schema>.<entity>.<verb> in db's open transaction. */
status_t svc_event(db_t *db, const char *schema, const char *entity, const char *verb,
                   const char *org, const char *actor, ProtobufCMessage *evt);

#endif
