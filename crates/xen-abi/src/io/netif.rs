//! (to be written) Xen 4.17 `io/netif.h` interface.
