//! Hypercall numbers (`xen.h`, `arch-x86/xen-mca.h`) and the
//! `multicall_entry` batch record.
//!
//! On x86_64 the number goes in `rax` and up to five arguments in `rdi`,
//! `rsi`, `rdx`, `r10` and `r8`; the result comes back in `rax` (zero or a
//! positive value on success, a negated `XEN_E*` errno on failure).

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

use crate::arch_x86::XenUlong;

/// `__HYPERVISOR_set_trap_table` (`xen.h`).
pub const __HYPERVISOR_SET_TRAP_TABLE: u32 = 0;
/// `__HYPERVISOR_mmu_update` (`xen.h`).
pub const __HYPERVISOR_MMU_UPDATE: u32 = 1;
/// `__HYPERVISOR_set_gdt` (`xen.h`).
pub const __HYPERVISOR_SET_GDT: u32 = 2;
/// `__HYPERVISOR_stack_switch` (`xen.h`).
pub const __HYPERVISOR_STACK_SWITCH: u32 = 3;
/// `__HYPERVISOR_set_callbacks` (`xen.h`).
pub const __HYPERVISOR_SET_CALLBACKS: u32 = 4;
/// `__HYPERVISOR_fpu_taskswitch` (`xen.h`).
pub const __HYPERVISOR_FPU_TASKSWITCH: u32 = 5;
/// `__HYPERVISOR_sched_op_compat` (`xen.h`): pre-3.0.1 `sched_op`.
pub const __HYPERVISOR_SCHED_OP_COMPAT: u32 = 6;
/// `__HYPERVISOR_platform_op` (`xen.h`).
pub const __HYPERVISOR_PLATFORM_OP: u32 = 7;
/// `__HYPERVISOR_set_debugreg` (`xen.h`).
pub const __HYPERVISOR_SET_DEBUGREG: u32 = 8;
/// `__HYPERVISOR_get_debugreg` (`xen.h`).
pub const __HYPERVISOR_GET_DEBUGREG: u32 = 9;
/// `__HYPERVISOR_update_descriptor` (`xen.h`).
pub const __HYPERVISOR_UPDATE_DESCRIPTOR: u32 = 10;
/// `__HYPERVISOR_memory_op` (`xen.h`).
pub const __HYPERVISOR_MEMORY_OP: u32 = 12;
/// `__HYPERVISOR_multicall` (`xen.h`).
pub const __HYPERVISOR_MULTICALL: u32 = 13;
/// `__HYPERVISOR_update_va_mapping` (`xen.h`).
pub const __HYPERVISOR_UPDATE_VA_MAPPING: u32 = 14;
/// `__HYPERVISOR_set_timer_op` (`xen.h`).
pub const __HYPERVISOR_SET_TIMER_OP: u32 = 15;
/// `__HYPERVISOR_event_channel_op_compat` (`xen.h`): pre-3.2.2 `event_channel_op`.
pub const __HYPERVISOR_EVENT_CHANNEL_OP_COMPAT: u32 = 16;
/// `__HYPERVISOR_xen_version` (`xen.h`).
pub const __HYPERVISOR_XEN_VERSION: u32 = 17;
/// `__HYPERVISOR_console_io` (`xen.h`).
pub const __HYPERVISOR_CONSOLE_IO: u32 = 18;
/// `__HYPERVISOR_physdev_op_compat` (`xen.h`): pre-3.2.2 `physdev_op`.
pub const __HYPERVISOR_PHYSDEV_OP_COMPAT: u32 = 19;
/// `__HYPERVISOR_grant_table_op` (`xen.h`).
pub const __HYPERVISOR_GRANT_TABLE_OP: u32 = 20;
/// `__HYPERVISOR_vm_assist` (`xen.h`).
pub const __HYPERVISOR_VM_ASSIST: u32 = 21;
/// `__HYPERVISOR_update_va_mapping_otherdomain` (`xen.h`).
pub const __HYPERVISOR_UPDATE_VA_MAPPING_OTHERDOMAIN: u32 = 22;
/// `__HYPERVISOR_iret` (`xen.h`): x86 PV only.
pub const __HYPERVISOR_IRET: u32 = 23;
/// `__HYPERVISOR_vcpu_op` (`xen.h`).
pub const __HYPERVISOR_VCPU_OP: u32 = 24;
/// `__HYPERVISOR_set_segment_base` (`xen.h`): x86_64 PV only.
pub const __HYPERVISOR_SET_SEGMENT_BASE: u32 = 25;
/// `__HYPERVISOR_mmuext_op` (`xen.h`).
pub const __HYPERVISOR_MMUEXT_OP: u32 = 26;
/// `__HYPERVISOR_xsm_op` (`xen.h`).
pub const __HYPERVISOR_XSM_OP: u32 = 27;
/// `__HYPERVISOR_nmi_op` (`xen.h`).
pub const __HYPERVISOR_NMI_OP: u32 = 28;
/// `__HYPERVISOR_sched_op` (`xen.h`).
pub const __HYPERVISOR_SCHED_OP: u32 = 29;
/// `__HYPERVISOR_callback_op` (`xen.h`).
pub const __HYPERVISOR_CALLBACK_OP: u32 = 30;
/// `__HYPERVISOR_xenoprof_op` (`xen.h`).
pub const __HYPERVISOR_XENOPROF_OP: u32 = 31;
/// `__HYPERVISOR_event_channel_op` (`xen.h`).
pub const __HYPERVISOR_EVENT_CHANNEL_OP: u32 = 32;
/// `__HYPERVISOR_physdev_op` (`xen.h`).
pub const __HYPERVISOR_PHYSDEV_OP: u32 = 33;
/// `__HYPERVISOR_hvm_op` (`xen.h`).
pub const __HYPERVISOR_HVM_OP: u32 = 34;
/// `__HYPERVISOR_sysctl` (`xen.h`).
pub const __HYPERVISOR_SYSCTL: u32 = 35;
/// `__HYPERVISOR_domctl` (`xen.h`).
pub const __HYPERVISOR_DOMCTL: u32 = 36;
/// `__HYPERVISOR_kexec_op` (`xen.h`).
pub const __HYPERVISOR_KEXEC_OP: u32 = 37;
/// `__HYPERVISOR_tmem_op` (`xen.h`): removed in Xen 4.13, number reserved.
pub const __HYPERVISOR_TMEM_OP: u32 = 38;
/// `__HYPERVISOR_argo_op` (`xen.h`).
pub const __HYPERVISOR_ARGO_OP: u32 = 39;
/// `__HYPERVISOR_xenpmu_op` (`xen.h`).
pub const __HYPERVISOR_XENPMU_OP: u32 = 40;
/// `__HYPERVISOR_dm_op` (`xen.h`).
pub const __HYPERVISOR_DM_OP: u32 = 41;
/// `__HYPERVISOR_hypfs_op` (`xen.h`).
pub const __HYPERVISOR_HYPFS_OP: u32 = 42;
/// `__HYPERVISOR_arch_0` (`xen.h`): first architecture-specific number.
pub const __HYPERVISOR_ARCH_0: u32 = 48;
/// `__HYPERVISOR_arch_1` (`xen.h`).
pub const __HYPERVISOR_ARCH_1: u32 = 49;
/// `__HYPERVISOR_arch_2` (`xen.h`).
pub const __HYPERVISOR_ARCH_2: u32 = 50;
/// `__HYPERVISOR_arch_3` (`xen.h`).
pub const __HYPERVISOR_ARCH_3: u32 = 51;
/// `__HYPERVISOR_arch_4` (`xen.h`).
pub const __HYPERVISOR_ARCH_4: u32 = 52;
/// `__HYPERVISOR_arch_5` (`xen.h`).
pub const __HYPERVISOR_ARCH_5: u32 = 53;
/// `__HYPERVISOR_arch_6` (`xen.h`).
pub const __HYPERVISOR_ARCH_6: u32 = 54;
/// `__HYPERVISOR_arch_7` (`xen.h`): last architecture-specific number.
pub const __HYPERVISOR_ARCH_7: u32 = 55;
/// `__HYPERVISOR_mca` (`arch-x86/xen-mca.h`): x86 machine-check
/// hypercall, the first architecture-specific slot.
pub const __HYPERVISOR_MCA: u32 = __HYPERVISOR_ARCH_0;

