# Shared settings for camvault's test scripts. Source it; do not run it.
# The cache lives outside the repository: guest kernels, their modules and headers, the 6.12 test kernel.
CAMVAULT_CACHE=${CAMVAULT_CACHE:-/var/cache/camvault}
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

die() { echo "$(basename "$0"): $*" >&2; exit 1; }
say() { echo "==> $*" >&2; }

# tap_check NAME CMD...: runs CMD, its output into a log of its own under $tap_logs; prints "ok - NAME", or
# "not ok - NAME" and the log's tail; counts it in $p or $f.
tap_check() {
	local name=$1 log
	shift
	log=$tap_logs/$(tr -c 'A-Za-z0-9.+=\n-' _ <<< "$name").log
	if "$@" > "$log" 2>&1; then
		echo "ok - $name"
		p=$((p + 1))
	else
		echo "not ok - $name"
		sed 's/^/#   /' "$log" | tail -n 25
		f=$((f + 1))
	fi
}

# The Debian mirror this machine already uses, read from apt's own configuration
# (so the repository never names a mirror host).
debian_mirror() {
	apt-cache policy | awk '$3 ~ /^bookworm\/main$/ && $4 == "amd64" { print $2; exit }'
}

# A Debian suite the host does not run, through a private apt directory (the host stays on bookworm), on the
# mirror this machine already uses, for ARCH (default the host's, amd64): sets apt_dir and apt_opts, for
# apt-get and apt-cache. suite_apt trixie [arm64]: trixie's kernels; suite_apt bookworm-backports: QEMU.
suite_apt() {
	local mirror suite=$1 arch=${2:-amd64}
	apt_dir=$CAMVAULT_CACHE/apt-$suite
	[ "$arch" = amd64 ] || apt_dir+=-$arch
	mirror=$(debian_mirror)
	[ -n "$mirror" ] || die "cannot find the Debian mirror in apt's configuration (apt-get update?)"
	mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/etc"
	echo "deb [arch=$arch signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" \
		> "$apt_dir/etc/sources.list"
	apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/etc/sources.list" -o Dir::Etc::SourceParts=/dev/null
		-o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
		-o "Dir::State::status=/dev/null" -o APT::Sandbox::User=root
		-o "APT::Architecture=$arch" -o "APT::Architectures::=$arch")
}

# apt_download PKG...: downloads the packages (with apt_opts, when set) into a new temporary directory, $dl,
# removed when the script exits.
apt_download() {
	dl=$(mktemp -d)
	trap 'rm -rf "$dl"' EXIT
	(cd "$dl" && apt-get ${apt_opts[@]+"${apt_opts[@]}"} download -q "$@" >&2)
}

# The ABI name of Debian's current bookworm kernel (e.g. 6.1.0-56-amd64), from the metapackage,
# so security updates that bump it are picked up without editing anything.
debian61_kver() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/.*Depends: linux-image-\(6\.1\.0-[0-9]*-amd64\)$/\1/p' | head -n 1
}
