//! (to be written) Xen 4.17 `memory` interface.
