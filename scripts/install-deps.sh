#!/usr/bin/env bash
# scripts/install-deps.sh - install (Debian/apt) whatever cellflow needs to build, test and run,
# and nothing that is already there. Idempotent: a second run installs nothing.
#
# Needs root. Runs `apt-get update` only when something must be installed.
set -euo pipefail

die() {
	echo "install-deps: error: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "must run as root (it installs packages with apt-get); try: sudo $0"
command -v apt-get >/dev/null 2>&1 || die "apt-get not found: this script supports Debian/Ubuntu only"

# root's PATH normally has the sbin directories; a minimal environment (CI, cron) may not
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
export DEBIAN_FRONTEND=noninteractive

have() { command -v "$1" >/dev/null 2>&1; }
have_lib() { ldconfig -p 2>/dev/null | grep -q "[[:space:]]$1[[:space:]]"; }
clang_bpf_ok() { have clang && echo 'int x;' | clang -target bpf -c -x c - -o /dev/null >/dev/null 2>&1; }
jdk17_ok() {
	have javac || return 1
	local v
	v=$(javac -version 2>&1 | sed -n 's/^javac \([0-9][0-9]*\).*/\1/p')
	[ -n "$v" ] && [ "$v" -ge 17 ]
}

# step: work out what is missing (package name <- check)
missing=()
have clang || missing+=(clang)
# clang's BPF backend normally ships with clang itself; llvm only when it does not
if have clang && ! clang_bpf_ok; then missing+=(llvm); fi
[ -f /usr/include/bpf/bpf_helpers.h ] || missing+=(libbpf-dev)
# kernel UAPI headers (linux/bpf.h, asm/types.h) for bpf/cellflow.bpf.c; libbpf-dev usually pulls them in
[ -f /usr/include/linux/bpf.h ] || missing+=(linux-libc-dev)
have_lib libbpf.so.1 || missing+=(libbpf1)
have bpftool || missing+=(bpftool)
have nft || missing+=(nftables)
have_lib libnftables.so.1 || missing+=(libnftables1)
{ have ip && have tc; } || missing+=(iproute2)
have ping || missing+=(iputils-ping)
have curl || missing+=(curl)
have gcc || missing+=(gcc)
have make || missing+=(make)
jdk17_ok || missing+=(openjdk-17-jdk-headless)

if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: everything present"
	exit 0
fi

# step: install
echo "install-deps: installing ${missing[*]}"
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"

# step: clang was just installed: make sure it can target BPF (else add llvm)
if ! clang_bpf_ok; then
	echo "install-deps: installing llvm (clang cannot compile for the BPF target)"
	apt-get install -y -q --no-install-recommends llvm
	clang_bpf_ok || die "$(command -v clang) still cannot compile for the BPF target"
fi
jdk17_ok || die "javac is not JDK 17 or newer after installing openjdk-17-jdk-headless (check update-alternatives --config javac)"
echo "install-deps: done"
