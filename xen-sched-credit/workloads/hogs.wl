# CPU hogs with different weights on 4 pCPUs.
# Expect shares proportional to weight (per vCPU), within 1 point of the
# weighted fair share: web 2 x 100 %, db 133 %, batch 67 %.
pcpus 4
duration 10s
sample 250ms

domain web   vcpus=2 weight=1024 load=hog
domain db    vcpus=2 weight=512  load=hog
domain batch vcpus=2 weight=256  load=hog
