#!/bin/sh
# Fails when a Catch2 test case's name holds a ';' (see tests/CMakeLists.txt).
dir=${1:?usage: check_test_names.sh TESTS_DIR}
if grep -nE 'TEST_CASE\("[^"]*;' "$dir"/*.test.cpp; then
  echo "test case names above hold ';': ctest would run none of them" >&2
  exit 1
fi
echo "no test case name holds ';'"
