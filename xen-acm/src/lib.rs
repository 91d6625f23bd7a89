//! sHype/ACM, the Access Control Module of Xen 3.x, rebuilt in Rust.
//!
//! The crate covers chapter 10 of the Xen 3 user manual end to end:
//!
//! * [`binary`]: the Xen 3.x binary policy (big-endian header, policy
//!   reference name, Chinese Wall block, Simple Type Enforcement block), with
//!   an encoder and a bounds-checked decoder.
//! * [`engine`]: the hypervisor's decision engine (`no_std` + `alloc`). STE
//!   sharing between domains and from domains to resources, Chinese Wall
//!   run-time exclusion with reference counts across create, destroy, save,
//!   restore and migration, Domain-0's label bounding which STE types may run,
//!   and atomic policy changes. [`engine::AccessPolicy`] is the small hook
//!   trait the grant-table and event-channel engines call.
//! * [`cache`]: the decision cache, invalidated on every policy change.
//! * `xml` (std): the XML policy language, parsed and validated with
//!   line:column diagnostics.
//! * `compile` (std): XML policy → binary policy, numbering ssidrefs the way
//!   Xen's tools did, plus the label ↔ ssidref map.
//! * `manage` (std): the management model behind `xm labels`, `addlabel`,
//!   `rmlabel`, `getlabel`, `resources`, `setpolicy`, `getpolicy`,
//!   `resetpolicy` and `list --label`, including run-time policy updates.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod binary;
pub mod cache;
pub mod engine;
pub mod matrix;
pub mod types;

#[cfg(feature = "std")]
pub mod compile;
#[cfg(feature = "std")]
pub mod manage;
#[cfg(feature = "std")]
pub mod xml;

pub use binary::{BinaryError, BinaryPolicy};
pub use engine::{AccessPolicy, AcmError, Engine};
pub use types::{Decision, PolicyCode, Ssidref};
pub use xen_abi::types::DomId;
