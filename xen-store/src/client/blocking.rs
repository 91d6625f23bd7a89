//! A blocking client.
//!
//! Requests may be pipelined with [`Client::send`] and collected with
//! [`Client::recv`]; the plain methods do both. Watch events that arrive
//! while waiting for a reply are queued for [`Client::next_event`].

use std::collections::{HashMap, VecDeque};
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::Duration;

use super::{
    parse_event, parse_tx_id, reply_result, split_strings, z, zs, Error, WatchEvent,
    MAX_TX_ATTEMPTS,
};
use crate::wire::{encode_frame, msg, FrameDecoder};

/// A blocking connection to the daemon.
#[derive(Debug)]
pub struct Client {
    stream: UnixStream,
    dec: FrameDecoder,
    next_req: u32,
    replies: HashMap<u32, (u32, Vec<u8>)>,
    events: VecDeque<WatchEvent>,
    buf: Vec<u8>,
}

impl Client {
    /// Connects where libxenstore would ([`super::socket_path`]).
    pub fn open() -> Result<Client, Error> {
        Client::connect(super::socket_path())
    }

    /// Connects to the socket at `path`.
    pub fn connect(path: impl AsRef<Path>) -> Result<Client, Error> {
        Ok(Client {
            stream: UnixStream::connect(path)?,
            dec: FrameDecoder::new(),
            next_req: 1,
            replies: HashMap::new(),
            events: VecDeque::new(),
            buf: vec![0; 8192],
        })
    }

    /// Sends a request without waiting; returns its `req_id`.
    pub fn send(&mut self, ty: u32, tx: u32, payload: &[u8]) -> Result<u32, Error> {
        let id = self.next_req;
        self.next_req = self.next_req.wrapping_add(1).max(1);
        self.stream.write_all(&encode_frame(ty, id, tx, payload))?;
        Ok(id)
    }

    fn pump(&mut self) -> Result<(), Error> {
        let n = self.stream.read(&mut self.buf)?;
        if n == 0 {
            return Err(Error::Io(std::io::ErrorKind::UnexpectedEof.into()));
        }
        let mut off = 0;
        while off < n {
            let (used, f) = self
                .dec
                .push(&self.buf[off..n])
                .map_err(|e| Error::Protocol(e.to_string()))?;
            off += used;
            if let Some(f) = f {
                if f.header.ty == msg::WATCH_EVENT {
                    self.events.push_back(parse_event(&f.payload)?);
                } else {
                    self.replies
                        .insert(f.header.req_id, (f.header.ty, f.payload));
                }
            }
        }
        Ok(())
    }

    /// Waits for the reply to request `id` of type `ty`.
    pub fn recv(&mut self, id: u32, ty: u32) -> Result<Vec<u8>, Error> {
        loop {
            if let Some((rty, p)) = self.replies.remove(&id) {
                return reply_result(rty, ty, p);
            }
            self.pump()?;
        }
    }

    /// Sends a request and waits for its reply.
    pub fn request(&mut self, ty: u32, tx: u32, payload: &[u8]) -> Result<Vec<u8>, Error> {
        let id = self.send(ty, tx, payload)?;
        self.recv(id, ty)
    }

    /// READ.
    pub fn read(&mut self, tx: u32, path: &str) -> Result<Vec<u8>, Error> {
        self.request(msg::READ, tx, &z(path))
    }

    /// WRITE.
    pub fn write(&mut self, tx: u32, path: &str, value: &[u8]) -> Result<(), Error> {
        let mut p = z(path);
        p.extend_from_slice(value);
        self.request(msg::WRITE, tx, &p).map(drop)
    }

    /// MKDIR.
    pub fn mkdir(&mut self, tx: u32, path: &str) -> Result<(), Error> {
        self.request(msg::MKDIR, tx, &z(path)).map(drop)
    }

    /// RM.
    pub fn rm(&mut self, tx: u32, path: &str) -> Result<(), Error> {
        self.request(msg::RM, tx, &z(path)).map(drop)
    }

    /// DIRECTORY.
    pub fn directory(&mut self, tx: u32, path: &str) -> Result<Vec<String>, Error> {
        self.request(msg::DIRECTORY, tx, &z(path))
            .map(|p| split_strings(&p))
    }

