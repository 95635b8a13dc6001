#!/usr/bin/env bash
# Memory at N monitored cells: for each N in CELLS, a fresh service (JVM flags as bench/run.sh's cells test),
# warm-up starts, N namespaces cfr-kI with one veth each (one ip -batch), N POSTs one after another (curl
# time_total), then VmRSS and its split, the ring-buffer mappings, threads named cellflow-poller; N DELETEs
# and the namespaces removed with one ip -batch. A trap removes everything it created, also on failure.
#
#   sudo bench/cells_rss.sh                       # CELLS="1 100 1000"
#   CELLS=1000 DETAIL=1 bench/cells_rss.sh        # + NMT summary and a class histogram at each N
#   CF_OPTS=-Dcellflow.bpf.ring-buffer-bytes=65536 bench/cells_rss.sh
#
# Needs root, curl, python3, ip. DETAIL=1 adds -XX:NativeMemoryTracking=summary (costs memory itself).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CELLS=${CELLS:-1 100 1000}
PORT=${PORT:-18400}
SVC_CPU=${SVC_CPU-1}
CF_OPTS=${CF_OPTS:-}
BODY_EXTRA=${BODY_EXTRA:-} # e.g. ',"ring_buffer_bytes":65536' appended to every start body
DETAIL=${DETAIL:-0}
PREFIX=cfr-k
PEER=${PREFIX}peer
JAR=${JAR:-$ROOT/target/quarkus-app/quarkus-run.jar}
BASE=http://127.0.0.1:$PORT
OUT=${OUT:-$ROOT/target/cells-rss/$(date +%Y%m%d-%H%M%S)}

log() { echo "cells_rss: $*" >&2; }
[[ $(id -u) == 0 ]] || { log "needs root"; exit 1; }
[[ -f $JAR ]] || { log "no $JAR: ./mvnw -B package -DskipTests"; exit 1; }
for n in $CELLS; do [[ $n =~ ^[0-9]+$ ]] && ((n >= 1 && n <= 2000)) || { log "CELLS: 1..2000, got $n"; exit 1; }; done
if [[ -e /run/netns/$PEER ]] || ls /run/netns/${PREFIX}[0-9]* >/dev/null 2>&1; then
	log "namespaces ${PREFIX}* exist already: not mine, refusing"; exit 1
fi
curl -s -m 1 -o /dev/null "$BASE/" && { log "port $PORT is in use"; exit 1; }
mkdir -p "$OUT"

SVC_PID="" NS_MAX=0
del_ns() { # every cfr-kI (I <= NS_MAX) and the peer that exist, one ip -batch
	local f i
	f=$(mktemp)
	for ((i = 1; i <= NS_MAX; i++)); do [[ -e /run/netns/$PREFIX$i ]] && echo "netns del $PREFIX$i"; done >"$f"
	[[ -e /run/netns/$PEER ]] && echo "netns del $PEER" >>"$f"
	[[ -s $f ]] && ip -force -batch "$f" 2>/dev/null || true
	rm -f "$f"
}
svc_stop() {
	local i
	[[ -n $SVC_PID ]] || return 0
	kill -TERM "$SVC_PID" 2>/dev/null || true
	for ((i = 0; i < 300; i++)); do kill -0 "$SVC_PID" 2>/dev/null || break; sleep 0.05; done
	kill -0 "$SVC_PID" 2>/dev/null && kill -KILL "$SVC_PID" 2>/dev/null
	wait "$SVC_PID" 2>/dev/null || true
	SVC_PID=""
}
cleanup() { trap '' INT TERM; svc_stop; del_ns; }
trap cleanup EXIT
trap 'exit 130' INT TERM

