/* test_svc.c - the service kit's pure parts (libshared/src/svc_req.c, svc_store.c, names.c):
 * roles, UUIDs, the one page limit, the one list shape and the one event envelope, checked
 * against every service's proto through the descriptors. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "proto/agents.pb-c.h"
#include "proto/auth.pb-c.h"
#include "proto/rag.pb-c.h"
#include "shared/log.h"
#include "shared/names.h"
#include "shared/svc.h"

Test(svc, uuid)
{
    char out[37];
    cr_assert(svc_uuid_parse("0E3A5C6B-1D2F-4A5B-8C9D-0E1F2A3B4C5D", out));
    cr_assert_str_eq(out, "0e3a5c6b-1d2f-4a5b-8c9d-0e1f2a3b4c5d");
    cr_assert_not(svc_uuid_parse(NULL, out));
    cr_assert_not(svc_uuid_parse("", out));
    cr_assert_not(svc_uuid_parse("123", out));
    cr_assert_not(svc_uuid_parse("0e3a5c6b-1d2f-4a5b-8c9d-0e1f2a3b4c5d0", out));
    cr_assert_not(svc_uuid_parse("0e3a5c6b-1d2f-4a5b-8c9d-0e1f2a3b4c5g", out));
}

Test(svc, one_page_limit)
{
    svc_page_t p;
    char why[64];

    cr_assert_eq(svc_page_check(false, 0, false, 0, &p, why, sizeof why), ST_OK);
    cr_assert_eq(p.page, 1);
    cr_assert_eq(p.per_page, SVC_PER_PAGE_DEFAULT);
    cr_assert_eq(svc_page_check(true, 3, true, 100, &p, why, sizeof why), ST_OK);
    cr_assert_eq(p.page, 3);
    cr_assert_eq(p.per_page, 100);
    cr_assert_eq(svc_page_offset(&p), 200);
    cr_assert_eq(svc_page_check(true, SVC_PAGE_MAX, false, 0, &p, why, sizeof why), ST_OK);
    cr_assert_eq(svc_page_check(true, 0, false, 0, &p, why, sizeof why), ST_INVALID);
    cr_assert_str_eq(why, "page: must be between 1 and 100000");
    cr_assert_eq(svc_page_check(true, SVC_PAGE_MAX + 1, false, 0, &p, why, sizeof why), ST_INVALID);
    cr_assert_eq(svc_page_check(false, 0, true, 101, &p, why, sizeof why), ST_INVALID);
    cr_assert_str_eq(why, "per_page: must be between 1 and 100");
    cr_assert_eq(svc_page_check(false, 0, true, 0, &p, why, sizeof why), ST_INVALID);
}

Test(svc, page_reply_fills_the_shape)
{
    Rag__ArticleList list = RAG__ARTICLE_LIST__INIT;
    svc_page_t p = {.page = 2, .per_page = 20};

    svc_page_reply(&list.base, &p, 41);
    cr_assert(list.has_total && list.has_page && list.has_per_page && list.has_pages);
    cr_assert_eq(list.total, 41);
    cr_assert_eq(list.page, 2);
    cr_assert_eq(list.per_page, 20);
    cr_assert_eq(list.pages, 3);
    svc_page_reply(&list.base, &p, 0);
    cr_assert_eq(list.pages, 0);
}

static const ProtobufCServiceDescriptor *const services[] = {
    &auth__auth__descriptor,
    &agents__agents__descriptor,
    &rag__rag__descriptor,
};

/* Every rpc whose request has per_page answers common.PageInfo's fields, flat, with items 1. */
Test(svc, every_paged_list_has_the_one_shape)
{
    const ProtobufCMessageDescriptor *info = &common__page_info__descriptor;
    int paged = 0;

    for (size_t s = 0; s < sizeof services / sizeof *services; s++) {
        for (unsigned m = 0; m < services[s]->n_methods; m++) {
            const ProtobufCMethodDescriptor *md = &services[s]->methods[m];
            const ProtobufCFieldDescriptor *pp =
                protobuf_c_message_descriptor_get_field_by_name(md->input, "per_page");
            const ProtobufCFieldDescriptor *pg =
                protobuf_c_message_descriptor_get_field_by_name(md->input, "page");
            if (!pp && !pg)
                continue;
            paged++;
            cr_assert(pp && pg, "%s: page and per_page go together", md->input->name);
            cr_assert_eq(pp->type, PROTOBUF_C_TYPE_INT32, "%s.per_page", md->input->name);
            cr_assert_eq(pg->type, PROTOBUF_C_TYPE_INT32, "%s.page", md->input->name);
            const ProtobufCFieldDescriptor *items =
                protobuf_c_message_descriptor_get_field(md->output, 1);
            cr_assert(items && strcmp(items->name, "items") == 0 &&
                          items->label == PROTOBUF_C_LABEL_REPEATED,
                      "%s: field 1 must be repeated items", md->output->name);
            for (unsigned f = 0; f < info->n_fields; f++) {
                const ProtobufCFieldDescriptor *want = &info->fields[f];
                const ProtobufCFieldDescriptor *got =
                    protobuf_c_message_descriptor_get_field_by_name(md->output, want->name);
                cr_assert(got, "%s has no %s", md->output->name, want->name);
                cr_assert_eq(got->id, want->id, "%s.%s number", md->output->name, want->name);
                cr_assert_eq(got->type, want->type, "%s.%s type", md->output->name, want->name);
                cr_assert_eq(got->label, want->label, "%s.%s", md->output->name, want->name);
            }
        }
    }
    cr_assert_geq(paged, 3, "agents list, versions and rag articles are paged");
}

