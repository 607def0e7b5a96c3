/* error.c - error codes, their names and messages, and the errno mapping. */
#include <errno.h>

#include "mw_impl.h"

const char *mw_strerror(int err)
{
    switch (err) {
#define X(name, value, msg)                                                                \
    case MW_##name:                                                                        \
        return msg;
        MW_ERROR_LIST(X)
#undef X
    }
    return "unknown error";
}

const char *mw_errname(int err)
{
    switch (err) {
#define X(name, value, msg)                                                                \
    case MW_##name:                                                                        \
        return "MW_" #name;
        MW_ERROR_LIST(X)
#undef X
    }
    return "MW_E?";
}

int mw_error_from_errno(int errnum)
{
    static const struct {
        int errnum, mw;
    } map[] = {
        {EINVAL, MW_EINVAL},          {ENOMEM, MW_ENOMEM},
        {ENOBUFS, MW_ENOMEM},         {ETIMEDOUT, MW_ETIMEDOUT},
        {EAGAIN, MW_EAGAIN},          {EINPROGRESS, MW_EAGAIN},
        {EMSGSIZE, MW_EMSGSIZE},      {ECONNREFUSED, MW_ECONNREFUSED},
        {ECONNRESET, MW_ECONNRESET},  {EPIPE, MW_ECONNRESET},
        {ECONNABORTED, MW_ECONNRESET}, {ENOTCONN, MW_ESTATE},
        {EADDRINUSE, MW_EADDRINUSE},  {EADDRNOTAVAIL, MW_EADDRNOTAVAIL},
        {ENETUNREACH, MW_EUNREACH},   {EHOSTUNREACH, MW_EUNREACH},
        {ENETDOWN, MW_EUNREACH},      {EHOSTDOWN, MW_EUNREACH},
        {EACCES, MW_EPERM},           {EPERM, MW_EPERM},
        {ENOENT, MW_ENOENT},          {ENODEV, MW_ENOENT},
        {EEXIST, MW_EEXIST},          {EOPNOTSUPP, MW_ENOTSUP},
        {EAFNOSUPPORT, MW_ENOTSUP},   {EPROTONOSUPPORT, MW_ENOTSUP},
        {EBADF, MW_ECLOSED},          {EIO, MW_EIO},
        {ECANCELED, MW_ECANCELED},    {ERANGE, MW_ERANGE},
        {EMFILE, MW_ELIMIT},          {ENFILE, MW_ELIMIT},
    };
    if (errnum == EWOULDBLOCK)
        return MW_EAGAIN;
    for (size_t i = 0; i < MWI_ARRAY_LEN(map); i++)
        if (map[i].errnum == errnum)
            return map[i].mw;
    return MW_ESYS;
}
