#!/usr/bin/env bash
# bench/run.sh - cellflow performance benchmark against the C reference (../shared/perf-baseline).
#
# Usage (as root, from anywhere):  bench/run.sh
# Knobs (environment):
#   DUR=5          seconds per traffic window (1..60)
#   REPS=3         repetitions of the whole sequence (1..20); every figure is min/median/max over them
#   CELLS="1 100 1000"  cell counts for the monitor start / RSS test ("" skips it)
#   SKIP_BUILD=1   use the existing builds (target/quarkus-app, target/bench/*, bench/jmh/target)
#   SKIP_JMH=1     skip the JMH microbenchmark
#   JMH_OPTS="-f 1 -wi 2 -i 3"  JMH run options
#   LAT_RATE=10000 events/s (new flows/s) of the latency test; LAT_LOW_RATE=1000 a second, light-load one
#   ST_RATE=50000  new flows/s of the paced bpf_stats windows (*_newflow_paced_st): below what both consumers
#                  keep up with, so every packet is an insert plus a record (no full table or ring)
#   LAT_WARMUP=3   seconds of unmeasured traffic at LAT_RATE on the service before its latency tests (0: none)
#   NF_WARMUP=20   seconds of unmeasured new-flow traffic at the generator's max rate (an SSE client counting) on
#                  the service before its first new-flow test, in windows of 5 s each with its own monitor, client,
#                  monitor reads and metric scrapes, so that the new-flow figures measure a warm service (the JIT
#                  compiles the SSE path, the drain and the sightings there); 0: none
#   LAT_OUT=1      the latency client also writes every flow.opened's latency, in arrival order (lat.TEST.REP.txt)
#   JAR=target/quarkus-app/quarkus-run.jar  the service to run (e.g. a copy of another build, for an A/B)
#   PORT=18080     service port (127.0.0.1)
#   SVC_CPU=1      CPU the service and the SSE client are pinned to ("" = not pinned); the generator uses CPU 0
#   CF_OPTS=""     extra -D options for the service (e.g. "-Dcellflow.flows.drain-interval=1s")
#   CF_DRAIN=250ms flow-table drain interval of the traffic tests' service (the reference's newflow --drain-ms 250);
#                  the cells test keeps the service default (5s)
#   CF_RING_KB=4096  ring buffer of the benchmark cell (POST ring_buffer_bytes), the reference's newflow --rb-kb;
#                  the cells test keeps the service default
#   CF_WAKEUP=65536  pending ring bytes that wake the consumer, both sides: the reference's newflow --wakeup-bytes
#                  and the traffic tests' service's cellflow.bpf.wakeup-bytes (the service default, 16384, is a
#                  quarter of its default 64 KiB ring); the cells test keeps the service default
#   CF_TABLE=262144  flow-table entries of the traffic tests' service (cellflow.bpf.flow-table-entries), the
#                  reference's flow map (its max_entries; flowmon runs without --map-entries), and its SSE client
#                  buffer (cellflow.stream.client-buffer: one drain round of that table); the cells test keeps
#                  the service default (16384); "" keeps the default everywhere
#   CF_MAX_OPEN=8000000  open flows a cell keeps (cellflow.flows.max-open) in the traffic tests: every flow of a
#                  window stays open (~700k new flows/s x 5 s), as the reference keeps no flow state to bound;
#                  the service default (1,000,000) would close the oldest early; "" keeps the default
#   ONLY=""       a regex: run only the tests whose name matches (e.g. ONLY='agg_st|newflow_st',
#                  ONLY=cf_latency, ONLY=cells, ONLY=load); "" runs everything
#   PROFILER_LIB=""  path of async-profiler's libasyncProfiler.so: attached (jcmd JVMTI.agent_load) to the service
#                  for the traffic window of every run with an SSE client, after the monitor is up (a signalling
#                  profiler during BPF_PROG_LOAD breaks the load); collapsed stacks in profile.TEST.REP.txt
#   PROFILER_EVENT=cpu  its event (cpu, wall, alloc, ...)
#   OUT=bench/results/<timestamp>
#
# Topology (like the reference's; nothing else is touched, nothing leaves the box):
#   netns cfb-host: cfb-h0 198.18.4.1/30  <-- veth -->  netns cfb-cell: cfb-c0 198.18.4.2/30
#   static neighbours, IPv6 off, nft netdev ingress drop in the cell (after tc/TCX ingress, so the
#   programs see every packet and the cell's stack never answers). Generator in cfb-host on CPU 0;
#   flowmon (reference) or the cellflow service, and the SSE client, on CPU 1.
# Cells test: N namespaces cfb-kI, each with one veth end "eth0" (peers in cfb-kpeer), created and
#   removed in bulk with ip -batch.
#
# A trap removes everything this script created (processes by PID, namespaces, the bpf_stats sysctl),
# also on failure or Ctrl-C. Every traffic source is bounded (generators cap at 60 s, under timeout).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD

DUR=${DUR:-5}
REPS=${REPS:-3}
CELLS=${CELLS-1 100 1000}
SKIP_BUILD=${SKIP_BUILD:-0}
SKIP_JMH=${SKIP_JMH:-0}
JMH_OPTS=${JMH_OPTS:--f 1 -wi 2 -i 3}
LAT_RATE=${LAT_RATE:-10000}
LAT_LOW_RATE=${LAT_LOW_RATE:-1000}
ST_RATE=${ST_RATE:-50000}
LAT_WARMUP=${LAT_WARMUP:-3}
NF_WARMUP=${NF_WARMUP:-20}
PORT=${PORT:-18080}
SVC_CPU=${SVC_CPU-1}
CF_OPTS=${CF_OPTS:-}
CF_RING_KB=${CF_RING_KB:-4096}
CF_TABLE=${CF_TABLE-262144}
CF_WAKEUP=${CF_WAKEUP:-65536}
[[ $CF_WAKEUP =~ ^[0-9]+$ ]] || { echo "CF_WAKEUP must be a number of bytes" >&2; exit 2; }
[[ -z $CF_TABLE || $CF_TABLE =~ ^[0-9]+$ ]] || { echo "CF_TABLE must be a number of entries or empty" >&2; exit 2; }
CF_DRAIN=${CF_DRAIN:-250ms}
CF_MAX_OPEN=${CF_MAX_OPEN-8000000}
[[ -z $CF_MAX_OPEN || $CF_MAX_OPEN =~ ^[0-9]+$ ]] || { echo "CF_MAX_OPEN must be a number of flows or empty" >&2; exit 2; }
[[ $CF_DRAIN =~ ^[0-9]+(ms|s)$ ]] || { echo "CF_DRAIN must look like 250ms or 1s" >&2; exit 2; }
[[ $CF_RING_KB =~ ^[0-9]+$ ]] || { echo "CF_RING_KB must be a number of KiB" >&2; exit 2; }
ONLY=${ONLY:-}
PROFILER_LIB=${PROFILER_LIB:-}
PROFILER_EVENT=${PROFILER_EVENT:-cpu}
[[ -z $PROFILER_LIB || -f $PROFILER_LIB ]] || { echo "PROFILER_LIB: no such file: $PROFILER_LIB" >&2; exit 2; }
[[ $PROFILER_EVENT =~ ^[a-z]+$ ]] || { echo "PROFILER_EVENT must be an async-profiler event name" >&2; exit 2; }
OUT=${OUT:-bench/results/$(date +%Y%m%d-%H%M%S)}

