//! Arbitrary bytes as hostile guest table writes and grant-table
//! hypercalls on a host world; the driver panics if an invariant breaks.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    xen_grant::chaos::run(data);
});
