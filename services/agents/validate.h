/* validate.h - the rules an agent and a script must satisfy, and the names enumerations are
 * stored by. Pure: no I/O, so every rule is unit-tested (tests/unit/services/agents).
 *
 * Checks return ST_OK or ST_INVALID with a message naming the field in why (always
 * NUL-terminated), e.g. "temperature: must be between 0 and 2". Lengths count characters
 * (Unicode code points) of valid UTF-8. Checks normalise in place where the stored form is
 * canonical: names are trimmed, UUIDs lower-cased.
 */
#ifndef AGENTS_VALIDATE_H
#define AGENTS_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>

#include "proto/agents.pb-c.h"
#include "shared/status.h"

#define AGENTS_WHY_SIZE           256
#define AGENTS_NAME_MAX           100
#define AGENTS_DESCRIPTION_MAX    2000
#define AGENTS_INSTRUCTIONS_MAX   20000
#define AGENTS_MODEL_MAX          200
#define AGENTS_MAX_TOKENS         128000
#define AGENTS_DELAY_MAX          3600
#define AGENTS_IDS_MAX            100 /* entries of each id list */
#define AGENTS_COPY_SUFFIX        " (copy)"
#define AGENTS_DEFAULT_MODEL      "openai/gpt-4o-mini"
#define AGENTS_DEFAULT_TEMP       0.7
#define AGENTS_DEFAULT_MAX_TOKENS 1024

/* Characters (code points) of s; -1 when s is not valid UTF-8. */
long agents_text_len(const char *s);
/* Checks text field `field`: valid UTF-8, min..max characters, no control characters (C0, DEL, C1:
 * text_has_control) other than tab, CR and LF (none at all when single_line). NULL counts as "". */
status_t agents_check_text(const char *field, const char *s, long min, long max, bool single_line,
                           char *why, size_t whylen);
/* Trims ASCII blanks at both ends of *s in place (it stays the same allocation). */
void agents_trim(char *s);
/* A model id: 1..200 characters, segments of [A-Za-z0-9._:@+-] starting with a letter or digit,
 * separated by single '/' (e.g. "openai/gpt-4o-mini", "meta-llama/llama-3-8b:free"). */
bool agents_model_ok(const char *s);
/* Checks a list of UUIDs (no duplicates, at most AGENTS_IDS_MAX) and lower-cases them. */
status_t agents_check_ids(const char *field, char **ids, size_t n, char *why, size_t whylen);

/* Names of enum values as stored and in JSON ("active", "kommo_chat", "ru"); NULL when the
 * value is not a valid choice (UNSPECIFIED or unknown). */
const char *agents_status_name(int v);
const char *agents_channel_name(int v);
const char *agents_language_name(int v);

/* Fills the defaults of a new agent (status, model, temperature, ...) where a field is unset. */
void agents_defaults(Agents__Agent *a);
/* Checks every writable field of a complete agent (after defaults or a merge). */
status_t agents_validate_agent(Agents__Agent *a, char *why, size_t whylen);
/* Checks the writable fields of a complete script. */
status_t agents_validate_script(Agents__Script *s, char *why, size_t whylen);

/* The list order: "name", "created_at", "updated_at", each optionally prefixed by '-' for
 * descending; NULL or "" is the default "-created_at". ST_INVALID with why otherwise. The
 * canonical spelling goes to out (a static string). */
status_t agents_parse_sort(const char *s, const char **out /* OUT */, char *why, size_t whylen);
/* "<name> (copy)", the name cut (at a character boundary) so the result has at most
 * AGENTS_NAME_MAX characters. Heap. */
char *agents_copy_name(const char *name);

#endif
