/* limits.c - what the extractor may do (extract.h): rlimits it sets on itself from argv, then a
 * seccomp filter (libseccomp) once its libraries are initialised and the input is read. From
 * then on it computes, allocates and writes its answer on stdout; opening a file fails with
 * EACCES (a library looking for a configuration file carries on without it); any other system
 * call - a socket, exec, ptrace - kills it with SIGSYS, which the parent reports.
 */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

#include "services/ingest/extract/extract.h"
#include "shared/util.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

static status_t set(int resource, rlim_t value)
{
    struct rlimit rl = {value, value};
    return setrlimit(resource, &rl) == 0 ? ST_OK : ST_INVALID;
}

status_t extract_limits_set(int cpu_s, int mem_mb)
{
    status_t st = ST_OK;
    if (cpu_s > 0) { /* SIGXCPU at the soft limit, SIGKILL a second later */
        struct rlimit rl = {(rlim_t)cpu_s, (rlim_t)cpu_s + 1};
        if (setrlimit(RLIMIT_CPU, &rl) != 0)
            st = ST_INVALID;
    }
#ifndef UNDER_ASAN
    if (mem_mb > 0 && !st)
        st = set(RLIMIT_AS, (rlim_t)mem_mb << 20);
#else
    (void)mem_mb;
#endif
    if (!st)
        st = set(RLIMIT_FSIZE, 0);
    if (!st)
        st = set(RLIMIT_CORE, 0);
    if (!st)
        st = set(RLIMIT_NOFILE, 16);
    return st;
}

static const int allowed[] = {
    SCMP_SYS(read),
    SCMP_SYS(write),
    SCMP_SYS(writev),
    SCMP_SYS(close),
    SCMP_SYS(lseek),
    SCMP_SYS(fstat),
    SCMP_SYS(newfstatat),
    SCMP_SYS(brk),
    SCMP_SYS(mmap),
    SCMP_SYS(munmap),
    SCMP_SYS(mremap),
    SCMP_SYS(mprotect),
    SCMP_SYS(madvise),
    SCMP_SYS(futex),
    SCMP_SYS(clock_gettime),
    SCMP_SYS(gettimeofday),
    SCMP_SYS(getrandom),
    SCMP_SYS(rt_sigreturn),
    SCMP_SYS(rt_sigprocmask),
    SCMP_SYS(rt_sigaction),
    SCMP_SYS(sigaltstack),
    SCMP_SYS(getpid),
    SCMP_SYS(gettid),
    SCMP_SYS(sched_yield),
    SCMP_SYS(exit),
    SCMP_SYS(exit_group),
    SCMP_SYS(getrlimit),
    SCMP_SYS(prlimit64),
    SCMP_SYS(sched_getaffinity),
    SCMP_SYS(nanosleep),
    SCMP_SYS(clock_nanosleep),
};

status_t extract_seccomp_install(void)
{
    status_t st = ST_INVALID;
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
    if (!ctx)
        return ST_INVALID;
    for (size_t i = 0; i < ARRAY_LEN(allowed); i++)
        if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0) != 0)
            goto done;
    /* abort() signals itself; no other process */
    if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
                         SCMP_A0(SCMP_CMP_EQ, getpid())) ||
        seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(kill), 1, SCMP_A0(SCMP_CMP_EQ, getpid())))
        goto done;
    if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(openat), 0) != 0 ||
        seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(open), 0) != 0 ||
        seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(access), 0) != 0 ||
        seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(readlink), 0) != 0)
        goto done;
    if (seccomp_load(ctx) == 0)
        st = ST_OK;
done:
    seccomp_release(ctx);
    return st;
}
