/*
 * java_impl.h - what java.c (the mapping between the type model and Java classes) and
 * java_stream.c (the stream itself: a writer with its handle table, and a parser that
 * turns a stream into a graph of objects) share. Java Object Serialization
 * Specification, chapter 6 ("Object Serialization Stream Protocol").
 */
#ifndef MW_JAVA_IMPL_H
#define MW_JAVA_IMPL_H

#include "marshal_impl.h"

/* Stream header and type codes (section 6.4.2, "Terminal Symbols and Constants"). */
#define MWI_JAVA_MAGIC 0xACEDu
#define MWI_JAVA_VERSION 5u
#define MWI_JAVA_BASE_HANDLE 0x7E0000u

#define MWI_TC_NULL 0x70
#define MWI_TC_REFERENCE 0x71
#define MWI_TC_CLASSDESC 0x72
#define MWI_TC_OBJECT 0x73
#define MWI_TC_STRING 0x74
#define MWI_TC_ARRAY 0x75
#define MWI_TC_CLASS 0x76
#define MWI_TC_BLOCKDATA 0x77
#define MWI_TC_ENDBLOCKDATA 0x78
#define MWI_TC_RESET 0x79
#define MWI_TC_BLOCKDATALONG 0x7A
#define MWI_TC_EXCEPTION 0x7B
#define MWI_TC_LONGSTRING 0x7C
#define MWI_TC_PROXYCLASSDESC 0x7D
#define MWI_TC_ENUM 0x7E

/* classDescFlags. */
#define MWI_SC_WRITE_METHOD 0x01
#define MWI_SC_SERIALIZABLE 0x02
#define MWI_SC_EXTERNALIZABLE 0x04
#define MWI_SC_BLOCK_DATA 0x08
#define MWI_SC_ENUM 0x10

/* ---- Java classes as the writer describes them ------------------------------------- */

/* A serializable field. */
typedef struct mwi_jfield {
    const char *name;    /* field name (UTF-8) */
    char code;           /* B C D F I J S Z, or L / [ for object fields */
    const char *sig;     /* field descriptor of L and [ fields ("Ljava/lang/String;") */
    const mw_type *type; /* the member's type; NULL for fields of a built-in class */
    uint32_t offset;     /* the member's offset in the C value */
} mwi_jfield;

/* A class descriptor: what TC_CLASSDESC carries. */
typedef struct mwi_jclass {
    const char *name;               /* binary name, dots ("java.lang.Integer", "[I") */
    int64_t suid;                   /* serialVersionUID */
    uint8_t flags;                  /* MWI_SC_* */
    uint32_t nfields;               /* fields, in Java's order (primitives first, by name) */
    const mwi_jfield *fields;
    const struct mwi_jclass *super; /* serializable superclass, or NULL */
} mwi_jclass;

/* The boxed class for a basic kind (java.lang.Integer for long and unsigned long), or
 * NULL. With is_unsigned, the midway.Unsigned* class for the unsigned kinds (an any
 * must say its value is unsigned, Java cannot). */
const mwi_jclass *mwi_java_boxed_class(mw_kind k, bool is_unsigned);
/* java.lang.Enum: the superclass of every enum class. */
extern const mwi_jclass mwi_java_enum_base;
/* midway.ObjectRef: a remote object reference (Figure 4.13) as a Java class. */
extern const mwi_jclass mwi_java_objref_class;

/* The serialVersionUID the JDK gives the array class `name` ("[I", "[LPerson;"): the
 * pinned value for the JDK's own arrays, else the JDK's default computation (the first
 * 8 bytes of SHA-1 over the name and the class modifiers), which assumes the element
 * class is public. MW_ERANGE for a name longer than 65535 bytes of modified UTF-8. */
int mwi_java_array_suid(const char *name, int64_t *out);
/* The default computation alone, for the array class `name` with modifiers `mods`
 * (0x411 public final abstract; 0x410 for a package-private element class). */
