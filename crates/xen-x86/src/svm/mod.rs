//! AMD SVM: turning it on, the per-vCPU VMCB set up for a PVH guest, and
//! the world switch.
//!
//! The world switch (`xen_svm_run`) saves the host's callee-saved
//! registers, `VMSAVE`s the host's hidden state (FS/GS/TR/LDTR, syscall
//! MSRs) into a host VMCB, loads the guest's general registers, runs
//! `VMLOAD; VMRUN; VMSAVE` on the guest VMCB, stores the guest's registers
//! back and restores the host state, all with the global interrupt flag
//! clear. RAX and RSP of the guest live in the VMCB.
//!
//! QEMU's TCG gives no next-RIP on most intercepts, so instruction lengths
//! of the intercepted instructions are known constants here (`VMMCALL` 3,
//! `CPUID` 2, `RDMSR`/`WRMSR` 2, `HLT` 1); I/O exits carry the next RIP.

pub mod npt;
pub mod vmcb;

use vmcb::{ctl, misc1, misc2, save, Segment, Vmcb};

/// `EFER.SVME`.
pub const EFER_SVME: u64 = 1 << 12;
/// The host save area MSR.
pub const MSR_VM_HSAVE_PA: u32 = 0xc001_0117;
/// EFER.
pub const MSR_EFER: u32 = 0xc000_0080;

/// What the CPU offers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SvmFeatures {
    /// Nested paging.
    pub npt: bool,
    /// Next-RIP saved on intercepts.
    pub nrips: bool,
    /// Decode assists (instruction bytes in the VMCB).
    pub decode_assists: bool,
    /// Number of ASIDs.
    pub asids: u32,
}

/// SVM support as CPUID reports it, or `None` without SVM.
pub fn features() -> Option<SvmFeatures> {
    let ext = core::arch::x86_64::__cpuid(0x8000_0001);
    if ext.ecx & (1 << 2) == 0 {
        return None;
    }
    let l = core::arch::x86_64::__cpuid(0x8000_000a);
    Some(SvmFeatures {
        npt: l.edx & 1 != 0,
        nrips: l.edx & (1 << 3) != 0,
        decode_assists: l.edx & (1 << 7) != 0,
        asids: l.ebx,
    })
}

/// Guest general registers not kept in the VMCB.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GuestRegs {
    /// rbx
    pub rbx: u64,
    /// rcx
    pub rcx: u64,
    /// rdx
    pub rdx: u64,
    /// rsi
    pub rsi: u64,
    /// rdi
    pub rdi: u64,
    /// rbp
    pub rbp: u64,
    /// r8
    pub r8: u64,
    /// r9
    pub r9: u64,
    /// r10
    pub r10: u64,
    /// r11
    pub r11: u64,
    /// r12
    pub r12: u64,
    /// r13
    pub r13: u64,
    /// r14
    pub r14: u64,
    /// r15
    pub r15: u64,
}

/// Segment attributes of the PVH entry state (Xen's `pvh_setup_cpus`).
pub mod pvh_attr {
    /// 32-bit code, execute/read, accessed.
    pub const CODE32: u16 = 0xc9b;
    /// 32-bit data, read/write, accessed.
    pub const DATA32: u16 = 0xc93;
    /// Busy 32-bit TSS.
    pub const TSS32: u16 = 0x8b;
    /// LDT (unused, present).
    pub const LDT: u16 = 0x82;
}

/// Fills `v` with the PVH entry state: 32-bit protected mode, paging off,
/// flat segments, `eip` = `entry`, `ebx` = `start_info` (returned in the
/// registers), nested paging on `npt_root` with `asid`, and every exit the
/// hypervisor needs intercepted.
pub fn setup_pvh_vmcb(
    v: &mut Vmcb,
    entry: u64,
    npt_root: u64,
    asid: u32,
    iopm_pa: u64,
    msrpm_pa: u64,
) -> GuestRegs {
    *v = Vmcb::new();
    v.set32(
        ctl::INTERCEPT_MISC1,
        misc1::INTR
            | misc1::NMI
            | misc1::SMI
            | misc1::INIT
            | misc1::CPUID
            | misc1::INVD
            | misc1::HLT
            | misc1::IOIO_PROT
            | misc1::MSR_PROT
            | misc1::SHUTDOWN,
    );
    v.set32(
        ctl::INTERCEPT_MISC2,
        misc2::VMRUN
            | misc2::VMMCALL
            | misc2::VMLOAD
            | misc2::VMSAVE
            | misc2::STGI
            | misc2::CLGI
            | misc2::SKINIT
            | misc2::XSETBV,
    );
    // #MC is the host's business.
    v.set32(ctl::INTERCEPT_EXCEPTIONS, 1 << 18);
    v.set64(ctl::IOPM_BASE_PA, iopm_pa);
    v.set64(ctl::MSRPM_BASE_PA, msrpm_pa);
    v.set32(ctl::GUEST_ASID, asid);
    v.set8(ctl::TLB_CONTROL, 1);
    // V_INTR_MASKING: the guest's IF only masks virtual interrupts.
    v.set32(ctl::V_INTR, 1 << 24);
    v.set64(ctl::NP_ENABLE, 1);
    v.set64(ctl::N_CR3, npt_root);

    let flat = |selector, attrib| Segment {
        selector,
        attrib,
        limit: u32::MAX,
        base: 0,
    };
    v.set_segment(save::CS, flat(0x10, pvh_attr::CODE32));
    for s in [save::DS, save::ES, save::SS, save::FS, save::GS] {
        v.set_segment(s, flat(0x18, pvh_attr::DATA32));
    }
    v.set_segment(
        save::TR,
        Segment {
            selector: 0x20,
            attrib: pvh_attr::TSS32,
            limit: 0x67,
            base: 0,
        },
    );
    v.set_segment(
        save::LDTR,
        Segment {
            attrib: pvh_attr::LDT,
            ..Segment::default()
        },
    );
    v.set_segment(
        save::GDTR,
        Segment {
            limit: 0xffff,
            ..Segment::default()
        },
    );
    v.set_segment(
        save::IDTR,
        Segment {
            limit: 0xffff,
            ..Segment::default()
        },
    );
    v.set8(save::CPL, 0);
    v.set64(save::EFER, EFER_SVME);
    v.set64(save::CR0, 0x11); // PE | ET
    v.set64(save::CR4, 0);
    v.set64(save::CR3, 0);
    v.set64(save::DR7, 0x400);
    v.set64(save::DR6, 0xffff_0ff0);
    v.set64(save::RFLAGS, 0x2);
    v.set64(save::RIP, entry);
    v.set64(save::G_PAT, 0x0007_0406_0007_0406);
    GuestRegs::default()
}

