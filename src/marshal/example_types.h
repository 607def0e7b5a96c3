/*
 * example_types.h - the C side of the built-in example types other than Person and
 * PersonRecord (public in marshal.h). "Showcase" uses every kind the model has, as this
 * IDL would declare it:
 *
 *   struct Basics { boolean flag; octet small; char letter; short s; unsigned short us;
 *                   long l; unsigned long ul; long long ll; unsigned long long ull;
 *                   float f; double d; string text; };
 *   enum Color { RED, GREEN, BLUE };
 *   typedef double Celsius;
 *   union Reading switch (long) { case 1: Celsius temperature;
 *                                 case 2: case 3: string label;
 *                                 default: Color color; };
 *   struct Showcase {
 *     Basics basics; sequence<long> numbers; sequence<string, 3> tags;
 *     sequence<octet> blob; short matrix[2][3]; Color color; Reading reading;
 *     Celsius temperature; @optional Person owner; sequence<Person> people;
 *     any extra; midway::ObjectRef ref;
 *   };
 */
#ifndef MW_EXAMPLE_TYPES_H
#define MW_EXAMPLE_TYPES_H

#include <midway/marshal.h>

typedef struct mw_ex_basics {
    bool flag;
    uint8_t small;
    char letter;
    int16_t s;
    uint16_t us;
    int32_t l;
    uint32_t ul;
    int64_t ll;
    uint64_t ull;
    float f;
    double d;
    char *text;
} mw_ex_basics;

typedef enum mw_ex_color { MW_EX_RED = 0, MW_EX_GREEN = 1, MW_EX_BLUE = 2 } mw_ex_color;

typedef struct mw_ex_reading {
    int32_t d; /* discriminator */
    union {
        double temperature; /* case 1 */
        char *label;        /* case 2, 3 */
        int32_t color;      /* default: mw_ex_color */
    } u;
} mw_ex_reading;

typedef struct mw_ex_showcase {
    mw_ex_basics basics;
    mw_seq numbers; /* int32_t */
    mw_seq tags;    /* char *, at most 3 */
    mw_seq blob;    /* uint8_t */
    int16_t matrix[2][3];
    int32_t color;  /* mw_ex_color */
    mw_ex_reading reading;
    double temperature;
    mw_person *owner; /* optional */
    mw_seq people;    /* mw_person */
    mw_any extra;
    mw_objref ref;
} mw_ex_showcase;

extern const mw_type mwi_t_basics, mwi_t_color, mwi_t_celsius, mwi_t_reading,
    mwi_t_showcase;

#endif
