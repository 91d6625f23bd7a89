//! Clients of a xenstore daemon over its Unix socket: [`blocking`] and
//! [`tokio`](mod@self::tokio) flavours with the same vocabulary.
//!
//! Both match replies to requests by `req_id`, so requests may be pipelined;
//! values are bytes; watch events arrive separately from replies;
//! transactions come with a retry helper that repeats the closure on EAGAIN.
//! The socket is found like libxenstore does: `$XENSTORED_PATH`, else
//! `$XENSTORED_RUNDIR/socket`, else `/var/run/xenstored/socket`.

pub mod blocking;
pub mod tokio;

use std::path::PathBuf;

use crate::db::XsError;
use crate::wire::msg;

/// A client error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The daemon answered with an error.
    #[error("xenstore: {0}")]
    Xs(#[from] XsError),
    /// The connection failed.
    #[error("xenstore connection: {0}")]
    Io(#[from] std::io::Error),
    /// The daemon sent something unexpected.
    #[error("xenstore protocol: {0}")]
    Protocol(String),
    /// A transaction kept conflicting.
    #[error("transaction still conflicting after {0} attempts")]
    TooManyRetries(u32),
}

/// A watch event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WatchEvent {
    /// The path that changed (relative if the watch was).
    pub path: String,
    /// The watch's token.
    pub token: String,
}

/// Where the daemon's socket is (`xs_daemon_socket()`).
pub fn socket_path() -> PathBuf {
    if let Some(p) = std::env::var_os("XENSTORED_PATH") {
        return PathBuf::from(p);
    }
    std::env::var_os("XENSTORED_RUNDIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/run/xenstored"))
        .join("socket")
}

/// Attempts a transaction helper makes before giving up.
pub const MAX_TX_ATTEMPTS: u32 = 10_000;

pub(crate) fn z(s: &str) -> Vec<u8> {
    let mut v = s.as_bytes().to_vec();
    v.push(0);
    v
}

pub(crate) fn zs(items: &[&str]) -> Vec<u8> {
    items.iter().flat_map(|s| z(s)).collect()
}

pub(crate) fn split_strings(p: &[u8]) -> Vec<String> {
    p.split(|&b| b == 0)
        .filter(|s| !s.is_empty())
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect()
}

pub(crate) fn parse_event(p: &[u8]) -> Result<WatchEvent, Error> {
    let mut it = p.split(|&b| b == 0);
    let (Some(path), Some(token)) = (it.next(), it.next()) else {
        return Err(Error::Protocol("malformed watch event".into()));
    };
    Ok(WatchEvent {
        path: String::from_utf8_lossy(path).into_owned(),
        token: String::from_utf8_lossy(token).into_owned(),
    })
}

/// Turns a reply frame into the payload or the error it carries.
pub(crate) fn reply_result(ty: u32, want: u32, payload: Vec<u8>) -> Result<Vec<u8>, Error> {
    if ty == msg::ERROR {
        return Err(Error::Xs(XsError::from_name(&payload)));
    }
    if ty != want {
        return Err(Error::Protocol(format!(
            "reply type {ty} to request type {want}"
        )));
    }
    Ok(payload)
}

/// Parses a TRANSACTION_START reply.
pub(crate) fn parse_tx_id(p: &[u8]) -> Result<u32, Error> {
    let s = p.strip_suffix(b"\0").unwrap_or(p);
    std::str::from_utf8(s)
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| Error::Protocol("bad transaction id".into()))
}
