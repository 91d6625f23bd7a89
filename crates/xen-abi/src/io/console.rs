//! (to be written) Xen 4.17 `io/console.h` interface.
