//! (to be written) Xen 4.17 `io/blkif.h` interface.
