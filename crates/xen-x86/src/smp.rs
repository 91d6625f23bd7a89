//! Bringing up the application processors.
//!
//! A real-mode trampoline is copied to [`TRAMPOLINE`] (below 1 MiB, as
//! STARTUP IPIs require); each AP runs it from 16-bit real mode through
//! 32-bit protected mode into long mode on the boot CPU's page tables,
//! then calls `ap_main` (then the hook set with [`set_ap_hook`]) on its own stack with its CPU index. The boot
//! CPU starts one AP at a time (INIT, STARTUP, STARTUP) and waits for it
//! to check in before the next, as Xen does.

use core::sync::atomic::{AtomicUsize, Ordering};

#[cfg(target_os = "none")]
use crate::lapic::Lapic;

/// Physical address of the trampoline page (STARTUP vector 0x08).
pub const TRAMPOLINE: u64 = 0x8000;
#[cfg_attr(not(target_os = "none"), allow(dead_code))]
mod data {
    /// Offsets of the trampoline's parameter block (the assembly reads them
    /// at 0x8f00.. and its GDT sits at 0x8e00, its 32- and 64-bit code at
    /// 0x8100 and 0x8200: `.org` keeps those offsets fixed).
    pub const DATA_CR3: u64 = 0xf00;
    pub const DATA_STACK: u64 = 0xf08;
    pub const DATA_ENTRY: u64 = 0xf10;
    pub const DATA_ARG: u64 = 0xf18;
}
#[cfg(target_os = "none")]
use data::*;

/// CPUs online (the boot CPU counts).
pub static ONLINE: AtomicUsize = AtomicUsize::new(1);

/// What an AP runs once its descriptor tables are loaded.
pub type ApHook = fn(usize) -> !;

static AP_HOOK: spin::Once<ApHook> = spin::Once::new();

/// Sets the code APs run after bring-up.
pub fn set_ap_hook(h: ApHook) {
    AP_HOOK.call_once(|| h);
}

#[cfg(target_os = "none")]
core::arch::global_asm!(
    r#"
    .section .rodata.trampoline, "a"
    .balign 16
    .global xen_x86_trampoline_start
    .global xen_x86_trampoline_end
xen_x86_trampoline_start:
    .code16
    cli
    xor ax, ax
    mov ds, ax
    lgdt [0x8e20]
    mov eax, cr0
    or eax, 1
    mov cr0, eax
    .byte 0x66, 0xea
    .long 0x8100
    .short 0x08
    .code32
    .org 0x100
xen_tramp_pm:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov eax, cr4
    or eax, 0x20
    mov cr4, eax
    mov eax, [0x8f00]
    mov cr3, eax
    mov ecx, 0xc0000080
    rdmsr
    or eax, 0x100
    wrmsr
    mov eax, cr0
    or eax, 0x80000000
    mov cr0, eax
    .byte 0xea
    .long 0x8200
    .short 0x18
    .code64
    .org 0x200
xen_tramp_lm:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov rsp, [0x8f08]
    mov rdi, [0x8f18]
    mov rax, [0x8f10]
    call rax
2:
    cli
    hlt
    jmp 2b
    .org 0xe00
xen_tramp_gdt:
    .quad 0
    .quad 0x00cf9a000000ffff
    .quad 0x00cf92000000ffff
    .quad 0x00af9a000000ffff
    .org 0xe20
xen_tramp_gdtr:
    .short 31
    .long 0x8e00
    .org 0xf00
xen_x86_trampoline_end:
    .code64
    "#
);

/// The AP's first Rust code.
#[cfg_attr(not(target_os = "none"), allow(dead_code))]
extern "C" fn ap_main(cpu: u64) -> ! {
    let cpu = cpu as usize;
    crate::trap::init_cpu(cpu);
    ONLINE.fetch_add(1, Ordering::AcqRel);
    match AP_HOOK.get() {
        Some(h) => h(cpu),
        None => crate::power::halt(),
    }
}

/// Starts the APs with the given APIC ids (the boot CPU's own id is
/// skipped), at most `max` CPUs in all. `stack_for(cpu)` returns the top
/// of a fresh stack for CPU index `cpu`. Returns the number of CPUs online.
///
/// # Safety
/// The trampoline page and the low 1 MiB must be identity-mapped and not
/// in use; the boot CPU's page tables (CR3) must map the hypervisor for
/// every CPU.
#[cfg(target_os = "none")]
pub unsafe fn start_aps(
    lapic: &Lapic,
    apic_ids: &[u8],
    max: usize,
    tsc_hz: u64,
    mut stack_for: impl FnMut(usize) -> Option<u64>,
) -> usize {
    extern "C" {
        static xen_x86_trampoline_start: u8;
        static xen_x86_trampoline_end: u8;
    }
    let start = core::ptr::addr_of!(xen_x86_trampoline_start);
    let len = core::ptr::addr_of!(xen_x86_trampoline_end) as usize - start as usize;
    // SAFETY: the trampoline page is free low memory (caller's contract)
    // and the source is the assembled trampoline in .rodata.
    unsafe { core::ptr::copy_nonoverlapping(start, TRAMPOLINE as *mut u8, len) };
    let put = |off: u64, v: u64| {
        // SAFETY: the parameter block lies inside the trampoline page.
        unsafe { core::ptr::write_volatile((TRAMPOLINE + off) as *mut u64, v) }
    };
    let (cr3, _) = x86_64::registers::control::Cr3::read_raw();
    put(DATA_CR3, cr3.start_address().as_u64());
    put(DATA_ENTRY, ap_main as *const () as u64);
    let me = lapic.id();
    for (cpu, &id) in (1..).zip(apic_ids.iter().filter(|&&id| id != me)) {
        if cpu >= max.min(crate::trap::MAX_CPUS) {
            break;
        }
        let Some(stack) = stack_for(cpu) else { break };
        put(DATA_STACK, stack);
        put(DATA_ARG, cpu as u64);
        let before = ONLINE.load(Ordering::Acquire);
        lapic.start_ap(id, (TRAMPOLINE >> 12) as u8, |us| {
            crate::lapic::delay_us(us, tsc_hz)
        });
        // Wait up to a second for it to check in.
        let t0 = crate::lapic::rdtsc();
        while ONLINE.load(Ordering::Acquire) == before
            && crate::lapic::rdtsc().wrapping_sub(t0) < tsc_hz
        {
            core::hint::spin_loop();
        }
        if ONLINE.load(Ordering::Acquire) == before {
            crate::xlog!("CPU{cpu} (APIC id {id}) did not come up");
            break;
        }
    }
    ONLINE.load(Ordering::Acquire)
}
