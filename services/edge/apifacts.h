/* apifacts.h - what the public JSON promises beyond the protos, for the OpenAPI document.
 *
 * The protos are proto2 with every field optional (PATCH needs presence), so which fields are
 * always there, which strings are UUIDs or timestamps and which errors a route can answer come
 * from elsewhere: each service's services/<name>/openapi.def (X-macro lines REQUIRED, ID, UUID,
 * ERRORS, documented in services/auth/openapi.def), plus rules that need no line:
 *   - string fields named `at` or `*_at` are timestamps: date-time, readOnly;
 *   - repeated fields of messages that only appear in answers are required (pbjson writes []);
 *   - every route can answer 400, 503 and 504; ROUTE_SESSION routes 401; routes other than GET
 *     403 (a cross-site request, or the role); routes with path parameters 404; routes with a
 *     body 413; the rest (409, 429, 401 on public routes...) is declared by ERRORS lines.
 *
 *     apifacts_init();                            // after routes_init; aborts on a bad line
 *     unsigned facts = apifacts_field(d, f);      // PBJSON_FACT_* bits for pbjson_schema_with
 */
#ifndef EDGE_APIFACTS_H
#define EDGE_APIFACTS_H

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>

#include "routes.h"

#define APIFACTS_MAX_ERRORS 16

/* Checks every openapi.def line against the descriptors and the route table (a field, rpc or
 * status that does not exist, or a UUID line on a non-string field, is logged and aborts) and
 * sorts the messages the routes reach into requests and answers. Idempotent. */
void apifacts_init(void);

/* PBJSON_FACT_REQUIRED / READ_ONLY / UUID / DATE_TIME bits of field f of message d. */
unsigned apifacts_field(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f);

/* True if d (or a message containing it) is a route's answer and never part of a request. */
bool apifacts_answer_only(const ProtobufCMessageDescriptor *d);

/* True if route r takes a request body (any method but GET and DELETE). */
bool apifacts_has_body(const route_t *r);

/* The HTTP error statuses route r can answer, ascending, into out; returns how many. */
int apifacts_errors(const route_t *r, int out[APIFACTS_MAX_ERRORS]);

#endif
