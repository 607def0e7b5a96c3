// omniorb_side.cc - omniORB's half of the omniORB interop test (test_omniorb.sh; Midway's
// half is midway_side.c). It uses only omniORB and the C++ types omniidl generated from
// example_types.idl.
//
//   omniorb_side DIR
//
// For T in Person and Showcase, FORM plain (the value) or any (an any holding it), ORDER
// be or le, it reads the values our codec wrote to DIR/ours.T.FORM.ORDER (records: see
// midway_side.c), decodes each with omniORB in that byte order and writes
//   DIR/omni.T.FORM.ORDER.txt  one line per value: the text form of midway_side.c, or
//                              why omniORB refused the value. An any must use every
//                              byte, hold a T, and carry a TypeCode that omniORB finds
//                              equivalent and even equal to omniidl's _tc_T.
//   DIR/omni.T.FORM.ORDER      the value encoded again by omniORB in the same byte order,
//                              into a zeroed buffer (so its padding is zero, like ours);
//                              an any is a new any holding the C++ value, so it carries
//                              omniidl's TypeCode (with its indirections), not the one
//                              it read. A Person in Showcase.extra is inserted afresh too.
// Exits 1 when omniORB refused a value.
#include "example_types.hh"

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

// ---- the text form (midway_side.c's print_value) ---------------------------------------

static void put(std::string &o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(std::string &o, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n < sizeof tmp)
        o += tmp;
    else
        o += "(put: text too long)";
}

static void text(std::string &o, const char *s)
{
    o += '"';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
            o += (char)*p;
        else
            put(o, "\\x%02x", *p);
    }
    o += '"';
}

static void bits(std::string &o, CORBA::Float f)
{
    CORBA::ULong b;
    memcpy(&b, &f, 4);
    put(o, "0x%08x", (unsigned)b);
}

static void bits(std::string &o, CORBA::Double d)
{
    CORBA::ULongLong b;
    memcpy(&b, &d, 8);
    put(o, "0x%016llx", (unsigned long long)b);
}

// [e0,e1,...], each element printed by f.
template <class S, class F> static void list(std::string &o, const S &s, F f)
{
    o += '[';
    for (CORBA::ULong i = 0; i < s.length(); i++) {
        if (i)
            o += ',';
        f(o, s[i]);
    }
    o += ']';
}

static void print(std::string &o, const Person &p)
{
    o += "{name=";
    text(o, p.name);
    o += ",place=";
    text(o, p.place);
    put(o, ",year=%u}", (unsigned)p.year);
}

static void print(std::string &o, const Basics &b)
{
    put(o, "{flag=%s,small=%u,letter=%u,s=%d,us=%u,l=%d,ul=%u,ll=%lld,ull=%llu,f=",
        b.flag ? "true" : "false", (unsigned)b.small, (unsigned)(unsigned char)b.letter,
        (int)b.s, (unsigned)b.us, (int)b.l, (unsigned)b.ul, (long long)b.ll,
        (unsigned long long)b.ull);
    bits(o, b.f);
    o += ",d=";
    bits(o, b.d);
    o += ",text=";
    text(o, b.text);
    o += '}';
}

static void print(std::string &o, const Reading &r)
{
    put(o, "<%d:", (int)r._d());
    switch (r._d()) {
    case 1: bits(o, r.temperature()); break;
    case 2: case 3: text(o, r.label()); break;
    default: put(o, "%d", (int)r.color()); break;
    }
    o += '>';
}

static void print(std::string &o, const midway::ObjectRef &r)
{
    put(o, "{family=%u,address=", (unsigned)r.family);
    list(o, r.address, [](std::string &out, CORBA::Octet x) { put(out, "%u", (unsigned)x); });
    put(o, ",port=%u,created_ms=%llu,object_number=%u,interface=", (unsigned)r.port,
        (unsigned long long)r.created_ms, (unsigned)r.object_number);
    text(o, r.interface);
    o += '}';
}

// What midway_side.c's random values put in an any, named as it names them.
static void print(std::string &o, const CORBA::Any &a)
{
    CORBA::TypeCode_var tc = a.type();
    CORBA::Long l;
    CORBA::Double d;
    const char *s;
    const CORBA::LongSeq *ls;
    const Person *p;
    o += "any(";
    if (tc->kind() == CORBA::tk_null) {
    } else if (a >>= l) {
        put(o, "long:%d", (int)l);
    } else if (a >>= d) {
        o += "double:";
        bits(o, d);
    } else if (a >>= s) {
        o += "string:";
        text(o, s);
    } else if (a >>= ls) { // our anonymous sequence<long> is equivalent to CORBA::LongSeq
        o += "sequence<long>:";
        list(o, *ls, [](std::string &out, CORBA::Long x) { put(out, "%d", (int)x); });
    } else if (a >>= p) {
        o += "Person:";
        print(o, *p);
    } else {
        put(o, "unexpected TypeCode kind %d", (int)tc->kind());
    }
    o += ')';
}

static void print(std::string &o, const Showcase &v)
{
    o += "{basics=";
    print(o, v.basics);
    o += ",numbers=";
    list(o, v.numbers, [](std::string &out, CORBA::Long x) { put(out, "%d", (int)x); });
    o += ",tags=";
    list(o, v.tags, [](std::string &out, const char *x) { text(out, x); });
    o += ",blob=";
    list(o, v.blob, [](std::string &out, CORBA::Octet x) { put(out, "%u", (unsigned)x); });
    o += ",matrix=[";
    for (int i = 0; i < 2; i++)
        put(o, "%s[%d,%d,%d]", i ? "," : "", (int)v.matrix[i][0], (int)v.matrix[i][1],
            (int)v.matrix[i][2]);
    put(o, "],color=%d,reading=", (int)v.color);
    print(o, v.reading);
    o += ",temperature=";
    bits(o, v.temperature);
    o += ",owner=";
    list(o, v.owner, [](std::string &out, const Person &x) { print(out, x); });
    o += ",people=";
    list(o, v.people, [](std::string &out, const Person &x) { print(out, x); });
    o += ",extra=";
    print(o, v.extra);
    o += ",ref=";
    print(o, v.ref);
    o += '}';
}

