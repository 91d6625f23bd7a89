//! (to be written) Xen 4.17 `arch_x86` interface.
