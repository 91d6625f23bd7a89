//! The guest side of event channels (feature `guest`, `no_std`): what a
//! guest kernel runs in its upcall handler to find pending ports, how it
//! masks and unmasks them, and a table dispatching ports to handlers.
//!
//! The guest reaches its shared pages through the same
//! [`FrameMemory`](xen_mem::FrameMemory) seam as the hypervisor (a guest
//! kernel implements it over its own mappings). Loops are bounded by a
//! budget, so even a misbehaving hypervisor cannot trap the guest in its
//! upcall handler.
//!
//! - [`TwoLevelGuest`]: scan `evtchn_pending_sel` → `evtchn_pending & !mask`.
//! - [`FifoGuest`]: drain the per-priority queues of the control block,
//!   highest priority first, unlinking each event.
//! - [`Dispatcher`]: port → handler.

mod fifo;
mod two_level;

use alloc::boxed::Box;
use alloc::collections::BTreeMap;

use xen_abi::EvtchnPort;

pub use fifo::FifoGuest;
pub use two_level::TwoLevelGuest;

/// A handler for events on one port.
pub type Handler = Box<dyn FnMut(EvtchnPort) + Send>;

/// Routes pending ports to their handlers.
#[derive(Default)]
pub struct Dispatcher {
    handlers: BTreeMap<u32, Handler>,
    unhandled: u64,
}

impl Dispatcher {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Installs `handler` for `port`, returning the one it replaces.
    pub fn register(&mut self, port: EvtchnPort, handler: Handler) -> Option<Handler> {
        self.handlers.insert(port.0, handler)
    }

    /// Removes `port`'s handler.
    pub fn unregister(&mut self, port: EvtchnPort) -> Option<Handler> {
        self.handlers.remove(&port.0)
    }

    /// Runs `port`'s handler; false (and counted) when there is none.
    pub fn dispatch(&mut self, port: EvtchnPort) -> bool {
        match self.handlers.get_mut(&port.0) {
            Some(h) => {
                h(port);
                true
            }
            None => {
                self.unhandled += 1;
                false
            }
        }
    }

    /// Events that arrived on ports without a handler.
    pub fn unhandled(&self) -> u64 {
        self.unhandled
    }
}

impl core::fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Dispatcher")
            .field(
                "ports",
                &self.handlers.keys().collect::<alloc::vec::Vec<_>>(),
            )
            .field("unhandled", &self.unhandled)
            .finish()
    }
}
