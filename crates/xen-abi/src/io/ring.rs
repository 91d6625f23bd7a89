//! (to be written) Xen 4.17 `io/ring.h` interface.
