//! Handshake scenarios shared by the in-memory and the xenstored tests:
//! recording drivers, an event pump, and one function per scenario,
//! generic over the store.
#![allow(dead_code)]

use std::time::Duration;

use xen_bus::device::{self, read_state};
use xen_bus::store::read_str;
use xen_bus::*;

pub const FE_DOM: u32 = 5;
pub const BE_DOM: u32 = 0;

pub fn vbd() -> Device {
    Device::new(FE_DOM, BE_DOM, "vbd", 51712)
}

/// A blkfront-like driver that records what it was asked to do.
#[derive(Debug, Default)]
pub struct Front {
    pub log: Vec<&'static str>,
    pub setups: u32,
    pub sectors: Option<u64>,
}

impl<S: XenStore + ?Sized> FrontendDriver<S> for Front {
    fn setup(&mut self, s: &mut S, tx: Tx, p: &Paths) -> Result<(), DriverError> {
        self.setups += 1;
        let w = |s: &mut S, k: &str, v: &str| {
            s.write(tx, &format!("{}/{k}", p.own), v.as_bytes())
                .map_err(|e| DriverError {
                    errno: 5,
                    message: e.to_string(),
                })
        };
        w(s, "ring-ref", &(8 + self.setups).to_string())?;
        w(s, "event-channel", "17")?;
        w(s, "protocol", "x86_64-abi")?;
        self.log.push("setup");
        Ok(())
    }
    fn connect(&mut self, s: &mut S, p: &Paths) -> Result<(), DriverError> {
        let v = read_str(s, Tx::NONE, &format!("{}/sectors", p.peer))
            .ok()
            .flatten()
            .and_then(|v| v.parse().ok())
            .ok_or(DriverError {
                errno: 22,
                message: "no sectors".into(),
            })?;
        self.sectors = Some(v);
        self.log.push("connect");
        Ok(())
    }
    fn disconnect(&mut self) {
        self.log.push("disconnect");
    }
    fn reconfigure(&mut self, _s: &mut S, _p: &Paths) -> Result<(), DriverError> {
        self.log.push("reconfigure");
        Ok(())
    }
}

/// A blkback-like driver that records what it was asked to do.
#[derive(Debug, Default)]
pub struct Back {
    pub log: Vec<&'static str>,
    pub ring_ref: Option<u32>,
    pub fail_connect: bool,
}

impl<S: XenStore + ?Sized> BackendDriver<S> for Back {
    fn probe(&mut self, s: &mut S, tx: Tx, p: &Paths) -> Result<(), DriverError> {
        s.write(tx, &format!("{}/feature-flush-cache", p.own), b"1")
            .map_err(|e| DriverError {
                errno: 5,
                message: e.to_string(),
            })?;
        self.log.push("probe");
        Ok(())
    }
    fn connect(&mut self, s: &mut S, p: &Paths) -> Result<(), DriverError> {
        if self.fail_connect {
            return Err(DriverError {
                errno: 12,
                message: "cannot map ring".into(),
            });
        }
        let r = read_str(s, Tx::NONE, &format!("{}/ring-ref", p.peer))
            .ok()
            .flatten()
            .and_then(|v| v.parse().ok())
            .ok_or(DriverError {
                errno: 22,
                message: "reading ring-ref".into(),
            })?;
        self.ring_ref = Some(r);
        s.write(Tx::NONE, &format!("{}/sectors", p.own), b"2048")
            .map_err(|e| DriverError {
                errno: 5,
                message: e.to_string(),
            })?;
        self.log.push("connect");
        Ok(())
    }
    fn disconnect(&mut self) {
        self.log.push("disconnect");
    }
    fn reconfigure(&mut self, _s: &mut S, _p: &Paths) -> Result<(), DriverError> {
        self.log.push("reconfigure");
        Ok(())
    }
    fn remove(&mut self) {
        self.log.push("remove");
    }
}

/// One end with its own store connection.
pub struct FeSide<S> {
    pub s: S,
    pub ep: Frontend,
    pub drv: Front,
}

pub struct BeSide<S> {
    pub s: S,
    pub ep: Backend,
    pub drv: Back,
}

/// Whether any event is waiting on `s` (drains them all).
fn drain<S: XenStore>(s: &mut S, wait: Duration) -> bool {
    let mut any = false;
    while let Some(_e) = s
        .next_event(if any { Duration::ZERO } else { wait })
        .unwrap()
    {
        any = true;
    }
    any
}

/// Delivers watch events to both ends until neither gets one.
pub fn pump<S: XenStore>(fe: &mut FeSide<S>, be: &mut BeSide<S>, wait: Duration) {
    for _ in 0..200 {
        let mut busy = false;
        if drain(&mut fe.s, wait) {
            busy = true;
            fe.ep.step(&mut fe.s, &mut fe.drv).unwrap();
        }
        if drain(&mut be.s, wait) {
            busy = true;
            be.ep.step(&mut be.s, &mut be.drv).unwrap();
        }
        if !busy {
            return;
        }
    }
    panic!("handshake did not settle");
}

