#!/usr/bin/env bash
# make-seeds.sh: (re)build the seed corpora of fuzz/vmm from assembly sources and our own guests.
# Usage: fuzz/vmm/make-seeds.sh BUILD_DIR (a configured, built tree: the multiboot test kernel
# is taken from it). Writes fuzz/vmm/corpus/{image,devices}; the result is committed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd)
img=$here/corpus/image
dev=$here/corpus/devices
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$img" "$dev"

# image seeds: byte 0 format (0 = detect), byte 1 flags (bit 0: command line,
# bits 1-2: modules), then the command line (length byte + text), the
# modules (2 length bytes + bytes), the image (see fuzz_vmm_image.c)
as --64 -o "$tmp/bz.o" "$here/seeds/bzimage.S"
ld -m elf_x86_64 -Ttext=0 --oformat=binary -o "$tmp/bzimage" "$tmp/bz.o"
as --32 -o "$tmp/pvh.o" "$here/seeds/pvh.S"
ld -m elf_i386 -Ttext-segment=0x100000 -o "$tmp/pvh" "$tmp/pvh.o"
as --64 -o "$tmp/elf64.o" "$here/seeds/elf64.S"
ld -m elf_x86_64 -Ttext-segment=0x200000 -o "$tmp/elf64" "$tmp/elf64.o"
strip "$tmp/pvh" "$tmp/elf64"
cmd() { printf "\\x$(printf %02x ${#1})%s" "$1"; }
{ printf '\x00\x01'; cmd "console=ttyS0 quiet"; cat "$tmp/bzimage"; } >"$img/linux"
{ printf '\x00\x03'; cmd "root=/dev/ram"; printf '\x04\x00INIT'; cat "$tmp/bzimage"; } >"$img/linux-initrd"
{ printf '\x00\x05'; cmd "pvh"; printf '\x03\x00abc\x02\x00de'; cat "$tmp/pvh"; } >"$img/pvh-modules"
{ printf '\x02\x00'; cat "$tmp/elf64"; } >"$img/elf64"
{ printf '\x00\x03'; cmd "mbtest exit=debug"; printf '\x05\x00hello'; \
	cat "$build/tests/e2e/mbtest/mbtest.elf"; } >"$img/multiboot"
{ printf '\x21\x00\x00\x7c\x00\x00\x00\x7c\x00\x00'; printf '\xf4\xeb\xfd'; } >"$img/flat-protected"

# device seeds: op bytes and operands (see fuzz_vmm_devices.c); port
# operands are 0x00..0x0f + device index * 0x10, 2 above the device's base
wr() { printf "\\x84\\x$(printf %02x $1)\\x00\\x00\\x$(printf %02x $2)\\x00\\x00\\x00"; }
rd() { printf "\\x06\\x$(printf %02x $1)\\x00\\x00\\x00\\x00\\x00\\x00"; }
{ wr 5 0x03; wr 3 0x0f; wr 6 0x08; wr 2 0x48; wr 2 0x69; rd 4; rd 7;
	printf '\x01\x03abc'; rd 4; rd 2; rd 7; printf '\x04'; } >"$dev/uart"
{ printf '\x84\x12\x00\x01\x00\x00\x00\x00'; for i in 1 2 3 4; do rd 0x13; done
	printf '\x84\x12\x00\x01\x19\x00\x00\x00'; for i in 1 2 3 4 5 6 7 8; do rd 0x13; done
	printf '\x02\x00\x10\x00\x00\x10\x00\x00\x00\x0a\x00\x00\x00\x04'
	printf '\x00\x00\x00\x00\x00\x00\x20\x00'; printf '\x03\x00\x10\x00\x00'; } >"$dev/fw_cfg"
{ wr 0x22 0x01; for ch in 83 104 117 116 100 111 119 110; do wr 0x32 $ch; done; } >"$dev/power"
{ printf '\x05\x05\x03\xf3\x67\x6c'; printf '\x00%.0s' $(seq 13); printf '\x01\x02'; } >"$dev/string-io"
ls -l "$img" "$dev"
