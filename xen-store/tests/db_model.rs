//! Property tests: the store against a simple reference model, transactions
//! serialisable in commit order, and random bytes never breaking the store.
#![allow(clippy::field_reassign_with_default)]
mod common;
use std::collections::BTreeMap;

use common::*;
use proptest::prelude::*;
use xen_store::db::{Request, XsError};
use xen_store::wire::msg;

type Model = BTreeMap<String, Vec<u8>>;

fn model_new() -> Model {
    let mut m = Model::new();
    for p in ["/", "/tool", "/tool/xenstored"] {
        m.insert(p.into(), vec![]);
    }
    m
}

fn parent(p: &str) -> String {
    match p.rfind('/') {
        Some(0) => "/".into(),
        Some(i) => p[..i].into(),
        None => "/".into(),
    }
}

#[derive(Clone, Debug)]
enum Op {
    Write(String, Vec<u8>),
    Mkdir(String),
    Rm(String),
    Read(String),
    Dir(String),
}

fn apply(m: &mut Model, op: &Op) -> Result<Vec<u8>, XsError> {
    let ok = Ok(b"OK\0".to_vec());
    match op {
        Op::Write(p, _) | Op::Mkdir(p) if !m.contains_key(p) => {
            let mut cur = p.clone();
            while !m.contains_key(&cur) {
                m.insert(cur.clone(), vec![]);
                cur = parent(&cur);
            }
            if let Op::Write(_, v) = op {
                m.insert(p.clone(), v.clone());
            }
            ok
        }
        Op::Write(p, v) => {
            m.insert(p.clone(), v.clone());
            ok
        }
        Op::Mkdir(_) => ok,
        Op::Rm(p) => {
            if !m.contains_key(p) {
                return if m.contains_key(&parent(p)) {
                    ok
                } else {
                    Err(XsError::NoEnt)
                };
            }
            let pre = format!("{p}/");
            m.retain(|k, _| k != p && !k.starts_with(&pre));
            ok
        }
        Op::Read(p) => m.get(p).cloned().ok_or(XsError::NoEnt),
        Op::Dir(p) => {
            if !m.contains_key(p) {
                return Err(XsError::NoEnt);
            }
            let pre = if p == "/" {
                "/".to_string()
            } else {
                format!("{p}/")
            };
            let mut names: Vec<&str> = m
                .keys()
                .filter(|k| {
                    k.starts_with(&pre) && k.len() > pre.len() && !k[pre.len()..].contains('/')
                })
                .map(|k| &k[pre.len()..])
                .collect();
            names.sort();
            Ok(names.join("\0").into_bytes())
        }
    }
}

fn path_strategy() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(vec!["a", "b", "c"]), 1..4)
        .prop_map(|v| format!("/{}", v.join("/")))
}

fn op_strategy() -> impl Strategy<Value = Op> {
    prop_oneof![
        (path_strategy(), prop::collection::vec(any::<u8>(), 0..4))
            .prop_map(|(p, v)| Op::Write(p, v)),
        path_strategy().prop_map(Op::Mkdir),
        path_strategy().prop_map(Op::Rm),
        path_strategy().prop_map(Op::Read),
        path_strategy().prop_map(Op::Dir),
    ]
}

fn send(h: &mut H, c: u64, tx: u32, op: &Op) -> Result<Vec<u8>, XsError> {
    match op {
        Op::Write(p, v) => h.req(c, msg::WRITE, tx, &wr(p, v)),
        Op::Mkdir(p) => h.req(c, msg::MKDIR, tx, &z(p)),
        Op::Rm(p) => h.req(c, msg::RM, tx, &z(p)),
        Op::Read(p) => h.req(c, msg::READ, tx, &z(p)),
        Op::Dir(p) => h.req(c, msg::DIRECTORY, tx, &z(p)).map(|v| {
            // Compare as a sorted list: the model keeps no creation order.
            let mut n = split(&v);
            n.sort();
            n.join("\0").into_bytes()
        }),
    }
}

