/* log.c - the logging hook. Silent unless the application installs a logger. */
#include <stdatomic.h>
#include <stdio.h>
#include <pthread.h>

#include "mw_impl.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static mw_log_fn log_fn;
static void *log_ctx;
/* Read without the lock on the fast path, so a disabled level costs one load. */
static atomic_int log_max = -1;

void mw_log_set(mw_log_fn fn, void *ctx, mw_log_level max_level)
{
    pthread_mutex_lock(&lock);
    log_fn = fn;
    log_ctx = ctx;
    atomic_store(&log_max, fn ? (int)max_level : -1);
    pthread_mutex_unlock(&lock);
}

bool mwi_log_enabled(mw_log_level level) { return (int)level <= atomic_load(&log_max); }

void mwi_log(mw_log_level level, const char *subsystem, const char *fmt, ...)
{
    if (!mwi_log_enabled(level))
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&lock);
    mw_log_fn fn = log_fn;
    void *ctx = log_ctx;
    pthread_mutex_unlock(&lock);
    if (fn)
        fn(ctx, level, subsystem, msg);
}

void mw_log_stderr(void *ctx, mw_log_level level, const char *subsystem, const char *message)
{
    static const char *names[] = {"error", "warn", "info", "debug"};
    (void)ctx;
    fprintf(stderr, "midway[%s] %s: %s\n", subsystem,
            (unsigned)level < 4 ? names[level] : "?", message);
}
