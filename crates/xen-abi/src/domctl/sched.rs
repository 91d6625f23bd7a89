//! Per-domain scheduler parameters: `XEN_DOMCTL_scheduler_op`, the
//! `XEN_SCHEDULER_*` ids (shared with sysctl) and each scheduler's
//! parameter block.

use bitflags::bitflags;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use super::{read_prefix, write_prefix};
use crate::GuestHandle;

/// `XEN_SCHEDULER_CREDIT` (`domctl.h`): the credit scheduler (credit1).
pub const XEN_SCHEDULER_CREDIT: u32 = 5;
/// `XEN_SCHEDULER_CREDIT2` (`domctl.h`): the credit2 scheduler.
pub const XEN_SCHEDULER_CREDIT2: u32 = 6;
/// `XEN_SCHEDULER_ARINC653` (`domctl.h`): the ARINC 653 static scheduler.
pub const XEN_SCHEDULER_ARINC653: u32 = 7;
/// `XEN_SCHEDULER_RTDS` (`domctl.h`): the real-time deferrable server scheduler.
pub const XEN_SCHEDULER_RTDS: u32 = 8;
/// `XEN_SCHEDULER_NULL` (`domctl.h`): the null (static one-to-one) scheduler.
pub const XEN_SCHEDULER_NULL: u32 = 9;

/// A scheduler id (`XEN_SCHEDULER_*`, `domctl.h`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum SchedulerId {
    /// `XEN_SCHEDULER_CREDIT`.
    Credit = XEN_SCHEDULER_CREDIT,
    /// `XEN_SCHEDULER_CREDIT2`.
    Credit2 = XEN_SCHEDULER_CREDIT2,
    /// `XEN_SCHEDULER_ARINC653`.
    Arinc653 = XEN_SCHEDULER_ARINC653,
    /// `XEN_SCHEDULER_RTDS`.
    Rtds = XEN_SCHEDULER_RTDS,
    /// `XEN_SCHEDULER_NULL`.
    Null = XEN_SCHEDULER_NULL,
}

impl SchedulerId {
    /// The raw id.
    pub const fn id(self) -> u32 {
        self as u32
    }

    /// The scheduler's name as Xen's `sched=` option spells it.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Credit => "credit",
            Self::Credit2 => "credit2",
            Self::Arinc653 => "arinc653",
            Self::Rtds => "rtds",
            Self::Null => "null",
        }
    }
}

impl TryFrom<u32> for SchedulerId {
    type Error = u32;

    /// Maps an `XEN_SCHEDULER_*` id; unknown ids (including the removed
    /// SEDF, 4) are returned as the error.
    fn try_from(v: u32) -> Result<Self, u32> {
        match v {
            XEN_SCHEDULER_CREDIT => Ok(Self::Credit),
            XEN_SCHEDULER_CREDIT2 => Ok(Self::Credit2),
            XEN_SCHEDULER_ARINC653 => Ok(Self::Arinc653),
            XEN_SCHEDULER_RTDS => Ok(Self::Rtds),
            XEN_SCHEDULER_NULL => Ok(Self::Null),
            other => Err(other),
        }
    }
}

/// `XEN_DOMCTL_SCHEDOP_putinfo` (`domctl.h`): set the domain's parameters (all vCPUs).
pub const XEN_DOMCTL_SCHEDOP_PUTINFO: u32 = 0;
/// `XEN_DOMCTL_SCHEDOP_getinfo` (`domctl.h`): read the domain's (default) parameters.
pub const XEN_DOMCTL_SCHEDOP_GETINFO: u32 = 1;
/// `XEN_DOMCTL_SCHEDOP_putvcpuinfo` (`domctl.h`): set per-vCPU parameters.
pub const XEN_DOMCTL_SCHEDOP_PUTVCPUINFO: u32 = 2;
/// `XEN_DOMCTL_SCHEDOP_getvcpuinfo` (`domctl.h`): read per-vCPU parameters.
pub const XEN_DOMCTL_SCHEDOP_GETVCPUINFO: u32 = 3;

