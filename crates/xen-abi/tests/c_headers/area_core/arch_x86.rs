//! C cross-check entries for `xen_abi::arch_x86` (`arch-x86/xen.h`, `arch-x86/xen-x86_64.h`, `callback.h`).

use crate::harness::Check;

pub fn register(check: &mut Check) {
    c_struct!(check, xen_abi::arch_x86::ArchVcpuInfo, "struct arch_vcpu_info" { cr2 = "cr2", pad = "pad" });
    c_struct!(check, xen_abi::arch_x86::ArchSharedInfo, "struct arch_shared_info" { max_pfn = "max_pfn", pfn_to_mfn_frame_list_list = "pfn_to_mfn_frame_list_list", nmi_reason = "nmi_reason", p2m_cr3 = "p2m_cr3", p2m_vaddr = "p2m_vaddr", p2m_generation = "p2m_generation" });
    c_struct!(check, xen_abi::arch_x86::CpuUserRegs, "struct cpu_user_regs" { r15 = "r15", r14 = "r14", r13 = "r13", r12 = "r12", rbp = "rbp", rbx = "rbx", r11 = "r11", r10 = "r10", r9 = "r9", r8 = "r8", rax = "rax", rcx = "rcx", rdx = "rdx", rsi = "rsi", rdi = "rdi", error_code = "error_code", entry_vector = "entry_vector", rip = "rip", cs = "cs", _pad0 = "_pad0", saved_upcall_mask = "saved_upcall_mask", _pad1 = "_pad1", rflags = "rflags", rsp = "rsp", ss = "ss", _pad2 = "_pad2", es = "es", _pad3 = "_pad3", ds = "ds", _pad4 = "_pad4", fs = "fs", _pad5 = "_pad5", gs = "gs", _pad6 = "_pad6" });
    c_struct!(check, xen_abi::arch_x86::IretContext, "struct iret_context" { rax = "rax", r11 = "r11", rcx = "rcx", flags = "flags", rip = "rip", cs = "cs", rflags = "rflags", rsp = "rsp", ss = "ss" });
    c_struct!(check, xen_abi::arch_x86::TrapInfo, "struct trap_info" { vector = "vector", flags = "flags", cs = "cs", address = "address" });
    c_struct!(check, xen_abi::arch_x86::VcpuGuestContext, "struct vcpu_guest_context" { fpu_ctxt = "fpu_ctxt", flags = "flags", user_regs = "user_regs", trap_ctxt = "trap_ctxt", ldt_base = "ldt_base", ldt_ents = "ldt_ents", gdt_frames = "gdt_frames", gdt_ents = "gdt_ents", kernel_ss = "kernel_ss", kernel_sp = "kernel_sp", ctrlreg = "ctrlreg", debugreg = "debugreg", event_callback_eip = "event_callback_eip", failsafe_callback_eip = "failsafe_callback_eip", syscall_callback_eip = "syscall_callback_eip", vm_assist = "vm_assist", fs_base = "fs_base", gs_base_kernel = "gs_base_kernel", gs_base_user = "gs_base_user" });
    c_struct!(check, xen_abi::arch_x86::CallbackRegister, "struct callback_register" { type_ = "type", flags = "flags", address = "address" });
    c_struct!(check, xen_abi::arch_x86::CallbackUnregister, "struct callback_unregister" { type_ = "type", _unused = "_unused" });
    c_struct!(check, xen_abi::arch_x86::ArchDomainConfig, "struct xen_arch_domainconfig" { emulation_flags = "emulation_flags", misc_flags = "misc_flags" });
    c_struct!(check, xen_abi::arch_x86::CpuidLeaf, "struct xen_cpuid_leaf" { leaf = "leaf", subleaf = "subleaf", a = "a", b = "b", c = "c", d = "d" });
    c_struct!(check, xen_abi::arch_x86::MsrEntry, "struct xen_msr_entry" { idx = "idx", flags = "flags", val = "val" });
    c_const!(check,
        xen_abi::arch_x86::XEN_LEGACY_MAX_VCPUS => "XEN_LEGACY_MAX_VCPUS",
        xen_abi::arch_x86::FIRST_RESERVED_GDT_PAGE => "FIRST_RESERVED_GDT_PAGE",
        xen_abi::arch_x86::FIRST_RESERVED_GDT_BYTE => "FIRST_RESERVED_GDT_BYTE",
        xen_abi::arch_x86::FIRST_RESERVED_GDT_ENTRY => "FIRST_RESERVED_GDT_ENTRY",
        xen_abi::arch_x86::XEN_HVM_DEBUGCONS_IOPORT => "XEN_HVM_DEBUGCONS_IOPORT",
        xen_abi::arch_x86::FLAT_RING3_CS32 => "FLAT_RING3_CS32",
        xen_abi::arch_x86::FLAT_RING3_CS64 => "FLAT_RING3_CS64",
        xen_abi::arch_x86::FLAT_RING3_DS32 => "FLAT_RING3_DS32",
        xen_abi::arch_x86::FLAT_RING3_DS64 => "FLAT_RING3_DS64",
        xen_abi::arch_x86::FLAT_RING3_SS32 => "FLAT_RING3_SS32",
        xen_abi::arch_x86::FLAT_RING3_SS64 => "FLAT_RING3_SS64",
        xen_abi::arch_x86::FLAT_KERNEL_DS64 => "FLAT_KERNEL_DS64",
        xen_abi::arch_x86::FLAT_KERNEL_DS32 => "FLAT_KERNEL_DS32",
        xen_abi::arch_x86::FLAT_KERNEL_DS => "FLAT_KERNEL_DS",
        xen_abi::arch_x86::FLAT_KERNEL_CS64 => "FLAT_KERNEL_CS64",
        xen_abi::arch_x86::FLAT_KERNEL_CS32 => "FLAT_KERNEL_CS32",
        xen_abi::arch_x86::FLAT_KERNEL_CS => "FLAT_KERNEL_CS",
        xen_abi::arch_x86::FLAT_KERNEL_SS64 => "FLAT_KERNEL_SS64",
        xen_abi::arch_x86::FLAT_KERNEL_SS32 => "FLAT_KERNEL_SS32",
        xen_abi::arch_x86::FLAT_KERNEL_SS => "FLAT_KERNEL_SS",
        xen_abi::arch_x86::FLAT_USER_DS64 => "FLAT_USER_DS64",
        xen_abi::arch_x86::FLAT_USER_DS32 => "FLAT_USER_DS32",
        xen_abi::arch_x86::FLAT_USER_DS => "FLAT_USER_DS",
        xen_abi::arch_x86::FLAT_USER_CS64 => "FLAT_USER_CS64",
        xen_abi::arch_x86::FLAT_USER_CS32 => "FLAT_USER_CS32",
        xen_abi::arch_x86::FLAT_USER_CS => "FLAT_USER_CS",
        xen_abi::arch_x86::FLAT_USER_SS64 => "FLAT_USER_SS64",
        xen_abi::arch_x86::FLAT_USER_SS32 => "FLAT_USER_SS32",
        xen_abi::arch_x86::FLAT_USER_SS => "FLAT_USER_SS",
        (xen_abi::arch_x86::HYPERVISOR_VIRT_START as i64) => "HYPERVISOR_VIRT_START",
        (xen_abi::arch_x86::HYPERVISOR_VIRT_END as i64) => "HYPERVISOR_VIRT_END",
        (xen_abi::arch_x86::MACH2PHYS_VIRT_START as i64) => "MACH2PHYS_VIRT_START",
        (xen_abi::arch_x86::MACH2PHYS_VIRT_END as i64) => "MACH2PHYS_VIRT_END",
        xen_abi::arch_x86::MACH2PHYS_NR_ENTRIES => "MACH2PHYS_NR_ENTRIES",
        xen_abi::arch_x86::SEGBASE_FS => "SEGBASE_FS",
        xen_abi::arch_x86::SEGBASE_GS_USER => "SEGBASE_GS_USER",
        xen_abi::arch_x86::SEGBASE_GS_KERNEL => "SEGBASE_GS_KERNEL",
        xen_abi::arch_x86::SEGBASE_GS_USER_SEL => "SEGBASE_GS_USER_SEL",
        xen_abi::arch_x86::_VGCF_I387_VALID => "_VGCF_i387_valid",
        xen_abi::arch_x86::VGCF_I387_VALID => "VGCF_i387_valid",
        xen_abi::arch_x86::VGCF_I387_VALID => "VGCF_I387_VALID",
        xen_abi::arch_x86::_VGCF_IN_KERNEL => "_VGCF_in_kernel",
        xen_abi::arch_x86::VGCF_IN_KERNEL => "VGCF_in_kernel",
        xen_abi::arch_x86::VGCF_IN_KERNEL => "VGCF_IN_KERNEL",
        xen_abi::arch_x86::_VGCF_FAILSAFE_DISABLES_EVENTS => "_VGCF_failsafe_disables_events",
        xen_abi::arch_x86::VGCF_FAILSAFE_DISABLES_EVENTS => "VGCF_failsafe_disables_events",
        xen_abi::arch_x86::_VGCF_SYSCALL_DISABLES_EVENTS => "_VGCF_syscall_disables_events",
        xen_abi::arch_x86::VGCF_SYSCALL_DISABLES_EVENTS => "VGCF_syscall_disables_events",
        xen_abi::arch_x86::_VGCF_ONLINE => "_VGCF_online",
        xen_abi::arch_x86::VGCF_ONLINE => "VGCF_online",
        xen_abi::arch_x86::_VGCF_IN_SYSCALL => "_VGCF_in_syscall",
        xen_abi::arch_x86::VGCF_IN_SYSCALL => "VGCF_in_syscall",
        xen_abi::arch_x86::VGCF_IN_SYSCALL => "VGCF_IN_SYSCALL",
        xen_abi::arch_x86::CALLBACKTYPE_EVENT => "CALLBACKTYPE_event",
        xen_abi::arch_x86::CALLBACKTYPE_FAILSAFE => "CALLBACKTYPE_failsafe",
        xen_abi::arch_x86::CALLBACKTYPE_SYSCALL => "CALLBACKTYPE_syscall",
        xen_abi::arch_x86::CALLBACKTYPE_SYSENTER_DEPRECATED => "CALLBACKTYPE_sysenter_deprecated",
        xen_abi::arch_x86::CALLBACKTYPE_NMI => "CALLBACKTYPE_nmi",
        xen_abi::arch_x86::CALLBACKTYPE_SYSENTER => "CALLBACKTYPE_sysenter",
        xen_abi::arch_x86::CALLBACKTYPE_SYSCALL32 => "CALLBACKTYPE_syscall32",
        xen_abi::arch_x86::_CALLBACKF_MASK_EVENTS => "_CALLBACKF_mask_events",
        xen_abi::arch_x86::CALLBACKF_MASK_EVENTS => "CALLBACKF_mask_events",
        xen_abi::arch_x86::CALLBACKOP_REGISTER => "CALLBACKOP_register",
        xen_abi::arch_x86::CALLBACKOP_UNREGISTER => "CALLBACKOP_unregister",
        xen_abi::arch_x86::_XEN_X86_EMU_LAPIC => "_XEN_X86_EMU_LAPIC",
        xen_abi::arch_x86::XEN_X86_EMU_LAPIC => "XEN_X86_EMU_LAPIC",
        xen_abi::arch_x86::_XEN_X86_EMU_HPET => "_XEN_X86_EMU_HPET",
        xen_abi::arch_x86::XEN_X86_EMU_HPET => "XEN_X86_EMU_HPET",
        xen_abi::arch_x86::_XEN_X86_EMU_PM => "_XEN_X86_EMU_PM",
        xen_abi::arch_x86::XEN_X86_EMU_PM => "XEN_X86_EMU_PM",
        xen_abi::arch_x86::_XEN_X86_EMU_RTC => "_XEN_X86_EMU_RTC",
        xen_abi::arch_x86::XEN_X86_EMU_RTC => "XEN_X86_EMU_RTC",
        xen_abi::arch_x86::_XEN_X86_EMU_IOAPIC => "_XEN_X86_EMU_IOAPIC",
        xen_abi::arch_x86::XEN_X86_EMU_IOAPIC => "XEN_X86_EMU_IOAPIC",
        xen_abi::arch_x86::_XEN_X86_EMU_PIC => "_XEN_X86_EMU_PIC",
        xen_abi::arch_x86::XEN_X86_EMU_PIC => "XEN_X86_EMU_PIC",
        xen_abi::arch_x86::_XEN_X86_EMU_VGA => "_XEN_X86_EMU_VGA",
        xen_abi::arch_x86::XEN_X86_EMU_VGA => "XEN_X86_EMU_VGA",
        xen_abi::arch_x86::_XEN_X86_EMU_IOMMU => "_XEN_X86_EMU_IOMMU",
        xen_abi::arch_x86::XEN_X86_EMU_IOMMU => "XEN_X86_EMU_IOMMU",
        xen_abi::arch_x86::_XEN_X86_EMU_PIT => "_XEN_X86_EMU_PIT",
        xen_abi::arch_x86::XEN_X86_EMU_PIT => "XEN_X86_EMU_PIT",
        xen_abi::arch_x86::_XEN_X86_EMU_USE_PIRQ => "_XEN_X86_EMU_USE_PIRQ",
        xen_abi::arch_x86::XEN_X86_EMU_USE_PIRQ => "XEN_X86_EMU_USE_PIRQ",
        xen_abi::arch_x86::_XEN_X86_EMU_VPCI => "_XEN_X86_EMU_VPCI",
        xen_abi::arch_x86::XEN_X86_EMU_VPCI => "XEN_X86_EMU_VPCI",
        xen_abi::arch_x86::XEN_X86_EMU_ALL => "XEN_X86_EMU_ALL",
        xen_abi::arch_x86::XEN_X86_MSR_RELAXED => "XEN_X86_MSR_RELAXED",
        xen_abi::arch_x86::XEN_X86_MISC_FLAGS_MAX => "XEN_X86_MISC_FLAGS_MAX",
        xen_abi::arch_x86::XEN_CPUID_NO_SUBLEAF => "XEN_CPUID_NO_SUBLEAF",
    );

    c_struct!(check, xen_abi::arch_x86::XenCallback, "xen_callback_t" {});
    c_struct!(check, xen_abi::arch_x86::CpuUserRegs, "cpu_user_regs_t" {});
    c_struct!(check, xen_abi::arch_x86::TrapInfo, "trap_info_t" {});
    c_struct!(check, xen_abi::arch_x86::VcpuGuestContext, "vcpu_guest_context_t" {});
    c_struct!(check, xen_abi::arch_x86::CpuidLeaf, "xen_cpuid_leaf_t" {});
    c_struct!(check, xen_abi::arch_x86::MsrEntry, "xen_msr_entry_t" {});
    c_const!(check,
        xen_abi::arch_x86::xen_pfn_to_cr3(0x1234_5678) => "xen_pfn_to_cr3(0x12345678)",
        xen_abi::arch_x86::xen_cr3_to_pfn(0x1234_5fff) => "xen_cr3_to_pfn(0x12345fff)",
    );
}
