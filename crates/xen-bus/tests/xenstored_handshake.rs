//! Handshake scenarios against xen-store's xenstored, run in-process on a
//! temporary socket: the toolstack and the backend connect as dom0, the
//! frontend through a socket on which the daemon treats it as domain 5
//! (so permissions are enforced on it).

mod common;

use std::path::PathBuf;
use std::time::Duration;

use xen_bus::xs_client::XsClient;
use xen_store::db::store::Config;
use xen_store::db::Store;
use xen_store::server::{self, LogLevel, ServerConfig};

struct Daemon {
    dir: PathBuf,
    sock: PathBuf,
    sock5: PathBuf,
}

static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

impl Daemon {
    fn start() -> Daemon {
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("xen-bus-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let sock = dir.join("socket");
        let sock5 = dir.join("socket-dom5");
        let cfg = ServerConfig {
            store: Config::default(),
            socket: sock.clone(),
            log_level: LogLevel::Warn,
            access_log: None,
            state_file: dir.join("state"),
            domain_sockets: vec![(common::FE_DOM, sock5.clone())],
            xen: xen_store::server::XenMode::Off,
        };
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let store = Store::new(cfg.store.clone());
            let _ = rt.block_on(server::run(cfg, store));
        });
        let t = std::time::Instant::now();
        while !(sock.exists() && sock5.exists()) {
            assert!(
                t.elapsed() < Duration::from_secs(10),
                "xenstored did not start"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
        Daemon { dir, sock, sock5 }
    }

    fn stores(&self) -> [XsClient; 3] {
        [
            XsClient::connect(&self.sock).unwrap(),
            XsClient::connect(&self.sock5).unwrap(),
            XsClient::connect(&self.sock).unwrap(),
        ]
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const W: Duration = Duration::from_millis(30);

#[test]
fn connect_and_keys() {
    common::connect_and_keys(Daemon::start().stores(), W);
}

#[test]
fn frontend_closes_and_reconnects() {
    common::frontend_closes_and_reconnects(Daemon::start().stores(), W);
}

#[test]
fn toolstack_removes() {
    common::toolstack_removes(Daemon::start().stores(), W);
}

#[test]
fn backend_closes_mid_handshake() {
    common::backend_closes_mid_handshake(Daemon::start().stores(), W);
}

#[test]
fn frontend_closes_mid_handshake() {
    common::frontend_closes_mid_handshake(Daemon::start().stores(), W);
}

#[test]
fn reconfigure() {
    common::reconfigure(Daemon::start().stores(), W);
}

#[test]
fn backend_driver_error() {
    common::backend_driver_error(Daemon::start().stores(), W);
}

#[test]
fn waits_for_hotplug() {
    common::waits_for_hotplug(Daemon::start().stores(), W);
}

#[test]
fn garbage_frontend_state() {
    common::garbage_frontend_state(Daemon::start().stores(), W);
}

/// Domain 5 cannot write into the backend's directory: the permissions
/// the toolstack set are enforced by the daemon.
#[test]
fn frontend_cannot_write_backend_dir() {
    use xen_bus::{StoreError, Tx, XenStore};
    let d = Daemon::start();
    let [mut tool, mut fe, _] = d.stores();
    xen_bus::device::create(&mut tool, &common::vbd(), &[], &[]).unwrap();
    let p = format!("{}/state", common::vbd().backend_path());
    assert_eq!(fe.write(Tx::NONE, &p, b"4"), Err(StoreError::Access));
    assert_eq!(fe.read(Tx::NONE, &p).unwrap(), b"1");
}
