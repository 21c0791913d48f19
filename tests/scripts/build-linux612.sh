#!/usr/bin/env bash
# Build camvault's Pi-profile 6.12 test kernel (tinyconfig + tests/config/pi-profile-6.12.config) into the
# cache, keyed by the source version and a hash of the config fragment: a warm cache skips the build.
# Prints the build directory (KDIR for external modules; arch/x86/boot/bzImage inside).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

src=$("$(dirname "$0")/fetch-linux612.sh")
frag=$TOP/tests/config/pi-profile-6.12.config
key=$(basename "$(dirname "$src")")-$(cat "$frag" "$0" | sha256sum | cut -c1-12)
out=$CAMVAULT_CACHE/build-$key
if [ -f "$out/.complete" ]; then
	echo "$out"
	exit 0
fi

say "building the 6.12 test kernel in $out (cold: about 15 minutes on 2 cores)"
rm -rf "$out"
mkdir -p "$out"
make -s -C "$src" O="$out" tinyconfig >&2
"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "$frag" >/dev/null
make -s -C "$src" O="$out" olddefconfig >&2

# Kconfig silently drops what it cannot satisfy: insist that every line of the fragment holds.
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qxF "$line" "$out/.config" || { echo "config: wanted $line, got: $(grep "^${line%%=*}=" "$out/.config" || echo unset)" >&2; bad=1; } ;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }; sym=${sym%% *}
		if grep -q "^$sym=" "$out/.config"; then echo "config: wanted $sym off, got $(grep "^$sym=" "$out/.config")" >&2; bad=1; fi ;;
	esac
done < "$frag"
[ $bad -eq 0 ] || die "the config fragment does not hold on 6.12; fix $frag"

start=$(date +%s)
make -C "$src" O="$out" -j"$(nproc)" bzImage modules > "$out/build.log" 2>&1 ||
	{ tail -n 40 "$out/build.log" >&2; die "kernel build failed (log: $out/build.log)"; }
echo "$(( $(date +%s) - start ))" > "$out/build-seconds"
cp "$src/../../apt-trixie/version" "$out/source-version" 2>/dev/null || true
ln -sfn "$src" "$out/source-tree"
touch "$out/.complete"
say "6.12 test kernel built in $(cat "$out/build-seconds") s"
echo "$out"
