# TPM story, boot 2, a fresh TPM ("another device") and a copy of the store: the TPM cannot open it, says
# why, and leaves no key anywhere; the recovery key opens it and the footage is intact.
. "$TOP/tests/guest/lib.sh"
. "$TOP/tests/guest/story/tpm-lib.sh"

if out=$("$cv" open cam0 --backing $share/copy.img 2>&1); then fail "the copy opened with another TPM: $out"; fi
echo "$out"
assert_match '^camvault: vault cam0 is sealed to a different TPM' "$out"
assert_match "camvault open cam0 --recovery" "$out"
assert_no_key_left

if out=$(CAMVAULT_RECOVERY_KEY=00000-00000-00000-00000-00000-00000-00000-00000 "$cv" open cam0 --recovery \
	--backing $share/copy.img 2>&1); then
	fail "a wrong recovery key opened it"
fi
echo "$out"
assert_match 'the recovery key does not open vault' "$out"
assert_no_key_left

out=$("$cv" open cam0 --backing $share/copy.img --recovery < $share/recovery.key 2>&1) || fail "recovery: $out"
assert_match '^vault cam0 open: /dev/mapper/cam0$' "$out"
mkdir -p /run/cam0
mount /dev/mapper/cam0 /run/cam0
assert_footage /run/cam0
umount /run/cam0
"$cv" close cam0 > /dev/null
assert_no_key_left
echo "boot 2: another TPM refused the copy; the recovery key opened it"
