//! (to be written) Xen 4.17 `io/xenbus.h` interface.
