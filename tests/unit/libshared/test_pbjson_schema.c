/* test_pbjson_schema.c - pbjson_schema: the output parses as JSON, every field has the type the
 * mapping rules give it, and reachable message types are reported exactly once.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <string.h>

#include "proto/testmsg.pb-c.h"
#include "shared/pbjson.h"

typedef struct {
    const ProtobufCMessageDescriptor *seen[16];
    size_t n;
} refs_t;

static void on_ref(const ProtobufCMessageDescriptor *d, void *ctx)
{
    refs_t *r = ctx;
    cr_assert_lt(r->n, ARRAY_LEN(r->seen));
    r->seen[r->n++] = d;
}

/* The schema of d, parsed; refs (may be NULL) collects the reported types. */
static json_t *schema(const ProtobufCMessageDescriptor *d, refs_t *refs)
{
    buf_t b = BUF_INIT;
    json_error_t jerr;
    buf_puts(&b, "x"); /* appends, never overwrites */
    pbjson_schema(d, &b, refs ? on_ref : NULL, refs);
    cr_assert_eq(b.data[0], 'x');
    json_t *j = json_loads(b.data + 1, JSON_REJECT_DUPLICATES, &jerr);
    cr_assert_not_null(j, "schema is not JSON: %s: %s", jerr.text, b.data + 1);
    buf_cleanup(&b);
    return j;
}

/* Property `name` of the object schema s equals the JSON text want. */
static void prop_is(json_t *s, const char *name, const char *want)
{
    json_t *p = json_object_get(json_object_get(s, "properties"), name);
    json_error_t jerr;
    json_t *w = json_loads(want, 0, &jerr);
    cr_assert_not_null(w, "bad expectation %s", want);
    cr_assert_not_null(p, "no property %s", name);
    char *got = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS);
    cr_assert(json_equal(p, w), "property %s: got %s, want %s", name, got, want);
    free(got);
    json_decref(w);
}

Test(pbjson_schema, scalar_types)
{
    json_t *s = schema(&testmsg__all_types__descriptor, NULL);
    cr_assert_str_eq(json_string_value(json_object_get(s, "type")), "object");
    const char *i32 = "{\"type\":\"integer\",\"format\":\"int32\"}";
    const char *u32 = "{\"type\":\"integer\",\"format\":\"int64\",\"minimum\":0,"
                      "\"maximum\":4294967295}";
    const char *i64 = "{\"type\":\"integer\",\"format\":\"int64\"}";
    const char *u64 = "{\"type\":\"integer\",\"format\":\"uint64\",\"minimum\":0}";
    prop_is(s, "f_int32", i32);
    prop_is(s, "f_sint32", i32);
    prop_is(s, "f_sfixed32", i32);
    prop_is(s, "f_uint32", u32);
    prop_is(s, "f_fixed32", u32);
    prop_is(s, "f_int64", i64);
    prop_is(s, "f_sint64", i64);
    prop_is(s, "f_sfixed64", i64);
    prop_is(s, "f_uint64", u64);
    prop_is(s, "f_fixed64", u64);
    prop_is(s, "f_float", "{\"type\":\"number\",\"format\":\"float\"}");
    prop_is(s, "f_double", "{\"type\":\"number\",\"format\":\"double\"}");
    prop_is(s, "f_bool", "{\"type\":\"boolean\"}");
    prop_is(s, "f_string", "{\"type\":\"string\"}");
    prop_is(s, "f_bytes", "{\"type\":\"string\",\"format\":\"byte\"}");
    cr_assert_null(json_object_get(s, "required"));
    json_decref(s);
}

