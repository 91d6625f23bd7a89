//! C cross-check entries for `xen_abi::xen` (`xen.h` (and `arch-x86/xen-mca.h`)).

use crate::harness::Check;
use core::mem::{offset_of, size_of};
use xen_abi::xen::{
    Dom0VgaConsoleInfo, MmuextOp, StartInfo, StartInfoConsoleDom0, StartInfoConsoleDomU,
    VgaTextMode3, VgaVesaLfb,
};

pub fn register(check: &mut Check) {
    c_struct!(check, xen_abi::xen::XenctlBitmap, "struct xenctl_bitmap" { bitmap = "bitmap", nr_bits = "nr_bits" });
    c_struct!(check, xen_abi::xen::MulticallEntry, "struct multicall_entry" { op = "op", result = "result", args = "args" });
    c_struct!(check, xen_abi::xen::MmuUpdate, "struct mmu_update" { ptr = "ptr", val = "val" });
    c_struct!(check, xen_abi::xen::MmuextOp, "struct mmuext_op" { cmd = "cmd", arg1 = "arg1", arg2 = "arg2" });
    c_struct!(check, xen_abi::xen::VcpuInfo, "struct vcpu_info" { evtchn_upcall_pending = "evtchn_upcall_pending", evtchn_upcall_mask = "evtchn_upcall_mask", evtchn_pending_sel = "evtchn_pending_sel", arch = "arch", time = "time" });
    c_struct!(check, xen_abi::xen::SharedInfo, "struct shared_info" { vcpu_info = "vcpu_info", evtchn_pending = "evtchn_pending", evtchn_mask = "evtchn_mask", wc_version = "wc_version", wc_sec = "wc_sec", wc_nsec = "wc_nsec", wc_sec_hi = "wc_sec_hi", arch = "arch" });
    c_struct!(check, xen_abi::xen::StartInfo, "struct start_info" { magic = "magic", nr_pages = "nr_pages", shared_info = "shared_info", flags = "flags", store_mfn = "store_mfn", store_evtchn = "store_evtchn", console = "console", pt_base = "pt_base", nr_pt_frames = "nr_pt_frames", mfn_list = "mfn_list", mod_start = "mod_start", mod_len = "mod_len", cmd_line = "cmd_line", first_p2m_pfn = "first_p2m_pfn", nr_p2m_frames = "nr_p2m_frames" });
    c_struct!(check, xen_abi::xen::MultibootModList, "struct xen_multiboot_mod_list" { mod_start = "mod_start", mod_end = "mod_end", cmdline = "cmdline", pad = "pad" });
    c_struct!(check, xen_abi::xen::Dom0VgaConsoleInfo, "struct dom0_vga_console_info" { video_type = "video_type", u = "u" });
    c_struct!(check, xen_abi::xen::VcpuTimeInfo, "struct vcpu_time_info" { version = "version", pad0 = "pad0", tsc_timestamp = "tsc_timestamp", system_time = "system_time", tsc_to_system_mul = "tsc_to_system_mul", tsc_shift = "tsc_shift", flags = "flags", pad1 = "pad1" });
    c_const!(check,
        xen_abi::xen::VIRQ_TIMER => "VIRQ_TIMER",
        xen_abi::xen::VIRQ_DEBUG => "VIRQ_DEBUG",
        xen_abi::xen::VIRQ_CONSOLE => "VIRQ_CONSOLE",
        xen_abi::xen::VIRQ_DOM_EXC => "VIRQ_DOM_EXC",
        xen_abi::xen::VIRQ_TBUF => "VIRQ_TBUF",
        xen_abi::xen::VIRQ_DEBUGGER => "VIRQ_DEBUGGER",
        xen_abi::xen::VIRQ_XENOPROF => "VIRQ_XENOPROF",
        xen_abi::xen::VIRQ_CON_RING => "VIRQ_CON_RING",
        xen_abi::xen::VIRQ_PCPU_STATE => "VIRQ_PCPU_STATE",
        xen_abi::xen::VIRQ_MEM_EVENT => "VIRQ_MEM_EVENT",
        xen_abi::xen::VIRQ_ARGO => "VIRQ_ARGO",
        xen_abi::xen::VIRQ_ENOMEM => "VIRQ_ENOMEM",
        xen_abi::xen::VIRQ_XENPMU => "VIRQ_XENPMU",
        xen_abi::xen::VIRQ_ARCH_0 => "VIRQ_ARCH_0",
        xen_abi::xen::VIRQ_ARCH_1 => "VIRQ_ARCH_1",
        xen_abi::xen::VIRQ_ARCH_2 => "VIRQ_ARCH_2",
        xen_abi::xen::VIRQ_ARCH_3 => "VIRQ_ARCH_3",
        xen_abi::xen::VIRQ_ARCH_4 => "VIRQ_ARCH_4",
        xen_abi::xen::VIRQ_ARCH_5 => "VIRQ_ARCH_5",
        xen_abi::xen::VIRQ_ARCH_6 => "VIRQ_ARCH_6",
        xen_abi::xen::VIRQ_ARCH_7 => "VIRQ_ARCH_7",
        xen_abi::xen::NR_VIRQS => "NR_VIRQS",
        xen_abi::xen::CONSOLEIO_WRITE => "CONSOLEIO_write",
        xen_abi::xen::CONSOLEIO_READ => "CONSOLEIO_read",
        xen_abi::xen::VMASST_CMD_ENABLE => "VMASST_CMD_enable",
        xen_abi::xen::VMASST_CMD_DISABLE => "VMASST_CMD_disable",
        xen_abi::xen::VMASST_TYPE_4GB_SEGMENTS => "VMASST_TYPE_4gb_segments",
        xen_abi::xen::VMASST_TYPE_4GB_SEGMENTS_NOTIFY => "VMASST_TYPE_4gb_segments_notify",
        xen_abi::xen::VMASST_TYPE_WRITABLE_PAGETABLES => "VMASST_TYPE_writable_pagetables",
        xen_abi::xen::VMASST_TYPE_PAE_EXTENDED_CR3 => "VMASST_TYPE_pae_extended_cr3",
        xen_abi::xen::VMASST_TYPE_ARCHITECTURAL_IOPL => "VMASST_TYPE_architectural_iopl",
        xen_abi::xen::VMASST_TYPE_RUNSTATE_UPDATE_FLAG => "VMASST_TYPE_runstate_update_flag",
        xen_abi::xen::VMASST_TYPE_M2P_STRICT => "VMASST_TYPE_m2p_strict",
        xen_abi::xen::__HYPERVISOR_SET_TRAP_TABLE => "__HYPERVISOR_set_trap_table",
        xen_abi::xen::__HYPERVISOR_MMU_UPDATE => "__HYPERVISOR_mmu_update",
        xen_abi::xen::__HYPERVISOR_SET_GDT => "__HYPERVISOR_set_gdt",
        xen_abi::xen::__HYPERVISOR_STACK_SWITCH => "__HYPERVISOR_stack_switch",
        xen_abi::xen::__HYPERVISOR_SET_CALLBACKS => "__HYPERVISOR_set_callbacks",
        xen_abi::xen::__HYPERVISOR_FPU_TASKSWITCH => "__HYPERVISOR_fpu_taskswitch",
        xen_abi::xen::__HYPERVISOR_SCHED_OP_COMPAT => "__HYPERVISOR_sched_op_compat",
        xen_abi::xen::__HYPERVISOR_PLATFORM_OP => "__HYPERVISOR_platform_op",
        xen_abi::xen::__HYPERVISOR_SET_DEBUGREG => "__HYPERVISOR_set_debugreg",
        xen_abi::xen::__HYPERVISOR_GET_DEBUGREG => "__HYPERVISOR_get_debugreg",
        xen_abi::xen::__HYPERVISOR_UPDATE_DESCRIPTOR => "__HYPERVISOR_update_descriptor",
        xen_abi::xen::__HYPERVISOR_MEMORY_OP => "__HYPERVISOR_memory_op",
        xen_abi::xen::__HYPERVISOR_MULTICALL => "__HYPERVISOR_multicall",
        xen_abi::xen::__HYPERVISOR_UPDATE_VA_MAPPING => "__HYPERVISOR_update_va_mapping",
        xen_abi::xen::__HYPERVISOR_SET_TIMER_OP => "__HYPERVISOR_set_timer_op",
        xen_abi::xen::__HYPERVISOR_EVENT_CHANNEL_OP_COMPAT => "__HYPERVISOR_event_channel_op_compat",
        xen_abi::xen::__HYPERVISOR_XEN_VERSION => "__HYPERVISOR_xen_version",
        xen_abi::xen::__HYPERVISOR_CONSOLE_IO => "__HYPERVISOR_console_io",
        xen_abi::xen::__HYPERVISOR_PHYSDEV_OP_COMPAT => "__HYPERVISOR_physdev_op_compat",
        xen_abi::xen::__HYPERVISOR_GRANT_TABLE_OP => "__HYPERVISOR_grant_table_op",
        xen_abi::xen::__HYPERVISOR_VM_ASSIST => "__HYPERVISOR_vm_assist",
        xen_abi::xen::__HYPERVISOR_UPDATE_VA_MAPPING_OTHERDOMAIN => "__HYPERVISOR_update_va_mapping_otherdomain",
        xen_abi::xen::__HYPERVISOR_IRET => "__HYPERVISOR_iret",
        xen_abi::xen::__HYPERVISOR_VCPU_OP => "__HYPERVISOR_vcpu_op",
        xen_abi::xen::__HYPERVISOR_SET_SEGMENT_BASE => "__HYPERVISOR_set_segment_base",
        xen_abi::xen::__HYPERVISOR_MMUEXT_OP => "__HYPERVISOR_mmuext_op",
        xen_abi::xen::__HYPERVISOR_XSM_OP => "__HYPERVISOR_xsm_op",
        xen_abi::xen::__HYPERVISOR_NMI_OP => "__HYPERVISOR_nmi_op",
        xen_abi::xen::__HYPERVISOR_SCHED_OP => "__HYPERVISOR_sched_op",
        xen_abi::xen::__HYPERVISOR_CALLBACK_OP => "__HYPERVISOR_callback_op",
        xen_abi::xen::__HYPERVISOR_XENOPROF_OP => "__HYPERVISOR_xenoprof_op",
        xen_abi::xen::__HYPERVISOR_EVENT_CHANNEL_OP => "__HYPERVISOR_event_channel_op",
        xen_abi::xen::__HYPERVISOR_PHYSDEV_OP => "__HYPERVISOR_physdev_op",
        xen_abi::xen::__HYPERVISOR_HVM_OP => "__HYPERVISOR_hvm_op",
        xen_abi::xen::__HYPERVISOR_SYSCTL => "__HYPERVISOR_sysctl",
        xen_abi::xen::__HYPERVISOR_DOMCTL => "__HYPERVISOR_domctl",
        xen_abi::xen::__HYPERVISOR_KEXEC_OP => "__HYPERVISOR_kexec_op",
        xen_abi::xen::__HYPERVISOR_TMEM_OP => "__HYPERVISOR_tmem_op",
        xen_abi::xen::__HYPERVISOR_ARGO_OP => "__HYPERVISOR_argo_op",
        xen_abi::xen::__HYPERVISOR_XENPMU_OP => "__HYPERVISOR_xenpmu_op",
        xen_abi::xen::__HYPERVISOR_DM_OP => "__HYPERVISOR_dm_op",
        xen_abi::xen::__HYPERVISOR_HYPFS_OP => "__HYPERVISOR_hypfs_op",
        xen_abi::xen::__HYPERVISOR_ARCH_0 => "__HYPERVISOR_arch_0",
        xen_abi::xen::__HYPERVISOR_ARCH_1 => "__HYPERVISOR_arch_1",
        xen_abi::xen::__HYPERVISOR_ARCH_2 => "__HYPERVISOR_arch_2",
        xen_abi::xen::__HYPERVISOR_ARCH_3 => "__HYPERVISOR_arch_3",
        xen_abi::xen::__HYPERVISOR_ARCH_4 => "__HYPERVISOR_arch_4",
        xen_abi::xen::__HYPERVISOR_ARCH_5 => "__HYPERVISOR_arch_5",
        xen_abi::xen::__HYPERVISOR_ARCH_6 => "__HYPERVISOR_arch_6",
        xen_abi::xen::__HYPERVISOR_ARCH_7 => "__HYPERVISOR_arch_7",
        xen_abi::xen::__HYPERVISOR_MCA => "__HYPERVISOR_mca",
        xen_abi::xen::MMU_NORMAL_PT_UPDATE => "MMU_NORMAL_PT_UPDATE",
        xen_abi::xen::MMU_MACHPHYS_UPDATE => "MMU_MACHPHYS_UPDATE",
        xen_abi::xen::MMU_PT_UPDATE_PRESERVE_AD => "MMU_PT_UPDATE_PRESERVE_AD",
        xen_abi::xen::MMU_PT_UPDATE_NO_TRANSLATE => "MMU_PT_UPDATE_NO_TRANSLATE",
        xen_abi::xen::MMUEXT_PIN_L1_TABLE => "MMUEXT_PIN_L1_TABLE",
        xen_abi::xen::MMUEXT_PIN_L2_TABLE => "MMUEXT_PIN_L2_TABLE",
        xen_abi::xen::MMUEXT_PIN_L3_TABLE => "MMUEXT_PIN_L3_TABLE",
        xen_abi::xen::MMUEXT_PIN_L4_TABLE => "MMUEXT_PIN_L4_TABLE",
        xen_abi::xen::MMUEXT_UNPIN_TABLE => "MMUEXT_UNPIN_TABLE",
        xen_abi::xen::MMUEXT_NEW_BASEPTR => "MMUEXT_NEW_BASEPTR",
        xen_abi::xen::MMUEXT_TLB_FLUSH_LOCAL => "MMUEXT_TLB_FLUSH_LOCAL",
        xen_abi::xen::MMUEXT_INVLPG_LOCAL => "MMUEXT_INVLPG_LOCAL",
        xen_abi::xen::MMUEXT_TLB_FLUSH_MULTI => "MMUEXT_TLB_FLUSH_MULTI",
        xen_abi::xen::MMUEXT_INVLPG_MULTI => "MMUEXT_INVLPG_MULTI",
        xen_abi::xen::MMUEXT_TLB_FLUSH_ALL => "MMUEXT_TLB_FLUSH_ALL",
        xen_abi::xen::MMUEXT_INVLPG_ALL => "MMUEXT_INVLPG_ALL",
        xen_abi::xen::MMUEXT_FLUSH_CACHE => "MMUEXT_FLUSH_CACHE",
        xen_abi::xen::MMUEXT_SET_LDT => "MMUEXT_SET_LDT",
        xen_abi::xen::MMUEXT_NEW_USER_BASEPTR => "MMUEXT_NEW_USER_BASEPTR",
        xen_abi::xen::MMUEXT_CLEAR_PAGE => "MMUEXT_CLEAR_PAGE",
        xen_abi::xen::MMUEXT_COPY_PAGE => "MMUEXT_COPY_PAGE",
        xen_abi::xen::MMUEXT_FLUSH_CACHE_GLOBAL => "MMUEXT_FLUSH_CACHE_GLOBAL",
        xen_abi::xen::MMUEXT_MARK_SUPER => "MMUEXT_MARK_SUPER",
        xen_abi::xen::MMUEXT_UNMARK_SUPER => "MMUEXT_UNMARK_SUPER",
        xen_abi::xen::UVMF_NONE => "UVMF_NONE",
        xen_abi::xen::UVMF_TLB_FLUSH => "UVMF_TLB_FLUSH",
        xen_abi::xen::UVMF_INVLPG => "UVMF_INVLPG",
        xen_abi::xen::UVMF_FLUSHTYPE_MASK => "UVMF_FLUSHTYPE_MASK",
        xen_abi::xen::UVMF_MULTI => "UVMF_MULTI",
        xen_abi::xen::UVMF_LOCAL => "UVMF_LOCAL",
        xen_abi::xen::UVMF_ALL => "UVMF_ALL",
        xen_abi::xen::SIF_PRIVILEGED => "SIF_PRIVILEGED",
        xen_abi::xen::SIF_INITDOMAIN => "SIF_INITDOMAIN",
        xen_abi::xen::SIF_MULTIBOOT_MOD => "SIF_MULTIBOOT_MOD",
        xen_abi::xen::SIF_MOD_START_PFN => "SIF_MOD_START_PFN",
        xen_abi::xen::SIF_VIRT_P2M_4TOOLS => "SIF_VIRT_P2M_4TOOLS",
        xen_abi::xen::SIF_PM_MASK => "SIF_PM_MASK",
        xen_abi::xen::MAX_GUEST_CMDLINE => "MAX_GUEST_CMDLINE",
        xen_abi::xen::XEN_VGATYPE_TEXT_MODE_3 => "XEN_VGATYPE_TEXT_MODE_3",
        xen_abi::xen::XEN_VGATYPE_VESA_LFB => "XEN_VGATYPE_VESA_LFB",
        xen_abi::xen::XEN_VGATYPE_EFI_LFB => "XEN_VGATYPE_EFI_LFB",
        xen_abi::xen::XEN_PVCLOCK_TSC_STABLE_BIT => "XEN_PVCLOCK_TSC_STABLE_BIT",
        xen_abi::xen::XEN_PVCLOCK_GUEST_STOPPED => "XEN_PVCLOCK_GUEST_STOPPED",
    );

    // Typedefs and arms of unions (anonymous in C, checked via offsetof).
    c_struct!(check, xen_abi::xen::XenUuid, "xen_uuid_t" { a = "a" });
    c_struct!(check, xen_abi::xen::DomainHandle, "xen_domain_handle_t" {});
    c_struct!(check, xen_abi::xen::XenUlong, "xen_ulong_t" {});
    c_struct!(check, xen_abi::XenPfn, "xen_pfn_t" {});
    c_struct!(check, xen_abi::xen::VcpuTimeInfo, "vcpu_time_info_t" {});
    c_struct!(check, xen_abi::xen::VcpuInfo, "vcpu_info_t" {});
    c_struct!(check, xen_abi::xen::SharedInfo, "shared_info_t" {});
    c_struct!(check, xen_abi::xen::StartInfo, "start_info_t" {});
    c_struct!(check, xen_abi::xen::Dom0VgaConsoleInfo, "dom0_vga_console_info_t" {});
    c_const!(check,
        xen_abi::xen::SHARED_INFO_NR_EVENT_CHANNELS => "EVTCHN_2L_NR_CHANNELS",
        xen_abi::xen::XEN_LEGACY_MAX_VCPUS => "sizeof(((struct shared_info *)0)->vcpu_info) / sizeof(struct vcpu_info)",
        offset_of!(MmuextOp, arg1) => "offsetof(struct mmuext_op, arg1.mfn)",
        offset_of!(MmuextOp, arg1) => "offsetof(struct mmuext_op, arg1.linear_addr)",
        offset_of!(MmuextOp, arg2) => "offsetof(struct mmuext_op, arg2.nr_ents)",
        offset_of!(MmuextOp, arg2) => "offsetof(struct mmuext_op, arg2.vcpumask)",
        offset_of!(MmuextOp, arg2) => "offsetof(struct mmuext_op, arg2.src_mfn)",
        size_of::<StartInfoConsoleDomU>() => "sizeof(((struct start_info *)0)->console.domU)",
        offset_of!(StartInfo, console) + offset_of!(StartInfoConsoleDomU, mfn) => "offsetof(struct start_info, console.domU.mfn)",
        offset_of!(StartInfo, console) + offset_of!(StartInfoConsoleDomU, evtchn) => "offsetof(struct start_info, console.domU.evtchn)",
        size_of::<StartInfoConsoleDom0>() => "sizeof(((struct start_info *)0)->console.dom0)",
        offset_of!(StartInfo, console) + offset_of!(StartInfoConsoleDom0, info_off) => "offsetof(struct start_info, console.dom0.info_off)",
        offset_of!(StartInfo, console) + offset_of!(StartInfoConsoleDom0, info_size) => "offsetof(struct start_info, console.dom0.info_size)",
        size_of::<VgaTextMode3>() => "sizeof(((struct dom0_vga_console_info *)0)->u.text_mode_3)",
        size_of::<VgaVesaLfb>() => "sizeof(((struct dom0_vga_console_info *)0)->u.vesa_lfb)",
    );
    macro_rules! arm {
        ($arm:ident, $ty:ty, $($f:ident),*) => {
            $( check.add_const(
                concat!("offsetof(struct dom0_vga_console_info, u.", stringify!($arm), ".", stringify!($f), ")"),
                (offset_of!(Dom0VgaConsoleInfo, u) + offset_of!($ty, $f)) as i128,
            ); )*
        };
    }
    arm!(
        text_mode_3,
        VgaTextMode3,
        font_height,
        cursor_x,
        cursor_y,
        rows,
        columns
    );
    arm!(
        vesa_lfb,
        VgaVesaLfb,
        width,
        height,
        bytes_per_line,
        bits_per_pixel,
        lfb_base,
        lfb_size,
        red_pos,
        red_size,
        green_pos,
        green_size,
        blue_pos,
        blue_size,
        rsvd_pos,
        rsvd_size,
        gbl_caps,
        mode_attrs,
        pad,
        ext_lfb_base
    );
}
