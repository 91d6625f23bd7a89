//! The Xen network split driver (`io/netif.h`).
//!
//! * [`packet`]: the TX slot-chain rules a backend applies to what the
//!   frontend posts (slot counts, sizes, offsets, extra-info slots), as
//!   pure functions over private copies of the requests.
//! * [`backend`]: one queue's backend engine (no_std): TX requests are
//!   validated, grant-copied into a [`backend::PacketSink`] and answered;
//!   packets for the guest are grant-copied into the RX buffers the
//!   frontend posted (`feature-rx-copy` semantics).
//! * [`frontend`]: the no_std front half of one queue: sends frames
//!   (split across slots, GSO extra info), refills RX buffers, receives
//!   frames.
//! * [`csum`]: completing a checksum the guest left blank, for sinks
//!   that cannot carry `csum_blank` on (a plain TAP).
//! * [`grant`]: the seam through which the backend reaches granted pages.
//! * [`xenbus`]: the keys both ends exchange in xenstore (rings, event
//!   channels, features, multi-queue), and the backend's refusal of a
//!   frontend without `request-rx-copy`.
//! * [`mac`]: MAC addresses (Xen's `00:16:3E` prefix).
//! * [`tap`] and [`vif`] (feature `std`): the host side: a TAP device named
//!   `vif<domid>.<n>` and a multi-queue vif pumping frames between it and
//!   the queues.
//! * [`fuzzing`]: the hostile-frontend driver shared by the fuzz target
//!   and the proptest.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod backend;
pub mod csum;
pub mod frontend;
pub mod fuzzing;
pub mod grant;
pub mod mac;
pub mod packet;
#[cfg(feature = "std")]
pub mod tap;
#[cfg(feature = "std")]
pub mod vif;
pub mod xenbus;

pub use backend::{BackQueue, PacketSink, QueueConfig, QueueError, QueueStats, SinkError};
pub use frontend::{Buffer, Frontend, FrontendStats, RxFrame};
pub use grant::{FrameTable, GrantAccess, GrantFault};
pub use mac::Mac;
pub use packet::{PacketInfo, TxError};
