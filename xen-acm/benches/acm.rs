//! ACM benchmarks at the size the issue sets: a policy of 1,000 types and
//! 10,000 VM labels. Each group pairs `ours` with a `reference` measured in
//! the same run:
//!
//! - `decision cached`: `Engine::may_share` (decision cache of 2^16 lines)
//!   over 4,096 label pairs whose
//!   answers are already in the decision cache; reference: one load from a
//!   fully precomputed answer bitmap (10,000 × 10,000 bits) for the same
//!   pairs — the floor of any lookup.
//! - `decision uncached`: `Engine::may_share_uncached` over the same pairs
//!   (ssidref → STE row, then "any common type" over 1,000 type bits);
//!   reference: the bare intersection of two 1,000-bit rows held in a plain
//!   vector.
//! - `compile`: XML text → validated document → binary policy and label
//!   map (`compile_xml`); reference: parsing the same text with roxmltree
//!   alone (the XML tree every compiler has to build first).
//! - `update, 1,000 running domains`: `xm setpolicy` of version 1.1 (every
//!   tenth label renamed with `from`) on a host running 1,000 labelled
//!   domains — header checks, compilation, index planning, the engine's
//!   re-test of every running domain and the relabelling; reference:
//!   compiling the same update policy alone.
//!
//! Per-decision times are the group time divided by 4,096.
#![allow(missing_docs)]

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use xen_acm::compile::compile_xml;
use xen_acm::manage::{AcmSystem, DomainConfig};
use xen_acm::{Engine, Ssidref};

const TYPES: usize = 1000;
const LABELS: usize = 10_000;
const PAIRS: usize = 4096;
const RUNNING: usize = 1000;
/// Types `T500`…`T997` are paired into conflict sets; running domains use
/// Chinese Wall types below `T500` so that 1,000 of them can run together.
const CONFLICT_FROM: usize = 500;

/// Name of generated type `i` (0 and 1 are the manual's two fixed types).
fn ty(i: usize) -> String {
    match i {
        0 => "SystemManagement".into(),
        1 => "__UNLABELED__".into(),
        _ => format!("T{}", i - 2),
    }
}

/// The generated policy: `TYPES` types, `LABELS` VM labels, 1,000 resource
/// labels. With `update`, version 1.1 from 1.0 renaming every tenth label.
fn policy_xml(update: bool) -> String {
    let mut x = String::with_capacity(4 << 20);
    let version = if update { "1.1" } else { "1.0" };
    let from = if update {
        "<FromPolicy><PolicyName>big</PolicyName><Version>1.0</Version></FromPolicy>"
    } else {
        ""
    };
    write!(
        x,
        "<?xml version=\"1.0\"?>\n<SecurityPolicyDefinition xmlns=\"http://www.ibm.com\">\
         <PolicyHeader><PolicyName>big</PolicyName><Date>bench</Date>\
         <Version>{version}</Version>{from}</PolicyHeader>"
    )
    .unwrap();
    let types: String = (0..TYPES)
        .map(|i| format!("<Type>{}</Type>", ty(i)))
        .collect();
    write!(
        x,
        "<SimpleTypeEnforcement><SimpleTypeEnforcementTypes>{types}</SimpleTypeEnforcementTypes></SimpleTypeEnforcement>\
         <ChineseWall priority=\"PrimaryPolicyComponent\"><ChineseWallTypes>{types}</ChineseWallTypes><ConflictSets>"
    )
    .unwrap();
    for i in (CONFLICT_FROM..TYPES - 1).step_by(2) {
        write!(
            x,
            "<Conflict name=\"C{i}\"><Type>{}</Type><Type>{}</Type></Conflict>",
            ty(i),
            ty(i + 1)
        )
        .unwrap();
    }
    x.push_str(
        "</ConflictSets></ChineseWall><SecurityLabelTemplate><SubjectLabels bootstrap=\"SystemManagement\">",
    );
    // Domain-0's label carries every STE type (it authorizes everything).
    write!(
        x,
        "<VirtualMachineLabel><Name>SystemManagement</Name><SimpleTypeEnforcementTypes>{types}</SimpleTypeEnforcementTypes>\
         <ChineseWallTypes><Type>SystemManagement</Type></ChineseWallTypes></VirtualMachineLabel>"
    )
    .unwrap();
    for i in 0..LABELS - 1 {
        let (a, b, c) = label_types(i);
        let name = if update && i % 10 == 0 {
            format!("<Name from=\"L{i}\">L{i}-new</Name>")
        } else {
            format!("<Name>L{i}</Name>")
        };
        write!(
            x,
            "<VirtualMachineLabel>{name}<SimpleTypeEnforcementTypes><Type>{}</Type><Type>{}</Type>\
             </SimpleTypeEnforcementTypes><ChineseWallTypes><Type>{}</Type></ChineseWallTypes></VirtualMachineLabel>",
            ty(a),
            ty(b),
            ty(c)
        )
        .unwrap();
    }
    x.push_str("</SubjectLabels><ObjectLabels>");
    for r in 0..1000 {
        write!(
            x,
            "<ResourceLabel><Name>R{r}</Name><SimpleTypeEnforcementTypes><Type>{}</Type>\
             </SimpleTypeEnforcementTypes></ResourceLabel>",
            ty(2 + r % (TYPES - 2))
        )
        .unwrap();
    }
    x.push_str("</ObjectLabels></SecurityLabelTemplate></SecurityPolicyDefinition>\n");
    x
}

