# TPM story, the first TPM again, after tpm2-reboot.sh in the same boot (story/tpm-again.sh): no key bytes
# in the store nor in a core dump of camvault taken while it holds the key; then shred, after which neither the store nor a copy made before opens with the
# TPM (the copy still opens with the recovery key: that is what a recovery slot means, and shred says so).
. "$TOP/tests/guest/lib.sh"
. "$TOP/tests/guest/story/tpm-lib.sh"

# Stop camvault open where it holds the key (cv_vault_activate's k), save those bytes, and dump core there.
gdb -q -batch -ex 'set debuginfod enabled off' -ex 'break cv_vault_activate' -ex run \
	-ex 'dump binary memory /run/key.bin k->buf k->buf+k->len' -ex 'gcore /run/camvault.core' -ex kill \
	--args "$cv" open cam0 --no-mount > /run/gdb.log 2>&1 || fail "gdb: $(tail -n 5 /run/gdb.log)"
case $(stat -c %s /run/key.bin) in 32|64) ;; *) fail "no key captured: $(tail -n 5 /run/gdb.log)" ;; esac
[ -s /run/camvault.core ] || fail "no core dump: $(tail -n 5 /run/gdb.log)"
dmsetup remove cam0 2>/dev/null || true
python3 - /run/key.bin /run/camvault.core $share/cam0.img <<'PY' || fail "key bytes found"
import sys
key = open(sys.argv[1], 'rb').read()
for path in sys.argv[2:]:
	data = open(path, 'rb').read()
	# The whole key, and each half (AES-XTS's two keys) on its own.
	half = len(key) // 2
	for what, needle in (('key', key), ('first half', key[:half]), ('second half', key[half:])):
		if needle in data:
			print(f'{what} of the vault key found in {path}')
			sys.exit(1)
	print(f'no key bytes in {path} ({len(data)} bytes)')
PY
assert_no_key_left

out=$("$cv" shred cam0 --yes) || fail "shred: $out"
echo "$out"
assert_match '^vault cam0 \([0-9a-f-]{36}\) shredded:$' "$out"
assert_match 'its TPM secret \(NV index 0x01[0-9a-f]{6}\) is destroyed' "$out"
assert_match 'NOT destroyed: its recovery slot' "$out"
grep -q '^cam0 ' $share/etc/vaults.conf && fail "still registered after shred"

out=$("$cv" open cam0 --backing $share/cam0.img 2>&1) && fail "the shredded store opened"
echo "$out"
assert_match 'no camvault header in /run/share/cam0.img' "$out"
out=$("$cv" open cam0 --backing $share/copy.img 2>&1) && fail "a copy made before the shred opened with the TPM"
echo "$out"
assert_match "^camvault: vault cam0's TPM secret \(NV index 0x01[0-9a-f]{6}\) is gone: .*'camvault open cam0 --recovery'" "$out"
assert_no_key_left
# What shred said: the copy and the recovery key still open it.
"$cv" open cam0 --backing $share/copy.img --recovery --no-mount < $share/recovery.key > /dev/null ||
	fail "the recovery key no longer opens the copy"
"$cv" close cam0 > /dev/null
echo "boot 3: no key bytes in store or core; shredded: neither store nor copy opens with the TPM"
