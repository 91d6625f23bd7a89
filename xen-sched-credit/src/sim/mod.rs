//! A deterministic discrete-event simulator for the credit scheduler.
//!
//! It drives a [`CreditScheduler`](crate::CreditScheduler) from a virtual
//! clock exactly as a hypervisor would from real timers: per-pCPU decision
//! timers and ticks, the accounting timer, wake-ups of I/O-bound vCPUs, and
//! toolstack commands at given times ([`workload`] describes the file
//! format). It measures per-domain CPU share against the weighted fair
//! share ([`fair`]), cap adherence, wake-to-run latency and migrations
//! ([`Stats`]), and draws the shares over time as SVG ([`svg`]).
//!
//! ```
//! use xen_sched_credit::sim::{Simulator, Workload};
//!
//! let wl = Workload::parse("pcpus 1\nduration 10s\ndomain a weight=256\ndomain b weight=512\n").unwrap();
//! let stats = Simulator::new(wl).unwrap().run();
//! // Twice the weight, twice the CPU: 66.7% of the pCPU, within 1 point.
//! assert!((stats.domains[1].share_pct - 66.7).abs() < 1.0);
//! ```

mod commands;
pub mod engine;
pub mod fair;
pub mod fixtures;
mod queue;
pub mod rng;
pub mod stats;
pub mod svg;
pub mod workload;

pub use engine::Simulator;
pub use rng::XorShift64;
pub use stats::{DomainStats, Stats};
pub use workload::{Command, DomainSpec, Load, ParseError, TimedCommand, VcpuSpec, Workload};