// Gives an any nested in the value omniORB's own TypeCode where it knows the type.
static void own_typecodes(Person &) {}
static void own_typecodes(Showcase &v)
{
    const Person *p;
    if (v.extra >>= p) {
        Person copy = *p;
        v.extra <<= copy;
    }
}

// ---- files -------------------------------------------------------------------------------

static bool slurp(const std::string &path, std::vector<unsigned char> &data)
{
    FILE *f = fopen(path.c_str(), "rb");
    if (!f)
        return false;
    unsigned char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        data.insert(data.end(), tmp, tmp + n);
    fclose(f);
    return true;
}

static void put_record(FILE *f, const void *p, size_t n)
{
    static const unsigned char zeros[8] = {0};
    unsigned char len[4] = {(unsigned char)n, (unsigned char)(n >> 8),
                            (unsigned char)(n >> 16), (unsigned char)(n >> 24)};
    fwrite(len, 1, 4, f);
    fwrite(p, 1, n, f);
    fwrite(zeros, 1, (8 - (4 + n) % 8) % 8, f);
}

// ---- decoding and encoding ---------------------------------------------------------------

// Decodes one value (plain or in an any) from `in`, prints it into `line`, and encodes
// it again into `out`. Throws what omniORB throws; returns false with `line` saying why
// when the value is refused otherwise.
template <class T>
static bool one(cdrMemoryStream &in, bool any, CORBA::TypeCode_ptr tc, std::string &line,
                cdrMemoryStream &out)
{
    T v;
    if (any) {
        CORBA::Any a;
        a <<= in;
        CORBA::TypeCode_var got = a.type();
        const T *p;
        if (!got->equivalent(tc)) {
            line = "the any's TypeCode is not equivalent to omniidl's";
            return false;
        }
        if (!got->equal(tc)) {
            line = "the any's TypeCode is equivalent to omniidl's but not equal";
            return false;
        }
        if (!(a >>= p)) {
            line = "omniORB cannot extract the value from the any";
            return false;
        }
        v = *p;
    } else {
        v <<= in;
    }
    if (in.checkInputOverrun(1, 1)) {
        line = "omniORB leaves bytes unread";
        return false;
    }
    print(line, v);
    own_typecodes(v);
    if (any) {
        CORBA::Any a;
        a <<= v;
        a >>= out;
    } else {
        v >>= out;
    }
    return true;
}

template <class T>
static int run(const std::string &dir, const char *name, CORBA::TypeCode_ptr tc)
{
    int failed = 0;
    for (const char *form : {"plain", "any"}) {
        for (const char *order : {"be", "le"}) {
            std::string base = std::string(name) + "." + form + "." + order;
            std::vector<unsigned char> data;
            if (!slurp(dir + "/ours." + base, data)) {
                perror((dir + "/ours." + base).c_str());
                return 1;
            }
            FILE *txt = fopen((dir + "/omni." + base + ".txt").c_str(), "w");
            FILE *bin = fopen((dir + "/omni." + base).c_str(), "wb");
            if (!txt || !bin) {
                perror((dir + "/omni." + base).c_str());
                return 1;
            }
            bool le = strcmp(order, "le") == 0;
            for (size_t pos = 0; pos + 4 <= data.size();) {
                size_t n = data[pos] | data[pos + 1] << 8 | data[pos + 2] << 16 |
                           (size_t)data[pos + 3] << 24;
                if (n > data.size() - pos - 4) {
                    fprintf(stderr, "ours.%s: a record is cut short\n", base.c_str());
                    return 1;
                }
                // A copy in 8-aligned memory: omniORB aligns by address.
                std::vector<CORBA::Double> buf(n / 8 + 1);
                memcpy(buf.data(), &data[pos + 4], n);
                pos += 4 + n + (8 - (4 + n) % 8) % 8;

                cdrMemoryStream in(buf.data(), n);
                in.setByteSwapFlag(le);
                cdrMemoryStream out((CORBA::ULong)0, (CORBA::Boolean)1); // zeroed
                out.setByteSwapFlag(le);
                std::string line;
                bool ok;
                try {
                    ok = one<T>(in, strcmp(form, "any") == 0, tc, line, out);
                } catch (CORBA::SystemException &e) {
                    line = std::string("omniORB cannot decode it: ") + e._name();
                    put(line, " (minor code 0x%x)", (unsigned)e.minor());
                    ok = false;
                }
                if (!ok) {
                    failed = 1;
                    out.rewindPtrs();
                }
                fprintf(txt, "%s\n", line.c_str());
                put_record(bin, out.bufPtr(), out.bufSize());
            }
            if (fclose(txt) != 0 || fclose(bin) != 0) {
                perror(base.c_str());
                return 1;
            }
        }
    }
    return failed;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: omniorb_side DIR\n");
        return 2;
    }
    std::string dir = argv[1];
    int orb_argc = 1;
    CORBA::ORB_var orb = CORBA::ORB_init(orb_argc, argv);
    int failed = run<Person>(dir, "Person", _tc_Person);
    failed |= run<Showcase>(dir, "Showcase", _tc_Showcase);
    orb->destroy();
    return failed;
}
