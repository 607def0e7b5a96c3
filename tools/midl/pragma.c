/* pragma.c - the events of the token stream, applied by the parser between declarations,
 * where they stand among them: #pragma prefix, ID and version (CORBA 3.0, 10.7.5; their
 * form was checked by preproc.c), and the start and end of included files. */
#include <stdlib.h>
#include <string.h>

#include "parse.h"

static const char *pragma_word(const char **s)
{
    while (**s == ' ' || **s == '\t')
        (*s)++;
    const char *b = *s;
    while (**s && **s != ' ' && **s != '\t')
        (*s)++;
    return xstrndup(b, (size_t)(*s - b));
}

/* A "quoted" string in pragma text; NULL when absent. */
static char *pragma_string(const char **s)
{
    while (**s == ' ' || **s == '\t')
        (*s)++;
    if (**s != '"')
        return NULL;
    const char *b = ++*s;
    while (**s && **s != '"')
        (*s)++;
    if (**s != '"')
        return NULL;
    char *r = xstrndup(b, (size_t)(*s - b));
    (*s)++;
    return r;
}

static decl *pragma_target(parser *p, const token *t, const char *name)
{
    scoped_name n = {.loc = t->loc, .absolute = strncmp(name, "::", 2) == 0};
    const char *s = n.absolute ? name + 2 : name;
    size_t cap = 0;
    for (;;) {
        const char *e = strstr(s, "::");
        size_t len = e ? (size_t)(e - s) : strlen(s);
        if (n.n == cap) {
            cap = cap ? cap * 2 : 4;
            n.parts = xrealloc(n.parts, cap * sizeof *n.parts);
        }
        n.parts[n.n++] = xstrndup(s, len);
        if (!e || len == 0)
            break;
        s = e + 2;
    }
    if (!n.parts[n.n - 1][0]) {
        error_at(t->loc, "#pragma needs a name");
        return NULL;
    }
    return resolve_name(p->scope, &n);
}

/* Applies a pragma (its form was checked by preproc.c). */
static void pragma(parser *p, const token *t)
{
    const char *s = t->text;
    const char *word = pragma_word(&s);
    if (strcmp(word, "prefix") == 0) {
        p->prefix = pragma_string(&s);
    } else if (strcmp(word, "ID") == 0) {
        const char *name = pragma_word(&s);
        char *id = pragma_string(&s);
        decl *d = pragma_target(p, t, name);
        if (d && !strchr(id, ':'))
            error_at(t->loc, "'%s' is not a repository id (\"IDL:name:1.0\" and the like)", id);
        else if (d)
            d->repo_id = id;
    } else if (strcmp(word, "version") == 0) {
        const char *name = pragma_word(&s);
        unsigned major = 0, minor = 0;
        sscanf(s, "%u.%u", &major, &minor);
        decl *d = pragma_target(p, t, name);
        if (d && strncmp(d->repo_id, "IDL:", 4) == 0) {
            const char *colon = strrchr(d->repo_id, ':');
            d->repo_id =
                xasprintf("%.*s:%u.%u", (int)(colon - d->repo_id), d->repo_id, major, minor);
        }
    }
}

/* Runs the events met since the last definition boundary, in order: pragmas, and the
 * start and end of included files (each file starts with no #pragma prefix, and the
 * includer's prefix is back after it, as CORBA says). */
void flush_events(parser *p)
{
    for (size_t i = 0; i < p->npending; i++) {
        const token *e = &p->pending[i];
        if (e->kind == TK_PRAGMA) {
            pragma(p, e);
        } else if (e->kind == TK_FILE_ENTER) {
            p->file_prefixes =
                xrealloc(p->file_prefixes, (p->nfile_prefixes + 1) * sizeof *p->file_prefixes);
            p->file_prefixes[p->nfile_prefixes++] = p->prefix;
            p->prefix = "";
        } else if (e->kind == TK_FILE_LEAVE && p->nfile_prefixes) {
            p->prefix = p->file_prefixes[--p->nfile_prefixes];
        }
    }
    p->npending = 0;
}