Test(pbjson_schema, enums_messages_repeated_maps)
{
    json_t *s = schema(&testmsg__all_types__descriptor, NULL);
    /* the ROLE_UNSPECIFIED zero is no JSON name; HTTP_METHOD_GET, a zero too, is */
    const char *role = "{\"type\":\"string\",\"enum\":[\"owner\",\"member\",\"read_only\"]}";
    prop_is(s, "f_role", role);
    prop_is(s, "c_role", role);
    prop_is(s, "f_method", "{\"type\":\"string\",\"enum\":[\"get\",\"post\",\"delete\"]}");
    prop_is(s, "f_inner", "{\"$ref\":\"#/components/schemas/testmsg.Inner\"}");
    prop_is(s, "c_inner", "{\"$ref\":\"#/components/schemas/testmsg.Inner\"}");
    prop_is(s, "r_int64",
            "{\"type\":\"array\",\"items\":{\"type\":\"integer\",\"format\":\"int64\"}}");
    prop_is(s, "r_bytes",
            "{\"type\":\"array\",\"items\":{\"type\":\"string\",\"format\":\"byte\"}}");
    prop_is(s, "r_role",
            "{\"type\":\"array\",\"items\":{\"type\":\"string\",\"enum\":["
            "\"owner\",\"member\",\"read_only\"]}}");
    prop_is(s, "r_inner",
            "{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/testmsg.Inner\"}}");
    prop_is(s, "counts",
            "{\"type\":\"object\",\"additionalProperties\":{\"type\":\"integer\","
            "\"format\":\"int32\"}}");
    prop_is(s, "inners",
            "{\"type\":\"object\",\"additionalProperties\":"
            "{\"$ref\":\"#/components/schemas/testmsg.Inner\"}}");
    prop_is(s, "names_by_id",
            "{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"}}");
    prop_is(s, "roles_by_flag",
            "{\"type\":\"object\",\"additionalProperties\":{\"type\":"
            "\"string\",\"enum\":[\"owner\",\"member\",\"read_only\"]}}");
    prop_is(s, "blobs",
            "{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\","
            "\"format\":\"byte\"}}");
    prop_is(s, "c_text", "{\"type\":\"string\"}");
    prop_is(s, "o_ratio", "{\"type\":\"number\",\"format\":\"double\"}");
    json_decref(s);
}

Test(pbjson_schema, defaults_and_deprecation)
{
    json_t *s = schema(&testmsg__all_types__descriptor, NULL);
    prop_is(s, "d_string", "{\"type\":\"string\",\"default\":\"hello\"}");
    prop_is(s, "d_int32", "{\"type\":\"integer\",\"format\":\"int32\",\"default\":7}");
    prop_is(s, "d_bytes", "{\"type\":\"string\",\"format\":\"byte\",\"default\":\"eHk=\"}");
    prop_is(s, "d_role",
            "{\"type\":\"string\",\"enum\":[\"owner\",\"member\",\"read_only\"],"
            "\"default\":\"member\"}");
    prop_is(s, "d_double", "{\"type\":\"number\",\"format\":\"double\",\"default\":1.5}");
    prop_is(s, "d_bool", "{\"type\":\"boolean\",\"default\":true}");
    prop_is(s, "camel_case_name", "{\"type\":\"string\",\"deprecated\":true}");
    json_decref(s);
}

Test(pbjson_schema, every_field_is_described)
{
    json_t *s = schema(&testmsg__all_types__descriptor, NULL);
    json_t *props = json_object_get(s, "properties");
    cr_assert_eq(json_object_size(props), testmsg__all_types__descriptor.n_fields);
    for (unsigned i = 0; i < testmsg__all_types__descriptor.n_fields; i++)
        cr_assert_not_null(json_object_get(props, testmsg__all_types__descriptor.fields[i].name));
    json_decref(s);
}

Test(pbjson_schema, refs_reported_once)
{
    refs_t r = {{0}, 0};
    json_t *s = schema(&testmsg__all_types__descriptor, &r);
    /* Inner is referenced six times (and by itself) but reported once; map entries never */
    cr_assert_eq(r.n, 1);
    cr_assert_eq(r.seen[0], &testmsg__inner__descriptor);
    json_decref(s);

    r.n = 0;
    s = schema(&testmsg__inner__descriptor, &r); /* recursive: reports itself */
    prop_is(s, "child", "{\"$ref\":\"#/components/schemas/testmsg.Inner\"}");
    prop_is(s, "tags", "{\"type\":\"array\",\"items\":{\"type\":\"string\"}}");
    cr_assert_eq(r.n, 1);
    cr_assert_eq(r.seen[0], &testmsg__inner__descriptor);
    json_decref(s);

    r.n = 0;
    s = schema(&testmsg__outer__descriptor, &r); /* transitive, in discovery order */
    cr_assert_eq(r.n, 3);
    cr_assert_eq(r.seen[0], &testmsg__all_types__descriptor);
    cr_assert_eq(r.seen[1], &testmsg__outer__descriptor);
    cr_assert_eq(r.seen[2], &testmsg__inner__descriptor);
    json_decref(s);

    r.n = 0;
    s = schema(&testmsg__not_amap__descriptor, &r);
    prop_is(s, "entries",
            "{\"type\":\"array\",\"items\":{\"$ref\":\"#/components/schemas/testmsg.Entry\"}}");
    cr_assert_eq(r.n, 1);
    cr_assert_eq(r.seen[0], &testmsg__entry__descriptor);
    json_decref(s);
}

