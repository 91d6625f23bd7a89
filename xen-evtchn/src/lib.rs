//! Xen's event channels as Xen 4.17 defines them, as a `no_std` engine any
//! hypervisor can embed (first ours, `xen-hv`) and that runs on an ordinary
//! host in tests.
//!
//! An event channel is a port in a domain that another domain, a VIRQ, a
//! PIRQ or the domain itself (IPI) can make *pending*; the domain's vCPU then
//! gets an upcall and scans for pending ports. Two ABIs tell the guest which
//! ports are pending: 2-level bitmaps in `shared_info`
//! ([`two_level`](crate#abis)) and FIFO queues in guest pages.
//!
//! # Shape
//! - [`EventChannels`] is the engine: a registry of [`Domain`]s and every
//!   `EVTCHNOP` as a method, plus the hypervisor's own entry points (VIRQ and
//!   PIRQ delivery, `vcpu_info` registration, domain destruction).
//! - Guest memory is reached through [`xen_mem::FrameMemory`] only, with
//!   atomic operations on the guest-shared words; the rest of the world
//!   (privilege, guest frames, vCPU kicks, PIRQs) through [`EvtchnWorld`];
//!   access control through [`EvtchnPolicy`] (allow-all by default).
//! - [`ops`] takes the `EVTCHNOP` argument structures and returns Xen's
//!   error codes, for a hypercall dispatcher.
//! - With `std`, [`host::HostWorld`] plays the world with threads as vCPUs.
//! - With `guest`, [`guest`] has the guest side: upcall scan loops for both
//!   ABIs, mask/unmask and port dispatch.
//! - With both, [`chaos`] turns arbitrary bytes into hostile hypercalls and
//!   guest writes and checks the engine's invariants (fuzz target and
//!   proptest driver).
//!
//! # ABIs
//! The 2-level and FIFO ABIs sit behind one internal trait (Xen's
//! `evtchn_port_ops`), chosen per domain: a domain starts with 2-level and
//! switches to FIFO on its first `EVTCHNOP_init_control`; `EVTCHNOP_reset`
//! switches it back.
//!
//! # Hostile guests
//! Every guest-shared word is touched with one atomic operation whose result
//! is used once; guest-written link fields are never followed; every retry
//! loop on guest memory is bounded (5 compare-exchanges for FIFO linking, 3
//! queue re-locks), so a guest can lose its own events but never make the
//! engine panic, spin forever or write outside its own frames.
//!
//! See [`engine`](EventChannels) for the lock order.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(any(test, feature = "std"))]
extern crate std;

pub mod abi;
mod bind;
mod channel;
#[cfg(all(feature = "std", feature = "guest"))]
pub mod chaos;
mod close;
mod domain;
mod engine;
mod error;
mod fifo;
mod notify;
pub mod ops;
mod policy;
mod port_ops;
mod two_level;
mod virq;
mod world;

#[cfg(feature = "guest")]
pub mod guest;
#[cfg(feature = "std")]
pub mod host;

pub use channel::PORTS_PER_BUCKET;
pub use domain::{
    Abi, Domain, DomainConfig, FrameLoc, DEFAULT_MAX_PORT, FIFO_NR_CHANNELS, TWO_LEVEL_NR_CHANNELS,
};
pub use engine::EventChannels;
pub use error::EvtchnError;
pub use fifo::{MAX_ARRAY_PAGES, WORDS_PER_PAGE};
pub use notify::{ChannelStatus, PortStatus};
pub use policy::{AllowAll, EvtchnPolicy};
pub use virq::{VirqClass, NR_VIRQS};
pub use world::EvtchnWorld;

/// Xen's `evtchn_fifo_set_link()` as the engine runs it: links `link` after
/// the tail event word at `tail` (bounded compare-exchange, BUSY while
/// retrying); false when the tail is no longer LINKED (the queue drained).
/// Exposed only for the loom model in `tests/loom_fifo.rs`; not part of the
/// API.
#[doc(hidden)]
pub fn fifo_set_link<M: xen_mem::FrameMemory>(mem: &M, tail: FrameLoc, link: u32) -> bool {
    fifo::Fifo::set_link(mem, tail, link)
}

/// The engine's marking of an event word in `Fifo::set_pending` (Xen's set
/// PENDING, test MASKED, test-and-set LINKED, as one compare-exchange when
/// the guest leaves the word alone): returns (newly pending, must link).
/// Exposed only for the loom model in `tests/loom_fifo.rs`; not part of the
/// API.
#[doc(hidden)]
pub fn fifo_mark_pending<M: xen_mem::FrameMemory>(mem: &M, word: FrameLoc) -> (bool, bool) {
    fifo::Fifo::mark_pending(mem, word)
}
