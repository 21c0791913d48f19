# camvault: top-level build.
#
#   make              camvault.ko (against KDIR), the eBPF probes and the camvault tool
#   make check        every test layer; ends with "N passed, N failed, N skipped"
#   make demo         the story, in a Debian 6.1 guest with a TPM
#   make bench        throughput against dm-crypt in a guest; the probes' cost natively and in the guest
#   make install-etc  the example push.conf as /etc/camvault/push.conf (mode 0600), unless there is one
#
# When run by Kbuild (KERNELRELEASE set), the module is described by ./Kbuild instead.

KDIR ?= /lib/modules/$(shell uname -r)/build
export KDIR

.PHONY: all module bpf agent check demo bench deps clean install-etc

all: agent module

deps:
	@tests/scripts/install-deps.sh

bpf:
	$(MAKE) -C bpf

agent: bpf
	$(MAKE) -C agent

# The host may have no headers for its own kernel (or, like CI, no module support at all): say so, and
# build the rest. The tests build the module against each guest kernel themselves.
module:
	@if [ -f "$(KDIR)/Makefile" ]; then \
		$(MAKE) -C "$(KDIR)" M="$(CURDIR)" W=1 modules; \
	else \
		echo "camvault.ko: skipped: no kernel build tree at $(KDIR) (install linux-headers-$$(uname -r) or pass KDIR=...)"; \
	fi

check: deps
	@tests/check.sh

demo: deps
	@tests/demo.sh

bench: deps
	@tests/bench.sh

# push.conf may hold secrets: mode 0600 from the start, and an owner's file is never overwritten.
install-etc:
	@if [ -e "$(DESTDIR)/etc/camvault/push.conf" ]; then \
		echo "install-etc: kept $(DESTDIR)/etc/camvault/push.conf (the example is etc/push.conf)"; \
	else \
		install -D -m 0600 etc/push.conf "$(DESTDIR)/etc/camvault/push.conf"; \
	fi

clean:
	$(MAKE) -C bpf clean
	$(MAKE) -C agent clean
	@if [ -f "$(KDIR)/Makefile" ]; then $(MAKE) -C "$(KDIR)" M="$(CURDIR)" clean; fi
	rm -rf build
