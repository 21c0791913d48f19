# TPM story, the first TPM again after a reboot (story/tpm-again.sh runs it): the vault opens from the
# registry, mounts, and the footage is intact.
. "$TOP/tests/guest/lib.sh"
. "$TOP/tests/guest/story/tpm-lib.sh"

out=$("$cv" open cam0 2>&1) || fail "open after reboot: $out"
assert_match '^vault cam0 open: /dev/mapper/cam0, mounted on /run/cam0$' "$out"
assert_no_usable_key 'logon.*camvault:'
assert_footage /run/cam0
# Opening twice is not an error (the agent may race a person).
assert_match '^vault cam0 is open already' "$("$cv" open cam0)"
# Lock: the kernel wipes the key, status says so, and close still works.
"$TOP/agent/camvault" lock cam0
assert_match 'TPM-bound .*, LOCKED$' "$("$cv" status)"
umount /run/cam0
"$cv" close cam0 > /dev/null
assert_no_key_left
echo "boot 3: reopened with the same TPM, footage intact"
