/* stack_demo.c - the demo organisation `make run` offers (see stack.h): the account, and on
 * first creation a sample agent with a sales script and a small knowledge base, all made
 * through the public API exactly as a user would, so the console opens on something real. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shared/util.h"
#include "stack.h"

#define TIMEOUT_MS 10000

/* clang-format off */
static const char CATEGORY[] = "{\"name\":\"Pricing and delivery\","
    "\"description\":\"What customers ask before they buy\"}";

static const char ARTICLE_EN[] =
    "{\"title\":\"Delivery terms\",\"category_id\":\"%s\",\"tags\":[\"delivery\",\"shipping\"],"
    "\"body\":\"# Delivery terms\\n\\nWe ship every order within **2 business days**.\\n\\n"
    "| Region | Time | Price |\\n|---|---|---|\\n| Moscow | 1-2 days | free over 5,000 RUB |\\n"
    "| Russia | 3-7 days | 490 RUB |\\n| International | 7-14 days | from 1,900 RUB |\\n\\n"
    "Returns are accepted within **14 days** of delivery; the refund reaches the card within "
    "5 business days.\"}";

static const char ARTICLE_RU[] =
    "{\"title\":\"Тарифы и оплата\",\"category_id\":\"%s\",\"tags\":[\"тарифы\",\"оплата\"],"
    "\"body\":\"# Тарифы\\n\\n- **Старт** — 1 990 ₽ в месяц: один агент, 1 000 диалогов.\\n"
    "- **Бизнес** — 5 990 ₽ в месяц: пять агентов, 10 000 диалогов.\\n"
    "- **Корпоративный** — по договору.\\n\\nОплата картой или по счёту для юрлиц; при оплате "
    "за год — скидка 15 %%.\"}";

static const char AGENT[] =
    "{\"name\":\"Sales assistant\","
    "\"description\":\"Answers new leads on the website and in Telegram\","
    "\"instructions\":\"You are the sales assistant of Demo Company. Greet the customer, find out "
    "what they need, answer from the knowledge base about prices and delivery, and offer to "
    "place an order. Never promise discounts that are not in the knowledge base.\","
    "\"model\":\"openai/gpt-4o-mini\",\"temperature\":0.4,\"max_tokens\":800,"
    "\"response_delay_seconds\":5,\"channels\":[\"web\",\"telegram\"],\"language\":\"auto\","
    "\"kb_category_ids\":[\"%s\"],"
    "\"working_hours\":{\"timezone\":\"Europe/Moscow\",\"intervals\":["
    "{\"day\":1,\"start\":\"09:00\",\"end\":\"19:00\"},{\"day\":2,\"start\":\"09:00\",\"end\":\"19:00\"},"
    "{\"day\":3,\"start\":\"09:00\",\"end\":\"19:00\"},{\"day\":4,\"start\":\"09:00\",\"end\":\"19:00\"},"
    "{\"day\":5,\"start\":\"09:00\",\"end\":\"18:00\"}]}}";

static const char SCRIPT[] =
    "{\"name\":\"First reply\",\"variables\":[\"client_name\",\"product\"],"
    "\"body\":\"Hello, {{client_name}}! Thank you for your interest in {{product}}. "
    "May I ask a couple of questions to suggest the best option?\"}";
/* clang-format on */

/* POSTs body to path as the session; the new object's id (caller frees), or NULL (warned). */
static char *create(int port, const char *cookie, const char *path, const char *body)
{
    char url[256], header[512];
    char *resp = NULL, *id = NULL;
    int code = 0;
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, path);
    snprintf(header, sizeof header, "Cookie: %s", cookie);
    const char *headers[] = {header, NULL};
    if (stack_http("POST", url, body, headers, TIMEOUT_MS, &code, &resp) != ST_OK || code != 201) {
        fprintf(stderr, "devstack: warning: demo content: POST %s answered %d: %.300s\n", path,
                code, resp ? resp : "");
        goto done;
    }
    json_t *doc = json_loads(resp, 0, NULL);
    const char *v = json_string_value(json_object_get(doc, "id"));
    id = v ? xstrdup(v) : NULL;
    json_decref(doc);
done:
    free(resp);
    return id;
}

/* A sample agent, its script and a knowledge base for the new demo organisation. */
static void fill(int port, const char *cookie)
{
    buf_t body = BUF_INIT, path = BUF_INIT;
    char *category = create(port, cookie, "/api/kb/categories", CATEGORY), *id = NULL;
    if (!category)
        goto done;
    buf_printf(&body, ARTICLE_EN, category);
    free(create(port, cookie, "/api/kb/articles", body.data));
    buf_reset(&body);
    buf_printf(&body, ARTICLE_RU, category);
    free(create(port, cookie, "/api/kb/articles", body.data));
    buf_reset(&body);
    buf_printf(&body, AGENT, category);
    if (!(id = create(port, cookie, "/api/agents", body.data)))
        goto done;
    buf_printf(&path, "/api/agents/%s/scripts", id);
    free(create(port, cookie, path.data, SCRIPT));
    fprintf(stderr, "devstack: demo organisation filled: an agent, a script, two articles\n");
done:
    free(id);
    free(category);
    buf_cleanup(&body);
    buf_cleanup(&path);
}

bool stack_seed_demo(int port)
{
    char url[128];
    char *resp = NULL, *cookie = NULL;
    int code = 0;
    bool ok = false;
    const char *login =
        "{\"email\":\"" STACK_DEMO_EMAIL "\",\"password\":\"" STACK_DEMO_PASSWORD "\"}";
    const char *reg = "{\"email\":\"" STACK_DEMO_EMAIL "\",\"password\":\"" STACK_DEMO_PASSWORD
                      "\",\"name\":\"Demo User\",\"org_name\":\"Demo Company\"}";

    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/auth/login", port);
    if (stack_http("POST", url, login, NULL, TIMEOUT_MS, &code, NULL) == ST_OK && code == 200) {
        fprintf(stderr, "devstack: demo organisation already there\n");
        return true;
    }
    snprintf(url, sizeof url, "http://127.0.0.1:%d/api/auth/register", port);
    if (stack_http_cookie("POST", url, reg, NULL, TIMEOUT_MS, &code, &resp, "sid", &cookie) !=
        ST_OK) {
        fprintf(stderr,
                "devstack: warning: could not seed the demo organisation: no answer from "
                "%s\n",
                url);
    } else if (code == 201) {
        fprintf(stderr, "devstack: demo organisation \"Demo Company\" created\n");
        ok = true;
        if (cookie)
            fill(port, cookie);
    } else {
        fprintf(stderr,
                "devstack: warning: seeding the demo organisation failed: %s answered %d: "
                "%.300s\n",
                url, code, resp ? resp : "");
    }
    free(cookie);
    free(resp);
    return ok;
}
