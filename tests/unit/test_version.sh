#!/usr/bin/env bash
# The version has one source, the top-level VERSION file: camvault.ko (Kbuild), the tool (agent/Makefile) and
# test_cli take it from there at build time. What reads it otherwise is checked here: dkms.conf, sourced as
# dkms sources it (from another directory), and the man pages' title lines, which are text. Prints TAP lines
# that run.sh counts.
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
version=$(cat "$top/VERSION")

echo "1..$((1 + $(ls "$top"/man/*.[0-9] | wc -l)))"
dkms=$(cd / && bash -c '. "$1" >/dev/null && echo "$PACKAGE_VERSION"' - "$top/dkms.conf")
if [ -n "$version" ] && [ "$dkms" = "$version" ]; then
	echo "ok 1 - dkms.conf's PACKAGE_VERSION is VERSION's ($version)"
else
	echo "not ok 1 - dkms.conf's PACKAGE_VERSION is '$dkms', VERSION says '$version'"
fi
n=1
for page in "$top"/man/*.[0-9]; do
	n=$((n + 1))
	name=$(basename "$page")
	th=$(sed -n 's/^\.TH [^ ]* [0-9] "[^"]*" "camvault \([^"]*\)".*/\1/p' "$page")
	if [ "$th" = "$version" ]; then
		echo "ok $n - $name's title line names VERSION's $version"
	else
		echo "not ok $n - $name's title line names '$th', VERSION says '$version': update its .TH line"
	fi
done
