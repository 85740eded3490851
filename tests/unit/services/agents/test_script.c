/* test_script.c - {{placeholders}} of sales scripts and their declared variables
 * (services/agents/script.c). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "services/agents/script.h"

Test(script, variable_names)
{
    cr_assert(agents_script_var_ok("a"));
    cr_assert(agents_script_var_ok("_"));
    cr_assert(agents_script_var_ok("client_name2"));
    cr_assert_not(agents_script_var_ok(""));
    cr_assert_not(agents_script_var_ok(NULL));
    cr_assert_not(agents_script_var_ok("2x"));
    cr_assert_not(agents_script_var_ok("Name"));
    cr_assert_not(agents_script_var_ok("a-b"));
    cr_assert_not(agents_script_var_ok("имя"));
    char name[70];
    memset(name, 'a', 64);
    name[64] = '\0';
    cr_assert(agents_script_var_ok(name));
    name[64] = 'a';
    name[65] = '\0';
    cr_assert_not(agents_script_var_ok(name));
}

typedef struct {
    int n;
    char names[8][70];
    size_t offsets[8];
} found_t;

static int collect(const char *name, size_t len, size_t offset, void *arg)
{
    found_t *f = arg;
    snprintf(f->names[f->n], sizeof f->names[0], "%.*s", (int)len, name);
    f->offsets[f->n++] = offset;
    return 0;
}

Test(script, scan_finds_placeholders_in_order)
{
    found_t f = {0};
    char why[256];
    cr_assert_eq(agents_script_scan("Hi {{name}}, {{ product }} for {{\tprice\t}}! {single}",
                                    collect, &f, why, sizeof why),
                 ST_OK);
    cr_assert_eq(f.n, 3);
    cr_assert_str_eq(f.names[0], "name");
    cr_assert_eq(f.offsets[0], 3);
    cr_assert_str_eq(f.names[1], "product");
    cr_assert_str_eq(f.names[2], "price");
    f.n = 0;
    cr_assert_eq(agents_script_scan("no placeholders } here {", collect, &f, why, sizeof why),
                 ST_OK);
    cr_assert_eq(f.n, 0);
    static const char *const bad[] = {"{{}}", "{{ }}", "{{Name}}", "{{a b}}",
                                      "{{a",  "{{a}",  "x {{1}}",  "{{a-b}}"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cr_assert_eq(agents_script_scan(bad[i], collect, &f, why, sizeof why), ST_INVALID, "%s",
                     bad[i]);
        cr_assert(strstr(why, "body: placeholder at offset"), "%s", why);
    }
}

Test(script, check_declared_variables)
{
    char why[256];
    char *vars[] = {"name", "price", "unused"};
    cr_assert_eq(agents_script_check("{{name}} pays {{price}}", vars, 3, why, sizeof why), ST_OK);
    cr_assert_eq(agents_script_check("plain", NULL, 0, why, sizeof why), ST_OK);
    cr_assert_eq(agents_script_check("{{name}} and {{city}}", vars, 3, why, sizeof why),
                 ST_INVALID);
    cr_assert_str_eq(why, "body: placeholder {{city}} at offset 13 is not declared in variables");
    char *dup[] = {"a", "b", "a"};
    cr_assert_eq(agents_script_check("x", dup, 3, why, sizeof why), ST_INVALID);
    cr_assert_str_eq(why, "variables[2]: duplicate of variables[0]");
    char *badname[] = {"ok", "Not ok"};
    cr_assert_eq(agents_script_check("x", badname, 2, why, sizeof why), ST_INVALID);
    cr_assert(strstr(why, "variables[1]"), "%s", why);
    char *many[AGENTS_SCRIPT_VARS + 1];
    for (int i = 0; i <= AGENTS_SCRIPT_VARS; i++)
        many[i] = "v";
    cr_assert_eq(agents_script_check("x", many, AGENTS_SCRIPT_VARS + 1, why, sizeof why),
                 ST_INVALID);
    cr_assert(strstr(why, "variables: at most"), "%s", why);
}
