//! Hypercalls from a PVH guest: `VMMCALL` (AMD) or `VMCALL` (Intel) with
//! the number in `rax` and arguments in `rdi`, `rsi`, `rdx`, `r10`, `r8`;
//! the result comes back in `rax` (negative errno on failure).

use xen_abi::xen::hypercall::{
    __HYPERVISOR_CONSOLE_IO, __HYPERVISOR_SCHED_OP, __HYPERVISOR_XEN_VERSION,
};

/// Which instruction reaches the hypervisor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mechanism {
    /// AMD `VMMCALL`.
    Vmmcall,
    /// Intel `VMCALL`.
    Vmcall,
}

/// Issues hypercall `nr` with up to five arguments.
///
/// # Safety
/// The arguments must be valid for `nr` (guest pointers to live buffers
/// of the right types); the hypervisor may write through them.
#[inline]
pub unsafe fn hypercall(m: Mechanism, nr: u32, a: [u64; 5]) -> i64 {
    let ret: i64;
    match m {
        // SAFETY: the caller vouches for the arguments; the instruction
        // traps to the hypervisor, which returns in rax.
        Mechanism::Vmmcall => unsafe {
            core::arch::asm!(
                "vmmcall",
                inlateout("rax") u64::from(nr) => ret,
                in("rdi") a[0], in("rsi") a[1], in("rdx") a[2], in("r10") a[3], in("r8") a[4],
                options(nostack)
            )
        },
        // SAFETY: as above.
        Mechanism::Vmcall => unsafe {
            core::arch::asm!(
                "vmcall",
                inlateout("rax") u64::from(nr) => ret,
                in("rdi") a[0], in("rsi") a[1], in("rdx") a[2], in("r10") a[3], in("r8") a[4],
                options(nostack)
            )
        },
    }
    ret
}

/// 0: not probed yet, 1: `VMMCALL`, 2: `VMCALL`.
static MECHANISM: core::sync::atomic::AtomicU8 = core::sync::atomic::AtomicU8::new(0);

/// The mechanism for this CPU (AMD and Hygon → `VMMCALL`), probed with
/// CPUID once (CPUID itself exits to the hypervisor).
pub fn mechanism() -> Mechanism {
    use core::sync::atomic::Ordering;
    match MECHANISM.load(Ordering::Relaxed) {
        1 => return Mechanism::Vmmcall,
        2 => return Mechanism::Vmcall,
        _ => {}
    }
    let v = core::arch::x86_64::__cpuid(0);
    let m = if v.ebx == u32::from_le_bytes(*b"Auth") || v.ebx == u32::from_le_bytes(*b"Hygo") {
        Mechanism::Vmmcall
    } else {
        Mechanism::Vmcall
    };
    let code = if m == Mechanism::Vmmcall { 1 } else { 2 };
    MECHANISM.store(code, Ordering::Relaxed);
    m
}

/// `console_io(CONSOLEIO_write, len, buf)`.
pub fn console_write(bytes: &[u8]) -> i64 {
    // SAFETY: the buffer is live and readable for `len` bytes.
    unsafe {
        hypercall(
            mechanism(),
            __HYPERVISOR_CONSOLE_IO,
            [
                u64::from(xen_abi::xen::CONSOLEIO_WRITE),
                bytes.len() as u64,
                bytes.as_ptr() as u64,
                0,
                0,
            ],
        )
    }
}

/// `xen_version(XENVER_version)`: `major << 16 | minor`.
pub fn xen_version() -> i64 {
    // SAFETY: XENVER_version takes no buffer.
    unsafe {
        hypercall(
            mechanism(),
            __HYPERVISOR_XEN_VERSION,
            [u64::from(xen_abi::version::XENVER_VERSION), 0, 0, 0, 0],
        )
    }
}

/// `sched_op(SCHEDOP_shutdown, {reason})`; returns only on failure.
pub fn shutdown(reason: u32) -> i64 {
    let arg = xen_abi::sched::SchedShutdown { reason };
    // SAFETY: `arg` lives across the call.
    unsafe {
        hypercall(
            mechanism(),
            __HYPERVISOR_SCHED_OP,
            [
                u64::from(xen_abi::sched::SCHEDOP_SHUTDOWN),
                &arg as *const _ as u64,
                0,
                0,
                0,
            ],
        )
    }
}

/// Xen's hypercall-page MSR (from CPUID leaf 0x40000002's EBX on Xen).
pub const MSR_HYPERCALL_PAGE: u32 = 0x4000_0000;

/// A page-aligned, executable page for the hypervisor's hypercall stubs.
#[repr(C, align(4096))]
pub struct HypercallPage(pub [u8; 4096]);

/// Asks the hypervisor to fill `page` (identity-mapped: its address is its
/// guest-physical address) with hypercall stubs.
///
/// # Safety
/// `page` must be identity-mapped and executable, and not otherwise used.
pub unsafe fn install_page(page: &mut HypercallPage) {
    let pa = page as *mut HypercallPage as u64;
    // SAFETY: WRMSR to the hypercall MSR only makes the hypervisor write
    // the page the caller handed over.
    unsafe {
        core::arch::asm!(
            "wrmsr",
            in("ecx") MSR_HYPERCALL_PAGE,
            in("eax") pa as u32,
            in("edx") (pa >> 32) as u32,
            options(nostack)
        )
    };
}

/// Issues hypercall `nr` through an installed hypercall page (entry `nr`
/// at offset `32 * nr`).
///
/// # Safety
/// As [`hypercall`], and `page` must have been filled by
/// [`install_page`].
pub unsafe fn hypercall_via_page(page: &HypercallPage, nr: u32, a: [u64; 5]) -> i64 {
    let entry = page.0.as_ptr() as u64 + 32 * u64::from(nr);
    let ret: i64;
    // SAFETY: the stub at `entry` loads `nr` into eax, traps to the
    // hypervisor and returns; the caller vouches for the arguments.
    unsafe {
        core::arch::asm!(
            "call {entry}",
            entry = in(reg) entry,
            lateout("rax") ret,
            in("rdi") a[0], in("rsi") a[1], in("rdx") a[2], in("r10") a[3], in("r8") a[4],
            clobber_abi("C"),
        )
    };
    ret
}
