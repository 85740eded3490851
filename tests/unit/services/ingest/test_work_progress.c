/* test_work_progress.c - the progress push's JSON and its throttle
 * (services/ingest/work_progress.c). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "services/ingest/work_int.h"

Test(work_progress, json_has_every_field_and_escapes_the_name)
{
    work_doc_t d = {.doc = "0b6a3c0e-5d5e-4f6b-9f43-1d2f0c3b4a59",
                    .name = "отчёт \"Q3\"\n.pdf",
                    .status = "failed",
                    .progress = 40,
                    .pages = 12,
                    .chunks = 0};
    char *s = work_progress_json(&d, "the file is encrypted");
    json_error_t err;
    json_t *j = json_loads(s, 0, &err);
    cr_assert_not_null(j, "%s: %s", s, err.text);
    cr_assert_str_eq(json_string_value(json_object_get(j, "id")), d.doc);
    cr_assert_str_eq(json_string_value(json_object_get(j, "name")), d.name);
    cr_assert_str_eq(json_string_value(json_object_get(j, "status")), "failed");
    cr_assert_eq(json_integer_value(json_object_get(j, "progress")), 40);
    cr_assert_eq(json_integer_value(json_object_get(j, "pages")), 12);
    cr_assert_eq(json_integer_value(json_object_get(j, "chunks")), 0);
    cr_assert_str_eq(json_string_value(json_object_get(j, "error")), "the file is encrypted");
    cr_assert_eq(json_object_size(j), 7);
    json_decref(j);
    free(s);

    d.status = "ready";
    s = work_progress_json(&d, NULL);
    j = json_loads(s, 0, &err);
    cr_assert(json_is_null(json_object_get(j, "error")), "%s", s);
    json_decref(j);
    free(s);
}

Test(work_progress, status_changes_always_progress_a_few_times_a_second)
{
    work_doc_t d = {0};
    int64_t t = 1000000000;
    cr_assert(work_progress_due(&d, "extracting", 2, false, t), "the first push");
    d.pushed_status = "extracting";
    d.pushed_progress = 2;
    d.pushed_us = t;
    cr_assert_not(work_progress_due(&d, "extracting", 2, false, t + 10 * WORK_PUSH_GAP_US),
                  "nothing new");
    cr_assert_not(work_progress_due(&d, "extracting", 3, false, t + 1000), "too soon");
    cr_assert(work_progress_due(&d, "extracting", 3, false, t + WORK_PUSH_GAP_US));
    cr_assert(work_progress_due(&d, "chunking", 30, false, t + 1000), "a new status at once");
    cr_assert(work_progress_due(&d, "extracting", 2, true, t + 1), "forced");
}
