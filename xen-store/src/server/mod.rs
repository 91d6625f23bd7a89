//! The `xenstored` daemon: the store behind one mutex, a tokio task per
//! Unix-socket connection, a timer task for holds and event timeouts, and
//! live update (dump the state, start the new binary on it).
//!
//! Locking: one `std::sync::Mutex` around the [`Store`]; it is never held
//! across an `.await`, and every store call is short and bounded. Each
//! connection has a `ConnHandle` (a wake-up and a kill switch) in a second
//! map behind its own mutex; the two are never held together.

mod socket;
#[cfg(target_os = "linux")]
mod xen;
#[cfg(target_os = "linux")]
pub use xen::XenMode;

/// Where dom0's ring comes from (only `Off` exists off Linux).
#[cfg(not(target_os = "linux"))]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum XenMode {
    /// Not on Xen: Unix sockets only.
    Off,
}

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::net::UnixListener;
use tokio::sync::Notify;

use crate::db::store::Config;
use crate::db::{ConnId, Effect, Store};

/// Log levels, most severe first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// Errors only.
    Error,
    /// Warnings and errors.
    Warn,
    /// Informational messages (default).
    Info,
    /// Everything.
    Debug,
}

impl std::str::FromStr for LogLevel {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "error" => LogLevel::Error,
            "warn" => LogLevel::Warn,
            "info" => LogLevel::Info,
            "debug" => LogLevel::Debug,
            _ => {
                return Err(format!(
                    "unknown log level {s:?} (error, warn, info, debug)"
                ))
            }
        })
    }
}

/// Daemon settings.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    /// The store settings.
    pub store: Config,
    /// Where the socket is created.
    pub socket: PathBuf,
    /// Log level (messages go to stderr).
    pub log_level: LogLevel,
    /// One line per request is appended here, if set.
    pub access_log: Option<PathBuf>,
    /// Where live update writes the state.
    pub state_file: PathBuf,
    /// Extra sockets whose clients act as an unprivileged domain (for
    /// tests and tools run on behalf of a guest): `(domid, path)`.
    pub domain_sockets: Vec<(u32, PathBuf)>,
    /// Shared rings of domains on a real Xen host (see [`XenMode`]).
    pub xen: XenMode,
}

/// The socket path the upstream daemons and libxenstore use:
/// `$XENSTORED_PATH`, else `$XENSTORED_RUNDIR/socket`, else
/// `/var/run/xenstored/socket`.
pub fn default_socket_path() -> PathBuf {
    if let Some(p) = std::env::var_os("XENSTORED_PATH") {
        return PathBuf::from(p);
    }
    default_rundir().join("socket")
}

/// `$XENSTORED_RUNDIR`, else `/var/run/xenstored`.
pub fn default_rundir() -> PathBuf {
    std::env::var_os("XENSTORED_RUNDIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/run/xenstored"))
}

/// The arguments of the last `CONTROL live-update -s` (for the binary that
/// execs the new daemon after [`run`] returns).
pub static LAST_LIVE_UPDATE_ARGS: Mutex<Option<Vec<String>>> = Mutex::new(None);

/// A connection's wake-up and kill switch.
#[derive(Debug, Default)]
pub(crate) struct ConnHandle {
    pub notify: Notify,
    pub kill: Notify,
    pub killed: AtomicBool,
}

/// State shared by the daemon's tasks.
pub struct Shared {
    pub(crate) store: Mutex<Store>,
    pub(crate) handles: Mutex<HashMap<ConnId, Arc<ConnHandle>>>,
    start: Instant,
    pub(crate) cfg: ServerConfig,
    access: Option<Mutex<std::io::BufWriter<std::fs::File>>>,
    live_update: Notify,
    live_update_args: Mutex<Option<Vec<String>>>,
    pub(crate) timer: Notify,
    /// The ring task's queue, when serving domains on Xen.
    #[cfg(target_os = "linux")]
    rings: std::sync::OnceLock<tokio::sync::mpsc::UnboundedSender<xen::RingCmd>>,
}