#[cfg(target_os = "none")]
mod hw {
    use super::*;

    core::arch::global_asm!(
        r#"
        .section .text
        .global xen_svm_run
    xen_svm_run:
        push rbp
        push rbx
        push r12
        push r13
        push r14
        push r15
        push rdx
        push rsi
        push rdi
        clgi
        mov rax, rsi
        vmsave rax
        mov rax, rdi
        mov rbx, [rdx + 0]
        mov rcx, [rdx + 8]
        mov rsi, [rdx + 24]
        mov rdi, [rdx + 32]
        mov rbp, [rdx + 40]
        mov r8, [rdx + 48]
        mov r9, [rdx + 56]
        mov r10, [rdx + 64]
        mov r11, [rdx + 72]
        mov r12, [rdx + 80]
        mov r13, [rdx + 88]
        mov r14, [rdx + 96]
        mov r15, [rdx + 104]
        mov rdx, [rdx + 16]
        vmload rax
        vmrun rax
        vmsave rax
        push rdx
        mov rdx, [rsp + 24]
        mov [rdx + 0], rbx
        mov [rdx + 8], rcx
        mov [rdx + 24], rsi
        mov [rdx + 32], rdi
        mov [rdx + 40], rbp
        mov [rdx + 48], r8
        mov [rdx + 56], r9
        mov [rdx + 64], r10
        mov [rdx + 72], r11
        mov [rdx + 80], r12
        mov [rdx + 88], r13
        mov [rdx + 96], r14
        mov [rdx + 104], r15
        pop rax
        mov [rdx + 16], rax
        pop rdi
        pop rsi
        mov rax, rsi
        vmload rax
        stgi
        pop rdx
        pop r15
        pop r14
        pop r13
        pop r12
        pop rbx
        pop rbp
        ret
        "#
    );

    extern "C" {
        fn xen_svm_run(guest_vmcb: u64, host_vmcb: u64, regs: *mut GuestRegs);
    }

    /// Turns SVM on for this CPU with `hsave_pa` as its host save area.
    ///
    /// # Safety
    /// `hsave_pa` must be a 4 KiB frame owned by this CPU for as long as
    /// SVM stays on.
    pub unsafe fn enable(hsave_pa: u64) {
        use x86_64::registers::model_specific::Msr;
        let mut efer = Msr::new(MSR_EFER);
        // SAFETY: setting EFER.SVME only enables the SVM instructions; the
        // save area belongs to this CPU per the contract.
        unsafe {
            let v = efer.read();
            efer.write(v | EFER_SVME);
            Msr::new(MSR_VM_HSAVE_PA).write(hsave_pa);
        }
    }

    /// Runs the guest of `guest_vmcb` until its next #VMEXIT.
    ///
    /// # Safety
    /// SVM must be enabled; both VMCBs are identity-mapped frames owned by
    /// this CPU; the guest VMCB describes a valid guest whose nested page
    /// table maps only memory the guest may own.
    pub unsafe fn run(guest_vmcb: &mut Vmcb, host_vmcb: &mut Vmcb, regs: &mut GuestRegs) {
        let g = guest_vmcb as *mut Vmcb as u64;
        let h = host_vmcb as *mut Vmcb as u64;
        // SAFETY: per the contract; the assembly preserves every
        // callee-saved register and the stack.
        unsafe { xen_svm_run(g, h, regs) };
    }
}

#[cfg(target_os = "none")]
pub use hw::{enable, run};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pvh_entry_state() {
        let mut v = Vmcb::new();
        setup_pvh_vmcb(&mut v, 0x100_0000, 0x5000, 1, 0x6000, 0x9000);
        assert_eq!(v.get64(save::RIP), 0x100_0000);
        assert_eq!(v.get64(save::CR0), 0x11);
        assert_eq!(v.get64(save::EFER), EFER_SVME);
        assert_eq!(v.segment(save::CS).attrib, 0xc9b);
        assert_eq!(v.segment(save::SS).attrib, 0xc93);
        assert_eq!(v.segment(save::TR).limit, 0x67);
        assert_ne!(v.get32(ctl::INTERCEPT_MISC2) & misc2::VMRUN, 0);
        assert_ne!(v.get32(ctl::INTERCEPT_MISC2) & misc2::VMMCALL, 0);
        assert_eq!(v.get64(ctl::N_CR3), 0x5000);
        assert_eq!(v.get32(ctl::GUEST_ASID), 1);
        assert_eq!(core::mem::size_of::<GuestRegs>(), 14 * 8);
    }
}
