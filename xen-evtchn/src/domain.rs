//! [`Domain`]: one domain's event-channel state — its port table, the
//! guest-shared frames events are signalled through (`shared_info`, each
//! vCPU's `vcpu_info`, FIFO control blocks and event-array pages), its VIRQ
//! bindings and the ABI it currently uses.
//!
//! # Locks
//! `event_lock` (Xen's `d->event_lock`) serialises every change of the
//! domain's channel set: allocation, binding, closing, reset, ABI switch,
//! FIFO setup. Per-channel locks nest inside it (see [`crate::channel`]).
//! Hot paths (send, VIRQ delivery, unmask) take no domain lock at all: they
//! read the atomics here and a channel's read lock.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicU8, Ordering};

use xen_abi::DomId;
use xen_mem::{Mfn, PAGE_SIZE};

use crate::abi::{
    EVTCHN_FIFO_NR_CHANNELS, SHARED_INFO_VCPU_INFO, VCPU_INFO_SIZE, XEN_LEGACY_MAX_VCPUS,
};
use crate::channel::{Channel, ChannelTable};
use crate::fifo::{FifoDomain, FifoVcpu};
use crate::virq::NR_VIRQS;
use crate::EvtchnError;

/// Ports of the 2-level ABI for a 64-bit guest (`EVTCHN_2L_NR_CHANNELS`).
pub const TWO_LEVEL_NR_CHANNELS: u32 = 64 * 64;
/// Ports of the FIFO ABI (`EVTCHN_FIFO_NR_CHANNELS`).
pub const FIFO_NR_CHANNELS: u32 = EVTCHN_FIFO_NR_CHANNELS;
/// Xen's default per-domain port limit (`max_event_channels` in xl.cfg):
/// ports `1..=1023`.
pub const DEFAULT_MAX_PORT: u32 = 1023;

/// How a domain is created.
#[derive(Clone, Copy, Debug)]
pub struct DomainConfig {
    /// Number of vCPUs (ids `0..max_vcpus`).
    pub max_vcpus: u32,
    /// Highest port the domain may allocate (`d->max_evtchn_port`); the ABI
    /// in use may limit it further (4095 for 2-level, 131071 for FIFO).
    pub max_port: u32,
    /// The machine frame of the domain's `shared_info` page, allocated by
    /// the caller. vCPUs `0..32` find their `vcpu_info` in it.
    pub shared_info: Mfn,
}

impl DomainConfig {
    /// A configuration with Xen's default port limit.
    pub fn new(max_vcpus: u32, shared_info: Mfn) -> Self {
        Self {
            max_vcpus,
            max_port: DEFAULT_MAX_PORT,
            shared_info,
        }
    }
}

/// Which event-channel ABI a domain uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Abi {
    /// Pending and mask bitmaps in `shared_info`, selector in `vcpu_info`.
    TwoLevel,
    /// Event words in guest pages, per-vCPU queues in control blocks.
    Fifo,
}

/// A location in guest-shared memory: a frame and a byte offset in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameLoc {
    /// The machine frame.
    pub mfn: Mfn,
    /// Byte offset inside the frame.
    pub offset: usize,
}

impl FrameLoc {
    const NONE: u64 = u64::MAX;

    pub(crate) fn encode(self) -> Result<u64, EvtchnError> {
        if self.mfn.0 >= 1 << 52 || self.offset >= PAGE_SIZE {
            return Err(EvtchnError::Inval);
        }
        Ok(self.mfn.0 << 12 | self.offset as u64)
    }

    #[inline]
    pub(crate) fn decode(raw: u64) -> Option<Self> {
        (raw != Self::NONE).then_some(Self {
            mfn: Mfn(raw >> 12),
            offset: (raw & 0xfff) as usize,
        })
    }

    /// An atomic cell holding an optional location.
    pub(crate) fn cell(loc: Option<Self>) -> AtomicU64 {
        AtomicU64::new(loc.and_then(|l| l.encode().ok()).unwrap_or(Self::NONE))
    }

    #[inline]
    pub(crate) fn none_raw() -> u64 {
        Self::NONE
    }

    /// The same frame, `delta` bytes further.
    #[inline]
    pub(crate) fn at(self, delta: usize) -> Self {
        Self {
            mfn: self.mfn,
            offset: self.offset + delta,
        }
    }
}

/// Per-vCPU state.
pub(crate) struct Vcpu {
    /// Where this vCPU's `vcpu_info` lives (encoded [`FrameLoc`]).
    pub vcpu_info: AtomicU64,
    /// `virq_to_evtchn`: the port bound to each VIRQ on this vCPU, 0 if none.
    pub virq: [AtomicU32; NR_VIRQS],
    /// FIFO control block and queues.
    pub fifo: FifoVcpu,
    /// `VCPUOP_register_vcpu_info` was done (it may be done only once).
    pub vcpu_info_registered: AtomicBool,
}

impl Vcpu {
    #[inline]
    pub fn vcpu_info(&self) -> Option<FrameLoc> {
        FrameLoc::decode(self.vcpu_info.load(Ordering::Acquire))
    }
}

/// State changed only under the event lock.
pub(crate) struct EventLocked {
    /// Reset in progress: the next port to close (Xen's `d->next_evtchn`).
    pub next_reset: u32,
    /// No free port lies below this one.
    pub free_hint: u32,
    /// PIRQ → port bindings (`pirq->evtchn`).
    pub pirqs: BTreeMap<u32, u32>,
    /// Domain destruction in progress: ports from here down remain to close.
    pub destroy_next: Option<u32>,
}

