/* arena.c - region allocation: many small allocations, one free. */
#include <stdlib.h>
#include <string.h>

#include "mw_impl.h"

/* Blocks grow geometrically from 4 KiB so small values cost one malloc and big ones few. */
#define FIRST_BLOCK 4096
#define MAX_BLOCK (1u << 20)

struct block {
    struct block *next; /* older block */
    size_t size;        /* usable bytes in data */
    size_t used;        /* bytes handed out of data */
    _Alignas(16) unsigned char data[];
};

struct mw_arena {
    struct block *head; /* newest block; allocation happens here */
    size_t used;        /* bytes handed out, padding included */
    size_t limit;       /* 0: none */
    size_t next_size;   /* size of the next block */
};

int mw_arena_create(mw_arena **out, size_t limit)
{
    mw_arena *a = calloc(1, sizeof *a);
    if (!a)
        return MW_ENOMEM;
    a->limit = limit;
    a->next_size = FIRST_BLOCK;
    *out = a;
    return 0;
}

static void free_blocks(struct block *b)
{
    while (b) {
        struct block *next = b->next;
        free(b);
        b = next;
    }
}

void mw_arena_destroy(mw_arena *a)
{
    if (!a)
        return;
    free_blocks(a->head);
    free(a);
}

/* Frees the blocks older than b. */
static __attribute__((noinline)) void free_older(struct block *b)
{
    free_blocks(b->next);
    b->next = NULL;
}

void mw_arena_reset(mw_arena *a)
{
    struct block *b = a->head;
    a->used = 0;
    if (b) {
        b->used = 0;
        if (b->next)
            free_older(b); /* a tail call: the common reset touches no registers */
    }
}

/* Everything but the common case: align 0 or invalid, n 0, a new block needed, or the
 * limit reached. */
static __attribute__((noinline)) void *alloc_slow(mw_arena *a, size_t n, size_t align)
{
    if (align == 0)
        align = 16;
    if (align > 16 || (align & (align - 1)))
        return NULL;
    if (n == 0)
        n = 1; /* distinct non-NULL pointers for empty values */
    struct block *b = a->head;
    size_t start = 0, end = 0;
    if (b) {
        start = (b->used + align - 1) & ~(align - 1);
        if (!mwi_add_size(start, n, &end))
            return NULL;
    }
    if (!b || end > b->size) {
        size_t size = a->next_size;
        if (n > size)
            size = n;
        if (a->limit && size > a->limit - MWI_MIN(a->used, a->limit) + 16 && n <= a->limit)
            size = n + 16; /* near the limit: take only what this request needs */
        size_t total;
        if (!mwi_add_size(sizeof(struct block), size, &total))
            return NULL;
        if (a->limit && a->used + n > a->limit)
            return NULL;
        b = malloc(total);
        if (!b)
            return NULL;
        b->size = size;
        b->used = 0;
        b->next = a->head;
        a->head = b;
        if (a->next_size < MAX_BLOCK)
            a->next_size *= 2;
        start = 0;
        end = n;
    }
    size_t cost = end - b->used;
    if (a->limit && (a->used + cost > a->limit || a->used + cost < a->used))
        return NULL;
    a->used += cost;
    b->used = end;
    return b->data + start;
}

void *mw_arena_alloc(mw_arena *a, size_t n, size_t align)
{
    /* The common case first, in a few instructions: a valid alignment, and n bytes that
     * fit the newest block within the limit. */
    struct block *b = a->head;
    if (b && n && align - 1 < 16 && !(align & (align - 1))) {
        size_t start = (b->used + align - 1) & ~(align - 1), end = start + n;
        if (end >= start && end <= b->size) {
            size_t cost = end - b->used, used = a->used + cost;
            if (!a->limit || (used <= a->limit && used >= cost)) {
                a->used = used;
                b->used = end;
                return b->data + start;
            }
        }
    }
    return alloc_slow(a, n, align);
}

void *mw_arena_calloc(mw_arena *a, size_t count, size_t size)
{
    size_t n;
    if (!mwi_mul_size(count, size, &n))
        return NULL;
    void *p = mw_arena_alloc(a, n, 0);
    if (p)
        memset(p, 0, n);
    return p;
}

char *mw_arena_strndup(mw_arena *a, const char *s, size_t n)
{
    size_t total;
    if (!mwi_add_size(n, 1, &total))
        return NULL;
    char *p = mw_arena_alloc(a, total, 1);
    if (!p)
        return NULL;
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

size_t mw_arena_used(const mw_arena *a) { return a->used; }

void mw_arena_set_limit(mw_arena *a, size_t limit) { a->limit = limit; }

size_t mw_arena_limit(const mw_arena *a) { return a->limit; }
