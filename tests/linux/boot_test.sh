#!/usr/bin/env bash
# boot_test.sh: e2e test: boot Debian's cloud kernel with openwhp and check its console log.
#
# Usage: tests/linux/boot_test.sh OPENWHP DIR [bzimage|pvh]
#
# Fetches the kernel and initramfs into DIR with fetch.sh (exit 77, skipped, when that is
# impossible or /dev/kvm is unusable), boots them with 128 MiB and a marker on the command
# line, either as the bzImage through the 64-bit boot protocol (default; the kernel first
# decompresses itself, which takes minutes on kvm_pvm) or as the uncompressed vmlinux through
# its PVH entry, and checks the console log for what the kernel reports about the machine:
#   - its banner ("Linux version"),
#   - the command line: openwhp's defaults followed by the marker,
#   - the e820 memory map openwhp passed in boot_params, entry by entry,
#   - one possible CPU ("smpboot: Allowing 1 CPUs").
# The run is stopped (SIGTERM) once that last line has appeared; set OPENWHP_LINUX_FULL=1 to
# let it run on until the guest stops by itself or the time is up.
# What ends the run depends on the host's KVM and on what openwhp offers so far: without
# interrupt support (LAPIC emulation, a timer) the kernel stops in early boot (at its first
# LAPIC access, or waiting for a timer tick), and on kvm_pvm it cannot go further anyway
# (INT3 and x87/SSE emulation failures). The test therefore requires the console-level facts
# above on every KVM and reports, without requiring it, whether user space
# (OPENWHP-INIT-MARKER from the initramfs) was reached. OPENWHP_LINUX_TIMEOUT (seconds,
# default 600) bounds the run; the guest is then stopped with SIGTERM.
set -uo pipefail

openwhp=$1
dir=$2
how=${3:-bzimage}
here=$(cd "$(dirname "$0")" && pwd)
timeout_s=${OPENWHP_LINUX_TIMEOUT:-600}
marker="openwhp-e2e-marker=42"
# openwhp's default Linux command line (vmm/vm.h, VM_LINUX_CMDLINE); --cmdline comes after it.
defaults="console=ttyS0 earlyprintk=serial,ttyS0,115200 panic=-1 reboot=k nolapic noapic"

if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
	echo "SKIP: /dev/kvm is not usable"
	exit 77
fi
"$here/fetch.sh" "$dir"
rc=$?
if [ $rc -ne 0 ]; then
	[ $rc -eq 77 ] && echo "SKIP: the Debian kernel cannot be downloaded here"
	exit $rc
fi

kernel=$dir/vmlinuz
# Linux's PVH code adds the ISA hole (0xa0000-0xfffff) as reserved, which merges with the EBDA.
reserved_low=("BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved"
	"BIOS-e820: [mem 0x00000000000f0000-0x00000000000fffff] reserved")
if [ "$how" = pvh ]; then
	kernel=$dir/vmlinux
	reserved_low=("BIOS-e820: [mem 0x000000000009fc00-0x00000000000fffff] reserved")
	if [ ! -s "$kernel" ]; then
		echo "SKIP: no vmlinux could be extracted from the bzImage"
		exit 77
	fi
fi

flavour=hardware
if [ -d /sys/module/kvm_pvm ]; then
	flavour=kvm_pvm
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT

echo "booting $(cat "$dir/VERSION") ($how) on $flavour, at most ${timeout_s}s"
start=$(date +%s)
"$openwhp" run "$kernel" --initrd "$dir/initramfs.cpio.gz" --mem 128 --cmdline "$marker" \
	</dev/null >"$log" 2>&1 &
pid=$!
# The last line checked below comes a few seconds of guest time after the banner; once it
# is there (or the guest has stopped, or time is up) the run is ended with SIGTERM.
while kill -0 "$pid" 2>/dev/null; do
	if grep -qF "OPENWHP-INIT-DONE" "$log" ||
		{ grep -qF "smpboot: Allowing" "$log" && [ -z "${OPENWHP_LINUX_FULL:-}" ]; } ||
		[ $(( $(date +%s) - start )) -ge "$timeout_s" ]; then
		kill -TERM "$pid" 2>/dev/null
		break
	fi
	sleep 2
done
wait "$pid"
status=$?
echo "openwhp exited with $status after $(( $(date +%s) - start ))s; the log:"
cat "$log"
echo "--- checks ---"

fail=0
expect() {
	if grep -qF -- "$1" "$log"; then
		echo "ok: $2"
	else
		echo "FAIL: $2 (no \"$1\" in the log)"
		fail=1
	fi
}
expect "Linux version 6." "the kernel's banner"
expect "Command line: $defaults $marker" "the command line: openwhp's defaults, then --cmdline"
expect "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable" "e820: conventional memory"
for r in "${reserved_low[@]}"; do
	expect "$r" "e820: reserved below 1 MiB"
done
expect "BIOS-e820: [mem 0x0000000000100000-0x0000000007ffffff] usable" "e820: 1 MiB to 128 MiB"
expect "RAMDISK: [mem " "the initrd was found"
expect "smpboot: Allowing 1 CPUs, 0 hotplug CPUs" "one CPU"
if grep -qF "OPENWHP-INIT-MARKER" "$log"; then
	echo "note: user space was reached"
else
	echo "note: user space was not reached (needs interrupt support; on kvm_pvm also" \
		"INT3 and x87/SSE emulation): checked up to the console only"
fi
exit $fail
