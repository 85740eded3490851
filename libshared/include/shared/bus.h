/* bus.h - the NATS bus: serve a proto service, call one, publish, and JetStream helpers.
 *
 * Subjects follow the brief: the methods of proto service S in package p are served on
 * `svc.<name>.<method>` where <name> is the bus name given to bus_connect (e.g. "auth") and
 * <method> is the rpc name in snake_case (`rpc PasswordForgot` -> `svc.auth.password_forgot`),
 * in a queue group named <name>, so N replicas share the load. Context travels in headers
 * (Org-Id, User-Id, Role, Request-Id, Deadline); errors are the NATS micro convention: headers
 * Nats-Service-Error-Code (HTTP-like) and Nats-Service-Error (human message), empty body.
 *
 * Serving:
 *     static const bus_method_t methods[] = {
 *         {"login", auth_handle_login}, {"me", auth_handle_me}, ...
 *     };
 *     bus_serve(bus, &auth__auth__descriptor, methods, ARRAY_LEN(methods), svc, workers);
 *
 * A handler runs on one of `workers` threads, decodes with bus_req_decode, and must answer
 * at most once with bus_reply. A handler that returns a failure without replying is answered
 * with that status (and the message bus_req_fail set); one that returns ST_OK without replying
 * is answered ST_INTERNAL.
 * Every served service also answers `svc.<name>.ping` (used by /api/health/ready).
 *
 * Connections send ASAP (no write coalescing delay) and reconnect forever.
 */
#ifndef SHARED_BUS_H
#define SHARED_BUS_H

#include <nats/nats.h>
#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "shared/names.h"
#include "shared/status.h"

/* The headers' names live in names.h (they cross service boundaries); these are their bus
 * spellings. */
#define BUS_HDR_ORG            HDR_ORG_ID
#define BUS_HDR_USER           HDR_USER_ID
#define BUS_HDR_ROLE           HDR_ROLE
#define BUS_HDR_REQUEST_ID     HDR_REQUEST_ID
#define BUS_HDR_DEADLINE       HDR_DEADLINE
#define BUS_HDR_CACHE_CONTROL  HDR_CACHE_CONTROL
#define BUS_HDR_ERR_CODE       HDR_ERR_CODE
#define BUS_HDR_ERR            HDR_ERR
#define BUS_DEFAULT_TIMEOUT_MS 5000

typedef struct bus bus_t;
typedef struct bus_req bus_req_t;

/* Connects to url (comma-separated list allowed) as `name`. Retries the first connection until
 * it succeeds or timeout_ms passes; afterwards reconnects forever. */
status_t bus_connect(const char *name, const char *url, int timeout_ms, bus_t **out);

/* An event loop that drives the connection's socket itself (cnats event-loop mode: no read
 * thread). cnats calls attach with the socket when (re)connected, read/write to ask for read /
 * write readiness, detach when the socket goes; the loop then calls
 * natsConnection_ProcessReadEvent / ProcessWriteEvent. The callbacks may come from cnats
 * threads (reconnects, timers). */
typedef struct {
    void *loop;
    natsEvLoop_Attach attach;
    natsEvLoop_ReadAddRemove read;
    natsEvLoop_WriteAddRemove write;
    natsEvLoop_Detach detach;
} bus_loop_t;
/* bus_connect in event-loop mode: the loop's thread reads and writes the socket, so no read
 * thread wakes per message. (Replies to bus_call_async still reach their callback through the
 * inbox subscription's delivery thread: a synchronous inbox polled by the loop would save that
 * hand-off too, but cnats's NextMsg swallows a no-responders reply without saying whose it was,
 * and a call nobody serves must fail at once.) Synchronous calls, serving and flushes need the
 * loop running on another thread; the edge uses none of them. */
status_t bus_connect_loop(const char *name, const char *url, int timeout_ms, const bus_loop_t *loop,
                          bus_t **out);
/* Stops serving (drains in-flight handlers), closes, frees. NULL-safe. */
void bus_free(bus_t *bus);
natsConnection *bus_nats(bus_t *bus);
const char *bus_name(const bus_t *bus);
/* A unique id of this process on the bus, for logs and pongs. */
const char *bus_instance(const bus_t *bus);

