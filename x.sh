#!/usr/bin/env bash
# Entry point for a fresh machine: installs what the project needs, then
# hands over to the task runner (`cargo xtask`).
#
#   ./x.sh run     the main job
#   ./x.sh test    every check and test suite (what CI runs)
#   ./x.sh bench   every benchmark, with same-run reference ratios
set -euo pipefail
cd "$(dirname "$0")"

# Debian packages the tests and the main job use:
#   libxen-dev      Xen 4.17 public headers: ground truth for the ABI cross-check
#   xenstore-utils  Debian's xenstore-* clients: peers of our xenstored
#   gcc             compiles the C side of the ABI cross-check
#   qemu-system-x86 boots xen-hv (TCG emulates AMD SVM with nested paging)
#   grub-pc-bin grub-common xorriso mtools
#                   grub-mkrescue: the multiboot2 ISO that boots xen-hv
#   cpio            the reference Xen host's dom0 initramfs (crates/xen-refhost)
APT_PACKAGES=(libxen-dev xenstore-utils gcc qemu-system-x86 grub-pc-bin grub-common xorriso mtools cpio)

need_apt=()
for p in "${APT_PACKAGES[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || need_apt+=("$p")
done
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "x.sh: installing Debian packages: ${need_apt[*]}" >&2
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# Debian's Xen 4.17 pieces used as peers in tests are fetched with apt and
# unpacked into target/xen-utils, never installed (installing xen-utils-4.17
# pulls in udev, upgrades systemd and adds Xen init scripts):
#   xen-utils-4.17             test-xenstore, a peer test of our xenstored
#   xen-hypervisor-4.17-amd64  the real hypervisor our guests also run on
unpack_deb() {  # <package> <file it provides, relative to target/xen-utils>
    [ -e "target/xen-utils/$2" ] && return 0
    echo "x.sh: unpacking $1 into target/xen-utils" >&2
    tmp=$(mktemp -d)
    ( cd "$tmp" && apt-get download -qq "$1" 2>/dev/null ) || {
        SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
        $SUDO apt-get update -qq
        ( cd "$tmp" && apt-get download -qq "$1" )
    }
    mkdir -p target/xen-utils
    dpkg-deb -x "$tmp"/"$1"_*.deb target/xen-utils
    rm -rf "$tmp"
}
if [ ! -x /usr/lib/xen-4.17/bin/test-xenstore ]; then
    unpack_deb xen-utils-4.17 usr/lib/xen-4.17/bin/test-xenstore
fi
unpack_deb xen-hypervisor-4.17-amd64 boot/xen-4.17-amd64.gz

if ! command -v cargo >/dev/null 2>&1; then
    [ -x "$HOME/.cargo/bin/cargo" ] || {
        echo "x.sh: installing the Rust toolchain with rustup" >&2
        curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    }
    export PATH="$HOME/.cargo/bin:$PATH"
fi
# rust-toolchain.toml names the channel, components and the bare-metal target;
# rustup installs whichever of them is missing on first use.
rustup show active-toolchain >/dev/null

cmd="${1:-}"
[ $# -gt 0 ] && shift
case "$cmd" in
    run)   exec cargo xtask run "$@" ;;
    test)  exec cargo xtask test "$@" ;;
    bench) exec cargo xtask bench "$@" ;;
    *) echo "usage: ./x.sh run|test|bench [options]" >&2; exit 2 ;;
esac
