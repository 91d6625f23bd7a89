//! Virtual IRQs (`VIRQ_*`, `xen.h`): the numbers, and the binding class
//! Xen 4.17 gives each.

/// `VIRQ_TIMER` (`xen.h`): timer tick or requested timeout (per vCPU).
pub const VIRQ_TIMER: u32 = 0;
/// `VIRQ_DEBUG` (`xen.h`): request to dump debug state (per vCPU).
pub const VIRQ_DEBUG: u32 = 1;
/// `VIRQ_CONSOLE` (`xen.h`): input on Xen's emergency console (global).
pub const VIRQ_CONSOLE: u32 = 2;
/// `VIRQ_DOM_EXC` (`xen.h`): some domain needs attention, e.g. it died (global).
pub const VIRQ_DOM_EXC: u32 = 3;
/// `VIRQ_TBUF` (`xen.h`): trace records available (global).
pub const VIRQ_TBUF: u32 = 4;
/// `VIRQ_DEBUGGER` (`xen.h`): a domain stopped for the debugger (global).
pub const VIRQ_DEBUGGER: u32 = 6;
/// `VIRQ_XENOPROF` (`xen.h`): new profiling sample (per vCPU).
pub const VIRQ_XENOPROF: u32 = 7;
/// `VIRQ_CON_RING` (`xen.h`): new output in Xen's console ring (global).
pub const VIRQ_CON_RING: u32 = 8;
/// `VIRQ_PCPU_STATE` (`xen.h`): a physical CPU changed state (global).
pub const VIRQ_PCPU_STATE: u32 = 9;
/// `VIRQ_MEM_EVENT` (`xen.h`): a memory event happened (global).
pub const VIRQ_MEM_EVENT: u32 = 10;
/// `VIRQ_ARGO` (`xen.h`): Argo message notification (global in 4.17).
pub const VIRQ_ARGO: u32 = 11;
/// `VIRQ_ENOMEM` (`xen.h`): Xen is low on heap memory (global).
pub const VIRQ_ENOMEM: u32 = 12;
/// `VIRQ_XENPMU` (`xen.h`): performance counter interrupt (per vCPU).
pub const VIRQ_XENPMU: u32 = 13;
/// `VIRQ_ARCH_0` (`xen.h`): first architecture-specific VIRQ.
pub const VIRQ_ARCH_0: u32 = 16;
/// `VIRQ_ARCH_1` (`xen.h`).
pub const VIRQ_ARCH_1: u32 = 17;
/// `VIRQ_ARCH_2` (`xen.h`).
pub const VIRQ_ARCH_2: u32 = 18;
/// `VIRQ_ARCH_3` (`xen.h`).
pub const VIRQ_ARCH_3: u32 = 19;
/// `VIRQ_ARCH_4` (`xen.h`).
pub const VIRQ_ARCH_4: u32 = 20;
/// `VIRQ_ARCH_5` (`xen.h`).
pub const VIRQ_ARCH_5: u32 = 21;
/// `VIRQ_ARCH_6` (`xen.h`).
pub const VIRQ_ARCH_6: u32 = 22;
/// `VIRQ_ARCH_7` (`xen.h`): last architecture-specific VIRQ.
pub const VIRQ_ARCH_7: u32 = 23;
/// `NR_VIRQS` (`xen.h`): VIRQ numbers run below this.
pub const NR_VIRQS: u32 = 24;
/// `VIRQ_MCA` (`arch-x86/xen-mca.h`): x86 machine-check notification
/// (global), the x86 use of `VIRQ_ARCH_0`.
pub const VIRQ_MCA: u32 = VIRQ_ARCH_0;

