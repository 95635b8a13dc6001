#!/usr/bin/env bash
# scripts/test.sh [MAVEN_ARGS...] - THE test command (README and CI: .ci/run).
#
# 1. installs missing build/test dependencies (scripts/install-deps.sh)
# 2. pass 1: ./mvnw -B verify                              (unit, @QuarkusTest API, privileged netns tests)
# 3. pass 2: ./mvnw -B -Djnr.ffi.asm.enabled=false verify  (JNR-FFI without runtime bytecode generation,
#                                                           as in a native image)
# Extra arguments go to both mvnw calls. Maven output is also written to target/test-pass-N.log.
# Before the passes it removes network namespaces named cft-* (leftovers of killed runs) with a warning;
# after each pass it fails if any remain (a test did not clean up).
set -euo pipefail

die() {
	echo "test.sh: error: $*" >&2
	exit 1
}

if [ "$(id -u)" -ne 0 ]; then
	die "must run as root: the privileged tests create network namespaces and veth pairs and load BPF
programs (CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_BPF), and missing dependencies are installed with apt-get.
try: sudo $0 $*"
fi

cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.."
root=$(pwd)
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

bash scripts/install-deps.sh

# test network namespaces use this prefix
leftover_netns() { ip netns list 2>/dev/null | awk '$1 ~ /^cft-/ { print $1 }'; }

# step: leftovers of killed runs
stale=$(leftover_netns)
if [ -n "$stale" ]; then
	echo "test.sh: warning: removing network namespaces left by an earlier (killed?) test run:" $stale >&2
	for ns in $stale; do ip netns del "$ns" || echo "test.sh: warning: could not delete netns $ns" >&2; done
fi

logs=$(mktemp -d)
trap 'rm -rf -- "$logs"' EXIT

failed=0
declare -a summary

# run_pass N MAVEN_ARGS... - one mvnw run; output teed (to a temp file first: a `clean` in "$@" would
# delete target/ under tee), then copied to target/test-pass-N.log
run_pass() {
	local n=$1 rc=0 totals left
	shift
	echo "==> test.sh: pass $n: ./mvnw $*"
	./mvnw "$@" 2>&1 </dev/null | tee "$logs/pass-$n.log" || rc=$?
	# (pipefail: rc is mvnw's status unless tee itself failed)
	mkdir -p target
	cp -f -- "$logs/pass-$n.log" "target/test-pass-$n.log"

	# surefire/failsafe summary lines: "Tests run: a, Failures: b, Errors: c, Skipped: d" without "Time elapsed"
	totals=$(sed -e 's/\x1b\[[0-9;]*m//g' "$logs/pass-$n.log" |
		grep -E 'Tests run: [0-9]+, Failures: [0-9]+, Errors: [0-9]+, Skipped: [0-9]+' |
		grep -v 'Time elapsed' | sed -E 's/^.*(Tests run:)/\1/' || true)
	[ -n "$totals" ] || totals="(no test summary in the output: build failed before or without tests?)"
	totals=${totals//$'\n'/; }

	left=$(leftover_netns)
	if [ -n "$left" ]; then
		echo "test.sh: ERROR: pass $n left network namespaces behind (a test did not clean up):" $left >&2
		echo "test.sh: removing them so the host is clean; the pass counts as failed" >&2
		for ns in $left; do ip netns del "$ns" || true; done
		[ "$rc" -ne 0 ] || rc=97
		totals="$totals; LEFT NETNS: $(echo $left)"
	fi

	if [ "$rc" -eq 0 ]; then
		summary+=("pass $n OK     $totals")
	else
		summary+=("pass $n FAILED (exit $rc)  $totals  -> target/test-pass-$n.log")
		failed=1
	fi
}

run_pass 1 -B verify "$@"
run_pass 2 -B -Djnr.ffi.asm.enabled=false verify "$@"

echo
echo "==> test.sh: summary ($root)"
for line in "${summary[@]}"; do echo "  $line"; done
if [ "$failed" -ne 0 ]; then
	echo "test.sh: FAILED" >&2
	exit 1
fi
echo "test.sh: all passes OK"