/// STE types (two) and Chinese Wall type (one) of label `L{i}`.
fn label_types(i: usize) -> (usize, usize, usize) {
    let n = TYPES - 2;
    (
        2 + i % n,
        2 + (i * 7 + i / n + 3) % n,
        2 + i % CONFLICT_FROM.min(n),
    )
}

/// Deterministic pseudo-random label pairs (xorshift).
fn pairs() -> Vec<(usize, usize)> {
    let mut s = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        (s % (LABELS as u64 - 1)) as usize
    };
    (0..PAIRS).map(|_| (next(), next())).collect()
}

fn decisions(c: &mut Criterion) {
    let compiled = compile_xml(&policy_xml(false)).expect("generated policy compiles");
    let dom0 = compiled.labels.vm_ssidref("SystemManagement").unwrap();
    // 2^16 lines (512 KiB): the 4,096 pairs fit with few collisions, so
    // the cached case measures the hit path.
    let engine = Engine::boot_with_cache(compiled.binary.clone(), dom0, 16).unwrap();
    let sref: Vec<Ssidref> = (0..LABELS - 1)
        .map(|i| compiled.labels.vm_ssidref(&format!("L{i}")).unwrap())
        .collect();
    let idx_pairs = pairs();
    let pairs: Vec<(Ssidref, Ssidref)> =
        idx_pairs.iter().map(|&(a, b)| (sref[a], sref[b])).collect();

    // Reference data: each label's STE row as 1,000 bits, and the complete
    // answer bitmap over every label pair.
    let words = TYPES.div_ceil(64);
    let mut rows = vec![0u64; LABELS * words];
    for i in 0..LABELS - 1 {
        let (a, b, _) = label_types(i);
        for t in [a, b] {
            rows[i * words + t / 64] |= 1 << (t % 64);
        }
    }
    let common = |i: usize, j: usize| {
        rows[i * words..(i + 1) * words]
            .iter()
            .zip(&rows[j * words..(j + 1) * words])
            .any(|(x, y)| x & y != 0)
    };
    let mut answers = vec![0u64; (LABELS * LABELS).div_ceil(64)];
    for &(i, j) in &idx_pairs {
        if common(i, j) {
            let bit = i * LABELS + j;
            answers[bit / 64] |= 1 << (bit % 64);
        }
    }
    // Ours and the references must agree before anything is timed.
    for (&(a, b), &(i, j)) in pairs.iter().zip(&idx_pairs) {
        assert_eq!(engine.may_share_uncached(a, b).is_permitted(), common(i, j));
        assert_eq!(engine.may_share(a, b).is_permitted(), common(i, j));
    }

    let hits = pairs
        .iter()
        .filter(|&&(a, b)| {
            let t = engine.tables();
            let (x, y) = (t.ste(a).unwrap().1, t.ste(b).unwrap().1);
            engine.cache().lookup(x, y).is_some()
        })
        .count();
    println!("xen-acm: decision cache holds {hits} of {PAIRS} pairs after one pass");

    let mut g = c.benchmark_group("xen-acm: decision cached (4,096 pairs, 10,000 labels)");
    g.bench_function("ours", |bch| {
        bch.iter(|| {
            let mut n = 0u32;
            for &(a, b) in &pairs {
                n += engine.may_share(black_box(a), black_box(b)).is_permitted() as u32;
            }
            n
        })
    });
    g.bench_function("reference", |bch| {
        bch.iter(|| {
            let mut n = 0u32;
            for &(i, j) in &idx_pairs {
                let bit = black_box(i) * LABELS + black_box(j);
                n += (answers[bit / 64] >> (bit % 64)) as u32 & 1;
            }
            n
        })
    });
    g.finish();

    let mut g = c.benchmark_group("xen-acm: decision uncached (4,096 pairs, 1,000 types)");
    g.bench_function("ours", |bch| {
        bch.iter(|| {
            let mut n = 0u32;
            for &(a, b) in &pairs {
                n += engine
                    .may_share_uncached(black_box(a), black_box(b))
                    .is_permitted() as u32;
            }
            n
        })
    });
    g.bench_function("reference", |bch| {
        bch.iter(|| {
            let mut n = 0u32;
            for &(i, j) in &idx_pairs {
                n += common(black_box(i), black_box(j)) as u32;
            }
            n
        })
    });
    g.finish();
}

