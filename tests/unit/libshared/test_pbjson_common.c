/* test_pbjson_common.c - pbjson's reflection layer (pbjson_common.c through pbjson_int.h):
 * json_name and enum naming, map detection, error paths, presence and storage.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "../../../libshared/src/pbjson_int.h"
#include "proto/testmsg.pb-c.h"

static const ProtobufCFieldDescriptor *field(const ProtobufCMessageDescriptor *d, const char *n)
{
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, n);
    cr_assert_not_null(f, "%s", n);
    return f;
}

Test(pbjson_common, json_names)
{
    cr_assert(pbjson__json_name_eq("camel_case_name", "camelCaseName"));
    cr_assert(pbjson__json_name_eq("f_int32", "fInt32"));
    cr_assert(pbjson__json_name_eq("name", "name"));
    cr_assert(pbjson__json_name_eq("a__b", "aB"));
    cr_assert(pbjson__json_name_eq("x_1", "x1"));
    cr_assert_not(pbjson__json_name_eq("camel_case_name", "camelCase"));
    cr_assert_not(pbjson__json_name_eq("camel_case_name", "camelCaseNameX"));
    cr_assert_not(pbjson__json_name_eq("camel_case_name", "CamelCaseName"));
    cr_assert_not(pbjson__json_name_eq("camel_case_name", "camelcasename"));

    bool alias;
    const ProtobufCMessageDescriptor *d = &testmsg__all_types__descriptor;
    cr_assert_eq(pbjson__find_field(d, "f_int32", &alias), field(d, "f_int32"));
    cr_assert_not(alias);
    cr_assert_eq(pbjson__find_field(d, "fInt32", &alias), field(d, "f_int32"));
    cr_assert(alias);
    cr_assert_null(pbjson__find_field(d, "f_int", NULL));
    cr_assert_null(pbjson__find_field(d, "", NULL));
}

Test(pbjson_common, enum_prefixes)
{
    const ProtobufCEnumDescriptor *role = &testmsg__role__descriptor;
    const ProtobufCEnumDescriptor *method = &testmsg__httpmethod__descriptor;
    cr_assert_eq(pbjson__enum_prefix_len(role, "ROLE_OWNER"), 5);
    cr_assert_eq(pbjson__enum_prefix_len(role, "ROLE_"), 0);
    cr_assert_eq(pbjson__enum_prefix_len(role, "ROLE"), 0);
    cr_assert_eq(pbjson__enum_prefix_len(role, "ROLEX_A"), 0);
    cr_assert_eq(pbjson__enum_prefix_len(role, "OWNER"), 0);
    cr_assert_eq(pbjson__enum_prefix_len(method, "HTTP_METHOD_GET"), 12);
    cr_assert_eq(pbjson__enum_prefix_len(method, "HTTPMETHOD_GET"), 0);
    cr_assert_eq(pbjson__enum_prefix_len(method, "DELETE"), 0);

    /* the UPPER_SNAKE rule on other shapes of type names */
    static const struct {
        const char *type, *value;
        size_t want;
    } cases[] = {
        {"AgentStatus", "AGENT_STATUS_ACTIVE", 13},
        {"Oauth2Provider", "OAUTH2_PROVIDER_X", 16},
        {"ABTest", "AB_TEST_ON", 8},
        {"IOError", "IO_ERROR_EOF", 9},
        {"Simple", "SIMPLE_A", 7},
        {"already_snake", "ALREADY_SNAKE_B", 14},
        {"HTTPMethod", "HTTPMETHOD_GET", 0},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        ProtobufCEnumDescriptor e = *role;
        e.short_name = cases[i].type;
        cr_assert_eq(pbjson__enum_prefix_len(&e, cases[i].value), cases[i].want, "%s %s",
                     cases[i].type, cases[i].value);
    }

    buf_t b = BUF_INIT;
    pbjson__enum_list(&b, role);
    cr_assert_str_eq(b.data, "owner, member, read_only"); /* the UNSPECIFIED zero is no name */
    buf_reset(&b);
    pbjson__enum_list(&b, method);
    cr_assert_str_eq(b.data, "get, post, delete");
    buf_cleanup(&b);

    /* only the JSON name, exactly; never the UNSPECIFIED zero */
    cr_assert_eq(pbjson__enum_from_text(role, "read_only", 9)->value, 3);
    cr_assert_eq(pbjson__enum_from_text(role, "owner!", 5)->value, 1); /* length-bounded */
    cr_assert_eq(pbjson__enum_from_text(method, "get", 3)->value, 0);
    cr_assert_null(pbjson__enum_from_text(role, "READ_ONLY", 9));
    cr_assert_null(pbjson__enum_from_text(role, "role_read_only", 14));
    cr_assert_null(pbjson__enum_from_text(role, "unspecified", 11));
    cr_assert_null(pbjson__enum_from_text(role, "-0", 2));
    cr_assert_null(pbjson__enum_from_text(role, "1", 1));
    cr_assert_null(pbjson__enum_from_text(role, "owner", 4));
    cr_assert_null(pbjson__enum_from_text(role, "read", 4));
    cr_assert_null(pbjson__enum_from_text(role, "4", 1));
    cr_assert_null(pbjson__enum_from_text(role, "2147483648", 10));
    cr_assert_null(pbjson__enum_from_text(role, "1.0", 3));
}

