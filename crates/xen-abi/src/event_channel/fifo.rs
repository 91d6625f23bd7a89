//! The FIFO event-channel ABI (`event_channel.h`, Xen 4.4 and later): the
//! per-port event word, the per-vCPU control block, queue priorities and
//! the port limit.

use core::mem::size_of;

use bitflags::bitflags;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// `event_word_t` (`event_channel.h`): one FIFO event word per port.
pub type EventWord = u32;

/// `EVTCHN_FIFO_PRIORITY_MAX` (`event_channel.h`): the highest priority.
pub const EVTCHN_FIFO_PRIORITY_MAX: u32 = 0;
/// `EVTCHN_FIFO_PRIORITY_DEFAULT` (`event_channel.h`): the priority of a new port.
pub const EVTCHN_FIFO_PRIORITY_DEFAULT: u32 = 7;
/// `EVTCHN_FIFO_PRIORITY_MIN` (`event_channel.h`): the lowest priority.
pub const EVTCHN_FIFO_PRIORITY_MIN: u32 = 15;
/// `EVTCHN_FIFO_MAX_QUEUES` (`event_channel.h`): queues per vCPU, one per priority.
pub const EVTCHN_FIFO_MAX_QUEUES: u32 = EVTCHN_FIFO_PRIORITY_MIN + 1;

/// `EVTCHN_FIFO_PENDING` (`event_channel.h`): bit number of the pending bit.
pub const EVTCHN_FIFO_PENDING: u32 = 31;
/// `EVTCHN_FIFO_MASKED` (`event_channel.h`): bit number of the masked bit.
pub const EVTCHN_FIFO_MASKED: u32 = 30;
/// `EVTCHN_FIFO_LINKED` (`event_channel.h`): bit number of the linked bit.
pub const EVTCHN_FIFO_LINKED: u32 = 29;
/// `EVTCHN_FIFO_BUSY` (`event_channel.h`): bit number of the busy bit.
pub const EVTCHN_FIFO_BUSY: u32 = 28;
/// `EVTCHN_FIFO_LINK_BITS` (`event_channel.h`): width of the link field.
pub const EVTCHN_FIFO_LINK_BITS: u32 = 17;
/// `EVTCHN_FIFO_LINK_MASK` (`event_channel.h`): the link field (next port in the queue).
pub const EVTCHN_FIFO_LINK_MASK: u32 = (1 << EVTCHN_FIFO_LINK_BITS) - 1;
/// `EVTCHN_FIFO_NR_CHANNELS` (`event_channel.h`): ports of the FIFO ABI (131072).
pub const EVTCHN_FIFO_NR_CHANNELS: u32 = 1 << EVTCHN_FIFO_LINK_BITS;

/// Event words per 4 KiB event-array page (1024).
pub const EVTCHN_FIFO_EVENT_WORDS_PER_PAGE: u32 = (4096 / size_of::<EventWord>()) as u32;

bitflags! {
    /// The bits of a FIFO [`EventWord`] (`EVTCHN_FIFO_*`, `event_channel.h`),
    /// as masks.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct FifoEventWord: u32 {
        /// `EVTCHN_FIFO_PENDING`: an event is pending.
        const PENDING = 1 << EVTCHN_FIFO_PENDING;
        /// `EVTCHN_FIFO_MASKED`: the port is masked.
        const MASKED = 1 << EVTCHN_FIFO_MASKED;
        /// `EVTCHN_FIFO_LINKED`: the word is on a queue.
        const LINKED = 1 << EVTCHN_FIFO_LINKED;
        /// `EVTCHN_FIFO_BUSY`: Xen is updating the link; the guest must wait before unmasking.
        const BUSY = 1 << EVTCHN_FIFO_BUSY;
        /// `EVTCHN_FIFO_LINK_MASK`: the link field.
        const LINK = EVTCHN_FIFO_LINK_MASK;
    }
}

impl FifoEventWord {
    /// The link field: the next port on the queue (0 for none).
    pub const fn link(self) -> u32 {
        self.bits() & EVTCHN_FIFO_LINK_MASK
    }

    /// This word with its link field replaced by `port` (truncated to the field).
    pub const fn with_link(self, port: u32) -> Self {
        Self::from_bits_retain(
            (self.bits() & !EVTCHN_FIFO_LINK_MASK) | (port & EVTCHN_FIFO_LINK_MASK),
        )
    }
}

/// `struct evtchn_fifo_control_block` (`event_channel.h`): a vCPU's FIFO
/// control block, in guest memory.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct EvtchnFifoControlBlock {
    /// One bit per priority whose queue has events.
    pub ready: u32,
    /// Reserved; zero.
    pub _rsvd: u32,
    /// The head port of each priority's queue.
    pub head: [u32; EVTCHN_FIFO_MAX_QUEUES as usize],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_and_limits() {
        assert_layout!(EvtchnFifoControlBlock, 72, { ready: 0, _rsvd: 4, head: 8 });
        assert_eq!(EVTCHN_FIFO_NR_CHANNELS, 131072);
        assert_eq!(EVTCHN_FIFO_LINK_MASK, 0x1FFFF);
        assert_eq!(EVTCHN_FIFO_MAX_QUEUES, 16);
        assert_eq!(EVTCHN_FIFO_EVENT_WORDS_PER_PAGE, 1024);
    }

    #[test]
    fn fifo_word() {
        let w = FifoEventWord::PENDING | FifoEventWord::LINKED;
        assert_eq!(w.bits(), 0xA000_0000);
        let w = w.with_link(0x1_2345);
        assert_eq!(w.link(), 0x1_2345);
        assert!(w.contains(FifoEventWord::PENDING));
        assert_eq!(w.with_link(u32::MAX).link(), EVTCHN_FIFO_LINK_MASK);
        assert_eq!(FifoEventWord::BUSY.bits(), 1 << 28);
        assert_eq!(FifoEventWord::MASKED.bits(), 1 << 30);
    }
}
