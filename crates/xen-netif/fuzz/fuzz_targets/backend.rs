//! A hostile frontend drives the network backend: the input is a script of
//! raw and shaped TX slots, RX buffers, producer-index jumps, grant-page
//! scribbles, grant revocations, packets for the guest and processing
//! rounds (`xen_netif::fuzzing::drive`, also run by `tests/hostile.rs`).
//! The backend must never panic, and a well-behaved second queue must
//! keep exchanging frames intact.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    xen_netif::fuzzing::drive(data);
});
