//! The boot CPU's GDT, TSS and IDT, and the exception entry stubs.
//!
//! Every exception vector (0–31) enters a small assembly stub that pushes
//! a uniform frame (error code or 0, vector, general registers) and calls
//! `xen_x86_trap`, which reports the trap the way Xen's `FATAL TRAP`
//! does and hands over to the hook set with [`set_hook`] (the panic path): an exception in the hypervisor
//! itself is fatal. Double faults, NMIs and machine checks run on their
//! own IST stacks so a corrupt stack still produces a report.

use x86_64::instructions::tables::load_tss;
use x86_64::registers::segmentation::{Segment, CS, DS, ES, SS};
use x86_64::structures::gdt::{Descriptor, GlobalDescriptorTable, SegmentSelector};
use x86_64::structures::tss::TaskStateSegment;
use x86_64::structures::DescriptorTablePointer;
use x86_64::VirtAddr;

/// The register frame the stubs build (lowest address first).
#[repr(C)]
#[derive(Debug)]
pub struct TrapFrame {
    /// General registers as pushed by the stub.
    pub r15: u64,
    /// r14
    pub r14: u64,
    /// r13
    pub r13: u64,
    /// r12
    pub r12: u64,
    /// r11
    pub r11: u64,
    /// r10
    pub r10: u64,
    /// r9
    pub r9: u64,
    /// r8
    pub r8: u64,
    /// rbp
    pub rbp: u64,
    /// rdi
    pub rdi: u64,
    /// rsi
    pub rsi: u64,
    /// rdx
    pub rdx: u64,
    /// rcx
    pub rcx: u64,
    /// rbx
    pub rbx: u64,
    /// rax
    pub rax: u64,
    /// Vector number.
    pub vector: u64,
    /// Error code (0 when the CPU pushes none).
    pub error_code: u64,
    /// Interrupted RIP.
    pub rip: u64,
    /// Interrupted CS.
    pub cs: u64,
    /// Interrupted RFLAGS.
    pub rflags: u64,
    /// Interrupted RSP.
    pub rsp: u64,
    /// Interrupted SS.
    pub ss: u64,
}

/// Xen's names for the exception vectors.
pub const EXCEPTION_NAMES: [&str; 32] = [
    "divide error",
    "debug",
    "nmi",
    "int3",
    "overflow",
    "bounds",
    "invalid opcode",
    "device not available",
    "double fault",
    "coprocessor segment overrun",
    "invalid TSS",
    "segment not found",
    "stack error",
    "general protection fault",
    "page fault",
    "spurious interrupt",
    "coprocessor error",
    "alignment check",
    "machine check",
    "simd error",
    "virtualisation exception",
    "control protection",
    "reserved",
    "reserved",
    "reserved",
    "reserved",
    "reserved",
    "reserved",
    "hypervisor injection",
    "vmm communication",
    "security exception",
    "reserved",
];

/// Vectors for which the CPU pushes an error code.
pub const fn has_error_code(vector: u8) -> bool {
    matches!(vector, 8 | 10..=14 | 17 | 21 | 29 | 30)
}

const IST_DOUBLE_FAULT: u16 = 0;
const IST_NMI: u16 = 1;
const IST_MCE: u16 = 2;
const IST_SIZE: usize = 16 * 1024;

/// Most CPUs with their own GDT and TSS.
pub const MAX_CPUS: usize = 8;

/// Vector of the local APIC timer.
pub const VECTOR_TIMER: u8 = 0xf0;
/// Vector of the "check your work" IPI between CPUs.
pub const VECTOR_IPI: u8 = 0xfe;
/// The local APIC's spurious vector.
pub const VECTOR_SPURIOUS: u8 = 0xff;

static IST_STACKS: spin::Mutex<[[[u8; IST_SIZE]; 3]; MAX_CPUS]> =
    spin::Mutex::new([[[0; IST_SIZE]; 3]; MAX_CPUS]);
static TSS: [spin::Once<TaskStateSegment>; MAX_CPUS] = [const { spin::Once::new() }; MAX_CPUS];
static GDT: [spin::Once<(GlobalDescriptorTable, [SegmentSelector; 3])>; MAX_CPUS] =
    [const { spin::Once::new() }; MAX_CPUS];
