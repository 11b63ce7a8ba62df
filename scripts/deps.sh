#!/usr/bin/env bash
# deps.sh: install the Debian packages openwhp builds and tests with (only the missing ones).
#
# Build: compiler, CMake, Zydis, Criterion. Test passes of scripts/test:
# GCC's ASan/UBSan/TSan runtimes (they come with gcc), valgrind (memcheck
# pass), clang with its compiler-rt (libFuzzer), clang-format and
# clang-tidy (lint), cpio (the Linux guest's initramfs, tests/linux).
# Safe to run again: it installs nothing that is there.
set -euo pipefail
pkgs=(build-essential cmake pkg-config binutils libzydis-dev libcriterion-dev
	valgrind clang libclang-rt-dev clang-format clang-tidy cpio)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	sudo=""
	[ "$(id -u)" -ne 0 ] && sudo="sudo"
	echo "installing: ${missing[*]}"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
