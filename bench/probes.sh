#!/usr/bin/env bash
# make bench, the access probes' part (not a test): what the probes cost an open / read 4 KiB / close loop
# (bench/src/probe-loop.c) on footage and on other files, per tier, and how many footage sessions a second
# the agent keeps up with. Measures the kernel it runs on: bench/run.sh runs it natively ("host"),
# bench/guest-probes-job.sh in the Debian 6.1 guest ("guest"). Writes one TSV row per tier and repetition
# (medians and ratios are run.sh's job), after "#" lines saying the conditions.
#
# usage: probes.sh host|guest OUT.tsv
# Environment: BENCH_PROBE_SECONDS (each loop run, default 2), BENCH_PROBE_REPS (default 5),
# BENCH_PROBE_TIERS (the tiers to measure instead of the list below), BENCH_PROBE_OUTPUT (what the agent,
# camvault trace, writes: text, the default, json or binary).
set -euo pipefail
. "$(dirname "$0")/../tests/scripts/lib.sh"

# The tiers measured ("auto": trace without --tier, the best the kernel allows). The host kernel allows only
# syscall tracepoints (no fentry/LSM, no kprobes); the Debian 6.1 guest allows every tier. "floor-TIER": no
# agent, do-nothing programs on the hooks TIER runs for the loop (bench/src/hook-floor.bpf.c), what the
# kernel's hooks cost before any probe does any work; floor-minimal: the open and last-close LSM hooks alone,
# the least any record of sessions needs; floor-record: the LSM hooks of the open, the read's count and the
# last close, the open writing a record with the file's path, the least a record of footage costs.
declare -A tier_list=([host]="tracepoint floor-tracepoint"
	[guest]="lsm fentry kprobe tracepoint floor-lsm floor-fentry floor-kprobe floor-tracepoint floor-minimal floor-record")

[ $# -eq 2 ] && [ -n "${tier_list[$1]:-}" ] || die "usage: $0 host|guest OUT.tsv"
where=$1 out=$2
seconds=${BENCH_PROBE_SECONDS:-2} reps=${BENCH_PROBE_REPS:-5} output=${BENCH_PROBE_OUTPUT:-text}
case $output in
text) output_opt= ;;
json | binary) output_opt="--format $output" ;;
*) die "BENCH_PROBE_OUTPUT=$output: text, json or binary" ;;
esac
files=64 cpus=$(nproc)
cv=$TOP/agent/camvault loop=$TOP/bench/build/probe-loop floor=$TOP/bench/build/hook-floor
[ -x "$cv" ] && [ -x "$loop" ] && [ -x "$floor" ] || die "build first: make agent && make -C bench"
[ "$(id -u)" -eq 0 ] || die "needs root (the probes)"
[ -d /sys/kernel/tracing/events ] || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null || true

