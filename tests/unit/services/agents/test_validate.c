/* test_validate.c - field rules of agents and scripts, enum names, sort and paging
 * (services/agents/validate.c). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "services/agents/validate.h"
#include "shared/util.h"

Test(validate, text_length_counts_characters)
{
    char why[256];
    cr_assert_eq(agents_text_len(""), 0);
    cr_assert_eq(agents_text_len(NULL), 0);
    cr_assert_eq(agents_text_len("abc"), 3);
    cr_assert_eq(agents_text_len("Привет"), 6);
    cr_assert_eq(agents_text_len("\xF0\x9F\x98\x80"), 1);
    cr_assert_eq(agents_text_len("\xC0\x80"), -1, "overlong");
    cr_assert_eq(agents_text_len("\xED\xA0\x80"), -1, "surrogate");
    cr_assert_eq(agents_text_len("a\xFF"), -1);

    cr_assert_eq(agents_check_text("name", "Привет", 1, 6, true, why, sizeof why), ST_OK);
    cr_assert_eq(agents_check_text("name", "Привет!", 1, 6, true, why, sizeof why), ST_INVALID);
    cr_assert_str_eq(why, "name: must be at most 6 characters");
    cr_assert_eq(agents_check_text("name", "", 1, 6, true, why, sizeof why), ST_INVALID);
    cr_assert_str_eq(why, "name: required");
    cr_assert_eq(agents_check_text("name", "a\nb", 1, 6, true, why, sizeof why), ST_INVALID);
    cr_assert_str_eq(why, "name: must not contain control characters");
    cr_assert_eq(agents_check_text("body", "a\r\n\tb", 0, 6, false, why, sizeof why), ST_OK);
    cr_assert_eq(agents_check_text("body", "a\x01", 0, 6, false, why, sizeof why), ST_INVALID);
    cr_assert_eq(agents_check_text("body", "\xFF", 0, 6, false, why, sizeof why), ST_INVALID);
    cr_assert_str_eq(why, "body: must be valid UTF-8");
}

Test(validate, trim)
{
    char s[] = "  \t hello world \n";
    agents_trim(s);
    cr_assert_str_eq(s, "hello world");
    char e[] = "   ";
    agents_trim(e);
    cr_assert_str_eq(e, "");
    agents_trim(NULL);
}

Test(validate, model_ids)
{
    static const char *const good[] = {
        "openai/gpt-4o-mini",          "gpt-4", "meta-llama/llama-3-8b:free",
        "anthropic/claude-3.5-sonnet", "a/b/c", "org@v1+x"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        cr_assert(agents_model_ok(good[i]), "%s", good[i]);
    static const char *const bad[] = {"",          "/gpt", "gpt/", "a//b",
                                      "open ai/x", "-x",   "x/.y", "модель"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_assert_not(agents_model_ok(bad[i]), "%s", bad[i]);
    char longest[210];
    memset(longest, 'm', 200);
    longest[200] = '\0';
    cr_assert(agents_model_ok(longest));
    longest[200] = 'm';
    longest[201] = '\0';
    cr_assert_not(agents_model_ok(longest));
}

Test(validate, id_lists)
{
    char why[256];
    char a[] = "6F9619FF-8B86-D011-B42D-00C04FC964FF", b[] = "6f9619ff-8b86-d011-b42d-00c04fc964ff";
    char *ids[] = {a};
    cr_assert_eq(agents_check_ids("pipeline_ids", ids, 1, why, sizeof why), ST_OK);
    cr_assert_str_eq(a, b, "lower-cased");
    char *dup[] = {a, b};
    cr_assert_eq(agents_check_ids("pipeline_ids", dup, 2, why, sizeof why), ST_INVALID);
    cr_assert_str_eq(why, "pipeline_ids[1]: duplicate of pipeline_ids[0]");
    char bad_id[] = "6f9619ff8b86d011b42d00c04fc964ff";
    char *bad[] = {a, bad_id};
    cr_assert_eq(agents_check_ids("kb_category_ids", bad, 2, why, sizeof why), ST_INVALID);
    cr_assert_str_eq(why, "kb_category_ids[1]: must be a UUID");
}

Test(validate, enum_names)
{
    cr_assert_str_eq(agents_status_name(AGENTS__STATUS__STATUS_ACTIVE), "active");
    cr_assert_str_eq(agents_status_name(AGENTS__STATUS__STATUS_PAUSED), "paused");
    cr_assert_null(agents_status_name(0));
    cr_assert_null(agents_status_name(9));
    cr_assert_str_eq(agents_channel_name(AGENTS__CHANNEL__CHANNEL_KOMMO_CHAT), "kommo_chat");
    cr_assert_str_eq(agents_channel_name(AGENTS__CHANNEL__CHANNEL_WEB), "web");
    cr_assert_null(agents_channel_name(0));
    cr_assert_null(agents_channel_name(8));
    cr_assert_null(agents_channel_name(-1));
    cr_assert_str_eq(agents_language_name(AGENTS__LANGUAGE__LANGUAGE_RU), "ru");
    cr_assert_null(agents_language_name(0));
}

/* A new agent named name with the defaults. */
static Agents__Agent *agent_new(const char *name)
{
    Agents__Agent *a = xcalloc(1, sizeof *a);
    agents__agent__init(a);
    a->name = name ? xstrdup(name) : NULL;
    agents_defaults(a);
    return a;
}

