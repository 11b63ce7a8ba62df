#!/usr/bin/env bash
# fetch.sh: download the Debian cloud kernel and busybox-static; build the initramfs (no install).
#
# Usage: tests/linux/fetch.sh [DIR]
#
# Leaves in DIR (default: $OPENWHP_LINUX_DIR, else ./linux-guest):
#   vmlinuz            the kernel of linux-image-cloud-amd64 (a bzImage), unpacked with
#                      dpkg-deb from the downloaded package; nothing goes to /boot
#   initramfs.cpio.gz  busybox-static plus /init (see below), as a newc cpio archive
#   vmlinux            the uncompressed ELF kernel inside vmlinuz (for the PVH entry), when its
#                      compression (lz4 for Debian's, else xz, zstd or gzip) can be undone: the
#                      lz4 tool comes from "apt-get download lz4" too
#   VERSION            the kernel package's name and version
# Nothing is installed on the host: both packages are fetched with "apt-get download" and
# unpacked under DIR/work. Running it again reuses what is there.
#
# /init prints OPENWHP-INIT-MARKER, runs a command (uname -a, the CPU count, the command line)
# and powers the machine off. Exit status: 0 on success, 77 when the packages cannot be
# downloaded (no network, no package lists), 1 for any other failure.
set -euo pipefail

dir=${1:-${OPENWHP_LINUX_DIR:-linux-guest}}
mkdir -p "$dir/work"
dir=$(cd "$dir" && pwd)
work=$dir/work

if [ -s "$dir/vmlinuz" ] && [ -s "$dir/initramfs.cpio.gz" ] && [ -s "$dir/vmlinux" ]; then
	echo "fetch.sh: already there: $dir/vmlinuz, $dir/vmlinux, $dir/initramfs.cpio.gz"
	exit 0
fi

for tool in apt-get apt-cache dpkg-deb cpio gzip; do
	if ! command -v "$tool" >/dev/null; then
		echo "fetch.sh: '$tool' is missing (a Debian-based host is needed)" >&2
		exit 77
	fi
done

# The metapackage only depends on the versioned image package; resolve it.
resolve_kernel() {
	apt-cache depends linux-image-cloud-amd64 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
}
pkg=$(resolve_kernel || true)
if [ -z "$pkg" ] && [ "$(id -u)" -eq 0 ]; then
	# No package lists yet (a fresh machine): fetch them once.
	apt-get update -qq >/dev/null 2>&1 || true
	pkg=$(resolve_kernel || true)
fi
if [ -z "$pkg" ]; then
	echo "fetch.sh: cannot resolve linux-image-cloud-amd64 (no package lists?)" >&2
	exit 77
fi

cd "$work"
download() {
	# apt-get download writes NAME_VERSION_ARCH.deb into the current directory.
	if ! ls "$1"_*.deb >/dev/null 2>&1; then
		if ! apt-get download "$1" >/dev/null 2>&1; then
			echo "fetch.sh: 'apt-get download $1' failed (no network?)" >&2
			exit 77
		fi
	fi
	ls "$1"_*.deb | head -n 1
}
kdeb=$(download "$pkg")
bdeb=$(download busybox-static)

rm -rf kernel busybox root
dpkg-deb -x "$kdeb" kernel
dpkg-deb -x "$bdeb" busybox
vmlinuz=$(ls kernel/boot/vmlinuz-* | head -n 1)
cp "$vmlinuz" "$dir/vmlinuz"
dpkg-deb -f "$kdeb" Package Version | tr '\n' ' ' > "$dir/VERSION"
echo >> "$dir/VERSION"

# The initramfs: busybox, its applet links made at run time, and /init.
mkdir -p root/bin root/dev root/proc root/sys
cp busybox/bin/busybox root/bin/busybox
# The kernel's built-in initramfs already has /dev/console; add it when we may (root).
mknod -m 600 root/dev/console c 5 1 2>/dev/null || true
cat > root/init <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
echo "OPENWHP-INIT-MARKER: user space reached"
echo "OPENWHP-INIT: $(uname -a)"
echo "OPENWHP-INIT: cpus $(grep -c ^processor /proc/cpuinfo)"
echo "OPENWHP-INIT: cmdline $(cat /proc/cmdline)"
echo "OPENWHP-INIT-DONE"
poweroff -f
EOF
chmod 755 root/init
(cd root && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) |
	gzip -9 > "$dir/initramfs.cpio.gz"
rm -rf kernel busybox root

# vmlinux: the payload of the bzImage (boot.rst: payload_offset at 0x248, payload_length at
# 0x24c, counted from the end of the real-mode setup, (setup_sects + 1) * 512 bytes).
u8() { od -An -tu1 -j "$2" -N1 "$1" | tr -d ' '; }
u32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
sects=$(u8 "$dir/vmlinuz" $((0x1f1)))
if [ "$sects" -eq 0 ]; then
	sects=4
fi
start=$(( (sects + 1) * 512 + $(u32 "$dir/vmlinuz" $((0x248))) ))
dd if="$dir/vmlinuz" of=payload bs=64K iflag=skip_bytes,count_bytes skip="$start" \
	count="$(u32 "$dir/vmlinuz" $((0x24c)))" status=none
magic=$(od -An -tx1 -N4 payload | tr -d ' ')
decompress=""
case "$magic" in
02214c18)
	ldeb=$(download lz4)
	rm -rf lz4 && dpkg-deb -x "$ldeb" lz4
	decompress="lz4/usr/bin/lz4 -dc" ;;
fd377a58) decompress="xz -dc" ;;
28b52ffd) decompress="zstd -dc" ;;
1f8b08*) decompress="gzip -dc" ;;
esac
# The kernel's build appends the uncompressed size after the compressed stream, which some
# tools complain about after decompressing everything: judge by the result, not the status.
if [ -n "$decompress" ]; then
	$decompress < payload > vmlinux.tmp 2>/dev/null || true
fi
if [ -s vmlinux.tmp ] && [ "$(od -An -tx1 -N4 vmlinux.tmp | tr -d ' ')" = 7f454c46 ]; then
	mv vmlinux.tmp "$dir/vmlinux"
else
	echo "fetch.sh: cannot decompress the kernel's payload (magic $magic): no vmlinux" >&2
	rm -f vmlinux.tmp
	: > "$dir/vmlinux"
fi
rm -rf payload lz4
echo "fetch.sh: $(cat "$dir/VERSION")-> $dir/vmlinuz, $dir/vmlinux, $dir/initramfs.cpio.gz"
