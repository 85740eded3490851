/* spool.c - writes emails as files in the mail spool folder, atomically (see spool.h). */
#include "spool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shared/crypto.h"
#include "shared/log.h"
#include "shared/util.h"

status_t auth_spool_init(const char *dir)
{
    char *path = xstrdup(dir);
    status_t st = ST_OK;

    /* mkdir -p: create each prefix in turn */
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST) {
            LOG_ERROR("mail spool: cannot create %s: %s", path, strerror(errno));
            st = ST_INTERNAL;
            break;
        }
        *p = saved;
        if (saved == '\0')
            break;
    }
    free(path);
    return st;
}

static status_t write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return ST_INTERNAL;
        data += n;
        len -= (size_t)n;
    }
    return ST_OK;
}

status_t auth_spool_write(const char *dir, const char *kind, const char *data, size_t len,
                          char **name)
{
    unsigned char rnd[6];
    buf_t file = BUF_INIT, tmp = BUF_INIT, final = BUF_INIT;
    int fd = -1;
    status_t st = ST_INTERNAL;

    crypto_random_bytes(rnd, sizeof rnd);
    buf_printf(&file, "%lld-%s-", (long long)time_now_ms(), kind);
    crypto_hex_encode(rnd, sizeof rnd, &file);
    buf_puts(&file, ".eml");
    buf_printf(&tmp, "%s/.%s.tmp", dir, file.data);
    buf_printf(&final, "%s/%s", dir, file.data);

    fd = open(tmp.data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        LOG_ERROR("mail spool: cannot create %s: %s", tmp.data, strerror(errno));
        goto done;
    }
    if (write_all(fd, data, len) || fsync(fd) != 0) {
        LOG_ERROR("mail spool: cannot write %s: %s", tmp.data, strerror(errno));
        goto done;
    }
    if (close(fd) != 0) {
        fd = -1;
        LOG_ERROR("mail spool: cannot write %s: %s", tmp.data, strerror(errno));
        goto done;
    }
    fd = -1;
    if (rename(tmp.data, final.data) != 0) {
        LOG_ERROR("mail spool: cannot rename %s: %s", tmp.data, strerror(errno));
        goto done;
    }
    *name = buf_steal(&file);
    st = ST_OK;
done:
    if (fd >= 0)
        close(fd);
    if (st)
        unlink(tmp.data);
    buf_cleanup(&file);
    buf_cleanup(&tmp);
    buf_cleanup(&final);
    return st;
}
