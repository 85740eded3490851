/* test_msgpatch.c - PATCH merges, clears and "was it sent" driven by descriptors
 * (libshared/src/msgpatch.c), on the agents protos: a request type into the stored type. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "proto/agents.pb-c.h"
#include "shared/msgpatch.h"
#include "shared/util.h"

static char **strs(size_t n, const char *const *v)
{
    char **out = xcalloc(n, sizeof *out);
    for (size_t i = 0; i < n; i++)
        out[i] = xstrdup(v[i]);
    return out;
}

/* A stored agent with every kind of field set. */
static Agents__Agent *stored(void)
{
    static const char *const ids[] = {"a", "b"};
    Agents__Agent *a = xcalloc(1, sizeof *a);
    agents__agent__init(a);
    a->id = xstrdup("the-id");
    a->name = xstrdup("Old");
    a->description = xstrdup("kept");
    a->has_temperature = true;
    a->temperature = 0.7;
    a->has_max_tokens = true;
    a->max_tokens = 1024;
    a->has_status = true;
    a->status = AGENTS__STATUS__STATUS_ACTIVE;
    a->kb_category_ids = strs(2, ids);
    a->n_kb_category_ids = 2;
    a->channels = xcalloc(1, sizeof *a->channels);
    a->channels[0] = AGENTS__CHANNEL__CHANNEL_WEB;
    a->n_channels = 1;
    a->working_hours = xcalloc(1, sizeof *a->working_hours);
    agents__working_hours__init(a->working_hours);
    a->working_hours->timezone = xstrdup("Europe/Moscow");
    return a;
}

Test(msgpatch, merge_moves_only_what_was_sent)
{
    static const char *const ids[] = {"c"};
    static const char *const keep[] = {"id", NULL};
    Agents__Agent *a = stored();
    Agents__UpdateAgentRequest *in = xcalloc(1, sizeof *in);
    agents__update_agent_request__init(in);
    in->id = xstrdup("path-id");
    in->name = xstrdup("New");
    in->has_temperature = true;
    in->temperature = 0;
    in->has_status = true;
    in->status = AGENTS__STATUS__STATUS_PAUSED;
    in->kb_category_ids = strs(1, ids);
    in->n_kb_category_ids = 1;
    in->clear = strs(1, (const char *const[]){"channels"});
    in->n_clear = 1;

    msgpatch_merge(&a->base, &in->base, keep);
    cr_assert_str_eq(a->id, "the-id", "skipped fields stay");
    cr_assert_str_eq(a->name, "New");
    cr_assert_str_eq(a->description, "kept", "unsent fields stay");
    cr_assert(a->has_temperature);
    cr_assert_float_eq(a->temperature, 0, 1e-12, "a sent zero is sent");
    cr_assert_eq(a->max_tokens, 1024);
    cr_assert_eq(a->status, AGENTS__STATUS__STATUS_PAUSED);
    cr_assert_eq(a->n_kb_category_ids, 1);
    cr_assert_str_eq(a->kb_category_ids[0], "c");
    cr_assert_eq(a->n_channels, 1, "an empty list is not sent");
    cr_assert_not_null(a->working_hours);
    /* Moved pointers left the request: both stay freeable. */
    cr_assert_null(in->name);
    cr_assert_null(in->kb_category_ids);
    cr_assert_eq(in->n_kb_category_ids, 0);
    cr_assert_str_eq(in->id, "path-id");

    cr_assert(msgpatch_sent(&in->base, "clear"));
    cr_assert_not(msgpatch_sent(&in->base, "channels"));
    cr_assert(msgpatch_sent(&in->base, "temperature"));
    cr_assert_not(msgpatch_sent(&in->base, "max_tokens"));
    cr_assert_not(msgpatch_sent(&in->base, "no_such_field"));
    protobuf_c_message_free_unpacked(&in->base, NULL);
    protobuf_c_message_free_unpacked(&a->base, NULL);
}

Test(msgpatch, merge_replaces_a_message_and_a_list)
{
    Agents__Agent *a = stored();
    Agents__CreateAgentRequest *in = xcalloc(1, sizeof *in);
    agents__create_agent_request__init(in);
    in->working_hours = xcalloc(1, sizeof *in->working_hours);
    agents__working_hours__init(in->working_hours);
    in->working_hours->timezone = xstrdup("UTC");
    in->channels = xcalloc(2, sizeof *in->channels);
    in->channels[0] = AGENTS__CHANNEL__CHANNEL_EMAIL;
    in->channels[1] = AGENTS__CHANNEL__CHANNEL_TELEGRAM;
    in->n_channels = 2;

    msgpatch_merge(&a->base, &in->base, NULL);
    cr_assert_str_eq(a->working_hours->timezone, "UTC");
    cr_assert_eq(a->n_channels, 2);
    cr_assert_eq(a->channels[1], AGENTS__CHANNEL__CHANNEL_TELEGRAM);
    cr_assert_null(in->working_hours);
    cr_assert_str_eq(a->name, "Old");
    protobuf_c_message_free_unpacked(&in->base, NULL);
    protobuf_c_message_free_unpacked(&a->base, NULL);
}

Test(msgpatch, clear_empties_every_kind_of_field)
{
    Agents__Agent *a = stored();
    cr_assert(msgpatch_clear(&a->base, "kb_category_ids"));
    cr_assert(msgpatch_clear(&a->base, "channels"));
    cr_assert(msgpatch_clear(&a->base, "working_hours"));
    cr_assert(msgpatch_clear(&a->base, "name"));
    cr_assert(msgpatch_clear(&a->base, "max_tokens"));
    cr_assert_not(msgpatch_clear(&a->base, "no_such_field"));
    cr_assert_null(a->kb_category_ids);
    cr_assert_eq(a->n_kb_category_ids, 0);
    cr_assert_eq(a->n_channels, 0);
    cr_assert_null(a->working_hours);
    cr_assert_null(a->name);
    cr_assert_not(a->has_max_tokens);
    cr_assert_not(msgpatch_sent(&a->base, "working_hours"));
    cr_assert(msgpatch_sent(&a->base, "temperature"));
    protobuf_c_message_free_unpacked(&a->base, NULL);
}
