/* validate.c - field rules of agents and scripts, enum names, sorting and paging (validate.h).
 * Pure: no I/O. */
#include "validate.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hours.h"
#include "script.h"
#include "shared/text.h"
#include "shared/util.h"

long agents_text_len(const char *s)
{
    return s ? text_utf8_count(s, strlen(s)) : 0;
}

status_t agents_check_text(const char *field, const char *s, long min, long max, bool single_line,
                           char *why, size_t whylen)
{
    long n = agents_text_len(s);

    if (n < 0) {
        snprintf(why, whylen, "%s: must be valid UTF-8", field);
        return ST_INVALID;
    }
    if (n < min) {
        snprintf(why, whylen, min == 1 ? "%s: required" : "%s: must be at least %ld characters",
                 field, min);
        return ST_INVALID;
    }
    if (n > max) {
        snprintf(why, whylen, "%s: must be at most %ld characters", field, max);
        return ST_INVALID;
    }
    /* The one definition of a control character (C0, DEL and C1), as text_clean applies it. */
    if (s && text_has_control(s, strlen(s), !single_line)) {
        snprintf(why, whylen, "%s: must not contain control characters", field);
        return ST_INVALID;
    }
    return ST_OK;
}

void agents_trim(char *s)
{
    size_t n, start = 0;

    if (!s)
        return;
    n = strlen(s);
    while (start < n && isspace((unsigned char)s[start]))
        start++;
    while (n > start && isspace((unsigned char)s[n - 1]))
        n--;
    memmove(s, s + start, n - start);
    s[n - start] = '\0';
}

bool agents_model_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    bool seg_start = true;

    if (n == 0 || n > AGENTS_MODEL_MAX)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (seg_start) {
            if (!isalnum(c))
                return false;
            seg_start = false;
        } else if (c == '/') {
            seg_start = true;
        } else if (!isalnum(c) && !strchr("._:@+-", c)) {
            return false;
        }
    }
    return !seg_start;
}