impl Shared {
    /// Milliseconds since start.
    pub fn now(&self) -> u64 {
        self.start.elapsed().as_millis() as u64
    }

    /// Logs a message at `level`.
    pub fn log(&self, level: LogLevel, msg: &str) {
        if level <= self.cfg.log_level {
            eprintln!("xenstored: {msg}");
        }
    }

    pub(crate) fn access(&self, line: impl FnOnce() -> String) {
        if let Some(a) = &self.access {
            let mut f = a.lock().expect("access log lock");
            let _ = writeln!(f, "{}", line());
            let _ = f.flush();
        }
    }

    /// Wakes the connections the store named, and carries out its effects.
    pub(crate) fn after(&self, notify: Vec<ConnId>, effects: Vec<Effect>) {
        if notify.is_empty() && effects.is_empty() {
            return;
        }
        let handles = self.handles.lock().expect("handles lock");
        for c in notify {
            if let Some(h) = handles.get(&c) {
                h.notify.notify_one();
            }
        }
        for e in effects {
            match e {
                Effect::Close(c) => {
                    if let Some(h) = handles.get(&c) {
                        h.killed.store(true, Ordering::SeqCst);
                        h.kill.notify_one();
                        h.notify.notify_one();
                    }
                    self.log(
                        LogLevel::Warn,
                        &format!("connection {c} closed: not reading its events"),
                    );
                }
                Effect::Introduced {
                    domid,
                    conn,
                    gfn,
                    port,
                } => {
                    self.log(
                        LogLevel::Info,
                        &format!("domain {domid} introduced (gfn {gfn:#x}, port {port})"),
                    );
                    #[cfg(target_os = "linux")]
                    self.to_rings(xen::RingCmd::Attach { domid, conn, port });
                    #[cfg(not(target_os = "linux"))]
                    let _ = conn;
                }
                Effect::Reintroduced { domid, conn, port } => {
                    self.log(
                        LogLevel::Info,
                        &format!("domain {domid} re-introduced (port {port})"),
                    );
                    #[cfg(target_os = "linux")]
                    self.to_rings(xen::RingCmd::Rebind { domid, conn, port });
                    #[cfg(not(target_os = "linux"))]
                    let _ = conn;
                }
                Effect::Released { domid, conn } => {
                    self.log(LogLevel::Info, &format!("domain {domid} released"));
                    #[cfg(target_os = "linux")]
                    self.to_rings(xen::RingCmd::Detach { conn });
                    #[cfg(not(target_os = "linux"))]
                    let _ = conn;
                }
                Effect::Log(s) => self.log(LogLevel::Error, &s),
                Effect::LiveUpdate(args) => {
                    if args.iter().any(|a| a == "-s") {
                        *LAST_LIVE_UPDATE_ARGS.lock().expect("lu lock") = Some(args.clone());
                        *self.live_update_args.lock().expect("lu lock") = Some(args);
                        self.live_update.notify_one();
                    }
                }
            }
        }
    }
}

impl Shared {
    /// Hands a command to the ring task, if rings are served; without one
    /// the domain is known to the store but has no transport here.
    #[cfg(target_os = "linux")]
    fn to_rings(&self, c: xen::RingCmd) {
        match self.rings.get() {
            Some(tx) => {
                let _ = tx.send(c);
            }
            None => {
                if !matches!(c, xen::RingCmd::Flush(_)) {
                    self.log(LogLevel::Debug, "no ring transport on this host");
                }
            }
        }
    }
}