/// Creates the device and attaches both ends (backend probed).
pub fn setup<S: XenStore>(
    mut tool: S,
    mut fe_s: S,
    mut be_s: S,
    cfg: BackendConfig,
) -> (S, FeSide<S>, BeSide<S>) {
    let dev = vbd();
    device::create(
        &mut tool,
        &dev,
        &[("virtual-device", "51712")],
        &[("mode", "w")],
    )
    .unwrap();
    let fe = Frontend::attach(&mut fe_s, &dev.frontend_path()).unwrap();
    let mut be = Backend::attach(&mut be_s, &dev.backend_path(), cfg).unwrap();
    let mut be_drv = Back::default();
    be.probe(&mut be_s, &mut be_drv).unwrap();
    (
        tool,
        FeSide {
            s: fe_s,
            ep: fe,
            drv: Front::default(),
        },
        BeSide {
            s: be_s,
            ep: be,
            drv: be_drv,
        },
    )
}

pub fn states<S: XenStore>(tool: &mut S) -> (XenbusState, XenbusState) {
    let d = vbd();
    (
        read_state(tool, Tx::NONE, &d.frontend_path()).unwrap(),
        read_state(tool, Tx::NONE, &d.backend_path()).unwrap(),
    )
}

use XenbusState::*;

pub fn connect_and_keys<S: XenStore>(stores: [S; 3], wait: Duration) {
    let [t, f, b] = stores;
    let (mut tool, mut fe, mut be) = setup(t, f, b, BackendConfig::default());
    assert_eq!(states(&mut tool), (Initialising, InitWait));
    pump(&mut fe, &mut be, wait);
    assert_eq!(states(&mut tool), (Connected, Connected));
    assert_eq!(fe.drv.log, ["setup", "connect"]);
    assert_eq!(be.drv.log, ["probe", "connect"]);
    assert_eq!(fe.drv.sectors, Some(2048));
    assert_eq!(be.drv.ring_ref, Some(9));
    let d = vbd();
    let r = |t: &mut S, p: String| read_str(t, Tx::NONE, &p).unwrap();
    assert_eq!(
        r(&mut tool, format!("{}/backend", d.frontend_path())),
        Some(d.backend_path())
    );
    assert_eq!(
        r(&mut tool, format!("{}/backend-id", d.frontend_path())).as_deref(),
        Some("0")
    );
    assert_eq!(
        r(&mut tool, format!("{}/frontend-id", d.backend_path())).as_deref(),
        Some("5")
    );
    assert_eq!(
        r(&mut tool, format!("{}/online", d.backend_path())).as_deref(),
        Some("1")
    );
    assert_eq!(
        r(&mut tool, format!("{}/protocol", d.frontend_path())).as_deref(),
        Some("x86_64-abi")
    );
    assert!(fe.ep.is_connected() && be.ep.is_connected());
}

/// The frontend closes after connecting, then reconnects.
pub fn frontend_closes_and_reconnects<S: XenStore>(stores: [S; 3], wait: Duration) {
    let [t, f, b] = stores;
    let (mut tool, mut fe, mut be) = setup(t, f, b, BackendConfig::default());
    pump(&mut fe, &mut be, wait);
    fe.ep.close(&mut fe.s).unwrap();
    pump(&mut fe, &mut be, wait);
    assert_eq!(states(&mut tool), (Closed, Closed));
    assert_eq!(fe.drv.log, ["setup", "connect", "disconnect"]);
    assert_eq!(be.drv.log, ["probe", "connect", "disconnect"]);
    assert!(!be.ep.is_removed(), "still online: not removed");
    // Re-plug: the backend goes back to InitWait and both connect again
    // on a fresh ring.
    fe.ep.restart(&mut fe.s).unwrap();
    pump(&mut fe, &mut be, wait);
    assert_eq!(states(&mut tool), (Connected, Connected));
    assert_eq!(
        fe.drv.log,
        ["setup", "connect", "disconnect", "setup", "connect"]
    );
    assert_eq!(be.drv.ring_ref, Some(10));
}

/// The toolstack removes the device while connected: both close, the
/// backend removes itself, the directories go.
pub fn toolstack_removes<S: XenStore>(stores: [S; 3], wait: Duration) {
    let [t, f, b] = stores;
    let (mut tool, mut fe, mut be) = setup(t, f, b, BackendConfig::default());
    pump(&mut fe, &mut be, wait);
    device::request_removal(&mut tool, &vbd()).unwrap();
    pump(&mut fe, &mut be, wait);
    assert_eq!(states(&mut tool), (Closed, Closed));
    assert!(be.ep.is_removed());
    assert_eq!(be.drv.log, ["probe", "connect", "disconnect", "remove"]);
    assert_eq!(fe.drv.log, ["setup", "connect", "disconnect"]);
    device::destroy(&mut tool, &vbd()).unwrap();
    assert_eq!(states(&mut tool), (Unknown, Unknown));
    pump(&mut fe, &mut be, wait);
}