status_t agents_check_ids(const char *field, char **ids, size_t n, char *why, size_t whylen)
{
    if (n > AGENTS_IDS_MAX) {
        snprintf(why, whylen, "%s: at most %d ids", field, AGENTS_IDS_MAX);
        return ST_INVALID;
    }
    for (size_t i = 0; i < n; i++) {
        if (!uuid_valid(ids[i])) {
            snprintf(why, whylen, "%s[%zu]: must be a UUID", field, i);
            return ST_INVALID;
        }
        for (char *p = ids[i]; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        for (size_t j = 0; j < i; j++) {
            if (strcmp(ids[i], ids[j]) == 0) {
                snprintf(why, whylen, "%s[%zu]: duplicate of %s[%zu]", field, i, field, j);
                return ST_INVALID;
            }
        }
    }
    return ST_OK;
}

const char *agents_status_name(int v)
{
    switch (v) {
    case AGENTS__STATUS__STATUS_ACTIVE:
        return "active";
    case AGENTS__STATUS__STATUS_PAUSED:
        return "paused";
    default:
        return NULL;
    }
}

const char *agents_channel_name(int v)
{
    static const char *const names[] = {NULL,       "kommo_chat", "email",    "whatsapp",
                                        "telegram", "instagram",  "facebook", "web"};
    return v > 0 && v < (int)ARRAY_LEN(names) ? names[v] : NULL;
}

const char *agents_language_name(int v)
{
    switch (v) {
    case AGENTS__LANGUAGE__LANGUAGE_AUTO:
        return "auto";
    case AGENTS__LANGUAGE__LANGUAGE_RU:
        return "ru";
    case AGENTS__LANGUAGE__LANGUAGE_EN:
        return "en";
    default:
        return NULL;
    }
}

void agents_defaults(Agents__Agent *a)
{
    if (!a->has_status) {
        a->has_status = true;
        a->status = AGENTS__STATUS__STATUS_ACTIVE;
    }
    if (!a->model)
        a->model = xstrdup(AGENTS_DEFAULT_MODEL);
    if (!a->description)
        a->description = xstrdup("");
    if (!a->instructions)
        a->instructions = xstrdup("");
    if (!a->has_temperature) {
        a->has_temperature = true;
        a->temperature = AGENTS_DEFAULT_TEMP;
    }
    if (!a->has_max_tokens) {
        a->has_max_tokens = true;
        a->max_tokens = AGENTS_DEFAULT_MAX_TOKENS;
    }
    if (!a->has_response_delay_seconds) {
        a->has_response_delay_seconds = true;
        a->response_delay_seconds = 0;
    }
    if (!a->has_language) {
        a->has_language = true;
        a->language = AGENTS__LANGUAGE__LANGUAGE_AUTO;
    }
}

status_t agents_validate_agent(Agents__Agent *a, char *why, size_t whylen)
{
    status_t st;

    agents_trim(a->name);
    if ((st = agents_check_text("name", a->name, 1, AGENTS_NAME_MAX, true, why, whylen)) ||
        (st = agents_check_text("description", a->description, 0, AGENTS_DESCRIPTION_MAX, false,
                                why, whylen)) ||
        (st = agents_check_text("instructions", a->instructions, 0, AGENTS_INSTRUCTIONS_MAX, false,
                                why, whylen)))
        return st;
    if (!a->has_status || !agents_status_name(a->status)) {
        snprintf(why, whylen, "status: must be active or paused");
        return ST_INVALID;
    }
    if (!agents_model_ok(a->model)) {
        snprintf(why, whylen,
                 "model: must be a model id of at most %d characters such as %s (letters, "
                 "digits, . _ : @ + - in segments separated by /)",
                 AGENTS_MODEL_MAX, AGENTS_DEFAULT_MODEL);
        return ST_INVALID;
    }
    if (!a->has_temperature || !isfinite(a->temperature) || a->temperature < 0 ||
        a->temperature > 2) {
        snprintf(why, whylen, "temperature: must be between 0 and 2");
        return ST_INVALID;
    }
    if (!a->has_max_tokens || a->max_tokens < 1 || a->max_tokens > AGENTS_MAX_TOKENS) {
        snprintf(why, whylen, "max_tokens: must be between 1 and %d", AGENTS_MAX_TOKENS);
        return ST_INVALID;
    }
    if (!a->has_response_delay_seconds || a->response_delay_seconds < 0 ||
        a->response_delay_seconds > AGENTS_DELAY_MAX) {
        snprintf(why, whylen, "response_delay_seconds: must be between 0 and %d", AGENTS_DELAY_MAX);
        return ST_INVALID;
    }
    for (size_t i = 0; i < a->n_channels; i++) {
        if (!agents_channel_name(a->channels[i])) {
            snprintf(why, whylen,
                     "channels[%zu]: must be one of kommo_chat, email, whatsapp, telegram, "
                     "instagram, facebook, web",
                     i);
            return ST_INVALID;
        }
        for (size_t j = 0; j < i; j++) {
            if (a->channels[i] == a->channels[j]) {
                snprintf(why, whylen, "channels[%zu]: duplicate of channels[%zu]", i, j);
                return ST_INVALID;
            }
        }
    }
    if ((st = agents_check_ids("pipeline_ids", a->pipeline_ids, a->n_pipeline_ids, why, whylen)) ||
        (st = agents_check_ids("pipeline_status_ids", a->pipeline_status_ids,
                               a->n_pipeline_status_ids, why, whylen)) ||
        (st = agents_check_ids("kb_category_ids", a->kb_category_ids, a->n_kb_category_ids, why,
                               whylen)))
        return st;
    if (a->working_hours && (st = agents_hours_check(a->working_hours, why, whylen)))
        return st;
    if (!a->has_language || !agents_language_name(a->language)) {
        snprintf(why, whylen, "language: must be auto, ru or en");
        return ST_INVALID;
    }
    return ST_OK;
}

status_t agents_validate_script(Agents__Script *s, char *why, size_t whylen)
{
    status_t st;

    agents_trim(s->name);
    if ((st = agents_check_text("name", s->name, 1, AGENTS_SCRIPT_NAME, true, why, whylen)) ||
        (st = agents_check_text("body", s->body, 1, AGENTS_SCRIPT_BODY, false, why, whylen)) ||
        (st = agents_script_check(s->body, s->variables, s->n_variables, why, whylen)))
        return st;
    if (s->pipeline_status_id &&
        (st = agents_check_ids("pipeline_status_id", &s->pipeline_status_id, 1, why, whylen))) {
        snprintf(why, whylen, "pipeline_status_id: must be a UUID");
        return st;
    }
    return ST_OK;
}

status_t agents_parse_sort(const char *s, const char **out, char *why, size_t whylen)
{
    static const char *const sorts[] = {"name",        "-name",      "created_at",
                                        "-created_at", "updated_at", "-updated_at"};
    if (!s || !*s) {
        *out = "-created_at";
        return ST_OK;
    }
    for (size_t i = 0; i < ARRAY_LEN(sorts); i++) {
        if (strcmp(s, sorts[i]) == 0) {
            *out = sorts[i];
            return ST_OK;
        }
    }
    snprintf(why, whylen,
             "sort: must be name, created_at or updated_at, with a leading - for descending");
    return ST_INVALID;
}

char *agents_copy_name(const char *name)
{
    long keep = AGENTS_NAME_MAX - (long)strlen(AGENTS_COPY_SUFFIX);
    const unsigned char *p = (const unsigned char *)(name ? name : "");
    size_t left = strlen((const char *)p);
    buf_t b = BUF_INIT;

    for (long count = 0; left && count < keep; count++) {
        size_t n = text_utf8_seq_len(p, left);
        if (!n)
            break;
        buf_append(&b, p, n);
        p += n;
        left -= n;
    }
    buf_puts(&b, AGENTS_COPY_SUFFIX);
    return buf_steal(&b);
}
