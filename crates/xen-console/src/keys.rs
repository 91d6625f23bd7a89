//! Where a domain's console is described in xenstore: the toolstack
//! writes `<domain path>/console/ring-ref` (the frame of the console
//! page) and `console/port` (the event channel); the console daemon
//! reads them to map the page and bind the port, and writes
//! `console/tty` back (see [`crate::backend`]). Values written by the
//! guest-owned directory are parsed strictly.

use alloc::format;

use xen_bus::store::read_str;
use xen_bus::{StoreError, Tx, XenStore};

/// The primary console's page and event channel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConsoleKeys {
    /// `console/ring-ref`: the frame number of the console page.
    pub ring_ref: u64,
    /// `console/port`: the event channel port.
    pub port: u32,
}

/// A key was missing or malformed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The store failed.
    #[error("xenstore: {0}")]
    Store(#[from] StoreError),
    /// `console/ring-ref` or `console/port` is absent or not a number.
    #[error("bad or missing console/{0}")]
    Bad(&'static str),
}

impl ConsoleKeys {
    /// Toolstack: writes both keys under `dom_path` in `tx`.
    pub fn write<S: XenStore + ?Sized>(
        &self,
        s: &mut S,
        tx: Tx,
        dom_path: &str,
    ) -> Result<(), StoreError> {
        s.write(
            tx,
            &format!("{dom_path}/console/ring-ref"),
            format!("{}", self.ring_ref).as_bytes(),
        )?;
        s.write(
            tx,
            &format!("{dom_path}/console/port"),
            format!("{}", self.port).as_bytes(),
        )
    }

    /// Console daemon: reads both keys.
    pub fn read<S: XenStore + ?Sized>(s: &mut S, dom_path: &str) -> Result<Self, KeyError> {
        let ring_ref = read_str(s, Tx::NONE, &format!("{dom_path}/console/ring-ref"))?
            .and_then(|v| v.parse().ok())
            .ok_or(KeyError::Bad("ring-ref"))?;
        let port = read_str(s, Tx::NONE, &format!("{dom_path}/console/port"))?
            .and_then(|v| v.parse().ok())
            .ok_or(KeyError::Bad("port"))?;
        Ok(ConsoleKeys { ring_ref, port })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xen_bus::mem::MemStore;

    #[test]
    fn write_read_and_garbage() {
        let m = MemStore::new();
        let mut s = m.connect();
        let d = "/local/domain/4";
        let k = ConsoleKeys {
            ring_ref: 0xfeffe,
            port: 2,
        };
        k.write(&mut s, Tx::NONE, d).unwrap();
        assert_eq!(ConsoleKeys::read(&mut s, d), Ok(k));
        s.write(Tx::NONE, "/local/domain/4/console/port", b"two")
            .unwrap();
        assert_eq!(ConsoleKeys::read(&mut s, d), Err(KeyError::Bad("port")));
        assert_eq!(
            ConsoleKeys::read(&mut s, "/local/domain/5"),
            Err(KeyError::Bad("ring-ref"))
        );
    }
}
