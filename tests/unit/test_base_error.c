/* test_base_error.c - error codes, their names and messages, and the errno mapping. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <midway/base.h>

struct code {
    int value;
    int enum_value;
    const char *name;
    const char *msg;
};

/* The list expanded once more here, so every code the header declares is checked,
 * including codes added after this test was written. */
#define X(name, value, msg) {value, MW_##name, "MW_" #name, msg},
static const struct code codes[] = {MW_ERROR_LIST(X)};
#undef X
#define NCODES (sizeof codes / sizeof codes[0])

static void test_every_code_has_name_and_message(void **state)
{
    (void)state;
    for (size_t i = 0; i < NCODES; i++) {
        assert_int_equal(codes[i].value, codes[i].enum_value);
        assert_string_equal(mw_errname(codes[i].value), codes[i].name);
        assert_string_equal(mw_strerror(codes[i].value), codes[i].msg);
        assert_true(strlen(codes[i].msg) > 0);
    }
}

static void test_codes_are_stable_and_distinct(void **state)
{
    (void)state;
    /* 0 first, then -1, -2, ... with no gap: values are stable, appended only. */
    for (size_t i = 0; i < NCODES; i++)
        assert_int_equal(codes[i].value, -(int)i);
    assert_int_equal(MW_OK, 0);
    assert_int_equal(MW_ETIMEDOUT, -3);
    assert_int_equal(MW_ESYS, -29);
    for (size_t i = 0; i < NCODES; i++)
        for (size_t j = i + 1; j < NCODES; j++) {
            assert_int_not_equal(codes[i].value, codes[j].value);
            assert_string_not_equal(codes[i].name, codes[j].name);
        }
}

static void test_unknown_codes(void **state)
{
    (void)state;
    int unknown[] = {1, 42, -(int)NCODES, -1000, INT32_MIN, INT32_MAX};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        assert_string_equal(mw_errname(unknown[i]), "MW_E?");
        assert_string_equal(mw_strerror(unknown[i]), "unknown error");
    }
}

static void test_errno_mapping(void **state)
{
    (void)state;
    static const struct {
        int errnum, mw;
    } cases[] = {
        {EINVAL, MW_EINVAL},           {ENOMEM, MW_ENOMEM},
        {ENOBUFS, MW_ENOMEM},          {ETIMEDOUT, MW_ETIMEDOUT},
        {EAGAIN, MW_EAGAIN},           {EWOULDBLOCK, MW_EAGAIN},
        {EINPROGRESS, MW_EAGAIN},      {EMSGSIZE, MW_EMSGSIZE},
        {ECONNREFUSED, MW_ECONNREFUSED}, {ECONNRESET, MW_ECONNRESET},
        {EPIPE, MW_ECONNRESET},        {ECONNABORTED, MW_ECONNRESET},
        {ENOTCONN, MW_ESTATE},         {EADDRINUSE, MW_EADDRINUSE},
        {EADDRNOTAVAIL, MW_EADDRNOTAVAIL}, {ENETUNREACH, MW_EUNREACH},
        {EHOSTUNREACH, MW_EUNREACH},   {ENETDOWN, MW_EUNREACH},
        {EHOSTDOWN, MW_EUNREACH},      {EACCES, MW_EPERM},
        {EPERM, MW_EPERM},             {ENOENT, MW_ENOENT},
        {ENODEV, MW_ENOENT},           {EEXIST, MW_EEXIST},
        {EOPNOTSUPP, MW_ENOTSUP},      {EAFNOSUPPORT, MW_ENOTSUP},
        {EPROTONOSUPPORT, MW_ENOTSUP}, {EBADF, MW_ECLOSED},
        {EIO, MW_EIO},                 {ECANCELED, MW_ECANCELED},
        {ERANGE, MW_ERANGE},           {EMFILE, MW_ELIMIT},
        {ENFILE, MW_ELIMIT},
        /* Nothing closer exists for these: the catch-all. */
        {ENOTTY, MW_ESYS},             {EDOM, MW_ESYS},
        {0, MW_ESYS},                  {-1, MW_ESYS},
        {99999, MW_ESYS},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int got = mw_error_from_errno(cases[i].errnum);
        if (got != cases[i].mw)
            fail_msg("errno %d (%s): got %s, want %s", cases[i].errnum,
                     strerror(cases[i].errnum), mw_errname(got), mw_errname(cases[i].mw));
    }
}

static void test_every_mapped_code_is_an_error(void **state)
{
    (void)state;
    /* Whatever errno comes in, the result is a negative code with a name. */
    for (int e = 0; e < 200; e++) {
        int got = mw_error_from_errno(e);
        assert_true(got < 0);
        assert_string_not_equal(mw_errname(got), "MW_E?");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_code_has_name_and_message),
        cmocka_unit_test(test_codes_are_stable_and_distinct),
        cmocka_unit_test(test_unknown_codes),
        cmocka_unit_test(test_errno_mapping),
        cmocka_unit_test(test_every_mapped_code_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
