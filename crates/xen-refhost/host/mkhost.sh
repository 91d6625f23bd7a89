#!/bin/sh
# Builds the reference Xen host's boot files from Debian's packages.
#
#   mkhost.sh OUT [SRC:DEST ...]
#
# $REFHOST_DEBS (default OUT/debs)  the downloaded packages, kept between runs
# OUT/xen.gz   Debian's Xen 4.17 hypervisor
# OUT/vmlinuz  Debian's Linux 6.1 kernel (dom0)
# OUT/initrd   dom0's root filesystem: busybox, Xen's tools and libraries,
#              the Xen kernel modules, init.sh as /init, a Linux domU to
#              `xl create` (/boot/vmlinuz, /boot/domu.cpio.gz,
#              /etc/xen/linux-domu.cfg as PVH, linux-domu-pv.cfg as PV),
#              and every extra SRC file copied to DEST.
set -eu
mkdir -p "$1"
OUT=$(cd "$1" && pwd)
shift
HERE=$(cd "$(dirname "$0")" && pwd)
KVER=6.1.0-48-amd64
XENV=4.17
PKGS="linux-image-$KVER xen-hypervisor-$XENV-amd64 busybox-static xen-utils-$XENV
 xen-utils-common xenstore-utils libxenmisc$XENV libxencall1 libxendevicemodel1
 libxenevtchn1 libxenforeignmemory1 libxengnttab1 libxenhypfs1 libxenstore4
 libxentoolcore1 libxentoollog1 libyajl2"
# Modules in load order (dependencies first).
MODULES="drivers/xen/xen-evtchn drivers/xen/xen-gntdev drivers/xen/xen-gntalloc
 drivers/xen/xen-privcmd drivers/xen/xenfs/xenfs drivers/block/xen-blkback/xen-blkback
 drivers/net/xen-netback/xen-netback net/llc/llc net/802/stp net/bridge/bridge drivers/net/tun
 drivers/virtio/virtio drivers/virtio/virtio_ring drivers/virtio/virtio_pci_legacy_dev
 drivers/virtio/virtio_pci_modern_dev drivers/virtio/virtio_pci drivers/block/virtio_blk"

for tool in apt-get dpkg cpio gzip ldd; do
    command -v "$tool" >/dev/null || { echo "mkhost: $tool is missing" >&2; exit 1; }
done
DEBS=${REFHOST_DEBS:-$OUT/debs}
mkdir -p "$DEBS"
cd "$DEBS"
missing=
for p in $PKGS; do
    ls "${p}"_*.deb >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
    # apt-get warns when it cannot drop privileges for a root-owned dir.
    apt-get download $missing 2>&1 | grep -v '^W: Download is performed unsandboxed' || true
fi
for p in $PKGS; do
    ls "${p}"_*.deb >/dev/null 2>&1 || { echo "mkhost: could not download $p" >&2; exit 1; }
done

STAGE="$OUT/stage"
rm -rf "$STAGE" "$OUT/kernel" "$OUT/hv"
mkdir -p "$STAGE" "$OUT/kernel" "$OUT/hv"
for d in *.deb; do
    case "$d" in
        linux-image-*) dpkg -x "$d" "$OUT/kernel" ;;
        xen-hypervisor-*) dpkg -x "$d" "$OUT/hv" ;;
        *) dpkg -x "$d" "$STAGE" ;;
    esac
done
cp "$OUT/kernel/boot/vmlinuz-$KVER" "$OUT/vmlinuz"
cp "$OUT"/hv/boot/xen-$XENV-amd64.gz "$OUT/xen.gz"

# Kernel modules.
mkdir -p "$STAGE/lib/modules"
: > "$STAGE/lib/modules/order"
for m in $MODULES; do
    cp "$OUT/kernel/lib/modules/$KVER/kernel/$m.ko" "$STAGE/lib/modules/"
    echo "$(basename "$m").ko" >> "$STAGE/lib/modules/order"
done