REF_SRC=$ROOT/../shared/perf-baseline
BUILD=$ROOT/target/bench
REF=$BUILD/perf-baseline
FM=$REF/build/flowmon GEN=$REF/build/pbgen PGEN=$BUILD/cfbgen SSEC=$BUILD/sse_client
JAR=${JAR:-$ROOT/target/quarkus-app/quarkus-run.jar}
JMH_JAR=$ROOT/bench/jmh/target/benchmarks.jar
NS_H=cfb-host NS_C=cfb-cell IF_H=cfb-h0 IF_C=cfb-c0 NS_PEER=cfb-kpeer
IP_H=198.18.4.1 IP_C=198.18.4.2
GEN_CPU=0 CON_CPU=1
BASE=http://127.0.0.1:$PORT
SIZE=64 FLOWS=1000

die() { echo "bench/run.sh: $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }
isint() { [[ $1 =~ ^[0-9]+$ ]]; }
want() { [[ -z $ONLY || $1 =~ $ONLY ]]; } # test name -> run it?

# --- step: preflight -------------------------------------------------------
[[ $(id -u) == 0 ]] || die "must run as root (netns, tc, nft, BPF)"
isint "$DUR" && ((DUR >= 1 && DUR <= 60)) || die "DUR must be 1..60 (seconds)"
isint "$REPS" && ((REPS >= 1 && REPS <= 20)) || die "REPS must be 1..20"
isint "$LAT_RATE" && ((LAT_RATE >= 100 && LAT_RATE <= 1000000)) || die "LAT_RATE must be 100..1000000"
isint "$LAT_WARMUP" && ((LAT_WARMUP <= 60)) || die "LAT_WARMUP must be 0..60 (seconds)"
isint "$NF_WARMUP" && ((NF_WARMUP <= 60)) || die "NF_WARMUP must be 0..60 (seconds)"
isint "$LAT_LOW_RATE" && ((LAT_LOW_RATE >= 100 && LAT_LOW_RATE <= 1000000)) || die "LAT_LOW_RATE must be 100..1000000"
isint "$ST_RATE" && ((ST_RATE >= 100 && ST_RATE <= 1000000)) || die "ST_RATE must be 100..1000000"
isint "$PORT" && ((PORT >= 1 && PORT <= 65535)) || die "PORT must be 1..65535"
for n in $CELLS; do isint "$n" && ((n >= 1 && n <= 4000)) || die "CELLS entries must be 1..4000"; done
[[ -z $SVC_CPU ]] || isint "$SVC_CPU" || die "SVC_CPU must be a CPU number or empty"
for c in ip nft bpftool taskset ss sysctl timeout make gcc clang curl java python3; do
	command -v "$c" >/dev/null || die "missing command: $c (scripts/install-deps.sh; apt-get install bpftool nftables)"
done
(($(nproc) >= 2)) || die "needs 2 CPUs (generator on CPU $GEN_CPU, consumer on CPU $CON_CPU)"
[[ -d $REF_SRC ]] || die "reference not found: $REF_SRC (expected ../shared/perf-baseline beside the repo)"
for ns in $NS_H $NS_C $NS_PEER; do
	[[ -e /run/netns/$ns ]] && die "netns $ns already exists (stale run?); remove it with: ip netns del $ns"
done
ls /run/netns/cfb-k[0-9]* >/dev/null 2>&1 && die "stale cfb-k* namespaces exist; remove them: for n in /run/netns/cfb-k*; do ip netns del \${n##*/}; done"
[[ -n $(ss -Hltn "sport = :$PORT") ]] && die "port $PORT is in use; choose another: PORT=18081 $0"

# --- step: build ------------------------------------------------------------
if [[ $SKIP_BUILD != 1 ]]; then
	log "building the reference (copy of $REF_SRC in $REF), cfbgen, cellflow, JMH"
	rm -rf "$REF" && mkdir -p "$BUILD" || die "cannot create $BUILD"
	cp -r "$REF_SRC" "$REF" && rm -rf "$REF/build" "$REF/results" || die "cannot copy the reference"
	make -s -C "$REF" >/dev/null || die "reference build failed"
	gcc -O2 -Wall -Wextra -o "$PGEN" bench/src/cfbgen.c || die "cfbgen build failed"
	gcc -O2 -Wall -Wextra -o "$SSEC" bench/src/sse_client.c -lm || die "sse_client build failed"
	./mvnw -B -q package -DskipTests </dev/null || die "cellflow build failed"
	if [[ $SKIP_JMH != 1 ]]; then
		./mvnw -B -q -f bench/jmh/pom.xml package </dev/null || die "JMH build failed"
	fi
fi
[[ -x $FM && -x $GEN && -x $PGEN && -x $SSEC ]] || die "reference, cfbgen or sse_client binaries missing (drop SKIP_BUILD)"
[[ -f $JAR ]] || die "$JAR missing (drop SKIP_BUILD)"
[[ $SKIP_JMH == 1 || -f $JMH_JAR ]] || die "$JMH_JAR missing (drop SKIP_BUILD)"
mkdir -p "$OUT" || die "cannot create $OUT"
OUT=$(cd "$OUT" && pwd)
RAW=$OUT/raw.txt
: >"$RAW"

# --- step: cleanup, whatever happens ---------------------------------------------
STATS_ORIG=$(sysctl -n kernel.bpf_stats_enabled)
PIDS=()       # every background process this script started
CREATED_NS=() # the fixed namespaces this script created
CELL_NS_MAX=0 # cfb-k1..cfb-kN may exist up to this N
untrack() {
	local p keep=()
	for p in "${PIDS[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
	PIDS=("${keep[@]}")
}
stop_pid() { # pid seconds: TERM, bounded wait, KILL
	local p=$1 i
	kill -0 "$p" 2>/dev/null || return 0
	kill -TERM "$p" 2>/dev/null
	for ((i = 0; i < $2 * 20; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
	kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
	wait "$p" 2>/dev/null
}
cells_del_ns() { # delete cfb-k1..cfb-kN that exist, and the peer namespace, in one ip -batch
	local n=$1 i f
	f=$(mktemp)
	for ((i = 1; i <= n; i++)); do [[ -e /run/netns/cfb-k$i ]] && echo "netns del cfb-k$i"; done >"$f"
	[[ -e /run/netns/$NS_PEER ]] && echo "netns del $NS_PEER" >>"$f"
	[[ -s $f ]] && ip -force -batch "$f" 2>/dev/null
	rm -f "$f"
}
cleanup() {
	local p
	trap '' INT TERM
	for p in "${PIDS[@]}"; do stop_pid "$p" 10; done
	((CELL_NS_MAX > 0)) && cells_del_ns "$CELL_NS_MAX"
	for p in "${CREATED_NS[@]}"; do ip netns del "$p" 2>/dev/null; done
	[[ -n ${BPFFS_MNT:-} ]] && { rm -rf "${BPFFS_MNT:?}"/o; umount "$BPFFS_MNT" 2>/dev/null; rmdir "$BPFFS_MNT"; }
	sysctl -qw kernel.bpf_stats_enabled="$STATS_ORIG" 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- step: topology (as in the reference's run.sh) ---------------------------------
setup() {
	local mac_h mac_c ns
	for ns in $NS_H $NS_C; do
		ip netns add "$ns" || die "ip netns add $ns"
		CREATED_NS+=("$ns")
		ip -n "$ns" link set lo up
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 2>/dev/null || true
	done
	ip link add "$IF_H" netns "$NS_H" type veth peer name "$IF_C" netns "$NS_C" || die "veth"
	ip -n "$NS_H" addr add "$IP_H/30" dev "$IF_H"
	ip -n "$NS_C" addr add "$IP_C/30" dev "$IF_C"
	ip -n "$NS_H" link set "$IF_H" up
	ip -n "$NS_C" link set "$IF_C" up
	mac_h=$(ip netns exec "$NS_H" cat /sys/class/net/$IF_H/address)
	mac_c=$(ip netns exec "$NS_C" cat /sys/class/net/$IF_C/address)
	ip -n "$NS_H" neigh replace "$IP_C" lladdr "$mac_c" dev "$IF_H" nud permanent
	ip -n "$NS_C" neigh replace "$IP_H" lladdr "$mac_h" dev "$IF_C" nud permanent
	ip netns exec "$NS_C" nft -f - <<-EOF || die "nft"
		table netdev cfb {
			chain ingress {
				type filter hook ingress device "$IF_C" priority 0; policy accept;
				ip saddr $IP_H udp dport 10000-60000 drop
			}
		}
	EOF
}

# --- step: helpers -------------------------------------------------------------------
CLK_TCK=$(getconf CLK_TCK)
now_ns() { date +%s%N; }
stats_set() { sysctl -qw kernel.bpf_stats_enabled="$1"; }
proc_ticks() { # utime+stime of a PID in clock ticks
	[[ -n ${1:-} && -r /proc/$1/stat ]] || { echo 0; return; }
	awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"
}
thread_ticks() { # PID -> one line per thread group: "group ticks" (utime+stime), the groups below
	local t
	for t in /proc/"$1"/task/*; do
		[[ -r $t/stat ]] && printf '%s\n' "$(cat "$t/comm" 2>/dev/null)|$(awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "$t/stat" 2>/dev/null)"
	done | awk -F'|' '{
		g = "other"
		if ($1 ~ /^cellflow-poller/) g = "poller"; else if ($1 ~ /^cellflow-drain/) g = "drain"
		else if ($1 ~ /^vert\.x-eventlo/) g = "loop"; else if ($1 ~ /^C[12] Compiler/) g = "jit"
		else if ($1 ~ /^(GC Thread|G1 )/) g = "gc"
		s[g] += $2 } END { for (g in s) print g, s[g] }'
}
thread_cpu() { # "thread_ticks at t0" "thread_ticks at t1" dt_ns -> "cpu_poller_pct=.. cpu_drain_pct=.. ..."
	awk -v a="$1" -v b="$2" -v hz="$CLK_TCK" -v dt="$3" 'BEGIN {
		n = split(a, x, "\n"); for (i = 1; i <= n; i++) { split(x[i], f, " "); t0[f[1]] = f[2] }
		n = split(b, y, "\n"); for (i = 1; i <= n; i++) { split(y[i], f, " "); t1[f[1]] = f[2] }
		split("poller drain loop gc jit other", order, " ")
		for (i = 1; i <= 6; i++) { g = order[i]; printf "%scpu_%s_pct=%.1f", (i > 1 ? " " : ""), g, (t1[g] - t0[g]) / hz / (dt / 1e9) * 100 }
	}'
}
cpu_pct() { # ticks0 ticks1 dt_ns
	awk -v a="$1" -v b="$2" -v hz="$CLK_TCK" -v dt="$3" 'BEGIN { printf "%.1f", (b - a) / hz / (dt / 1e9) * 100 }'
}
TMP_OUT=$OUT/.cmd.tmp
run_fg() { # outfile cmd...: a bounded command in the background, waited for (signals still reach the trap)
	local outf=$1 p; shift
	"$@" >"$outf" 2>&1 &
	p=$!
	PIDS+=("$p")
	wait "$p"
	untrack "$p"
}
gen_fields() { # GEN line of $TMP_OUT -> gen_k=v ...
	local g
	g=$(sed -n 's/^GEN //p' "$TMP_OUT" | sed 's/\([a-z_]*\)=/gen_\1=/g')
	[[ -n $g ]] || { log "generator failed:"; cat "$TMP_OUT" >&2; g="gen_error=1"; }
	echo "$g"
}
field() { # "k=v k2=v2" key -> v
	tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p" | head -1
}
# gen_run: the generator in cfb-host on CPU 0; "pbgen ARGS" or "cfbgen ARGS" (bounded: timeout 75)
gen_run() {
	local which=$1; shift
	local bin=$GEN
	[[ $which == cfbgen ]] && bin=$PGEN
	run_fg "$TMP_OUT" ip netns exec "$NS_H" timeout 75 "$bin" --cpu $GEN_CPU --src "$IP_H" --dst "$IP_C" \
		--size "$SIZE" "$@"
}

# --- step: reference loader ------------------------------------------------------------
FM_PID="" FM_LOG=""
fm_start() {
	local i
	FM_LOG=$(mktemp "$OUT/flowmon.XXXX.log")
	taskset -c $CON_CPU "$FM" --netns "$NS_C" --ifname "$IF_C" --cpu $CON_CPU \
		--max-seconds $((DUR + 90)) "$@" >"$FM_LOG" 2>&1 &
	FM_PID=$!
	PIDS+=("$FM_PID")
	for i in $(seq 1 200); do
		grep -q '^READY' "$FM_LOG" && return 0
		kill -0 "$FM_PID" 2>/dev/null || break
		sleep 0.05
	done
	log "flowmon did not come up:"; cat "$FM_LOG" >&2
	stop_pid "$FM_PID" 2; untrack "$FM_PID"; FM_PID=""
	return 1
}
fm_stop() { # SIGINT, bounded wait; prints the RESULT fields
	local i
	kill -INT "$FM_PID" 2>/dev/null
	for i in $(seq 1 600); do kill -0 "$FM_PID" 2>/dev/null || break; sleep 0.05; done
	stop_pid "$FM_PID" 1; untrack "$FM_PID"; FM_PID=""
	sed -n 's/^RESULT //p' "$FM_LOG" | tail -1 | grep . || echo "error=no_result"
}
# run_ref REP TEST "FLOWMON OPTS" GEN ARGS...
run_ref() {
	local rep=$1 test=$2 fmargs=$3; shift 3
	local st=0 gen res t0 t1 c0 c1
	[[ $test == *_st ]] && st=1
	stats_set $st
	# shellcheck disable=SC2086
	fm_start $fmargs || { stats_set 0; echo "rep=$rep test=$test error=loader" >>"$RAW"; return 1; }
	c0=$(proc_ticks "$FM_PID")
	kill -USR1 "$FM_PID"
	t0=$(now_ns)
	gen_run "$@"
	t1=$(now_ns)
	c1=$(proc_ticks "$FM_PID")
	gen=$(gen_fields)
	res=$(fm_stop)
	stats_set 0
	echo "rep=$rep test=$test $gen cpu_pct_proc=$(cpu_pct "$c0" "$c1" $((t1 - t0))) $res drops=$(field "$res" rb_fail)" >>"$RAW"
}
# run_noprog REP TEST GEN ARGS...
run_noprog() {
	local rep=$1 test=$2; shift 2
	stats_set 0
	gen_run "$@"
	echo "rep=$rep test=$test $(gen_fields)" >>"$RAW"
}

# --- step: the cellflow service ---------------------------------------------------------
SVC_PID="" SVC_LOG=""
svc_start() { # tag [-Doption ...]
	local i jvm=() pin=() tag=$1
	shift
	SVC_LOG=$OUT/service.$tag.log
	if [[ -n $SVC_CPU ]]; then
		pin=(taskset -c "$SVC_CPU")
		# pinned to one CPU, but keep the JVM's 2-CPU ergonomics (GC, pools) of an unpinned service here
		jvm=(-XX:ActiveProcessorCount="$(nproc)")
	fi
	# launched as README "Memory" and scripts/demo.sh launch it (small initial heap, native heap trimmed)
	# shellcheck disable=SC2086
	(ulimit -n "$(ulimit -Hn)" 2>/dev/null; export MALLOC_ARENA_MAX=2
	exec "${pin[@]}" java "${jvm[@]}" -Xms32m -XX:TrimNativeHeapInterval=5000 \
		-Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$PORT" \
		"$@" $CF_OPTS -jar "$JAR") >"$SVC_LOG" 2>&1 &
	SVC_PID=$!
	PIDS+=("$SVC_PID")
	for i in $(seq 1 600); do
		[[ $(curl -s -m 2 -o /dev/null -w '%{http_code}' "$BASE/cells") == 200 ]] && return 0
		kill -0 "$SVC_PID" 2>/dev/null || break
		sleep 0.1
	done
	log "cellflow did not come up; log $SVC_LOG:"; tail -30 "$SVC_LOG" >&2
	exit 1
}
svc_stop() {
	[[ -n $SVC_PID ]] || return 0
	stop_pid "$SVC_PID" 15; untrack "$SVC_PID"; SVC_PID=""
}
cf_post() { # id netns if [ring_bytes] -> "http_code time_total_s"
	local ring=""
	[[ -n ${4:-} ]] && ring=",\"ring_buffer_bytes\":$4"
	curl -s -m 30 -o /dev/null -w '%{http_code} %{time_total}' -X POST -H 'Content-Type: application/json' \
		-d "{\"netns\":\"/run/netns/$2\",\"interface\":\"$3\"$ring}" "$BASE/cells/$1/monitor"
}
cf_delete() { curl -s -m 30 -o /dev/null -w '%{http_code} %{time_total}' -X DELETE "$BASE/cells/$1/monitor"; }
cf_counters() { # id -> "events=.. ring_buffer_losses=.. ..."
	curl -s -m 10 "$BASE/cells/$1/monitor" | python3 -c '
import json, sys
try:
    c = json.load(sys.stdin)["counters"]
    print(" ".join(f"{k}={v}" for k, v in c.items()))
except Exception:
    print("counters_error=1")'
}
cf_drain_metrics() { # -> "entries seconds" drained so far by the service (every cell)
	curl -s -m 10 "$BASE/q/metrics" | awk '/^cellflow_drain_entries_total /{ e = $2 } /^cellflow_drain_table_seconds_total /{ s = $2 }
		END { printf "%s %s", (e == "" ? 0 : e), (s == "" ? 0 : s) }'
}
svc_prog_ids() { # BPF program ids the service holds (prog and link fds), unique
	grep -h '^prog_id:' /proc/"$SVC_PID"/fdinfo/* 2>/dev/null | awk '{ print $2 }' | sort -u | tr '\n' ' '
}
bpf_rt() { # ids... -> "run_time_ns run_cnt" summed
	local id
	for id in "$@"; do bpftool -j prog show id "$id" 2>/dev/null; echo; done | python3 -c '
import json, sys
t = c = 0
for line in sys.stdin:
    line = line.strip()
    if line:
        p = json.loads(line)
        t += p.get("run_time_ns", 0); c += p.get("run_cnt", 0)
print(t, c)'
}

# run_cf REP TEST none|count|latency GEN ARGS...: one monitor on the cell, one window, one raw line
CL_PID="" CL_OUT=""
run_cf() {
	local rep=$1 test=$2 mode=$3; shift 3
	local st=0 id=b-$test-$rep post t0 t1 c0 c1 gen ids="" rt0 rt1 ns="" cl="" ctr prev cur i ev secs drops
	[[ $test == *_st ]] && st=1
	# the benchmark cell gets the reference's ring size (its newflow runs use --rb-kb $CF_RING_KB too)
	post=$(cf_post "$id" "$NS_C" "$IF_C" $((CF_RING_KB * 1024)))
	[[ ${post%% *} == 201 ]] || { log "$test: POST monitor -> $post"; echo "rep=$rep test=$test error=post" >>"$RAW"; return 1; }
	if [[ $mode != none ]]; then
		CL_OUT=$OUT/client.$test.$rep.txt
		local clpin=()
		[[ -n $SVC_CPU ]] && clpin=(taskset -c "$SVC_CPU")
		"${clpin[@]}" timeout $((DUR + 60)) "$SSEC" --url "$BASE/cells/$id/flows" \
			--mode "$mode" --max-seconds $((DUR + 50)) ${LAT_OUT:+--out $OUT/lat.$test.$rep.txt} >"$CL_OUT" 2>&1 &
		CL_PID=$!
		PIDS+=("$CL_PID")
		for i in $(seq 1 100); do grep -q READY "$CL_OUT" && break; sleep 0.05; done
		grep -q READY "$CL_OUT" || log "$test: SSE client not ready: $(cat "$CL_OUT")"
	fi
	if ((st)); then
		stats_set 1
		# shellcheck disable=SC2046
		ids=$(svc_prog_ids)
		# shellcheck disable=SC2086
		rt0=$(bpf_rt $ids)
	fi
	local dr0 dr1
	dr0=$(cf_drain_metrics)
	local clp="" cc0=0 cc1 clcpu=""
	# the client runs under timeout(1): its CPU is the child's
	[[ -n $CL_PID ]] && clp=$(cat "/proc/$CL_PID/task/$CL_PID/children" 2>/dev/null) && clp=${clp%% *}
	[[ -n $clp ]] && cc0=$(proc_ticks "$clp")
	local prof=""
	if [[ -n $PROFILER_LIB && -n $CL_PID ]]; then
		prof=$OUT/profile.$test.$rep.txt
		# quoted: jcmd would take "start,event=cpu" for a key=value argument of its own
		timeout 30 jcmd "$SVC_PID" JVMTI.agent_load "$PROFILER_LIB" "\"start,event=$PROFILER_EVENT,interval=1ms,threads\"" \
			2>&1 | grep -q ERROR && { log "$test: profiler did not start"; prof=""; }
	fi
	local th0 th1 rest=""
	# a warm-up window also serves what the service meets between measured windows (monitor reads, a metrics
	# scrape) while the stream runs: without that, the first such request after it takes branches the JIT compiled
	# out of the shared Netty write path, and the recompiles (~1 s of C2 each) land in the next measured window
	if [[ $test == *_warmup* ]]; then
		(for ((i = 0; i < 4 * (DUR + NF_WARMUP + LAT_WARMUP); i++)); do
			curl -s -m 2 -o /dev/null "$BASE/cells/$id/monitor"; curl -s -m 2 -o /dev/null "$BASE/q/metrics"
			curl -s -m 2 -o /dev/null "$BASE/cells"; sleep 0.25
		done) &
		rest=$!
		PIDS+=("$rest")
	fi
	th0=$(thread_ticks "$SVC_PID")
	c0=$(proc_ticks "$SVC_PID")
	t0=$(now_ns)
	gen_run "$@"
	t1=$(now_ns)
	if [[ -n $rest ]]; then stop_pid "$rest" 2; untrack "$rest"; fi
	c1=$(proc_ticks "$SVC_PID")
	th1=$(thread_ticks "$SVC_PID")
	[[ -n $prof ]] && timeout 30 jcmd "$SVC_PID" JVMTI.agent_load "$PROFILER_LIB" "\"stop,collapsed,file=$prof\"" >/dev/null 2>&1
	[[ -n $clp ]] && cc1=$(proc_ticks "$clp") && clcpu=" client_cpu_pct=$(cpu_pct "$cc0" "$cc1" $((t1 - t0)))"
	if ((st)); then
		# shellcheck disable=SC2086
		rt1=$(bpf_rt $ids)
		ns=$(awk -v a="$rt0" -v b="$rt1" 'BEGIN { split(a, x, " "); split(b, y, " ");
			r = y[2] - x[2]; printf "bpf_runs=%d bpf_ns_per_run=%.1f", r, (r > 0 ? (y[1] - x[1]) / r : 0) }')
		ns="$ns prog_ids=$(tr ' ' ',' <<<"${ids% }")"
	fi
	stats_set 0
	gen=$(gen_fields)
	if [[ -n $CL_PID ]]; then
		# let the service deliver what it has: events counter stable for 2 polls, at most 20 s
		prev=-1
		for i in $(seq 1 100); do
			cur=$(curl -s -m 5 "$BASE/cells/$id/monitor" | sed -n 's/.*"events":\([0-9]*\).*/\1/p')
			[[ $cur == "$prev" ]] && break
			prev=$cur
			sleep 0.2
		done
		sleep 1
		stop_pid "$CL_PID" 10; untrack "$CL_PID"; CL_PID=""
		cl=$(sed -n 's/^CLIENT //p' "$CL_OUT" | sed 's/\([a-z_0-9]*\)=/client_\1=/g')
		[[ -n $cl ]] || { log "$test: no CLIENT line: $(tail -3 "$CL_OUT")"; cl="client_error=1"; }
	fi
	ctr=$(cf_counters "$id")
	dr1=$(cf_drain_metrics)
	cf_delete "$id" >/dev/null
	# drops: records the kernel could not reserve + packets of flows a full flow table refused + events the
	# service dropped for this client + events published but never received (still queued when the client
	# stopped). The client's "missed" adds up every lost notice, the kernel's two causes included: only what it
	# counted beyond those is the service's
	local rbl ftf slow missed evs und=0 extra=""
	rbl=$(field "$ctr" ring_buffer_losses); ftf=$(field "$ctr" flow_table_full_packets)
	slow=$(field "$ctr" slow_client_drops); evs=$(field "$ctr" events)
	drops=$((${rbl:-0} + ${ftf:-0}))
	if [[ -n $cl ]]; then
		ev=$(field "$cl" client_events); op=$(field "$cl" client_opened); missed=$(field "$cl" client_missed)
		secs=$(field "$gen" gen_secs)
		missed=$((${missed:-0} - ${rbl:-0} - ${ftf:-0}))
		((missed > ${slow:-0})) && slow=$missed
		und=$((${evs:-0} - ${ev:-0} - ${slow:-0}))
		((und < 0)) && und=0
		drops=$((drops + ${slow:-0} + und))
		extra=" undelivered=$und$(awk -v e="${ev:-0}" -v o="${op:-0}" -v s="${secs:-0}" 'BEGIN {
			printf " ev_per_s=%.0f opened_per_s=%.0f", (s > 0 ? e / s : 0), (s > 0 ? o / s : 0) }')"
	fi
	extra="$extra $(awk -v a="$dr0" -v b="$dr1" 'BEGIN { split(a, x, " "); split(b, y, " "); n = y[1] - x[1];
		printf "drained=%d drain_us_per_1k=%s", n, (n > 0 ? sprintf("%.1f", (y[2] - x[2]) * 1e9 / n) : "") }')"
	echo "rep=$rep test=$test $gen cpu_pct=$(cpu_pct "$c0" "$c1" $((t1 - t0)))$clcpu $(thread_cpu "$th0" "$th1" $((t1 - t0))) $ns $ctr $cl drops=$drops$extra" >>"$RAW"
}
last_field() { # test key -> value from the last raw line of that test
	grep " test=$1 " "$RAW" | tail -1 | tr ' ' '\n' | sed -n "s/^$2=//p" | head -1
}

# zero_drop REP NAME MAXTEST RUNNER CPUKEY: the highest new-flow rate delivered with 0 drops. The max-rate run
# counts if it had none; otherwise paced runs at max/2, max/4, ... (down to 500/s) until one has no drops, then
# two runs to narrow it between that rate and the failing one above (x1.5, then x1.25 or x1.75). Reported: events/s delivered and consumer CPU of the best passing run.
zero_drop() {
	local rep=$1 name=$2 maxtest=$3 runner=$4 cpukey=$5 drops pps rate t k best=""
	drops=$(last_field "$maxtest" drops); pps=$(last_field "$maxtest" gen_pps)
	if [[ $drops == 0 ]]; then
		echo "rep=$rep test=$name from=$maxtest rate=max ev_per_s=$(last_field "$maxtest" ev_per_s) opened_per_s=$(last_field "$maxtest" opened_per_s) cpu=$(last_field "$maxtest" "$cpukey") drops=0" >>"$RAW"
		return
	fi
	rate=${pps%.*}
	for k in 1 2 3 4 5 6 7 8; do
		rate=$((rate / 2))
		((rate >= 500)) || break
		t=${name}_$rate
		log "  $name: $maxtest had $drops drops; paced at $rate/s"
		$runner "$rep" "$t" "$rate"
		drops=$(last_field "$t" drops)
		if [[ $drops == 0 ]]; then best=$t; break; fi
	done
	if [[ -n $best ]]; then # the run before (or the max-rate run) at twice this rate had drops: three halvings
		local lo=$rate step=$((rate / 2)) try
		for k in 1 2 3; do
			try=$((lo + step))
			t=${name}_$try
			log "  $name: narrowing: paced at $try/s"
			$runner "$rep" "$t" "$try"
			if [[ $(last_field "$t" drops) == 0 ]]; then best=$t; lo=$try; fi
			step=$((step / 2))
		done
	fi
	if [[ -n $best ]]; then
		echo "rep=$rep test=$name from=$best rate=$(last_field "$best" gen_rate) ev_per_s=$(last_field "$best" ev_per_s) opened_per_s=$(last_field "$best" opened_per_s) cpu=$(last_field "$best" "$cpukey") drops=0" >>"$RAW"
	else
		echo "rep=$rep test=$name from=none ev_per_s=0 drops=$drops" >>"$RAW"
	fi
}
WB="--wakeup-bytes $CF_WAKEUP --poll-ms 10"
NF_REF="--mode agg --rb-kb $CF_RING_KB --drain-ms 250 $WB"
ref_paced() { run_ref "$1" "$2" "$NF_REF" cfbgen --flows 0 --rate "$3" --duration "$DUR"; }
cf_paced() { run_cf "$1" "$2" count cfbgen --flows 0 --rate "$3" --duration "$DUR"; }

# --- step: BPF object load time (what every monitor start pays at least), both objects, bpftool loadall ---
BPFFS_MNT="" # a bpffs of our own (the host's /sys/fs/bpf may not be mounted), unmounted by cleanup
load_times() { # rep: 5 loads of each object (maps sized as the object declares them), median ms
	local rep=$1 obj name i t0 t1 v
	if [[ -z $BPFFS_MNT ]]; then
		BPFFS_MNT=$(mktemp -d /tmp/cfb-bpffs.XXXXXX) || return 0
		mount -t bpf bpf "$BPFFS_MNT" || { log "load: cannot mount a bpffs"; rmdir "$BPFFS_MNT"; BPFFS_MNT=""; return 0; }
	fi
	local BPFFS_DIR=$BPFFS_MNT/o
	for name in cf ref; do
		obj=$ROOT/target/classes/bpf/cellflow.bpf.o
		[[ $name == ref ]] && obj=$REF/build/flow.bpf.o
		v=()
		for i in 1 2 3 4 5; do
			mkdir -p "$BPFFS_DIR" || return 0
			t0=$(now_ns)
			bpftool prog loadall "$obj" "$BPFFS_DIR" type tc >/dev/null 2>&1 || { rm -rf "$BPFFS_DIR"; continue; }
			t1=$(now_ns)
			rm -rf "$BPFFS_DIR"
			v+=($(((t1 - t0) / 1000)))
		done
		((${#v[@]})) || continue
		echo "rep=$rep test=${name}_load load_ms=$(printf '%s\n' "${v[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "%.1f", a[int((NR + 1) / 2)] / 1000 }')" >>"$RAW"
	done
}

# --- step: cells --------------------------------------------------------------------------
# cells_test REP N: fresh service, warm-up, N namespaces + veth in bulk, N POSTs timed one by one, RSS and
# threads, N DELETEs, namespaces removed in bulk.
cells_test() {
	local rep=$1 n=$2 f i r t0 t1 t2 first rss0 rss rss1 rss_split pollers threads ok dok create_s delete_s lat
	svc_start "cells$n.rep$rep"
	first=$(cf_post warm "$NS_C" "$IF_C"); cf_delete warm >/dev/null
	for i in 1 2 3 4 5; do cf_post warm "$NS_C" "$IF_C" >/dev/null; cf_delete warm >/dev/null; done
	sleep 1
	rss0=$(awk '/^VmRSS/ { print $2 }' /proc/"$SVC_PID"/status)
	f=$(mktemp)
	{
		echo "netns add $NS_PEER"
		for ((i = 1; i <= n; i++)); do echo "netns add cfb-k$i"; done
		for ((i = 1; i <= n; i++)); do echo "link add eth0 netns cfb-k$i type veth peer name k$i netns $NS_PEER"; done
	} >"$f"
	((n > CELL_NS_MAX)) && CELL_NS_MAX=$n
	t0=$(now_ns)
	ip -batch "$f" >/dev/null 2>"$OUT/cells-ipbatch.err" || { log "ip -batch failed: $(head -3 "$OUT/cells-ipbatch.err")"; }
	t1=$(now_ns)
	create_s=$(awk -v d=$((t1 - t0)) 'BEGIN { printf "%.2f", d / 1e9 }')
	lat=$OUT/cells$n.rep$rep.start.txt
	: >"$lat"
	for ((i = 1; i <= n; i++)); do cf_post "k$i" "cfb-k$i" eth0 >>"$lat"; echo >>"$lat"; done
	ok=$(grep -c '^201 ' "$lat")
	rss=$(awk '/^VmRSS/ { print $2 }' /proc/"$SVC_PID"/status)
	# RSS split: anonymous (Java heap, native malloc) vs shared/file pages (the mmap'd ring buffers: the kernel
	# maps every ring page, data area twice, at mmap time)
	rss_split=$(awk '/^RssAnon/ { a = $2 } /^RssFile/ { f = $2 } /^RssShmem/ { s = $2 }
		END { printf "rss_anon_mb=%d rss_file_shmem_mb=%d", a / 1024, (f + s) / 1024 }' /proc/"$SVC_PID"/status)
	threads=$(ls /proc/"$SVC_PID"/task | wc -l)
	pollers=$(cat /proc/"$SVC_PID"/task/*/comm 2>/dev/null | grep -c '^cellflow-poller')
	t1=$(now_ns)
	dok=0
	for ((i = 1; i <= n; i++)); do r=$(cf_delete "k$i"); [[ ${r%% *} == 204 ]] && dok=$((dok + 1)); done
	t2=$(now_ns)
	delete_s=$(awk -v d=$((t2 - t1)) 'BEGIN { printf "%.2f", d / 1e9 }')
	rss1=$(awk '/^VmRSS/ { print $2 }' /proc/"$SVC_PID"/status)
	svc_stop
	t1=$(now_ns)
	cells_del_ns "$n"
	t2=$(now_ns)
	echo "rep=$rep test=cells$n n=$n ok=$ok del_ok=$dok $(python3 - "$lat" <<-'EOF'
		import sys
		v = sorted(float(l.split()[1]) * 1000 for l in open(sys.argv[1]) if l.startswith("201 "))
		p = lambda q: v[min(len(v) - 1, int(round(q * (len(v) - 1))))] if v else 0
		print(f"start_p50_ms={p(0.5):.2f} start_p99_ms={p(0.99):.2f} start_max_ms={(v[-1] if v else 0):.2f}")
	EOF
	) first_start_ms=$(awk -v s="${first#* }" 'BEGIN { printf "%.1f", s * 1000 }') rss_idle_mb=$((rss0 / 1024)) rss_mb=$((rss / 1024)) $rss_split rss_after_delete_mb=$((rss1 / 1024)) pollers=$pollers threads=$threads create_ns_s=$create_s delete_all_s=$delete_s del_ns_s=$(awk -v d=$((t2 - t1)) 'BEGIN { printf "%.2f", d / 1e9 }')" >>"$RAW"
	rm -f "$f"
}

# --- step: the tests ----------------------------------------------------------------------
setup
log "topology up: $NS_H/$IF_H $IP_H <-> $NS_C/$IF_C $IP_C; DUR=${DUR}s REPS=$REPS CELLS='$CELLS' OUT=$OUT"
for rep in $(seq 1 "$REPS"); do
	log "rep $rep/$REPS: throughput, bpf_stats, new flows, latency"
	# the traffic tests' cell gets the reference's flow-table size, as it gets its ring
	# and a client buffer that holds one drain round of that table (a round publishes up to one flow.updated per
	# entry; the service default, 16384, is its default table's size); the reference's wakeup threshold, and its ring
	# as the service's own size too (a threshold must be below the ring of every object the service preloads)
	svc_start "rep$rep" -Dcellflow.flows.drain-interval="$CF_DRAIN" \
		-Dcellflow.bpf.ring-buffer-bytes=$((CF_RING_KB * 1024)) -Dcellflow.bpf.wakeup-bytes="$CF_WAKEUP" \
		${CF_TABLE:+-Dcellflow.bpf.flow-table-entries=$CF_TABLE -Dcellflow.stream.client-buffer=$CF_TABLE} \
		${CF_MAX_OPEN:+-Dcellflow.flows.max-open=$CF_MAX_OPEN}
	want udp_noprog && run_noprog "$rep" udp_noprog                               pbgen --flows $FLOWS --duration "$DUR"
	want ref_agg && run_ref "$rep" ref_agg          "--mode agg"               pbgen --flows $FLOWS --duration "$DUR"
	want cf_agg && run_cf "$rep" cf_agg           none                       pbgen --flows $FLOWS --duration "$DUR"
	want ref_agg_st && run_ref "$rep" ref_agg_st       "--mode agg"               pbgen --flows $FLOWS --duration "$DUR"
	want cf_agg_st && run_cf "$rep" cf_agg_st        none                       pbgen --flows $FLOWS --duration "$DUR"
	want ref_newflow_wb && run_ref "$rep" ref_newflow_wb   "$NF_REF"                  pbgen --flows 0 --duration "$DUR"
	want ref_newflow_wb_st && run_ref "$rep" ref_newflow_wb_st "$NF_REF"                 pbgen --flows 0 --duration "$DUR"
	# a JVM in service is warm: on a fresh one the JIT's compiler threads take ~30 % of the service's CPU during the
	# first new-flow window, and that, not the data path, decides its drops (README "Performance")
	# in windows of its own, each a monitor start, a client, traffic, a stop like a measured window: a new
	# connection's first writes take branches a long stream does not, and the JIT's recompiles (~1 s of C2 each)
	# for them then came in the first measured windows
	if ((NF_WARMUP > 0)) && { want cf_newflow || want cf_newflow_st || want cf_zero_drop; }; then
		for ((w = 1; w <= (NF_WARMUP + 4) / 5; w++)); do
			run_cf "$rep" cf_newflow_warmup$w count pbgen --flows 0 --duration $((NF_WARMUP < 5 ? NF_WARMUP : 5))
		done
	fi
	want cf_newflow && run_cf "$rep" cf_newflow       count                      pbgen --flows 0 --duration "$DUR"
	want cf_newflow_st && run_cf "$rep" cf_newflow_st    count                      pbgen --flows 0 --duration "$DUR"
	want ref_newflow_paced_st && run_ref "$rep" ref_newflow_paced_st "$NF_REF"         cfbgen --flows 0 --rate "$ST_RATE" --duration "$DUR"
	want cf_newflow_paced_st && run_cf "$rep" cf_newflow_paced_st count                cfbgen --flows 0 --rate "$ST_RATE" --duration "$DUR"
	want ref_zero_drop && zero_drop "$rep" ref_zero_drop ref_newflow_wb ref_paced cpu_pct
	want cf_zero_drop && zero_drop "$rep" cf_zero_drop cf_newflow cf_paced cpu_pct
	# the latency tests measure a warm service, as after the tests above in a full run: on a fresh one (ONLY=) the
	# JIT compiles on the service's CPU during the first seconds and that, not the data path, makes the tail
	if ((LAT_WARMUP > 0)) && { want cf_latency || want cf_latency_low; }; then
		run_cf "$rep" cf_latency_warmup count cfbgen --flows 0 --rate "$LAT_RATE" --duration "$LAT_WARMUP"
	fi
	want cf_latency && run_cf "$rep" cf_latency       latency                    cfbgen --flows 0 --rate "$LAT_RATE" --duration "$DUR"
	want cf_latency_low && run_cf "$rep" cf_latency_low   latency                    cfbgen --flows 0 --rate "$LAT_LOW_RATE" --duration "$DUR"
	svc_stop
	want load && load_times "$rep"
	for n in $CELLS; do
		log "rep $rep/$REPS: $n cells"
		want cells && cells_test "$rep" "$n"
	done
done

if [[ $SKIP_JMH != 1 ]]; then
	log "JMH: reader + decoder ($JMH_OPTS -prof gc)"
	# shellcheck disable=SC2086
	run_fg "$OUT/jmh.txt" timeout 900 java -jar "$JMH_JAR" $JMH_OPTS -prof gc -rf json -rff "$OUT/jmh.json" \
		RingBufferReaderBench
	grep -E '^(Benchmark|RingBufferReaderBench)' "$OUT/jmh.txt" >&2
fi

# --- step: report ------------------------------------------------------------------------------
{
	echo "cellflow benchmark: $(date -Iseconds), kernel $(uname -r), $(nproc) CPUs, DUR=${DUR}s, REPS=$REPS," \
		"CELLS='$CELLS', UDP payload ${SIZE}B, FLOWS=$FLOWS, LAT_RATE=$LAT_RATE/s, LAT_LOW_RATE=$LAT_LOW_RATE/s, ST_RATE=$ST_RATE/s, service pinned to CPU '${SVC_CPU}'," \
		"CF_DRAIN=$CF_DRAIN, CF_RING_KB=$CF_RING_KB, CF_WAKEUP=$CF_WAKEUP, CF_TABLE=$CF_TABLE, CF_MAX_OPEN=$CF_MAX_OPEN, CF_OPTS='$CF_OPTS', commit $(git rev-parse --short HEAD 2>/dev/null)"
	echo
	python3 "$ROOT/bench/summarize.py" "$RAW" "$OUT/jmh.json"
} >"$OUT/summary.md"
cat "$OUT/summary.md"
log "saved $OUT/summary.md, raw.txt, service/flowmon/client logs, jmh.txt"
