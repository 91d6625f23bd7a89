//! C cross-check entries for the toolstack interfaces: domain control
//! (`domctl.h`, with `xen_arch_domainconfig` from `arch-x86/xen.h` and
//! `xenctl_bitmap` from `xen.h`) and system control (`sysctl.h`).

use crate::harness::Check;

pub fn register(check: &mut Check) {
    domctl_structs(check);
    domctl_consts(check);
    sysctl_structs(check);
    sysctl_consts(check);
    linux_devices(check);
}

fn domctl_structs(check: &mut Check) {
    use xen_abi::domctl::*;

    c_struct!(check, DomainHandle, "xen_domain_handle_t" {});
    c_struct!(check, XenctlBitmap, "struct xenctl_bitmap" { bitmap = "bitmap", nr_bits = "nr_bits" });
    c_struct!(check, Domctl, "struct xen_domctl" {
        cmd = "cmd", interface_version = "interface_version", domain = "domain", _pad = "_pad", u = "u",
        u = "u.createdomain", u = "u.getdomaininfo", u = "u.vcpuaffinity", u = "u.max_mem",
        u = "u.scheduler_op", u = "u.settimeoffset", u = "u.pad",
    });
    c_struct!(check, ArchDomainConfig, "struct xen_arch_domainconfig" {
        emulation_flags = "emulation_flags", misc_flags = "misc_flags",
    });
    c_struct!(check, DomctlCreateDomain, "struct xen_domctl_createdomain" {
        ssidref = "ssidref", handle = "handle", flags = "flags", iommu_opts = "iommu_opts",
        max_vcpus = "max_vcpus", max_evtchn_port = "max_evtchn_port",
        max_grant_frames = "max_grant_frames", max_maptrack_frames = "max_maptrack_frames",
        grant_opts = "grant_opts", vmtrace_size = "vmtrace_size", cpupool_id = "cpupool_id",
        arch = "arch", arch.emulation_flags = "arch.emulation_flags", arch.misc_flags = "arch.misc_flags",
    });
    c_struct!(check, DomctlGetDomainInfo, "struct xen_domctl_getdomaininfo" {
        domain = "domain", pad1 = "pad1", flags = "flags", tot_pages = "tot_pages",
        max_pages = "max_pages", outstanding_pages = "outstanding_pages", shr_pages = "shr_pages",
        paged_pages = "paged_pages", shared_info_frame = "shared_info_frame", cpu_time = "cpu_time",
        nr_online_vcpus = "nr_online_vcpus", max_vcpu_id = "max_vcpu_id", ssidref = "ssidref",
        handle = "handle", cpupool = "cpupool", gpaddr_bits = "gpaddr_bits", pad2 = "pad2",
        arch_config = "arch_config",
    });
    c_struct!(check, DomctlMaxVcpus, "struct xen_domctl_max_vcpus" { max = "max" });
    c_struct!(check, DomctlVcpuAffinity, "struct xen_domctl_vcpuaffinity" {
        vcpu = "vcpu", flags = "flags", cpumap_hard = "cpumap_hard",
        cpumap_hard.bitmap = "cpumap_hard.bitmap", cpumap_hard.nr_bits = "cpumap_hard.nr_bits",
        cpumap_soft = "cpumap_soft", cpumap_soft.nr_bits = "cpumap_soft.nr_bits",
    });
    c_struct!(check, DomctlNodeAffinity, "struct xen_domctl_nodeaffinity" { nodemap = "nodemap" });
    c_struct!(check, DomctlGetVcpuInfo, "struct xen_domctl_getvcpuinfo" {
        vcpu = "vcpu", online = "online", blocked = "blocked", running = "running",
        cpu_time = "cpu_time", cpu = "cpu",
    });
    c_struct!(check, DomctlSchedCredit, "struct xen_domctl_sched_credit" { weight = "weight", cap = "cap" });
    c_struct!(check, DomctlSchedCredit2, "struct xen_domctl_sched_credit2" { weight = "weight", cap = "cap" });
    c_struct!(check, DomctlSchedRtds, "struct xen_domctl_sched_rtds" {
        period = "period", budget = "budget", flags = "flags",
    });
    c_struct!(check, DomctlSchedparamVcpu, "struct xen_domctl_schedparam_vcpu" {
        u = "u", u = "u.credit", u = "u.credit2", u = "u.rtds", vcpuid = "vcpuid",
    });
    c_struct!(check, DomctlSchedulerOpVcpus, "__typeof__(((struct xen_domctl_scheduler_op *)0)->u.v)" {
        vcpus = "vcpus", nr_vcpus = "nr_vcpus", padding = "padding",
    });
    c_struct!(check, DomctlSchedulerOp, "struct xen_domctl_scheduler_op" {
        sched_id = "sched_id", cmd = "cmd", u = "u", u = "u.credit", u = "u.credit2", u = "u.rtds", u = "u.v",
    });
    c_struct!(check, DomctlMaxMem, "struct xen_domctl_max_mem" { max_memkb = "max_memkb" });
    c_struct!(check, DomctlSetDomainHandle, "struct xen_domctl_setdomainhandle" { handle = "handle" });
    c_struct!(check, DomctlSetTimeOffset, "struct xen_domctl_settimeoffset" {
        time_offset_seconds = "time_offset_seconds",
    });
    c_struct!(check, DomctlSetDebugging, "struct xen_domctl_setdebugging" { enable = "enable" });
    c_struct!(check, DomctlIrqPermission, "struct xen_domctl_irq_permission" {
        pirq = "pirq", allow_access = "allow_access", pad = "pad",
    });
    c_struct!(check, DomctlIomemPermission, "struct xen_domctl_iomem_permission" {
        first_mfn = "first_mfn", nr_mfns = "nr_mfns", allow_access = "allow_access",
    });
    c_struct!(check, DomctlIoportPermission, "struct xen_domctl_ioport_permission" {
        first_port = "first_port", nr_ports = "nr_ports", allow_access = "allow_access",
    });
    c_struct!(check, DomctlHypercallInit, "struct xen_domctl_hypercall_init" { gmfn = "gmfn" });
    c_struct!(check, DomctlAddressSize, "struct xen_domctl_address_size" { size = "size" });
    c_struct!(check, DomctlSendTrigger, "struct xen_domctl_sendtrigger" { trigger = "trigger", vcpu = "vcpu" });
    c_struct!(check, DomctlSubscribe, "struct xen_domctl_subscribe" { port = "port" });
    c_struct!(check, DomctlSetTarget, "struct xen_domctl_set_target" { target = "target" });
    c_struct!(check, DomctlSetVirqHandler, "struct xen_domctl_set_virq_handler" { virq = "virq" });
    c_struct!(check, DomctlPagingMempool, "struct xen_domctl_paging_mempool" { size = "size" });
    c_struct!(check, DomctlHvmContext, "struct xen_domctl_hvmcontext" { size = "size", buffer = "buffer" });
    c_struct!(check, DomctlShadowOpStats, "struct xen_domctl_shadow_op_stats" {
        fault_count = "fault_count", dirty_count = "dirty_count",
    });
    c_struct!(check, DomctlShadowOp, "struct xen_domctl_shadow_op" {
        op = "op", mode = "mode", mb = "mb", dirty_bitmap = "dirty_bitmap", pages = "pages",
        stats = "stats", stats.fault_count = "stats.fault_count", stats.dirty_count = "stats.dirty_count",
    });
}

