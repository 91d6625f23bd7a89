//! The small xenstore-client trait the handshake is written against.
//!
//! It is the vocabulary every xenstore client has (libxenstore, Linux's
//! in-kernel xenbus, xen-store's clients): read, write, mkdir, rm,
//! directory, set_perms, watches and transactions. Implementations: the
//! in-memory [`crate::mem::MemStore`] (unit tests, no_std) and, with the
//! `xen-store` feature, xen-store's blocking socket client.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;

/// A transaction id; [`Tx::NONE`] means "outside any transaction".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Tx(pub u32);

impl Tx {
    /// No transaction.
    pub const NONE: Tx = Tx(0);
}

/// The xenstore errors a handshake needs to tell apart (the names are
/// xenstore's, `xsd_errors[]`); everything else is [`StoreError::Other`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// `ENOENT`: no such node.
    #[error("ENOENT")]
    NoEnt,
    /// `EACCES`: permission denied.
    #[error("EACCES")]
    Access,
    /// `EAGAIN`: the transaction conflicted; run it again.
    #[error("EAGAIN")]
    Again,
    /// `EINVAL`: bad path or argument.
    #[error("EINVAL")]
    Invalid,
    /// The connection to the store failed.
    #[error("connection: {0}")]
    Connection(String),
    /// Any other store error, by name.
    #[error("{0}")]
    Other(String),
}

/// One permission entry (`n0`, `r5`, `w5`, `b5`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Perm {
    /// The domain the entry is about (the first entry: the owner).
    pub domid: u32,
    /// Its access.
    pub access: Access,
}

/// Access letters of a permission entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Access {
    /// `n`: none.
    None,
    /// `r`: read.
    Read,
    /// `w`: write.
    Write,
    /// `b`: both.
    Both,
}

impl fmt::Display for Perm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = match self.access {
            Access::None => 'n',
            Access::Read => 'r',
            Access::Write => 'w',
            Access::Both => 'b',
        };
        write!(f, "{c}{}", self.domid)
    }
}

/// A watch event: the node that changed and the watch's token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WatchEvent {
    /// The path that changed.
    pub path: String,
    /// The token given to [`XenStore::watch`].
    pub token: String,
}

/// A xenstore client connection.
pub trait XenStore {
    /// READ: the node's value.
    fn read(&mut self, tx: Tx, path: &str) -> Result<Vec<u8>, StoreError>;
    /// WRITE (creates missing parents).
    fn write(&mut self, tx: Tx, path: &str, value: &[u8]) -> Result<(), StoreError>;
    /// MKDIR (creates missing parents; an existing node is left alone).
    fn mkdir(&mut self, tx: Tx, path: &str) -> Result<(), StoreError>;
    /// RM: the node and everything under it (a missing node is an error).
    fn rm(&mut self, tx: Tx, path: &str) -> Result<(), StoreError>;
    /// DIRECTORY: the names of the node's children.
    fn directory(&mut self, tx: Tx, path: &str) -> Result<Vec<String>, StoreError>;
    /// SET_PERMS: the first entry is the owner (and everyone else's access).
    fn set_perms(&mut self, tx: Tx, path: &str, perms: &[Perm]) -> Result<(), StoreError>;
    /// WATCH `path` and everything under it; one event fires at once.
    fn watch(&mut self, path: &str, token: &str) -> Result<(), StoreError>;
    /// UNWATCH.
    fn unwatch(&mut self, path: &str, token: &str) -> Result<(), StoreError>;
    /// The next watch event: waits up to `timeout` (zero: only what is
    /// queued), `None` when nothing arrived.
    fn next_event(&mut self, timeout: Duration) -> Result<Option<WatchEvent>, StoreError>;
    /// TRANSACTION_START.
    fn transaction_start(&mut self) -> Result<Tx, StoreError>;
    /// TRANSACTION_END: commit (may fail with [`StoreError::Again`]) or abort.
    fn transaction_end(&mut self, tx: Tx, commit: bool) -> Result<(), StoreError>;
}

