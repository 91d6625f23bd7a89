//! Fairness: hogs get their weighted fair share within ±1 percentage point
//! (of one pCPU) over 10 simulated seconds.
//!
//! The fair share is the weighted max-min allocation
//! ([`xen_sched_credit::sim::fair`]), respecting caps and affinity. Credit1
//! meets it to ±1 pp where its credit model is exact: equal weights on any
//! number of pCPUs, and weighted domains as long as the vCPUs sharing a pCPU
//! do not outnumber what one accounting period can resolve (see the README
//! section "Where credit1 is not fair" and the `documented_*` tests below
//! for the cases where Xen's algorithm itself deviates).

mod common;

use common::*;
use proptest::prelude::*;

fn assert_fair(text: &str) {
    let st = run_text(text);
    for (name, share, fair) in vcpu_pairs(&st) {
        assert!(
            (share - fair).abs() <= 1.0,
            "vCPU {name}: share {share:.2}% vs fair {fair:.2}%\n{text}\n{}",
            st.report()
        );
    }
}

fn hogs(pcpus: u32, doms: &[(u32, u32)]) -> String {
    let d: Vec<HogDomain> = doms
        .iter()
        .map(|&(weight, vcpus)| HogDomain {
            weight,
            cap: 0,
            vcpus,
            pin: None,
        })
        .collect();
    hog_workload_text(pcpus, &d, "")
}

#[test]
fn two_to_one_on_one_pcpu() {
    let st = run_text(&hogs(1, &[(256, 1), (512, 1)]));
    assert!((st.domains[0].share_pct - 100.0 / 3.0).abs() <= 1.0);
    assert!((st.domains[1].share_pct - 200.0 / 3.0).abs() <= 1.0);
}

#[test]
fn weighted_triples_on_one_pcpu() {
    assert_fair(&hogs(1, &[(128, 1), (128, 1), (256, 1)]));
    assert_fair(&hogs(1, &[(256, 1), (512, 1), (768, 1)]));
}

#[test]
fn heavy_domain_saturates_its_vcpus() {
    // Weight 300 would entitle b to more than one pCPU per vCPU: it gets
    // exactly one each and a gets the rest.
    assert_fair(&hogs(4, &[(100, 2), (300, 3)]));
    assert_fair(&hogs(2, &[(100, 2), (300, 2)]));
    assert_fair(&hogs(2, &[(256, 1), (512, 1), (256, 1)]));
}

#[test]
fn equal_weights_overcommitted() {
    assert_fair(&hogs(2, &[(256, 1), (256, 1), (256, 1)]));
    assert_fair(&hogs(4, &[(256, 3), (256, 2), (256, 2)]));
}

#[test]
fn pinned_hogs_share_their_pcpu() {
    let d = [
        HogDomain {
            weight: 256,
            cap: 0,
            vcpus: 2,
            pin: Some("0".into()),
        },
        HogDomain {
            weight: 256,
            cap: 0,
            vcpus: 1,
            pin: Some("0".into()),
        },
        HogDomain {
            weight: 256,
            cap: 0,
            vcpus: 2,
            pin: Some("1-2".into()),
        },
    ];
    assert_fair(&hog_workload_text(3, &d, ""));
}

/// Documented credit1 deviation: credit is handed out by weight without
/// regard to affinity, and OVER vCPUs never steal from OVER vCPUs. Free
/// vCPUs placed 2-2-1 on three pCPUs, all in debt, stay put, so the lone one
/// keeps a whole pCPU (the fair share would be 60% each).
#[test]
fn documented_pinning_skews_free_vcpus() {
    let text = "pcpus 4\nduration 10s\n\
        domain d0 vcpus=2 load=hog\n\
        domain d1 vcpus=2 load=hog pin=3\n\
        domain d2 vcpus=1 load=hog\n\
        domain d3 vcpus=1 load=hog pin=3\n\
        domain d4 vcpus=2 load=hog\n";
    let st = run_text(text);
    let lone = st.domains[2].share_pct;
    assert!(lone > 95.0, "lone free vCPU got {lone:.1}%");
    // The pinned vCPUs still share pCPU 3 fairly.
    assert!((st.domains[1].share_pct - 66.7).abs() < 1.0);
    assert!((st.domains[3].share_pct - 33.3).abs() < 1.0);
}

/// Documented credit1 deviation: with unequal weights and two vCPUs per
/// pCPU, every light vCPU earns less than one slice per period and they all
/// cross from OVER to UNDER in the same accounting pass; the heavy vCPU then
/// competes as UNDER against an UNDER neighbour (plain round-robin), and the
/// credit it cannot spend overflows the 300-credit ceiling and is halved.
#[test]
fn documented_skewed_weights_lose_credit_to_the_ceiling() {
    let st = run_text(&hogs(3, &[(128, 2), (128, 2), (256, 1), (128, 1)]));
    let heavy = st.domains[2].share_pct;
    let fair = st.domains[2].fair_pct.expect("computed");
    assert!((fair - 85.7).abs() < 0.1);
    assert!(heavy < 60.0, "heavy vCPU got {heavy:.1}%");
}

fn weight() -> impl Strategy<Value = u32> {
    prop_oneof![Just(128u32), Just(256), Just(512)]
}

proptest! {
    #![proptest_config(prop_config(24))]

    /// Equal weights, any shape: 1–4 pCPUs, 1–5 domains of 1–2 vCPUs.
    #[test]
    fn equal_weight_hogs_get_fair_shares(
        pcpus in 1u32..=4,
        doms in prop::collection::vec(1u32..=2, 1..=5),
    ) {
        let d: Vec<(u32, u32)> = doms.iter().map(|&v| (256, v)).collect();
        assert_fair(&hogs(pcpus, &d));
    }

    /// Weighted: two domains of 1–2 vCPUs with weights 128–1024.
    #[test]
    fn weighted_pairs_get_fair_shares(
        pcpus in 1u32..=4,
        w0 in weight(), w1 in weight(),
        v0 in 1u32..=2, v1 in 1u32..=2,
    ) {
        assert_fair(&hogs(pcpus, &[(w0, v0), (w1, v1)]));
    }

    /// Equal-weight hogs pinned to disjoint pCPU groups: each group is
    /// shared fairly.
    #[test]
    fn pinned_groups_get_fair_shares(
        groups in prop::collection::vec(1u32..=3, 1..=3),
    ) {
        let mut d = Vec::new();
        for (g, &n) in groups.iter().enumerate() {
            d.push(HogDomain { weight: 256, cap: 0, vcpus: n, pin: Some(g.to_string()) });
        }
        assert_fair(&hog_workload_text(groups.len() as u32, &d, ""));
    }
}
