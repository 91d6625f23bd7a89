//! Property: whatever a hostile peer writes into its own state node (any
//! state number, garbage, removal), an end never panics and only ever
//! publishes transitions its role's table allows.

mod common;

use proptest::prelude::*;
use xen_bus::device::read_state;
use xen_bus::mem::MemStore;
use xen_bus::*;

#[derive(Clone, Debug)]
enum Poke {
    State(u32),
    Garbage(Vec<u8>),
    Remove,
    Online(bool),
}

fn poke() -> impl Strategy<Value = Poke> {
    prop_oneof![
        6 => (0u32..10).prop_map(Poke::State),
        1 => proptest::collection::vec(any::<u8>(), 0..6).prop_map(Poke::Garbage),
        1 => Just(Poke::Remove),
        1 => any::<bool>().prop_map(Poke::Online),
    ]
}

fn apply(s: &mut impl XenStore, peer_dir: &str, own_dir: &str, p: &Poke) {
    let st = format!("{peer_dir}/state");
    match p {
        Poke::State(n) => s.write(Tx::NONE, &st, n.to_string().as_bytes()).unwrap(),
        Poke::Garbage(g) => s.write(Tx::NONE, &st, g).unwrap(),
        Poke::Remove => {
            let _ = s.rm(Tx::NONE, &st);
        }
        Poke::Online(o) => s
            .write(
                Tx::NONE,
                &format!("{own_dir}/online"),
                if *o { b"1" } else { b"0" },
            )
            .unwrap(),
    }
}

proptest! {
    #[test]
    fn backend_against_hostile_frontend(pokes in proptest::collection::vec(poke(), 1..40)) {
        let m = MemStore::new();
        let (mut tool, mut evil, mut be_s) = (m.connect(), m.connect(), m.connect());
        let d = common::vbd();
        device::create(&mut tool, &d, &[], &[]).unwrap();
        let mut be = Backend::attach(&mut be_s, &d.backend_path(), BackendConfig::default()).unwrap();
        let mut drv = common::Back::default();
        be.probe(&mut be_s, &mut drv).unwrap();
        evil.write(Tx::NONE, &format!("{}/ring-ref", d.frontend_path()), b"8").unwrap();
        let mut last = read_state(&mut tool, Tx::NONE, &d.backend_path()).unwrap();
        for p in &pokes {
            apply(&mut evil, &d.frontend_path(), &d.backend_path(), p);
            while be_s.next_event(std::time::Duration::ZERO).unwrap().is_some() {}
            be.step(&mut be_s, &mut drv).unwrap();
            let now = read_state(&mut tool, Tx::NONE, &d.backend_path()).unwrap();
            prop_assert!(is_legal(Role::Backend, last, now), "{last:?} -> {now:?} after {p:?}");
            last = now;
            // connect/disconnect alternate: never two connects in a row.
            let c = drv.log.iter().filter(|l| **l == "connect").count();
            let dc = drv.log.iter().filter(|l| **l == "disconnect").count();
            prop_assert!(c == dc || c == dc + 1, "{:?}", drv.log);
        }
    }

    #[test]
    fn frontend_against_hostile_backend(pokes in proptest::collection::vec(poke(), 1..40)) {
        let m = MemStore::new();
        let (mut tool, mut evil, mut fe_s) = (m.connect(), m.connect(), m.connect());
        let d = common::vbd();
        device::create(&mut tool, &d, &[], &[]).unwrap();
        evil.write(Tx::NONE, &format!("{}/sectors", d.backend_path()), b"8").unwrap();
        let mut fe = Frontend::attach(&mut fe_s, &d.frontend_path()).unwrap();
        let mut drv = common::Front::default();
        let mut last = read_state(&mut tool, Tx::NONE, &d.frontend_path()).unwrap();
        for p in &pokes {
            apply(&mut evil, &d.backend_path(), &d.backend_path(), p);
            while fe_s.next_event(std::time::Duration::ZERO).unwrap().is_some() {}
            fe.step(&mut fe_s, &mut drv).unwrap();
            let now = read_state(&mut tool, Tx::NONE, &d.frontend_path()).unwrap();
            prop_assert!(is_legal(Role::Frontend, last, now), "{last:?} -> {now:?} after {p:?}");
            last = now;
            let c = drv.log.iter().filter(|l| **l == "connect").count();
            let dc = drv.log.iter().filter(|l| **l == "disconnect").count();
            prop_assert!(c == dc || c == dc + 1, "{:?}", drv.log);
        }
    }
}