/// `struct xen_domctl_sched_credit` (`domctl.h`): a domain's credit-scheduler
/// parameters.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct DomctlSchedCredit {
    /// Relative share of CPU time (1..=65535; Xen's default is 256).
    pub weight: u16,
    /// Upper limit in percent of one physical CPU (0: uncapped).
    pub cap: u16,
}

/// `struct xen_domctl_sched_credit2` (`domctl.h`): a domain's
/// credit2-scheduler parameters.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct DomctlSchedCredit2 {
    /// Relative share of CPU time.
    pub weight: u16,
    /// Upper limit in percent of one physical CPU (0: uncapped).
    pub cap: u16,
}

/// `_XEN_DOMCTL_SCHEDRT_extra` (`domctl.h`): bit number of [`XEN_DOMCTL_SCHEDRT_EXTRA`].
pub const _XEN_DOMCTL_SCHEDRT_EXTRA: u32 = 0;
/// `XEN_DOMCTL_SCHEDRT_extra` (`domctl.h`): the vCPU may run beyond its
/// reserved budget when CPU time is spare.
pub const XEN_DOMCTL_SCHEDRT_EXTRA: u32 = 1 << _XEN_DOMCTL_SCHEDRT_EXTRA;

bitflags! {
    /// `XEN_DOMCTL_SCHEDRT_*` (`domctl.h`): [`DomctlSchedRtds::flags`].
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct SchedRtFlags: u32 {
        /// `XEN_DOMCTL_SCHEDRT_extra`.
        const EXTRA = XEN_DOMCTL_SCHEDRT_EXTRA;
    }
}

/// `struct xen_domctl_sched_rtds` (`domctl.h`): RTDS parameters of a
/// domain or vCPU.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct DomctlSchedRtds {
    /// Replenishment period in microseconds.
    pub period: u32,
    /// Budget per period in microseconds.
    pub budget: u32,
    /// `XEN_DOMCTL_SCHEDRT_*` (see [`SchedRtFlags`]).
    pub flags: u32,
}

/// `struct xen_domctl_schedparam_vcpu` (`domctl.h`): one vCPU's parameters
/// in a per-vCPU scheduler request.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct DomctlSchedparamVcpu {
    /// The C union `u { credit; credit2; rtds; }` as raw bytes; see the
    /// accessors.
    pub u: [u8; 12],
    /// The vCPU.
    pub vcpuid: u32,
}

impl DomctlSchedparamVcpu {
    /// The union read as credit parameters.
    pub fn credit(&self) -> DomctlSchedCredit {
        read_prefix(&self.u)
    }

    /// The union read as credit2 parameters.
    pub fn credit2(&self) -> DomctlSchedCredit2 {
        read_prefix(&self.u)
    }

    /// The union read as RTDS parameters.
    pub fn rtds(&self) -> DomctlSchedRtds {
        read_prefix(&self.u)
    }

    /// Stores any one arm (`DomctlSchedCredit`, `…Credit2` or `…Rtds`),
    /// zeroing the rest of the union.
    pub fn set_params<T: SchedParams>(&mut self, p: &T) {
        self.u = [0; 12];
        write_prefix(p, &mut self.u);
    }
}

/// The parameter blocks that can fill a scheduler-parameter union.
pub trait SchedParams: IntoBytes + Immutable + sealed::Sealed {}
impl SchedParams for DomctlSchedCredit {}
impl SchedParams for DomctlSchedCredit2 {}
impl SchedParams for DomctlSchedRtds {}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::DomctlSchedCredit {}
    impl Sealed for super::DomctlSchedCredit2 {}
    impl Sealed for super::DomctlSchedRtds {}
}

/// The `v` arm of `xen_domctl_scheduler_op.u` (`domctl.h`): an array of
/// per-vCPU parameters for `XEN_DOMCTL_SCHEDOP_{put,get}vcpuinfo`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct DomctlSchedulerOpVcpus {
    /// The array.
    pub vcpus: GuestHandle<DomctlSchedparamVcpu>,
    /// In: entries in the array; out: entries processed.
    pub nr_vcpus: u32,
    /// Padding; zero.
    pub padding: u32,
}