Test(pbjson_schema, required_and_empty)
{
    refs_t r = {{0}, 0};
    json_t *s = schema(&testmsg__with_required__descriptor, &r);
    json_t *req = json_object_get(s, "required");
    cr_assert_eq(json_array_size(req), 2);
    cr_assert_str_eq(json_string_value(json_array_get(req, 0)), "id");
    cr_assert_str_eq(json_string_value(json_array_get(req, 1)), "count");
    cr_assert_eq(r.n, 1);
    cr_assert_eq(r.seen[0], &testmsg__with_required__descriptor);
    json_decref(s);

    r.n = 0;
    buf_t b = BUF_INIT;
    pbjson_schema(&testmsg__empty__descriptor, &b, on_ref, &r);
    cr_assert_str_eq(b.data, "{\"type\":\"object\",\"properties\":{}}");
    cr_assert_eq(r.n, 0);
    buf_cleanup(&b);
}

/* The caller's facts: OMIT, REQUIRED, READ_ONLY, UUID and DATE_TIME per field. */
static unsigned inner_facts(const ProtobufCMessageDescriptor *d, const ProtobufCFieldDescriptor *f,
                            void *ctx)
{
    (void)ctx;
    cr_assert_eq(d, &testmsg__inner__descriptor);
    if (strcmp(f->name, "name") == 0)
        return PBJSON_FACT_UUID | PBJSON_FACT_READ_ONLY | PBJSON_FACT_REQUIRED;
    if (strcmp(f->name, "tags") == 0)
        return PBJSON_FACT_DATE_TIME | PBJSON_FACT_REQUIRED;
    if (strcmp(f->name, "n") == 0)
        return PBJSON_FACT_OMIT | PBJSON_FACT_REQUIRED; /* omitted: not required either */
    return 0;
}

Test(pbjson_schema, facts_of_the_caller)
{
    refs_t r = {{0}, 0};
    buf_t b = BUF_INIT;
    json_error_t jerr;
    pbjson_schema_opts_t opts = {.on_ref = on_ref, .facts = inner_facts, .ctx = &r};

    pbjson_schema_with(&testmsg__inner__descriptor, &b, &opts);
    json_t *s = json_loads(b.data, JSON_REJECT_DUPLICATES, &jerr);
    cr_assert_not_null(s, "%s: %s", jerr.text, b.data);
    prop_is(s, "name", "{\"type\":\"string\",\"format\":\"uuid\",\"readOnly\":true}");
    prop_is(s, "tags",
            "{\"type\":\"array\",\"items\":{\"type\":\"string\",\"format\":\"date-time\"}}");
    cr_assert_null(json_object_get(json_object_get(s, "properties"), "n"));
    char *req = json_dumps(json_object_get(s, "required"), JSON_COMPACT);
    cr_assert_str_eq(req, "[\"name\",\"tags\"]");
    free(req);
    cr_assert_eq(r.n, 1); /* child is still reported through opts */
    json_decref(s);

    buf_reset(&b);
    pbjson_schema_field(&testmsg__inner__descriptor, &testmsg__inner__descriptor.fields[0],
                        PBJSON_FACT_UUID, &b);
    cr_assert_str_eq(b.data, "{\"type\":\"string\",\"format\":\"uuid\"}");
    buf_reset(&b);
    pbjson_schema_with(&testmsg__with_required__descriptor, &b,
                       NULL); /* no opts: descriptor only */
    cr_assert(strstr(b.data, "\"required\":[\"id\",\"count\"]"), "%s", b.data);
    buf_cleanup(&b);
}

/* Building a components section the way the edge will: every reported type once. */
Test(pbjson_schema, components_document)
{
    refs_t r = {{0}, 0};
    buf_t doc = BUF_INIT;
    json_error_t jerr;

    buf_puts(&doc, "{\"request\":");
    pbjson_schema(&testmsg__outer__descriptor, &doc, on_ref, &r);
    buf_puts(&doc, ",\"components\":{\"schemas\":{");
    for (size_t i = 0; i < r.n; i++) {
        buf_printf(&doc, "%s\"%s\":", i ? "," : "", r.seen[i]->name);
        pbjson_schema(r.seen[i], &doc, NULL, NULL);
    }
    buf_puts(&doc, "}}}");
    json_t *j = json_loads(doc.data, JSON_REJECT_DUPLICATES, &jerr);
    cr_assert_not_null(j, "%s", jerr.text);
    json_t *schemas = json_object_get(json_object_get(j, "components"), "schemas");
    cr_assert_eq(json_object_size(schemas), 3);
    cr_assert_not_null(json_object_get(schemas, "testmsg.Inner"));
    cr_assert_not_null(json_object_get(schemas, "testmsg.AllTypes"));
    cr_assert_not_null(json_object_get(schemas, "testmsg.Outer"));
    json_decref(j);
    buf_cleanup(&doc);
}
