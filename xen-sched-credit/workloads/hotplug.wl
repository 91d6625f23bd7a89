# vCPU hot-plug (xm vcpu-set) and pCPUs leaving and joining, plus a rejected
# command (a cap above 100 x vCPUs) to show the toolstack-style error.
pcpus 4
duration 10s
sample 250ms

domain grow   vcpus=4 online=1 load=hog
domain steady vcpus=2 load=hog

at 2s vcpu-set grow 4
at 4s pcpu-remove 2
at 5s pcpu-remove 3
at 6s sched-credit -d steady -c 500
at 7s pcpu-add 2
at 8s vcpu-set grow 2
at 9s pcpu-add 3
