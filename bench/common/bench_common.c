/*
 * bench_common.c - the statistics, timing loop, report lines and tables the benchmarks
 * share (bench_common.h).
 */
#include "bench_common.h"

#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <midway/base.h>

#ifndef MWB_BUILD_TYPE
#define MWB_BUILD_TYPE ""
#endif

/* ---- statistics --------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

mwb_summary mwb_summarise(const double *v, int n)
{
    double s[MWB_MAX_RUNS];
    memcpy(s, v, sizeof(double) * (size_t)n);
    qsort(s, (size_t)n, sizeof(double), cmp_double);
    mwb_summary out = {n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2, s[0], s[n - 1]};
    return out;
}

mwb_summary mwb_ratio(const double *num, const double *den, int n)
{
    double r[MWB_MAX_RUNS];
    for (int i = 0; i < n; i++)
        r[i] = num[i] / den[i];
    return mwb_summarise(r, n);
}

const char *mwb_fmt_summary(char *buf, size_t size, int decimals, const char *unit,
                            mwb_summary s)
{
    snprintf(buf, size, "%.*f%s (%.*f .. %.*f)", decimals, s.median, unit, decimals, s.min,
             decimals, s.max);
    return buf;
}

/* ---- timing ------------------------------------------------------------------------- */

#define MAX_ITERS ((uint64_t)1 << 30) /* calibration stops growing the loop here */

int mwb_calibrate(mwb_loop_fn loop, void *ctx, unsigned min_ms, uint64_t *iters)
{
    uint64_t min_ns = (uint64_t)min_ms * 1000000u;
    uint64_t n = 1;
    for (;;) {
        uint64_t t0 = mw_now_ns();
        int rc = loop(ctx, n);
        if (rc != 0)
            return rc;
        uint64_t dt = mw_now_ns() - t0;
        if (dt >= min_ns || n >= MAX_ITERS)
            break;
        /* Aim a little past the target so the next try usually succeeds. */
        uint64_t next = dt ? (uint64_t)((double)n * 1.2 * (double)min_ns / (double)dt) : n * 16;
        n = next > n * 16 ? n * 16 : next > n ? next : n + 1;
    }
    *iters = n;
    return 0;
}

/* CPU time of the whole process, ns. */
static uint64_t process_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int mwb_time_loop(mwb_loop_fn loop, void *ctx, uint64_t n, double *ns, double *cpu_ns)
{
    uint64_t c0 = cpu_ns ? process_cpu_ns() : 0, t0 = mw_now_ns();
    int rc = loop(ctx, n);
    uint64_t t1 = mw_now_ns(), c1 = cpu_ns ? process_cpu_ns() : 0;
    *ns = (double)(t1 - t0) / (double)n;
    if (cpu_ns)
        *cpu_ns = (double)(c1 - c0) / (double)n;
    return rc;
}

/* ---- the report --------------------------------------------------------------------- */

void mwb_print_header(const char *fmt, ...)
{
    char model[128] = "unknown";
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[256];
        while (fgets(line, sizeof line, f))
            if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
                snprintf(model, sizeof model, "%s", strchr(line, ':') + 2);
                model[strcspn(model, "\n")] = '\0';
                break;
            }
        fclose(f);
    }
    double load[3] = {0, 0, 0};
    f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3)
            load[0] = load[1] = load[2] = 0;
        fclose(f);
    }
    printf("machine: %s, %ld CPUs online, load average %.2f %.2f %.2f\n", model,
           sysconf(_SC_NPROCESSORS_ONLN), load[0], load[1], load[2]);
    /* This file is built with the benchmarks' flags, so it is optimised when they are. */
    printf("build: %s%s; ", MWB_BUILD_TYPE[0] ? MWB_BUILD_TYPE : "no CMAKE_BUILD_TYPE",
#ifdef __OPTIMIZE__
           ""
#else
           " (WARNING: built without optimisation; use make bench)"
#endif
    );
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

void mwb_table_head(const mwb_table *t, const char *title, const char *const *heads)
{
    if (t->markdown) {
        printf("\n**%s**\n\n|", title);
        for (size_t i = 0; i <= t->ncols; i++)
            printf(" %s |", heads[i]);
        printf("\n|---|");
        for (size_t i = 0; i < t->ncols; i++)
            printf("---:|");
    } else {
        printf("\n%s\n  %-*s", title, t->label_width, "");
        for (size_t i = 0; i < t->ncols; i++)
            printf(" %*s", t->widths[i], heads[i + 1]);
    }
    printf("\n");
}

void mwb_table_row(const mwb_table *t, const char *label, const char *const *cells,
                   const char *note)
{
    if (t->markdown) {
        printf("| %s |", label);
        for (size_t i = 0; i < t->ncols; i++)
            printf(" %s%s%s |", cells[i], note && i + 1 == t->ncols ? "; " : "",
                   note && i + 1 == t->ncols ? note : "");
    } else {
        printf("  %-*s", t->label_width, label);
        for (size_t i = 0; i < t->ncols; i++)
            printf(" %*s", t->widths[i], cells[i]);
        if (note)
            printf("  %s", note);
    }
    printf("\n");
}

void mwb_table_skipped(const mwb_table *t, const char *label, const char *why)
{
    if (t->markdown) {
        /* The reason in the first cell, the others empty. */
        printf("| %s | skipped: %s |", label, why);
        for (size_t i = 1; i < t->ncols; i++)
            printf(" |");
        printf("\n");
    } else {
        printf("  %-*s skipped: %s\n", t->label_width, label, why);
    }
}

/* ---- the machine and the command line ----------------------------------------------- */

int mwb_pin_cpu(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof set, &set) == 0 ? 0 : -1;
}

long mwb_parse_long(const char *prog, const char *opt, const char *s, long min, long max)
{
    char *end = NULL;
    long v = s ? strtol(s, &end, 10) : 0;
    if (!s || !*s || *end || v < min || v > max) {
        fprintf(stderr, "%s: %s needs a number from %ld to %ld\n", prog, opt, min, max);
        exit(2);
    }
    return v;
}
