//! Random bytes as a run of hypercalls from three domains, hostile writes to
//! their shared pages and guest upcall scans (the fuzz target's driver,
//! `xen_evtchn::chaos::run`, under `cargo test`): no panic, a consistent
//! channel table after every step, nothing leaked after teardown.

use proptest::prelude::*;
use xen_evtchn::chaos::{run, Summary};

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_operations_keep_the_invariants(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let s = run(&data);
        // Every step takes at least two bytes.
        prop_assert!(s.steps <= data.len() / 2);
    }
}

/// A scripted run: two domains connect and send, one switches to FIFO and
/// scans its queue, a third is destroyed mid-run.
#[test]
fn scripted_run_reaches_the_interesting_paths() {
    // kind, who, args… (see chaos.rs `step`).
    let data: &[u8] = &[
        4, 1, 3, 0, // d1: alloc_unbound(SELF, remote d0) → port 1
        5, 0, 1, 1, // d0: bind_interdomain(d1, port 1) → port 1
        8, 0, 1, // d0: send port 1
        15, 1, 0, 0, 8, 0, // d1: init_control(vcpu 0, gfn 0x10, offset 64)
        16, 1, 1, 0, // d1: expand_array(gfn 0x11), every word masked first
        19, 1, 1, // d1: unmask port 1 (pending: EVTCHNOP_unmask links it)
        18, 1, 0, 64, // d1: FIFO upcall scan handles it
        0xff, 2, 0, 0, 8, 0, 0, // d2: init_control, then destroyed
        10, 0, 1, // d0: close port 1
    ];
    let s = run(data);
    assert_eq!(
        s,
        Summary {
            steps: 9,
            max_interdomain: 2,
            handled: 1,
            fifo: true,
            destroyed_early: 1,
        }
    );
}

/// Pseudo-random inputs reach every deep path somewhere: connected
/// channels, the FIFO ABI, events handled by the guests, early destruction.
#[test]
fn random_inputs_reach_deep_paths() {
    let mut x = 0x9E37_79B9_7F4A_7C15u64;
    let mut total = Summary::default();
    for _ in 0..64 {
        let data: Vec<u8> = (0..1500)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        let s = run(&data);
        total.steps += s.steps;
        total.max_interdomain = total.max_interdomain.max(s.max_interdomain);
        total.handled += s.handled;
        total.fifo |= s.fifo;
        total.destroyed_early += s.destroyed_early;
    }
    assert!(total.steps > 64 * 100, "{total:?}");
    assert!(total.max_interdomain >= 8, "{total:?}");
    assert!(total.handled >= 20, "{total:?}");
    assert!(total.fifo, "{total:?}");
    assert!(total.destroyed_early > 0, "{total:?}");
}
