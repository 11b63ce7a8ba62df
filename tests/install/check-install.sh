#!/usr/bin/env bash
# check-install.sh: install openwhp to a prefix, move it elsewhere, and build + run a WHP program
# against it with nothing but `cc app.c $(pkg-config --cflags --libs openwhp)`.
# Usage: check-install.sh BUILD_DIR SOURCE_FILE
set -euo pipefail
build=$1
app=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/first" >/dev/null
# The .pc file locates everything relative to itself: a moved prefix must still work.
mv "$tmp/first" "$tmp/moved"
pc=$(dirname "$(find "$tmp/moved" -name openwhp.pc | head -n 1)")
test -f "$tmp/moved/include/openwhp/WinHvPlatform.h"
test -f "$tmp/moved/include/openwhp/winhvplatform.h"
test -f "$tmp/moved/include/openwhp/WinHvEmulation.h"
test -x "$tmp/moved/bin/openwhp"
ls "$tmp"/moved/lib*/libopenwhp.so "$tmp"/moved/lib*/libopenwhp.a >/dev/null 2>&1 ||
	ls "$tmp"/moved/lib/*/libopenwhp.so "$tmp"/moved/lib/*/libopenwhp.a >/dev/null
export PKG_CONFIG_PATH="$pc"
flags=$(pkg-config --cflags --libs openwhp)
case "$flags" in *"$tmp/moved"*) ;; *) echo "pkg-config flags do not point into the prefix: $flags"; exit 1;; esac
cc -std=c11 -Wall -Werror "$app" $flags -o "$tmp/app"
libdir=$(pkg-config --variable=libdir openwhp)
LD_LIBRARY_PATH="$libdir" "$tmp/app"
