//! The two ends of the handshake, driven the way Linux's xenbus drivers
//! drive it.
//!
//! Each end watches the other end's `state` node (and the backend its own
//! directory, where the toolstack writes `online`, `state` and
//! `hotplug-status`). On any event the owner calls `step`, which is
//! level-triggered: it re-reads both states and does whatever the pair
//! calls for, so a missed intermediate state (two quick writes, one
//! event) is harmless and steps are idempotent.
//!
//! | peer state seen | frontend does | backend does |
//! |---|---|---|
//! | `Initialising` | — | from `Closed` (and online): `InitWait` again |
//! | `InitWait` | from `Initialising`/`Closed`: driver `setup` (in a transaction), `Initialised` | — |
//! | `Initialised`/`Connected` | from `Initialised`: driver `connect`, `Connected` | from `InitWait` (hotplug done): driver `connect`, `Connected`; from `Reconfigured` on `Connected`: `Connected` |
//! | `Reconfiguring` | from `Connected`: `Reconfiguring` | from `Reconfiguring`: driver `reconfigure`, `Reconfigured` |
//! | `Reconfigured` | from `Reconfiguring`: driver `reconfigure`, `Connected` | — |
//! | `Closing` | `disconnect`, `Closed` | `disconnect`, `Closing` |
//! | `Closed`/`Unknown` | `disconnect`, `Closed` | `disconnect`, `Closed`; if `online = 0`: driver `remove` |
//!
//! A driver error is reported as Linux's `xenbus_dev_fatal` does (an
//! `error` node, here `<own dir>/error = "<errno> <text>"`) and the end
//! goes to `Closing`. State writes go through a transaction that re-reads
//! the current state and refuses transitions [`crate::state::is_legal`]
//! rejects; a vanished directory makes the write a no-op, as in
//! `xenbus_switch_state`.

use alloc::format;
use alloc::string::String;

use xen_abi::io::xenbus::XenbusState;

use crate::device::read_state;
use crate::state::{is_legal, Role};
use crate::store::{read_str, transaction, StoreError, Tx, XenStore};

/// A driver's failure (an errno as Linux reports it, and why).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DriverError {
    /// A positive errno value (`EINVAL` = 22, `ENOMEM` = 12…).
    pub errno: i32,
    /// What went wrong.
    pub message: String,
}

/// A handshake error.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The store failed.
    #[error("xenstore: {0}")]
    Store(#[from] StoreError),
    /// A state change the role may not make.
    #[error("{role:?} may not go from {from:?} to {to:?}")]
    Illegal {
        /// Which end.
        role: Role,
        /// Its current state.
        from: XenbusState,
        /// The state asked for.
        to: XenbusState,
    },
    /// A key the toolstack must write is missing or malformed.
    #[error("missing or malformed {0}")]
    BadKey(String),
}

/// The paths one end works with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paths {
    /// This end's directory.
    pub own: String,
    /// The other end's directory.
    pub peer: String,
    /// The other end's domain.
    pub peer_domid: u32,
}

/// What a frontend driver (blkfront, netfront, console…) does at each
/// step of the handshake.
pub trait FrontendDriver<S: XenStore + ?Sized> {
    /// The backend is waiting: allocate rings and event channels and write
    /// `ring-ref`, `event-channel`, `protocol`… under `paths.own` in `tx`.
    /// May run again after a retried transaction or a reconnect.
    fn setup(&mut self, store: &mut S, tx: Tx, paths: &Paths) -> Result<(), DriverError>;
    /// The backend is connected: read its keys (`sectors`, `feature-*`…)
    /// and go live.
    fn connect(&mut self, store: &mut S, paths: &Paths) -> Result<(), DriverError>;
    /// The backend is going away: finish or fail in-flight requests and
    /// release the rings. Called at most once per connection.
    fn disconnect(&mut self);
    /// The backend renegotiates (`Reconfiguring`/`Reconfigured`).
    fn reconfigure(&mut self, _store: &mut S, _paths: &Paths) -> Result<(), DriverError> {
        Ok(())
    }
}

