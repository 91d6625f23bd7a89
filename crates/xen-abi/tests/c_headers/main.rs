//! Cross-checks xen-abi against Xen's installed C headers.
//!
//! Each area module registers the structures and constants it defines,
//! naming the C type, the C fields and the C macros they mirror. The test
//! writes one C program printing `sizeof`/`offsetof`/values of all of them,
//! compiles it against `/usr/include/xen` (Debian's `libxen-dev`, Xen 4.17)
//! and compares every line with what Rust computes for the same items.
//!
//! When no C compiler or no Xen headers are installed the test says so and
//! passes, unless `XEN_ABI_REQUIRE_C_HEADERS=1` is set (CI sets it), in which
//! case their absence is a failure.

#[macro_use]
mod harness;

mod area_core;
mod area_grant_evtchn;
mod area_io;
mod area_toolstack;

#[test]
fn layouts_and_constants_match_xen_c_headers() {
    let mut check = harness::Check::default();
    area_core::register(&mut check);
    area_grant_evtchn::register(&mut check);
    area_io::register(&mut check);
    area_toolstack::register(&mut check);
    check.run();
}
