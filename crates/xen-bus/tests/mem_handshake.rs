//! Handshake scenarios over the in-memory store.

mod common;

use std::time::Duration;

use xen_bus::mem::{MemConn, MemStore};

fn stores() -> [MemConn; 3] {
    let s = MemStore::new();
    [s.connect(), s.connect(), s.connect()]
}

const W: Duration = Duration::ZERO;

#[test]
fn connect_and_keys() {
    common::connect_and_keys(stores(), W);
}

#[test]
fn frontend_closes_and_reconnects() {
    common::frontend_closes_and_reconnects(stores(), W);
}

#[test]
fn toolstack_removes() {
    common::toolstack_removes(stores(), W);
}

#[test]
fn backend_closes_mid_handshake() {
    common::backend_closes_mid_handshake(stores(), W);
}

#[test]
fn frontend_closes_mid_handshake() {
    common::frontend_closes_mid_handshake(stores(), W);
}

#[test]
fn reconfigure() {
    common::reconfigure(stores(), W);
}

#[test]
fn backend_driver_error() {
    common::backend_driver_error(stores(), W);
}

#[test]
fn waits_for_hotplug() {
    common::waits_for_hotplug(stores(), W);
}

#[test]
fn garbage_frontend_state() {
    common::garbage_frontend_state(stores(), W);
}

#[test]
fn permissions_as_libxl_sets_them() {
    use xen_bus::{Access, Perm};
    let s = MemStore::new();
    let mut t = s.connect();
    xen_bus::device::create(&mut t, &common::vbd(), &[], &[]).unwrap();
    let d = common::vbd();
    assert_eq!(
        s.perms(&d.frontend_path()).unwrap(),
        [
            Perm {
                domid: 5,
                access: Access::None
            },
            Perm {
                domid: 0,
                access: Access::Read
            }
        ]
    );
    assert_eq!(
        s.perms(&d.backend_path()).unwrap(),
        [
            Perm {
                domid: 0,
                access: Access::None
            },
            Perm {
                domid: 5,
                access: Access::Read
            }
        ]
    );
}