/* Every domain event carries common.EventMeta as field 1, named meta. */
Test(svc, every_event_has_the_envelope)
{
    const ProtobufCMessageDescriptor *const events[] = {
        &agents__agent_event__descriptor,  &agents__script_event__descriptor,
        &rag__category_event__descriptor,  &rag__article_event__descriptor,
        &auth__user_event__descriptor,     &auth__member_event__descriptor,
        &auth__password_event__descriptor, &auth__api_key_event__descriptor,
    };
    for (size_t i = 0; i < sizeof events / sizeof *events; i++) {
        const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field(events[i], 1);
        cr_assert(f, "%s has no field 1", events[i]->name);
        cr_assert_str_eq(f->name, "meta", "%s", events[i]->name);
        cr_assert_eq(f->type, PROTOBUF_C_TYPE_MESSAGE);
        cr_assert_eq(f->descriptor, &common__event_meta__descriptor, "%s", events[i]->name);
    }
}

/* An event packed by any service decodes as its envelope alone. */
Test(svc, event_meta_reads_without_the_type)
{
    Agents__AgentEvent evt = AGENTS__AGENT_EVENT__INIT;
    Common__EventMeta meta;
    char at[32];
    uint8_t buf[512];

    svc_event_meta(&meta, "0e3a5c6b-1d2f-4a5b-8c9d-0e1f2a3b4c5d",
                   "1e3a5c6b-1d2f-4a5b-8c9d-0e1f2a3b4c5d", "req-1", at);
    evt.meta = &meta;
    evt.agent_id = "2e3a5c6b-1d2f-4a5b-8c9d-0e1f2a3b4c5d";
    size_t len = protobuf_c_message_pack(&evt.base, buf);

    /* Field 1 of the event is a length-delimited EventMeta: tag 0x0a, length, bytes. */
    cr_assert_eq(buf[0], 0x0a);
    Common__EventMeta *read = common__event_meta__unpack(NULL, buf[1], buf + 2);
    cr_assert_not_null(read);
    cr_assert_str_eq(read->org_id, "0e3a5c6b-1d2f-4a5b-8c9d-0e1f2a3b4c5d");
    cr_assert_str_eq(read->actor_id, "1e3a5c6b-1d2f-4a5b-8c9d-0e1f2a3b4c5d");
    cr_assert_str_eq(read->request_id, "req-1");
    cr_assert_eq(strlen(read->occurred_at), 24, "%s", read->occurred_at);
    cr_assert(len > (size_t)buf[1] + 2);
    common__event_meta__free_unpacked(read, NULL);
}

Test(svc, names)
{
    char out[NAMES_SUBJECT_MAX];
    const char *id = "0e3a5c6b-1d2f-4a5b-8c9d-0e1f2a3b4c5d";

    cr_assert(names_notify_user(out, sizeof out, id, "agent.updated"));
    cr_assert_str_eq(out, "notify.user.0e3a5c6b-1d2f-4a5b-8c9d-0e1f2a3b4c5d.agent.updated");
    cr_assert(names_notify_org(out, sizeof out, id, "kb"));
    cr_assert_str_eq(out, "notify.org.0e3a5c6b-1d2f-4a5b-8c9d-0e1f2a3b4c5d.kb");
    cr_assert(names_svc(out, sizeof out, "auth", "verify"));
    cr_assert_str_eq(out, SUBJ_AUTH_VERIFY);
    cr_assert(names_event(out, sizeof out, "auth", "member", "joined"));
    cr_assert_str_eq(out, "evt.auth.member.joined");
    /* Nothing may change the subject's shape. */
    cr_assert_not(names_notify_user(out, sizeof out, "a.b", "x"));
    cr_assert_str_eq(out, "");
    cr_assert_not(names_notify_user(out, sizeof out, "*", "x"));
    cr_assert_not(names_notify_user(out, sizeof out, id, ">"));
    cr_assert_not(names_notify_user(out, sizeof out, id, "a b"));
    cr_assert_not(names_notify_user(out, sizeof out, id, ".x"));
    cr_assert_not(names_notify_user(out, sizeof out, NULL, "x"));
    cr_assert_not(names_event(out, sizeof out, "auth", "api.key", "created"));
    cr_assert_not(names_svc(out, 8, "auth", "verify"));
}
