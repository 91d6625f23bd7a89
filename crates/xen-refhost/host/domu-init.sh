#!/bin/sh
# /init of the reference host's Linux domU: reports on its console and
# idles; Linux's own shutdown watcher (control/shutdown in xenstore) runs
# /sbin/poweroff when the toolstack asks it to stop.
export PATH=/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "refguest: up ($(uname -r), $(cat /sys/hypervisor/type 2>/dev/null) guest)"
while :; do sleep 3600; done
