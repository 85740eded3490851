/* pbjson.h - the one generic JSON <-> protobuf-c transcoder, driven by descriptor reflection.
 *
 * The edge uses it to turn HTTP JSON bodies and path/query parameters into RPC input messages,
 * replies back into JSON, and descriptors into the OpenAPI document. No per-message code exists:
 * everything goes through ProtobufCMessageDescriptor.
 *
 *     ProtobufCMessage *in = pbjson_new(&agents__create_request__descriptor);
 *     pbjson_err_t err;
 *     if ((st = pbjson_set_str(in, "org_id", org, &err)) ||
 *         (st = pbjson_decode(in, body, body_len, &err)))
 *         reply_error(st, err.msg);
 *     ...
 *     pbjson_encode(reply, &out);            // appends {"id":"...", ...}
 *     protobuf_c_message_free_unpacked(in, NULL);
 *
 * Mapping rules
 * - Names: JSON keys are the proto field names exactly (snake_case). On input the lowerCamelCase
 *   json_name (`camel_case_name` -> `camelCaseName`) is accepted too; giving both is an error.
 * - 32-bit integers (int32 sint32 sfixed32 uint32 fixed32): JSON numbers. Input also accepts a
 *   decimal string ("42") and an integral real (42.0, 4.2e1); fractions and out-of-range values
 *   are errors.
 * - 64-bit integers (int64 sint64 sfixed64 uint64 fixed64): JSON numbers on output; on input a
 *   JSON integer or a decimal string, over the full 64-bit range. Integer literals outside the
 *   int64 range (e.g. a bare 18446744073709551615) are accepted as well.
 * - float/double: JSON numbers (integers accepted); NaN and infinities are the strings "NaN",
 *   "Infinity", "-Infinity" both ways; numeric strings are accepted on input. Output reads back
 *   to exactly the same value: integral values as integers, short decimals plainly (0.73), the
 *   rest with 15-17 significant digits (6-9 for float); -0 is "-0.0". Input beyond float range
 *   for a float field is an error.
 * - bool: true/false only.
 * - string: UTF-8 text. Output escapes '"', '\\' and control characters; other UTF-8 (including
 *   U+2028/2029) passes through; invalid UTF-8 in a message is replaced by U+FFFD on output.
 * - bytes: standard padded base64 on output; input accepts standard or URL-safe, padded or not.
 * - enums: the JSON name is the value name without the UPPER_SNAKE(type name)+"_" prefix,
 *   lower-cased (enum Role { ROLE_OWNER = 1; } -> "owner"; a value without the prefix is just
 *   lower-cased). Output writes it (a number unknown to the descriptor as a JSON number). Input
 *   accepts exactly that spelling and nothing else: no other case, no full value name, no
 *   number. The zero value named <PREFIX>_UNSPECIFIED means "not set": it is refused on input
 *   and left out of schemas and of the allowed names an error lists.
 * - Presence: present fields are output: proto2 optional scalars with has_<field> set,
 *   non-NULL strings and messages (a string still pointing at its proto2 default counts as
 *   absent), the selected oneof member; repeated and map fields always, empty ones as [] and {}
 *   (so a client never has to tell "missing" from "none"). A JSON null leaves the
 *   field untouched; a null inside an array or as a map value is an error.
 * - Messages are objects, repeated fields arrays, map fields objects keyed by the key's text
 *   ("7", "true" for integer and bool keys). Setting two members of one oneof in one object is an
 *   error; setting a member replaces whatever member was set before.
 * - Decoding merges, like protobuf MergeFrom: scalars and strings are replaced (the old string is
 *   freed), sub-messages are merged into, repeated fields are appended to, map entries with an
 *   existing key replace its value.
 * - Errors: unknown fields, wrong JSON types, duplicate keys, message nesting deeper than
 *   PBJSON_MAX_DEPTH, a top level that is not an object, and proto2 required fields missing after
 *   the merge (required scalars must appear in the JSON) are ST_INVALID with a message naming the
 *   field by its path, e.g. `field "agent.channels[2]": expected a string`,
 *   `unknown field "agent.foo"`, `field "counts[a]": expected an integer`.
 * - Memory: everything is allocated with malloc, so protobuf_c_message_free_unpacked(m, NULL)
 *   frees a decoded message completely, whether the decode succeeded or not.
 */
#ifndef SHARED_PBJSON_H
#define SHARED_PBJSON_H

#include <protobuf-c/protobuf-c.h>

