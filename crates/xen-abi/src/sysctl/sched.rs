//! CPU pools and per-pool scheduler parameters: `XEN_SYSCTL_cpupool_op`
//! and `XEN_SYSCTL_scheduler_op` with the credit, credit2 and ARINC 653
//! parameter blocks.

use zerocopy::{FromBytes, FromZeros, Immutable, IntoBytes, KnownLayout};

use super::{read_prefix, write_prefix};
use crate::domctl::{DomainHandle, XenctlBitmap};
use crate::GuestHandle;

// ---------------------------------------------------------------------------
// cpupool_op
// ---------------------------------------------------------------------------

/// `XEN_SYSCTL_CPUPOOL_OP_CREATE` (`sysctl.h`): create a pool.
pub const XEN_SYSCTL_CPUPOOL_OP_CREATE: u32 = 1;
/// `XEN_SYSCTL_CPUPOOL_OP_DESTROY` (`sysctl.h`): destroy an empty pool.
pub const XEN_SYSCTL_CPUPOOL_OP_DESTROY: u32 = 2;
/// `XEN_SYSCTL_CPUPOOL_OP_INFO` (`sysctl.h`): describe a pool (the first at or after the id).
pub const XEN_SYSCTL_CPUPOOL_OP_INFO: u32 = 3;
/// `XEN_SYSCTL_CPUPOOL_OP_ADDCPU` (`sysctl.h`): move a free CPU into a pool.
pub const XEN_SYSCTL_CPUPOOL_OP_ADDCPU: u32 = 4;
/// `XEN_SYSCTL_CPUPOOL_OP_RMCPU` (`sysctl.h`): take a CPU out of a pool.
pub const XEN_SYSCTL_CPUPOOL_OP_RMCPU: u32 = 5;
/// `XEN_SYSCTL_CPUPOOL_OP_MOVEDOMAIN` (`sysctl.h`): move a domain to a pool.
pub const XEN_SYSCTL_CPUPOOL_OP_MOVEDOMAIN: u32 = 6;
/// `XEN_SYSCTL_CPUPOOL_OP_FREEINFO` (`sysctl.h`): map of CPUs in no pool.
pub const XEN_SYSCTL_CPUPOOL_OP_FREEINFO: u32 = 7;
/// `XEN_SYSCTL_CPUPOOL_PAR_ANY` (`sysctl.h`): "any" for a pool id (create)
/// or CPU number (addcpu/rmcpu).
pub const XEN_SYSCTL_CPUPOOL_PAR_ANY: u32 = 0xFFFF_FFFF;

/// `struct xen_sysctl_cpupool_op` (`sysctl.h`): argument of
/// `XEN_SYSCTL_cpupool_op`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct SysctlCpupoolOp {
    /// In: `XEN_SYSCTL_CPUPOOL_OP_*`.
    pub op: u32,
    /// In: the pool (all but freeinfo); out: the pool created or described.
    pub cpupool_id: u32,
    /// In (create): `XEN_SCHEDULER_*`; out (info): the pool's scheduler.
    pub sched_id: u32,
    /// In (movedomain): the domain.
    pub domid: u32,
    /// In (addcpu, rmcpu): the CPU.
    pub cpu: u32,
    /// Out (info): domains in the pool.
    pub n_dom: u32,
    /// Out (info, freeinfo): CPU map.
    pub cpumap: XenctlBitmap,
}

// ---------------------------------------------------------------------------
// scheduler_op
// ---------------------------------------------------------------------------

