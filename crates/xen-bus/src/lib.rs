//! XenBus for split drivers.
//!
//! * [`state`]: which [`XenbusState`] changes each end may make, as
//!   Linux's drivers make them.
//! * [`store`]: the small xenstore-client trait everything else is
//!   written against, so the same code runs over xen-store's client on a
//!   host (feature `xen-store`, [`xs_client`]) and over a ring client
//!   inside a guest kernel (feature `xen-store-ring`, `ring_client`,
//!   no_std); [`mem`] is an in-memory implementation.
//! * [`device`]: the frontend and backend paths and the toolstack's part
//!   (create, ask for removal, destroy).
//! * [`endpoint`]: [`Frontend`] and [`Backend`], the two ends of the
//!   handshake, calling into a driver at each step.
#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod device;
pub mod endpoint;
pub mod mem;
#[cfg(feature = "xen-store-ring")]
pub mod ring_client;
pub mod state;
pub mod store;
#[cfg(feature = "xen-store")]
pub mod xs_client;

pub use device::Device;
pub use endpoint::{
    Backend, BackendConfig, BackendDriver, DriverError, Error, Frontend, FrontendDriver, Paths,
};
pub use state::{is_legal, Role};
pub use store::{Access, Perm, StoreError, Tx, WatchEvent, XenStore};
pub use xen_abi::io::xenbus::XenbusState;