svc_start() { # tag
	local jvm=() pin=() nmt=() i
	if [[ -n $SVC_CPU ]]; then pin=(taskset -c "$SVC_CPU"); jvm=(-XX:ActiveProcessorCount="$(nproc)"); fi
	((DETAIL)) && nmt=(-XX:NativeMemoryTracking=summary)
	# shellcheck disable=SC2086
	# launched as bench/run.sh, scripts/demo.sh and README "Memory" launch it
	(ulimit -n "$(ulimit -Hn)"; export MALLOC_ARENA_MAX=2
	exec "${pin[@]}" java "${jvm[@]}" "${nmt[@]}" -Xms32m -XX:TrimNativeHeapInterval=5000 -Dquarkus.http.host=127.0.0.1 \
		-Dquarkus.http.port="$PORT" $CF_OPTS -jar "$JAR") >"$OUT/service.$1.log" 2>&1 &
	SVC_PID=$!
	for ((i = 0; i < 600; i++)); do
		[[ $(curl -s -m 2 -o /dev/null -w '%{http_code}' "$BASE/cells" || true) == 200 ]] && return 0
		kill -0 "$SVC_PID" 2>/dev/null || break
		sleep 0.1
	done
	log "service did not come up:"; tail -20 "$OUT/service.$1.log" >&2; exit 1
}
post() { # id netns -> "code seconds"
	curl -s -m 30 -o "$OUT/post.body" -w '%{http_code} %{time_total}' -X POST -H 'Content-Type: application/json' \
		-d "{\"netns\":\"/run/netns/$2\",\"interface\":\"eth0\"$BODY_EXTRA}" "$BASE/cells/$1/monitor" || echo "000 0"
}
delete() { curl -s -m 30 -o /dev/null -w '%{http_code}' -X DELETE "$BASE/cells/$1/monitor" || echo 000; }
kb() { awk -v k="$1:" '$1 == k { print $2 }' /proc/"$SVC_PID"/status; }
rings_kb() { # Rss of the service's ring-buffer mappings (anon_inode:bpf-map), in kB
	awk '/^[0-9a-f]+-[0-9a-f]+ / { m = ($NF == "anon_inode:bpf-map") } m && /^Rss:/ { s += $2 } END { print s + 0 }' \
		/proc/"$SVC_PID"/smaps
}

for n in $CELLS; do
	svc_start "cells$n"
	((n > NS_MAX)) && NS_MAX=$n
	f=$(mktemp)
	{
		echo "netns add $PEER"
		for ((i = 1; i <= n; i++)); do echo "netns add $PREFIX$i"; done
		for ((i = 1; i <= n; i++)); do echo "link add eth0 netns $PREFIX$i type veth peer name k$i netns $PEER"; done
	} >"$f"
	ip -batch "$f" >/dev/null
	rm -f "$f"
	for ((i = 0; i < 6; i++)); do post warm "${PREFIX}1" >/dev/null; delete warm >/dev/null; done
	sleep 1
	rss0=$(kb VmRSS)
	lat=$OUT/cells$n.start.txt
	: >"$lat"
	for ((i = 1; i <= n; i++)); do echo "$(post "k$i" "$PREFIX$i")" >>"$lat"; done
	sleep 1
	ok=$(grep -c '^201 ' "$lat" || true)
	[[ $ok == "$n" ]] || log "only $ok of $n starts answered 201; last body: $(cat "$OUT/post.body")"
	rss=$(kb VmRSS) anon=$(kb RssAnon) file=$(kb RssFile) shm=$(kb RssShmem) rings=$(rings_kb)
	pollers=$(cat /proc/"$SVC_PID"/task/*/comm 2>/dev/null | grep -c '^cellflow-poller' || true)
	threads=$(ls /proc/"$SVC_PID"/task | wc -l)
	cp /proc/"$SVC_PID"/smaps_rollup "$OUT/cells$n.smaps_rollup"
	if ((DETAIL)); then
		jcmd "$SVC_PID" VM.native_memory summary >"$OUT/cells$n.nmt.txt" 2>&1 || true
		jcmd "$SVC_PID" GC.class_histogram >"$OUT/cells$n.histo.txt" 2>&1 || true
		cp /proc/"$SVC_PID"/smaps "$OUT/cells$n.smaps"
		jcmd "$SVC_PID" System.trim_native_heap >"$OUT/cells$n.trim.txt" 2>&1 || true
		echo "after GC + trim: VmRSS $(kb VmRSS) kB RssAnon $(kb RssAnon) kB" >>"$OUT/cells$n.trim.txt"
	fi
	dok=0
	for ((i = 1; i <= n; i++)); do [[ $(delete "k$i") == 204 ]] && dok=$((dok + 1)); done
	rss1=$(kb VmRSS)
	svc_stop
	del_ns
	echo "cells=$n ok=$ok del_ok=$dok $(python3 - "$lat" <<-'EOF'
		import sys
		v = sorted(float(l.split()[1]) * 1000 for l in open(sys.argv[1]) if l.startswith("201 "))
		p = lambda q: v[min(len(v) - 1, int(round(q * (len(v) - 1))))] if v else 0
		print(f"start_p50_ms={p(0.5):.1f} start_p99_ms={p(0.99):.1f}")
	EOF
	) rss_idle_mb=$((rss0 / 1024)) rss_mb=$((rss / 1024)) anon_mb=$((anon / 1024)) file_mb=$((file / 1024)) shmem_mb=$((shm / 1024)) rings_mb=$((rings / 1024)) rss_after_delete_mb=$((rss1 / 1024)) pollers=$pollers threads=$threads" | tee -a "$OUT/result.txt"
done
log "output in $OUT"