fn domctl_consts(check: &mut Check) {
    use xen_abi::domctl::*;

    c_const!(check,
        XEN_DOMCTL_INTERFACE_VERSION => "XEN_DOMCTL_INTERFACE_VERSION",
        DOMCTL_PAYLOAD_SIZE => "sizeof(((struct xen_domctl *)0)->u)",
        XEN_DOMCTL_CREATEDOMAIN => "XEN_DOMCTL_createdomain",
        XEN_DOMCTL_DESTROYDOMAIN => "XEN_DOMCTL_destroydomain",
        XEN_DOMCTL_PAUSEDOMAIN => "XEN_DOMCTL_pausedomain",
        XEN_DOMCTL_UNPAUSEDOMAIN => "XEN_DOMCTL_unpausedomain",
        XEN_DOMCTL_GETDOMAININFO => "XEN_DOMCTL_getdomaininfo",
        XEN_DOMCTL_SETVCPUAFFINITY => "XEN_DOMCTL_setvcpuaffinity",
        XEN_DOMCTL_SHADOW_OP => "XEN_DOMCTL_shadow_op",
        XEN_DOMCTL_MAX_MEM => "XEN_DOMCTL_max_mem",
        XEN_DOMCTL_SETVCPUCONTEXT => "XEN_DOMCTL_setvcpucontext",
        XEN_DOMCTL_GETVCPUCONTEXT => "XEN_DOMCTL_getvcpucontext",
        XEN_DOMCTL_GETVCPUINFO => "XEN_DOMCTL_getvcpuinfo",
        XEN_DOMCTL_MAX_VCPUS => "XEN_DOMCTL_max_vcpus",
        XEN_DOMCTL_SCHEDULER_OP => "XEN_DOMCTL_scheduler_op",
        XEN_DOMCTL_SETDOMAINHANDLE => "XEN_DOMCTL_setdomainhandle",
        XEN_DOMCTL_SETDEBUGGING => "XEN_DOMCTL_setdebugging",
        XEN_DOMCTL_IRQ_PERMISSION => "XEN_DOMCTL_irq_permission",
        XEN_DOMCTL_IOMEM_PERMISSION => "XEN_DOMCTL_iomem_permission",
        XEN_DOMCTL_IOPORT_PERMISSION => "XEN_DOMCTL_ioport_permission",
        XEN_DOMCTL_HYPERCALL_INIT => "XEN_DOMCTL_hypercall_init",
        XEN_DOMCTL_SETTIMEOFFSET => "XEN_DOMCTL_settimeoffset",
        XEN_DOMCTL_GETVCPUAFFINITY => "XEN_DOMCTL_getvcpuaffinity",
        XEN_DOMCTL_REAL_MODE_AREA => "XEN_DOMCTL_real_mode_area",
        XEN_DOMCTL_RESUMEDOMAIN => "XEN_DOMCTL_resumedomain",
        XEN_DOMCTL_SENDTRIGGER => "XEN_DOMCTL_sendtrigger",
        XEN_DOMCTL_SUBSCRIBE => "XEN_DOMCTL_subscribe",
        XEN_DOMCTL_GETHVMCONTEXT => "XEN_DOMCTL_gethvmcontext",
        XEN_DOMCTL_SETHVMCONTEXT => "XEN_DOMCTL_sethvmcontext",
        XEN_DOMCTL_SET_ADDRESS_SIZE => "XEN_DOMCTL_set_address_size",
        XEN_DOMCTL_GET_ADDRESS_SIZE => "XEN_DOMCTL_get_address_size",
        XEN_DOMCTL_ASSIGN_DEVICE => "XEN_DOMCTL_assign_device",
        XEN_DOMCTL_BIND_PT_IRQ => "XEN_DOMCTL_bind_pt_irq",
        XEN_DOMCTL_MEMORY_MAPPING => "XEN_DOMCTL_memory_mapping",
        XEN_DOMCTL_IOPORT_MAPPING => "XEN_DOMCTL_ioport_mapping",
        XEN_DOMCTL_SET_EXT_VCPUCONTEXT => "XEN_DOMCTL_set_ext_vcpucontext",
        XEN_DOMCTL_GET_EXT_VCPUCONTEXT => "XEN_DOMCTL_get_ext_vcpucontext",
        XEN_DOMCTL_SET_OPT_FEATURE => "XEN_DOMCTL_set_opt_feature",
        XEN_DOMCTL_TEST_ASSIGN_DEVICE => "XEN_DOMCTL_test_assign_device",
        XEN_DOMCTL_SET_TARGET => "XEN_DOMCTL_set_target",
        XEN_DOMCTL_DEASSIGN_DEVICE => "XEN_DOMCTL_deassign_device",
        XEN_DOMCTL_UNBIND_PT_IRQ => "XEN_DOMCTL_unbind_pt_irq",
        XEN_DOMCTL_GET_DEVICE_GROUP => "XEN_DOMCTL_get_device_group",
        XEN_DOMCTL_DEBUG_OP => "XEN_DOMCTL_debug_op",
        XEN_DOMCTL_GETHVMCONTEXT_PARTIAL => "XEN_DOMCTL_gethvmcontext_partial",
        XEN_DOMCTL_VM_EVENT_OP => "XEN_DOMCTL_vm_event_op",
        XEN_DOMCTL_MEM_SHARING_OP => "XEN_DOMCTL_mem_sharing_op",
        XEN_DOMCTL_GETTSCINFO => "XEN_DOMCTL_gettscinfo",
        XEN_DOMCTL_SETTSCINFO => "XEN_DOMCTL_settscinfo",
        XEN_DOMCTL_GETPAGEFRAMEINFO3 => "XEN_DOMCTL_getpageframeinfo3",
        XEN_DOMCTL_SETVCPUEXTSTATE => "XEN_DOMCTL_setvcpuextstate",
        XEN_DOMCTL_GETVCPUEXTSTATE => "XEN_DOMCTL_getvcpuextstate",
        XEN_DOMCTL_SET_ACCESS_REQUIRED => "XEN_DOMCTL_set_access_required",
        XEN_DOMCTL_AUDIT_P2M => "XEN_DOMCTL_audit_p2m",
        XEN_DOMCTL_SET_VIRQ_HANDLER => "XEN_DOMCTL_set_virq_handler",
        XEN_DOMCTL_SET_BROKEN_PAGE_P2M => "XEN_DOMCTL_set_broken_page_p2m",
        XEN_DOMCTL_SETNODEAFFINITY => "XEN_DOMCTL_setnodeaffinity",
        XEN_DOMCTL_GETNODEAFFINITY => "XEN_DOMCTL_getnodeaffinity",
        XEN_DOMCTL_CACHEFLUSH => "XEN_DOMCTL_cacheflush",
        XEN_DOMCTL_GET_VCPU_MSRS => "XEN_DOMCTL_get_vcpu_msrs",
        XEN_DOMCTL_SET_VCPU_MSRS => "XEN_DOMCTL_set_vcpu_msrs",
        XEN_DOMCTL_SETVNUMAINFO => "XEN_DOMCTL_setvnumainfo",
        XEN_DOMCTL_PSR_CMT_OP => "XEN_DOMCTL_psr_cmt_op",
        XEN_DOMCTL_MONITOR_OP => "XEN_DOMCTL_monitor_op",
        XEN_DOMCTL_PSR_ALLOC => "XEN_DOMCTL_psr_alloc",
        XEN_DOMCTL_SOFT_RESET => "XEN_DOMCTL_soft_reset",
        XEN_DOMCTL_VUART_OP => "XEN_DOMCTL_vuart_op",
        XEN_DOMCTL_GET_CPU_POLICY => "XEN_DOMCTL_get_cpu_policy",
        XEN_DOMCTL_SET_CPU_POLICY => "XEN_DOMCTL_set_cpu_policy",
        XEN_DOMCTL_VMTRACE_OP => "XEN_DOMCTL_vmtrace_op",
        XEN_DOMCTL_GET_PAGING_MEMPOOL_SIZE => "XEN_DOMCTL_get_paging_mempool_size",
        XEN_DOMCTL_SET_PAGING_MEMPOOL_SIZE => "XEN_DOMCTL_set_paging_mempool_size",
        XEN_DOMCTL_GDBSX_GUESTMEMIO => "XEN_DOMCTL_gdbsx_guestmemio",
        XEN_DOMCTL_GDBSX_PAUSEVCPU => "XEN_DOMCTL_gdbsx_pausevcpu",
        XEN_DOMCTL_GDBSX_UNPAUSEVCPU => "XEN_DOMCTL_gdbsx_unpausevcpu",
        XEN_DOMCTL_GDBSX_DOMSTATUS => "XEN_DOMCTL_gdbsx_domstatus",
        // createdomain, arch config
        _XEN_X86_EMU_LAPIC => "_XEN_X86_EMU_LAPIC",
        XEN_X86_EMU_LAPIC => "XEN_X86_EMU_LAPIC",
        _XEN_X86_EMU_HPET => "_XEN_X86_EMU_HPET",
        XEN_X86_EMU_HPET => "XEN_X86_EMU_HPET",
        _XEN_X86_EMU_PM => "_XEN_X86_EMU_PM",
        XEN_X86_EMU_PM => "XEN_X86_EMU_PM",
        _XEN_X86_EMU_RTC => "_XEN_X86_EMU_RTC",
        XEN_X86_EMU_RTC => "XEN_X86_EMU_RTC",
        _XEN_X86_EMU_IOAPIC => "_XEN_X86_EMU_IOAPIC",
        XEN_X86_EMU_IOAPIC => "XEN_X86_EMU_IOAPIC",
        _XEN_X86_EMU_PIC => "_XEN_X86_EMU_PIC",
        XEN_X86_EMU_PIC => "XEN_X86_EMU_PIC",
        _XEN_X86_EMU_VGA => "_XEN_X86_EMU_VGA",
        XEN_X86_EMU_VGA => "XEN_X86_EMU_VGA",
        _XEN_X86_EMU_IOMMU => "_XEN_X86_EMU_IOMMU",
        XEN_X86_EMU_IOMMU => "XEN_X86_EMU_IOMMU",
        _XEN_X86_EMU_PIT => "_XEN_X86_EMU_PIT",
        XEN_X86_EMU_PIT => "XEN_X86_EMU_PIT",
        _XEN_X86_EMU_USE_PIRQ => "_XEN_X86_EMU_USE_PIRQ",
        XEN_X86_EMU_USE_PIRQ => "XEN_X86_EMU_USE_PIRQ",
        _XEN_X86_EMU_VPCI => "_XEN_X86_EMU_VPCI",
        XEN_X86_EMU_VPCI => "XEN_X86_EMU_VPCI",
        XEN_X86_EMU_ALL => "XEN_X86_EMU_ALL",
        X86EmuFlags::all().bits() => "XEN_X86_EMU_ALL",
        XEN_X86_MSR_RELAXED => "XEN_X86_MSR_RELAXED",
        _XEN_DOMCTL_CDF_HVM => "_XEN_DOMCTL_CDF_hvm",
        XEN_DOMCTL_CDF_HVM => "XEN_DOMCTL_CDF_hvm",
        _XEN_DOMCTL_CDF_HAP => "_XEN_DOMCTL_CDF_hap",
        XEN_DOMCTL_CDF_HAP => "XEN_DOMCTL_CDF_hap",
        _XEN_DOMCTL_CDF_S3_INTEGRITY => "_XEN_DOMCTL_CDF_s3_integrity",
        XEN_DOMCTL_CDF_S3_INTEGRITY => "XEN_DOMCTL_CDF_s3_integrity",
        _XEN_DOMCTL_CDF_OOS_OFF => "_XEN_DOMCTL_CDF_oos_off",
        XEN_DOMCTL_CDF_OOS_OFF => "XEN_DOMCTL_CDF_oos_off",
        _XEN_DOMCTL_CDF_XS_DOMAIN => "_XEN_DOMCTL_CDF_xs_domain",
        XEN_DOMCTL_CDF_XS_DOMAIN => "XEN_DOMCTL_CDF_xs_domain",
        _XEN_DOMCTL_CDF_IOMMU => "_XEN_DOMCTL_CDF_iommu",
        XEN_DOMCTL_CDF_IOMMU => "XEN_DOMCTL_CDF_iommu",
        _XEN_DOMCTL_CDF_NESTED_VIRT => "_XEN_DOMCTL_CDF_nested_virt",
        XEN_DOMCTL_CDF_NESTED_VIRT => "XEN_DOMCTL_CDF_nested_virt",
        XEN_DOMCTL_CDF_VPMU => "XEN_DOMCTL_CDF_vpmu",
        XEN_DOMCTL_CDF_MAX => "XEN_DOMCTL_CDF_MAX",
        CdfFlags::all().bits() => "((XEN_DOMCTL_CDF_MAX << 1) - 1)",
        _XEN_DOMCTL_IOMMU_NO_SHAREPT => "_XEN_DOMCTL_IOMMU_no_sharept",
        XEN_DOMCTL_IOMMU_NO_SHAREPT => "XEN_DOMCTL_IOMMU_no_sharept",
        XEN_DOMCTL_IOMMU_MAX => "XEN_DOMCTL_IOMMU_MAX",
        XEN_DOMCTL_GRANT_VERSION_MASK => "XEN_DOMCTL_GRANT_version_mask",
        xen_domctl_grant_version(2) => "XEN_DOMCTL_GRANT_version(2)",
        xen_domctl_grant_version(0x31) => "XEN_DOMCTL_GRANT_version(0x31)",
        // getdomaininfo
        _XEN_DOMINF_DYING => "_XEN_DOMINF_dying",
        XEN_DOMINF_DYING => "XEN_DOMINF_dying",
        _XEN_DOMINF_HVM_GUEST => "_XEN_DOMINF_hvm_guest",
        XEN_DOMINF_HVM_GUEST => "XEN_DOMINF_hvm_guest",
        _XEN_DOMINF_SHUTDOWN => "_XEN_DOMINF_shutdown",
        XEN_DOMINF_SHUTDOWN => "XEN_DOMINF_shutdown",
        _XEN_DOMINF_PAUSED => "_XEN_DOMINF_paused",
        XEN_DOMINF_PAUSED => "XEN_DOMINF_paused",
        _XEN_DOMINF_BLOCKED => "_XEN_DOMINF_blocked",
        XEN_DOMINF_BLOCKED => "XEN_DOMINF_blocked",
        _XEN_DOMINF_RUNNING => "_XEN_DOMINF_running",
        XEN_DOMINF_RUNNING => "XEN_DOMINF_running",
        _XEN_DOMINF_DEBUGGED => "_XEN_DOMINF_debugged",
        XEN_DOMINF_DEBUGGED => "XEN_DOMINF_debugged",
        _XEN_DOMINF_XS_DOMAIN => "_XEN_DOMINF_xs_domain",
        XEN_DOMINF_XS_DOMAIN => "XEN_DOMINF_xs_domain",
        _XEN_DOMINF_HAP => "_XEN_DOMINF_hap",
        XEN_DOMINF_HAP => "XEN_DOMINF_hap",
        XEN_DOMINF_SHUTDOWNMASK => "XEN_DOMINF_shutdownmask",
        XEN_DOMINF_SHUTDOWNSHIFT => "XEN_DOMINF_shutdownshift",
        XEN_INVALID_MAX_VCPU_ID => "XEN_INVALID_MAX_VCPU_ID",
        // vcpu affinity
        _XEN_VCPUAFFINITY_HARD => "_XEN_VCPUAFFINITY_HARD",
        XEN_VCPUAFFINITY_HARD => "XEN_VCPUAFFINITY_HARD",
        _XEN_VCPUAFFINITY_SOFT => "_XEN_VCPUAFFINITY_SOFT",
        XEN_VCPUAFFINITY_SOFT => "XEN_VCPUAFFINITY_SOFT",
        _XEN_VCPUAFFINITY_FORCE => "_XEN_VCPUAFFINITY_FORCE",
        XEN_VCPUAFFINITY_FORCE => "XEN_VCPUAFFINITY_FORCE",
        // scheduler
        XEN_SCHEDULER_CREDIT => "XEN_SCHEDULER_CREDIT",
        XEN_SCHEDULER_CREDIT2 => "XEN_SCHEDULER_CREDIT2",
        XEN_SCHEDULER_ARINC653 => "XEN_SCHEDULER_ARINC653",
        XEN_SCHEDULER_RTDS => "XEN_SCHEDULER_RTDS",
        XEN_SCHEDULER_NULL => "XEN_SCHEDULER_NULL",
        SchedulerId::Credit.id() => "XEN_SCHEDULER_CREDIT",
        SchedulerId::Credit2.id() => "XEN_SCHEDULER_CREDIT2",
        SchedulerId::Arinc653.id() => "XEN_SCHEDULER_ARINC653",
        SchedulerId::Rtds.id() => "XEN_SCHEDULER_RTDS",
        SchedulerId::Null.id() => "XEN_SCHEDULER_NULL",
        XEN_DOMCTL_SCHEDOP_PUTINFO => "XEN_DOMCTL_SCHEDOP_putinfo",
        XEN_DOMCTL_SCHEDOP_GETINFO => "XEN_DOMCTL_SCHEDOP_getinfo",
        XEN_DOMCTL_SCHEDOP_PUTVCPUINFO => "XEN_DOMCTL_SCHEDOP_putvcpuinfo",
        XEN_DOMCTL_SCHEDOP_GETVCPUINFO => "XEN_DOMCTL_SCHEDOP_getvcpuinfo",
        _XEN_DOMCTL_SCHEDRT_EXTRA => "_XEN_DOMCTL_SCHEDRT_extra",
        XEN_DOMCTL_SCHEDRT_EXTRA => "XEN_DOMCTL_SCHEDRT_extra",
        // misc
        XEN_DOMCTL_SENDTRIGGER_NMI => "XEN_DOMCTL_SENDTRIGGER_NMI",
        XEN_DOMCTL_SENDTRIGGER_RESET => "XEN_DOMCTL_SENDTRIGGER_RESET",
        XEN_DOMCTL_SENDTRIGGER_INIT => "XEN_DOMCTL_SENDTRIGGER_INIT",
        XEN_DOMCTL_SENDTRIGGER_POWER => "XEN_DOMCTL_SENDTRIGGER_POWER",
        XEN_DOMCTL_SENDTRIGGER_SLEEP => "XEN_DOMCTL_SENDTRIGGER_SLEEP",
        XEN_DOMCTL_SHADOW_OP_OFF => "XEN_DOMCTL_SHADOW_OP_OFF",
        XEN_DOMCTL_SHADOW_OP_ENABLE => "XEN_DOMCTL_SHADOW_OP_ENABLE",
        XEN_DOMCTL_SHADOW_OP_CLEAN => "XEN_DOMCTL_SHADOW_OP_CLEAN",
        XEN_DOMCTL_SHADOW_OP_PEEK => "XEN_DOMCTL_SHADOW_OP_PEEK",
        XEN_DOMCTL_SHADOW_OP_GET_ALLOCATION => "XEN_DOMCTL_SHADOW_OP_GET_ALLOCATION",
        XEN_DOMCTL_SHADOW_OP_SET_ALLOCATION => "XEN_DOMCTL_SHADOW_OP_SET_ALLOCATION",
        XEN_DOMCTL_SHADOW_OP_ENABLE_TEST => "XEN_DOMCTL_SHADOW_OP_ENABLE_TEST",
        XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY => "XEN_DOMCTL_SHADOW_OP_ENABLE_LOGDIRTY",
        XEN_DOMCTL_SHADOW_ENABLE_REFCOUNT => "XEN_DOMCTL_SHADOW_ENABLE_REFCOUNT",
        XEN_DOMCTL_SHADOW_ENABLE_LOG_DIRTY => "XEN_DOMCTL_SHADOW_ENABLE_LOG_DIRTY",
        XEN_DOMCTL_SHADOW_ENABLE_TRANSLATE => "XEN_DOMCTL_SHADOW_ENABLE_TRANSLATE",
        XEN_DOMCTL_SHADOW_ENABLE_EXTERNAL => "XEN_DOMCTL_SHADOW_ENABLE_EXTERNAL",
        XEN_DOMCTL_SHADOW_LOGDIRTY_FINAL => "XEN_DOMCTL_SHADOW_LOGDIRTY_FINAL",
    );
}

