#!/usr/bin/env bash
# clang-tidy.sh: static analysis (clang analyzer and bugprone checks) of src/, vmm/ and tools/.
# Usage: clang-tidy.sh SOURCE_DIR. Exit 0 clean, 1 findings, 77 (skip) without clang-tidy.
#
# The check list is the clang static analyzer's core, unix and dead-code
# checkers plus clang-tidy's bugprone set, minus the checks that only flag
# style on this code base (swappable parameters, branch clones, narrowing
# and widening conversions, reserved identifiers of the WHP headers,
# sizeof(T *) in realloc of pointer arrays, memcmp used as a boolean, casts
# widened after the arithmetic). Every analyzer check is on. Leaks are
# also caught at run time by LeakSanitizer in the ASan pass. Every finding
# is an error.
set -euo pipefail
src=$1
if ! command -v clang-tidy >/dev/null; then
	echo "SKIP: clang-tidy is not installed"
	exit 77
fi
checks='-*,clang-analyzer-core.*,clang-analyzer-unix.*,clang-analyzer-deadcode.*'
checks+=',bugprone-*,-bugprone-easily-swappable-parameters,-bugprone-reserved-identifier'
checks+=',-bugprone-narrowing-conversions,-bugprone-implicit-widening-of-multiplication-result'
checks+=',-bugprone-branch-clone,-bugprone-sizeof-expression,-bugprone-suspicious-string-compare'
checks+=',-bugprone-misplaced-widening-cast'
cd "$src"
files=$(find src vmm tools -name '*.c' | sort)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# two files at a time: the machine has two cores
printf '%s\n' $files | xargs -P2 -I{} clang-tidy --quiet -checks="$checks" \
	-warnings-as-errors='*' {} -- -std=c11 -D_GNU_SOURCE -DOPENWHP_VERSION_STRING='"0"' \
	-Iinclude -Isrc -Ivmm -I. >"$out" 2>/dev/null || true
n=$(grep -c -E '(warning|error): ' "$out" || true)
echo "clang-tidy: $(printf '%s\n' $files | wc -l) files, $n findings"
if [ "$n" -ne 0 ]; then
	grep -E -A3 '(warning|error): ' "$out"
	exit 1
fi
