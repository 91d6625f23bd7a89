//! The shared-ring transport on a real Xen host: what lets this daemon
//! replace C xenstored in a Linux dom0.
//!
//! - dom0's own ring is the page Linux keeps for a local store
//!   (`/proc/xen/xsd_kva`, port in `/proc/xen/xsd_port`); the daemon
//!   introduces dom0 itself at start, unless told not to (`-D`).
//! - A domain introduced by the toolstack (`INTRODUCE`) is reached through
//!   its reserved grant `GNTTAB_RESERVED_XENSTORE`, mapped with
//!   `/dev/xen/gntdev`, and an interdomain event channel bound to the port
//!   it names.
//! - `VIRQ_DOM_EXC` says some domain changed state: each introduced domain
//!   is looked up with `XEN_DOMCTL_getdomaininfo`; one that shut down fires
//!   `@releaseDomain` (so `xl` sees it), one that is dying or gone is torn
//!   down as `RELEASE` would.
//!
//! One task owns the devices and every ring; the store reaches it through
//! a channel ([`RingCmd`]) carrying its effects and the wake-ups of ring
//! connections, so the store's mutex is only held for a bounded ring pass.
//! A plain thread blocks reading `/dev/xen/evtchn` and queues the ports
//! that fire on the same channel.

use std::collections::{HashMap, HashSet};
use std::io;
use std::sync::Arc;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use xen_abi::domctl::DominfFlags;
use xen_abi::event_channel::VIRQ_DOM_EXC;
use xen_abi::grant_table::GNTTAB_RESERVED_XENSTORE;
use xen_abi::DomId;
use xen_linux::{xenfs, EventChannels, GrantDevice, Privcmd, RawFrames};
use xen_mem::Mfn;

use super::{ConnHandle, LogLevel, Shared};
use crate::db::ConnId;
use crate::ring::{Notifier, ServerRing};

/// Work for the ring task.
#[derive(Debug)]
pub(crate) enum RingCmd {
    /// A domain was introduced: map its ring, bind its port.
    Attach { domid: u32, conn: ConnId, port: u32 },
    /// A domain was introduced again with a new port.
    Rebind { domid: u32, conn: ConnId, port: u32 },
    /// A domain was released: unbind and unmap.
    Detach { conn: ConnId },
    /// The store queued output for a ring connection.
    Flush(ConnId),
    /// A port fired (it stays masked until handled; only the thread
    /// reading the device issues this).
    Fired(u32),
}

/// Where dom0's ring comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XenMode {
    /// Not on Xen: Unix sockets only.
    Off,
    /// Serve rings of introduced domains; dom0 is introduced by someone else.
    Rings,
    /// Also introduce dom0 through xenfs at start (the default on Xen).
    RingsAndDom0,
}

struct PortNotifier {
    ev: Arc<EventChannels>,
    port: u32,
}

impl Notifier for PortNotifier {
    fn notify(&self) {
        let _ = self.ev.notify(self.port);
    }
}

impl core::fmt::Debug for PortNotifier {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "port {}", self.port)
    }
}

struct DomRing {
    domid: u32,
    conn: ConnId,
    ring: ServerRing<RawFrames, PortNotifier>,
    handle: Arc<ConnHandle>,
}

/// The devices and the rings they serve.
pub(crate) struct Transport {
    shared: Arc<Shared>,
    tx: UnboundedSender<RingCmd>,
    ev: Arc<EventChannels>,
    gnt: GrantDevice,
    privcmd: Privcmd,
    virq: u32,
    /// Rings by local port.
    rings: HashMap<u32, DomRing>,
    /// Local port by connection.
    ports: HashMap<ConnId, u32>,
    /// Domains whose shutdown was already announced.
    shut_down: HashSet<u32>,
}

