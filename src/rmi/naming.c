/*
 * naming.c - the naming service (the seeds' binder: "translate service to location"):
 * the servant of the IDL interface midway::NamingContext (idl/midway/naming.idl), and the
 * client conveniences over its proxy. Both sides use the code midl generated from the
 * IDL at build time, as any application would: the runtime eats its own cooking.
 *
 * The bindings are a sorted array under one mutex (servant functions run on several
 * worker threads). With a store, a change is written to disk before it is acknowledged,
 * and undone in memory if the write fails, so what clients were told and what a
 * restarted server loads never differ.
 */
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "naming.h"
#include "rmi/rmi_impl.h"

typedef struct naming {
    uv_mutex_t mu;  /* guards the bindings and the store */
    mwi_binding *b; /* sorted by name (strcmp) */
    size_t n, cap;
    char *path; /* the store; NULL: none */
} naming;

/* ---- the bindings ----------------------------------------------------------------- */

/* Index of name in k->b, or where it would go; *found says which. Under mu. */
static size_t lookup(const naming *k, const char *name, bool *found)
{
    size_t lo = 0, hi = k->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(k->b[mid].name, name);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = false;
    return lo;
}

static char *dup_str(const char *s)
{
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (d)
        memcpy(d, s, n + 1);
    return d;
}

/* A malloc'd copy of ref (its interface copied). */
static int copy_ref(mw_objref *dst, const mw_objref *src)
{
    char *iface = dup_str(src->interface ? src->interface : "");
    if (!iface)
        return MW_ENOMEM;
    *dst = *src;
    dst->interface = iface;
    return 0;
}

/* Writes the bindings to the store, if there is one. Under mu. */
static int persist(naming *k)
{
    return k->path ? mwi_store_save(k->path, k->b, k->n) : 0;
}

/* Logs a change at MW_LOG_INFO (subsystem "naming"): `midway names` shows them. */
static void log_change(const char *what, const char *name, const mw_objref *ref)
{
    if (!mwi_log_enabled(MW_LOG_INFO))
        return;
    mw_buf text;
    mw_buf_init(&text);
    if (ref && mw_objref_format(ref, &text) == 0 && mw_buf_put_u8(&text, 0) == 0)
        mwi_log(MW_LOG_INFO, "naming", "%s %s %s", what, name, (const char *)text.data);
    else
        mwi_log(MW_LOG_INFO, "naming", "%s %s", what, name);
    mw_buf_free(&text);
}

/* The arguments every call checks: a valid name; a reference to an IP address. */
static int check(const char *name, const mw_objref *obj)
{
    if (!name || !mwi_naming_valid_name(name, strlen(name)))
        return MW_EINVAL;
    if (obj && obj->address.family != MW_AF_INET4 && obj->address.family != MW_AF_INET6)
        return MW_EINVAL;
    return 0;
}

/* Raises exception ex {name} with a copy of name in the call's arena. */
static int raise_named(mw_rmi_env *env, const mw_rmi_exception *ex, const char *name)
{
    /* NotFound and AlreadyBound have the same layout: one string. */
    midway_NotFound *v = mw_arena_calloc(env->arena, 1, sizeof *v);
    if (!v || !(v->name = mw_arena_strndup(env->arena, name, strlen(name))))
        return MW_ENOMEM;
    return mw_rmi_raise(env, ex, v);
}

static int do_bind(naming *k, const char *name, const mw_objref *obj, bool rebind,
                   mw_rmi_env *env)
{
    int rc = check(name, obj);
    if (rc)
        return rc;
    mw_objref copy;
    if ((rc = copy_ref(&copy, obj)) != 0)
        return rc;
    uv_mutex_lock(&k->mu);
    bool found;
    size_t i = lookup(k, name, &found);
    if (found && !rebind) {
        uv_mutex_unlock(&k->mu);
        free(copy.interface);
        return raise_named(env, &midway_AlreadyBound_exception, name);
    }
    if (found) {
        mw_objref old = k->b[i].ref;
        k->b[i].ref = copy;
        if ((rc = persist(k)) != 0) {
            k->b[i].ref = old; /* the store still has the old one: so must we */
            free(copy.interface);
        } else {
            free(old.interface);
            log_change("rebind", name, obj);
        }
        uv_mutex_unlock(&k->mu);
        return rc;
    }
    char *key = NULL;
    if (k->n == MWI_NAMING_MAX_BINDINGS) {
        rc = MW_ELIMIT;
    } else if (k->n == k->cap) {
        size_t ncap = k->cap ? 2 * k->cap : 16;
        mwi_binding *nb = realloc(k->b, ncap * sizeof *nb);
        if (nb) {
            k->b = nb;
            k->cap = ncap;
        } else {
            rc = MW_ENOMEM;
        }
    }
    if (rc == 0 && !(key = dup_str(name)))
        rc = MW_ENOMEM;
    if (rc == 0) {
        memmove(&k->b[i + 1], &k->b[i], (k->n - i) * sizeof *k->b);
        k->b[i] = (mwi_binding){.name = key, .ref = copy};
        k->n++;
        if ((rc = persist(k)) != 0) {
            k->n--;
            memmove(&k->b[i], &k->b[i + 1], (k->n - i) * sizeof *k->b);
        } else {
            log_change(rebind ? "rebind" : "bind", name, obj);
        }
    }
    uv_mutex_unlock(&k->mu);
    if (rc) {
        free(key);
        free(copy.interface);
    }
    return rc;
}

