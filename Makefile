# camvault: top-level build.
#
#   make              camvault.ko (against KDIR), the eBPF probes and the camvault tool
#   make check        every test layer; ends with "N passed, N failed, N skipped"
#   make demo         the story, in a Debian 6.1 guest with a TPM
#   make bench        throughput against dm-crypt in a guest; the probes' cost natively and in the guest
#   make install      the tool, its man pages, the agent's systemd unit and example configs (DESTDIR, PREFIX)
#
# When run by Kbuild (KERNELRELEASE set), the module is described by ./Kbuild instead.

KDIR ?= /lib/modules/$(shell uname -r)/build
export KDIR

.PHONY: all module bpf agent check demo bench deps install clean

# make install: PREFIX for the man pages; the tool goes to /usr/sbin, where the unit runs it. DESTDIR for
# packaging. Example configs (etc/*.conf) go to /etc/camvault, never over a file already there; push.conf,
# which may hold secrets, mode 0600.
DESTDIR ?=
PREFIX ?= /usr
SBINDIR ?= /usr/sbin
MANDIR ?= $(PREFIX)/share/man
UNITDIR ?= /lib/systemd/system
CONFDIR ?= /etc/camvault

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
	@bench/run.sh

install: agent
	install -D -m 0755 agent/camvault "$(DESTDIR)$(SBINDIR)/camvault"
	install -D -m 0644 man/camvault.8 "$(DESTDIR)$(MANDIR)/man8/camvault.8"
	install -d -m 0755 "$(DESTDIR)$(MANDIR)/man5"
	install -m 0644 man/vaults.conf.5 man/policy.conf.5 man/push.conf.5 "$(DESTDIR)$(MANDIR)/man5/"
	install -D -m 0644 systemd/camvault-agent.service "$(DESTDIR)$(UNITDIR)/camvault-agent.service"
	install -d -m 0755 "$(DESTDIR)$(CONFDIR)"
	@for f in $(wildcard etc/*.conf); do \
		t="$(DESTDIR)$(CONFDIR)/$${f#etc/}"; \
		m=0644; [ "$$f" = etc/push.conf ] && m=0600; \
		if [ -e "$$t" ]; then echo "install: $$t exists: kept"; else install -m $$m "$$f" "$$t"; fi; \
	done

clean:
	$(MAKE) -C bpf clean
	$(MAKE) -C agent clean
	@if [ -f "$(KDIR)/Makefile" ]; then $(MAKE) -C "$(KDIR)" M="$(CURDIR)" clean; fi
	rm -rf build