Test(validate, agent_defaults_are_valid)
{
    char why[256];
    Agents__Agent *a = agent_new(" Bot ");
    cr_assert_eq(agents_validate_agent(a, why, sizeof why), ST_OK, "%s", why);
    cr_assert_str_eq(a->name, "Bot");
    cr_assert_eq(a->status, AGENTS__STATUS__STATUS_ACTIVE);
    cr_assert_str_eq(a->model, AGENTS_DEFAULT_MODEL);
    cr_assert_float_eq(a->temperature, 0.7, 1e-12);
    cr_assert_eq(a->max_tokens, 1024);
    cr_assert_eq(a->language, AGENTS__LANGUAGE__LANGUAGE_AUTO);
    agents__agent__free_unpacked(a, NULL);
}

Test(validate, agent_fields_name_themselves)
{
    char why[256];
    Agents__Agent *a = agent_new(NULL);
    cr_assert_eq(agents_validate_agent(a, why, sizeof why), ST_INVALID);
    cr_assert_str_eq(why, "name: required");
    a->name = xstrdup("ok");

#define EXPECT_FIELD(field)                                                                        \
    do {                                                                                           \
        cr_assert_eq(agents_validate_agent(a, why, sizeof why), ST_INVALID);                       \
        cr_assert(strncmp(why, field, strlen(field)) == 0, "%s", why);                             \
    } while (0)

    a->temperature = 2.0001;
    EXPECT_FIELD("temperature");
    a->temperature = NAN;
    EXPECT_FIELD("temperature");
    a->temperature = 2;
    cr_assert_eq(agents_validate_agent(a, why, sizeof why), ST_OK);
    a->max_tokens = 0;
    EXPECT_FIELD("max_tokens");
    a->max_tokens = 128000;
    a->response_delay_seconds = 3601;
    EXPECT_FIELD("response_delay_seconds");
    a->response_delay_seconds = 3600;
    a->status = 0;
    EXPECT_FIELD("status");
    a->status = AGENTS__STATUS__STATUS_PAUSED;
    a->language = 7;
    EXPECT_FIELD("language");
    a->language = AGENTS__LANGUAGE__LANGUAGE_EN;
    Agents__Channel ch[] = {AGENTS__CHANNEL__CHANNEL_WEB, AGENTS__CHANNEL__CHANNEL_WEB};
    a->channels = ch;
    a->n_channels = 2;
    EXPECT_FIELD("channels[1]");
    a->n_channels = 1;
    cr_assert_eq(agents_validate_agent(a, why, sizeof why), ST_OK, "%s", why);
    a->channels = NULL;
    a->n_channels = 0;
    free(a->model);
    a->model = xstrdup("bad model");
    EXPECT_FIELD("model");
    free(a->model);
    a->model = xstrdup("x/y");
    free(a->description);
    a->description = xcalloc(1, 2002);
    memset(a->description, 'd', 2001);
    EXPECT_FIELD("description");
    a->description[2000] = '\0';
    cr_assert_eq(agents_validate_agent(a, why, sizeof why), ST_OK, "%s", why);
#undef EXPECT_FIELD
    agents__agent__free_unpacked(a, NULL);
}

Test(validate, script_fields)
{
    char why[256];
    Agents__Script s = AGENTS__SCRIPT__INIT;
    char name[] = "  Greeting ", body[] = "Hi {{who}}", who[] = "who", *vars[] = {who};
    s.name = name;
    s.body = body;
    cr_assert_eq(agents_validate_script(&s, why, sizeof why), ST_INVALID);
    cr_assert(strstr(why, "{{who}}"), "%s", why);
    s.variables = vars;
    s.n_variables = 1;
    cr_assert_eq(agents_validate_script(&s, why, sizeof why), ST_OK, "%s", why);
    cr_assert_str_eq(s.name, "Greeting");
    char status[] = "nope";
    s.pipeline_status_id = status;
    cr_assert_eq(agents_validate_script(&s, why, sizeof why), ST_INVALID);
    cr_assert_str_eq(why, "pipeline_status_id: must be a UUID");
    s.pipeline_status_id = NULL;
    char empty[] = "";
    s.body = empty;
    cr_assert_eq(agents_validate_script(&s, why, sizeof why), ST_INVALID);
    cr_assert_str_eq(why, "body: required");
}

Test(validate, sort_and_pages)
{
    char why[256];
    const char *sort = NULL;
    cr_assert_eq(agents_parse_sort(NULL, &sort, why, sizeof why), ST_OK);
    cr_assert_str_eq(sort, "-created_at");
    cr_assert_eq(agents_parse_sort("", &sort, why, sizeof why), ST_OK);
    cr_assert_eq(agents_parse_sort("-name", &sort, why, sizeof why), ST_OK);
    cr_assert_str_eq(sort, "-name");
    cr_assert_eq(agents_parse_sort("updated_at", &sort, why, sizeof why), ST_OK);
    cr_assert_eq(agents_parse_sort("name desc", &sort, why, sizeof why), ST_INVALID);
    cr_assert(strncmp(why, "sort:", 5) == 0);
    cr_assert_eq(agents_parse_sort("+name", &sort, why, sizeof why), ST_INVALID);
}

Test(validate, copy_name_fits)
{
    char *n = agents_copy_name("Bot");
    cr_assert_str_eq(n, "Bot (copy)");
    free(n);
    char long_name[101];
    memset(long_name, 'x', 100);
    long_name[100] = '\0';
    n = agents_copy_name(long_name);
    cr_assert_eq(agents_text_len(n), 100);
    cr_assert(strstr(n, " (copy)"));
    free(n);
    /* Cut at a character boundary: 100 Cyrillic letters (2 bytes each). */
    char cyr[201] = "";
    for (int i = 0; i < 100; i++)
        strcat(cyr, "я");
    n = agents_copy_name(cyr);
    cr_assert_eq(agents_text_len(n), 100);
    free(n);
}
