# A mixed host: weighted hogs, a capped domain, I/O sleepers, and the
# toolstack changing things at run time. Used for the README plot.
pcpus 4
duration 12s
sample 200ms
seed 3

domain web    vcpus=2 weight=512 load=hog
domain batch  vcpus=3 weight=256 load=hog
domain capped vcpus=2 weight=1024 cap=50 load=hog
domain io     vcpus=2 weight=256 load=io:300us:3ms:40

at 3s  sched-credit -d batch -w 1024      # batch gets 4x the weight
at 6s  sched-credit -d capped -c 150      # raise the cap to 1.5 pCPUs
at 8s  vcpu-set web 1                     # hot-unplug one web vCPU
at 10s pcpu-remove 3                      # take a pCPU away