/// `XEN_SYSCTL_SCHED_RATELIMIT_MAX` (`sysctl.h`): largest context-switch
/// rate limit, in microseconds (credit and credit2).
pub const XEN_SYSCTL_SCHED_RATELIMIT_MAX: u32 = 500_000;
/// `XEN_SYSCTL_SCHED_RATELIMIT_MIN` (`sysctl.h`): smallest non-zero
/// context-switch rate limit, in microseconds.
pub const XEN_SYSCTL_SCHED_RATELIMIT_MIN: u32 = 100;
/// `XEN_SYSCTL_CSCHED_TSLICE_MAX` (`sysctl.h`): longest credit time slice, in ms.
pub const XEN_SYSCTL_CSCHED_TSLICE_MAX: u32 = 1000;
/// `XEN_SYSCTL_CSCHED_TSLICE_MIN` (`sysctl.h`): shortest credit time slice, in ms.
pub const XEN_SYSCTL_CSCHED_TSLICE_MIN: u32 = 1;
/// `XEN_SYSCTL_CSCHED_MGR_DLY_MAX_US` (`sysctl.h`): longest credit
/// vCPU-migration delay, in microseconds (100 ms).
pub const XEN_SYSCTL_CSCHED_MGR_DLY_MAX_US: u32 = 100 * 1000;
/// `ARINC653_MAX_DOMAINS_PER_SCHEDULE` (`sysctl.h`): entries in an ARINC 653 schedule.
pub const ARINC653_MAX_DOMAINS_PER_SCHEDULE: usize = 64;

/// `XEN_SYSCTL_SCHEDOP_putinfo` (`sysctl.h`): set a pool's scheduler parameters.
pub const XEN_SYSCTL_SCHEDOP_PUTINFO: u32 = 0;
/// `XEN_SYSCTL_SCHEDOP_getinfo` (`sysctl.h`): read a pool's scheduler parameters.
pub const XEN_SYSCTL_SCHEDOP_GETINFO: u32 = 1;

/// `struct xen_sysctl_credit_schedule` (`sysctl.h`): a pool's
/// credit-scheduler parameters.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct SysctlCreditSchedule {
    /// Time slice in milliseconds (`XEN_SYSCTL_CSCHED_TSLICE_MIN..=MAX`).
    pub tslice_ms: u32,
    /// Minimum run time before preemption, in microseconds (0: off).
    pub ratelimit_us: u32,
    /// How long a vCPU stays cache-hot on its last CPU, in microseconds.
    pub vcpu_migr_delay_us: u32,
}

/// `struct xen_sysctl_credit2_schedule` (`sysctl.h`): a pool's
/// credit2-scheduler parameters.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct SysctlCredit2Schedule {
    /// Minimum run time before preemption, in microseconds (0: off).
    pub ratelimit_us: u32,
}

/// One entry of `struct xen_sysctl_arinc653_schedule`'s `sched_entries`
/// (`sysctl.h`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct SysctlArinc653ScheduleEntry {
    /// UUID of the domain to run.
    pub dom_handle: DomainHandle,
    /// Which of its vCPUs.
    pub vcpu_id: u32,
    /// Padding; zero.
    pub _pad: u32,
    /// Run time per major frame, in nanoseconds.
    pub runtime: u64,
}

/// `struct xen_sysctl_arinc653_schedule` (`sysctl.h`): a complete ARINC
/// 653 schedule, passed by handle.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct SysctlArinc653Schedule {
    /// Major frame length in nanoseconds.
    pub major_frame: u64,
    /// Valid entries in `sched_entries`.
    pub num_sched_entries: u8,
    /// Padding; zero.
    pub _pad: [u8; 7],
    /// The schedule.
    pub sched_entries: [SysctlArinc653ScheduleEntry; ARINC653_MAX_DOMAINS_PER_SCHEDULE],
}

impl Default for SysctlArinc653Schedule {
    fn default() -> Self {
        Self::new_zeroed()
    }
}

/// The `sched_arinc653` arm of `xen_sysctl_scheduler_op.u`
/// (`struct xen_sysctl_sched_arinc653`, `sysctl.h`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct SysctlSchedArinc653 {
    /// The schedule to load or fill.
    pub schedule: GuestHandle<SysctlArinc653Schedule>,
}

