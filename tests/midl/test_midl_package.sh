#!/usr/bin/env bash
# test_midl_package.sh BUILD_DIR - IDL in a user's project, after `make install`, the two
# ways docs/midl.md shows: CMake (find_package(midway) and midway_idl(), which reruns midl
# when an included IDL file changes) and a plain Makefile (midl, then cc with pkg-config).
set -u

BUILD=${1:?usage: test_midl_package.sh BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
if grep -q '^MW_SANITIZE:STRING=.\+' "$BUILD/CMakeCache.txt" 2>/dev/null; then
    echo "SKIP: a sanitizer build's library needs the sanitizer in every program linking it"
    exit 0
fi
for tool in cmake cc make pkg-config; do
    if ! command -v "$tool" >/dev/null; then
        echo "SKIP: $tool is not installed"
        exit 0
    fi
done
TMP=$(mktemp -d "${TMPDIR:-/tmp}/test_midl_package.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
trap 'exit 1' INT TERM

FAILS=0
ok() { echo "ok    $*"; }
bad() {
    FAILS=$((FAILS + 1))
    echo "FAIL  $*"
}

PREFIX=$TMP/prefix
if timeout 120 cmake --install "$BUILD" --prefix "$PREFIX" >"$TMP/install.log" 2>&1; then
    ok "installed into a fresh prefix"
else
    bad "cmake --install:"
    tail -n 5 "$TMP/install.log"
    exit 1
fi
[ -x "$PREFIX/bin/midl" ] && ok "bin/midl installed" || bad "bin/midl missing"

# The user's program: a servant called through the generated skeleton, and a Person
# encoded with the generated descriptor.
mkdir -p "$TMP/user"
cp "$HERE/idl/Hello.idl" "$HERE/idl/Person.idl" "$HERE/idl/Common.idl" \
    "$HERE/idl/Everything.idl" "$TMP/user/"
cat >"$TMP/user/main.c" <<'EOF'
#include <stdio.h>
#include <string.h>

#include "Everything.h"
#include "Hello.h"
#include "Person.h"

static int say(void *self, char **result, mw_rmi_env *env)
{
    (void)self;
    *result = mw_arena_strndup(env->arena, "Hello world!", 12);
    return 0;
}

int main(void)
{
    HelloApp_Hello_servant servant = {.sayHello = say};
    mw_arena *a;
    if (mw_arena_create(&a, 0))
        return 1;
    mw_rmi_env env = {.arena = a};
    HelloApp_Hello_sayHello_out out = {0};
    const mw_rmi_skel_entry *e =
        mw_rmi_skeleton_find(&HelloApp_Hello_skeleton, HelloApp_Hello_sayHello_op.id);
    if (!e || e->call(&servant, NULL, NULL, &out, &env))
        return 1;
    char name[] = "Smith", place[] = "London";
    Person p = {name, place, 1984};
    mw_buf b;
    mw_buf_init(&b);
    if (mw_cdr_encode(&Person_type, &p, &b, NULL, NULL) || mw_type_check(&Everything_Showcase_type))
        return 1;
    printf("%s %zu\n", out._result, b.len);
    mw_buf_free(&b);
    mw_arena_destroy(a);
    return 0;
}
EOF

# ---- CMake -----------------------------------------------------------------------------
cat >"$TMP/user/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.20)
project(user C)
find_package(midway REQUIRED)
add_executable(user main.c)
midway_idl(user Hello.idl Person.idl Common.idl Everything.idl)
target_link_libraries(user PRIVATE midway::midway_static)
EOF
if timeout 300 cmake -S "$TMP/user" -B "$TMP/user/build" -DCMAKE_PREFIX_PATH="$PREFIX" \
    >"$TMP/cmake.log" 2>&1 && timeout 300 cmake --build "$TMP/user/build" >>"$TMP/cmake.log" 2>&1; then
    ok "find_package(midway) + midway_idl() builds"
else
    bad "CMake project:"
    tail -n 15 "$TMP/cmake.log" | sed 's/^/      /'
fi
out=$("$TMP/user/build/user" 2>&1)
[ "$out" = "Hello world! 28" ] && ok "the program runs: $out" || bad "the program printed: $out"
# touching an included IDL file regenerates the files of its includer
sleep 1
touch "$TMP/user/Common.idl"
cmake --build "$TMP/user/build" >"$TMP/rebuild.log" 2>&1
if grep -q "midl Everything.idl" "$TMP/rebuild.log"; then
    ok "a changed #include file reruns midl on its includer"
else
    bad "rebuild after touching Common.idl:"
    head -n 10 "$TMP/rebuild.log" | sed 's/^/      /'
fi

# ---- a plain Makefile ---------------------------------------------------------------------
export PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig:$PREFIX/lib64/pkgconfig
PC="pkg-config --define-variable=prefix=$PREFIX"
cat >"$TMP/user/Makefile" <<EOF
CFLAGS = -std=c11 -Wall -Wextra -Werror \$(shell $PC --cflags midway) -Igen
LDLIBS = \$(shell $PC --libs --static midway)
IDL = Hello.idl Person.idl Common.idl Everything.idl
GEN = \$(foreach f,\$(IDL:.idl=),gen/\$(f)_types.c gen/\$(f)_client.c gen/\$(f)_server.c)

user: main.c \$(GEN)
	\$(CC) \$(CFLAGS) -o \$@ main.c \$(GEN) \$(LDLIBS)

gen/%_types.c gen/%_client.c gen/%_server.c gen/%.h: %.idl
	$PREFIX/bin/midl -o gen \$<
EOF
if (cd "$TMP/user" && timeout 300 make >"$TMP/make.log" 2>&1); then
    ok "midl in a plain Makefile, compiled with -Wall -Wextra -Werror"
else
    bad "plain Makefile:"
    tail -n 15 "$TMP/make.log" | sed 's/^/      /'
fi
out=$(LD_LIBRARY_PATH=$PREFIX/lib:$PREFIX/lib64 "$TMP/user/user" 2>&1)
[ "$out" = "Hello world! 28" ] && ok "that program runs too" || bad "it printed: $out"

[ "$FAILS" -eq 0 ]
