//! Arbitrary bytes as event-channel hypercalls from three domains, hostile
//! writes to their shared pages and guest upcall scans on a host world; the
//! driver (`xen_evtchn::chaos::run`) panics if an invariant breaks.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    xen_evtchn::chaos::run(data);
});
