/*
 * xdr_every.h - a test type that uses every XDR construct (RFC 4506), shared by the XDR
 * unit test, the libtirpc cross-check and the XDR fuzz target. In XDR language:
 *
 *   enum Mode { MODE_IDLE = -1, MODE_RUN = 7, MODE_STOP = 1000000 };
 *   struct Inner { int a; unsigned int b; };
 *   union Choice switch (int kind) {
 *   case 1: int number;
 *   case 2: string text<16>;
 *   case 3: void;
 *   case 4: Inner inner;
 *   default: hyper other;
 *   };
 *   struct Every {
 *       int i; unsigned int u; Mode mode; bool flag; hyper h; unsigned hyper uh;
 *       float f; double d; opaque fixed[5]; opaque var<32>; string name<64>;
 *       int fixed_arr[3]; double samples<>; Inner inners<4>; Inner inner;
 *       Choice choice; Inner *maybe;
 *       short sh; unsigned short ush; octet oc; char ch;   (each an XDR int/unsigned)
 *       Mode modes[2]; bool flags<>; midway::ObjectRef ref;
 *   };
 *
 * Header-only: every file that includes it gets its own static descriptors.
 */
#ifndef MW_TEST_XDR_EVERY_H
#define MW_TEST_XDR_EVERY_H

#include <stdalign.h>
#include <stddef.h>

#include <midway/marshal.h>

typedef struct ev_inner {
    int32_t a;
    uint32_t b;
} ev_inner;

typedef struct ev_choice {
    int32_t kind; /* discriminant */
    union {
        int32_t number; /* 1 */
        char *text;     /* 2; 3 is void */
        ev_inner inner; /* 4 */
        int64_t other;  /* default */
    } u;
} ev_choice;

typedef struct ev_every {
    int32_t i;
    uint32_t u;
    int32_t mode; /* Mode */
    bool flag;
    int64_t h;
    uint64_t uh;
    float f;
    double d;
    uint8_t fixed[5];
    mw_seq var; /* uint8_t, at most 32 */
    char *name; /* at most 64 bytes */
    int32_t fixed_arr[3];
    mw_seq samples; /* double */
    mw_seq inners;  /* ev_inner, at most 4 */
    ev_inner inner;
    ev_choice choice;
    ev_inner *maybe;
    int16_t sh;
    uint16_t ush;
    uint8_t oc;
    char ch;
    int32_t modes[2]; /* Mode */
    mw_seq flags;     /* bool */
    mw_objref ref;
} ev_every;

#define EV_MODE_IDLE (-1)
#define EV_MODE_RUN 7
#define EV_MODE_STOP 1000000

static const mw_enumerator ev_mode_items[] = {
    {"MODE_IDLE", EV_MODE_IDLE}, {"MODE_RUN", EV_MODE_RUN}, {"MODE_STOP", EV_MODE_STOP}};
static const mw_type ev_t_mode = {.kind = MW_K_ENUM, .name = "Mode", .size = sizeof(int32_t),
                                  .align = alignof(int32_t), .u.en = {ev_mode_items, 3}};

static const mw_field ev_inner_fields[] = {
    {"a", &mw_t_long, offsetof(ev_inner, a), 0},
    {"b", &mw_t_ulong, offsetof(ev_inner, b), 0},
};
static const mw_type ev_t_inner = {.kind = MW_K_STRUCT, .name = "Inner",
                                   .size = sizeof(ev_inner), .align = alignof(ev_inner),
                                   .u.st = {ev_inner_fields, 2}};

static const mw_type ev_t_text = {.kind = MW_K_STRING, .size = sizeof(char *),
                                  .align = alignof(char *), .u.seq = {NULL, 16}};
static const mw_case ev_choice_cases[] = {
    {"number", &mw_t_long, 1, false},   {"text", &ev_t_text, 2, false},
    {"nothing", &mw_t_void, 3, false},  {"inner", &ev_t_inner, 4, false},
    {"other", &mw_t_longlong, 0, true},
};
static const mw_type ev_t_choice = {
    .kind = MW_K_UNION, .name = "Choice", .size = sizeof(ev_choice),
    .align = alignof(ev_choice),
    .u.un = {&mw_t_long, offsetof(ev_choice, u), ev_choice_cases, 5}};

