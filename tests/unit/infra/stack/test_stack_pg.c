/* test_stack_pg.c - what of the stack's database roles a spawned service gets
 * (stack_env_for_service in infra/stack/stack_pg.c): its own URL as DATABASE_URL, nothing else.
 */
#include <criterion/criterion.h>

#include "stack/stack.h"

static void stack_env(stack_env_t *env)
{
    stack_env_init(env);
    stack_env_set(env, "DATABASE_URL", "postgresql://app:x@h/platform");
    stack_env_set(env, "DATABASE_URL_AUTH", "postgresql://auth:a@h/platform");
    stack_env_set(env, "DATABASE_URL_RAG_INDEX", "postgresql://rag-index:r@h/platform");
    stack_env_set(env, "PG_ADMIN_URL", "postgresql://postgres@h/platform");
    stack_env_set(env, "NATS_URL", "nats://h:4222");
}

Test(stack_pg, a_service_gets_its_own_role_only)
{
    stack_env_t env;
    stack_env(&env);
    stack_env_for_service(&env, "auth");
    cr_assert_str_eq(stack_env_get(&env, "DATABASE_URL"), "postgresql://auth:a@h/platform");
    cr_assert_null(stack_env_get(&env, "DATABASE_URL_AUTH"));
    cr_assert_null(stack_env_get(&env, "DATABASE_URL_RAG_INDEX"));
    cr_assert_null(stack_env_get(&env, "PG_ADMIN_URL"));
    cr_assert_str_eq(stack_env_get(&env, "NATS_URL"), "nats://h:4222");
    cr_assert_eq(env.n, 2);
    cr_assert_null(env.v[env.n]);
    stack_env_cleanup(&env);
}

Test(stack_pg, dashes_become_underscores)
{
    stack_env_t env;
    stack_env(&env);
    stack_env_for_service(&env, "rag-index");
    cr_assert_str_eq(stack_env_get(&env, "DATABASE_URL"), "postgresql://rag-index:r@h/platform");
    stack_env_cleanup(&env);
}

Test(stack_pg, a_service_without_a_database_gets_none)
{
    stack_env_t env;
    stack_env(&env);
    stack_env_for_service(&env, "edge");
    cr_assert_null(stack_env_get(&env, "DATABASE_URL"));
    cr_assert_null(stack_env_get(&env, "DATABASE_URL_AUTH"));
    cr_assert_null(stack_env_get(&env, "PG_ADMIN_URL"));
    cr_assert_eq(env.n, 1);
    stack_env_cleanup(&env);
}