/// A virtual IRQ number (`VIRQ_*`, `xen.h`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u32)]
pub enum Virq {
    /// `VIRQ_TIMER`.
    Timer = VIRQ_TIMER,
    /// `VIRQ_DEBUG`.
    Debug = VIRQ_DEBUG,
    /// `VIRQ_CONSOLE`.
    Console = VIRQ_CONSOLE,
    /// `VIRQ_DOM_EXC`.
    DomExc = VIRQ_DOM_EXC,
    /// `VIRQ_TBUF`.
    Tbuf = VIRQ_TBUF,
    /// `VIRQ_DEBUGGER`.
    Debugger = VIRQ_DEBUGGER,
    /// `VIRQ_XENOPROF`.
    Xenoprof = VIRQ_XENOPROF,
    /// `VIRQ_CON_RING`.
    ConRing = VIRQ_CON_RING,
    /// `VIRQ_PCPU_STATE`.
    PcpuState = VIRQ_PCPU_STATE,
    /// `VIRQ_MEM_EVENT`.
    MemEvent = VIRQ_MEM_EVENT,
    /// `VIRQ_ARGO`.
    Argo = VIRQ_ARGO,
    /// `VIRQ_ENOMEM`.
    Enomem = VIRQ_ENOMEM,
    /// `VIRQ_XENPMU`.
    Xenpmu = VIRQ_XENPMU,
    /// `VIRQ_ARCH_0` (`VIRQ_MCA` on x86).
    Arch0 = VIRQ_ARCH_0,
    /// `VIRQ_ARCH_1`.
    Arch1 = VIRQ_ARCH_1,
    /// `VIRQ_ARCH_2`.
    Arch2 = VIRQ_ARCH_2,
    /// `VIRQ_ARCH_3`.
    Arch3 = VIRQ_ARCH_3,
    /// `VIRQ_ARCH_4`.
    Arch4 = VIRQ_ARCH_4,
    /// `VIRQ_ARCH_5`.
    Arch5 = VIRQ_ARCH_5,
    /// `VIRQ_ARCH_6`.
    Arch6 = VIRQ_ARCH_6,
    /// `VIRQ_ARCH_7`.
    Arch7 = VIRQ_ARCH_7,
}

/// How Xen 4.17 lets a VIRQ be bound (`virq_is_global()` in
/// `xen/common/event_channel.c` at tag `RELEASE-4.17.x`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VirqClass {
    /// Bound separately on each vCPU; the port cannot move to another vCPU.
    PerVcpu,
    /// Bound once per domain on vCPU 0 (movable with `EVTCHNOP_bind_vcpu`);
    /// for the host-wide ones Xen signals the hardware domain or the domain
    /// set with `XEN_DOMCTL_set_virq_handler`.
    Global,
}

impl Virq {
    /// Every VIRQ, in number order.
    pub const ALL: [Self; 21] = [
        Self::Timer,
        Self::Debug,
        Self::Console,
        Self::DomExc,
        Self::Tbuf,
        Self::Debugger,
        Self::Xenoprof,
        Self::ConRing,
        Self::PcpuState,
        Self::MemEvent,
        Self::Argo,
        Self::Enomem,
        Self::Xenpmu,
        Self::Arch0,
        Self::Arch1,
        Self::Arch2,
        Self::Arch3,
        Self::Arch4,
        Self::Arch5,
        Self::Arch6,
        Self::Arch7,
    ];

    /// The raw `VIRQ_*` number.
    pub const fn number(self) -> u32 {
        self as u32
    }

    /// The binding class Xen 4.17 gives this VIRQ: `TIMER`, `DEBUG`,
    /// `XENOPROF` and `XENPMU` are per-vCPU; every other one, including
    /// `ARGO` and the x86 `ARCH_*` ones, is global. (Xen 4.21 added a
    /// third, per-domain, class for `ARGO` and `CONSOLE`; 4.17 has none.)
    pub const fn class(self) -> VirqClass {
        match self {
            Self::Timer | Self::Debug | Self::Xenoprof | Self::Xenpmu => VirqClass::PerVcpu,
            _ => VirqClass::Global,
        }
    }
}

impl TryFrom<u32> for Virq {
    type Error = u32;

    /// Maps a `VIRQ_*` number; unassigned numbers (5, 14, 15, 24+) are
    /// returned as the error.
    fn try_from(v: u32) -> Result<Self, u32> {
        Self::ALL.iter().copied().find(|x| x.number() == v).ok_or(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn virqs() {
        for v in Virq::ALL {
            assert_eq!(Virq::try_from(v.number()), Ok(v));
            assert!(v.number() < NR_VIRQS);
        }
        for bad in [5, 14, 15, 24, 1000] {
            assert_eq!(Virq::try_from(bad), Err(bad));
        }
        let per_vcpu: [Virq; 4] = [Virq::Timer, Virq::Debug, Virq::Xenoprof, Virq::Xenpmu];
        for v in Virq::ALL {
            let expect = if per_vcpu.contains(&v) {
                VirqClass::PerVcpu
            } else {
                VirqClass::Global
            };
            assert_eq!(v.class(), expect, "{v:?}");
        }
        assert_eq!(Virq::try_from(VIRQ_MCA), Ok(Virq::Arch0));
    }
}