fn sysctl_structs(check: &mut Check) {
    use xen_abi::sysctl::*;

    c_struct!(check, Sysctl, "struct xen_sysctl" {
        cmd = "cmd", interface_version = "interface_version", u = "u", u = "u.physinfo",
        u = "u.sched_id", u = "u.getdomaininfolist", u = "u.cpupool_op", u = "u.scheduler_op", u = "u.pad",
    });
    c_struct!(check, SysctlReadConsole, "struct xen_sysctl_readconsole" {
        clear = "clear", incremental = "incremental", pad0 = "pad0", pad1 = "pad1", index = "index",
        buffer = "buffer", count = "count",
    });
    c_struct!(check, SysctlTbufOp, "struct xen_sysctl_tbuf_op" {
        cmd = "cmd", cpu_mask = "cpu_mask", evt_mask = "evt_mask", buffer_mfn = "buffer_mfn", size = "size",
    });
    c_struct!(check, SysctlPhysinfo, "struct xen_sysctl_physinfo" {
        threads_per_core = "threads_per_core", cores_per_socket = "cores_per_socket", nr_cpus = "nr_cpus",
        max_cpu_id = "max_cpu_id", nr_nodes = "nr_nodes", max_node_id = "max_node_id", cpu_khz = "cpu_khz",
        capabilities = "capabilities", arch_capabilities = "arch_capabilities", pad = "pad",
        total_pages = "total_pages", free_pages = "free_pages", scrub_pages = "scrub_pages",
        outstanding_pages = "outstanding_pages", max_mfn = "max_mfn", hw_cap = "hw_cap",
    });
    c_struct!(check, SysctlSchedId, "struct xen_sysctl_sched_id" { sched_id = "sched_id" });
    c_struct!(check, SysctlGetDomainInfoList, "struct xen_sysctl_getdomaininfolist" {
        first_domain = "first_domain", max_domains = "max_domains", buffer = "buffer",
        num_domains = "num_domains",
    });
    c_struct!(check, SysctlDebugKeys, "struct xen_sysctl_debug_keys" { keys = "keys", nr_keys = "nr_keys" });
    c_struct!(check, SysctlCpuInfo, "struct xen_sysctl_cpuinfo" { idletime = "idletime" });
    c_struct!(check, SysctlGetCpuInfo, "struct xen_sysctl_getcpuinfo" {
        max_cpus = "max_cpus", info = "info", nr_cpus = "nr_cpus",
    });
    c_struct!(check, SysctlAvailHeap, "struct xen_sysctl_availheap" {
        min_bitwidth = "min_bitwidth", max_bitwidth = "max_bitwidth", node = "node", avail_bytes = "avail_bytes",
    });
    c_struct!(check, SysctlCpuHotplug, "struct xen_sysctl_cpu_hotplug" { cpu = "cpu", op = "op" });
    c_struct!(check, SysctlCpupoolOp, "struct xen_sysctl_cpupool_op" {
        op = "op", cpupool_id = "cpupool_id", sched_id = "sched_id", domid = "domid", cpu = "cpu",
        n_dom = "n_dom", cpumap = "cpumap",
    });
    c_struct!(check, SysctlCreditSchedule, "struct xen_sysctl_credit_schedule" {
        tslice_ms = "tslice_ms", ratelimit_us = "ratelimit_us", vcpu_migr_delay_us = "vcpu_migr_delay_us",
    });
    c_struct!(check, SysctlCredit2Schedule, "struct xen_sysctl_credit2_schedule" { ratelimit_us = "ratelimit_us" });
    c_struct!(check, SysctlArinc653ScheduleEntry,
        "__typeof__(((struct xen_sysctl_arinc653_schedule *)0)->sched_entries[0])" {
        dom_handle = "dom_handle", vcpu_id = "vcpu_id", runtime = "runtime",
    });
    c_struct!(check, SysctlArinc653Schedule, "struct xen_sysctl_arinc653_schedule" {
        major_frame = "major_frame", num_sched_entries = "num_sched_entries", sched_entries = "sched_entries",
    });
    c_struct!(check, SysctlSchedArinc653, "struct xen_sysctl_sched_arinc653" { schedule = "schedule" });
    c_struct!(check, SysctlSchedulerOp, "struct xen_sysctl_scheduler_op" {
        cpupool_id = "cpupool_id", sched_id = "sched_id", cmd = "cmd", u = "u",
        u = "u.sched_arinc653", u = "u.sched_credit", u = "u.sched_credit2",
    });
}