static IDT: spin::Once<[Gate; 256]> = spin::Once::new();

/// Installs the GDT (with TSS and IST stacks) and IDT on the boot CPU.
pub fn init_bsp() {
    init_cpu(0);
}

/// Installs CPU `cpu`'s GDT and TSS and the shared IDT on the calling CPU.
///
/// # Panics
/// If `cpu >= MAX_CPUS`.
pub fn init_cpu(cpu: usize) {
    let tss = TSS[cpu].call_once(|| {
        let stacks = IST_STACKS.lock();
        let mut tss = TaskStateSegment::new();
        for (i, s) in stacks[cpu].iter().enumerate() {
            let top = VirtAddr::from_ptr(s.as_ptr()) + IST_SIZE as u64;
            tss.interrupt_stack_table[i] = top;
        }
        tss
    });
    let (gdt, sel) = GDT[cpu].call_once(|| {
        let mut gdt = GlobalDescriptorTable::new();
        let code = gdt.append(Descriptor::kernel_code_segment());
        let data = gdt.append(Descriptor::kernel_data_segment());
        let tss_sel = gdt.append(Descriptor::tss_segment(tss));
        (gdt, [code, data, tss_sel])
    });
    gdt.load();
    // SAFETY: the selectors come from the GDT just loaded.
    unsafe {
        CS::set_reg(sel[0]);
        DS::set_reg(sel[1]);
        ES::set_reg(sel[1]);
        SS::set_reg(sel[1]);
        load_tss(sel[2]);
    }
    let idt = IDT.call_once(|| {
        let mut idt = [Gate::MISSING; 256];
        for (v, &addr) in stub_table().iter().enumerate() {
            let ist = match v {
                8 => IST_DOUBLE_FAULT + 1,
                2 => IST_NMI + 1,
                18 => IST_MCE + 1,
                _ => 0,
            };
            idt[v] = Gate::interrupt(addr, sel[0].0, ist as u8);
        }
        for (&v, &addr) in IRQ_VECTORS.iter().zip(irq_stub_table().iter()) {
            idt[usize::from(v)] = Gate::interrupt(addr, sel[0].0, 0);
        }
        idt
    });
    let ptr = DescriptorTablePointer {
        limit: (core::mem::size_of_val(idt) - 1) as u16,
        base: VirtAddr::from_ptr(idt.as_ptr()),
    };
    // SAFETY: the IDT is a static that lives forever and every present
    // gate points at an entry stub.
    unsafe { x86_64::instructions::tables::lidt(&ptr) };
}

/// The interrupt vectors with handlers (in the order of the stub table).
pub const IRQ_VECTORS: [u8; 3] = [VECTOR_TIMER, VECTOR_IPI, VECTOR_SPURIOUS];

/// What runs for a hardware interrupt (set by the binary). Runs with
/// interrupts off; it must acknowledge the APIC itself.
pub type IrqHook = fn(u8);

static IRQ_HOOK: spin::Once<IrqHook> = spin::Once::new();

/// Sets the interrupt handler.
pub fn set_irq_hook(h: IrqHook) {
    IRQ_HOOK.call_once(|| h);
}

#[no_mangle]
extern "C" fn xen_x86_irq(vector: u64) {
    if let Some(h) = IRQ_HOOK.get() {
        h(vector as u8);
    }
}

#[cfg(target_os = "none")]
fn irq_stub_table() -> [u64; 3] {
    extern "C" {
        static xen_x86_irq_stubs: [u64; 3];
    }
    // SAFETY: immutable data emitted by the assembly below.
    unsafe { xen_x86_irq_stubs }
}

#[cfg(not(target_os = "none"))]
fn irq_stub_table() -> [u64; 3] {
    [0; 3]
}

/// One 16-byte interrupt gate descriptor.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
struct Gate {
    offset_low: u16,
    selector: u16,
    ist: u8,
    attributes: u8,
    offset_mid: u16,
    offset_high: u32,
    reserved: u32,
}

impl Gate {
    const MISSING: Gate = Gate {
        offset_low: 0,
        selector: 0,
        ist: 0,
        attributes: 0,
        offset_mid: 0,
        offset_high: 0,
        reserved: 0,
    };