# Libraries the Xen tools need that are not Xen's own: the host's copies
# (this machine runs the same Debian release as the packages).
LIBDIR="$STAGE/usr/lib/x86_64-linux-gnu"
mkdir -p "$STAGE/lib64" "$STAGE/lib/x86_64-linux-gnu"
for bin in "$STAGE"/usr/lib/xen-$XENV/bin/* "$STAGE"/usr/bin/xenstore; do
    [ -x "$bin" ] || continue
    LD_LIBRARY_PATH="$LIBDIR" ldd "$bin" 2>/dev/null | awk '/=> \// {print $3} /^\t\/lib64/ {print $1}'
done | sort -u | while read -r lib; do
    case "$lib" in
        "$STAGE"*) ;;
        *) cp -L "$lib" "$STAGE/lib/x86_64-linux-gnu/" ;;
    esac
done
cp -L /lib64/ld-linux-x86-64.so.2 "$STAGE/lib64/"
# glibc loads libgcc_s at run time for pthread_cancel (xl uses it).
cp -L /lib/x86_64-linux-gnu/libgcc_s.so.1 "$STAGE/lib/x86_64-linux-gnu/"

# busybox applets, Xen's tools on PATH, /init.
mkdir -p "$STAGE/bin" "$STAGE/sbin" "$STAGE/usr/sbin" "$STAGE/etc" "$STAGE/root" \
    "$STAGE/proc" "$STAGE/sys" "$STAGE/dev" "$STAGE/tmp"
for a in $("$STAGE/bin/busybox" --list); do
    [ -e "$STAGE/bin/$a" ] || ln -s busybox "$STAGE/bin/$a"
done
for t in "$STAGE"/usr/lib/xen-$XENV/bin/*; do
    n=$(basename "$t")
    [ -e "$STAGE/usr/sbin/$n" ] && [ ! -L "$STAGE/usr/sbin/$n" ] && continue
    ln -sf "/usr/lib/xen-$XENV/bin/$n" "$STAGE/usr/sbin/$n"
done
cp "$HERE/init.sh" "$STAGE/init"
chmod 755 "$STAGE/init"
echo "root:x:0:0:root:/root:/bin/sh" > "$STAGE/etc/passwd"
echo "root:x:0:" > "$STAGE/etc/group"

# The Linux domU: the same kernel with a busybox initramfs.
GUEST="$OUT/guest"
rm -rf "$GUEST"
mkdir -p "$GUEST/bin" "$GUEST/sbin" "$GUEST/proc" "$GUEST/sys" "$GUEST/dev" \
    "$STAGE/boot" "$STAGE/etc/xen" "$STAGE/var/log/xen/console"
cp "$STAGE/bin/busybox" "$GUEST/bin/busybox"
for a in $("$GUEST/bin/busybox" --list); do
    [ -e "$GUEST/bin/$a" ] || ln -s busybox "$GUEST/bin/$a"
done
cp "$HERE/domu-init.sh" "$GUEST/init"
printf '#!/bin/sh\necho "refguest: powering off"\nexec /bin/busybox poweroff -f\n' > "$GUEST/sbin/poweroff"
chmod 755 "$GUEST/init" "$GUEST/sbin/poweroff"
(cd "$GUEST" && find . | cpio -o -H newc --quiet) | gzip -9 > "$STAGE/boot/domu.cpio.gz"
cp "$OUT/vmlinuz" "$STAGE/boot/vmlinuz"
cp "$HERE/linux-domu.cfg" "$STAGE/etc/xen/linux-domu.cfg"
# The same guest as a PV domU (no SVM or nested paging involved).
sed -e 's/^type = "pvh"/type = "pv"/' -e '/^hap = /d' -e '/^tsc_mode = /d' \
    "$HERE/linux-domu.cfg" > "$STAGE/etc/xen/linux-domu-pv.cfg"

# Extra files from the caller.
for pair in "$@"; do
    src=${pair%%:*}
    dst=${pair#*:}
    mkdir -p "$STAGE/$(dirname "$dst")"
    cp -L "$src" "$STAGE/$dst"
done

# Drop what dom0 never needs here (python tools, docs, man pages).
rm -rf "$STAGE/usr/share/doc" "$STAGE/usr/share/man" "$STAGE/usr/lib/python3"
(cd "$STAGE" && find . | cpio -o -H newc --quiet) | gzip -1 > "$OUT/initrd"
echo "mkhost: $(du -h "$OUT/initrd" | cut -f1) initrd, kernel $KVER, Xen $XENV"