Test(pbjson_common, map_detection)
{
    const ProtobufCMessageDescriptor *d = &testmsg__all_types__descriptor;
    cr_assert(pbjson__is_map(d, field(d, "counts")));
    cr_assert(pbjson__is_map(d, field(d, "inners")));
    cr_assert(pbjson__is_map(d, field(d, "names_by_id")));
    cr_assert(pbjson__is_map(d, field(d, "roles_by_flag")));
    cr_assert(pbjson__is_map(d, field(d, "blobs")));
    cr_assert_not(pbjson__is_map(d, field(d, "r_inner")));
    cr_assert_not(pbjson__is_map(d, field(d, "f_inner")));
    cr_assert_not(pbjson__is_map(d, field(d, "r_int32")));
    const ProtobufCMessageDescriptor *n = &testmsg__not_amap__descriptor;
    cr_assert_not(pbjson__is_map(n, field(n, "entries")));
    /* the right entry type under the wrong parent is not a map either */
    cr_assert_not(pbjson__is_map(&testmsg__outer__descriptor, field(d, "counts")));
}

Test(pbjson_common, paths_and_errors)
{
    pbjson__path_t a = {NULL, "agent", NULL, 0};
    pbjson__path_t b = {&a, "channels", NULL, 0};
    pbjson__path_t c = {&b, NULL, NULL, 2};
    pbjson__path_t d = {&c, "labels", NULL, 0};
    pbjson__path_t e = {&d, NULL, "k", 0};
    char out[64];
    pbjson__path_str(&e, out, sizeof(out));
    cr_assert_str_eq(out, "agent.channels[2].labels[k]");
    pbjson__path_str(&e, out, 10);
    cr_assert_str_eq(out, "agent.cha");
    pbjson__path_str(NULL, out, sizeof(out));
    cr_assert_str_eq(out, "");

    pbjson_err_t err;
    cr_assert_eq(pbjson__fail(&err, &c, "expected %s", "a string"), ST_INVALID);
    cr_assert_str_eq(err.msg, "field \"agent.channels[2]\": expected a string");
    cr_assert_eq(pbjson__fail(NULL, &c, "x"), ST_INVALID);
    /* very long messages are cut, never overflow */
    char big[600];
    memset(big, 'y', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    pbjson__path_t p = {NULL, big, NULL, 0};
    pbjson__fail(&err, &p, "%s", big);
    cr_assert_eq(strlen(err.msg), sizeof(err.msg) - 1);
}

Test(pbjson_common, presence_and_clear)
{
    Testmsg__AllTypes *m = (Testmsg__AllTypes *)pbjson_new(&testmsg__all_types__descriptor);
    const ProtobufCMessageDescriptor *d = m->base.descriptor;
    pbjson__value_t v;

    for (unsigned i = 0; i < d->n_fields; i++)
        cr_assert_not(pbjson__present(&m->base, &d->fields[i]), "%s", d->fields[i].name);

    v.s = xstrdup("x");
    pbjson__set(&m->base, field(d, "d_string"), &v);
    cr_assert(pbjson__present(&m->base, field(d, "d_string")));
    pbjson__clear(&m->base, field(d, "d_string")); /* back to the static default */
    cr_assert_str_eq(m->d_string, "hello");
    cr_assert_not(pbjson__present(&m->base, field(d, "d_string")));

    v.i32 = 9;
    pbjson__set(&m->base, field(d, "d_int32"), &v);
    cr_assert(m->has_d_int32 && m->d_int32 == 9);
    pbjson__clear(&m->base, field(d, "d_int32"));
    cr_assert(!m->has_d_int32 && m->d_int32 == 7);

    ProtobufCMessage *sub = pbjson__mutable_msg(&m->base, field(d, "c_inner"));
    cr_assert_eq(pbjson__mutable_msg(&m->base, field(d, "c_inner")), sub);
    cr_assert(pbjson__present(&m->base, field(d, "c_inner")));
    v.i64 = -1;
    pbjson__set(&m->base, field(d, "c_num"), &v); /* frees c_inner */
    cr_assert_eq(m->choice_case, TESTMSG__ALL_TYPES__CHOICE_C_NUM);
    cr_assert_not(pbjson__present(&m->base, field(d, "c_inner")));
    pbjson__clear(&m->base, field(d, "c_num"));
    cr_assert_eq(m->choice_case, TESTMSG__ALL_TYPES__CHOICE__NOT_SET);

    cr_assert_eq(pbjson__grow(&m->base, field(d, "r_int32"), 0), NULL);
    protobuf_c_message_free_unpacked(&m->base, NULL);
}