/// What a backend driver (blkback, netback, console…) does at each step.
pub trait BackendDriver<S: XenStore + ?Sized> {
    /// Probe: write `feature-*` and limits under `paths.own` in `tx`.
    fn probe(&mut self, store: &mut S, tx: Tx, paths: &Paths) -> Result<(), DriverError>;
    /// The frontend is initialised: read its keys, map its rings, bind
    /// its event channels, and write what the frontend needs
    /// (`sectors`, `info`…).
    fn connect(&mut self, store: &mut S, paths: &Paths) -> Result<(), DriverError>;
    /// Unmap the rings after finishing in-flight requests. Called at most
    /// once per connection.
    fn disconnect(&mut self);
    /// Apply a reconfiguration (`Reconfiguring` → `Reconfigured`).
    fn reconfigure(&mut self, _store: &mut S, _paths: &Paths) -> Result<(), DriverError> {
        Ok(())
    }
    /// The device is gone for good (`online = 0` and `Closed`).
    fn remove(&mut self) {}
}

/// Common part of both ends.
#[derive(Debug)]
struct End {
    role: Role,
    paths: Paths,
    state: XenbusState,
    connected: bool,
}

impl End {
    fn token(&self) -> String {
        format!("xen-bus:{}", self.paths.own)
    }

    /// `xenbus_switch_state`: re-read, check, write, in one transaction.
    fn switch<S: XenStore + ?Sized>(
        &mut self,
        store: &mut S,
        to: XenbusState,
    ) -> Result<(), Error> {
        let role = self.role;
        let own = self.paths.own.clone();
        let r = transaction(store, |s, tx| {
            let Some(cur) = read_str(s, tx, &format!("{own}/state"))? else {
                // The directory went away: nothing to publish.
                return Ok(None);
            };
            let cur = cur.parse().unwrap_or(XenbusState::Unknown);
            if cur == to {
                return Ok(Some(to));
            }
            if !is_legal(role, cur, to) {
                return Err(Error::Illegal {
                    role,
                    from: cur,
                    to,
                });
            }
            s.write(
                tx,
                &format!("{own}/state"),
                format!("{}", to as u32).as_bytes(),
            )?;
            Ok(Some(to))
        })?;
        if let Some(s) = r {
            self.state = s;
        }
        Ok(())
    }

    /// `xenbus_dev_fatal`: record the error and go to `Closing`.
    fn fatal<S: XenStore + ?Sized>(&mut self, store: &mut S, e: &DriverError) -> Result<(), Error> {
        let text = format!("{} {}", e.errno, e.message);
        store.write(
            Tx::NONE,
            &format!("{}/error", self.paths.own),
            text.as_bytes(),
        )?;
        self.switch(store, XenbusState::Closing)
    }

    fn read_states<S: XenStore + ?Sized>(
        &mut self,
        store: &mut S,
    ) -> Result<(XenbusState, XenbusState), Error> {
        let own = read_state(store, Tx::NONE, &self.paths.own)?;
        let peer = read_state(store, Tx::NONE, &self.paths.peer)?;
        self.state = own;
        Ok((own, peer))
    }
}

fn read_key<S: XenStore + ?Sized>(store: &mut S, dir: &str, key: &str) -> Result<String, Error> {
    read_str(store, Tx::NONE, &format!("{dir}/{key}"))?
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Error::BadKey(format!("{dir}/{key}")))
}

fn read_domid<S: XenStore + ?Sized>(store: &mut S, dir: &str, key: &str) -> Result<u32, Error> {
    read_key(store, dir, key)?
        .parse::<u16>()
        .map(u32::from)
        .map_err(|_| Error::BadKey(format!("{dir}/{key}")))
}

/// The frontend end of one device.
#[derive(Debug)]
pub struct Frontend {
    end: End,
}

impl Frontend {
    /// Attaches to the frontend directory `dir` written by the toolstack:
    /// reads `backend` and `backend-id` and watches the backend's state.
    pub fn attach<S: XenStore + ?Sized>(store: &mut S, dir: &str) -> Result<Frontend, Error> {
        let peer = read_key(store, dir, "backend")?;
        let peer_domid = read_domid(store, dir, "backend-id")?;
        let end = End {
            role: Role::Frontend,
            paths: Paths {
                own: String::from(dir),
                peer,
                peer_domid,
            },
            state: read_state(store, Tx::NONE, dir)?,
            connected: false,
        };
        store.watch(&format!("{}/state", end.paths.peer), &end.token())?;
        Ok(Frontend { end })
    }

    /// The paths this end works with.
    pub fn paths(&self) -> &Paths {
        &self.end.paths
    }

    /// The state last published or read.
    pub fn state(&self) -> XenbusState {
        self.end.state
    }