/// `struct xen_domctl_scheduler_op` (`domctl.h`): argument of
/// `XEN_DOMCTL_scheduler_op`.
#[repr(C, align(8))]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct DomctlSchedulerOp {
    /// `XEN_SCHEDULER_*` of the domain's pool (must match).
    pub sched_id: u32,
    /// `XEN_DOMCTL_SCHEDOP_*`.
    pub cmd: u32,
    /// The C union `u { credit; credit2; rtds; v; }` as raw bytes; see the
    /// accessors.
    pub u: [u8; 16],
}

impl DomctlSchedulerOp {
    /// The union read as credit parameters.
    pub fn credit(&self) -> DomctlSchedCredit {
        read_prefix(&self.u)
    }

    /// The union read as credit2 parameters.
    pub fn credit2(&self) -> DomctlSchedCredit2 {
        read_prefix(&self.u)
    }

    /// The union read as RTDS parameters.
    pub fn rtds(&self) -> DomctlSchedRtds {
        read_prefix(&self.u)
    }

    /// The union read as the per-vCPU array arm `v`.
    pub fn vcpus(&self) -> DomctlSchedulerOpVcpus {
        read_prefix(&self.u)
    }

    /// Stores a domain-wide parameter block, zeroing the rest of the union.
    pub fn set_params<T: SchedParams>(&mut self, p: &T) {
        self.u = [0; 16];
        write_prefix(p, &mut self.u);
    }

    /// Stores the per-vCPU array arm `v`.
    pub fn set_vcpus(&mut self, v: &DomctlSchedulerOpVcpus) {
        write_prefix(v, &mut self.u);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        assert_layout!(DomctlSchedCredit, 4, { weight: 0, cap: 2 });
        assert_layout!(DomctlSchedCredit2, 4, { weight: 0, cap: 2 });
        assert_layout!(DomctlSchedRtds, 12, { period: 0, budget: 4, flags: 8 });
        assert_layout!(DomctlSchedparamVcpu, 16, { u: 0, vcpuid: 12 });
        assert_layout!(DomctlSchedulerOpVcpus, 16, { vcpus: 0, nr_vcpus: 8, padding: 12 });
        assert_layout!(DomctlSchedulerOp, 24, { sched_id: 0, cmd: 4, u: 8 });
        assert_eq!(core::mem::align_of::<DomctlSchedulerOp>(), 8);
    }

    #[test]
    fn unions() {
        let mut op = DomctlSchedulerOp {
            sched_id: XEN_SCHEDULER_CREDIT,
            cmd: XEN_DOMCTL_SCHEDOP_PUTINFO,
            u: [0xFF; 16],
        };
        op.set_params(&DomctlSchedCredit {
            weight: 512,
            cap: 50,
        });
        assert_eq!(
            op.credit(),
            DomctlSchedCredit {
                weight: 512,
                cap: 50
            }
        );
        assert!(op.u[4..].iter().all(|&b| b == 0));
        let rt = DomctlSchedRtds {
            period: 10000,
            budget: 4000,
            flags: XEN_DOMCTL_SCHEDRT_EXTRA,
        };
        op.set_params(&rt);
        assert_eq!(op.rtds(), rt);
        let v = DomctlSchedulerOpVcpus {
            vcpus: GuestHandle::new(0x1000),
            nr_vcpus: 4,
            padding: 0,
        };
        op.set_vcpus(&v);
        assert_eq!(op.vcpus(), v);

        let mut p = DomctlSchedparamVcpu {
            vcpuid: 3,
            ..Default::default()
        };
        p.set_params(&DomctlSchedCredit2 { weight: 7, cap: 0 });
        assert_eq!(p.credit2().weight, 7);
        p.set_params(&rt);
        assert_eq!(p.rtds(), rt);
        assert_eq!(p.credit().weight, 10000u32 as u16);
    }

    #[test]
    fn scheduler_ids() {
        for id in 5..=9 {
            assert_eq!(SchedulerId::try_from(id).map(SchedulerId::id), Ok(id));
        }
        assert_eq!(SchedulerId::try_from(4), Err(4));
        assert_eq!(SchedulerId::Credit2.name(), "credit2");
    }
}
