//! Tunables, their limits and validation.
//!
//! Credit's global knobs are the time slice (`sched_credit_tslice_ms`,
//! 1–1000 ms, default 30), the context-switch rate limit
//! (`sched_ratelimit_us`, 100–500000 µs or 0 to disable, default 1000, never
//! longer than the time slice) and the migration delay
//! (`vcpu_migration_delay`, 0–100000 µs, default 0) under which a vCPU that
//! ran recently counts as cache-hot and is not stolen. The tick is a third
//! of the slice (one tick per slice below 3 ms) and a pCPU earns 10 credits
//! per millisecond of slice, so 300 credits per 30 ms accounting period.
//!
//! Per domain there is a weight (1–65535, default 256) and a cap in percent
//! of one pCPU (0 = uncapped, at most 100 × the domain's vCPU count), the
//! knobs of `xl sched-credit -d <dom> -w <weight> -c <cap>`. Errors carry
//! the messages the toolstack prints for the same mistakes.

use crate::ids::DomainId;

/// Nanoseconds per microsecond.
pub const NS_PER_US: u64 = 1_000;
/// Nanoseconds per millisecond.
pub const NS_PER_MS: u64 = 1_000_000;

/// Default domain weight.
pub const DEFAULT_WEIGHT: u16 = 256;
/// Smallest accepted weight.
pub const MIN_WEIGHT: u32 = 1;
/// Largest accepted weight.
pub const MAX_WEIGHT: u32 = 65535;
/// Default time slice in milliseconds.
pub const DEFAULT_TSLICE_MS: u32 = 30;
/// Smallest time slice in milliseconds (`XEN_SYSCTL_CSCHED_TSLICE_MIN`).
pub const TSLICE_MIN_MS: u32 = 1;
/// Largest time slice in milliseconds (`XEN_SYSCTL_CSCHED_TSLICE_MAX`).
pub const TSLICE_MAX_MS: u32 = 1000;
/// Ticks per time slice (when the slice is at least 3 ms).
pub const TICKS_PER_TSLICE: u32 = 3;
/// Credits a pCPU hands out per millisecond; one credit is 100 µs of CPU.
pub const CREDITS_PER_MSEC: u32 = 10;
/// Nanoseconds of CPU time bought by one credit.
pub const NS_PER_CREDIT: u64 = NS_PER_MS / CREDITS_PER_MSEC as u64;
/// Default rate limit in microseconds.
pub const DEFAULT_RATELIMIT_US: u32 = 1000;
/// Smallest non-zero rate limit (`XEN_SYSCTL_SCHED_RATELIMIT_MIN`).
pub const RATELIMIT_MIN_US: u32 = 100;
/// Largest rate limit (`XEN_SYSCTL_SCHED_RATELIMIT_MAX`).
pub const RATELIMIT_MAX_US: u32 = 500_000;
/// The scheduler never arms a timer shorter than this (`CSCHED_MIN_TIMER`).
pub const MIN_TIMER_NS: u64 = RATELIMIT_MIN_US as u64 * NS_PER_US;
/// Largest migration delay (`XEN_SYSCTL_CSCHED_MGR_DLY_MAX_US`).
pub const MIGRATION_DELAY_MAX_US: u32 = 100_000;
/// Default load-balance rate limit in microseconds.
pub const DEFAULT_LOAD_BALANCE_RATELIMIT_US: u32 = 1000;
/// Largest load-balance rate limit in microseconds (one second).
pub const LOAD_BALANCE_RATELIMIT_MAX_US: u32 = 1_000_000;