    /// The watch token this end uses.
    pub fn token(&self) -> String {
        self.end.token()
    }

    /// Whether the driver is connected.
    pub fn is_connected(&self) -> bool {
        self.end.connected
    }

    /// Publishes `state` (checked against the frontend table).
    pub fn switch<S: XenStore + ?Sized>(
        &mut self,
        store: &mut S,
        state: XenbusState,
    ) -> Result<(), Error> {
        self.end.switch(store, state)
    }

    /// The guest unplugs or shuts down: go to `Closing`; the backend
    /// follows and the next steps finish at `Closed`.
    pub fn close<S: XenStore + ?Sized>(&mut self, store: &mut S) -> Result<(), Error> {
        self.end.switch(store, XenbusState::Closing)
    }

    /// After `Closed`, start over (a re-plug or resume): `Initialising`.
    pub fn restart<S: XenStore + ?Sized>(&mut self, store: &mut S) -> Result<(), Error> {
        self.end.switch(store, XenbusState::Initialising)
    }

    fn disconnect<S: XenStore + ?Sized, D: FrontendDriver<S>>(&mut self, drv: &mut D) {
        if core::mem::take(&mut self.end.connected) {
            drv.disconnect();
        }
    }

    /// One level-triggered step (call it on every watch event); returns
    /// this end's state afterwards.
    pub fn step<S: XenStore + ?Sized, D: FrontendDriver<S>>(
        &mut self,
        store: &mut S,
        drv: &mut D,
    ) -> Result<XenbusState, Error> {
        use XenbusState::*;
        let (own, peer) = self.end.read_states(store)?;
        match (peer, own) {
            (_, Unknown) => {}
            (InitWait, Initialising | Closed) => {
                let paths = self.end.paths.clone();
                let r = transaction(store, |s, tx| Ok::<_, StoreError>(drv.setup(s, tx, &paths)))?;
                match r {
                    Ok(()) => self.end.switch(store, Initialised)?,
                    Err(e) => self.end.fatal(store, &e)?,
                }
            }
            (Connected, Initialised) => match drv.connect(store, &self.end.paths.clone()) {
                Ok(()) => {
                    self.end.connected = true;
                    self.end.switch(store, Connected)?;
                }
                Err(e) => self.end.fatal(store, &e)?,
            },
            (Reconfiguring, Connected) => self.end.switch(store, Reconfiguring)?,
            (Reconfigured, Reconfiguring) => {
                match drv.reconfigure(store, &self.end.paths.clone()) {
                    Ok(()) => self.end.switch(store, Connected)?,
                    Err(e) => self.end.fatal(store, &e)?,
                }
            }
            (Closing | Closed | Unknown, Initialising) if peer != Unknown => {
                // The backend closes before we ever set up.
                self.end.switch(store, Closed)?;
            }
            (Closing | Closed, o) | (Unknown, o) if o != Closed && o != Initialising => {
                self.disconnect(drv);
                self.end.switch(store, Closed)?;
            }
            _ => {}
        }
        Ok(self.end.state)
    }
}

/// Backend settings.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BackendConfig {
    /// Defer `Connected` until the hotplug script has written
    /// `hotplug-status = connected` (netback does; blkback waits for
    /// `physical-device` instead, which its driver checks in `connect`).
    pub wait_hotplug: bool,
}

/// The backend end of one device.
#[derive(Debug)]
pub struct Backend {
    end: End,
    cfg: BackendConfig,
    removed: bool,
}

impl Backend {
    /// Attaches to the backend directory `dir` written by the toolstack:
    /// reads `frontend` and `frontend-id`, watches the frontend's state
    /// and this directory (toolstack and hotplug writes).
    pub fn attach<S: XenStore + ?Sized>(
        store: &mut S,
        dir: &str,
        cfg: BackendConfig,
    ) -> Result<Backend, Error> {
        let peer = read_key(store, dir, "frontend")?;
        let peer_domid = read_domid(store, dir, "frontend-id")?;
        let end = End {
            role: Role::Backend,
            paths: Paths {
                own: String::from(dir),
                peer,
                peer_domid,
            },
            state: read_state(store, Tx::NONE, dir)?,
            connected: false,
        };
        store.watch(&format!("{}/state", end.paths.peer), &end.token())?;
        store.watch(dir, &end.token())?;
        Ok(Backend {
            end,
            cfg,
            removed: false,
        })
    }

