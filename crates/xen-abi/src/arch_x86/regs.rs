//! x86_64 register frames (`arch-x86/xen-x86_64.h`, `arch-x86/xen.h`):
//! `cpu_user_regs`, `iret_context`, `trap_info` and the PV
//! `vcpu_guest_context` used by `VCPUOP_initialise` and domctl.

use bitflags::bitflags;
use zerocopy::{FromBytes, FromZeros, Immutable, IntoBytes, KnownLayout};

/// `struct cpu_user_regs` (`arch-x86/xen-x86_64.h`): a 64-bit guest's
/// general-purpose registers and interrupt frame, as Xen saves them.
///
/// C exposes each register as a union of its 64/32/16/8-bit names; here
/// only the 64-bit name is a field.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct CpuUserRegs {
    /// `r15`.
    pub r15: u64,
    /// `r14`.
    pub r14: u64,
    /// `r13`.
    pub r13: u64,
    /// `r12`.
    pub r12: u64,
    /// `rbp`.
    pub rbp: u64,
    /// `rbx`.
    pub rbx: u64,
    /// `r11`.
    pub r11: u64,
    /// `r10`.
    pub r10: u64,
    /// `r9`.
    pub r9: u64,
    /// `r8`.
    pub r8: u64,
    /// `rax`.
    pub rax: u64,
    /// `rcx`.
    pub rcx: u64,
    /// `rdx`.
    pub rdx: u64,
    /// `rsi`.
    pub rsi: u64,
    /// `rdi`.
    pub rdi: u64,
    /// Exception error code (Xen-private).
    pub error_code: u32,
    /// Exception/interrupt vector (Xen-private).
    pub entry_vector: u32,
    /// `rip`.
    pub rip: u64,
    /// `cs` selector.
    pub cs: u16,
    /// Padding; zero.
    pub _pad0: [u16; 1],
    /// Event-delivery mask saved on entry; `rflags.IF` mirrors its inverse.
    pub saved_upcall_mask: u8,
    /// Padding; zero.
    pub _pad1: [u8; 3],
    /// `rflags`.
    pub rflags: u64,
    /// `rsp`.
    pub rsp: u64,
    /// `ss` selector.
    pub ss: u16,
    /// Padding; zero.
    pub _pad2: [u16; 3],
    /// `es` selector.
    pub es: u16,
    /// Padding; zero.
    pub _pad3: [u16; 3],
    /// `ds` selector.
    pub ds: u16,
    /// Padding; zero.
    pub _pad4: [u16; 3],
    /// `fs` selector.
    pub fs: u16,
    /// Padding; zero.
    pub _pad5: [u16; 3],
    /// `gs` selector.
    pub gs: u16,
    /// Padding; zero.
    pub _pad6: [u16; 3],
}

/// `struct iret_context` (`arch-x86/xen-x86_64.h`): the stack frame a
/// 64-bit PV guest pushes before `HYPERVISOR_iret`, lowest address first.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct IretContext {
    /// Saved `rax`.
    pub rax: u64,
    /// Saved `r11`.
    pub r11: u64,
    /// Saved `rcx`.
    pub rcx: u64,
    /// `VGCF_in_syscall` if returning from a system call.
    pub flags: u64,
    /// Return `rip`.
    pub rip: u64,
    /// Return `cs`.
    pub cs: u64,
    /// Return `rflags`.
    pub rflags: u64,
    /// Return `rsp`.
    pub rsp: u64,
    /// Return `ss`.
    pub ss: u64,
}

/// `struct trap_info` (`arch-x86/xen.h`): one entry of a PV guest's virtual
/// IDT, as passed to `set_trap_table`; a table ends at an all-zero entry.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct TrapInfo {
    /// Exception vector.
    pub vector: u8,
    /// Bits 0–1: the lowest privilege level allowed to raise it with
    /// `int`; bit 2: clear the event mask on entry (interrupt gate).
    pub flags: u8,
    /// Code selector of the handler.
    pub cs: u16,
    /// Padding; zero.
    pub _pad0: [u8; 4],
    /// Handler address.
    pub address: u64,
}

impl TrapInfo {
    /// `TI_GET_DPL()` (`arch-x86/xen.h`): the privilege-level bits of `flags`.
    pub const fn dpl(&self) -> u8 {
        self.flags & 3
    }

    /// `TI_GET_IF()` (`arch-x86/xen.h`): whether events are masked on entry.
    pub const fn masks_events(&self) -> bool {
        self.flags & 4 != 0
    }

