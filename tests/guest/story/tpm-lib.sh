# What the TPM story's boots share (tests/guest/story-tpm.sh runs them). Source it after lib.sh.
# The store, the registry and what one boot tells the next live on /run/share, which outlives the boot.
cv=$TOP/agent/camvault
share=/run/share
[ -d $share ] || fail "no /run/share: run through story-tpm.sh"
export CAMVAULT_ETC=$share/etc CAMVAULT_TCTI=device:/dev/tpmrm0
# Argon2id at libsodium's interactive cost takes long under TCG: 8 MiB keeps the story's time.
export CAMVAULT_ARGON2_MEMLIMIT_KIB=8192
load_camvault
modprobe loop 2>/dev/null || true
trap 'umount /run/cam0 2>/dev/null || true; "$cv" close cam0 >/dev/null 2>&1 || true; guest_cleanup' EXIT

# No camvault key in any keyring this boot, no vault device left.
assert_no_key_left() {
	assert_no_usable_key 'logon.*camvault:'
	dmsetup ls | grep -q camvault && fail "a vault device stayed: $(dmsetup ls)"
	return 0
}

# The footage's checksums, as the first boot wrote them, against what the vault mounted on $1 holds.
assert_footage() {
	(cd "$1" && sha256sum -c --quiet $share/sums) || fail "footage on $1 differs from what was written"
}
