//! (to be written) Xen 4.17 `io/protocols.h` interface.
