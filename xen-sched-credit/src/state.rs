//! Scheduler state: per-vCPU, per-domain, per-pCPU and global.
//!
//! The split mirrors the locks a hypervisor would take (Xen's own rules,
//! restated):
//!
//! * [`PcpuState`] — one per pCPU: its run queue, the vCPU it runs, its tick
//!   bookkeeping. Guarded by that pCPU's *run-queue lock*. The per-vCPU
//!   fields that describe queueing and running (priority, flags, credit
//!   burnt while running, `processor`) are guarded by the run-queue lock of
//!   the pCPU the vCPU is assigned to.
//! * `Global` — the credit pool, the total active weight, the list of
//!   active domains, the idle-pCPU mask and the re-sort epoch. Guarded by the
//!   scheduler's *private lock*, which is taken before any run-queue lock,
//!   never after. The idle mask and the per-band "has queued work" masks are
//!   read without the lock (atomic bit operations in a hypervisor), which is
//!   what keeps wake-ups and work stealing from serialising on it.
//! * Domains' weight, cap and active-vCPU lists are guarded by the private
//!   lock as well.
//!
//! Work stealing only ever *try-locks* a peer's run queue, so two pCPUs
//! stealing from each other cannot deadlock; in this single-threaded model
//! every try succeeds.

use alloc::vec::Vec;

use crate::ids::{CpuMask, DomainId};
use crate::list::{List, NIL};
use crate::params::DomainParams;
use crate::runq::{Priority, RunQueue, BANDS};

/// Over its cap: paused by accounting until credit is positive again.
pub(crate) const FLAG_PARKED: u8 = 1 << 0;
/// Asked to yield; cleared when next descheduled.
pub(crate) const FLAG_YIELD: u8 = 1 << 1;
/// Being moved to another pCPU: its next wake-up must not boost it.
pub(crate) const FLAG_MIGRATING: u8 = 1 << 2;
/// Hard affinity is a single pCPU.
pub(crate) const FLAG_PINNED: u8 = 1 << 4;

/// Scheduler data of one vCPU (Xen's `csched_unit` plus the generic state
/// the scheduler needs).
#[derive(Clone, Debug)]
pub(crate) struct Vcpu {
    /// Slot of the owning domain.
    pub dom: u32,
    /// Number of the vCPU inside its domain.
    pub idx: u32,
    /// Slot in use.
    pub live: bool,
    pub pri: Priority,
    pub flags: u8,
    /// Credit, in units of 100 µs of CPU.
    pub credit: i32,
    /// CPU time not yet charged (below one credit), in ns.
    pub residual_ns: u64,
    /// Time up to which CPU use has been charged while running.
    pub start_time: u64,
    /// When the vCPU was last descheduled (for cache-hotness).
    pub last_sched_time: u64,
    /// When the vCPU last started running (for the rate limit).
    pub state_entry_time: u64,
    /// The pCPU whose run queue the vCPU belongs to.
    pub processor: u32,
    /// Band it is queued in, when `on_runq`.
    pub band: u8,
    pub on_runq: bool,
    pub running: bool,
    /// On its domain's active list (earning credit).
    pub active: bool,
    /// Blocked by the guest (waiting for an event).
    pub blocked: bool,
    /// Paused by the toolstack (`sleep`).
    pub paused: bool,
    /// Offline (hot-unplugged with `vcpu-set`).
    pub down: bool,
    /// Must leave its pCPU when next descheduled.
    pub migrate_req: bool,
    pub hard: CpuMask,
    pub soft: CpuMask,
}

impl Vcpu {
    pub fn new(dom: u32, idx: u32, processor: u32, hard: CpuMask) -> Self {
        Vcpu {
            dom,
            idx,
            live: true,
            pri: Priority::Under,
            flags: 0,
            credit: 0,
            residual_ns: 0,
            start_time: 0,
            last_sched_time: 0,
            state_entry_time: 0,
            processor,
            band: 0,
            on_runq: false,
            running: false,
            active: false,
            blocked: true,
            paused: false,
            down: false,
            migrate_req: false,
            hard,
            soft: CpuMask::all(),
        }
    }

    /// Whether the scheduler may run it.
    #[inline]
    pub fn runnable(&self) -> bool {
        self.live
            && !self.blocked
            && !self.paused
            && !self.down
            && !self.migrate_req
            && self.flags & FLAG_PARKED == 0
    }

    #[inline]
    pub fn has(&self, f: u8) -> bool {
        self.flags & f != 0
    }
}

/// Scheduler data of one domain (Xen's `csched_dom`).
#[derive(Clone, Debug)]
pub(crate) struct Domain {
    pub id: DomainId,
    pub params: DomainParams,
    /// vCPU slots, indexed by vCPU number.
    pub vcpus: Vec<u32>,
    /// Number of online vCPUs (`vcpu-set`).
    pub online: u32,
    /// Active vCPUs (earning credit), linked through `act_links`.
    pub active: List,
    /// On the global active-domain list.
    pub in_active_list: bool,
}

/// Per-pCPU state (Xen's `csched_pcpu` plus the current vCPU).
#[derive(Clone, Debug)]
pub struct PcpuState {
    pub(crate) runq: RunQueue,
    /// Running vCPU slot, or `NIL` for the idle vCPU.
    pub(crate) curr: u32,
    pub(crate) runq_sort_last: u32,
    pub(crate) next_tick: Option<u64>,
    pub(crate) last_load_balance: Option<u64>,
    pub(crate) last_tickle: u32,
    pub(crate) ticks: u64,
}

impl PcpuState {
    pub(crate) fn new(id: u32, sort_epoch: u32) -> Self {
        PcpuState {
            runq: RunQueue::default(),
            curr: NIL,
            runq_sort_last: sort_epoch,
            next_tick: None,
            last_load_balance: None,
            last_tickle: id,
            ticks: 0,
        }
    }
}

/// Global state (Xen's `csched_private`).
#[derive(Clone, Debug, Default)]
pub(crate) struct Global {
    /// Σ weight over active vCPUs.
    pub weight: u64,
    /// Credits handed out per period: 300 × pCPUs.
    pub credit: u32,
    /// Sum of active vCPUs' credit after the last accounting pass.
    pub credit_balance: i64,
    /// Active domains, linked through `dom_links`.
    pub active_doms: List,
    /// Bumped by every accounting pass; pCPUs re-sort when theirs lags.
    pub runq_sort: u32,
    /// pCPUs running their idle vCPU and not yet asked to reschedule.
    pub idlers: CpuMask,
    /// pCPUs in the scheduler.
    pub cpus: CpuMask,
    /// pCPUs with something queued in each band.
    pub band_nonempty: [CpuMask; BANDS],
    /// Where the work-stealing scan starts next.
    pub balance_bias: u32,
    /// When the next accounting pass is due.
    pub next_acct: Option<u64>,
}