/// One domain's event channels.
pub struct Domain {
    pub(crate) id: DomId,
    pub(crate) max_port: u32,
    pub(crate) shared_info: Mfn,
    pub(crate) vcpus: Box<[Vcpu]>,
    pub(crate) table: ChannelTable,
    /// [`Abi`] in use: 0 = 2-level, 1 = FIFO.
    pub(crate) abi: AtomicU8,
    pub(crate) fifo: FifoDomain,
    pub(crate) event_lock: spin::Mutex<EventLocked>,
    /// Ports in use other than port 0 (`d->active_evtchns`).
    pub(crate) active: AtomicU32,
    pub(crate) dying: AtomicBool,
}

pub(crate) const ABI_2L: u8 = 0;
pub(crate) const ABI_FIFO: u8 = 1;

impl Domain {
    pub(crate) fn new(id: DomId, config: DomainConfig) -> Result<Self, EvtchnError> {
        if config.max_vcpus == 0 || config.max_vcpus > 1 << 16 {
            return Err(EvtchnError::Inval);
        }
        let max_port = config.max_port.min(FIFO_NR_CHANNELS - 1);
        let mut vcpus = Vec::new();
        vcpus
            .try_reserve_exact(config.max_vcpus as usize)
            .map_err(|_| EvtchnError::NoMem)?;
        for v in 0..config.max_vcpus {
            let info = (v < XEN_LEGACY_MAX_VCPUS).then(|| FrameLoc {
                mfn: config.shared_info,
                offset: SHARED_INFO_VCPU_INFO + v as usize * VCPU_INFO_SIZE,
            });
            vcpus.push(Vcpu {
                vcpu_info: FrameLoc::cell(info),
                virq: core::array::from_fn(|_| AtomicU32::new(0)),
                fifo: FifoVcpu::new(),
                vcpu_info_registered: AtomicBool::new(false),
            });
        }
        let table = ChannelTable::new(max_port)?;
        // Port 0 is reserved for ever.
        if let Some(zero) = table.get(0) {
            *zero.state.write() = crate::channel::PortState::Reserved;
        }
        Ok(Self {
            id,
            max_port,
            shared_info: config.shared_info,
            vcpus: vcpus.into_boxed_slice(),
            table,
            abi: AtomicU8::new(ABI_2L),
            fifo: FifoDomain::new(),
            event_lock: spin::Mutex::new(EventLocked {
                next_reset: 0,
                free_hint: 1,
                pirqs: BTreeMap::new(),
                destroy_next: None,
            }),
            active: AtomicU32::new(0),
            dying: AtomicBool::new(false),
        })
    }

    /// The domain's id.
    #[inline]
    pub fn id(&self) -> DomId {
        self.id
    }

    /// Number of vCPUs.
    pub fn nr_vcpus(&self) -> u32 {
        self.vcpus.len() as u32
    }

    /// The ABI in use.
    pub fn abi(&self) -> Abi {
        match self.abi.load(Ordering::Acquire) {
            ABI_FIFO => Abi::Fifo,
            _ => Abi::TwoLevel,
        }
    }

    /// The configured port limit (highest allocatable port).
    pub fn max_port(&self) -> u32 {
        self.max_port
    }

    /// Ports the current ABI can address (Xen's `max_evtchns(d)`).
    pub fn abi_port_limit(&self) -> u32 {
        match self.abi() {
            Abi::TwoLevel => TWO_LEVEL_NR_CHANNELS,
            Abi::Fifo => FIFO_NR_CHANNELS,
        }
    }

    /// The `shared_info` frame.
    #[inline]
    pub fn shared_info(&self) -> Mfn {
        self.shared_info
    }

    /// Where `vcpu`'s `vcpu_info` lives, if it has one.
    pub fn vcpu_info(&self, vcpu: u32) -> Option<FrameLoc> {
        self.vcpus.get(vcpu as usize)?.vcpu_info()
    }

    /// Number of ports in use (not counting the reserved port 0).
    pub fn active_ports(&self) -> u32 {
        self.active.load(Ordering::Acquire)
    }

    /// Whether the domain is being destroyed.
    pub fn is_dying(&self) -> bool {
        self.dying.load(Ordering::Acquire)
    }

    /// Number of FIFO event-array pages registered.
    pub fn fifo_array_pages(&self) -> u32 {
        self.fifo.nr_pages()
    }

    /// Where `vcpu`'s FIFO control block is, if registered.
    pub fn fifo_control_block(&self, vcpu: u32) -> Option<FrameLoc> {
        self.vcpus.get(vcpu as usize)?.fifo.control_block()
    }

    #[inline]
    pub(crate) fn vcpu(&self, vcpu: u32) -> Option<&Vcpu> {
        self.vcpus.get(vcpu as usize)
    }

    #[inline]
    pub(crate) fn channel(&self, port: u32) -> Option<&Channel> {
        self.table.get(port)
    }
}

impl core::fmt::Debug for Domain {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Domain")
            .field("id", &self.id)
            .field("vcpus", &self.vcpus.len())
            .field("abi", &self.abi())
            .field("active_ports", &self.active_ports())
            .finish_non_exhaustive()
    }
}
