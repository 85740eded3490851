/* msgpatch.h - a PATCH, driven by descriptors: move the fields a request sent into a stored
 * message of another type with the same field names, clear named fields, and ask whether a
 * field was sent. So a new field of an entity is added in its proto (and its column), never in
 * a list of field names in C.
 *
 *     // UpdateThingRequest {id, name, tags, clear} -> Thing {id, name, tags, ...}
 *     static const char *const keep[] = {"id", NULL};
 *     msgpatch_merge(&thing->base, &in->base, keep);          // sent fields move over
 *     for (size_t i = 0; i < in->n_clear; i++)
 *         msgpatch_clear(&thing->base, in->clear[i]);          // named fields emptied
 *
 * "Sent" means: an optional scalar with its has_ flag, a string or message that is not NULL,
 * a repeated field with at least one element (proto2 cannot say "sent empty": use `clear`).
 * Fields of a oneof and bytes fields are left alone (no service proto has them in a PATCH).
 * Moved pointers leave the source (set NULL / 0), so both messages stay freeable with
 * protobuf_c_message_free_unpacked.
 */
#ifndef SHARED_MSGPATCH_H
#define SHARED_MSGPATCH_H

#include <protobuf-c/protobuf-c.h>
#include <stdbool.h>

/* Moves every field sent in src into the field of the same name in dst, replacing (and freeing)
 * what dst held. Fields named in skip (NULL-terminated, may be NULL) stay, as do fields dst
 * lacks or holds with another type, label or message/enum type. */
void msgpatch_merge(ProtobufCMessage *dst, ProtobufCMessage *src, const char *const *skip);

/* Empties field `name` of m (frees what it held, clears has_ / count). False when m has no
 * such field. */
bool msgpatch_clear(ProtobufCMessage *m, const char *name);

/* True when field `name` of m is sent (see above); false for no such field. */
bool msgpatch_sent(const ProtobufCMessage *m, const char *name);

#endif
