//! (to be written) Xen 4.17 `grant_table` interface.