fn compile(c: &mut Criterion) {
    let xml = policy_xml(false);
    let mut g = c.benchmark_group("xen-acm: compile (1,000 types, 10,000 labels)");
    g.sample_size(10).measurement_time(Duration::from_secs(8));
    g.bench_function("ours", |b| b.iter(|| compile_xml(black_box(&xml)).unwrap()));
    g.bench_function("reference", |b| {
        b.iter(|| {
            roxmltree::Document::parse(black_box(&xml))
                .unwrap()
                .descendants()
                .count()
        })
    });
    g.finish();
}

/// A host booted with the generated policy and `RUNNING` labelled domains.
fn running_host(base: &str) -> AcmSystem {
    let mut s = AcmSystem::boot_with_policy(base).unwrap();
    let mut started = 0;
    for i in 0..LABELS - 1 {
        if started == RUNNING {
            break;
        }
        if label_types(i).2 >= CONFLICT_FROM {
            continue;
        }
        let cfg = DomainConfig::parse(&format!(
            "name = \"vm{i}\"\nmemory = 64\naccess_control = ['policy=big,label=L{i}']\n"
        ));
        s.create(&cfg).unwrap();
        started += 1;
    }
    assert_eq!(started, RUNNING);
    s
}

fn update(c: &mut Criterion) {
    let base = policy_xml(false);
    let next = policy_xml(true);
    // The update must succeed and rename the running domains' labels.
    let mut probe = running_host(&base);
    probe.setpolicy(&next).unwrap();
    assert!(probe.list_label().contains("ACM:big:L10-new"));

    let mut g = c.benchmark_group("xen-acm: update with 1,000 running domains");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.bench_function("ours", |b| {
        b.iter_batched(
            || running_host(&base),
            |mut s| s.setpolicy(black_box(&next)).unwrap(),
            BatchSize::PerIteration,
        )
    });
    g.bench_function("reference", |b| {
        b.iter(|| compile_xml(black_box(&next)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, decisions, compile, update);
criterion_main!(benches);
