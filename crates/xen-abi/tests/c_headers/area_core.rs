//! C cross-check entries for the core interface (xen.h, arch-x86, hvm,
//! sched, vcpu, memory, version, elfnote, cpuid, errno).

use crate::harness::Check;

mod arch_x86;
mod cpuid;
mod elfnote;
mod errno;
mod hvm;
mod memory;
mod sched;
mod vcpu;
mod version;
mod xen;

pub fn register(check: &mut Check) {
    c_struct!(check, xen_abi::DomId, "domid_t" {});
    c_struct!(check, xen_abi::GrantRef, "grant_ref_t" {});
    c_struct!(check, xen_abi::EvtchnPort, "evtchn_port_t" {});
    c_const!(check, xen_abi::DomId::SELF.0 => "DOMID_SELF", xen_abi::DomId::IO.0 => "DOMID_IO",
        xen_abi::DomId::XEN.0 => "DOMID_XEN", xen_abi::DomId::COW.0 => "DOMID_COW",
        xen_abi::DomId::INVALID.0 => "DOMID_INVALID", xen_abi::DomId::IDLE.0 => "DOMID_IDLE",
        xen_abi::DomId::FIRST_RESERVED.0 => "DOMID_FIRST_RESERVED", xen_abi::DomId::MASK => "DOMID_MASK");

    xen::register(check);
    arch_x86::register(check);
    errno::register(check);
    cpuid::register(check);
    elfnote::register(check);
    hvm::register(check);
    sched::register(check);
    vcpu::register(check);
    memory::register(check);
    version::register(check);
}
