#!/usr/bin/env bash
# scripts/image-test.sh - build cellflow's JVM container image without a Docker engine or a container registry,
# run it with the privileges it needs, monitor a test cell through the container's REST port, see flows on the
# SSE stream, then stop and remove everything. Prints the image size and the container's start-to-ready time.
# Root, Debian 12. CI runs it (.ci/run).
#
#  a. installs what is missing (scripts/install-deps.sh; podman, runc, debootstrap) and writes a
#     containers.conf for this run (target/image-test/containers.conf, through CONTAINERS_CONF)
#  b. builds target/quarkus-app unless it is newer than src/, bpf/ and pom.xml
#  c. base image localhost/cellflow-base:bookworm, unless it exists: debootstrap --variant=minbase bookworm
#     (from the Debian mirror apt uses) -> podman import -> localhost/cellflow-rootfs:bookworm ->
#     podman build -f src/main/docker/Dockerfile.base (apt-get install of the JRE, libbpf1, libnftables1, ...)
#  d. podman build -f src/main/docker/Dockerfile.jvm -t localhost/cellflow-jvm:test
#  e. a test cell: netns cfimg-cell [cfimg0 198.18.30.1/30] <-veth-> [cfimg1 198.18.30.2/30] netns cfimg-peer
#  f. podman run --privileged --network host --pid host -v /run/netns -v /sys/fs/bpf; time to /q/health/ready
#  g. POST /cells/img-1/monitor (backend ebpf), SSE stream, ping + UDP in the cell, a UDP flow.opened event
#     from 198.18.30.1, DELETE /cells/img-1/monitor
#  h. always (trap): removes the container, the namespaces, temporary files and the app image
#
# Cache: the base image (and the debootstrap root file system image it is built from) stay in podman's storage
# between runs; that is what makes a rerun fast. Remove them with
#   podman rmi localhost/cellflow-base:bookworm localhost/cellflow-rootfs:bookworm
# Environment:
#   PORT=18080        first HTTP port tried (the next free one up to PORT+20 is used)
#   IMAGE_KEEP=0      1: keep localhost/cellflow-jvm:test afterwards (rebuilding it takes seconds: default removes)
#   BASE_REBUILD=0    1: rebuild the base image and the root file system image (as on a machine without cache)
#   DEBIAN_MIRROR=    Debian mirror for debootstrap (default: the one apt uses here, else deb.debian.org)
#   SKIP_BUILD=0      1: use target/quarkus-app as it is
set -euo pipefail