fn dump(h: &mut H, c: u64) -> Model {
    let mut m = Model::new();
    let mut todo = vec!["/".to_string()];
    while let Some(p) = todo.pop() {
        m.insert(p.clone(), h.read(c, &p).unwrap());
        for k in h.dir(c, &p).unwrap() {
            todo.push(if p == "/" {
                format!("/{k}")
            } else {
                format!("{p}/{k}")
            });
        }
    }
    m
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn plain_ops_match_the_model(ops in prop::collection::vec(op_strategy(), 1..40)) {
        let mut h = H::new();
        let c = h.sock();
        let mut m = model_new();
        for op in &ops {
            let want = apply(&mut m, op);
            let got = send(&mut h, c, 0, op);
            prop_assert_eq!(got, want, "{:?}", op);
        }
        prop_assert_eq!(dump(&mut h, c), m);
        prop_assert!(h.s.check().is_empty());
    }

    /// Interleaved transactions of three clients: each committed one saw
    /// exactly what a serial execution in commit order would have shown it,
    /// and the final store equals that serial execution.
    #[test]
    fn transactions_are_serialisable_in_commit_order(
        script in prop::collection::vec((0usize..3, prop::option::weighted(0.85, op_strategy())), 1..60)
    ) {
        let mut cfg = xen_store::db::store::Config::default();
        cfg.hold_lease_ms = 0; // exercise raw optimistic concurrency
        let mut h = H::with(cfg);
        let conns: Vec<u64> = (0..3).map(|_| h.sock()).collect();
        let mut m = model_new();
        type Log = Vec<(Op, Result<Vec<u8>, XsError>)>;
    let mut open: Vec<Option<(u32, Log, Model)>> = vec![None, None, None];
        for (who, op) in script {
            let c = conns[who];
            match (op, open[who].take()) {
                (Some(op), None) => {
                    let t = h.start(c);
                    let r = send(&mut h, c, t, &op);
                    // The snapshot is taken at the first operation.
                    open[who] = Some((t, vec![(op, r)], m.clone()));
                }
                (Some(op), Some((t, mut log, snap))) => {
                    let r = send(&mut h, c, t, &op);
                    log.push((op, r));
                    open[who] = Some((t, log, snap));
                }
                (None, Some((t, log, snap))) => {
                    let r = h.end(c, t, true);
                    // What the transaction saw is its snapshot plus its own writes.
                    let mut view = snap.clone();
                    let mut modified = false;
                    for (op, seen) in &log {
                        let before = view.clone();
                        let want = apply(&mut view, op);
                        prop_assert_eq!(seen, &want, "{:?}", op);
                        modified |= view != before || matches!(op, Op::Write(..)) && want.is_ok();
                    }
                    if r.is_ok() && modified {
                        // A writer commits only if a serial execution in
                        // commit order shows it the same.
                        let mut serial = m.clone();
                        for (op, seen) in &log {
                            let want = apply(&mut serial, op);
                            prop_assert_eq!(seen, &want, "{:?}", op);
                        }
                        m = serial;
                    } else if r.is_ok() {
                        // Read-only: serialised at its snapshot.
                    } else {
                        prop_assert_eq!(r, Err(XsError::Again));
                    }
                }
                (None, None) => {}
            }
        }
        prop_assert_eq!(dump(&mut h, conns[0]), m);
        prop_assert!(h.s.check().is_empty());
    }

    /// Random requests from a guest and dom0: never a panic, always exactly
    /// one reply per request, accounting stays consistent.
    #[test]
    fn random_requests_are_harmless(
        reqs in prop::collection::vec((any::<bool>(), 0u32..30, 0u32..3, prop::collection::vec(prop_oneof![
            Just(0u8), Just(b'/'), Just(b'a'), Just(b'@'), Just(b'1'), Just(b'T'), Just(b'r'), Just(b'b'), any::<u8>()
        ], 0..24)), 1..80)
    ) {
        let mut h = H::new();
        let c = h.sock();
        let d = h.dom(5);
        for (dom0, ty, tx, payload) in reqs {
            let conn = if dom0 { c } else { d };
            if !h.s.has_conn(conn) { continue; }
            h.s.submit(conn, Request::new(ty, tx, &payload), h.now);
            h.now += 1;
            let now = h.now;
            h.s.tick(now);
            while h.s.pop_frame(conn).is_some() {}
        }
        prop_assert!(h.s.check().is_empty());
    }
}
