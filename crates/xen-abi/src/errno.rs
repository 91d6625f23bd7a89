//! (to be written) Xen 4.17 `errno` interface.