fn sysctl_consts(check: &mut Check) {
    use xen_abi::sysctl::*;

    c_const!(check,
        XEN_SYSCTL_INTERFACE_VERSION => "XEN_SYSCTL_INTERFACE_VERSION",
        SYSCTL_PAYLOAD_SIZE => "sizeof(((struct xen_sysctl *)0)->u)",
        XEN_SYSCTL_READCONSOLE => "XEN_SYSCTL_readconsole",
        XEN_SYSCTL_TBUF_OP => "XEN_SYSCTL_tbuf_op",
        XEN_SYSCTL_PHYSINFO => "XEN_SYSCTL_physinfo",
        XEN_SYSCTL_SCHED_ID => "XEN_SYSCTL_sched_id",
        XEN_SYSCTL_PERFC_OP => "XEN_SYSCTL_perfc_op",
        XEN_SYSCTL_GETDOMAININFOLIST => "XEN_SYSCTL_getdomaininfolist",
        XEN_SYSCTL_DEBUG_KEYS => "XEN_SYSCTL_debug_keys",
        XEN_SYSCTL_GETCPUINFO => "XEN_SYSCTL_getcpuinfo",
        XEN_SYSCTL_AVAILHEAP => "XEN_SYSCTL_availheap",
        XEN_SYSCTL_GET_PMSTAT => "XEN_SYSCTL_get_pmstat",
        XEN_SYSCTL_CPU_HOTPLUG => "XEN_SYSCTL_cpu_hotplug",
        XEN_SYSCTL_PM_OP => "XEN_SYSCTL_pm_op",
        XEN_SYSCTL_PAGE_OFFLINE_OP => "XEN_SYSCTL_page_offline_op",
        XEN_SYSCTL_LOCKPROF_OP => "XEN_SYSCTL_lockprof_op",
        XEN_SYSCTL_CPUTOPOINFO => "XEN_SYSCTL_cputopoinfo",
        XEN_SYSCTL_NUMAINFO => "XEN_SYSCTL_numainfo",
        XEN_SYSCTL_CPUPOOL_OP => "XEN_SYSCTL_cpupool_op",
        XEN_SYSCTL_SCHEDULER_OP => "XEN_SYSCTL_scheduler_op",
        XEN_SYSCTL_COVERAGE_OP => "XEN_SYSCTL_coverage_op",
        XEN_SYSCTL_PSR_CMT_OP => "XEN_SYSCTL_psr_cmt_op",
        XEN_SYSCTL_PCITOPOINFO => "XEN_SYSCTL_pcitopoinfo",
        XEN_SYSCTL_PSR_ALLOC => "XEN_SYSCTL_psr_alloc",
        XEN_SYSCTL_GET_CPU_LEVELLING_CAPS => "XEN_SYSCTL_get_cpu_levelling_caps",
        XEN_SYSCTL_GET_CPU_FEATURESET => "XEN_SYSCTL_get_cpu_featureset",
        XEN_SYSCTL_LIVEPATCH_OP => "XEN_SYSCTL_livepatch_op",
        XEN_SYSCTL_GET_CPU_POLICY => "XEN_SYSCTL_get_cpu_policy",
        XEN_SYSCTL_TBUFOP_GET_INFO => "XEN_SYSCTL_TBUFOP_get_info",
        XEN_SYSCTL_TBUFOP_SET_CPU_MASK => "XEN_SYSCTL_TBUFOP_set_cpu_mask",
        XEN_SYSCTL_TBUFOP_SET_EVT_MASK => "XEN_SYSCTL_TBUFOP_set_evt_mask",
        XEN_SYSCTL_TBUFOP_SET_SIZE => "XEN_SYSCTL_TBUFOP_set_size",
        XEN_SYSCTL_TBUFOP_ENABLE => "XEN_SYSCTL_TBUFOP_enable",
        XEN_SYSCTL_TBUFOP_DISABLE => "XEN_SYSCTL_TBUFOP_disable",
        _XEN_SYSCTL_PHYSCAP_HVM => "_XEN_SYSCTL_PHYSCAP_hvm",
        XEN_SYSCTL_PHYSCAP_HVM => "XEN_SYSCTL_PHYSCAP_hvm",
        _XEN_SYSCTL_PHYSCAP_PV => "_XEN_SYSCTL_PHYSCAP_pv",
        XEN_SYSCTL_PHYSCAP_PV => "XEN_SYSCTL_PHYSCAP_pv",
        _XEN_SYSCTL_PHYSCAP_DIRECTIO => "_XEN_SYSCTL_PHYSCAP_directio",
        XEN_SYSCTL_PHYSCAP_DIRECTIO => "XEN_SYSCTL_PHYSCAP_directio",
        _XEN_SYSCTL_PHYSCAP_HAP => "_XEN_SYSCTL_PHYSCAP_hap",
        XEN_SYSCTL_PHYSCAP_HAP => "XEN_SYSCTL_PHYSCAP_hap",
        _XEN_SYSCTL_PHYSCAP_SHADOW => "_XEN_SYSCTL_PHYSCAP_shadow",
        XEN_SYSCTL_PHYSCAP_SHADOW => "XEN_SYSCTL_PHYSCAP_shadow",
        _XEN_SYSCTL_PHYSCAP_IOMMU_HAP_PT_SHARE => "_XEN_SYSCTL_PHYSCAP_iommu_hap_pt_share",
        XEN_SYSCTL_PHYSCAP_IOMMU_HAP_PT_SHARE => "XEN_SYSCTL_PHYSCAP_iommu_hap_pt_share",
        XEN_SYSCTL_PHYSCAP_VMTRACE => "XEN_SYSCTL_PHYSCAP_vmtrace",
        XEN_SYSCTL_PHYSCAP_VPMU => "XEN_SYSCTL_PHYSCAP_vpmu",
        XEN_SYSCTL_PHYSCAP_GNTTAB_V1 => "XEN_SYSCTL_PHYSCAP_gnttab_v1",
        XEN_SYSCTL_PHYSCAP_GNTTAB_V2 => "XEN_SYSCTL_PHYSCAP_gnttab_v2",
        XEN_SYSCTL_PHYSCAP_MAX => "XEN_SYSCTL_PHYSCAP_MAX",
        PhyscapFlags::all().bits() => "((XEN_SYSCTL_PHYSCAP_MAX << 1) - 1)",
        XEN_SYSCTL_CPU_HOTPLUG_ONLINE => "XEN_SYSCTL_CPU_HOTPLUG_ONLINE",
        XEN_SYSCTL_CPU_HOTPLUG_OFFLINE => "XEN_SYSCTL_CPU_HOTPLUG_OFFLINE",
        XEN_SYSCTL_CPU_HOTPLUG_SMT_ENABLE => "XEN_SYSCTL_CPU_HOTPLUG_SMT_ENABLE",
        XEN_SYSCTL_CPU_HOTPLUG_SMT_DISABLE => "XEN_SYSCTL_CPU_HOTPLUG_SMT_DISABLE",
        XEN_SYSCTL_CPUPOOL_OP_CREATE => "XEN_SYSCTL_CPUPOOL_OP_CREATE",
        XEN_SYSCTL_CPUPOOL_OP_DESTROY => "XEN_SYSCTL_CPUPOOL_OP_DESTROY",
        XEN_SYSCTL_CPUPOOL_OP_INFO => "XEN_SYSCTL_CPUPOOL_OP_INFO",
        XEN_SYSCTL_CPUPOOL_OP_ADDCPU => "XEN_SYSCTL_CPUPOOL_OP_ADDCPU",
        XEN_SYSCTL_CPUPOOL_OP_RMCPU => "XEN_SYSCTL_CPUPOOL_OP_RMCPU",
        XEN_SYSCTL_CPUPOOL_OP_MOVEDOMAIN => "XEN_SYSCTL_CPUPOOL_OP_MOVEDOMAIN",
        XEN_SYSCTL_CPUPOOL_OP_FREEINFO => "XEN_SYSCTL_CPUPOOL_OP_FREEINFO",
        XEN_SYSCTL_CPUPOOL_PAR_ANY => "XEN_SYSCTL_CPUPOOL_PAR_ANY",
        XEN_SYSCTL_SCHED_RATELIMIT_MAX => "XEN_SYSCTL_SCHED_RATELIMIT_MAX",
        XEN_SYSCTL_SCHED_RATELIMIT_MIN => "XEN_SYSCTL_SCHED_RATELIMIT_MIN",
        XEN_SYSCTL_CSCHED_TSLICE_MAX => "XEN_SYSCTL_CSCHED_TSLICE_MAX",
        XEN_SYSCTL_CSCHED_TSLICE_MIN => "XEN_SYSCTL_CSCHED_TSLICE_MIN",
        XEN_SYSCTL_CSCHED_MGR_DLY_MAX_US => "XEN_SYSCTL_CSCHED_MGR_DLY_MAX_US",
        ARINC653_MAX_DOMAINS_PER_SCHEDULE => "ARINC653_MAX_DOMAINS_PER_SCHEDULE",
        XEN_SYSCTL_SCHEDOP_PUTINFO => "XEN_SYSCTL_SCHEDOP_putinfo",
        XEN_SYSCTL_SCHEDOP_GETINFO => "XEN_SYSCTL_SCHEDOP_getinfo",
    );
}

