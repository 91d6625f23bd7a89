//! Where a split device lives in xenstore, and what the toolstack writes
//! to create and remove it (as libxl does).
//!
//! * frontend: `/local/domain/<d>/device/<type>/<id>` with `backend`
//!   (the backend's path), `backend-id`, `state`; owned by the frontend
//!   domain, readable by the backend domain.
//! * backend: `/local/domain/<b>/backend/<type>/<d>/<id>` with `frontend`,
//!   `frontend-id`, `state`, `online`, and `hotplug-status` (written by
//!   the hotplug script); owned by the backend domain, readable by the
//!   frontend domain.

use alloc::format;
use alloc::string::{String, ToString};

use xen_abi::io::xenbus::XenbusState;

use crate::store::{read_str, transaction, Access, Perm, StoreError, Tx, XenStore};

/// One split device: who serves whom, of which type, with which id.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Device {
    /// The frontend (guest) domain.
    pub frontend_domid: u32,
    /// The backend (driver) domain.
    pub backend_domid: u32,
    /// The device type (`vbd`, `vif`, `console`…).
    pub kind: String,
    /// The device id (`virtual-device` number for a vbd, `handle` for a vif).
    pub devid: u32,
}

impl Device {
    /// A device description.
    pub fn new(frontend_domid: u32, backend_domid: u32, kind: &str, devid: u32) -> Device {
        Device {
            frontend_domid,
            backend_domid,
            kind: kind.to_string(),
            devid,
        }
    }

    /// `/local/domain/<d>/device/<type>/<id>`.
    pub fn frontend_path(&self) -> String {
        format!(
            "/local/domain/{}/device/{}/{}",
            self.frontend_domid, self.kind, self.devid
        )
    }

    /// `/local/domain/<b>/backend/<type>/<d>/<id>`.
    pub fn backend_path(&self) -> String {
        format!(
            "/local/domain/{}/backend/{}/{}/{}",
            self.backend_domid, self.kind, self.frontend_domid, self.devid
        )
    }
}

/// Toolstack step: creates both directories with their permissions and
/// initial keys in one transaction (both ends start in `Initialising`,
/// `online = 1`). `frontend_extra`/`backend_extra` are further keys
/// (`virtual-device`, `params`, `mode`, `mac`…) written alongside.
pub fn create<S: XenStore + ?Sized>(
    store: &mut S,
    dev: &Device,
    frontend_extra: &[(&str, &str)],
    backend_extra: &[(&str, &str)],
) -> Result<(), StoreError> {
    let fe = dev.frontend_path();
    let be = dev.backend_path();
    let init = (XenbusState::Initialising as u32).to_string();
    transaction(store, |s, tx| {
        s.mkdir(tx, &fe)?;
        s.set_perms(
            tx,
            &fe,
            &[
                Perm {
                    domid: dev.frontend_domid,
                    access: Access::None,
                },
                Perm {
                    domid: dev.backend_domid,
                    access: Access::Read,
                },
            ],
        )?;
        s.mkdir(tx, &be)?;
        s.set_perms(
            tx,
            &be,
            &[
                Perm {
                    domid: dev.backend_domid,
                    access: Access::None,
                },
                Perm {
                    domid: dev.frontend_domid,
                    access: Access::Read,
                },
            ],
        )?;
        let fe_keys = [
            ("backend", be.as_str()),
            ("backend-id", &dev.backend_domid.to_string()),
            ("state", init.as_str()),
        ];
        for (k, v) in fe_keys.iter().chain(frontend_extra) {
            s.write(tx, &format!("{fe}/{k}"), v.as_bytes())?;
        }
        let be_keys = [
            ("frontend", fe.as_str()),
            ("frontend-id", &dev.frontend_domid.to_string()),
            ("online", "1"),
            ("state", init.as_str()),
        ];
        for (k, v) in be_keys.iter().chain(backend_extra) {
            s.write(tx, &format!("{be}/{k}"), v.as_bytes())?;
        }
        Ok::<_, StoreError>(())
    })
}

/// Toolstack step: asks for the device to go away, as `xl block-detach`
/// does: backend `online = 0` and backend `state = Closing`. The ends then
/// close; the backend removes itself once its state is `Closed`.
pub fn request_removal<S: XenStore + ?Sized>(
    store: &mut S,
    dev: &Device,
) -> Result<(), StoreError> {
    let be = dev.backend_path();
    transaction(store, |s, tx| {
        s.write(tx, &format!("{be}/online"), b"0")?;
        // Only a live backend is pushed to Closing; a Closed one stays Closed.
        match read_state(s, tx, &be)? {
            XenbusState::Closed | XenbusState::Unknown => {}
            _ => s.write(tx, &format!("{be}/state"), b"5")?,
        }
        Ok::<_, StoreError>(())
    })
}

/// Toolstack step: removes both directories (after both ends are `Closed`).
pub fn destroy<S: XenStore + ?Sized>(store: &mut S, dev: &Device) -> Result<(), StoreError> {
    let (fe, be) = (dev.frontend_path(), dev.backend_path());
    transaction(store, |s, tx| {
        for p in [&fe, &be] {
            match s.rm(tx, p) {
                Ok(()) | Err(StoreError::NoEnt) => {}
                Err(e) => return Err(e),
            }
        }
        Ok::<_, StoreError>(())
    })
}

/// The state published under `dir` (`dir/state`): `Unknown` when missing,
/// unreadable or not a valid state number, as Linux's
/// `xenbus_read_driver_state` reports it.
pub fn read_state<S: XenStore + ?Sized>(
    store: &mut S,
    tx: Tx,
    dir: &str,
) -> Result<XenbusState, StoreError> {
    match read_str(store, tx, &format!("{dir}/state")) {
        Ok(Some(s)) => Ok(s.parse().unwrap_or(XenbusState::Unknown)),
        Ok(None) | Err(StoreError::Access) => Ok(XenbusState::Unknown),
        Err(e) => Err(e),
    }
}