int mwi_java_array_suid_computed(const char *name, int32_t mods, int64_t *out);
/* The pinned table: NULL-terminated names and their serialVersionUIDs (from the JDK's
 * ObjectStreamClass.lookup(...).getSerialVersionUID()). */
extern const char *const mwi_java_pinned_array_names[];
extern const int64_t mwi_java_pinned_array_suids[];

/* ---- the writer ---------------------------------------------------------------------- */

/* What a handle-table key names. */
enum {
    MWI_JK_STRING = 1, /* a data string, by the address of its characters */
    MWI_JK_OBJECT,     /* an object, by the address of its C value and its type */
    MWI_JK_ARRAY,      /* an array, by the address of its elements, type and length */
    MWI_JK_ENUM,       /* an enum constant, by its type and value */
    MWI_JK_DESC,       /* a class descriptor, by class name */
    MWI_JK_TYPESTR,    /* a field descriptor string (className1), by content */
    MWI_JK_CLASS       /* not a handle: the mwi_jclass built for a type */
};

typedef struct mwi_jkey {
    uint8_t kind;   /* MWI_JK_* */
    const void *p;  /* identity: an address, or the type of an enum constant */
    const void *q;  /* the value's type */
    uint64_t aux;   /* an array's length, an enum constant's value */
    const char *s;  /* content keys: the text (must outlive the map) ... */
    size_t n;       /* ... and its length */
} mwi_jkey;

typedef struct mwi_jentry {
    mwi_jkey key;
    uint64_t hash;   /* 0 marks an empty slot */
    uint32_t handle; /* the stream handle */
    void *val;       /* MWI_JK_CLASS: the class */
} mwi_jentry;

/* An open-addressing hash map from keys to handles. A zeroed struct is empty. */
typedef struct mwi_jmap {
    mwi_jentry *e;
    size_t cap, count;
} mwi_jmap;

bool mwi_jmap_get(const mwi_jmap *m, const mwi_jkey *k, uint32_t *handle, void **val);
int mwi_jmap_put(mwi_jmap *m, const mwi_jkey *k, uint32_t handle, void *val);
void mwi_jmap_free(mwi_jmap *m);

/* Writes a stream, or only counts its bytes (out == NULL), with the same code. */
typedef struct mwi_jwriter {
    mw_buf *out;          /* NULL: count only */
    size_t count;         /* bytes appended (or counted) */
    uint32_t next_handle; /* the handle the next new item gets */
    mwi_jmap handles;     /* what was written (and the class cache) */
} mwi_jwriter;

int mwi_jw_u8(mwi_jwriter *w, uint8_t v);
int mwi_jw_u16(mwi_jwriter *w, uint16_t v);
int mwi_jw_u32(mwi_jwriter *w, uint32_t v);
int mwi_jw_u64(mwi_jwriter *w, uint64_t v);
/* Takes the next handle. */
uint32_t mwi_jw_new_handle(mwi_jwriter *w);
/* TC_REFERENCE handle. */
int mwi_jw_reference(mwi_jwriter *w, uint32_t handle);
/* (utf): a 2-byte length and modified UTF-8. MW_ERANGE past 65535 bytes, MW_EUTF with
 * *bad_off for invalid UTF-8. */
int mwi_jw_utf(mwi_jwriter *w, const char *s, size_t n, size_t *bad_off);
/* A new string (TC_STRING, or TC_LONGSTRING past 65535 bytes) with a new handle,
 * returned in *handle. */
int mwi_jw_string(mwi_jwriter *w, const char *s, size_t n, uint32_t *handle,
                  size_t *bad_off);
/* classDesc: TC_NULL for NULL, TC_REFERENCE to a descriptor already written (by name),
 * else the whole descriptor, its field descriptor strings shared through handles, and
 * its superclass's. */
int mwi_jw_classdesc(mwi_jwriter *w, const mwi_jclass *c);
void mwi_jw_free(mwi_jwriter *w);

/* ---- the parser: a stream becomes a graph -------------------------------------------- */

