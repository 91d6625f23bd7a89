//! Xen's credit scheduler (credit1) as a decision engine.
//!
//! This crate reimplements the semantics of Xen's `credit` scheduler
//! (`xen/common/sched/credit.c`) in safe, `no_std` Rust with `alloc`. It
//! *decides*, it does not *switch*: a hypervisor (or the simulator in
//! [`sim`], behind the default `std` feature) feeds it events stamped with a
//! monotonic clock in nanoseconds — a vCPU woke, blocked, was paused,
//! yielded; a pCPU's tick fired; a time slice ran out — and it answers which
//! vCPU each pCPU runs next and for how long ([`Decision`]), and which
//! other pCPUs must reschedule ([`CpuMask`]).
//!
//! # The algorithm in brief
//!
//! * Each domain has a **weight** (default 256) and an optional **cap**
//!   (percent of one pCPU). Every 30 ms an accounting pass hands out
//!   **credit** — 300 credits, i.e. 30 ms of CPU, per pCPU — to the vCPUs
//!   that are competing, in proportion to their domain's weight
//!   ([`accounting`]).
//! * Running costs credit: 1 credit per 100 µs, charged exactly at every
//!   10 ms **tick** and at every deschedule.
//! * A vCPU with credit left is **UNDER**, one in debt is **OVER**. A vCPU
//!   that wakes up while UNDER is **BOOST**ed ahead of both so that I/O-bound
//!   vCPUs get low wake-to-run latency; a tick that finds it still running
//!   ends the boost. The idle vCPU of each pCPU has the lowest priority,
//!   **IDLE**.
//! * Each pCPU has its own **run queue**, ordered by priority
//!   ([`runq`]). A running vCPU keeps its pCPU for a 30 ms
//!   **time slice**, but is never preempted before it has run for the
//!   **rate limit** (1 ms) unless it yields or blocks.
//! * A pCPU with nothing better than OVER work **steals** higher-priority
//!   work from other pCPUs' queues (never cache-hot vCPUs, never work of
//!   lower priority); waking vCPUs are steered to idle pCPUs
//!   ([`balance`]).
//! * **Caps** are enforced by *parking* a capped vCPU once it is too far in
//!   debt, even while pCPUs idle, until the accounting pass brings its credit
//!   back above zero.
//!
//! # Using it
//!
//! ```
//! use xen_sched_credit::{CreditScheduler, DomainId, DomainParams, PcpuId, SchedParams};
//!
//! let mut s = CreditScheduler::new(SchedParams::default()).unwrap();
//! s.add_pcpu(PcpuId(0), 0).unwrap();
//! let vcpus = s.add_domain(DomainId(1), 1, DomainParams::default()).unwrap();
//! let kick = s.wake(vcpus[0], 0);
//! assert!(kick.test(PcpuId(0)));
//! let d = s.schedule(PcpuId(0), 0);
//! assert_eq!(d.vcpu, Some(vcpus[0]));
//! assert_eq!(d.run_for, Some(30_000_000)); // one 30 ms time slice
//! ```
//!
//! A driver keeps three kinds of timers per the scheduler's answers: the
//! decision timer (`run_for`) calling [`CreditScheduler::schedule`], each
//! pCPU's tick at [`CreditScheduler::next_tick`] calling
//! [`CreditScheduler::tick`], and one accounting timer at
//! [`CreditScheduler::next_accounting`] calling
//! [`CreditScheduler::account`]. Whenever a call returns pCPUs, those run
//! `schedule` as soon as possible.
//!
//! # Differences from Xen
//!
//! * No SMT/socket topology and a single NUMA node: every pCPU is its own
//!   core, so the "prefer the idlest core" heuristic reduces to "prefer an
//!   idle pCPU".
//! * No tasklets (work that forces the idle vCPU) and no scheduling
//!   granularity above one vCPU (core scheduling).
//! * When a waking vCPU preempts a running one and no idle pCPU suits the
//!   waker, Xen means to send the preempted vCPU to an idle pCPU but tests the
//!   *waker's* affinity, which can never succeed there; we test the
//!   preempted vCPU's, which is what keeps an idle pCPU from idling while
//!   that vCPU waits.
//! * After each decision, vCPUs still waiting in the pCPU's queue poke idle
//!   pCPUs allowed to run them, which then steal them. Xen leaves a vCPU
//!   preempted at the end of its slice, or a second vCPU queued on an idle
//!   pCPU, waiting until some tick migrates work (10 ms or more), which is
//!   not work-conserving.
//! * The accounting pass charges the running vCPUs of capped domains up to
//!   the current time before distributing credit, so that caps hold (see
//!   [`accounting`]).
//! * Sub-credit run time is carried once; Xen carries the remainder both
//!   in `residual` and by not advancing `start_time`, over-charging by up to
//!   one credit per charge.
//! * The load-balance rate limit (Xen 4.18+, 1 ms) applies only to pCPUs
//!   whose next local vCPU is OVER, not to idle ones, so that a pCPU woken
//!   to pick up work always looks for it.
//! * The periodic run-queue re-sort also orders BOOST ahead of UNDER (see
//!   [`runq`]); stealing visits only pCPUs with queued work of
//!   a band that could outrank the thief's.
#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

pub mod accounting;
mod admin;
pub mod balance;
mod ids;
mod list;
pub mod params;
pub mod runq;
mod scheduler;
pub mod state;
#[cfg(test)]
mod tests;

#[cfg(feature = "std")]
pub mod sim;

pub use admin::VcpuInfo;
pub use ids::{CpuListError, CpuMask, DomainId, PcpuId, VcpuId, MAX_PCPUS};
pub use params::{DomainParams, DomainParamsUpdate, SchedError, SchedParams};
pub use runq::Priority;
pub use scheduler::{CreditScheduler, Decision};
pub use state::PcpuState;
