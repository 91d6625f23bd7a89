#!/bin/sh
# /init of the reference host's dom0: mounts, loads the Xen modules, starts
# a xenstore daemon and xenconsoled, then hands the console to a shell.
#
# Kernel command line:
#   refhost.xenstored=c       Xen's C xenstored (default)
#   refhost.xenstored=oxen    Xen's oxenstored
#   refhost.xenstored=none    none (the test starts one)
#   refhost.xenstored=/path   that binary (stderr in /var/log/xen/xenstored.log)
# xenconsoled logs every guest's console to /var/log/xen/console/guest-<name>.log.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mkdir -p /proc /sys /dev
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /tmp /run /var/run /var/log/xen/console /var/lib/xen /var/lib/xenstored
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mkdir -p /run/xen /run/xenstored
ln -sfn /run/xen /var/run/xen
ln -sfn /run/xenstored /var/run/xenstored
while read -r m; do
    insmod "/lib/modules/$m" || echo "refhost: insmod $m failed"
done < /lib/modules/order
mount -t xenfs xenfs /proc/xen

store=c
for arg in $(cat /proc/cmdline); do
    case "$arg" in
        refhost.xenstored=*) store=${arg#refhost.xenstored=} ;;
    esac
done
case "$store" in
    c) xenstored --pid-file /run/xen/xenstored.pid ;;
    oxen) oxenstored --pid-file /run/xen/xenstored.pid ;;
    none) ;;
    *) "$store" --pid-file /run/xen/xenstored.pid 2>/var/log/xen/xenstored.log & ;;
esac
if [ "$store" != none ]; then
    i=0
    # -s: through the socket only (the kernel's xenbus would wait for ever
    # on a daemon that never came up).
    until xenstore-exists -s / 2>/dev/null; do
        i=$((i + 1))
        if [ $i -gt 300 ]; then
            echo "refhost: xenstored did not come up"
            cat /var/log/xen/xenstored.log 2>/dev/null
            break
        fi
        sleep 0.1
    done
    xen-init-dom0
    xenconsoled --pid-file=/run/xen/xenconsoled.pid --log=guest --log-dir=/var/log/xen/console
fi
echo "refhost: ready ($(uname -r), xenstored=$store)"
export PS1='# '
# The shell leads its own session with hvc0 as its controlling terminal, so
# no daemon can take the console over (and hang it up when it exits); if the
# shell ever ends anyway, a new one takes its place.
while :; do
    setsid -c /bin/sh -i </dev/hvc0 >/dev/hvc0 2>&1
    echo "refhost: the console shell ended; starting another" >/dev/hvc0
done