/* A field of a class descriptor read from the stream. */
typedef struct mwi_jdfield {
    const char *name; /* UTF-8, NUL-terminated (the length is name_len) */
    size_t name_len;
    char code;       /* B C D F I J S Z L [ */
    const char *sig; /* L and [: the field descriptor; NULL else */
    uint32_t slot;   /* primitives: byte offset in the class's primitive data;
                        objects: index in its object values */
} mwi_jdfield;

/* A class descriptor read from the stream. */
typedef struct mwi_jdesc {
    const char *name; /* binary name, UTF-8 (proxy classes: "") */
    size_t name_len;
    int64_t suid;
    uint8_t flags;    /* MWI_SC_* */
    bool proxy;       /* TC_PROXYCLASSDESC */
    bool complete;    /* fully read; only complete descriptors may be referred to */
    uint32_t nfields;
    mwi_jdfield *fields;
    uint32_t prim_size;       /* bytes of primitive data per instance */
    uint32_t nobjs;           /* object fields */
    uint32_t chain;           /* classes from this one up to the top superclass */
    struct mwi_jdesc *super;  /* superClassDesc, or NULL */
    size_t off;               /* where it starts in the input */
    const void *memo_type;    /* the mapper's field lookup, cached for one type */
    int32_t *memo;
} mwi_jdesc;

typedef enum mwi_jnode_kind {
    MWI_JN_STRING,
    MWI_JN_OBJECT,
    MWI_JN_ARRAY,
    MWI_JN_ENUM,
    MWI_JN_CLASS, /* TC_CLASS: a java.lang.Class */
    MWI_JN_DESC   /* a class descriptor met where an object may be */
} mwi_jnode_kind;

/* The data one class of an object's hierarchy wrote. */
typedef struct mwi_jclassdata {
    const mwi_jdesc *desc;
    const uint8_t *prim;      /* desc->prim_size bytes, in the input */
    struct mwi_jnode **objs;  /* desc->nobjs values (NULL entries are nulls) */
} mwi_jclassdata;

/* An object of the stream. Null is a NULL node pointer. */
typedef struct mwi_jnode {
    uint8_t kind;     /* mwi_jnode_kind */
    uint8_t state;    /* the mapper's: 0 not mapped, 1 being mapped, 2 mapped */
    size_t off;       /* where it starts in the input */
    mwi_jdesc *desc;  /* its class (DESC: the descriptor itself) */
    union {
        struct {
            const char *s; /* UTF-8, NUL-terminated; may hold U+0000 */
            size_t len;
        } str;
        struct {
            uint32_t nclasses;     /* 0 for externalizable data (skipped) */
            mwi_jclassdata *cls;   /* top superclass first */
        } obj;
        struct {
            uint32_t len;
            char elem;                 /* element type code */
            const uint8_t *prim;       /* primitive elements, in the input */
            struct mwi_jnode **elems;  /* object elements */
        } arr;
        struct {
            struct mwi_jnode *name; /* a STRING node */
        } en;
    } u;
    const mw_type *memo_type; /* the mapper's: the type it was mapped as ... */
    void *memo;               /* ... and where that C value is */
} mwi_jnode;

typedef struct mwi_jparser {
    mw_reader r;
    mw_arena *arena;     /* the graph; freed by mwi_jparser_free */
    mwi_jnode **handles; /* handle - MWI_JAVA_BASE_HANDLE -> node */
    size_t nhandles, cap;
    uint32_t max_depth;
    mw_buf text;         /* modified UTF-8 -> UTF-8 */
    mw_marshal_error *err;
} mwi_jparser;

/* Parses a whole stream (magic, version, optional TC_RESETs, one object, nothing
 * after it) into *root (NULL for TC_NULL). The graph lives until mwi_jparser_free,
 * which must be called whatever this returns. Errors carry the byte offset. */
int mwi_jparse(mwi_jparser *p, const uint8_t *data, size_t len, uint32_t max_depth,
               mw_marshal_error *err, mwi_jnode **root);
void mwi_jparser_free(mwi_jparser *p);

/* Width in bytes of a primitive type code; 0 for anything else. */
size_t mwi_java_prim_width(char code);

#endif
