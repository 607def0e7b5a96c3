/*
 * bench_common.h - what the benchmarks (bench/marshal, bench/rmi, bench/rr) share: a
 * calibrated timing loop, the median, min and max of several runs and of per-run ratios,
 * the machine and build lines every report starts with, tables as aligned text or as
 * Markdown, CPU pinning, and the parsing of numeric options.
 *
 * A benchmark measures each case (or cell) in several runs that go round the cases, so a
 * burst of load from elsewhere lands on several cases rather than one; it reports each
 * case's median over the runs with the min and max, and compares two cases by the median
 * of their per-run ratios (the two were measured moments apart, so load mostly cancels).
 *
 * Nothing here is thread-safe or part of libmidway; all of it prints to stdout, except the
 * option parser's message, which goes to stderr.
 */
#ifndef MWB_BENCH_COMMON_H
#define MWB_BENCH_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MWB_MAX_RUNS 99 /* runs per case at most: the statistics' arrays hold this many */

/* ---- statistics --------------------------------------------------------------------- */

/* The median of some runs (the mean of the middle two for an even count), min and max. */
typedef struct mwb_summary {
    double median, min, max;
} mwb_summary;

/* The summary of v[0..n), 1 <= n <= MWB_MAX_RUNS; v is left as it is. */
mwb_summary mwb_summarise(const double *v, int n);
/* The summary of the per-run ratios num[i] / den[i], i in [0, n). */
mwb_summary mwb_ratio(const double *num, const double *den, int n);
/* Writes "MEDIAN{unit} (MIN .. MAX)" with the given decimals to buf[0..size); returns buf. */
const char *mwb_fmt_summary(char *buf, size_t size, int decimals, const char *unit,
                            mwb_summary s);

/* ---- timing ------------------------------------------------------------------------- */

/* Runs n iterations of the work on ctx; 0, or negative on failure (which stops the timing). */
typedef int (*mwb_loop_fn)(void *ctx, uint64_t n);

/*
 * Finds the number of iterations that make one loop last at least min_ms milliseconds,
 * growing the count by at most 16 times per try and aiming a little past the target.
 * 0 with *iters set, or the loop's failure.
 */
int mwb_calibrate(mwb_loop_fn loop, void *ctx, unsigned min_ms, uint64_t *iters);
/*
 * Times one loop of n iterations: *ns gets the wall-clock nanoseconds per iteration and,
 * unless cpu_ns is NULL, *cpu_ns the process's CPU nanoseconds per iteration (all its
 * threads: a client and the servers it calls in the same process). The loop's result.
 */
int mwb_time_loop(mwb_loop_fn loop, void *ctx, uint64_t n, double *ns, double *cpu_ns);

/* ---- the report --------------------------------------------------------------------- */

/*
 * Prints "machine: MODEL, N CPUs online, load average A B C", then "build: TYPE; " (with
 * a warning when the benchmark was built without optimisation) followed by the rest of
 * the line, printf-style, which says how the benchmark measures.
 */
void mwb_print_header(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A table: a label column, then ncols cells a row. As text, the label is left-aligned in
 * label_width characters and cell i right-aligned in widths[i]; as Markdown (markdown
 * set), cells are right-aligned columns.
 */
typedef struct mwb_table {
    bool markdown;
    int label_width;
    const int *widths; /* ncols of them (text only) */
    size_t ncols;
} mwb_table;

/* The title, then heads[0] (the label column's head, shown in Markdown only) and
 * heads[1..ncols]. */
void mwb_table_head(const mwb_table *t, const char *title, const char *const *heads);
/* A row of ncols cells, formatted already; note (NULL for none) follows the last cell. */
void mwb_table_row(const mwb_table *t, const char *label, const char *const *cells,
                   const char *note);
/* A row that says why the case has no numbers. */
void mwb_table_skipped(const mwb_table *t, const char *label, const char *why);

/* ---- the machine and the command line ----------------------------------------------- */

/* Pins the calling thread (the whole process, if it has one thread) to cpu. 0 or -1. */
int mwb_pin_cpu(int cpu);

/*
 * The value of option opt (its text s, NULL when the command line ended) as a number from
 * min to max; otherwise prints "PROG: OPT needs a number from MIN to MAX" and exits with
 * status 2.
 */
long mwb_parse_long(const char *prog, const char *opt, const char *s, long min, long max);

#endif
