/* random.c - secure random bytes and a seeded xoshiro256** generator. */
#include <errno.h>
#include <sys/random.h>

#include "mw_impl.h"

int mw_random_bytes(void *p, size_t n)
{
    uint8_t *d = p;
    while (n > 0) {
        ssize_t got = getrandom(d, n, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return MW_ESYS;
        }
        d += got;
        n -= (size_t)got;
    }
    return 0;
}

/* splitmix64 expands the seed into the 256-bit state, as the xoshiro authors advise. */
static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

void mw_rng_seed(mw_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t mw_rng_next(mw_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t mw_rng_below(mw_rng *r, uint64_t n)
{
    if (n == 0)
        return 0;
    /* Rejection sampling removes the modulo bias. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do
        x = mw_rng_next(r);
    while (x >= limit);
    return x % n;
}

double mw_rng_unit(mw_rng *r) { return (double)(mw_rng_next(r) >> 11) * 0x1.0p-53; }
