//! (to be written) Xen 4.17 `event_channel` interface.