    /// GET_PERMS, as strings like `"r5"`.
    pub fn get_perms(&mut self, tx: u32, path: &str) -> Result<Vec<String>, Error> {
        self.request(msg::GET_PERMS, tx, &z(path))
            .map(|p| split_strings(&p))
    }

    /// SET_PERMS with strings like `"n0"`, `"r5"`.
    pub fn set_perms(&mut self, tx: u32, path: &str, perms: &[&str]) -> Result<(), Error> {
        let mut p = z(path);
        p.extend(zs(perms));
        self.request(msg::SET_PERMS, tx, &p).map(drop)
    }

    /// WATCH (the initial event arrives through [`Client::next_event`]).
    pub fn watch(&mut self, path: &str, token: &str) -> Result<(), Error> {
        self.request(msg::WATCH, 0, &zs(&[path, token])).map(drop)
    }

    /// UNWATCH.
    pub fn unwatch(&mut self, path: &str, token: &str) -> Result<(), Error> {
        self.request(msg::UNWATCH, 0, &zs(&[path, token])).map(drop)
    }

    /// The next watch event, waiting up to `timeout` (forever if `None`).
    pub fn next_event(&mut self, timeout: Option<Duration>) -> Result<Option<WatchEvent>, Error> {
        if let Some(e) = self.events.pop_front() {
            return Ok(Some(e));
        }
        self.stream.set_read_timeout(timeout)?;
        let r = self.pump();
        self.stream.set_read_timeout(None)?;
        match r {
            Ok(()) => Ok(self.events.pop_front()),
            Err(Error::Io(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// TRANSACTION_START.
    pub fn transaction_start(&mut self) -> Result<u32, Error> {
        let p = self.request(msg::TRANSACTION_START, 0, b"\0")?;
        parse_tx_id(&p)
    }

    /// TRANSACTION_END (commit or abort).
    pub fn transaction_end(&mut self, tx: u32, commit: bool) -> Result<(), Error> {
        self.request(
            msg::TRANSACTION_END,
            tx,
            if commit { b"T\0" } else { b"F\0" },
        )
        .map(drop)
    }

    /// Runs `f` in a transaction and commits, retrying the whole of it on
    /// EAGAIN. `f` gets the client and the transaction id; an error from `f`
    /// aborts the transaction. Returns `f`'s result and the retries made.
    pub fn transaction<T>(
        &mut self,
        mut f: impl FnMut(&mut Client, u32) -> Result<T, Error>,
    ) -> Result<(T, u32), Error> {
        for attempt in 0..MAX_TX_ATTEMPTS {
            let tx = self.transaction_start()?;
            let v = match f(self, tx) {
                Ok(v) => v,
                Err(e) => {
                    let _ = self.transaction_end(tx, false);
                    return Err(e);
                }
            };
            match self.transaction_end(tx, true) {
                Ok(()) => return Ok((v, attempt)),
                Err(Error::Xs(crate::db::XsError::Again)) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(Error::TooManyRetries(MAX_TX_ATTEMPTS))
    }

    /// GET_DOMAIN_PATH.
    pub fn get_domain_path(&mut self, domid: u32) -> Result<String, Error> {
        self.request(msg::GET_DOMAIN_PATH, 0, &z(&domid.to_string()))
            .map(|p| split_strings(&p).pop().unwrap_or_default())
    }

    /// IS_DOMAIN_INTRODUCED.
    pub fn is_domain_introduced(&mut self, domid: u32) -> Result<bool, Error> {
        self.request(msg::IS_DOMAIN_INTRODUCED, 0, &z(&domid.to_string()))
            .map(|p| p.first() == Some(&b'T'))
    }

    /// INTRODUCE.
    pub fn introduce(&mut self, domid: u32, gfn: u64, port: u32) -> Result<(), Error> {
        let p = zs(&[&domid.to_string(), &gfn.to_string(), &port.to_string()]);
        self.request(msg::INTRODUCE, 0, &p).map(drop)
    }

    /// RELEASE.
    pub fn release(&mut self, domid: u32) -> Result<(), Error> {
        self.request(msg::RELEASE, 0, &z(&domid.to_string()))
            .map(drop)
    }

    /// CONTROL with arguments; returns the reply text.
    pub fn control(&mut self, args: &[&str]) -> Result<String, Error> {
        self.request(msg::CONTROL, 0, &zs(args))
            .map(|p| String::from_utf8_lossy(p.strip_suffix(b"\0").unwrap_or(&p)).into_owned())
    }
}
