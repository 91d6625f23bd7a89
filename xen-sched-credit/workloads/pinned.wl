# Hard and soft affinity (xm vcpu-pin). Two vCPUs are pinned to pCPU 0 and
# share it; the free vCPUs use the rest. At 5 s the pinned domain is
# released to pCPUs 0-1 and one free vCPU is confined to pCPU 3.
pcpus 4
duration 10s
sample 250ms

domain pinned vcpus=2 load=hog pin=0
domain free   vcpus=3 load=hog
domain soft   vcpus=1 load=hog soft=2
vcpu free.2 load=io:1ms:4ms:20

at 5s vcpu-pin pinned all 0-1
at 5s vcpu-pin free 0 3