/* ---- the servant ------------------------------------------------------------------ */

static int nc_bind(void *self, const char *name, const mw_objref *obj, mw_rmi_env *env)
{
    return do_bind(self, name, obj, false, env);
}

static int nc_rebind(void *self, const char *name, const mw_objref *obj, mw_rmi_env *env)
{
    return do_bind(self, name, obj, true, env);
}

static int nc_resolve(void *self, const char *name, mw_objref *result, mw_rmi_env *env)
{
    naming *k = self;
    int rc = check(name, NULL);
    if (rc)
        return rc;
    uv_mutex_lock(&k->mu);
    bool found;
    size_t i = lookup(k, name, &found);
    if (found) {
        *result = k->b[i].ref;
        const char *iface = k->b[i].ref.interface;
        if (!(result->interface = mw_arena_strndup(env->arena, iface, strlen(iface))))
            rc = MW_ENOMEM;
    }
    uv_mutex_unlock(&k->mu);
    log_change(found ? "resolve" : "resolve (not found)", name, NULL);
    if (!found)
        return raise_named(env, &midway_NotFound_exception, name);
    return rc;
}

static int nc_unbind(void *self, const char *name, mw_rmi_env *env)
{
    naming *k = self;
    int rc = check(name, NULL);
    if (rc)
        return rc;
    uv_mutex_lock(&k->mu);
    bool found;
    size_t i = lookup(k, name, &found);
    if (found) {
        mwi_binding gone = k->b[i];
        memmove(&k->b[i], &k->b[i + 1], (k->n - i - 1) * sizeof *k->b);
        k->n--;
        if ((rc = persist(k)) != 0) {
            memmove(&k->b[i + 1], &k->b[i], (k->n - i) * sizeof *k->b);
            k->b[i] = gone;
            k->n++;
        } else {
            log_change("unbind", name, NULL);
            free(gone.name);
            free(gone.ref.interface);
        }
    }
    uv_mutex_unlock(&k->mu);
    if (!found)
        return raise_named(env, &midway_NotFound_exception, name);
    return rc;
}

static int nc_list(void *self, midway_NameList *result, mw_rmi_env *env)
{
    naming *k = self;
    int rc = 0;
    uv_mutex_lock(&k->mu);
    result->len = (uint32_t)k->n;
    result->data = k->n ? mw_arena_calloc(env->arena, k->n, sizeof *result->data) : NULL;
    if (k->n && !result->data)
        rc = MW_ENOMEM;
    for (size_t i = 0; rc == 0 && i < k->n; i++) {
        const char *s = k->b[i].name;
        if (!(result->data[i] = mw_arena_strndup(env->arena, s, strlen(s))))
            rc = MW_ENOMEM;
    }
    uv_mutex_unlock(&k->mu);
    return rc;
}

static const midway_NamingContext_servant naming_servant = {
    .bind = nc_bind,
    .rebind = nc_rebind,
    .resolve = nc_resolve,
    .unbind = nc_unbind,
    .list = nc_list,
};

static void naming_free(void *ctx)
{
    naming *k = ctx;
    mwi_bindings_free(k->b, k->n);
    free(k->path);
    uv_mutex_destroy(&k->mu);
    free(k);
}

