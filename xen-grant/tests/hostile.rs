//! Random input at every hypercall entry point and hostile table contents
//! (the fuzz target's driver, run by `cargo test`).

use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_operations_keep_the_invariants(data in proptest::collection::vec(any::<u8>(), 0..2048)) {
        xen_grant::chaos::run(&data);
    }
}
