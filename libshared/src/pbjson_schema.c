/* pbjson_schema.c - JSON Schema (OpenAPI 3.0 flavour) for the JSON form pbjson gives a message.
 *
 * Mirrors the mapping rules in pbjson.h field by field. Message-typed fields become $refs to
 * #/components/schemas/<full name>; every message type reachable from the described one is
 * reported once through the caller's callback so the edge can emit the components section.
 */
#include "pbjson_int.h"

#include <stdlib.h>
#include <string.h>

#include "shared/json.h"

/* The distinct message types met so far, in discovery order. */
typedef struct {
    const ProtobufCMessageDescriptor **v;
    size_t n, cap;
} refs_t;

static void refs_add(refs_t *r, const ProtobufCMessageDescriptor *d)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->v[i] == d)
            return;
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 8;
        r->v = xrealloc(r->v, r->cap * sizeof(*r->v));
    }
    r->v[r->n++] = d;
}

/* The members of the schema of one value of f (no braces), or a $ref. */
static void put_type(buf_t *out, const ProtobufCFieldDescriptor *f, unsigned facts, refs_t *refs)
{
    const ProtobufCEnumDescriptor *e;
    const ProtobufCMessageDescriptor *md;
    bool first = true;

    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        buf_puts(out, "\"type\":\"integer\",\"format\":\"int32\"");
        break;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        buf_puts(out, "\"type\":\"integer\",\"format\":\"int64\",\"minimum\":0,"
                      "\"maximum\":4294967295");
        break;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        buf_puts(out, "\"type\":\"integer\",\"format\":\"int64\"");
        break;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        buf_puts(out, "\"type\":\"integer\",\"format\":\"uint64\",\"minimum\":0");
        break;
    case PROTOBUF_C_TYPE_FLOAT:
        buf_puts(out, "\"type\":\"number\",\"format\":\"float\"");
        break;
    case PROTOBUF_C_TYPE_DOUBLE:
        buf_puts(out, "\"type\":\"number\",\"format\":\"double\"");
        break;
    case PROTOBUF_C_TYPE_BOOL:
        buf_puts(out, "\"type\":\"boolean\"");
        break;
    case PROTOBUF_C_TYPE_STRING:
        buf_puts(out, "\"type\":\"string\"");
        if (facts & PBJSON_FACT_UUID)
            buf_puts(out, ",\"format\":\"uuid\"");
        else if (facts & PBJSON_FACT_DATE_TIME)
            buf_puts(out, ",\"format\":\"date-time\"");
        break;
    case PROTOBUF_C_TYPE_BYTES:
        buf_puts(out, "\"type\":\"string\",\"format\":\"byte\"");
        break;
    case PROTOBUF_C_TYPE_ENUM: /* the "unspecified" zero is no JSON name: left out */
        e = f->descriptor;
        buf_puts(out, "\"type\":\"string\",\"enum\":[");
        for (unsigned i = 0; i < e->n_values; i++) {
            if (pbjson__enum_hidden(e, &e->values[i]))
                continue;
            buf_puts(out, first ? "\"" : ",\"");
            first = false;
            pbjson__enum_put_name(out, e, &e->values[i]);
            buf_putc(out, '"');
        }
        buf_putc(out, ']');
        break;
    case PROTOBUF_C_TYPE_MESSAGE:
        md = f->descriptor;
        buf_printf(out, "\"$ref\":\"#/components/schemas/%s\"", md->name);
        if (refs)
            refs_add(refs, md);
        break;
    }
}

