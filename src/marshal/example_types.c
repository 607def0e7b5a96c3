/* example_types.c - descriptors of the built-in example types (Figures 4.8-4.12 and the
 * Showcase type that uses every kind). They are written the way midl generates them. */
#include <stdalign.h>
#include <stddef.h>
#include <string.h>

#include "example_types.h"
#include "marshal_impl.h"

static const mw_field person_fields[] = {
    {"name", &mw_t_string, offsetof(mw_person, name), 0},
    {"place", &mw_t_string, offsetof(mw_person, place), 0},
    {"year", &mw_t_ulong, offsetof(mw_person, year), 0},
};
const mw_type mw_t_person = {
    .kind = MW_K_STRUCT, .name = "Person", .size = sizeof(mw_person),
    .align = alignof(mw_person), .u.st = {person_fields, 3}};

static const mw_field record_fields[] = {
    {"id", &mw_t_ulong, offsetof(mw_person_record, id), MW_FIELD_XML_ATTR},
    {"name", &mw_t_string, offsetof(mw_person_record, name), 0},
    {"place", &mw_t_string, offsetof(mw_person_record, place), 0},
    {"year", &mw_t_ulong, offsetof(mw_person_record, year), 0},
};
const mw_type mw_t_person_record = {
    .kind = MW_K_STRUCT, .name = "PersonRecord", .xml_name = "person",
    .size = sizeof(mw_person_record), .align = alignof(mw_person_record),
    .u.st = {record_fields, 4}};

static const mw_field basics_fields[] = {
    {"flag", &mw_t_boolean, offsetof(mw_ex_basics, flag), 0},
    {"small", &mw_t_octet, offsetof(mw_ex_basics, small), 0},
    {"letter", &mw_t_char, offsetof(mw_ex_basics, letter), 0},
    {"s", &mw_t_short, offsetof(mw_ex_basics, s), 0},
    {"us", &mw_t_ushort, offsetof(mw_ex_basics, us), 0},
    {"l", &mw_t_long, offsetof(mw_ex_basics, l), 0},
    {"ul", &mw_t_ulong, offsetof(mw_ex_basics, ul), 0},
    {"ll", &mw_t_longlong, offsetof(mw_ex_basics, ll), 0},
    {"ull", &mw_t_ulonglong, offsetof(mw_ex_basics, ull), 0},
    {"f", &mw_t_float, offsetof(mw_ex_basics, f), 0},
    {"d", &mw_t_double, offsetof(mw_ex_basics, d), 0},
    {"text", &mw_t_string, offsetof(mw_ex_basics, text), 0},
};
const mw_type mwi_t_basics = {
    .kind = MW_K_STRUCT, .name = "Basics", .size = sizeof(mw_ex_basics),
    .align = alignof(mw_ex_basics), .u.st = {basics_fields, 12}};

static const mw_enumerator color_items[] = {{"RED", 0}, {"GREEN", 1}, {"BLUE", 2}};
const mw_type mwi_t_color = {
    .kind = MW_K_ENUM, .name = "Color", .size = sizeof(int32_t), .align = alignof(int32_t),
    .u.en = {color_items, 3}};

const mw_type mwi_t_celsius = {
    .kind = MW_K_ALIAS, .name = "Celsius", .size = sizeof(double), .align = alignof(double),
    .u.alias = {&mw_t_double}};

static const mw_case reading_cases[] = {
    {"temperature", &mwi_t_celsius, 1, false},
    {"label", &mw_t_string, 2, false},
    {"label", &mw_t_string, 3, false},
    {"color", &mwi_t_color, 0, true},
};
const mw_type mwi_t_reading = {
    .kind = MW_K_UNION, .name = "Reading", .size = sizeof(mw_ex_reading),
    .align = alignof(mw_ex_reading),
    .u.un = {&mw_t_long, offsetof(mw_ex_reading, u), reading_cases, 4}};

static const mw_type seq_long = {.kind = MW_K_SEQUENCE, .size = sizeof(mw_seq),
                                 .align = alignof(mw_seq), .u.seq = {&mw_t_long, 0}};
static const mw_type seq_tags = {.kind = MW_K_SEQUENCE, .size = sizeof(mw_seq),
                                 .align = alignof(mw_seq), .u.seq = {&mw_t_string, 3}};
static const mw_type seq_octet = {.kind = MW_K_SEQUENCE, .size = sizeof(mw_seq),
                                  .align = alignof(mw_seq), .u.seq = {&mw_t_octet, 0}};
static const mw_type row = {.kind = MW_K_ARRAY, .size = sizeof(int16_t[3]),
                            .align = alignof(int16_t), .u.arr = {&mw_t_short, 3}};
static const mw_type matrix = {.kind = MW_K_ARRAY, .size = sizeof(int16_t[2][3]),
                               .align = alignof(int16_t), .u.arr = {&row, 2}};
static const mw_type opt_person = {.kind = MW_K_OPTIONAL, .size = sizeof(mw_person *),
                                   .align = alignof(mw_person *), .u.alias = {&mw_t_person}};
static const mw_type seq_person = {.kind = MW_K_SEQUENCE, .size = sizeof(mw_seq),
                                   .align = alignof(mw_seq), .u.seq = {&mw_t_person, 0}};

static const mw_field showcase_fields[] = {
    {"basics", &mwi_t_basics, offsetof(mw_ex_showcase, basics), 0},
    {"numbers", &seq_long, offsetof(mw_ex_showcase, numbers), 0},
    {"tags", &seq_tags, offsetof(mw_ex_showcase, tags), 0},
    {"blob", &seq_octet, offsetof(mw_ex_showcase, blob), 0},
    {"matrix", &matrix, offsetof(mw_ex_showcase, matrix), 0},
    {"color", &mwi_t_color, offsetof(mw_ex_showcase, color), 0},
    {"reading", &mwi_t_reading, offsetof(mw_ex_showcase, reading), 0},
    {"temperature", &mwi_t_celsius, offsetof(mw_ex_showcase, temperature), 0},
    {"owner", &opt_person, offsetof(mw_ex_showcase, owner), 0},
    {"people", &seq_person, offsetof(mw_ex_showcase, people), 0},
    {"extra", &mw_t_any, offsetof(mw_ex_showcase, extra), 0},
    {"ref", &mw_t_objref, offsetof(mw_ex_showcase, ref), 0},
};
const mw_type mwi_t_showcase = {
    .kind = MW_K_STRUCT, .name = "Showcase", .size = sizeof(mw_ex_showcase),
    .align = alignof(mw_ex_showcase), .u.st = {showcase_fields, 12}};

static const char *const builtin_names[] = {"Person", "PersonRecord", "Showcase", NULL};
static const mw_type *const builtin_types[] = {&mw_t_person, &mw_t_person_record,
                                               &mwi_t_showcase};

const mw_type *mw_builtin_type(const char *name)
{
    for (size_t i = 0; builtin_names[i]; i++)
        if (strcmp(builtin_names[i], name) == 0)
            return builtin_types[i];
    return NULL;
}

const char *const *mw_builtin_type_names(void) { return builtin_names; }