    /// `TI_SET_DPL()` (`arch-x86/xen.h`): ORs `dpl` (0–3) into `flags`.
    pub fn set_dpl(&mut self, dpl: u8) {
        self.flags |= dpl & 3;
    }

    /// `TI_SET_IF()` (`arch-x86/xen.h`): sets the mask-events bit if `on`.
    pub fn set_masks_events(&mut self, on: bool) {
        self.flags |= u8::from(on) << 2;
    }
}

/// `_VGCF_i387_valid` (`arch-x86/xen.h`): bit number of the FPU-state-valid flag.
pub const _VGCF_I387_VALID: u32 = 0;
/// `VGCF_i387_valid` / `VGCF_I387_VALID` (`arch-x86/xen.h`): `fpu_ctxt`
/// holds valid state.
pub const VGCF_I387_VALID: u64 = 1 << _VGCF_I387_VALID;
/// `_VGCF_in_kernel` (`arch-x86/xen.h`): bit number of the in-kernel flag.
pub const _VGCF_IN_KERNEL: u32 = 2;
/// `VGCF_in_kernel` / `VGCF_IN_KERNEL` (`arch-x86/xen.h`): the vCPU is in
/// guest-kernel mode.
pub const VGCF_IN_KERNEL: u64 = 1 << _VGCF_IN_KERNEL;
/// `_VGCF_failsafe_disables_events` (`arch-x86/xen.h`): bit number.
pub const _VGCF_FAILSAFE_DISABLES_EVENTS: u32 = 3;
/// `VGCF_failsafe_disables_events` (`arch-x86/xen.h`): mask events when
/// entering the failsafe callback.
pub const VGCF_FAILSAFE_DISABLES_EVENTS: u64 = 1 << _VGCF_FAILSAFE_DISABLES_EVENTS;
/// `_VGCF_syscall_disables_events` (`arch-x86/xen.h`): bit number.
pub const _VGCF_SYSCALL_DISABLES_EVENTS: u32 = 4;
/// `VGCF_syscall_disables_events` (`arch-x86/xen.h`): mask events when
/// entering the syscall callback.
pub const VGCF_SYSCALL_DISABLES_EVENTS: u64 = 1 << _VGCF_SYSCALL_DISABLES_EVENTS;
/// `_VGCF_online` (`arch-x86/xen.h`): bit number of the online flag.
pub const _VGCF_ONLINE: u32 = 5;
/// `VGCF_online` (`arch-x86/xen.h`): the vCPU is online.
pub const VGCF_ONLINE: u64 = 1 << _VGCF_ONLINE;
/// `_VGCF_in_syscall` (`arch-x86/xen-x86_64.h`): bit number of the in-syscall flag.
pub const _VGCF_IN_SYSCALL: u32 = 8;
/// `VGCF_in_syscall` / `VGCF_IN_SYSCALL` (`arch-x86/xen-x86_64.h`): the
/// guest left through SYSCALL and may return with SYSRET.
pub const VGCF_IN_SYSCALL: u64 = 1 << _VGCF_IN_SYSCALL;

bitflags! {
    /// `VGCF_*` (`arch-x86/xen.h`, `arch-x86/xen-x86_64.h`): the `flags`
    /// word of `vcpu_guest_context` (and of `iret_context`).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct VgcfFlags: u64 {
        /// `VGCF_i387_valid`.
        const I387_VALID = VGCF_I387_VALID;
        /// `VGCF_in_kernel`.
        const IN_KERNEL = VGCF_IN_KERNEL;
        /// `VGCF_failsafe_disables_events`.
        const FAILSAFE_DISABLES_EVENTS = VGCF_FAILSAFE_DISABLES_EVENTS;
        /// `VGCF_syscall_disables_events`.
        const SYSCALL_DISABLES_EVENTS = VGCF_SYSCALL_DISABLES_EVENTS;
        /// `VGCF_online`.
        const ONLINE = VGCF_ONLINE;
        /// `VGCF_in_syscall`.
        const IN_SYSCALL = VGCF_IN_SYSCALL;
    }
}