/// Prepares the socket path: creates its directory, removes a stale socket.
fn prepare_socket(path: &Path) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Runs the daemon on `store` until a live update hands over (returns the
/// state file written) or an error.
pub async fn run(cfg: ServerConfig, store: Store) -> std::io::Result<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let access = match &cfg.access_log {
        Some(p) => Some(Mutex::new(std::io::BufWriter::new(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)?,
        ))),
        None => None,
    };
    let shared = Arc::new(Shared {
        store: Mutex::new(store),
        handles: Mutex::new(HashMap::new()),
        start: Instant::now(),
        cfg,
        access,
        live_update: Notify::new(),
        live_update_args: Mutex::new(None),
        timer: Notify::new(),
        #[cfg(target_os = "linux")]
        rings: std::sync::OnceLock::new(),
    });
    #[cfg(target_os = "linux")]
    if shared.cfg.xen != XenMode::Off {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let transport = xen::Transport::open(shared.clone(), tx.clone())?;
        let _ = shared.rings.set(tx);
        if shared.cfg.xen == XenMode::RingsAndDom0 {
            transport.introduce_dom0().map_err(|e| {
                std::io::Error::new(
                    e.kind(),
                    format!("introducing dom0 through {}: {e}", xen_linux::xenfs::XENFS),
                )
            })?;
        }
        let sh = shared.clone();
        tokio::spawn(async move {
            if let Err(e) = transport.run(rx).await {
                sh.log(LogLevel::Error, &format!("ring transport stopped: {e}"));
            }
        });
    }
    // The socket appears only once the rings are set up: a daemon that
    // fails on Xen's devices leaves no socket that nobody serves.
    prepare_socket(&shared.cfg.socket)?;
    let listener = UnixListener::bind(&shared.cfg.socket)?;
    std::fs::set_permissions(&shared.cfg.socket, std::fs::Permissions::from_mode(0o600))?;
    shared.log(
        LogLevel::Info,
        &format!("listening on {}", shared.cfg.socket.display()),
    );
    for (domid, path) in shared.cfg.domain_sockets.clone() {
        prepare_socket(&path)?;
        let l = UnixListener::bind(&path)?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
        shared.log(
            LogLevel::Info,
            &format!("listening on {} as domain {domid}", path.display()),
        );
        let sh = shared.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = l.accept().await {
                tokio::spawn(socket::serve(sh.clone(), stream, domid));
            }
        });
    }
    tokio::spawn(timer_task(shared.clone()));
    loop {
        tokio::select! {
            r = listener.accept() => {
                match r {
                    Ok((stream, _)) => { tokio::spawn(socket::serve(shared.clone(), stream, 0)); }
                    Err(e) => shared.log(LogLevel::Warn, &format!("accept: {e}")),
                }
            }
            _ = shared.live_update.notified() => {
                let path = shared.cfg.state_file.clone();
                let bytes = {
                    let mut st = shared.store.lock().expect("store lock");
                    st.dump_state()
                };
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                let tmp = path.with_extension("tmp");
                std::fs::write(&tmp, &bytes)?;
                std::fs::rename(&tmp, &path)?;
                shared.log(LogLevel::Info, &format!("live update: state ({} bytes) in {}", bytes.len(), path.display()));
                drop(listener);
                let _ = std::fs::remove_file(&shared.cfg.socket);
                return Ok(path);
            }
        }
    }
}

/// Arguments of the pending live update (`-f <binary>`, `-c <cmdline>`).
pub fn live_update_args(shared: &Shared) -> Option<Vec<String>> {
    shared.live_update_args.lock().expect("lu lock").clone()
}

async fn timer_task(shared: Arc<Shared>) {
    loop {
        let deadline = shared.store.lock().expect("store lock").next_deadline();
        let wait = match deadline {
            Some(d) => Duration::from_millis(d.saturating_sub(shared.now()).clamp(1, 100)),
            None => Duration::from_millis(100),
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = shared.timer.notified() => {}
        }
        let now = shared.now();
        let (n, e) = {
            let mut st = shared.store.lock().expect("store lock");
            st.tick(now);
            (st.take_notifications(), st.take_effects())
        };
        shared.after(n, e);
    }
}
