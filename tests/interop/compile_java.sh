#!/usr/bin/env bash
# compile_java.sh BUILD_DIR - compiles the book's Java programs (java/*.java) into
# BUILD_DIR/tests/interop/classes: the CTest fixture the Java interop tests require.
set -uo pipefail
BUILD=$(cd "${1:?usage: compile_java.sh BUILD_DIR}" && pwd)
. "$(dirname "$0")/lib.sh"
mw_need_java
mw_java_classes || exit 1
echo "compiled $(ls "$MW_CLASSES"/*.class | wc -l) classes into $MW_CLASSES"
