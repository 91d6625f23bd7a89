# 1,000 vCPUs on 64 pCPUs for 10 simulated seconds: 125 domains of 4 hogs
# with weights 128-1024 and 125 domains of 4 I/O-bound vCPUs (200 us bursts,
# 4 ms sleeps). The simulator benchmark runs this shape; credit-sim prints
# its wall time.
pcpus 64
duration 10s
sample 1s
domain hog0 vcpus=4 weight=128 load=hog
domain hog1 vcpus=4 weight=256 load=hog
domain hog2 vcpus=4 weight=512 load=hog
domain hog3 vcpus=4 weight=1024 load=hog
domain hog4 vcpus=4 weight=128 load=hog
domain hog5 vcpus=4 weight=256 load=hog
domain hog6 vcpus=4 weight=512 load=hog
domain hog7 vcpus=4 weight=1024 load=hog
domain hog8 vcpus=4 weight=128 load=hog
domain hog9 vcpus=4 weight=256 load=hog
domain hog10 vcpus=4 weight=512 load=hog
domain hog11 vcpus=4 weight=1024 load=hog
domain hog12 vcpus=4 weight=128 load=hog
domain hog13 vcpus=4 weight=256 load=hog
domain hog14 vcpus=4 weight=512 load=hog
domain hog15 vcpus=4 weight=1024 load=hog
domain hog16 vcpus=4 weight=128 load=hog
domain hog17 vcpus=4 weight=256 load=hog
domain hog18 vcpus=4 weight=512 load=hog
domain hog19 vcpus=4 weight=1024 load=hog
domain hog20 vcpus=4 weight=128 load=hog
domain hog21 vcpus=4 weight=256 load=hog
domain hog22 vcpus=4 weight=512 load=hog
domain hog23 vcpus=4 weight=1024 load=hog
domain hog24 vcpus=4 weight=128 load=hog
domain hog25 vcpus=4 weight=256 load=hog
domain hog26 vcpus=4 weight=512 load=hog
domain hog27 vcpus=4 weight=1024 load=hog
domain hog28 vcpus=4 weight=128 load=hog
domain hog29 vcpus=4 weight=256 load=hog
domain hog30 vcpus=4 weight=512 load=hog
domain hog31 vcpus=4 weight=1024 load=hog
domain hog32 vcpus=4 weight=128 load=hog
domain hog33 vcpus=4 weight=256 load=hog
domain hog34 vcpus=4 weight=512 load=hog
domain hog35 vcpus=4 weight=1024 load=hog
domain hog36 vcpus=4 weight=128 load=hog
domain hog37 vcpus=4 weight=256 load=hog
domain hog38 vcpus=4 weight=512 load=hog
domain hog39 vcpus=4 weight=1024 load=hog
domain hog40 vcpus=4 weight=128 load=hog
domain hog41 vcpus=4 weight=256 load=hog
domain hog42 vcpus=4 weight=512 load=hog
domain hog43 vcpus=4 weight=1024 load=hog
domain hog44 vcpus=4 weight=128 load=hog
domain hog45 vcpus=4 weight=256 load=hog
domain hog46 vcpus=4 weight=512 load=hog
domain hog47 vcpus=4 weight=1024 load=hog
domain hog48 vcpus=4 weight=128 load=hog
domain hog49 vcpus=4 weight=256 load=hog
domain hog50 vcpus=4 weight=512 load=hog
domain hog51 vcpus=4 weight=1024 load=hog
domain hog52 vcpus=4 weight=128 load=hog
domain hog53 vcpus=4 weight=256 load=hog
domain hog54 vcpus=4 weight=512 load=hog
domain hog55 vcpus=4 weight=1024 load=hog
domain hog56 vcpus=4 weight=128 load=hog
domain hog57 vcpus=4 weight=256 load=hog
domain hog58 vcpus=4 weight=512 load=hog
domain hog59 vcpus=4 weight=1024 load=hog
domain hog60 vcpus=4 weight=128 load=hog
domain hog61 vcpus=4 weight=256 load=hog
domain hog62 vcpus=4 weight=512 load=hog
domain hog63 vcpus=4 weight=1024 load=hog
domain hog64 vcpus=4 weight=128 load=hog
domain hog65 vcpus=4 weight=256 load=hog
domain hog66 vcpus=4 weight=512 load=hog
domain hog67 vcpus=4 weight=1024 load=hog
domain hog68 vcpus=4 weight=128 load=hog
domain hog69 vcpus=4 weight=256 load=hog
domain hog70 vcpus=4 weight=512 load=hog
domain hog71 vcpus=4 weight=1024 load=hog
domain hog72 vcpus=4 weight=128 load=hog
domain hog73 vcpus=4 weight=256 load=hog
domain hog74 vcpus=4 weight=512 load=hog
domain hog75 vcpus=4 weight=1024 load=hog
domain hog76 vcpus=4 weight=128 load=hog
domain hog77 vcpus=4 weight=256 load=hog
domain hog78 vcpus=4 weight=512 load=hog
domain hog79 vcpus=4 weight=1024 load=hog
domain hog80 vcpus=4 weight=128 load=hog
domain hog81 vcpus=4 weight=256 load=hog
domain hog82 vcpus=4 weight=512 load=hog
domain hog83 vcpus=4 weight=1024 load=hog
domain hog84 vcpus=4 weight=128 load=hog
domain hog85 vcpus=4 weight=256 load=hog
domain hog86 vcpus=4 weight=512 load=hog
domain hog87 vcpus=4 weight=1024 load=hog
domain hog88 vcpus=4 weight=128 load=hog
domain hog89 vcpus=4 weight=256 load=hog
domain hog90 vcpus=4 weight=512 load=hog
domain hog91 vcpus=4 weight=1024 load=hog
domain hog92 vcpus=4 weight=128 load=hog
domain hog93 vcpus=4 weight=256 load=hog
domain hog94 vcpus=4 weight=512 load=hog
domain hog95 vcpus=4 weight=1024 load=hog
domain hog96 vcpus=4 weight=128 load=hog
domain hog97 vcpus=4 weight=256 load=hog
domain hog98 vcpus=4 weight=512 load=hog
domain hog99 vcpus=4 weight=1024 load=hog
domain hog100 vcpus=4 weight=128 load=hog
domain hog101 vcpus=4 weight=256 load=hog
domain hog102 vcpus=4 weight=512 load=hog
domain hog103 vcpus=4 weight=1024 load=hog
domain hog104 vcpus=4 weight=128 load=hog
domain hog105 vcpus=4 weight=256 load=hog
domain hog106 vcpus=4 weight=512 load=hog
domain hog107 vcpus=4 weight=1024 load=hog
domain hog108 vcpus=4 weight=128 load=hog
domain hog109 vcpus=4 weight=256 load=hog
domain hog110 vcpus=4 weight=512 load=hog
domain hog111 vcpus=4 weight=1024 load=hog
domain hog112 vcpus=4 weight=128 load=hog
domain hog113 vcpus=4 weight=256 load=hog
domain hog114 vcpus=4 weight=512 load=hog
domain hog115 vcpus=4 weight=1024 load=hog
domain hog116 vcpus=4 weight=128 load=hog
domain hog117 vcpus=4 weight=256 load=hog
domain hog118 vcpus=4 weight=512 load=hog
domain hog119 vcpus=4 weight=1024 load=hog
domain hog120 vcpus=4 weight=128 load=hog
domain hog121 vcpus=4 weight=256 load=hog
domain hog122 vcpus=4 weight=512 load=hog
domain hog123 vcpus=4 weight=1024 load=hog
domain hog124 vcpus=4 weight=128 load=hog
domain io0 vcpus=4 load=io:200us:4ms:50
domain io1 vcpus=4 load=io:200us:4ms:50
domain io2 vcpus=4 load=io:200us:4ms:50
domain io3 vcpus=4 load=io:200us:4ms:50
domain io4 vcpus=4 load=io:200us:4ms:50
domain io5 vcpus=4 load=io:200us:4ms:50
domain io6 vcpus=4 load=io:200us:4ms:50
domain io7 vcpus=4 load=io:200us:4ms:50
domain io8 vcpus=4 load=io:200us:4ms:50
domain io9 vcpus=4 load=io:200us:4ms:50
domain io10 vcpus=4 load=io:200us:4ms:50
domain io11 vcpus=4 load=io:200us:4ms:50
domain io12 vcpus=4 load=io:200us:4ms:50
domain io13 vcpus=4 load=io:200us:4ms:50
domain io14 vcpus=4 load=io:200us:4ms:50
domain io15 vcpus=4 load=io:200us:4ms:50
domain io16 vcpus=4 load=io:200us:4ms:50
domain io17 vcpus=4 load=io:200us:4ms:50
domain io18 vcpus=4 load=io:200us:4ms:50
domain io19 vcpus=4 load=io:200us:4ms:50
domain io20 vcpus=4 load=io:200us:4ms:50
domain io21 vcpus=4 load=io:200us:4ms:50
domain io22 vcpus=4 load=io:200us:4ms:50
domain io23 vcpus=4 load=io:200us:4ms:50
domain io24 vcpus=4 load=io:200us:4ms:50
domain io25 vcpus=4 load=io:200us:4ms:50
domain io26 vcpus=4 load=io:200us:4ms:50
domain io27 vcpus=4 load=io:200us:4ms:50
domain io28 vcpus=4 load=io:200us:4ms:50
domain io29 vcpus=4 load=io:200us:4ms:50
domain io30 vcpus=4 load=io:200us:4ms:50
domain io31 vcpus=4 load=io:200us:4ms:50
domain io32 vcpus=4 load=io:200us:4ms:50
domain io33 vcpus=4 load=io:200us:4ms:50
domain io34 vcpus=4 load=io:200us:4ms:50
domain io35 vcpus=4 load=io:200us:4ms:50
domain io36 vcpus=4 load=io:200us:4ms:50
domain io37 vcpus=4 load=io:200us:4ms:50
domain io38 vcpus=4 load=io:200us:4ms:50
domain io39 vcpus=4 load=io:200us:4ms:50
domain io40 vcpus=4 load=io:200us:4ms:50
domain io41 vcpus=4 load=io:200us:4ms:50
domain io42 vcpus=4 load=io:200us:4ms:50
domain io43 vcpus=4 load=io:200us:4ms:50
domain io44 vcpus=4 load=io:200us:4ms:50
domain io45 vcpus=4 load=io:200us:4ms:50
domain io46 vcpus=4 load=io:200us:4ms:50
domain io47 vcpus=4 load=io:200us:4ms:50
domain io48 vcpus=4 load=io:200us:4ms:50
domain io49 vcpus=4 load=io:200us:4ms:50
domain io50 vcpus=4 load=io:200us:4ms:50
domain io51 vcpus=4 load=io:200us:4ms:50
domain io52 vcpus=4 load=io:200us:4ms:50
domain io53 vcpus=4 load=io:200us:4ms:50
domain io54 vcpus=4 load=io:200us:4ms:50
domain io55 vcpus=4 load=io:200us:4ms:50
domain io56 vcpus=4 load=io:200us:4ms:50
domain io57 vcpus=4 load=io:200us:4ms:50
domain io58 vcpus=4 load=io:200us:4ms:50
domain io59 vcpus=4 load=io:200us:4ms:50
domain io60 vcpus=4 load=io:200us:4ms:50
domain io61 vcpus=4 load=io:200us:4ms:50
domain io62 vcpus=4 load=io:200us:4ms:50
domain io63 vcpus=4 load=io:200us:4ms:50
domain io64 vcpus=4 load=io:200us:4ms:50
domain io65 vcpus=4 load=io:200us:4ms:50
domain io66 vcpus=4 load=io:200us:4ms:50
domain io67 vcpus=4 load=io:200us:4ms:50
domain io68 vcpus=4 load=io:200us:4ms:50
domain io69 vcpus=4 load=io:200us:4ms:50
domain io70 vcpus=4 load=io:200us:4ms:50
domain io71 vcpus=4 load=io:200us:4ms:50
domain io72 vcpus=4 load=io:200us:4ms:50
domain io73 vcpus=4 load=io:200us:4ms:50
domain io74 vcpus=4 load=io:200us:4ms:50
domain io75 vcpus=4 load=io:200us:4ms:50
domain io76 vcpus=4 load=io:200us:4ms:50
domain io77 vcpus=4 load=io:200us:4ms:50
domain io78 vcpus=4 load=io:200us:4ms:50
domain io79 vcpus=4 load=io:200us:4ms:50
domain io80 vcpus=4 load=io:200us:4ms:50
domain io81 vcpus=4 load=io:200us:4ms:50
domain io82 vcpus=4 load=io:200us:4ms:50
domain io83 vcpus=4 load=io:200us:4ms:50
domain io84 vcpus=4 load=io:200us:4ms:50
domain io85 vcpus=4 load=io:200us:4ms:50
domain io86 vcpus=4 load=io:200us:4ms:50
domain io87 vcpus=4 load=io:200us:4ms:50
domain io88 vcpus=4 load=io:200us:4ms:50
domain io89 vcpus=4 load=io:200us:4ms:50
domain io90 vcpus=4 load=io:200us:4ms:50
domain io91 vcpus=4 load=io:200us:4ms:50
domain io92 vcpus=4 load=io:200us:4ms:50
domain io93 vcpus=4 load=io:200us:4ms:50
domain io94 vcpus=4 load=io:200us:4ms:50
domain io95 vcpus=4 load=io:200us:4ms:50
domain io96 vcpus=4 load=io:200us:4ms:50
domain io97 vcpus=4 load=io:200us:4ms:50
domain io98 vcpus=4 load=io:200us:4ms:50
domain io99 vcpus=4 load=io:200us:4ms:50
domain io100 vcpus=4 load=io:200us:4ms:50
domain io101 vcpus=4 load=io:200us:4ms:50
domain io102 vcpus=4 load=io:200us:4ms:50
domain io103 vcpus=4 load=io:200us:4ms:50
domain io104 vcpus=4 load=io:200us:4ms:50
domain io105 vcpus=4 load=io:200us:4ms:50
domain io106 vcpus=4 load=io:200us:4ms:50
domain io107 vcpus=4 load=io:200us:4ms:50
domain io108 vcpus=4 load=io:200us:4ms:50
domain io109 vcpus=4 load=io:200us:4ms:50
domain io110 vcpus=4 load=io:200us:4ms:50
domain io111 vcpus=4 load=io:200us:4ms:50
domain io112 vcpus=4 load=io:200us:4ms:50
domain io113 vcpus=4 load=io:200us:4ms:50
domain io114 vcpus=4 load=io:200us:4ms:50
domain io115 vcpus=4 load=io:200us:4ms:50
domain io116 vcpus=4 load=io:200us:4ms:50
domain io117 vcpus=4 load=io:200us:4ms:50
domain io118 vcpus=4 load=io:200us:4ms:50
domain io119 vcpus=4 load=io:200us:4ms:50
domain io120 vcpus=4 load=io:200us:4ms:50
domain io121 vcpus=4 load=io:200us:4ms:50
domain io122 vcpus=4 load=io:200us:4ms:50
domain io123 vcpus=4 load=io:200us:4ms:50
domain io124 vcpus=4 load=io:200us:4ms:50