    /// A present, DPL-0 interrupt gate (interrupts off on entry).
    fn interrupt(addr: u64, selector: u16, ist: u8) -> Gate {
        Gate {
            offset_low: addr as u16,
            selector,
            ist: ist & 7,
            attributes: 0x8e,
            offset_mid: (addr >> 16) as u16,
            offset_high: (addr >> 32) as u32,
            reserved: 0,
        }
    }
}

#[cfg(target_os = "none")]
fn stub_table() -> [u64; 32] {
    extern "C" {
        static xen_x86_trap_stubs: [u64; 32];
    }
    // SAFETY: the table is immutable data emitted by the assembly below.
    unsafe { xen_x86_trap_stubs }
}

#[cfg(not(target_os = "none"))]
fn stub_table() -> [u64; 32] {
    [0; 32]
}

/// What the hypervisor does with a trap report (set by the binary: print
/// and panic, or hand a guest-caused fault elsewhere later).
pub type TrapHook = fn(&TrapFrame) -> !;

static HOOK: spin::Once<TrapHook> = spin::Once::new();

/// Sets the handler called for every exception.
pub fn set_hook(h: TrapHook) {
    HOOK.call_once(|| h);
}

/// Called by the stubs with the frame they built.
#[no_mangle]
extern "C" fn xen_x86_trap(frame: &TrapFrame) -> ! {
    match HOOK.get() {
        Some(h) => h(frame),
        None => loop {
            x86_64::instructions::interrupts::disable();
            x86_64::instructions::hlt();
        },
    }
}

#[cfg(target_os = "none")]
core::arch::global_asm!(
    r#"
    .macro XEN_TRAP_STUB v
    .balign 16
xen_x86_trap_stub_\v:
    .if (\v == 8) || (\v >= 10 && \v <= 14) || (\v == 17) || (\v == 21) || (\v == 29) || (\v == 30)
    .else
    push 0
    .endif
    push \v
    jmp xen_x86_trap_common
    .endm

    .section .text
    .irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    XEN_TRAP_STUB \v
    .endr

xen_x86_trap_common:
    push rax
    push rbx
    push rcx
    push rdx
    push rsi
    push rdi
    push rbp
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15
    mov rdi, rsp
    and rsp, -16
    call xen_x86_trap
    ud2

    .macro XEN_IRQ_STUB v
    .balign 16
xen_x86_irq_stub_\v:
    push rax
    push rcx
    push rdx
    push rsi
    push rdi
    push r8
    push r9
    push r10
    push r11
    mov edi, \v
    call xen_x86_irq
    pop r11
    pop r10
    pop r9
    pop r8
    pop rdi
    pop rsi
    pop rdx
    pop rcx
    pop rax
    iretq
    .endm

    .section .text
    XEN_IRQ_STUB 0xf0
    XEN_IRQ_STUB 0xfe
    XEN_IRQ_STUB 0xff

    .section .rodata
    .balign 8
    .global xen_x86_irq_stubs
xen_x86_irq_stubs:
    .quad xen_x86_irq_stub_0xf0
    .quad xen_x86_irq_stub_0xfe
    .quad xen_x86_irq_stub_0xff

    .balign 8
    .global xen_x86_trap_stubs
xen_x86_trap_stubs:
    .irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .quad xen_x86_trap_stub_\v
    .endr
    "#
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_code_vectors_match_the_architecture() {
        let with: std::vec::Vec<u8> = (0..32).filter(|&v| has_error_code(v)).collect();
        assert_eq!(with, [8, 10, 11, 12, 13, 14, 17, 21, 29, 30]);
        assert_eq!(core::mem::size_of::<TrapFrame>(), 22 * 8);
        assert_eq!(EXCEPTION_NAMES[14], "page fault");
        let g = Gate::interrupt(0x1234_5678_9abc_def0, 8, 9);
        assert_eq!(core::mem::size_of::<Gate>(), 16);
        assert_eq!(
            (
                g.offset_low,
                g.offset_mid,
                g.offset_high,
                g.ist,
                g.attributes
            ),
            (0xdef0, 0x9abc, 0x1234_5678, 1, 0x8e)
        );
    }
}