impl Transport {
    /// Opens the Xen devices (failing loudly: a daemon on Xen without them
    /// would strand every guest).
    pub(crate) fn open(shared: Arc<Shared>, tx: UnboundedSender<RingCmd>) -> io::Result<Self> {
        let ctx = |what: &'static str| {
            move |e: io::Error| io::Error::new(e.kind(), format!("{what}: {e}"))
        };
        let ev = Arc::new(EventChannels::open().map_err(ctx("/dev/xen/evtchn"))?);
        let gnt = GrantDevice::open().map_err(ctx("/dev/xen/gntdev"))?;
        let privcmd = Privcmd::open().map_err(ctx("/dev/xen/privcmd"))?;
        let virq = ev
            .bind_virq(VIRQ_DOM_EXC)
            .map_err(ctx("binding VIRQ_DOM_EXC"))?;
        Ok(Self {
            shared,
            tx,
            ev,
            gnt,
            privcmd,
            virq,
            rings: HashMap::new(),
            ports: HashMap::new(),
            shut_down: HashSet::new(),
        })
    }

    /// Introduces dom0 through xenfs (its ring page and port).
    pub(crate) fn introduce_dom0(&self) -> io::Result<()> {
        let port = xenfs::store_port()?;
        let now = self.shared.now();
        let (n, e) = {
            let mut st = self.shared.store.lock().expect("store lock");
            st.introduce(0, 0, port, now);
            (st.take_notifications(), st.take_effects())
        };
        self.shared.after(n, e);
        Ok(())
    }

    /// Serves events and commands until the channel closes. The thread
    /// reading `/dev/xen/evtchn` serves a ring that fired itself (one
    /// wake-up from the guest's request to our reply, as in the C daemon);
    /// commands from the store arrive on this task. Both go through one
    /// mutex around the transport, always taken before the store's.
    pub(crate) async fn run(self, mut rx: UnboundedReceiver<RingCmd>) -> io::Result<()> {
        let ev = self.ev.clone();
        let me = Arc::new(std::sync::Mutex::new(self));
        let on_thread = me.clone();
        std::thread::Builder::new()
            .name("evtchn".into())
            .spawn(move || {
                let mut fired = Vec::new();
                loop {
                    fired.clear();
                    if let Err(e) = ev.pending(&mut fired) {
                        if e.kind() == io::ErrorKind::Interrupted {
                            continue;
                        }
                        eprintln!("xenstored: reading /dev/xen/evtchn: {e}");
                        return;
                    }
                    let mut t = on_thread.lock().expect("transport lock");
                    for &p in &fired {
                        t.command(RingCmd::Fired(p));
                    }
                }
            })?;
        while let Some(c) = rx.recv().await {
            me.lock().expect("transport lock").command(c);
        }
        Ok(())
    }

    fn command(&mut self, c: RingCmd) {
        match c {
            RingCmd::Attach { domid, conn, port } => {
                if let Err(e) = self.attach(domid, conn, port) {
                    self.shared.log(
                        LogLevel::Error,
                        &format!("domain {domid}: cannot attach its ring (port {port}): {e}"),
                    );
                }
            }
            RingCmd::Rebind { domid, conn, port } => {
                self.detach(conn);
                if let Err(e) = self.attach(domid, conn, port) {
                    self.shared.log(
                        LogLevel::Error,
                        &format!("domain {domid}: cannot re-attach its ring (port {port}): {e}"),
                    );
                }
            }
            RingCmd::Detach { conn } => self.detach(conn),
            RingCmd::Fired(port) => {
                self.fired(port);
                let _ = self.ev.unmask(port);
            }
            RingCmd::Flush(conn) => {
                if let Some(&port) = self.ports.get(&conn) {
                    self.service(port);
                }
            }
        }
    }

    fn attach(&mut self, domid: u32, conn: ConnId, port: u32) -> io::Result<()> {
        let page = if domid == 0 {
            xenfs::map_store_page()?
        } else {
            self.gnt.map(domid, GNTTAB_RESERVED_XENSTORE)?
        };
        let local = self.ev.bind_interdomain(domid, port)?;
        let features = self
            .shared
            .store
            .lock()
            .expect("store lock")
            .config()
            .features;
        let notifier = PortNotifier {
            ev: self.ev.clone(),
            port: local,
        };
        let ring = match ServerRing::new(page, Mfn(0), notifier, features) {
            Ok(r) => r,
            Err(e) => {
                let _ = self.ev.unbind(local);
                return Err(io::Error::other(e.to_string()));
            }
        };
        let handle = Arc::new(ConnHandle::default());
        self.shared
            .handles
            .lock()
            .expect("handles lock")
            .insert(conn, handle.clone());
        let (h, tx) = (handle.clone(), self.tx.clone());
        tokio::spawn(async move {
            loop {
                h.notify.notified().await;
                if h.killed.load(std::sync::atomic::Ordering::SeqCst)
                    || tx.send(RingCmd::Flush(conn)).is_err()
                {
                    return;
                }
            }
        });
        self.rings.insert(
            local,
            DomRing {
                domid,
                conn,
                ring,
                handle,
            },
        );
        self.ports.insert(conn, local);
        self.shut_down.remove(&domid);
        self.shared.log(
            LogLevel::Info,
            &format!("domain {domid}: ring attached (remote port {port}, local port {local})"),
        );
        // Serve whatever is queued and tell the guest we are there (Linux
        // waits for this first event before using a local store).
        self.service(local);
        let _ = self.ev.notify(local);
        Ok(())
    }

    fn detach(&mut self, conn: ConnId) {
        let Some(local) = self.ports.remove(&conn) else {
            return;
        };
        if let Some(r) = self.rings.remove(&local) {
            r.handle
                .killed
                .store(true, std::sync::atomic::Ordering::SeqCst);
            r.handle.notify.notify_one();
            self.shared
                .handles
                .lock()
                .expect("handles lock")
                .remove(&conn);
            let _ = self.ev.unbind(local);
            self.shared.log(
                LogLevel::Info,
                &format!("domain {}: ring detached", r.domid),
            );
            // Dropping `r.ring` unmaps the page.
        }
    }

    fn fired(&mut self, port: u32) {
        if port == self.virq {
            self.check_domains();
        } else {
            self.service(port);
        }
    }

    /// One bounded pass over a ring, then the store's follow-ups.
    fn service(&mut self, port: u32) {
        let Some(r) = self.rings.get_mut(&port) else {
            return;
        };
        if r.ring.failed() {
            return;
        }
        let now = self.shared.now();
        let (n, e, err) = {
            let mut st = self.shared.store.lock().expect("store lock");
            let err = r.ring.service(&mut st, r.conn, now).err();
            (st.take_notifications(), st.take_effects(), err)
        };
        if let Some(err) = err {
            self.shared.log(
                LogLevel::Warn,
                &format!("domain {}: ring stopped: {err}", r.domid),
            );
        }
        self.shared.after(n, e);
    }

    /// `VIRQ_DOM_EXC`: find the domains that shut down or died.
    fn check_domains(&mut self) {
        let ids = self
            .shared
            .store
            .lock()
            .expect("store lock")
            .introduced_domains();
        let mut gone = Vec::new();
        let mut down = Vec::new();
        for domid in ids {
            if domid == 0 || domid >= u32::from(DomId::FIRST_RESERVED.0) {
                continue;
            }
            match self.privcmd.domain_info(DomId(domid as u16)) {
                Ok(None) => gone.push(domid),
                Ok(Some(i)) => {
                    let flags = DominfFlags::from_bits_truncate(i.flags);
                    if flags.contains(DominfFlags::DYING) {
                        gone.push(domid);
                    } else if flags.contains(DominfFlags::SHUTDOWN) && self.shut_down.insert(domid)
                    {
                        down.push(domid);
                    }
                }
                Err(e) => self.shared.log(
                    LogLevel::Warn,
                    &format!("domain {domid}: getdomaininfo failed: {e}"),
                ),
            }
        }
        if gone.is_empty() && down.is_empty() {
            return;
        }
        let now = self.shared.now();
        let (n, e) = {
            let mut st = self.shared.store.lock().expect("store lock");
            for &d in &down {
                st.domain_shut_down(d, now);
            }
            for &d in &gone {
                st.domain_destroyed(d, now);
            }
            (st.take_notifications(), st.take_effects())
        };
        for d in gone {
            self.shut_down.remove(&d);
            self.shared
                .log(LogLevel::Info, &format!("domain {d}: gone, released"));
        }
        self.shared.after(n, e);
    }
}
