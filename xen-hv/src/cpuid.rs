//! What guests see through CPUID: the host's leaves with virtualisation
//! features hidden and the hypervisor bit set, plus Xen's leaves at
//! 0x40000000 (signature `XenVMMXenVMM`, version, hypercall MSR).

use xen_abi::cpuid::XEN_CPUID_FIRST_LEAF;

/// Xen version reported in leaf 0x40000001 (4.17).
pub const XEN_VERSION: u32 = (4 << 16) | 17;
/// Highest Xen leaf offset (Xen 4.17 has leaves 1–5).
const XEN_LEAVES: u32 = 5;

/// Leaf `leaf`/`sub` as the guest sees it: `[eax, ebx, ecx, edx]`.
pub fn guest_cpuid(leaf: u32, sub: u32) -> [u32; 4] {
    if (XEN_CPUID_FIRST_LEAF..XEN_CPUID_FIRST_LEAF + 0x1_0000).contains(&leaf) {
        return xen_leaf(leaf - XEN_CPUID_FIRST_LEAF);
    }
    let r = core::arch::x86_64::__cpuid_count(leaf, sub);
    let mut v = [r.eax, r.ebx, r.ecx, r.edx];
    match leaf {
        1 => {
            v[2] |= 1 << 31; // hypervisor present
            v[2] &= !(1 << 3); // no MONITOR/MWAIT
            v[2] &= !(1 << 5); // no VMX
        }
        0x8000_0001 => v[2] &= !(1 << 2), // no SVM
        0x8000_000a => v = [0; 4],
        _ => {}
    }
    v
}

fn xen_leaf(i: u32) -> [u32; 4] {
    let sig = |s: &[u8; 4]| u32::from_le_bytes(*s);
    match i {
        0 => [
            XEN_CPUID_FIRST_LEAF + XEN_LEAVES,
            sig(b"XenV"),
            sig(b"MMXe"),
            sig(b"nVMM"),
        ],
        1 => [XEN_VERSION, 0, 0, 0],
        // One hypercall page, MSR base 0x40000000.
        2 => [1, crate::vm::MSR_HYPERCALL_PAGE, 0, 0],
        _ => [0; 4],
    }
}