/// Attempts [`transaction`] makes before giving up with `EAGAIN`.
pub const MAX_TX_ATTEMPTS: u32 = 64;

/// Runs `f` in a transaction, retrying it all on `EAGAIN` (at most
/// [`MAX_TX_ATTEMPTS`] times); an error from `f` aborts the transaction.
pub fn transaction<S: XenStore + ?Sized, T, E: From<StoreError>>(
    store: &mut S,
    mut f: impl FnMut(&mut S, Tx) -> Result<T, E>,
) -> Result<T, E> {
    for _ in 0..MAX_TX_ATTEMPTS {
        let tx = store.transaction_start()?;
        let v = match f(store, tx) {
            Ok(v) => v,
            Err(e) => {
                let _ = store.transaction_end(tx, false);
                return Err(e);
            }
        };
        match store.transaction_end(tx, true) {
            Ok(()) => return Ok(v),
            Err(StoreError::Again) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(StoreError::Again.into())
}

/// Reads a node as UTF-8 text without its trailing NUL or whitespace;
/// `Ok(None)` when the node does not exist.
pub fn read_str<S: XenStore + ?Sized>(
    store: &mut S,
    tx: Tx,
    path: &str,
) -> Result<Option<String>, StoreError> {
    match store.read(tx, path) {
        Ok(v) => {
            let s = String::from_utf8_lossy(&v);
            Ok(Some(String::from(s.trim_end_matches(['\0', '\n', ' ']))))
        }
        Err(StoreError::NoEnt) => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn perm_text() {
        let p = |domid, access| Perm { domid, access }.to_string();
        assert_eq!(p(0, Access::None), "n0");
        assert_eq!(p(5, Access::Read), "r5");
        assert_eq!(p(7, Access::Write), "w7");
        assert_eq!(p(1, Access::Both), "b1");
    }
}

/// A device key that is absent or does not parse, or a store failure while
/// reading it: what negotiation code gets from [`read_num`] and [`need`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The store failed.
    #[error("xenstore: {0}")]
    Store(#[from] StoreError),
    /// A required key is absent or not a valid value.
    #[error("bad or missing key {0}")]
    BadKey(String),
}

/// Writes `v` to `dir/key`.
pub fn write_key<S: XenStore + ?Sized>(
    s: &mut S,
    tx: Tx,
    dir: &str,
    key: &str,
    v: &str,
) -> Result<(), StoreError> {
    s.write(tx, &alloc::format!("{dir}/{key}"), v.as_bytes())
}

/// A feature flag as the split drivers write it: `"1"` or `"0"`.
pub fn flag(b: bool) -> &'static str {
    if b {
        "1"
    } else {
        "0"
    }
}

/// Reads `dir/key` as a number; `Ok(None)` when absent, an error when it
/// does not parse.
pub fn read_num<S: XenStore + ?Sized, T: core::str::FromStr>(
    s: &mut S,
    dir: &str,
    key: &str,
) -> Result<Option<T>, KeyError> {
    let path = alloc::format!("{dir}/{key}");
    match read_str(s, Tx::NONE, &path)? {
        None => Ok(None),
        Some(v) => v.parse().map(Some).map_err(|_| KeyError::BadKey(path)),
    }
}

/// Reads feature flag `dir/key`: absent or `0` is off, any other number
/// on, anything else an error.
pub fn read_flag<S: XenStore + ?Sized>(s: &mut S, dir: &str, key: &str) -> Result<bool, KeyError> {
    Ok(read_num::<S, u32>(s, dir, key)?.unwrap_or(0) != 0)
}

/// `v`, or the error naming `dir/key` when it is absent.
pub fn need<T>(v: Option<T>, dir: &str, key: &str) -> Result<T, KeyError> {
    v.ok_or_else(|| KeyError::BadKey(alloc::format!("{dir}/{key}")))
}