fn linux_devices(check: &mut Check) {
    use xen_abi::sys::*;

    c_struct!(check, IoctlEvtchnBindVirq, "struct ioctl_evtchn_bind_virq" { virq = "virq" });
    c_struct!(check, IoctlEvtchnBindInterdomain, "struct ioctl_evtchn_bind_interdomain" {
        remote_domain = "remote_domain", remote_port = "remote_port",
    });
    c_struct!(check, IoctlEvtchnBindUnboundPort, "struct ioctl_evtchn_bind_unbound_port" {
        remote_domain = "remote_domain",
    });
    c_struct!(check, IoctlEvtchnUnbind, "struct ioctl_evtchn_unbind" { port = "port" });
    c_struct!(check, IoctlEvtchnNotify, "struct ioctl_evtchn_notify" { port = "port" });
    c_struct!(check, IoctlEvtchnRestrictDomid, "struct ioctl_evtchn_restrict_domid" { domid = "domid" });
    c_struct!(check, IoctlGntdevGrantRef, "struct ioctl_gntdev_grant_ref" { domid = "domid", gref = "ref" });
    c_struct!(check, IoctlGntdevMapGrantRef, "struct ioctl_gntdev_map_grant_ref" {
        count = "count", pad = "pad", index = "index", refs = "refs",
    });
    c_struct!(check, IoctlGntdevUnmapGrantRef, "struct ioctl_gntdev_unmap_grant_ref" {
        index = "index", count = "count", pad = "pad",
    });
    c_struct!(check, IoctlGntdevSetMaxGrants, "struct ioctl_gntdev_set_max_grants" { count = "count" });
    c_struct!(check, PrivcmdHypercall, "privcmd_hypercall_t" { op = "op", arg = "arg" });
    c_struct!(check, PrivcmdMmapBatchV2, "privcmd_mmapbatch_v2_t" {
        num = "num", dom = "dom", addr = "addr", arr = "arr", err = "err",
    });
    c_const!(check,
        IOCTL_EVTCHN_BIND_VIRQ => "IOCTL_EVTCHN_BIND_VIRQ",
        IOCTL_EVTCHN_BIND_INTERDOMAIN => "IOCTL_EVTCHN_BIND_INTERDOMAIN",
        IOCTL_EVTCHN_BIND_UNBOUND_PORT => "IOCTL_EVTCHN_BIND_UNBOUND_PORT",
        IOCTL_EVTCHN_UNBIND => "IOCTL_EVTCHN_UNBIND",
        IOCTL_EVTCHN_NOTIFY => "IOCTL_EVTCHN_NOTIFY",
        IOCTL_EVTCHN_RESET => "IOCTL_EVTCHN_RESET",
        IOCTL_EVTCHN_RESTRICT_DOMID => "IOCTL_EVTCHN_RESTRICT_DOMID",
        IOCTL_GNTDEV_MAP_GRANT_REF => "IOCTL_GNTDEV_MAP_GRANT_REF",
        IOCTL_GNTDEV_UNMAP_GRANT_REF => "IOCTL_GNTDEV_UNMAP_GRANT_REF",
        IOCTL_GNTDEV_SET_MAX_GRANTS => "IOCTL_GNTDEV_SET_MAX_GRANTS",
        IOCTL_PRIVCMD_HYPERCALL => "IOCTL_PRIVCMD_HYPERCALL",
        IOCTL_PRIVCMD_MMAPBATCH_V2 => "IOCTL_PRIVCMD_MMAPBATCH_V2",
        IOCTL_PRIVCMD_RESTRICT => "IOCTL_PRIVCMD_RESTRICT",
    );
}
