#!/usr/bin/env bash
# bpf/build.sh OUTPUT_DIR - compile bpf/cellflow.bpf.c to OUTPUT_DIR/cellflow.bpf.o.
#
# Works from any directory. Does nothing when the object is newer than its
# sources (cellflow.bpf.c, cellflow.h and this script). Exits 1 with an install
# hint when clang, clang's BPF target or the libbpf headers are missing.
set -euo pipefail

die() {
	echo "bpf/build.sh: error: $*" >&2
	exit 1
}

install_hint="install them with: apt-get install -y clang libbpf-dev (or run scripts/install-deps.sh)"

[ $# -eq 1 ] && [ -n "$1" ] || die "usage: bpf/build.sh OUTPUT_DIR"

# step: resolve OUTPUT_DIR against the caller's cwd, then work from the repo root
mkdir -p -- "$1"
out_dir=$(cd -- "$1" && pwd)
cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.."

src=bpf/cellflow.bpf.c
hdr=bpf/cellflow.h
obj=$out_dir/cellflow.bpf.o

# step: up to date?
if [ -f "$obj" ] && [ "$obj" -nt "$src" ] && [ "$obj" -nt "$hdr" ] && [ "$obj" -nt bpf/build.sh ]; then
	exit 0
fi

# step: toolchain checks
command -v clang >/dev/null 2>&1 || die "clang not found; $install_hint"
echo 'int x;' | clang -target bpf -c -x c - -o /dev/null >/dev/null 2>&1 ||
	die "$(command -v clang) cannot compile for the BPF target; $install_hint"
[ -f /usr/include/bpf/bpf_helpers.h ] ||
	die "/usr/include/bpf/bpf_helpers.h not found (libbpf-dev); $install_hint"

# step: flags
case "$(uname -m)" in
x86_64 | i?86) arch=x86 ;;
aarch64 | arm64) arch=arm64 ;;
arm*) arch=arm ;;
ppc64* | ppc) arch=powerpc ;;
s390*) arch=s390 ;;
riscv*) arch=riscv ;;
loongarch*) arch=loongarch ;;
mips*) arch=mips ;;
*) arch=$(uname -m) ;;
esac
cflags=(-O2 -g -target bpf -mcpu=v3 "-D__TARGET_ARCH_$arch" -Wall -Werror)
multiarch=$(gcc -print-multiarch 2>/dev/null || true)
if [ -n "$multiarch" ] && [ -d "/usr/include/$multiarch" ]; then
	cflags+=("-I/usr/include/$multiarch")
fi
cflags+=(-Ibpf)

# step: compile to a temporary name so that a failed build leaves no fresh-looking object
tmp=$(mktemp "$out_dir/.cellflow.bpf.o.XXXXXX")
trap 'rm -f -- "$tmp"' EXIT
clang "${cflags[@]}" -c "$src" -o "$tmp"
mv -f -- "$tmp" "$obj"
echo "bpf/build.sh: built $obj"