/* ---- serving ---------------------------------------------------------------------------- */

typedef status_t (*bus_handler_fn)(void *svc, bus_req_t *req);

typedef struct {
    const char *method; /* snake_case rpc name, e.g. "password_forgot" */
    bus_handler_fn fn;
} bus_method_t;

/* Subscribes every rpc of desc (each must have a method entry: a missing handler aborts, the
 * proto is the contract) plus ping. Handlers run on `workers` threads with `svc` as context.
 * `ping_fn`, when set, fills in db_ok for the ping reply. */
status_t bus_serve(bus_t *bus, const ProtobufCServiceDescriptor *desc, const bus_method_t *methods,
                   size_t n_methods, void *svc, int workers);
/* Optional hook run by the ping handler; return false when the service is not healthy. */
void bus_set_health_check(bus_t *bus, bool (*check)(void *svc));

/* snake_case of a proto rpc name: "PasswordForgot" -> "password_forgot" into out. */
void bus_method_name(const char *rpc_name, char *out, size_t outlen);

/* Request accessors. Strings live as long as the request; NULL when absent. */
const char *bus_req_subject(const bus_req_t *req);
const char *bus_req_header(const bus_req_t *req, const char *name);
const char *bus_req_org(const bus_req_t *req);
const char *bus_req_user(const bus_req_t *req);
const char *bus_req_role(const bus_req_t *req);
const char *bus_req_id(const bus_req_t *req);
const ProtobufCMethodDescriptor *bus_req_method(const bus_req_t *req);
const void *bus_req_data(const bus_req_t *req, size_t *len);
/* The Request-Id of the request the calling thread is handling, NULL outside a handler (for
 * records that outlive the call, such as domain events). */
const char *bus_current_request_id(void);
/* Decodes the body as the method's input message (ST_INVALID on garbage). Caller frees with
 * protobuf_c_message_free_unpacked(*out, NULL). */
