#!/usr/bin/env bash
# clang-format.sh: every C file of the project (library, headers, VMM, tools, tests, fuzz targets,
# benchmarks, examples) is formatted per .clang-format.
# Usage: clang-format.sh SOURCE_DIR. Exit 0 clean, 1 with the diff, 77 (skip) without clang-format.
set -euo pipefail
src=$1
if ! command -v clang-format >/dev/null; then
	echo "SKIP: clang-format is not installed"
	exit 77
fi
cd "$src"
bad=0
total=0
for f in $(find src include vmm tools tests fuzz bench examples -name '*.[ch]' | sort); do
	total=$((total + 1))
	if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
		bad=$((bad + 1))
		echo "not formatted: $f ($(clang-format "$f" | diff "$f" - | grep -c '^<') lines differ)"
		clang-format "$f" | diff -u "$f" - | head -40 || true
	fi
done
echo "clang-format: $bad of $total files differ from .clang-format"
[ "$bad" -eq 0 ]