#include "shared/status.h"
#include "shared/util.h"

/* Maximum nesting of message objects below the top-level one. */
#define PBJSON_MAX_DEPTH 32

/* A human-readable reason for ST_INVALID, naming the field, e.g.
 * `field "agent.channels[2]": expected a string`. Always NUL-terminated. */
typedef struct {
    char msg[256];
} pbjson_err_t;

/* A new empty message of type d (initialised with its defaults); never NULL.
 * Free with protobuf_c_message_free_unpacked(m, NULL). */
ProtobufCMessage *pbjson_new(const ProtobufCMessageDescriptor *d);

/* Parses json[0..len) (need not be NUL-terminated; must be a JSON object) and merges it into m.
 * ST_OK, or ST_INVALID with err->msg set (err may be NULL). On error m stays valid and freeable
 * but its contents are unspecified. */
status_t pbjson_decode(ProtobufCMessage *m, const char *json, size_t len, pbjson_err_t *err);

/* Sets the field of m named `field` (proto name or json_name) from the text `value`, as found in
 * a URL path segment or query parameter: integers and floats in decimal, bools as
 * "true"/"false"/"1"/"0", enums by their JSON name (as for JSON input), strings (must be valid
 * UTF-8) as is, bytes as base64; value must not be NULL. For a repeated field each call appends
 * one element; a oneof
 * member replaces the oneof's current member. ST_NOT_FOUND if m has no such field (the caller
 * decides whether that is an error), ST_INVALID with err set on a bad value or a message or map
 * field. */
status_t pbjson_set_str(ProtobufCMessage *m, const char *field, const char *value,
                        pbjson_err_t *err);

/* Appends m as a JSON object to out. Allocates nothing but buffer growth. */
void pbjson_encode(const ProtobufCMessage *m, buf_t *out);

/* Called once per distinct message type reachable from the described type (see pbjson_schema). */
typedef void (*pbjson_ref_cb)(const ProtobufCMessageDescriptor *d, void *ctx);

/* What a caller knows about a field beyond its descriptor, for pbjson_schema_with. */
enum {
    PBJSON_FACT_OMIT = 1 << 0,      /* left out of the schema (e.g. it comes from the URL path) */
    PBJSON_FACT_REQUIRED = 1 << 1,  /* listed in "required" (proto2 required fields always are) */
    PBJSON_FACT_READ_ONLY = 1 << 2, /* "readOnly": true: assigned by the server */
    PBJSON_FACT_UUID = 1 << 3,      /* string (or its items): "format": "uuid" */
    PBJSON_FACT_DATE_TIME = 1 << 4, /* string (or its items): "format": "date-time" */
};

/* The PBJSON_FACT_* bits of field f of message d. */
typedef unsigned (*pbjson_facts_cb)(const ProtobufCMessageDescriptor *d,
                                    const ProtobufCFieldDescriptor *f, void *ctx);

typedef struct {
    pbjson_ref_cb on_ref;  /* may be NULL */
    pbjson_facts_cb facts; /* may be NULL: no facts beyond the descriptor */
    void *ctx;             /* passed to both */
} pbjson_schema_opts_t;

/* Appends to out a JSON Schema object (OpenAPI 3.0 flavour) describing the JSON form of d:
 * {"type":"object","properties":{...}} with integer formats, enum name lists (without the
 * "unspecified" zero), base64 bytes ("format":"byte"), arrays, maps as additionalProperties,
 * proto2 defaults and required fields.
 * Fields of message type are {"$ref":"#/components/schemas/<full.name>"}; on_ref (may be NULL)
 * is called once for every distinct message type reachable from d, directly or through other
 * messages (d itself only if it is recursive; map entry types are inlined and never reported),
 * so the caller can emit each one under components/schemas with pbjson_schema again. */
void pbjson_schema(const ProtobufCMessageDescriptor *d, buf_t *out, pbjson_ref_cb on_ref,
                   void *ctx);
/* pbjson_schema with the caller's facts about fields (opts may be NULL). */
void pbjson_schema_with(const ProtobufCMessageDescriptor *d, buf_t *out,
                        const pbjson_schema_opts_t *opts);
/* Appends the schema of the one field f of d, with facts (PBJSON_FACT_*; REQUIRED and OMIT have
 * no meaning here), e.g. for a query parameter. A message field is a $ref, reported to nobody. */
void pbjson_schema_field(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f,
                         unsigned facts, buf_t *out);

#endif
