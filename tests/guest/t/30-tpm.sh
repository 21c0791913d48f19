# The guest sees the swtpm TPM 2.0 through tpm-tis, and the camvault tool reaches it with tpm2-tss.
. "$TOP/tests/guest/lib.sh"
[ -c /dev/tpmrm0 ] || fail "no /dev/tpmrm0"
out=$(CAMVAULT_TCTI=device:/dev/tpmrm0 "$TOP/agent/camvault" status 2>&1 || true)
assert_match '^TPM: present \(manufacturer IBM' "$out"
echo "TPM OK"