/// Size in bytes of one stub in the hypercall page (not a C macro): stub
/// `n` sits at offset `n * 32`, so one 4 KiB page holds 128 of them.
pub const HYPERCALL_STUB_SIZE: usize = 32;

macro_rules! hypercalls {
    ($( $(#[$m:meta])* $variant:ident = $konst:ident, $name:literal; )*) => {
        /// The x86_64 hypercall numbers of `xen.h` (`__HYPERVISOR_*`) as a
        /// closed set; the `*_compat` and `arch_N` slots are included.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(u32)]
        pub enum Hypercall {
            $( $(#[$m])* $variant = $konst, )*
        }

        impl Hypercall {
            /// Every hypercall, in numeric order.
            pub const ALL: &'static [Hypercall] = &[$(Hypercall::$variant),*];

            /// The hypercall with number `nr`, if defined.
            pub const fn from_u32(nr: u32) -> Option<Self> {
                match nr {
                    $( $konst => Some(Hypercall::$variant), )*
                    _ => None,
                }
            }

            /// The C name without its `__HYPERVISOR_` prefix, e.g. `"memory_op"`.
            pub const fn name(self) -> &'static str {
                match self {
                    $( Hypercall::$variant => $name, )*
                }
            }
        }
    };
}

hypercalls! {
    /// `__HYPERVISOR_set_trap_table`.
    SetTrapTable = __HYPERVISOR_SET_TRAP_TABLE, "set_trap_table";
    /// `__HYPERVISOR_mmu_update`.
    MmuUpdate = __HYPERVISOR_MMU_UPDATE, "mmu_update";
    /// `__HYPERVISOR_set_gdt`.
    SetGdt = __HYPERVISOR_SET_GDT, "set_gdt";
    /// `__HYPERVISOR_stack_switch`.
    StackSwitch = __HYPERVISOR_STACK_SWITCH, "stack_switch";
    /// `__HYPERVISOR_set_callbacks`.
    SetCallbacks = __HYPERVISOR_SET_CALLBACKS, "set_callbacks";
    /// `__HYPERVISOR_fpu_taskswitch`.
    FpuTaskswitch = __HYPERVISOR_FPU_TASKSWITCH, "fpu_taskswitch";
    /// `__HYPERVISOR_sched_op_compat`.
    SchedOpCompat = __HYPERVISOR_SCHED_OP_COMPAT, "sched_op_compat";
    /// `__HYPERVISOR_platform_op`.
    PlatformOp = __HYPERVISOR_PLATFORM_OP, "platform_op";
    /// `__HYPERVISOR_set_debugreg`.
    SetDebugreg = __HYPERVISOR_SET_DEBUGREG, "set_debugreg";
    /// `__HYPERVISOR_get_debugreg`.
    GetDebugreg = __HYPERVISOR_GET_DEBUGREG, "get_debugreg";
    /// `__HYPERVISOR_update_descriptor`.
    UpdateDescriptor = __HYPERVISOR_UPDATE_DESCRIPTOR, "update_descriptor";
    /// `__HYPERVISOR_memory_op`.
    MemoryOp = __HYPERVISOR_MEMORY_OP, "memory_op";
    /// `__HYPERVISOR_multicall`.
    Multicall = __HYPERVISOR_MULTICALL, "multicall";
    /// `__HYPERVISOR_update_va_mapping`.
    UpdateVaMapping = __HYPERVISOR_UPDATE_VA_MAPPING, "update_va_mapping";
    /// `__HYPERVISOR_set_timer_op`.
    SetTimerOp = __HYPERVISOR_SET_TIMER_OP, "set_timer_op";
    /// `__HYPERVISOR_event_channel_op_compat`.
    EventChannelOpCompat = __HYPERVISOR_EVENT_CHANNEL_OP_COMPAT, "event_channel_op_compat";
    /// `__HYPERVISOR_xen_version`.
    XenVersion = __HYPERVISOR_XEN_VERSION, "xen_version";
    /// `__HYPERVISOR_console_io`.
    ConsoleIo = __HYPERVISOR_CONSOLE_IO, "console_io";
    /// `__HYPERVISOR_physdev_op_compat`.
    PhysdevOpCompat = __HYPERVISOR_PHYSDEV_OP_COMPAT, "physdev_op_compat";
    /// `__HYPERVISOR_grant_table_op`.
    GrantTableOp = __HYPERVISOR_GRANT_TABLE_OP, "grant_table_op";
    /// `__HYPERVISOR_vm_assist`.
    VmAssist = __HYPERVISOR_VM_ASSIST, "vm_assist";
    /// `__HYPERVISOR_update_va_mapping_otherdomain`.
    UpdateVaMappingOtherdomain = __HYPERVISOR_UPDATE_VA_MAPPING_OTHERDOMAIN, "update_va_mapping_otherdomain";
    /// `__HYPERVISOR_iret`.
    Iret = __HYPERVISOR_IRET, "iret";
    /// `__HYPERVISOR_vcpu_op`.
    VcpuOp = __HYPERVISOR_VCPU_OP, "vcpu_op";
    /// `__HYPERVISOR_set_segment_base`.
    SetSegmentBase = __HYPERVISOR_SET_SEGMENT_BASE, "set_segment_base";
    /// `__HYPERVISOR_mmuext_op`.
    MmuextOp = __HYPERVISOR_MMUEXT_OP, "mmuext_op";
    /// `__HYPERVISOR_xsm_op`.
    XsmOp = __HYPERVISOR_XSM_OP, "xsm_op";
    /// `__HYPERVISOR_nmi_op`.
    NmiOp = __HYPERVISOR_NMI_OP, "nmi_op";
    /// `__HYPERVISOR_sched_op`.
    SchedOp = __HYPERVISOR_SCHED_OP, "sched_op";
    /// `__HYPERVISOR_callback_op`.
    CallbackOp = __HYPERVISOR_CALLBACK_OP, "callback_op";
    /// `__HYPERVISOR_xenoprof_op`.
    XenoprofOp = __HYPERVISOR_XENOPROF_OP, "xenoprof_op";
    /// `__HYPERVISOR_event_channel_op`.
    EventChannelOp = __HYPERVISOR_EVENT_CHANNEL_OP, "event_channel_op";
    /// `__HYPERVISOR_physdev_op`.
    PhysdevOp = __HYPERVISOR_PHYSDEV_OP, "physdev_op";
    /// `__HYPERVISOR_hvm_op`.
    HvmOp = __HYPERVISOR_HVM_OP, "hvm_op";
    /// `__HYPERVISOR_sysctl`.
    Sysctl = __HYPERVISOR_SYSCTL, "sysctl";
    /// `__HYPERVISOR_domctl`.
    Domctl = __HYPERVISOR_DOMCTL, "domctl";
    /// `__HYPERVISOR_kexec_op`.
    KexecOp = __HYPERVISOR_KEXEC_OP, "kexec_op";
    /// `__HYPERVISOR_tmem_op`.
    TmemOp = __HYPERVISOR_TMEM_OP, "tmem_op";
    /// `__HYPERVISOR_argo_op`.
    ArgoOp = __HYPERVISOR_ARGO_OP, "argo_op";
    /// `__HYPERVISOR_xenpmu_op`.
    XenpmuOp = __HYPERVISOR_XENPMU_OP, "xenpmu_op";
    /// `__HYPERVISOR_dm_op`.
    DmOp = __HYPERVISOR_DM_OP, "dm_op";
    /// `__HYPERVISOR_hypfs_op`.
    HypfsOp = __HYPERVISOR_HYPFS_OP, "hypfs_op";
    /// `__HYPERVISOR_arch_0`, i.e. `__HYPERVISOR_mca` on x86.
    Arch0 = __HYPERVISOR_ARCH_0, "arch_0";
    /// `__HYPERVISOR_arch_1`.
    Arch1 = __HYPERVISOR_ARCH_1, "arch_1";
    /// `__HYPERVISOR_arch_2`.
    Arch2 = __HYPERVISOR_ARCH_2, "arch_2";
    /// `__HYPERVISOR_arch_3`.
    Arch3 = __HYPERVISOR_ARCH_3, "arch_3";
    /// `__HYPERVISOR_arch_4`.
    Arch4 = __HYPERVISOR_ARCH_4, "arch_4";
    /// `__HYPERVISOR_arch_5`.
    Arch5 = __HYPERVISOR_ARCH_5, "arch_5";
    /// `__HYPERVISOR_arch_6`.
    Arch6 = __HYPERVISOR_ARCH_6, "arch_6";
    /// `__HYPERVISOR_arch_7`.
    Arch7 = __HYPERVISOR_ARCH_7, "arch_7";
}

/// Error of the `TryFrom` conversions into [`Hypercall`]: the number names
/// no hypercall (Xen answers such calls with `-ENOSYS`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownHypercall(pub u64);

impl TryFrom<u64> for Hypercall {
    type Error = UnknownHypercall;

    fn try_from(nr: u64) -> Result<Self, Self::Error> {
        u32::try_from(nr)
            .ok()
            .and_then(Hypercall::from_u32)
            .ok_or(UnknownHypercall(nr))
    }
}

impl TryFrom<u32> for Hypercall {
    type Error = UnknownHypercall;

    fn try_from(nr: u32) -> Result<Self, Self::Error> {
        Hypercall::from_u32(nr).ok_or(UnknownHypercall(nr.into()))
    }
}

impl From<Hypercall> for u32 {
    fn from(h: Hypercall) -> u32 {
        h as u32
    }
}

impl Hypercall {
    /// Byte offset of this hypercall's stub in the hypercall page.
    pub const fn stub_offset(self) -> usize {
        self as usize * HYPERCALL_STUB_SIZE
    }
}

/// `struct multicall_entry` (`xen.h`): one hypercall of a
/// `__HYPERVISOR_multicall` batch; Xen writes each call's return value
/// into `result`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct MulticallEntry {
    /// Hypercall number.
    pub op: XenUlong,
    /// Return value (written by Xen).
    pub result: XenUlong,
    /// Arguments.
    pub args: [XenUlong; 6],
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multicall_entry_layout() {
        assert_layout!(MulticallEntry, 64, { op: 0, result: 8, args: 16 });
    }

    #[test]
    fn hypercall_conversions() {
        assert_eq!(Hypercall::ALL.len(), 50);
        for &h in Hypercall::ALL {
            assert_eq!(Hypercall::try_from(h as u64), Ok(h));
            assert_eq!(Hypercall::try_from(u32::from(h)), Ok(h));
        }
        assert_eq!(Hypercall::try_from(11u64), Err(UnknownHypercall(11)));
        assert_eq!(Hypercall::try_from(43u64), Err(UnknownHypercall(43)));
        assert_eq!(Hypercall::try_from(56u64), Err(UnknownHypercall(56)));
        assert_eq!(
            Hypercall::try_from(1u64 << 32 | 12),
            Err(UnknownHypercall(1 << 32 | 12))
        );
        assert_eq!(Hypercall::try_from(34u64), Ok(Hypercall::HvmOp));
        assert_eq!(Hypercall::HvmOp.name(), "hvm_op");
        assert_eq!(Hypercall::Arch0 as u32, __HYPERVISOR_MCA);
        assert_eq!(Hypercall::Iret.stub_offset(), 23 * 32);
        // Numeric order, as documented for ALL.
        assert!(Hypercall::ALL.windows(2).all(|w| w[0] < w[1]));
    }
}
