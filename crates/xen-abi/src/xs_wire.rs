//! (to be written) Xen 4.17 `xs_wire` interface.