static void put_field(buf_t *out, const ProtobufCMessageDescriptor *d,
                      const ProtobufCFieldDescriptor *f, unsigned facts, refs_t *refs)
{
    buf_putc(out, '{');
    if (f->label == PROTOBUF_C_LABEL_REPEATED && pbjson__is_map(d, f)) {
        const ProtobufCMessageDescriptor *ed = f->descriptor;
        buf_puts(out, "\"type\":\"object\",\"additionalProperties\":{");
        put_type(out, &ed->fields[1], facts, refs);
        buf_putc(out, '}');
    } else if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        buf_puts(out, "\"type\":\"array\",\"items\":{");
        put_type(out, f, facts, refs);
        buf_putc(out, '}');
    } else {
        put_type(out, f, facts, refs);
        if (f->type == PROTOBUF_C_TYPE_MESSAGE) { /* siblings of $ref are ignored in 3.0 */
            buf_putc(out, '}');
            return;
        }
        if (f->default_value) {
            buf_puts(out, ",\"default\":");
            if (f->type == PROTOBUF_C_TYPE_STRING)
                json_put_cstr(out, f->default_value);
            else
                pbjson__put_value(out, f, f->default_value);
        }
    }
    if (facts & PBJSON_FACT_READ_ONLY)
        buf_puts(out, ",\"readOnly\":true");
    if (f->flags & PROTOBUF_C_FIELD_FLAG_DEPRECATED)
        buf_puts(out, ",\"deprecated\":true");
    buf_putc(out, '}');
}

static unsigned facts_of(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f,
                         const pbjson_schema_opts_t *opts)
{
    unsigned facts = opts && opts->facts ? opts->facts(d, f, opts->ctx) : 0;
    if (f->label == PROTOBUF_C_LABEL_REQUIRED)
        facts |= PBJSON_FACT_REQUIRED;
    return facts;
}

static void put_object(buf_t *out, const ProtobufCMessageDescriptor *d,
                       const pbjson_schema_opts_t *opts, refs_t *refs)
{
    bool first = true;

    buf_puts(out, "{\"type\":\"object\",\"properties\":{");
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        unsigned facts = facts_of(d, f, opts);
        if (facts & PBJSON_FACT_OMIT)
            continue;
        buf_printf(out, "%s\"%s\":", first ? "" : ",", f->name);
        first = false;
        put_field(out, d, f, facts, refs);
    }
    buf_putc(out, '}');
    first = true;
    for (unsigned i = 0; i < d->n_fields; i++) {
        unsigned facts = facts_of(d, &d->fields[i], opts);
        if (!(facts & PBJSON_FACT_REQUIRED) || (facts & PBJSON_FACT_OMIT))
            continue;
        buf_printf(out, "%s\"%s\"", first ? ",\"required\":[" : ",", d->fields[i].name);
        first = false;
    }
    if (!first)
        buf_putc(out, ']');
    buf_putc(out, '}');
}

/* Adds the message types d's fields refer to (map entries see through to their value). */
static void collect_refs(const ProtobufCMessageDescriptor *d, refs_t *refs)
{
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (f->type != PROTOBUF_C_TYPE_MESSAGE)
            continue;
        if (pbjson__is_map(d, f)) {
            const ProtobufCMessageDescriptor *ed = f->descriptor;
            f = &ed->fields[1];
            if (f->type != PROTOBUF_C_TYPE_MESSAGE)
                continue;
        }
        refs_add(refs, f->descriptor);
    }
}

void pbjson_schema_with(const ProtobufCMessageDescriptor *d, buf_t *out,
                        const pbjson_schema_opts_t *opts)
{
    refs_t refs = {NULL, 0, 0};

    put_object(out, d, opts, &refs);
    for (size_t i = 0; i < refs.n; i++) /* refs.n grows while walking: breadth-first closure */
        collect_refs(refs.v[i], &refs);
    if (opts && opts->on_ref)
        for (size_t i = 0; i < refs.n; i++)
            opts->on_ref(refs.v[i], opts->ctx);
    free(refs.v);
}

void pbjson_schema(const ProtobufCMessageDescriptor *d, buf_t *out, pbjson_ref_cb on_ref, void *ctx)
{
    pbjson_schema_opts_t opts = {.on_ref = on_ref, .ctx = ctx};
    pbjson_schema_with(d, out, &opts);
}

void pbjson_schema_field(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f,
                         unsigned facts, buf_t *out)
{
    put_field(out, d, f, facts, NULL);
}
