//! The XenStore database: every request type of Xen 4.17 (plus the newer
//! GET/SET_FEATURE and GET/SET_QUOTA) over an in-memory tree, with
//! permissions, transactions, watches, quotas and the domain lifecycle. No
//! I/O and no clock: transports feed it requests and take its frames, and
//! pass the current time in milliseconds.
//!
//! Concurrency: a [`Store`] is a plain single-threaded value (`&mut self` on
//! every operation). A daemon shares it behind one mutex; each operation is
//! short and bounded, so that lock is the whole design — there is no lock
//! order to respect.
//!
//! Module map: [`path`] (syntax, canonical form), [`perms`] (permission
//! lists and checks), [`node`] (nodes, the persistent tree), [`exec`] (node
//! operations on a working copy), [`txn`] (transactions), [`watch`] (watch
//! registry), [`conn`] (connections and their output queues), [`domain`]
//! (domains, quotas), [`store`] (the [`Store`] and request dispatch).

pub mod conn;
pub mod domain;
pub mod error;
pub mod exec;
pub mod node;
pub mod path;
pub mod perms;
pub mod state;
pub mod store;
pub mod txn;
pub mod watch;

mod args;
mod dispatch;
mod lifecycle;

pub use conn::ConnKind;
pub use domain::Quotas;
pub use error::XsError;
pub use store::{Config, Effect, Store};

use alloc::vec::Vec;

/// Identifies a connection of a [`Store`] (never reused).
pub type ConnId = u64;

/// One request as received: header fields and payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// Message type.
    pub ty: u32,
    /// Request id, echoed in the reply.
    pub req_id: u32,
    /// Transaction id (0 = none).
    pub tx_id: u32,
    /// Payload (at most `PAYLOAD_MAX` bytes).
    pub payload: Vec<u8>,
}

impl Request {
    /// Builds a request.
    pub fn new(ty: u32, tx_id: u32, payload: &[u8]) -> Request {
        Request {
            ty,
            req_id: 0,
            tx_id,
            payload: payload.to_vec(),
        }
    }
}