/// `struct xen_sysctl_scheduler_op` (`sysctl.h`): argument of
/// `XEN_SYSCTL_scheduler_op`.
#[repr(C, align(8))]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct SysctlSchedulerOp {
    /// The pool whose scheduler is addressed.
    pub cpupool_id: u32,
    /// `XEN_SCHEDULER_*` (must match the pool's).
    pub sched_id: u32,
    /// `XEN_SYSCTL_SCHEDOP_*`.
    pub cmd: u32,
    /// Padding; zero.
    pub _pad: u32,
    /// The C union `u { sched_arinc653; sched_credit; sched_credit2; }` as
    /// raw bytes; see the accessors.
    pub u: [u8; 16],
}

impl SysctlSchedulerOp {
    /// The union read as credit parameters.
    pub fn sched_credit(&self) -> SysctlCreditSchedule {
        read_prefix(&self.u)
    }

    /// The union read as credit2 parameters.
    pub fn sched_credit2(&self) -> SysctlCredit2Schedule {
        read_prefix(&self.u)
    }

    /// The union read as the ARINC 653 arm.
    pub fn sched_arinc653(&self) -> SysctlSchedArinc653 {
        read_prefix(&self.u)
    }

    /// Stores credit parameters, zeroing the rest of the union.
    pub fn set_sched_credit(&mut self, p: &SysctlCreditSchedule) {
        self.u = [0; 16];
        write_prefix(p, &mut self.u);
    }

    /// Stores credit2 parameters, zeroing the rest of the union.
    pub fn set_sched_credit2(&mut self, p: &SysctlCredit2Schedule) {
        self.u = [0; 16];
        write_prefix(p, &mut self.u);
    }

    /// Stores the ARINC 653 arm, zeroing the rest of the union.
    pub fn set_sched_arinc653(&mut self, p: &SysctlSchedArinc653) {
        self.u = [0; 16];
        write_prefix(p, &mut self.u);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        assert_layout!(SysctlCpupoolOp, 40, {
            op: 0, cpupool_id: 4, sched_id: 8, domid: 12, cpu: 16, n_dom: 20, cpumap: 24,
        });
        assert_layout!(SysctlCreditSchedule, 12, { tslice_ms: 0, ratelimit_us: 4, vcpu_migr_delay_us: 8 });
        assert_layout!(SysctlCredit2Schedule, 4, { ratelimit_us: 0 });
        assert_layout!(SysctlArinc653ScheduleEntry, 32, { dom_handle: 0, vcpu_id: 16, _pad: 20, runtime: 24 });
        assert_layout!(SysctlArinc653Schedule, 2064, {
            major_frame: 0, num_sched_entries: 8, _pad: 9, sched_entries: 16,
        });
        assert_layout!(SysctlSchedArinc653, 8, { schedule: 0 });
        assert_layout!(SysctlSchedulerOp, 32, { cpupool_id: 0, sched_id: 4, cmd: 8, _pad: 12, u: 16 });
        assert_eq!(core::mem::align_of::<SysctlSchedulerOp>(), 8);
    }

    #[test]
    fn scheduler_op_union() {
        let mut op = SysctlSchedulerOp {
            sched_id: crate::domctl::XEN_SCHEDULER_CREDIT,
            cmd: XEN_SYSCTL_SCHEDOP_PUTINFO,
            u: [0xAA; 16],
            ..Default::default()
        };
        let c = SysctlCreditSchedule {
            tslice_ms: 30,
            ratelimit_us: 1000,
            vcpu_migr_delay_us: 0,
        };
        op.set_sched_credit(&c);
        assert_eq!(op.sched_credit(), c);
        assert_eq!(&op.u[12..], &[0; 4]);
        op.set_sched_credit2(&SysctlCredit2Schedule { ratelimit_us: 500 });
        assert_eq!(op.sched_credit2().ratelimit_us, 500);
        assert_eq!(op.sched_credit().tslice_ms, 500);
        let a = SysctlSchedArinc653 {
            schedule: GuestHandle::new(0xdead_0000),
        };
        op.set_sched_arinc653(&a);
        assert_eq!(op.sched_arinc653(), a);
    }
}
