#!/usr/bin/env bash
# scripts/demo.sh - see cellflow work on a fresh Debian machine (as root):
# installs what is missing, builds, creates a demo cell (two network namespaces joined by a veth pair),
# starts the service, starts a monitor on the cell, generates a little traffic inside the cell and
# streams the cell's flows for DEMO_SECONDS. Everything it created is removed on exit, Ctrl-C included.
#
# Environment:
#   PORT=8080          HTTP port of the service (listens on 127.0.0.1)
#   DEMO_SECONDS=60    how long traffic runs and flows stream (1..3600)
#   SKIP_BUILD=1       use target/quarkus-app as it is
#
# All traffic stays between the two namespaces (198.18.0.0/30, 2001:2::/64).
set -euo pipefail

die() {
	echo "demo.sh: error: $*" >&2
	exit 1
}
step() { echo "==> $*"; }

PORT=${PORT:-8080}
DEMO_SECONDS=${DEMO_SECONDS:-60}
SKIP_BUILD=${SKIP_BUILD:-0}

[[ $PORT =~ ^[0-9]{1,5}$ ]] && ((10#$PORT >= 1 && 10#$PORT <= 65535)) || die "PORT must be 1..65535, got '$PORT'"
[[ $DEMO_SECONDS =~ ^[0-9]{1,4}$ ]] && ((10#$DEMO_SECONDS >= 1 && 10#$DEMO_SECONDS <= 3600)) ||
	die "DEMO_SECONDS must be 1..3600, got '$DEMO_SECONDS'"
PORT=$((10#$PORT))
DEMO_SECONDS=$((10#$DEMO_SECONDS))
[ "$(id -u)" -eq 0 ] ||
	die "must run as root: it creates network namespaces and the service loads BPF programs into them; try: sudo $0"

cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.."
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

CELL_NS=cfdemo-cell
PEER_NS=cfdemo-peer
CELL_IF=cfdemo0
PEER_IF=cfdemo1
CELL_ID=demo-cell
BASE=http://127.0.0.1:$PORT
JAR=target/quarkus-app/quarkus-run.jar
LOG=target/demo-service.log

# what this script created (cleanup removes only these)
created_cell_ns=0
created_peer_ns=0
service_pid=
traffic_pid=
listener_pid=
monitor_started=0
tmp=

# stop_pid PID SECONDS - TERM, wait up to SECONDS, then KILL; reaps it (it is our child)
stop_pid() {
	local pid=$1 tenths=$(($2 * 10)) i
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < tenths; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "    pid $pid did not stop in $2 s: KILL"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || true
}

cleanup() {
	local rc=$?
	set +e
	trap '' INT TERM PIPE # a second Ctrl-C, or a reader that went away (| head), must not interrupt the cleanup
	trap - EXIT
	step "cleaning up"
	# background helpers run under `timeout`, which forwards TERM to its whole process group
	[ -n "$traffic_pid" ] && stop_pid "$traffic_pid" 3
	[ -n "$listener_pid" ] && stop_pid "$listener_pid" 3
	if [ "$monitor_started" -eq 1 ]; then
		echo "    final monitor state (GET /cells/$CELL_ID/monitor):"
		if command -v jq >/dev/null 2>&1; then
			curl -sS -m 5 "$BASE/cells/$CELL_ID/monitor" | jq -c '{backend, state, attach_mode, counters}' | sed 's/^/    /'
		else
			curl -sS -m 5 "$BASE/cells/$CELL_ID/monitor" | sed 's/^/    /'
			echo
		fi
		code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' -X DELETE "$BASE/cells/$CELL_ID/monitor")
		echo "    DELETE /cells/$CELL_ID/monitor -> $code"
	fi
	if [ -n "$service_pid" ]; then
		echo "    stopping the service (pid $service_pid)"
		stop_pid "$service_pid" 10
	fi
	[ "$created_cell_ns" -eq 1 ] && ip netns del "$CELL_NS" && echo "    deleted netns $CELL_NS"
	[ "$created_peer_ns" -eq 1 ] && ip netns del "$PEER_NS" && echo "    deleted netns $PEER_NS"
	[ -n "$tmp" ] && rm -rf -- "$tmp"
	echo "    service log: $LOG"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 141' PIPE # piped into head and the reader left: clean up too

# refuse early, before creating anything
for ns in "$CELL_NS" "$PEER_NS"; do
	[ ! -e "/run/netns/$ns" ] ||
		die "network namespace $ns already exists (an earlier demo?); remove it with: ip netns del $CELL_NS; ip netns del $PEER_NS"
done
if command -v ss >/dev/null 2>&1 && [ -n "$(ss -Hltn "sport = :$PORT" 2>/dev/null)" ]; then
	die "something already listens on port $PORT; stop it or choose another: PORT=8081 $0"
fi

# a. dependencies
step "checking dependencies (scripts/install-deps.sh)"
bash scripts/install-deps.sh

# b. build
if [ "$SKIP_BUILD" = 1 ]; then
	step "build skipped (SKIP_BUILD=1)"
	[ -f "$JAR" ] || die "$JAR does not exist; run without SKIP_BUILD=1"
elif [ -f "$JAR" ] && [ -z "$(find src bpf pom.xml -newer "$JAR" -print -quit)" ]; then
	step "build skipped: $JAR is newer than src/, bpf/ and pom.xml"
else
	step "building (./mvnw -B -q package -DskipTests)"
	./mvnw -B -q package -DskipTests </dev/null
	[ -f "$JAR" ] || die "the build did not produce $JAR"
fi

# c. the demo cell: cfdemo-cell [cfdemo0 198.18.0.1/30] <-veth-> [cfdemo1 198.18.0.2/30] cfdemo-peer
step "creating the demo cell: netns $CELL_NS ($CELL_IF 198.18.0.1, 2001:2::1) <-> netns $PEER_NS ($PEER_IF 198.18.0.2, 2001:2::2)"
ip netns add "$CELL_NS"
created_cell_ns=1
ip netns add "$PEER_NS"
created_peer_ns=1
ip link add "$CELL_IF" netns "$CELL_NS" type veth peer name "$PEER_IF" netns "$PEER_NS"
ip -n "$CELL_NS" addr add 198.18.0.1/30 dev "$CELL_IF"
ip -n "$PEER_NS" addr add 198.18.0.2/30 dev "$PEER_IF"
ip -n "$CELL_NS" -6 addr add 2001:2::1/64 dev "$CELL_IF" nodad
ip -n "$PEER_NS" -6 addr add 2001:2::2/64 dev "$PEER_IF" nodad
for ns in "$CELL_NS" "$PEER_NS"; do ip -n "$ns" link set lo up; done
ip -n "$CELL_NS" link set "$CELL_IF" up
ip -n "$PEER_NS" link set "$PEER_IF" up

# d. optional TCP listener in the peer (without one, TCP connects get a RST: still a flow)
listener_secs=$((DEMO_SECONDS + 10))
if command -v socat >/dev/null 2>&1; then
	step "TCP listener in $PEER_NS on 198.18.0.2:8000 (socat, ${listener_secs} s max)"
	ip netns exec "$PEER_NS" timeout "$listener_secs" \
		socat -T 2 TCP-LISTEN:8000,bind=198.18.0.2,reuseaddr,fork EXEC:cat </dev/null >/dev/null 2>&1 &
	listener_pid=$!
elif command -v nc >/dev/null 2>&1; then
	step "TCP listener in $PEER_NS on port 8000 (nc, ${listener_secs} s max)"
	if nc -h 2>&1 | grep -q -- '-k'; then # OpenBSD nc / ncat: one process, keeps listening
		ip netns exec "$PEER_NS" timeout "$listener_secs" nc -lk 8000 </dev/null >/dev/null 2>&1 &
	else # traditional / busybox nc: one connection per process, bounded loop
		ip netns exec "$PEER_NS" timeout "$listener_secs" bash -c '
			for ((i = 0; i < $1; i++)); do timeout 2 nc -l -p 8000 </dev/null >/dev/null 2>&1 || sleep 0.2; done
		' demo-listener "$listener_secs" </dev/null >/dev/null 2>&1 &
	fi
	listener_pid=$!
else
	step "no socat or nc: no TCP listener in the peer (TCP connects get a RST, which is still a flow)"
fi

# e. the service
step "starting cellflow on 127.0.0.1:$PORT (log: $LOG)"
mkdir -p target
# memory flags as in README "Memory" and Dockerfile.jvm
MALLOC_ARENA_MAX=2 java -Xms32m -XX:TrimNativeHeapInterval=5000 "-Dquarkus.http.port=$PORT" -jar "$JAR" </dev/null >"$LOG" 2>&1 &
service_pid=$!
printf '    waiting for %s/q/health/ready ' "$BASE"
ready=0
for ((i = 0; i < 120; i++)); do # 120 x 0.5 s = 60 s
	if curl -sf -m 2 -o /dev/null "$BASE/q/health/ready"; then
		ready=1
		break
	fi
	if ! kill -0 "$service_pid" 2>/dev/null; then
		echo
		echo "demo.sh: error: the service exited during startup; last 30 lines of $LOG:" >&2
		tail -n 30 "$LOG" >&2
		wait "$service_pid" 2>/dev/null || true
		service_pid=
		exit 1
	fi
	printf '.'
	sleep 0.5
done
echo
if [ "$ready" -ne 1 ]; then
	echo "demo.sh: error: the service was not ready within 60 s; last 30 lines of $LOG:" >&2
	tail -n 30 "$LOG" >&2
	exit 1
fi
echo "    ready"

# f. the monitor
step "POST /cells/$CELL_ID/monitor  {\"netns\":\"/run/netns/$CELL_NS\",\"interface\":\"$CELL_IF\"}"
tmp=$(mktemp -d)
code=$(curl -sS -m 30 -o "$tmp/monitor.json" -w '%{http_code}' -X POST "$BASE/cells/$CELL_ID/monitor" \
	-H 'content-type: application/json' \
	-d "{\"netns\":\"/run/netns/$CELL_NS\",\"interface\":\"$CELL_IF\"}") || code=000
if [ "$code" != 201 ]; then
	echo "demo.sh: error: POST /cells/$CELL_ID/monitor answered $code:" >&2
	cat "$tmp/monitor.json" >&2 2>/dev/null
	echo >&2
	exit 1
fi
monitor_started=1
echo "    201 Created: $(cat "$tmp/monitor.json")"

# g. bounded traffic inside the cell (starts after a short pause so that the stream below is connected)
step "traffic in $CELL_NS for $DEMO_SECONDS s: ping, ping -6, UDP to 198.18.0.2:5000-5003, TCP to 198.18.0.2:8000"
ip netns exec "$CELL_NS" timeout "$((DEMO_SECONDS + 5))" bash -c '
	sleep 1
	for ((i = 0; i < $1; i++)); do
		ping -c1 -W1 198.18.0.2 >/dev/null 2>&1 || true
		ping -6 -c1 -W1 2001:2::2 >/dev/null 2>&1 || true
		echo "cellflow demo $i" 2>/dev/null >/dev/udp/198.18.0.2/$((5000 + i % 4)) || true
		timeout 1 bash -c "echo cellflow >/dev/tcp/198.18.0.2/8000" >/dev/null 2>&1 || true
		sleep 1
	done
' demo-traffic "$DEMO_SECONDS" </dev/null >/dev/null 2>&1 &
traffic_pid=$!

# h. stream
step "streaming flows for $DEMO_SECONDS s (Ctrl-C stops and cleans up). From another terminal:"
echo "    curl -N $BASE/cells/$CELL_ID/flows                  # the raw SSE stream"
echo "    curl -s $BASE/cells/$CELL_ID/monitor                # backend, state, counters"
echo "    $BASE/q/swagger-ui                                    # the whole API"
# --foreground keeps curl in the terminal's process group so that Ctrl-C reaches it
stream=(timeout --foreground "$DEMO_SECONDS" curl -sN "$BASE/cells/$CELL_ID/flows")
rc=0
if command -v jq >/dev/null 2>&1; then
	# one line per event: [id] kind direction protocol src:port -> dst:port packets/bytes
	"${stream[@]}" | jq -nrR --unbuffered '
		def hp($a; $p): (if ($a // "?") | contains(":") then "[\($a)]" else ($a // "?") end)
			+ (if $p == null then "" else ":\($p)" end);
		foreach inputs as $l ({ev: "message", id: "", out: null};
			if ($l | startswith("event:")) then .ev = ($l[6:] | ltrimstr(" ")) | .out = null
			elif ($l | startswith("id:")) then .id = ($l[3:] | ltrimstr(" ")) | .out = null
			elif ($l | startswith("data:")) then .out = ($l[5:] | ltrimstr(" ") | (fromjson? // {raw: .}))
			elif $l == "" then .ev = "message" | .id = "" | .out = null
			else .out = null end;
			if .out == null then empty
			elif .out.raw then "\(.ev) \(.out.raw)"
			elif .ev == "lost" then "[\(.id)] lost: missed \(.out.missed) (\(.out.cause))"
			else .out as $d
				| "[\(.id)] \(.ev) \($d.direction) \($d.protocol // "proto?") \(hp($d.src_addr; $d.src_port)) -> \(hp($d.dst_addr; $d.dst_port)) \($d.packet_count) pkt/\($d.byte_count) B \($d.decision // "")"
			end)' || rc=$?
else
	"${stream[@]}" || rc=$?
fi
# 124: timeout ended the stream after DEMO_SECONDS, the normal end
if [ "$rc" -ne 0 ] && [ "$rc" -ne 124 ]; then
	echo "demo.sh: warning: the stream ended with status $rc" >&2
fi
step "demo finished after $DEMO_SECONDS s"
