//! [`XenStore`] over xen-store's blocking Unix-socket client.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::time::Duration;
use std::format;

use xen_store::client::blocking::Client;
use xen_store::client::Error as ClientError;
use xen_store::db::XsError;

use crate::store::{Perm, StoreError, Tx, WatchEvent, XenStore};

/// A blocking xenstore connection usable by the handshake.
#[derive(Debug)]
pub struct XsClient(pub Client);

impl XsClient {
    /// Connects to the daemon's socket at `path`.
    pub fn connect(path: impl AsRef<std::path::Path>) -> Result<XsClient, StoreError> {
        Client::connect(path).map(XsClient).map_err(map_err)
    }
}

fn map_err(e: ClientError) -> StoreError {
    match e {
        ClientError::Xs(XsError::NoEnt) => StoreError::NoEnt,
        ClientError::Xs(XsError::Acces) => StoreError::Access,
        ClientError::Xs(XsError::Again) => StoreError::Again,
        ClientError::Xs(XsError::Inval) => StoreError::Invalid,
        ClientError::Xs(x) => StoreError::Other(x.name().to_string()),
        ClientError::TooManyRetries(_) => StoreError::Again,
        e => StoreError::Connection(format!("{e}")),
    }
}

impl XenStore for XsClient {
    fn read(&mut self, tx: Tx, path: &str) -> Result<Vec<u8>, StoreError> {
        self.0.read(tx.0, path).map_err(map_err)
    }

    fn write(&mut self, tx: Tx, path: &str, value: &[u8]) -> Result<(), StoreError> {
        self.0.write(tx.0, path, value).map_err(map_err)
    }

    fn mkdir(&mut self, tx: Tx, path: &str) -> Result<(), StoreError> {
        self.0.mkdir(tx.0, path).map_err(map_err)
    }

    fn rm(&mut self, tx: Tx, path: &str) -> Result<(), StoreError> {
        self.0.rm(tx.0, path).map_err(map_err)
    }

    fn directory(&mut self, tx: Tx, path: &str) -> Result<Vec<String>, StoreError> {
        self.0.directory(tx.0, path).map_err(map_err)
    }

    fn set_perms(&mut self, tx: Tx, path: &str, perms: &[Perm]) -> Result<(), StoreError> {
        let text: Vec<String> = perms.iter().map(|p| p.to_string()).collect();
        let refs: Vec<&str> = text.iter().map(String::as_str).collect();
        self.0.set_perms(tx.0, path, &refs).map_err(map_err)
    }

    fn watch(&mut self, path: &str, token: &str) -> Result<(), StoreError> {
        self.0.watch(path, token).map_err(map_err)
    }

    fn unwatch(&mut self, path: &str, token: &str) -> Result<(), StoreError> {
        self.0.unwatch(path, token).map_err(map_err)
    }

    fn next_event(&mut self, timeout: Duration) -> Result<Option<WatchEvent>, StoreError> {
        // A zero read timeout means "block forever" to the socket: use the
        // smallest real one instead.
        let t = timeout.max(Duration::from_millis(1));
        self.0
            .next_event(Some(t))
            .map(|e| {
                e.map(|e| WatchEvent {
                    path: e.path,
                    token: e.token,
                })
            })
            .map_err(map_err)
    }

    fn transaction_start(&mut self) -> Result<Tx, StoreError> {
        self.0.transaction_start().map(Tx).map_err(map_err)
    }

    fn transaction_end(&mut self, tx: Tx, commit: bool) -> Result<(), StoreError> {
        self.0.transaction_end(tx.0, commit).map_err(map_err)
    }
}
