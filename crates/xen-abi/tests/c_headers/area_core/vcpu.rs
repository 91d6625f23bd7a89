//! C cross-check entries for `xen_abi::vcpu` (`vcpu.h`).

use crate::harness::Check;
use core::mem::offset_of;

pub fn register(check: &mut Check) {
    c_struct!(check, xen_abi::vcpu::VcpuRunstateInfo, "struct vcpu_runstate_info" { state = "state", state_entry_time = "state_entry_time", time = "time" });
    c_struct!(check, xen_abi::vcpu::VcpuRegisterRunstateMemoryArea, "struct vcpu_register_runstate_memory_area" { addr = "addr" });
    c_struct!(check, xen_abi::vcpu::VcpuSetPeriodicTimer, "struct vcpu_set_periodic_timer" { period_ns = "period_ns" });
    c_struct!(check, xen_abi::vcpu::VcpuSetSingleshotTimer, "struct vcpu_set_singleshot_timer" { timeout_abs_ns = "timeout_abs_ns", flags = "flags" });
    c_struct!(check, xen_abi::vcpu::VcpuRegisterVcpuInfo, "struct vcpu_register_vcpu_info" { mfn = "mfn", offset = "offset", rsvd = "rsvd" });
    c_struct!(check, xen_abi::vcpu::VcpuGetPhysid, "struct vcpu_get_physid" { phys_id = "phys_id" });
    c_struct!(check, xen_abi::vcpu::VcpuRegisterTimeMemoryArea, "struct vcpu_register_time_memory_area" { addr = "addr" });
    c_const!(check,
        xen_abi::vcpu::VCPUOP_INITIALISE => "VCPUOP_initialise",
        xen_abi::vcpu::VCPUOP_UP => "VCPUOP_up",
        xen_abi::vcpu::VCPUOP_DOWN => "VCPUOP_down",
        xen_abi::vcpu::VCPUOP_IS_UP => "VCPUOP_is_up",
        xen_abi::vcpu::VCPUOP_GET_RUNSTATE_INFO => "VCPUOP_get_runstate_info",
        xen_abi::vcpu::VCPUOP_REGISTER_RUNSTATE_MEMORY_AREA => "VCPUOP_register_runstate_memory_area",
        xen_abi::vcpu::VCPUOP_SET_PERIODIC_TIMER => "VCPUOP_set_periodic_timer",
        xen_abi::vcpu::VCPUOP_STOP_PERIODIC_TIMER => "VCPUOP_stop_periodic_timer",
        xen_abi::vcpu::VCPUOP_SET_SINGLESHOT_TIMER => "VCPUOP_set_singleshot_timer",
        xen_abi::vcpu::VCPUOP_STOP_SINGLESHOT_TIMER => "VCPUOP_stop_singleshot_timer",
        xen_abi::vcpu::VCPUOP_REGISTER_VCPU_INFO => "VCPUOP_register_vcpu_info",
        xen_abi::vcpu::VCPUOP_SEND_NMI => "VCPUOP_send_nmi",
        xen_abi::vcpu::VCPUOP_GET_PHYSID => "VCPUOP_get_physid",
        xen_abi::vcpu::VCPUOP_REGISTER_VCPU_TIME_MEMORY_AREA => "VCPUOP_register_vcpu_time_memory_area",
        (xen_abi::vcpu::XEN_RUNSTATE_UPDATE as i64) => "XEN_RUNSTATE_UPDATE",
        xen_abi::vcpu::RUNSTATE_RUNNING => "RUNSTATE_running",
        xen_abi::vcpu::RUNSTATE_RUNNABLE => "RUNSTATE_runnable",
        xen_abi::vcpu::RUNSTATE_BLOCKED => "RUNSTATE_blocked",
        xen_abi::vcpu::RUNSTATE_OFFLINE => "RUNSTATE_offline",
        xen_abi::vcpu::_VCPU_SSHOTTMR_FUTURE => "_VCPU_SSHOTTMR_future",
        xen_abi::vcpu::VCPU_SSHOTTMR_FUTURE => "VCPU_SSHOTTMR_future",
    );

    c_const!(check,
        xen_abi::vcpu::VcpuGetPhysid { phys_id: 0x7_0000_0003 }.x86_apicid() => "xen_vcpu_physid_to_x86_apicid(0x700000003ull)",
        xen_abi::vcpu::VcpuGetPhysid { phys_id: 0x7_0000_0003 }.x86_acpiid() => "xen_vcpu_physid_to_x86_acpiid(0x700000003ull)",
        offset_of!(xen_abi::vcpu::VcpuRegisterRunstateMemoryArea, addr) => "offsetof(struct vcpu_register_runstate_memory_area, addr.p)",
        offset_of!(xen_abi::vcpu::VcpuRegisterTimeMemoryArea, addr) => "offsetof(struct vcpu_register_time_memory_area, addr.p)",
    );
}
