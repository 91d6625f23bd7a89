//! Xen's grant tables (as Xen 4.17 defines them) as a reusable engine.
//!
//! A grant table lets a domain give another domain access to some of its
//! pages: the granting guest writes entries into frames it shares with the
//! hypervisor; the grantee asks the hypervisor to map a granted frame, copy
//! to or from it, or transfer a page into an entry. This crate is the
//! hypervisor side of that interface, free of any particular hypervisor:
//!
//! - guest memory is reached through [`xen_mem::FrameMemory`];
//! - domains, page ownership and references, physical-to-machine maps,
//!   page-table edits and the access-control policy through [`GrantWorld`]
//!   (with [`GrantPolicy`] hooks, allowing everything Xen's default policy
//!   allows);
//! - each domain's grant state is a [`GrantDomain`]: its own table (as
//!   granter) and its maptrack (as mapper).
//!
//! Operations take the caller's identity ([`Caller`]) and return results
//! or [`GrantError`]s that map one-to-one onto `GNTST_*` codes, and
//! [`Errno`] for hypercall-level failures. [`ops`] fills the status fields
//! of the hypercall's argument structures directly. [`host::HostWorld`]
//! (feature `std`) runs everything on allocated memory for tests and
//! benchmarks; [`guest`] (feature `guest`) is the frontend side.
//!
//! # Guests are hostile
//! Every shared word is read once into a local, validated and used from
//! the local; compare-and-swap loops on guest memory give up after
//! [`protocol::MAX_CMPXCHG_TRIES`]; nothing a guest writes can panic the
//! engine, leak a page reference or grant an access that was not given.
//!
//! # Concurrency and lock order
//! Locks are always taken in this order, and released before taking one
//! earlier in it:
//!
//! 1. a table's resize lock (growth, version switch, tear-down only);
//! 2. active-entry locks of that table (one per grant reference). Entry
//!    operations hold one at a time; `swap_grant_ref` holds two, lower
//!    index first; a version switch or tear-down holds all of them, in
//!    index order. Holding any entry lock keeps the table's version and
//!    frames unchanged, so entry locations are computed only under it.
//!    Operations never hold entry locks of two tables at once: transitive
//!    copies drop the first table's lock before taking the second and
//!    re-validate afterwards (XSA-226/411/501);
//! 3. the mapping domain's maptrack locks: the grow lock, then one vCPU
//!    free-list lock (innermost). Maptrack records are atomics: a mapping
//!    is published without locks and validated or retired under the
//!    granter's active-entry lock of the grant it maps (XSA-218).
//!
//! Map, unmap and copy take no table-wide lock at all (Xen needs a per-CPU
//! reader lock for that), so vCPUs working on different grants share no
//! cache line of the table. Pin counts and the guest-visible
//! `GTF_reading`/`GTF_writing` bits change together under the entry lock;
//! counters are separate typed fields. [`GrantWorld`] methods run with at
//! most one entry lock held and must not call back into the engine.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(any(test, feature = "std"))]
extern crate std;

pub mod abi;
mod active;
#[cfg(feature = "std")]
pub mod backend;
#[cfg(feature = "std")]
pub mod chaos;
pub mod copy;
mod domain;
mod error;
#[cfg(feature = "guest")]
pub mod guest;
#[cfg(feature = "std")]
pub mod host;
pub mod map;
mod maptrack;
pub mod ops;
mod padded;
pub mod protocol;
pub mod table;
pub mod transfer;
mod world;

pub use copy::{CopyBatch, CopyError, CopyPtr, CopyRequest, CopySide};
pub use domain::{
    Caller, DomainConfig, GrantDomain, GrantOptions, DEFAULT_MAX_GRANT_FRAMES,
    DEFAULT_MAX_MAPTRACK_FRAMES, INITIAL_GRANT_FRAMES,
};
pub use error::{status_of, Errno, GrantError};
pub use map::{
    map_grant_ref, release_mappings, unmap_grant_ref, MapRequest, Mapping, PendingUnmap,
    UnmapRequest,
};
pub use maptrack::MAPTRACK_PER_FRAME;
pub use table::{get_status_frames, get_version, query_size, setup_table, GrantTable, Version};
pub use transfer::{transfer, TransferRequest};
pub use world::{AllowAll, DefaultPolicy, FrameError, GrantPolicy, GrantWorld};
