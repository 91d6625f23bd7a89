# I/O-bound vCPUs (short bursts, long sleeps) next to CPU hogs on 2 pCPUs.
# The I/O vCPUs wake UNDER, are boosted and preempt the hogs once these have
# run for the 1 ms rate limit: see lat-p99 and lat-max of "net" and "disk".
pcpus 2
duration 10s
measure-from 100ms
sample 250ms
seed 7

domain hogs vcpus=4 load=hog
domain net  vcpus=2 load=io:150us:2ms:50
domain disk vcpus=1 load=io:500us:8ms:30