/// The backend goes away mid-handshake (frontend Initialised, backend not
/// yet connected): nobody connects, both end Closed.
pub fn backend_closes_mid_handshake<S: XenStore>(stores: [S; 3], wait: Duration) {
    let [t, f, b] = stores;
    let (mut tool, mut fe, mut be) = setup(t, f, b, BackendConfig::default());
    // Only the frontend runs: it sets up and waits in Initialised.
    while drain(&mut fe.s, wait) {
        fe.ep.step(&mut fe.s, &mut fe.drv).unwrap();
    }
    assert_eq!(states(&mut tool), (Initialised, InitWait));
    device::request_removal(&mut tool, &vbd()).unwrap();
    pump(&mut fe, &mut be, wait);
    assert_eq!(states(&mut tool), (Closed, Closed));
    assert_eq!(be.drv.log, ["probe", "remove"]);
    assert_eq!(fe.drv.log, ["setup"]);
}

/// The frontend closes mid-handshake (before the backend connects).
pub fn frontend_closes_mid_handshake<S: XenStore>(stores: [S; 3], wait: Duration) {
    let [t, f, b] = stores;
    let (mut tool, mut fe, mut be) = setup(t, f, b, BackendConfig::default());
    fe.ep.close(&mut fe.s).unwrap();
    pump(&mut fe, &mut be, wait);
    assert_eq!(states(&mut tool), (Closed, Closed));
    assert_eq!(be.drv.log, ["probe"]);
    assert!(fe.drv.log.is_empty());
}

/// Backend-initiated renegotiation.
pub fn reconfigure<S: XenStore>(stores: [S; 3], wait: Duration) {
    let [t, f, b] = stores;
    let (mut tool, mut fe, mut be) = setup(t, f, b, BackendConfig::default());
    pump(&mut fe, &mut be, wait);
    be.ep.begin_reconfigure(&mut be.s).unwrap();
    pump(&mut fe, &mut be, wait);
    assert_eq!(states(&mut tool), (Connected, Connected));
    assert_eq!(be.drv.log, ["probe", "connect", "reconfigure"]);
    assert_eq!(fe.drv.log, ["setup", "connect", "reconfigure"]);
}

/// A failing backend driver reports the error and closes; the frontend
/// follows to Closed.
pub fn backend_driver_error<S: XenStore>(stores: [S; 3], wait: Duration) {
    let [t, f, b] = stores;
    let (mut tool, mut fe, mut be) = setup(t, f, b, BackendConfig::default());
    be.drv.fail_connect = true;
    pump(&mut fe, &mut be, wait);
    let (f, b) = states(&mut tool);
    assert_eq!(f, Closed);
    assert!(matches!(b, Closing | Closed), "{b:?}");
    let err = read_str(
        &mut tool,
        Tx::NONE,
        &format!("{}/error", vbd().backend_path()),
    )
    .unwrap();
    assert_eq!(err.as_deref(), Some("12 cannot map ring"));
}

/// With `wait_hotplug`, the backend stays in InitWait until the hotplug
/// script reports `connected`.
pub fn waits_for_hotplug<S: XenStore>(stores: [S; 3], wait: Duration) {
    let [t, f, b] = stores;
    let (mut tool, mut fe, mut be) = setup(t, f, b, BackendConfig { wait_hotplug: true });
    pump(&mut fe, &mut be, wait);
    assert_eq!(states(&mut tool), (Initialised, InitWait));
    tool.write(
        Tx::NONE,
        &format!("{}/hotplug-status", vbd().backend_path()),
        b"connected",
    )
    .unwrap();
    pump(&mut fe, &mut be, wait);
    assert_eq!(states(&mut tool), (Connected, Connected));
}

/// A hostile frontend writes garbage into its state node: the backend
/// reads it as Unknown and closes, never panics.
pub fn garbage_frontend_state<S: XenStore>(stores: [S; 3], wait: Duration) {
    let [t, f, b] = stores;
    let (mut tool, mut fe, mut be) = setup(t, f, b, BackendConfig::default());
    pump(&mut fe, &mut be, wait);
    for junk in [&b"99"[..], b"-1", b"4x", b"", b"\xff\xfe", b"4294967300"] {
        fe.s.write(Tx::NONE, &format!("{}/state", vbd().frontend_path()), junk)
            .unwrap();
        while drain(&mut be.s, wait) {
            be.ep.step(&mut be.s, &mut be.drv).unwrap();
        }
    }
    assert_eq!(states(&mut tool).1, Closed);
    assert_eq!(be.drv.log, ["probe", "connect", "disconnect"]);
}