/// `struct vcpu_guest_context` (`arch-x86/xen.h`, x86_64 guest view): the
/// full state of a PV vCPU (`VCPUOP_initialise`, `XEN_DOMCTL_{get,set}vcpucontext`).
///
/// This is the layout seen by guests and tools; inside Xen the
/// `syscall_callback_eip` slot doubles as the two compat callback selectors.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct VcpuGuestContext {
    /// FXSAVE image of the FPU/SSE state.
    pub fpu_ctxt: [u8; 512],
    /// `VGCF_*` flags (see [`VgcfFlags`]).
    pub flags: u64,
    /// General-purpose registers.
    pub user_regs: CpuUserRegs,
    /// Virtual IDT.
    pub trap_ctxt: [TrapInfo; 256],
    /// LDT linear address.
    pub ldt_base: u64,
    /// Number of LDT entries.
    pub ldt_ents: u64,
    /// Machine frames of the GDT.
    pub gdt_frames: [u64; 16],
    /// Number of GDT entries.
    pub gdt_ents: u64,
    /// Kernel stack selector (virtual TSS SS1).
    pub kernel_ss: u64,
    /// Kernel stack pointer (virtual TSS SP1).
    pub kernel_sp: u64,
    /// CR0–CR7; on x86_64 CR1 holds the user-mode page table.
    pub ctrlreg: [u64; 8],
    /// DR0–DR7.
    pub debugreg: [u64; 8],
    /// Event upcall entry point.
    pub event_callback_eip: u64,
    /// Failsafe callback entry point.
    pub failsafe_callback_eip: u64,
    /// SYSCALL entry point.
    pub syscall_callback_eip: u64,
    /// Bitmap of enabled `VMASST_TYPE_*` assists.
    pub vm_assist: u64,
    /// FS base.
    pub fs_base: u64,
    /// Kernel GS base.
    pub gs_base_kernel: u64,
    /// User GS base.
    pub gs_base_user: u64,
}

impl Default for VcpuGuestContext {
    fn default() -> Self {
        Self::new_zeroed()
    }
}

impl VcpuGuestContext {
    /// The `flags` word as [`VgcfFlags`], unknown bits dropped.
    pub const fn vgcf_flags(&self) -> VgcfFlags {
        VgcfFlags::from_bits_truncate(self.flags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_user_regs_layout() {
        assert_layout!(CpuUserRegs, 200, {
            r15: 0, r14: 8, r13: 16, r12: 24, rbp: 32, rbx: 40, r11: 48, r10: 56,
            r9: 64, r8: 72, rax: 80, rcx: 88, rdx: 96, rsi: 104, rdi: 112,
            error_code: 120, entry_vector: 124, rip: 128, cs: 136, _pad0: 138,
            saved_upcall_mask: 140, _pad1: 141, rflags: 144, rsp: 152,
            ss: 160, _pad2: 162, es: 168, _pad3: 170, ds: 176, _pad4: 178,
            fs: 184, _pad5: 186, gs: 192, _pad6: 194,
        });
    }

    #[test]
    fn iret_and_trap_layouts() {
        assert_layout!(IretContext, 72, {
            rax: 0, r11: 8, rcx: 16, flags: 24, rip: 32, cs: 40, rflags: 48, rsp: 56, ss: 64,
        });
        assert_layout!(TrapInfo, 16, { vector: 0, flags: 1, cs: 2, _pad0: 4, address: 8 });
    }

    #[test]
    fn vcpu_guest_context_layout() {
        assert_layout!(VcpuGuestContext, 5168, {
            fpu_ctxt: 0, flags: 512, user_regs: 520, trap_ctxt: 720, ldt_base: 4816,
            ldt_ents: 4824, gdt_frames: 4832, gdt_ents: 4960, kernel_ss: 4968,
            kernel_sp: 4976, ctrlreg: 4984, debugreg: 5048, event_callback_eip: 5112,
            failsafe_callback_eip: 5120, syscall_callback_eip: 5128, vm_assist: 5136,
            fs_base: 5144, gs_base_kernel: 5152, gs_base_user: 5160,
        });
        let mut c = VcpuGuestContext::default();
        assert_eq!(c.vgcf_flags(), VgcfFlags::empty());
        c.flags = VGCF_ONLINE | VGCF_IN_KERNEL | (1 << 40);
        assert_eq!(c.vgcf_flags(), VgcfFlags::ONLINE | VgcfFlags::IN_KERNEL);
    }

    #[test]
    fn trap_info_helpers() {
        let mut t = TrapInfo::default();
        t.set_dpl(3);
        t.set_masks_events(true);
        assert_eq!(t.flags, 7);
        assert_eq!(t.dpl(), 3);
        assert!(t.masks_events());
        let mut u = TrapInfo::default();
        u.set_masks_events(false);
        assert!(!u.masks_events());
    }
}
