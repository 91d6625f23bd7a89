//! C cross-check entries for `xen_abi::elfnote` (`elfnote.h`).

use crate::harness::Check;

pub fn register(check: &mut Check) {
    c_const!(check,
        xen_abi::elfnote::XEN_ELFNOTE_INFO => "XEN_ELFNOTE_INFO",
        xen_abi::elfnote::XEN_ELFNOTE_ENTRY => "XEN_ELFNOTE_ENTRY",
        xen_abi::elfnote::XEN_ELFNOTE_HYPERCALL_PAGE => "XEN_ELFNOTE_HYPERCALL_PAGE",
        xen_abi::elfnote::XEN_ELFNOTE_VIRT_BASE => "XEN_ELFNOTE_VIRT_BASE",
        xen_abi::elfnote::XEN_ELFNOTE_PADDR_OFFSET => "XEN_ELFNOTE_PADDR_OFFSET",
        xen_abi::elfnote::XEN_ELFNOTE_XEN_VERSION => "XEN_ELFNOTE_XEN_VERSION",
        xen_abi::elfnote::XEN_ELFNOTE_GUEST_OS => "XEN_ELFNOTE_GUEST_OS",
        xen_abi::elfnote::XEN_ELFNOTE_GUEST_VERSION => "XEN_ELFNOTE_GUEST_VERSION",
        xen_abi::elfnote::XEN_ELFNOTE_LOADER => "XEN_ELFNOTE_LOADER",
        xen_abi::elfnote::XEN_ELFNOTE_PAE_MODE => "XEN_ELFNOTE_PAE_MODE",
        xen_abi::elfnote::XEN_ELFNOTE_FEATURES => "XEN_ELFNOTE_FEATURES",
        xen_abi::elfnote::XEN_ELFNOTE_BSD_SYMTAB => "XEN_ELFNOTE_BSD_SYMTAB",
        xen_abi::elfnote::XEN_ELFNOTE_HV_START_LOW => "XEN_ELFNOTE_HV_START_LOW",
        xen_abi::elfnote::XEN_ELFNOTE_L1_MFN_VALID => "XEN_ELFNOTE_L1_MFN_VALID",
        xen_abi::elfnote::XEN_ELFNOTE_SUSPEND_CANCEL => "XEN_ELFNOTE_SUSPEND_CANCEL",
        xen_abi::elfnote::XEN_ELFNOTE_INIT_P2M => "XEN_ELFNOTE_INIT_P2M",
        xen_abi::elfnote::XEN_ELFNOTE_MOD_START_PFN => "XEN_ELFNOTE_MOD_START_PFN",
        xen_abi::elfnote::XEN_ELFNOTE_SUPPORTED_FEATURES => "XEN_ELFNOTE_SUPPORTED_FEATURES",
        xen_abi::elfnote::XEN_ELFNOTE_PHYS32_ENTRY => "XEN_ELFNOTE_PHYS32_ENTRY",
        xen_abi::elfnote::XEN_ELFNOTE_MAX => "XEN_ELFNOTE_MAX",
        xen_abi::elfnote::XEN_ELFNOTE_CRASH_INFO => "XEN_ELFNOTE_CRASH_INFO",
        xen_abi::elfnote::XEN_ELFNOTE_CRASH_REGS => "XEN_ELFNOTE_CRASH_REGS",
        xen_abi::elfnote::XEN_ELFNOTE_DUMPCORE_NONE => "XEN_ELFNOTE_DUMPCORE_NONE",
        xen_abi::elfnote::XEN_ELFNOTE_DUMPCORE_HEADER => "XEN_ELFNOTE_DUMPCORE_HEADER",
        xen_abi::elfnote::XEN_ELFNOTE_DUMPCORE_XEN_VERSION => "XEN_ELFNOTE_DUMPCORE_XEN_VERSION",
        xen_abi::elfnote::XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION => "XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION",
    );
}