die() {
	echo "image-test.sh: error: $*" >&2
	exit 1
}
step() { echo "==> [$(elapsed)] $*"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
T0=$(now_ms)
elapsed() {
	local ms=$(($(now_ms) - T0))
	printf '%d.%ds' $((ms / 1000)) $((ms % 1000 / 100))
}
human() { numfmt --to=iec --suffix=B --format='%.1f' "$1" 2>/dev/null || echo "$1 B"; }

[ "$(id -u)" -eq 0 ] || die "must run as root: it installs packages, creates network namespaces and runs a privileged
container; try: sudo $0"

cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.."
root=$(pwd)
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
export DEBIAN_FRONTEND=noninteractive

PORT=${PORT:-18080}
IMAGE_KEEP=${IMAGE_KEEP:-0}
BASE_REBUILD=${BASE_REBUILD:-0}
SKIP_BUILD=${SKIP_BUILD:-0}
[[ $PORT =~ ^[0-9]{1,5}$ ]] && ((10#$PORT >= 1024 && 10#$PORT <= 65500)) || die "PORT must be 1024..65500, got '$PORT'"
PORT=$((10#$PORT))

BASE_IMAGE=localhost/cellflow-base:bookworm
ROOTFS_IMAGE=localhost/cellflow-rootfs:bookworm
APP_IMAGE=localhost/cellflow-jvm:test
CONTAINER=cellflow-img-test
CELL_NS=cfimg-cell
PEER_NS=cfimg-peer
CELL_IF=cfimg0
PEER_IF=cfimg1
CELL_IP=198.18.30.1
PEER_IP=198.18.30.2
CELL_ID=img-1
JAR=target/quarkus-app/quarkus-run.jar
WORK=target/image-test # containers.conf, container log

# state for cleanup and the summary
tmp=
rootfs=
stream_pid=
container_started=0
app_image_built=0
netns_created=()
image_size=
base_size=
ready_ms=
flows_opened=
udp_flows=
monitor_started=0
BASE=

# unmount whatever is mounted below $1 (debootstrap mounts proc/sys/dev into its target), then remove it without
# ever crossing into another file system
remove_tree() {
	local dir=$1 mnt
	[ -n "$dir" ] && [ -d "$dir" ] || return 0
	for mnt in $(awk -v d="$dir/" 'index($2 "/", d) == 1 { print $2 }' /proc/self/mounts | sort -r); do
		umount -l "$mnt" 2>/dev/null || true
	done
	rm -rf --one-file-system -- "$dir"
}

summary() {
	local result=$1
	echo
	echo "==> image-test.sh summary ($result, total $(elapsed))"
	echo "    app image    $APP_IMAGE: ${image_size:-?}  (base $BASE_IMAGE: ${base_size:-?})"
	echo "    base image   ${base_note:-?}"
	if [ -n "$ready_ms" ]; then
		echo "    start→ready  $((ready_ms / 1000)).$(printf '%03d' $((ready_ms % 1000)))s (podman run to first 200 of /q/health/ready)"
	else
		echo "    start→ready  ?"
	fi
	echo "    flows seen   ${flows_opened:-?} flow.opened events, ${udp_flows:-?} UDP from $CELL_IP"
	echo "    phases       ${phases:-}"
}

cleanup() {
	local rc=$?
	set +e
	trap '' INT TERM
	trap - EXIT
	echo "==> [$(elapsed)] cleaning up"
	if [ -n "$stream_pid" ]; then
		kill "$stream_pid" 2>/dev/null
		wait "$stream_pid" 2>/dev/null
	fi
	if [ "$container_started" -eq 1 ]; then
		if [ "$rc" -ne 0 ]; then
			echo "    last 40 lines of the container's log:"
			timeout 20 podman logs --tail 40 "$CONTAINER" 2>&1 | sed 's/^/    | /'
		fi
		timeout 20 podman logs "$CONTAINER" >"$WORK/container.log" 2>&1
		timeout 60 podman rm -f -t 5 "$CONTAINER" >/dev/null && echo "    removed container $CONTAINER (log: $WORK/container.log)"
	fi
	for ns in "${netns_created[@]}"; do
		ip netns del "$ns" && echo "    deleted netns $ns"
	done
	if [ "$app_image_built" -eq 1 ] && [ "$IMAGE_KEEP" != 1 ]; then
		timeout 60 podman rmi -f "$APP_IMAGE" >/dev/null && echo "    removed image $APP_IMAGE (IMAGE_KEEP=1 keeps it)"
	fi
	remove_tree "$rootfs"
	remove_tree "$tmp"
	if [ "$rc" -eq 0 ]; then
		summary OK
	else
		summary "FAILED, exit $rc"
		echo "image-test.sh: FAILED" >&2
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

phases=
phase_t=$T0
phase_end() { # NAME: adds "NAME Xs" for the time since the previous phase ended
	local t
	t=$(now_ms)
	phases+="$1 $(((t - phase_t) / 1000)).$(((t - phase_t) % 1000 / 100))s  "
	phase_t=$t
}

have() { command -v "$1" >/dev/null 2>&1; }

tmp=$(mktemp -d /var/tmp/cellflow-image-test.XXXXXX)

# ---------------------------------------------------------------------------------------------------------------
# a. packages and containers.conf
step "a. dependencies"
bash scripts/install-deps.sh
missing=()
have podman || missing+=(podman)
have runc || missing+=(runc)
have debootstrap || missing+=(debootstrap)
have curl || missing+=(curl)
have ping || missing+=(iputils-ping)
have ss || missing+=(iproute2)
have numfmt || missing+=(coreutils)
if [ ${#missing[@]} -gt 0 ]; then
	echo "    installing ${missing[*]}"
	timeout 300 apt-get update -q
	timeout 900 apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
echo "    $(podman --version), $(runc --version | head -n1), debootstrap $(dpkg-query -W -f '${Version}' debootstrap)"

mkdir -p "$WORK"
conf=$root/$WORK/containers.conf
{
	echo "# written by scripts/image-test.sh for its own podman calls (CONTAINERS_CONF); not used elsewhere"
	echo "[containers]"
	echo "# runc refuses podman's default (the host's, unlimited) rlimits here"
	echo 'default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]'
	echo "[engine]"
	echo 'runtime = "runc"'
	if [ ! -d /run/systemd/system ]; then
		echo "# no systemd: podman manages cgroups itself and logs events to a file"
		echo 'cgroup_manager = "cgroupfs"'
		echo 'events_logger = "file"'
	fi
} >"$conf"
export CONTAINERS_CONF=$conf
echo "    CONTAINERS_CONF=$conf"

# leftovers of a killed run (names are this script's own)
if timeout 30 podman container exists "$CONTAINER"; then
	echo "image-test.sh: warning: removing container $CONTAINER left by an earlier run" >&2
	timeout 60 podman rm -f -t 5 "$CONTAINER" >/dev/null
fi
for ns in "$CELL_NS" "$PEER_NS"; do
	if [ -e "/run/netns/$ns" ]; then
		echo "image-test.sh: warning: removing network namespace $ns left by an earlier run" >&2
		ip netns del "$ns"
	fi
done
phase_end deps

# ---------------------------------------------------------------------------------------------------------------
# b. the application
if [ "$SKIP_BUILD" = 1 ]; then
	step "b. build skipped (SKIP_BUILD=1)"
	[ -f "$JAR" ] || die "$JAR does not exist; run without SKIP_BUILD=1"
elif [ -f "$JAR" ] && [ -z "$(find src bpf pom.xml -newer "$JAR" -print -quit)" ]; then
	step "b. build skipped: $JAR is newer than src/, bpf/ and pom.xml"
else
	step "b. building the application (./mvnw -B -q package -DskipTests)"
	timeout 900 ./mvnw -B -q package -DskipTests </dev/null
	[ -f "$JAR" ] || die "the build did not produce $JAR"
fi
phase_end app

# ---------------------------------------------------------------------------------------------------------------
# c. the base image (cached in podman's storage)

# debian_uri SUITE: the first URI apt uses for SUITE (deb822 .sources and one-line .list files), or nothing
debian_uri() {
	local suite=$1 f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		awk -v s="$suite" '$1 == "deb" {
			i = 2
			if ($i ~ /^\[/) { while (i < NF && $i !~ /\]$/) i++; i++ }
			if ($(i + 1) == s) { print $i; exit }
		}' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		awk -v s="$suite" 'BEGIN { RS = ""; FS = "\n" }
		{
			types = ""; uris = ""; suites = ""; enabled = "yes"
			for (i = 1; i <= NF; i++) {
				if ($i ~ /^#/) continue
				split($i, kv, ":")
				key = tolower(kv[1]); val = substr($i, length(kv[1]) + 2); gsub(/^[ \t]+|[ \t]+$/, "", val)
				if (key == "types") types = val
				else if (key == "uris") uris = val
				else if (key == "suites") suites = val
				else if (key == "enabled") enabled = tolower(val)
			}
			if (enabled == "no" || (" " types " ") !~ / deb /) next
			if ((" " suites " ") ~ (" " s " ")) { split(uris, u, " "); print u[1]; exit }
		}' "$f"
	done
}

if [ "$BASE_REBUILD" = 1 ]; then
	step "c. BASE_REBUILD=1: removing the cached base images"
	timeout 120 podman rmi -f "$BASE_IMAGE" "$ROOTFS_IMAGE" >/dev/null 2>&1 || true
fi
# the base is rebuilt when Dockerfile.base changed since it was built (its hash is a label of the image)
base_hash=$(sha256sum src/main/docker/Dockerfile.base | cut -c1-16)
cached_hash=
if timeout 30 podman image exists "$BASE_IMAGE"; then
	cached_hash=$(timeout 30 podman image inspect --format '{{index .Labels "io.cellflow.base-dockerfile"}}' "$BASE_IMAGE")
fi
if [ "$cached_hash" = "$base_hash" ]; then
	step "c. base image $BASE_IMAGE: cached"
	base_note="cached"
else
	base_note="built"
	[ -n "$cached_hash" ] && echo "    $BASE_IMAGE was built from another Dockerfile.base: rebuilding it"
	# apt's proxy, if it has one, for debootstrap (wget) and apt-get in the build container
	if [ -z "${http_proxy:-}" ]; then
		eval "$(apt-config shell http_proxy Acquire::http::Proxy)"
		[ -n "${http_proxy:-}" ] && export http_proxy && echo "    using apt's proxy $http_proxy"
	fi
	if timeout 30 podman image exists "$ROOTFS_IMAGE"; then
		step "c. base image: root file system $ROOTFS_IMAGE cached"
	else
		mirror=${DEBIAN_MIRROR:-$(debian_uri bookworm | head -n1)}
		mirror=${mirror:-http://deb.debian.org/debian}
		mirror=${mirror%/}
		security=$(debian_uri bookworm-security | head -n1)
		security=${security:-http://deb.debian.org/debian-security}
		security=${security%/}
		step "c. base image: debootstrap --variant=minbase bookworm from $mirror"
		rootfs=$(mktemp -d /var/tmp/cellflow-rootfs.XXXXXX)
		if ! timeout 600 debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$tmp/debootstrap.log" 2>&1; then
			tail -n 30 "$tmp/debootstrap.log" >&2
			[ -f "$rootfs/debootstrap/debootstrap.log" ] && tail -n 30 "$rootfs/debootstrap/debootstrap.log" >&2
			die "debootstrap failed"
		fi
		cat >"$rootfs/etc/apt/sources.list" <<-EOF
			deb $mirror bookworm main
			deb $mirror bookworm-updates main
			deb $security bookworm-security main
		EOF
		# no downloaded packages, package lists, logs, documentation or translations in the image (a later layer
		# could not make it smaller); Dockerfile.base runs apt-get update
		rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/lib/apt/lists/* \
			"$rootfs"/var/log/* "$rootfs"/debootstrap \
			"$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/*
		step "c. base image: podman import -> $ROOTFS_IMAGE ($(du -sh --one-file-system "$rootfs" | cut -f1))"
		tar --numeric-owner --one-file-system -C "$rootfs" -c . |
			timeout 300 podman import --change 'CMD ["/bin/bash"]' - "$ROOTFS_IMAGE" >"$tmp/import.log" 2>&1 || {
			cat "$tmp/import.log" >&2
			die "podman import failed"
		}
		remove_tree "$rootfs"
		rootfs=
	fi
	step "c. base image: podman build -f src/main/docker/Dockerfile.base -> $BASE_IMAGE"
	mkdir -p "$tmp/empty-context"
	timeout 900 podman build -q --network host --build-arg "DEBIAN_IMAGE=$ROOTFS_IMAGE" \
		--label "io.cellflow.base-dockerfile=$base_hash" \
		-f src/main/docker/Dockerfile.base -t "$BASE_IMAGE" "$tmp/empty-context" >"$tmp/base-build.log" 2>&1 || {
		tail -n 40 "$tmp/base-build.log" >&2
		die "building $BASE_IMAGE failed"
	}
fi
base_bytes=$(timeout 30 podman image inspect --format '{{.Size}}' "$BASE_IMAGE")
base_size=$(human "$base_bytes")
phase_end "base($base_note)"

# ---------------------------------------------------------------------------------------------------------------
# d. the app image
step "d. podman build -f src/main/docker/Dockerfile.jvm -t $APP_IMAGE"
app_image_built=1 # (cleanup removes it even when the build fails half-way)
timeout 600 podman build -q --build-arg "BASE_IMAGE=$BASE_IMAGE" -f src/main/docker/Dockerfile.jvm \
	-t "$APP_IMAGE" . >"$tmp/app-build.log" 2>&1 || {
	tail -n 40 "$tmp/app-build.log" >&2
	die "building $APP_IMAGE failed"
}
app_bytes=$(timeout 30 podman image inspect --format '{{.Size}}' "$APP_IMAGE")
image_size="$(human "$app_bytes") ($app_bytes bytes; application layers $(human $((app_bytes - base_bytes))))"
echo "    image size: $image_size"
phase_end image

# ---------------------------------------------------------------------------------------------------------------
# e. the test cell
step "e. test cell: netns $CELL_NS ($CELL_IF $CELL_IP/30) <-> netns $PEER_NS ($PEER_IF $PEER_IP/30)"
ip netns add "$CELL_NS"
netns_created+=("$CELL_NS")
ip netns add "$PEER_NS"
netns_created+=("$PEER_NS")
ip link add "$CELL_IF" netns "$CELL_NS" type veth peer name "$PEER_IF" netns "$PEER_NS"
ip -n "$CELL_NS" addr add "$CELL_IP/30" dev "$CELL_IF"
ip -n "$PEER_NS" addr add "$PEER_IP/30" dev "$PEER_IF"
for ns in "$CELL_NS" "$PEER_NS"; do ip -n "$ns" link set lo up; done
ip -n "$CELL_NS" link set "$CELL_IF" up
ip -n "$PEER_NS" link set "$PEER_IF" up

# ---------------------------------------------------------------------------------------------------------------
# f. the container
port_free() { [ -z "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]; }
port=$PORT
while ! port_free "$port"; do
	port=$((port + 1))
	((port <= PORT + 20)) || die "no free port in $PORT..$((PORT + 20)); choose another: PORT=28080 $0"
done
BASE=http://127.0.0.1:$port
run=(podman run -d --name "$CONTAINER" --privileged --network host --pid host
	-v /run/netns:/run/netns:rslave -v /sys/fs/bpf:/sys/fs/bpf
	-e QUARKUS_HTTP_HOST=127.0.0.1 -e "QUARKUS_HTTP_PORT=$port" "$APP_IMAGE")
step "f. ${run[*]}"
t_run=$(now_ms)
container_started=1
timeout 120 "${run[@]}" >/dev/null
ready=0
for ((i = 0; i < 900; i++)); do # 900 x ~0.1 s: 90 s
	if curl -sf -m 1 -o /dev/null "$BASE/q/health/ready"; then
		ready=1
		break
	fi
	if ((i % 10 == 9)) && [ "$(timeout 10 podman container inspect -f '{{.State.Running}}' "$CONTAINER")" != true ]; then
		die "the container exited during startup"
	fi
	sleep 0.1
done
[ "$ready" -eq 1 ] || die "$BASE/q/health/ready did not answer 200 within 90 s"
ready_ms=$(($(now_ms) - t_run))
echo "    ready after $((ready_ms / 1000)).$(printf '%03d' $((ready_ms % 1000))) s"
timeout 20 podman logs "$CONTAINER" 2>&1 | grep -E 'started in|Profile|Installed features' | sed 's/^/    | /' || true
phase_end "run+ready"

# ---------------------------------------------------------------------------------------------------------------
# g. monitor, stream, traffic
body="{\"netns\":\"/run/netns/$CELL_NS\",\"interface\":\"$CELL_IF\"}"
step "g. POST /cells/$CELL_ID/monitor $body"
code=$(curl -sS -m 30 -o "$tmp/monitor.json" -w '%{http_code}' -X POST "$BASE/cells/$CELL_ID/monitor" \
	-H 'content-type: application/json' -d "$body") || code=000
echo "    $code $(cat "$tmp/monitor.json" 2>/dev/null)"
[ "$code" = 201 ] || die "POST /cells/$CELL_ID/monitor answered $code, expected 201"
monitor_started=1
grep -q '"backend":"ebpf"' "$tmp/monitor.json" || die "the monitor does not use the eBPF backend (see the body above)"

step "g. GET /cells/$CELL_ID/flows (SSE, background, 30 s max)"
timeout 30 curl -sN -D "$tmp/stream.headers" -o "$tmp/stream.txt" "$BASE/cells/$CELL_ID/flows" &
stream_pid=$!
for ((i = 0; i < 50; i++)); do # until the response has begun: 5 s
	grep -q '^HTTP/[0-9.]* 200' "$tmp/stream.headers" 2>/dev/null && break
	sleep 0.1
done
grep -q '^HTTP/[0-9.]* 200' "$tmp/stream.headers" 2>/dev/null || die "the flow stream did not answer 200 within 5 s"

step "g. traffic in $CELL_NS: ping -c 3 $PEER_IP, 3 UDP datagrams to $PEER_IP:5001-5003"
ip netns exec "$CELL_NS" timeout 20 ping -c 3 -i 0.2 -W 1 "$PEER_IP" | sed -n 's/^/    /; /packets transmitted/p'
ip netns exec "$CELL_NS" timeout 10 bash -c '
	for p in 5001 5002 5003; do echo "cellflow image test" >"/dev/udp/$1/$p"; done' udp "$PEER_IP"

# count_flows: sets flows_opened (all flow.opened events) and udp_flows (UDP ones from the cell's address)
count_flows() {
	read -r flows_opened udp_flows < <(awk -v src="\"src_addr\":\"$CELL_IP\"" '
		/^event: ?/ { ev = $0; sub(/^event: ?/, "", ev); next }
		/^data: ?/ { if (ev == "flow.opened") { n++; if (index($0, "\"protocol\":\"udp\"") && index($0, src)) u++ } next }
		/^$/ { ev = "" }
		END { print n + 0, u + 0 }' "$tmp/stream.txt")
}
for ((i = 0; i < 100; i++)); do # up to 10 s
	count_flows
	((udp_flows > 0)) && break
	sleep 0.1
done
((udp_flows == 0)) || { sleep 0.5 && count_flows; } # the rest of the traffic's events, for the summary
echo "    first events on the stream (id event direction protocol src -> dst):"
awk '
	function field(s, name,   m) {
		if (match(s, "\"" name "\":(\"[^\"]*\"|[0-9]+|null)")) {
			m = substr(s, RSTART + length(name) + 3, RLENGTH - length(name) - 3); gsub(/"/, "", m); return m
		}
		return "?"
	}
	function hostport(a, p) {
		if (index(a, ":")) a = "[" a "]"
		return (p == "?" || p == "null") ? a : a ":" p
	}
	/^id: ?/ { id = $0; sub(/^id: ?/, "", id); next }
	/^event: ?/ { ev = $0; sub(/^event: ?/, "", ev); next }
	/^data: ?/ {
		if (++n > 6) exit
		printf "    | %s %s %s %s %s -> %s\n", id, ev, field($0, "direction"), field($0, "protocol"),
			hostport(field($0, "src_addr"), field($0, "src_port")), hostport(field($0, "dst_addr"), field($0, "dst_port"))
	}' "$tmp/stream.txt"
((udp_flows > 0)) || die "no flow.opened event of a UDP flow from $CELL_IP within 10 s ($flows_opened flow.opened in all)"
echo "    $flows_opened flow.opened events, $udp_flows UDP from $CELL_IP"

step "g. DELETE /cells/$CELL_ID/monitor"
code=$(curl -sS -m 30 -o "$tmp/delete.out" -w '%{http_code}' -X DELETE "$BASE/cells/$CELL_ID/monitor") || code=000
echo "    $code"
[ "$code" = 204 ] || die "DELETE /cells/$CELL_ID/monitor answered $code, expected 204: $(cat "$tmp/delete.out")"
monitor_started=0
# the stream ends when the monitor stops
wait "$stream_pid" 2>/dev/null || true
stream_pid=

step "g. podman stop (SIGTERM: the service shuts down)"
timeout 60 podman stop -t 15 "$CONTAINER" >/dev/null
echo "    exit code $(timeout 10 podman container inspect -f '{{.State.ExitCode}}' "$CONTAINER") (143: the JVM ended on SIGTERM)"
timeout 20 podman logs "$CONTAINER" 2>&1 | grep -E 'monitor stopped|stopped in' | sed 's/^/    | /' || true
phase_end monitor