# Footage and other files each on a tmpfs of their own, so that the watch is the only difference. An empty
# registry: the agent watches the footage tmpfs and nothing else (not the host's vaults, not cameras).
work=$(mktemp -d /run/camvault-bench.XXXXXX)
agent=
cleanup() {
	if [ -n "$agent" ]; then kill "$agent" 2>/dev/null || true; wait "$agent" 2>/dev/null || true; fi
	umount "$work/footage" "$work/other" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/footage" "$work/other" "$work/etc"
for d in footage other; do
	mount -t tmpfs -o size=16m camvault-bench "$work/$d"
	"$loop" -c -n $files "$work/$d"
done

# run DIR [JOBS]: "ITERATIONS SECONDS PER_SECOND CPU_NS" of one loop run (CPU_NS: the loop's own CPU time per
# iteration, the probes' work in its context included, the agent's not).
run() { "$loop" -n $files -s "$seconds" -j "${2:-1}" "$work/$1"; }

# both off|on: one run of the loop on other files and one on footage; sets rate[DIR-off|on] (per second),
# n[DIR-off|on] (iterations) and cpu[DIR-off|on] (ns per iteration). Which goes first alternates with $rep,
# so that neither gains from its place.
declare -A rate n cpu
both() {
	local order="other footage" d
	[ $((rep % 2)) -eq 1 ] || order="footage other"
	for d in $order; do read -r "n[$d-$1]" _ "rate[$d-$1]" "cpu[$d-$1]" < <(run $d); done
}

# start_agent TIER: the agent in the background ($agent), ready, its load time in $load; else returns 1 with
# the reason in $why. For floor-TIER, hook-floor in its place.
start_agent() {
	local t0
	t0=$(date +%s.%N)
	: > "$work/agent.err"
	case $1 in
	floor-*) "$floor" "$TOP/bench/build/hook-floor.bpf.o" "${1#floor-}" "$work/footage" \
		2> "$work/agent.err" & ;;
	*) CAMVAULT_ETC=$work/etc "$cv" trace --fs "$work/footage" --no-cameras $output_opt \
		${1:+--tier "$1"} > /dev/null 2> "$work/agent.err" & ;;
	esac
	agent=$!
	# Loading takes 0.2 s natively and longer under TCG (the verifier runs emulated): wait up to 300 s.
	for _ in $(seq 6000); do
		if grep -q '^trace: ready\|^hook-floor: ready' "$work/agent.err"; then
			load=$(printf '%.2f' "$(echo "$(date +%s.%N) - $t0" | bc)")
			# The tool's own error lines start with "camvault"; any of them means the tier is not right.
			grep -q '^camvault' "$work/agent.err" || return 0
			break
		fi
		kill -0 "$agent" 2>/dev/null || break
		sleep 0.05
	done
	kill "$agent" 2>/dev/null || true
	wait "$agent" 2>/dev/null || true
	agent=
	why=$(grep -m1 '^camvault\|^hook-floor' "$work/agent.err" || grep -m1 -v '^trace:' "$work/agent.err" ||
		echo "not ready after 300 s")
	return 1
}

# stop_agent TIER: stops it with SIGINT, as a user would. Sets $stats to "RECORDS LOST_RECORDS LOST_SESSIONS
# VMHWM VMRSS": what it printed, lost in the ring buffer, lost for a full session table; its peak and current
# RSS in KiB. (Not a subshell: only this shell can wait for the agent.) hook-floor's (TIER floor-*): "-", but
# for the record set's records and records lost.
stop_agent() {
	local rc=0 line mem
	mem=$(awk '$1 == "VmHWM:" { h = $2 } $1 == "VmRSS:" { r = $2 } END { print h, r }' "/proc/$agent/status")
	kill -INT "$agent"
	wait "$agent" || rc=$?
	agent=
	if [ "${1#floor-}" != "$1" ]; then
		[ $rc -eq 0 ] || die "hook-floor failed (exit $rc): $(cat "$work/agent.err")"
		stats="- - - - -"
		line=$(grep -m1 '^hook-floor: [0-9]* records taken' "$work/agent.err" || true)
		[ -z "$line" ] || stats="$(sed 's/^hook-floor: \([0-9]*\) records taken, \([0-9]*\) did.*/\1 \2 0/' \
			<<< "$line") - -"
		return
	fi
	# "trace: N records; lost: A records (ring buffer full), B sessions (table full)"
	line=$(grep -m1 '^trace: [0-9]* records; lost:' "$work/agent.err" || true)
	[ $rc -eq 0 ] && [ -n "$line" ] || die "the agent failed (exit $rc): $(cat "$work/agent.err")"
	stats="$(sed 's/^trace: \([0-9]*\) records; lost: \([0-9]*\) records.*, \([0-9]*\) sessions.*/\1 \2 \3/' \
		<<< "$line") $mem"
}

