//! Property tests: cached decisions equal uncached ones (also across policy
//! changes), binary round trips, Chinese Wall counters equal a replay, and
//! random or mutated input never panics the XML parser or binary loader.

use proptest::prelude::*;
use xen_acm::binary::{BinaryPolicy, ChwallBlock, SteBlock};
use xen_acm::engine::{Engine, SsidrefUpdate, DOM0};
use xen_acm::matrix::TypeMatrix;
use xen_acm::types::{PolicyCode, PolicyVersion, Ssidref};
use xen_acm::DomId;

const MYTEST: &str = include_str!("../../examples/acm/mytest-security_policy.xml");

fn matrix(rows: usize, types: usize, bits: &[bool]) -> TypeMatrix {
    let mut m = TypeMatrix::new(rows, types);
    for r in 0..rows {
        for t in 0..types {
            if bits[(r * types + t) % bits.len()] {
                m.set(r, t, true);
            }
        }
    }
    m
}

prop_compose! {
    /// A random CHWALL+STE policy; row 1 (Domain-0) carries every STE type.
    fn arb_policy()(
        types in 1usize..70,
        rows in 2usize..24,
        sets in 0usize..5,
        bits in proptest::collection::vec(proptest::bool::weighted(0.2), 64..256),
        set_bits in proptest::collection::vec(proptest::bool::weighted(0.3), 16..64),
        version in 0u32..1000,
    ) -> BinaryPolicy {
        let cw = matrix(rows, types, &bits);
        let mut ste = matrix(rows, types, &bits[7..]);
        for t in 0..types {
            ste.set(1, t, true);
        }
        BinaryPolicy {
            name: format!("p{types}x{rows}"),
            version: PolicyVersion::new(1, version),
            xml_hash: None,
            primary: PolicyCode::ChineseWall,
            secondary: PolicyCode::SimpleTypeEnforcement,
            chwall: Some(ChwallBlock { ssids: cw, conflict_sets: matrix(sets, types, &set_bits) }),
            ste: Some(SteBlock { ssids: ste }),
        }
    }
}

fn ssid(i: u16) -> Ssidref {
    Ssidref::vm_label(i)
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::with_cases(128)
    })]

    #[test]
    fn cached_equals_uncached(p in arb_policy(), q in arb_policy(),
                              pairs in proptest::collection::vec((0u16..30, 0u16..30), 1..200)) {
        let mut e = Engine::boot_with_cache(p, ssid(1), 3).unwrap();
        for &(a, b) in pairs.iter().chain(pairs.iter()) {
            prop_assert_eq!(e.may_share(ssid(a), ssid(b)), e.may_share_uncached(ssid(a), ssid(b)));
        }
        // A policy change must invalidate: answers follow the new tables.
        if q.chwall.as_ref().unwrap().ssids.rows() > 1 {
            e.change_policy(q, &SsidrefUpdate::default()).unwrap();
            for &(a, b) in &pairs {
                prop_assert_eq!(e.may_share(ssid(a), ssid(b)), e.may_share_uncached(ssid(a), ssid(b)));
            }
        }
    }

    #[test]
    fn binary_round_trip(p in arb_policy()) {
        let bytes = p.to_bytes();
        prop_assert_eq!(bytes.len() % 8, 0);
        let back = BinaryPolicy::from_bytes(&bytes).unwrap();
        prop_assert_eq!(&back, &p);
        prop_assert_eq!(back.to_bytes(), bytes);
    }

    #[test]
    fn chinese_wall_counters_equal_a_replay(
        p in arb_policy(),
        ops in proptest::collection::vec((1u16..12, 0u16..24, any::<bool>()), 1..80),
    ) {
        let rows = p.chwall.as_ref().unwrap().ssids.rows() as u16;
        let mut e = Engine::boot(p.clone(), ssid(1)).unwrap();
        // Running domains in start order (with labels that hold two types of
        // one conflict set, Xen's algebra depends on the order).
        let mut order: Vec<(DomId, Ssidref)> = Vec::new();
        for (dom, label, start) in ops {
            let d = DomId(dom);
            if start {
                let before = e.chwall_state().clone();
                match e.domain_create(d, ssid(label % rows)) {
                    Ok(()) => order.push((d, ssid(label % rows))),
                    Err(_) => prop_assert_eq!(e.chwall_state(), &before, "a refused create changes nothing"),
                }
            } else if e.domain_destroy(d).is_ok() {
                order.retain(|(x, _)| *x != d);
            }
            // Rebuild from scratch: boot + create every running domain.
            let mut fresh = Engine::boot(p.clone(), ssid(1)).unwrap();
            for &(id, s) in &order {
                fresh.domain_create(id, s).unwrap();
            }
            prop_assert_eq!(fresh.chwall_state(), e.chwall_state());
        }
        let ids: Vec<DomId> = e.domains().map(|(d, _)| d).filter(|d| *d != DOM0).collect();
        for d in ids {
            e.domain_destroy(d).unwrap();
        }
        let booted = Engine::boot(p, ssid(1)).unwrap();
        prop_assert_eq!(e.chwall_state(), booted.chwall_state());
    }

    #[test]
    fn binary_loader_survives_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = BinaryPolicy::from_bytes(&bytes);
    }

    #[test]
    fn binary_loader_survives_mutations(p in arb_policy(),
                                        edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..8)) {
        let mut bytes = p.to_bytes();
        for (at, v) in edits {
            let n = bytes.len();
            bytes[at % n] = v;
        }
        if let Ok(q) = BinaryPolicy::from_bytes(&bytes) {
            prop_assert_eq!(BinaryPolicy::from_bytes(&q.to_bytes()).unwrap(), q);
        }
    }

    #[test]
    fn xml_parser_survives_random_text(text in "\\PC{0,400}") {
        let _ = xen_acm::xml::parse_policy(&text);
    }

    #[test]
    fn xml_parser_survives_mutations(edits in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..6)) {
        let mut bytes = MYTEST.as_bytes().to_vec();
        for (at, v) in edits {
            let n = bytes.len();
            bytes[at % n] = v;
        }
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(doc) = xen_acm::xml::parse_policy(&text) {
            xen_acm::compile::compile(&doc).unwrap();
        }
    }
}
