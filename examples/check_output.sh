#!/bin/sh
# check_output.sh: run an example; pass its skip code on; require exit 0 and each expected text.
# Usage: check_output.sh PROGRAM [TEXT...]
prog=$1
shift
out=$("$prog" 2>&1)
rc=$?
printf '%s\n' "$out"
if [ "$rc" -eq 77 ]; then
	exit 77
fi
if [ "$rc" -ne 0 ]; then
	echo "FAIL: $prog exited with status $rc" >&2
	exit 1
fi
for text in "$@"; do
	case $out in
	*"$text"*) ;;
	*)
		echo "FAIL: the output lacks: $text" >&2
		exit 1
		;;
	esac
done
exit 0