# The columns: per repetition, the agent's load time; loop rates (per second) on other files and footage,
# probes off and on, and what the agent printed and lost of the footage sessions (one process looping); the
# same for footage with one process per CPU; the agent's peak and last RSS (KiB); the loop's CPU time per
# iteration (ns) on other files and footage, off and on; why a tier did not start.
cols=(tier got rep load_s other_off other_on footage_off footage_on sessions records lost_records
	lost_sessions jobs multi_off multi_on multi_sessions multi_records multi_lost_records multi_lost_sessions
	hwm_kib rss_kib other_off_ns other_on_ns footage_off_ns footage_on_ns error)
{
	echo "# where: $where; kernel $(uname -r); $cpus CPUs;" \
		"load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "# loop: open(O_RDONLY), read 4096 bytes, close, over $files files of 4 KiB on tmpfs;" \
		"$seconds s per run; $reps repetitions; the agent writes $output to /dev/null"
	(IFS=$'\t'; echo "${cols[*]}")
} > "$out"

# Caches and CPU frequency settle before the first measurement.
run other > /dev/null
run footage > /dev/null
for tier in ${BENCH_PROBE_TIERS:-${tier_list[$where]}}; do
	opt=$tier
	[ "$tier" = auto ] && opt=
	for rep in $(seq "$reps"); do
		both off
		read -r _ _ multi_off _ < <(run footage "$cpus")
		# One agent for the loops of one process: a CPU is left for it. The other files give no records,
		# so what it lost, it lost from the footage loop.
		if ! start_agent "$opt"; then
			say "probes, $where, tier $tier: not available: $why"
			# The row of a tier that did not start: its name, the repetition, the reason as the last column.
			{
				printf '%s\t\t%s' "$tier" "$rep"
				printf '\t%.0s' $(seq $((${#cols[@]} - 3)))
				printf 'not available: %s\n' "$why"
			} >> "$out"
			break
		fi
		got=$(sed -n 's/^trace: probes at the \([^ ]*\) tier.*/\1/p; s/^hook-floor: ready, .* at the \([^ ]*\) tier.*/floor-\1/p' \
			"$work/agent.err")
		both on
		stop_agent "$tier"
		read -r records lost_r lost_s hwm rss <<< "$stats"
		# Another for one loop per CPU: the agent competes with them for the CPUs.
		start_agent "$opt" || die "the agent started once but not again: $why"
		read -r multi_sessions _ multi_on _ < <(run footage "$cpus")
		stop_agent "$tier"
		read -r multi_records multi_lost_r multi_lost_s hwm2 rss2 <<< "$stats"
		if [ "$hwm" != - ]; then
			[ "$hwm2" -le "$hwm" ] || hwm=$hwm2
			[ "$rss2" -le "$rss" ] || rss=$rss2
		fi
		printf '%s\t' "$tier" "$got" "$rep" "$load" "${rate[other-off]}" "${rate[other-on]}" \
			"${rate[footage-off]}" "${rate[footage-on]}" "${n[footage-on]}" "$records" "$lost_r" "$lost_s" \
			"$cpus" "$multi_off" "$multi_on" "$multi_sessions" "$multi_records" "$multi_lost_r" "$multi_lost_s" \
			"$hwm" "$rss" "${cpu[other-off]}" "${cpu[other-on]}" "${cpu[footage-off]}" "${cpu[footage-on]}" >> "$out"
		echo >> "$out"
		say "probes, $where, tier $tier ($got), rep $rep: other files ${rate[other-off]} -> ${rate[other-on]}/s" \
			"(${cpu[other-off]} -> ${cpu[other-on]} ns CPU)," \
			"footage ${rate[footage-off]} -> ${rate[footage-on]}/s (${cpu[footage-off]} -> ${cpu[footage-on]} ns CPU," \
			"lost $lost_r+$lost_s)," \
			"$cpus processes $multi_off -> $multi_on/s (lost $multi_lost_r+$multi_lost_s), VmHWM $hwm KiB"
	done
done
echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out"