status_t bus_req_decode(bus_req_t *req, ProtobufCMessage **out);
/* Sets the human message sent with a failing reply (default: status_str). printf-style. */
void bus_req_fail(bus_req_t *req, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Adds a header to the reply (e.g. Session-Token, Retry-After). Before bus_reply. */
void bus_req_reply_header(bus_req_t *req, const char *name, const char *value);
/* Answers: on ST_OK packs msg (NULL = empty body); otherwise error headers. Once per request. */
void bus_reply(bus_req_t *req, status_t st, const ProtobufCMessage *msg);
/* Answers ST_OK with an already packed reply message (e.g. one kept in a cache). */
void bus_reply_packed(bus_req_t *req, const void *data, size_t len);

/* ---- calling ------------------------------------------------------------------------------ */

/* Context headers of an outgoing call; NULL fields are not sent. */
typedef struct {
    const char *org_id;
    const char *user_id;
    const char *role;
    const char *request_id;
    const char *const *extra; /* more headers: name, value, name, value, ..., NULL */
} bus_ctx_t;

/* Fills ctx from a request being served, to propagate it to a downstream call. */
void bus_ctx_from_req(const bus_req_t *req, bus_ctx_t *ctx);

/* Synchronous call. out_desc NULL = ignore the reply body. On failure, errmsg (if given) gets
 * the remote's message. ST_UNAVAILABLE when nobody serves the subject, ST_TIMEOUT past it. */
status_t bus_call(bus_t *bus, const char *subject, const bus_ctx_t *ctx, const ProtobufCMessage *in,
                  const ProtobufCMessageDescriptor *out_desc, ProtobufCMessage **out, char *errmsg,
                  size_t errlen, int timeout_ms);

/* Asynchronous raw call (the edge). `cb` runs on a bus thread exactly once: with the reply
 * message (ownership passes to cb: natsMsg_Destroy it), or with msg NULL and st set
 * (ST_UNAVAILABLE: no responders, ST_TIMEOUT: no answer within timeout_ms). When msg is set,
 * st is decoded from the error headers and errmsg points into msg. */
typedef void (*bus_async_cb)(void *arg, status_t st, const char *errmsg, natsMsg *msg);
status_t bus_call_async(bus_t *bus, const char *subject, const bus_ctx_t *ctx, const void *data,
                        size_t len, int timeout_ms, bus_async_cb cb, void *arg);

/* Decodes status and message of a reply received by any path. */
status_t bus_reply_status(natsMsg *msg, const char **errmsg);

/* Core NATS subscription (every instance gets every message: no queue group). fn runs on a
 * cnats thread with the message's subject and body, borrowed for the call. Ended by bus_free. */
typedef void (*bus_msg_fn)(void *arg, const char *subject, const void *data, size_t len);
status_t bus_subscribe(bus_t *bus, const char *subject, bus_msg_fn fn, void *arg);

/* Core NATS publish (notify.* pushes). */
status_t bus_publish(bus_t *bus, const char *subject, const void *data, size_t len);

/* ---- JetStream ------------------------------------------------------------------------------ */

/* Retention and copies of a stream; a zero field keeps the server's default (one copy, no age or
 * size limit). */
typedef struct {
    int replicas;      /* copies in a NATS cluster, 1..5 (a single server takes only 1) */
    int64_t max_age_s; /* messages older than this many seconds are dropped */
    int64_t max_bytes; /* above this size the oldest messages are dropped */
    bool work_queue;   /* work-queue retention: a message is gone once acknowledged (set at
                          creation: the server refuses to change a stream's retention) */
} bus_js_limits_t;

/* Creates or updates a stream capturing `subjects` (comma separated), without limits. */
status_t bus_js_ensure_stream(bus_t *bus, const char *stream, const char *subjects);
/* The same with limits (NULL: none). Updating a stream to fewer limits removes them. */
status_t bus_js_ensure_stream_limits(bus_t *bus, const char *stream, const char *subjects,
                                     const bus_js_limits_t *limits);
/* Publishes and waits for the PubAck; msg_id (may be NULL) dedups within the stream window. */
status_t bus_js_publish(bus_t *bus, const char *subject, const char *msg_id, const void *data,
                        size_t len);

/* A durable pull consumer on `stream` for subjects matching `filter`, run by one thread that
 * fetches in batches and calls fn for each message. fn's status decides the acknowledgement:
 * ST_OK acks; ST_INVALID (a message that can never succeed) terminates it; anything else naks
 * it for redelivery after a backoff growing with the delivery count. A message delivered
 * max_deliver times is terminated and logged (the dead letter is the stream itself). Consumers
 * must be idempotent: after a crash a message may come again. Stopped by bus_free. */
typedef status_t (*bus_js_handler_fn)(void *ctx, natsMsg *msg, int delivery);
status_t bus_js_consume(bus_t *bus, const char *stream, const char *durable, const char *filter,
                        int max_deliver, bus_js_handler_fn fn, void *ctx);

/* The settings of a consumer run by bus_js_consume_opts; a zero field takes the default. */
typedef struct {
    int max_deliver; /* deliveries before the message is terminated [10] */
    int ack_wait_ms; /* unacknowledged this long, a message is delivered again [30000] */
    int fetch;       /* messages fetched at once by the thread, 1..256 [32]: 1 for long jobs, so
                        the other threads and replicas take the rest */
} bus_js_consumer_opts_t;
typedef struct bus_js_consumer bus_js_consumer_t;
/* bus_js_consume with settings; several calls on one durable run several threads sharing its
 * messages. The consumer's settings on the server are the last caller's. out (may be NULL) gets
 * a handle for bus_js_consumer_stop; the consumer belongs to the bus either way. */
status_t bus_js_consume_opts(bus_t *bus, const char *stream, const char *durable,
                             const char *filter, const bus_js_consumer_opts_t *opts,
                             bus_js_handler_fn fn, void *ctx, bus_js_consumer_t **out);
/* Stops the consumer's thread: no message is fetched after it returns, and the one being handled
 * is finished (acknowledged as its handler says). The durable consumer stays on the server; the
 * bus frees the rest. Idempotent, NULL-safe. */
void bus_js_consumer_stop(bus_js_consumer_t *c);
/* From a handler: the message is still being worked on, so the server restarts its AckWait
 * (a job longer than the AckWait says so every ack_wait_ms / 3). Thread-safe while the handler
 * has not returned. */
status_t bus_js_in_progress(natsMsg *msg);

#endif
