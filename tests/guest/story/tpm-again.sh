# TPM story, the last boot, the first TPM again after the other one's: the vault reopens from the registry
# with its footage intact, and locks (tpm2-reboot.sh); then no key bytes in a core dump, and the shred
# (tpm4-shred.sh). One boot for both: what the first needs is a reboot of TPM A, not a boot of its own.
bash "$TOP/tests/guest/story/tpm2-reboot.sh" && bash "$TOP/tests/guest/story/tpm4-shred.sh"