int mw_rmi_naming_serve(mw_rmi_adapter *a, const char *store_path)
{
    if (!a || (store_path && !*store_path))
        return MW_EINVAL;
    naming *k = calloc(1, sizeof *k);
    if (!k)
        return MW_ENOMEM;
    if (uv_mutex_init(&k->mu) != 0) {
        free(k);
        return MW_ESYS;
    }
    int rc = 0;
    if (store_path) {
        if (!(k->path = dup_str(store_path))) {
            rc = MW_ENOMEM;
        } else if ((rc = mwi_store_load(store_path, &k->b, &k->n)) == 0) {
            k->cap = k->n;
        } else if (rc == MW_ENOENT) {
            /* A new store: write it now, so an unwritable place fails at start rather
             * than at the first bind. */
            rc = mwi_store_save(store_path, NULL, 0);
        }
    }
    mw_arena *arena = NULL;
    if (rc == 0)
        rc = mw_arena_create(&arena, 0);
    mw_objref ref;
    if (rc == 0)
        rc = mw_rmi_adapter_export(a, &midway_NamingContext_skeleton, &naming_servant, k,
                                   MW_RMI_NAMING_OBJECT, &ref, arena);
    mw_arena_destroy(arena);
    if (rc == 0 && (rc = mwi_rmi_adapter_on_destroy(a, naming_free, k)) != 0)
        (void)mw_rmi_adapter_unexport(a, &ref);
    if (rc)
        naming_free(k);
    return rc;
}

/* ---- clients ---------------------------------------------------------------------- */

int mw_rmi_names_locate(mw_objref *out, const char *names, mw_arena *arena)
{
    if (!out || !arena)
        return MW_EINVAL;
    if (!names || !*names)
        names = getenv(MW_RMI_NAMES_ENV);
    if (!names || !*names)
        names = "127.0.0.1";
    mw_addr addr;
    int rc = mw_addr_resolve(&addr, names, MW_RMI_NAMES_PORT, 0);
    if (rc)
        return rc;
    const char *iface = midway_NamingContext_interface.name;
    char *copy = mw_arena_strndup(arena, iface, strlen(iface));
    if (!copy)
        return MW_ENOMEM;
    /* A bootstrap reference: creation time 0 matches whichever process serves there. */
    *out = (mw_objref){.address = addr,
                       .created_ms = 0,
                       .object_number = MW_RMI_NAMING_OBJECT,
                       .interface = copy};
    return 0;
}

/* Opens a proxy of the naming context at names. */
static int open_names(const char *names, mw_rmi_proxy **p, mw_arena *arena)
{
    mw_objref ref;
    int rc = mw_rmi_names_locate(&ref, names, arena);
    return rc ? rc : mw_rmi_proxy_open(p, &ref, NULL);
}

/* resolve and unbind raise only NotFound: the conveniences report it as MW_ENOENT. */
static int plain_code(int rc)
{
    return rc == MW_RMI_EUSER ? MW_ENOENT : rc;
}

int mw_rmi_bind(const char *names, const char *name, const mw_objref *ref, bool rebind)
{
    if (!name || !ref)
        return MW_EINVAL;
    mw_arena *arena;
    int rc = mw_arena_create(&arena, 0);
    if (rc)
        return rc;
    mw_rmi_proxy *p = NULL;
    if ((rc = open_names(names, &p, arena)) == 0) {
        rc = rebind ? midway_NamingContext_rebind(p, name, ref, arena)
                    : midway_NamingContext_bind(p, name, ref, arena);
        if (rc == MW_RMI_EUSER)
            rc = MW_EEXIST;
    }
    mw_rmi_proxy_close(p);
    mw_arena_destroy(arena);
    return rc;
}

int mw_rmi_resolve(const char *names, const char *name, mw_objref *out, mw_arena *arena)
{
    if (!name || !out || !arena)
        return MW_EINVAL;
    mw_rmi_proxy *p = NULL;
    int rc = open_names(names, &p, arena);
    if (rc == 0)
        rc = plain_code(midway_NamingContext_resolve(p, name, out, arena));
    mw_rmi_proxy_close(p);
    return rc;
}

int mw_rmi_unbind(const char *names, const char *name)
{
    if (!name)
        return MW_EINVAL;
    mw_arena *arena;
    int rc = mw_arena_create(&arena, 0);
    if (rc)
        return rc;
    mw_rmi_proxy *p = NULL;
    if ((rc = open_names(names, &p, arena)) == 0)
        rc = plain_code(midway_NamingContext_unbind(p, name, arena));
    mw_rmi_proxy_close(p);
    mw_arena_destroy(arena);
    return rc;
}

int mw_rmi_list(const char *names, char ***out, uint32_t *count, mw_arena *arena)
{
    if (!out || !count || !arena)
        return MW_EINVAL;
    mw_rmi_proxy *p = NULL;
    int rc = open_names(names, &p, arena);
    midway_NameList list = {0};
    if (rc == 0)
        rc = midway_NamingContext_list(p, &list, arena);
    mw_rmi_proxy_close(p);
    if (rc == 0) {
        *out = list.data;
        *count = list.len;
    }
    return rc;
}
