//! A console backend for a host: serves the guest's console on a PTY and
//! appends its output to a log file, as xenconsoled does.
//!
//! The PTY is opened with `posix_openpt` (through rustix), its slave put in
//! raw mode and kept open by the backend itself (so reading the master
//! never fails with `EIO` while no terminal is attached), and its path
//! published in xenstore as `<domain path>/console/tty`. [`ConsoleBackend::pump`]
//! moves what is ready both ways without blocking: guest output goes to
//! the log file and to the PTY (up to [`MAX_PENDING`] bytes wait for a
//! slow reader, beyond that output is dropped and counted, as xenconsoled
//! discards what a stuck client does not read); PTY input goes into the
//! guest's `in` ring as space allows, the rest waiting for the next pump.
//! Call `pump` when the guest's event channel fires or the PTY is
//! readable, and notify the guest when it reports progress.

use std::ffi::OsStr;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::vec::Vec;

use rustix::fs::{fcntl_getfl, fcntl_setfl, OFlags};
use rustix::pty::{grantpt, openpt, ptsname, unlockpt, OpenptFlags};
use rustix::termios::{tcgetattr, tcsetattr, OptionalActions};
use xen_bus::{StoreError, Tx, XenStore};
use xen_mem::FrameMemory;

use crate::ring::Back;

/// Guest output kept for a PTY reader that is not keeping up.
pub const MAX_PENDING: usize = 64 * 1024;

/// What one [`ConsoleBackend::pump`] moved.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Bytes taken from the guest's `out` ring.
    pub from_guest: usize,
    /// Bytes put into the guest's `in` ring (notify the guest if non-zero).
    pub to_guest: usize,
}

impl Progress {
    /// Whether anything moved (the guest should be notified).
    pub fn any(&self) -> bool {
        self.from_guest + self.to_guest > 0
    }
}

/// A console backend error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The PTY or log file failed.
    #[error("console backend: {0}")]
    Io(#[from] io::Error),
    /// The console page could not be reached.
    #[error("console page: {0}")]
    Mem(#[from] xen_mem::MemError),
}

/// One guest console served on a PTY and a log file.
#[derive(Debug)]
pub struct ConsoleBackend<'m, M: FrameMemory> {
    ring: Back<'m, M>,
    master: File,
    _slave: File,
    tty: PathBuf,
    log: Option<File>,
    pending_out: Vec<u8>,
    pending_in: Vec<u8>,
    dropped: u64,
}

fn set_nonblocking(f: &File) -> io::Result<()> {
    let fl = fcntl_getfl(f)?;
    fcntl_setfl(f, fl | OFlags::NONBLOCK)?;
    Ok(())
}

impl<'m, M: FrameMemory> ConsoleBackend<'m, M> {
    /// Opens a PTY for the console behind `ring`, and the log file
    /// `log` (appended to) if given.
    pub fn new(ring: Back<'m, M>, log: Option<&Path>) -> Result<Self, Error> {
        let master = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC)
            .map_err(io::Error::from)?;
        grantpt(&master).map_err(io::Error::from)?;
        unlockpt(&master).map_err(io::Error::from)?;
        let name = ptsname(&master, Vec::new()).map_err(io::Error::from)?;
        let tty = PathBuf::from(OsStr::from_bytes(name.as_bytes()));
        let slave = OpenOptions::new().read(true).write(true).open(&tty)?;
        let mut t = tcgetattr(&slave).map_err(io::Error::from)?;
        t.make_raw();
        tcsetattr(&slave, OptionalActions::Now, &t).map_err(io::Error::from)?;
        let master = File::from(master);
        set_nonblocking(&master)?;
        let log = match log {
            Some(p) => Some(OpenOptions::new().create(true).append(true).open(p)?),
            None => None,
        };
        Ok(ConsoleBackend {
            ring,
            master,
            _slave: slave,
            tty,
            log,
            pending_out: Vec::new(),
            pending_in: Vec::new(),
            dropped: 0,
        })
    }

    /// The PTY's slave device (what `xl console` opens).
    pub fn tty(&self) -> &Path {
        &self.tty
    }

    /// Guest output dropped because the PTY reader fell behind.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Times the guest's ring indexes were found out of range.
    pub fn hostile(&self) -> u64 {
        self.ring.hostile()
    }

    /// Writes `<domain_path>/console/tty` as xenconsoled does.
    pub fn publish_tty<S: XenStore + ?Sized>(
        &self,
        store: &mut S,
        domain_path: &str,
    ) -> Result<(), StoreError> {
        store.write(
            Tx::NONE,
            &std::format!("{domain_path}/console/tty"),
            self.tty.as_os_str().as_bytes(),
        )
    }

    /// Moves whatever is ready, both ways, without blocking.
    pub fn pump(&mut self) -> Result<Progress, Error> {
        let mut p = Progress::default();
        // Guest → log and PTY. Bounded: at most one ring's worth per call.
        let mut buf = [0u8; xen_abi::io::console::XENCONS_OUT_SIZE];
        let n = self.ring.read(&mut buf)?;
        if n > 0 {
            p.from_guest = n;
            if let Some(log) = &mut self.log {
                log.write_all(&buf[..n])?;
            }
            let room = MAX_PENDING - self.pending_out.len();
            let keep = n.min(room);
            self.pending_out.extend_from_slice(&buf[..keep]);
            self.dropped += (n - keep) as u64;
        }
        while !self.pending_out.is_empty() {
            match self.master.write(&self.pending_out) {
                Ok(0) => break,
                Ok(k) => {
                    self.pending_out.drain(..k);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            }
        }
        // PTY → guest.
        if self.pending_in.is_empty() {
            let mut inb = [0u8; xen_abi::io::console::XENCONS_IN_SIZE];
            match self.master.read(&mut inb) {
                Ok(k) => self.pending_in.extend_from_slice(&inb[..k]),
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                    ) => {}
                Err(e) => return Err(e.into()),
            }
        }
        if !self.pending_in.is_empty() {
            let k = self.ring.write(&self.pending_in)?;
            self.pending_in.drain(..k);
            p.to_guest = k;
        }
        Ok(p)
    }
}