/// Errors of parameter validation and of scheduler operations.
///
/// Messages follow what `xl`/libxl print for the same mistake where the
/// toolstack has one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SchedError {
    /// The weight is outside 1–65535.
    #[error("Cpu weight out of range, valid values are within range from 1 to 65535")]
    WeightOutOfRange(u32),
    /// The cap is above 100 × the domain's vCPUs.
    #[error("Cpu cap out of range, valid range is from 0 to {max} for specified number of vcpus")]
    CapOutOfRange {
        /// The cap asked for.
        cap: u32,
        /// The largest cap allowed for this domain.
        max: u32,
    },
    /// The time slice is outside 1–1000 ms.
    #[error("Time slice out of range, valid range is from 1 to 1000")]
    TsliceOutOfRange(u32),
    /// A non-zero rate limit outside 100–500000 µs.
    #[error("Ratelimit out of range, valid range is from 100 to 500000")]
    RatelimitOutOfRange(u32),
    /// The rate limit is longer than the time slice.
    #[error("Ratelimit cannot be greater than timeslice")]
    RatelimitAboveTslice,
    /// The migration delay is above 100 ms.
    #[error("vcpu migration delay should be >= 0 and <= 100000us")]
    MigrationDelayOutOfRange(u32),
    /// The load-balance rate limit is above one second.
    #[error("load-balance ratelimit should be >= 0 and <= 1000000us")]
    LoadBalanceRatelimitOutOfRange(u32),
    /// No such domain.
    #[error("Domain {0} does not exist")]
    NoSuchDomain(DomainId),
    /// The domain already exists.
    #[error("Domain {0} already exists")]
    DomainExists(DomainId),
    /// A domain needs at least one vCPU.
    #[error("A domain needs at least one vcpu")]
    NoVcpus,
    /// `vcpu-set` asked for more vCPUs than the domain's maximum (or none).
    #[error("Requested {requested} vcpus, valid range is from 1 to {max}")]
    VcpuCountOutOfRange {
        /// vCPUs asked for.
        requested: u32,
        /// The domain's maximum.
        max: u32,
    },
    /// No such vCPU.
    #[error("Invalid vcpu {0}")]
    NoSuchVcpu(u32),
    /// The hard affinity names no pCPU that is online in the scheduler.
    #[error("Setting vcpu affinity: no online cpu in the hard affinity mask")]
    EmptyAffinity,
    /// No such pCPU, or it is not in the scheduler.
    #[error("cpu {0} is not in the scheduler")]
    NoSuchPcpu(u32),
    /// The pCPU is already in the scheduler.
    #[error("cpu {0} is already in the scheduler")]
    PcpuExists(u32),
    /// The pCPU number is not below [`MAX_PCPUS`](crate::MAX_PCPUS).
    #[error("cpu {0} is beyond the supported maximum")]
    PcpuOutOfRange(u32),
    /// Removing the last pCPU would leave nowhere to run.
    #[error("cannot remove the last cpu of the scheduler")]
    LastPcpu,
    /// A vCPU of the domain is still running; pause it first.
    #[error("Domain {0} still has a running vcpu; pause it before destroying")]
    DomainBusy(DomainId),
}

/// Global credit-scheduler parameters (`xl sched-credit -s`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SchedParams {
    /// Time slice and accounting period, in milliseconds.
    pub tslice_ms: u32,
    /// Minimum run time before a running vCPU can be preempted, in
    /// microseconds; 0 disables rate limiting.
    pub ratelimit_us: u32,
    /// A vCPU that ran less than this long ago is cache-hot and is not
    /// stolen by another pCPU, in microseconds.
    pub migration_delay_us: u32,
    /// A pCPU whose next local vCPU is OVER looks for work elsewhere at
    /// most this often, in microseconds (0 = every time).
    pub load_balance_ratelimit_us: u32,
}

impl Default for SchedParams {
    fn default() -> Self {
        SchedParams {
            tslice_ms: DEFAULT_TSLICE_MS,
            ratelimit_us: DEFAULT_RATELIMIT_US,
            migration_delay_us: 0,
            load_balance_ratelimit_us: DEFAULT_LOAD_BALANCE_RATELIMIT_US,
        }
    }
}

impl SchedParams {
    /// Checks every field the way `xl sched-credit -s` does.
    pub fn validate(&self) -> Result<(), SchedError> {
        if !(TSLICE_MIN_MS..=TSLICE_MAX_MS).contains(&self.tslice_ms) {
            return Err(SchedError::TsliceOutOfRange(self.tslice_ms));
        }
        if self.ratelimit_us != 0
            && !(RATELIMIT_MIN_US..=RATELIMIT_MAX_US).contains(&self.ratelimit_us)
        {
            return Err(SchedError::RatelimitOutOfRange(self.ratelimit_us));
        }
        if u64::from(self.ratelimit_us) > u64::from(self.tslice_ms) * 1000 {
            return Err(SchedError::RatelimitAboveTslice);
        }
        if self.migration_delay_us > MIGRATION_DELAY_MAX_US {
            return Err(SchedError::MigrationDelayOutOfRange(
                self.migration_delay_us,
            ));
        }
        if self.load_balance_ratelimit_us > LOAD_BALANCE_RATELIMIT_MAX_US {
            return Err(SchedError::LoadBalanceRatelimitOutOfRange(
                self.load_balance_ratelimit_us,
            ));
        }
        Ok(())
    }

    /// The time slice in nanoseconds.
    pub fn tslice_ns(&self) -> u64 {
        u64::from(self.tslice_ms) * NS_PER_MS
    }

    /// Ticks per slice: 3, or 1 when the slice is shorter than 3 ms.
    pub fn ticks_per_tslice(&self) -> u32 {
        if self.tslice_ms < TICKS_PER_TSLICE {
            1
        } else {
            TICKS_PER_TSLICE
        }
    }

    /// The tick period in nanoseconds (10 ms by default).
    pub fn tick_ns(&self) -> u64 {
        u64::from(self.tslice_ms) * 1000 / u64::from(self.ticks_per_tslice()) * NS_PER_US
    }