#define EV_SEQ(ident, elem, bound)                                                         \
    static const mw_type ident = {.kind = MW_K_SEQUENCE, .size = sizeof(mw_seq),           \
                                  .align = alignof(mw_seq), .u.seq = {elem, bound}}
#define EV_ARR(ident, elem, ctype, n)                                                      \
    static const mw_type ident = {.kind = MW_K_ARRAY, .size = sizeof(ctype[n]),            \
                                  .align = alignof(ctype), .u.arr = {elem, n}}

EV_ARR(ev_t_fixed, &mw_t_octet, uint8_t, 5);
EV_SEQ(ev_t_var, &mw_t_octet, 32);
static const mw_type ev_t_name = {.kind = MW_K_STRING, .size = sizeof(char *),
                                  .align = alignof(char *), .u.seq = {NULL, 64}};
EV_ARR(ev_t_fixed_arr, &mw_t_long, int32_t, 3);
EV_SEQ(ev_t_samples, &mw_t_double, 0);
EV_SEQ(ev_t_inners, &ev_t_inner, 4);
static const mw_type ev_t_maybe = {.kind = MW_K_OPTIONAL, .size = sizeof(ev_inner *),
                                   .align = alignof(ev_inner *), .u.alias = {&ev_t_inner}};
EV_ARR(ev_t_modes, &ev_t_mode, int32_t, 2);
EV_SEQ(ev_t_flags, &mw_t_boolean, 0);

static const mw_field ev_every_fields[] = {
    {"i", &mw_t_long, offsetof(ev_every, i), 0},
    {"u", &mw_t_ulong, offsetof(ev_every, u), 0},
    {"mode", &ev_t_mode, offsetof(ev_every, mode), 0},
    {"flag", &mw_t_boolean, offsetof(ev_every, flag), 0},
    {"h", &mw_t_longlong, offsetof(ev_every, h), 0},
    {"uh", &mw_t_ulonglong, offsetof(ev_every, uh), 0},
    {"f", &mw_t_float, offsetof(ev_every, f), 0},
    {"d", &mw_t_double, offsetof(ev_every, d), 0},
    {"fixed", &ev_t_fixed, offsetof(ev_every, fixed), 0},
    {"var", &ev_t_var, offsetof(ev_every, var), 0},
    {"name", &ev_t_name, offsetof(ev_every, name), 0},
    {"fixed_arr", &ev_t_fixed_arr, offsetof(ev_every, fixed_arr), 0},
    {"samples", &ev_t_samples, offsetof(ev_every, samples), 0},
    {"inners", &ev_t_inners, offsetof(ev_every, inners), 0},
    {"inner", &ev_t_inner, offsetof(ev_every, inner), 0},
    {"choice", &ev_t_choice, offsetof(ev_every, choice), 0},
    {"maybe", &ev_t_maybe, offsetof(ev_every, maybe), 0},
    {"sh", &mw_t_short, offsetof(ev_every, sh), 0},
    {"ush", &mw_t_ushort, offsetof(ev_every, ush), 0},
    {"oc", &mw_t_octet, offsetof(ev_every, oc), 0},
    {"ch", &mw_t_char, offsetof(ev_every, ch), 0},
    {"modes", &ev_t_modes, offsetof(ev_every, modes), 0},
    {"flags", &ev_t_flags, offsetof(ev_every, flags), 0},
    {"ref", &mw_t_objref, offsetof(ev_every, ref), 0},
};
static const mw_type ev_t_every = {.kind = MW_K_STRUCT, .name = "Every",
                                   .size = sizeof(ev_every), .align = alignof(ev_every),
                                   .u.st = {ev_every_fields, 24}};

#undef EV_SEQ
#undef EV_ARR

#endif
