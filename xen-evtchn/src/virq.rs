//! Virtual IRQs: which of Xen's three delivery classes a VIRQ belongs to.

use crate::abi::{VIRQ_ARGO, VIRQ_DEBUG, VIRQ_TIMER, VIRQ_XENOPROF, VIRQ_XENPMU};

/// Number of VIRQs (`NR_VIRQS`).
pub const NR_VIRQS: usize = crate::abi::NR_VIRQS as usize;

/// How a VIRQ is bound and delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VirqClass {
    /// One binding per vCPU, raised for a particular vCPU (timer, debug,
    /// xenoprof, xenpmu). Fixed to the vCPU it was bound on.
    PerVcpu,
    /// One binding per domain, raised for that domain (Argo). Bound on
    /// vCPU 0, may be moved with `EVTCHNOP_bind_vcpu`.
    PerDomain,
    /// One binding in the domain currently handling it system-wide (console,
    /// dom_exc, …; the hardware domain unless another was chosen). Bound on
    /// vCPU 0, may be moved with `EVTCHNOP_bind_vcpu`.
    Global,
}

impl VirqClass {
    /// The class of `virq`, or `None` when `virq >= NR_VIRQS`.
    ///
    /// The x86 architectural VIRQs (`VIRQ_ARCH_0..7`) are all global, as
    /// Xen 4.17 treats them on x86.
    pub const fn of(virq: u32) -> Option<Self> {
        Some(match virq {
            VIRQ_TIMER | VIRQ_DEBUG | VIRQ_XENOPROF | VIRQ_XENPMU => Self::PerVcpu,
            VIRQ_ARGO => Self::PerDomain,
            v if v < crate::abi::NR_VIRQS => Self::Global,
            _ => return None,
        })
    }

    /// Whether bindings of this class are made on vCPU 0 and then movable.
    pub const fn is_movable(self) -> bool {
        !matches!(self, Self::PerVcpu)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::{VIRQ_ARCH_0, VIRQ_CONSOLE, VIRQ_DOM_EXC};

    #[test]
    fn classes_follow_xen() {
        assert_eq!(VirqClass::of(VIRQ_TIMER), Some(VirqClass::PerVcpu));
        assert_eq!(VirqClass::of(VIRQ_XENPMU), Some(VirqClass::PerVcpu));
        assert_eq!(VirqClass::of(VIRQ_ARGO), Some(VirqClass::PerDomain));
        assert_eq!(VirqClass::of(VIRQ_CONSOLE), Some(VirqClass::Global));
        assert_eq!(VirqClass::of(VIRQ_DOM_EXC), Some(VirqClass::Global));
        assert_eq!(VirqClass::of(VIRQ_ARCH_0 + 7), Some(VirqClass::Global));
        assert_eq!(VirqClass::of(24), None);
        assert_eq!(VirqClass::of(u32::MAX), None);
        assert!(!VirqClass::PerVcpu.is_movable());
        assert!(VirqClass::Global.is_movable());
    }
}