    /// Credits one pCPU contributes per accounting period (300 by default).
    pub fn credits_per_tslice(&self) -> u32 {
        CREDITS_PER_MSEC * self.tslice_ms
    }

    /// The rate limit in nanoseconds.
    pub fn ratelimit_ns(&self) -> u64 {
        u64::from(self.ratelimit_us) * NS_PER_US
    }
}

/// A change of one domain's weight and/or cap; `None` leaves it alone
/// (the hypercall's "weight 0" and "cap 0xFFFF").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DomainParamsUpdate {
    /// New weight, 1–65535.
    pub weight: Option<u32>,
    /// New cap in percent of one pCPU, 0 for none.
    pub cap: Option<u32>,
}

/// A domain's credit parameters as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DomainParams {
    /// Relative weight, 1–65535.
    pub weight: u16,
    /// Cap in percent of one pCPU; 0 means uncapped.
    pub cap: u16,
}

impl Default for DomainParams {
    fn default() -> Self {
        DomainParams {
            weight: DEFAULT_WEIGHT,
            cap: 0,
        }
    }
}

impl DomainParamsUpdate {
    /// Validates the update for a domain with `nr_vcpus` vCPUs, as libxl
    /// does before issuing the hypercall.
    pub fn validate(&self, nr_vcpus: u32) -> Result<(), SchedError> {
        if let Some(w) = self.weight {
            if !(MIN_WEIGHT..=MAX_WEIGHT).contains(&w) {
                return Err(SchedError::WeightOutOfRange(w));
            }
        }
        if let Some(c) = self.cap {
            let max = nr_vcpus.saturating_mul(100).min(u32::from(u16::MAX) - 1);
            if c > max {
                return Err(SchedError::CapOutOfRange { cap: c, max });
            }
        }
        Ok(())
    }

    /// Applies a validated update.
    pub fn apply(&self, p: &mut DomainParams) {
        if let Some(w) = self.weight {
            p.weight = w as u16;
        }
        if let Some(c) = self.cap {
            p.cap = c as u16;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn defaults_match_xen() {
        let p = SchedParams::default();
        assert_eq!(p.validate(), Ok(()));
        assert_eq!(p.tick_ns(), 10 * NS_PER_MS);
        assert_eq!(p.tslice_ns(), 30 * NS_PER_MS);
        assert_eq!(p.credits_per_tslice(), 300);
        assert_eq!(p.ratelimit_ns(), NS_PER_MS);
        assert_eq!(NS_PER_CREDIT, 100_000);
    }

    #[test]
    fn short_slices_have_one_tick() {
        let p = SchedParams {
            tslice_ms: 2,
            ratelimit_us: 1000,
            ..Default::default()
        };
        assert_eq!(p.ticks_per_tslice(), 1);
        assert_eq!(p.tick_ns(), 2 * NS_PER_MS);
    }

    #[test]
    fn global_validation_messages() {
        let bad = |f: fn(&mut SchedParams)| {
            let mut p = SchedParams::default();
            f(&mut p);
            p.validate().unwrap_err().to_string()
        };
        assert_eq!(
            bad(|p| p.tslice_ms = 0),
            "Time slice out of range, valid range is from 1 to 1000"
        );
        assert_eq!(
            bad(|p| p.ratelimit_us = 50),
            "Ratelimit out of range, valid range is from 100 to 500000"
        );
        assert_eq!(
            bad(|p| {
                p.tslice_ms = 1;
                p.ratelimit_us = 2000
            }),
            "Ratelimit cannot be greater than timeslice"
        );
        assert_eq!(
            bad(|p| p.migration_delay_us = 100_001),
            "vcpu migration delay should be >= 0 and <= 100000us"
        );
        let p = SchedParams {
            ratelimit_us: 0,
            ..Default::default()
        };
        assert_eq!(p.validate(), Ok(()));
    }

    #[test]
    fn domain_validation() {
        let u = DomainParamsUpdate {
            weight: Some(0),
            cap: None,
        };
        assert_eq!(
            u.validate(2).unwrap_err().to_string(),
            "Cpu weight out of range, valid values are within range from 1 to 65535"
        );
        let u = DomainParamsUpdate {
            weight: Some(65536),
            cap: None,
        };
        assert!(u.validate(2).is_err());
        let u = DomainParamsUpdate {
            weight: None,
            cap: Some(201),
        };
        assert_eq!(
            u.validate(2).unwrap_err().to_string(),
            "Cpu cap out of range, valid range is from 0 to 200 for specified number of vcpus"
        );
        let u = DomainParamsUpdate {
            weight: Some(512),
            cap: Some(200),
        };
        assert_eq!(u.validate(2), Ok(()));
        let mut p = DomainParams::default();
        u.apply(&mut p);
        assert_eq!(
            p,
            DomainParams {
                weight: 512,
                cap: 200
            }
        );
    }
}