    /// The paths this end works with.
    pub fn paths(&self) -> &Paths {
        &self.end.paths
    }

    /// The state last published or read.
    pub fn state(&self) -> XenbusState {
        self.end.state
    }

    /// The watch token this end uses.
    pub fn token(&self) -> String {
        self.end.token()
    }

    /// Whether the driver is connected.
    pub fn is_connected(&self) -> bool {
        self.end.connected
    }

    /// Whether the device was removed (`online = 0`, then `Closed`).
    pub fn is_removed(&self) -> bool {
        self.removed
    }

    /// Probe: the driver writes its features, then `InitWait`.
    pub fn probe<S: XenStore + ?Sized, D: BackendDriver<S>>(
        &mut self,
        store: &mut S,
        drv: &mut D,
    ) -> Result<(), Error> {
        let paths = self.end.paths.clone();
        match transaction(store, |s, tx| Ok::<_, StoreError>(drv.probe(s, tx, &paths)))? {
            Ok(()) => self.end.switch(store, XenbusState::InitWait),
            Err(e) => self.end.fatal(store, &e),
        }
    }

    /// Publishes `state` (checked against the backend table).
    pub fn switch<S: XenStore + ?Sized>(
        &mut self,
        store: &mut S,
        state: XenbusState,
    ) -> Result<(), Error> {
        self.end.switch(store, state)
    }

    /// Starts a renegotiation from `Connected` (`Reconfiguring`).
    pub fn begin_reconfigure<S: XenStore + ?Sized>(&mut self, store: &mut S) -> Result<(), Error> {
        self.end.switch(store, XenbusState::Reconfiguring)
    }

    fn online<S: XenStore + ?Sized>(&self, store: &mut S) -> Result<bool, Error> {
        Ok(
            read_str(store, Tx::NONE, &format!("{}/online", self.end.paths.own))?.as_deref()
                == Some("1"),
        )
    }

    fn disconnect<S: XenStore + ?Sized, D: BackendDriver<S>>(&mut self, drv: &mut D) {
        if core::mem::take(&mut self.end.connected) {
            drv.disconnect();
        }
    }

    /// One level-triggered step (call it on every watch event); returns
    /// this end's state afterwards.
    pub fn step<S: XenStore + ?Sized, D: BackendDriver<S>>(
        &mut self,
        store: &mut S,
        drv: &mut D,
    ) -> Result<XenbusState, Error> {
        use XenbusState::*;
        if self.removed {
            return Ok(self.end.state);
        }
        let (own, peer) = self.end.read_states(store)?;
        if own == Closing {
            // The toolstack (or a fatal error) closed us: stop serving.
            self.disconnect(drv);
        }
        match (peer, own) {
            (_, Unknown) => {
                // Our directory is gone.
                self.disconnect(drv);
            }
            (Initialising, Closed) if self.online(store)? => {
                self.end.switch(store, InitWait)?;
            }
            (Initialised | Connected, InitWait) => {
                let hotplug_ok = !self.cfg.wait_hotplug
                    || read_str(
                        store,
                        Tx::NONE,
                        &format!("{}/hotplug-status", self.end.paths.own),
                    )?
                    .as_deref()
                        == Some("connected");
                if hotplug_ok {
                    match drv.connect(store, &self.end.paths.clone()) {
                        Ok(()) => {
                            self.end.connected = true;
                            self.end.switch(store, Connected)?;
                        }
                        Err(e) => self.end.fatal(store, &e)?,
                    }
                }
            }
            (Connected, Reconfigured) => self.end.switch(store, Connected)?,
            (Reconfiguring, Reconfiguring) => match drv.reconfigure(store, &self.end.paths.clone())
            {
                Ok(()) => self.end.switch(store, Reconfigured)?,
                Err(e) => self.end.fatal(store, &e)?,
            },
            (Closing, o) if o != Closing && o != Closed => {
                self.disconnect(drv);
                self.end.switch(store, Closing)?;
            }
            (Closed | Unknown, o) => {
                self.disconnect(drv);
                if o != Closed && !(peer == Unknown && o == Initialising) {
                    self.end.switch(store, Closed)?;
                }
                if self.end.state == Closed && !self.online(store)? {
                    self.removed = true;
                    drv.remove();
                }
            }
            _ => {}
        }
        Ok(self.end.state)
    }
}
