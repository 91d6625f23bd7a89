//! Start of day on the bare machine: console, boot information, memory,
//! traps, ACPI, virtualisation support; then the boot domains.

use core::panic::PanicInfo;

use xen_x86::acpi::Platform;
use xen_x86::boot::{AcpiRoot, BootInfo, Protocol};
use xen_x86::cmdline::{Options, Warning};
use xen_x86::console::CONSOLE;
use xen_x86::lapic::Lapic;
use xen_x86::memmap::{FrameAllocator, RegionKind, FRAME_SIZE};
use xen_x86::serial::{Uart, COM1_BASE, COM2_BASE};
use xen_x86::trap::{TrapFrame, EXCEPTION_NAMES};
use xen_x86::{power, smp, trap, xlog};

use crate::hypercall::Action;
use crate::vm;

/// Version string printed at boot (the Xen release whose ABI we implement).
const XEN_VERSION: &str = "4.17.0-xen-rs";

static NOREBOOT: spin::Once<bool> = spin::Once::new();
static PLATFORM: spin::Once<Platform> = spin::Once::new();
static FRAMES: spin::Mutex<FrameAllocator> = spin::Mutex::new(FrameAllocator::new());
static LAPIC: spin::Once<Lapic> = spin::Once::new();
static TSC_HZ: spin::Once<u64> = spin::Once::new();

extern "C" {
    static __xen_start: u8;
    static __xen_end: u8;
}

/// Entered from `xen-x86`'s boot code in long mode on the boot stack.
#[no_mangle]
extern "C" fn xen_hv_start(kind: u32, info: u32) -> ! {
    // Early console with default settings until the command line is read.
    CONSOLE
        .lock()
        .attach(0, uart(COM1_BASE, &Default::default()));
    trap::set_hook(fatal_trap);
    trap::init_bsp();

    // SAFETY: `kind`/`info` are exactly what the loader passed; the boot
    // information is identity-mapped and reserved below before any
    // allocation.
    let boot = match unsafe { BootInfo::from_loader(kind, u64::from(info)) } {
        Ok(b) => b,
        Err(e) => panic!("unusable boot information: {e:?}"),
    };
    let opts = Options::parse(boot.cmdline);
    NOREBOOT.call_once(|| opts.noreboot);
    configure_console(&opts);

    banner(&boot, &opts);
    let ram = memory(&boot);
    xlog!("System RAM: {}MB ({}kB)", ram >> 20, ram >> 10);

    // SAFETY: firmware tables live in the identity-mapped low 4 GiB.
    let platform = unsafe {
        Platform::discover(match boot.acpi {
            AcpiRoot::Rsdp(a) => Some(a),
            AcpiRoot::Scan => None,
        })
    };
    let platform = PLATFORM.call_once(|| platform.unwrap_or_default());
    report_platform(platform);
    let lapic = bring_up_cpus(platform, &opts);
    LAPIC.call_once(|| lapic);
    report_svm();
    xlog!("Using scheduler: SMP Credit Scheduler (credit)");

    let mut modules = boot.modules().peekable();
    if modules.peek().is_none() {
        panic!("dom0 kernel not specified. Check bootloader configuration.");
    }
    for (i, m) in modules.enumerate() {
        xlog!(
            "Module {i}: [{:016x}, {:016x}) {}",
            m.start,
            m.end,
            m.cmdline
        );
    }
    // The firmware leaves the legacy PICs live; nothing here uses them
    // and a stray timer interrupt would keep interrupting guests.
    xen_x86::port::outb(0x21, 0xff);
    xen_x86::port::outb(0xa1, 0xff);

    xlog!("*** LOADING DOMAIN 0 ***");
    let Some(kernel) = boot.modules().next().copied() else {
        panic!("dom0 kernel not specified. Check bootloader configuration.");
    };
    let mem = opts.dom0_mem.amount.unwrap_or(DEFAULT_DOM0_MEM);
    // SAFETY: the module's bytes are identity-mapped and reserved in the
    // frame allocator, so nothing else writes them.
    let image = unsafe {
        core::slice::from_raw_parts(
            kernel.start as *const u8,
            (kernel.end - kernel.start) as usize,
        )
    };
    let mut alloc = FRAMES.lock();
    let mut frames = vm::Frames(&mut alloc);
    let t0 = xen_x86::lapic::rdtsc();
    let mut dom0 = match vm::BootDomain::build(&mut frames, 0, image, kernel.cmdline, mem) {
        Ok(d) => d,
        Err(e) => panic!("Could not set up DOM0 guest OS: {e}"),
    };
    let cycles = xen_x86::lapic::rdtsc().wrapping_sub(t0);
    let us = cycles * 1_000_000 / TSC_HZ.get().copied().unwrap_or(1).max(1);
    xlog!("Dom0 built in {cycles} cycles ({us} us)");
    xlog!(
        "Dom0 has maximum 1 VCPUs, {} MB of RAM",
        dom0.ram.size >> 20
    );
    xlog!("*** Serial input to DOM0 (type 'CTRL-a' three times to switch input)");
    match dom0.run(&mut frames) {
        Action::PowerOff => {
            xlog!("Hardware Dom0 halted: halting machine");
            shutdown_machine()
        }
        Action::Reboot => {
            xlog!("Hardware Dom0 shutdown: rebooting machine");
            power::reboot(PLATFORM.get());
            power::halt()
        }
        Action::Crash | Action::Continue => {
            if NOREBOOT.get().copied().unwrap_or(false) {
                xlog!("Hardware Dom0 crashed: 'noreboot' set - not rebooting.");
                power::halt()
            }
            xlog!("Hardware Dom0 crashed: rebooting machine in 5 seconds.");
            spin_delay_ms(5000);
            power::reboot(PLATFORM.get());
            power::halt()
        }
    }
}

/// Enables the boot CPU's local APIC, calibrates its timer and the TSC
/// against the PIT, and starts the other CPUs (at most `maxcpus`).
fn bring_up_cpus(p: &Platform, opts: &Options<'_>) -> Lapic {
    let mut lapic = Lapic::new(p.lapic_base);
    lapic.enable(trap::VECTOR_SPURIOUS);
    trap::set_irq_hook(irq);
    let tsc_hz = lapic.calibrate();
    TSC_HZ.call_once(|| tsc_hz);
    xlog!(
        "Detected {}.{:03} MHz processor.",
        tsc_hz / 1_000_000,
        (tsc_hz / 1_000) % 1_000
    );
    xlog!("APIC timer: {} kHz", lapic.timer_hz / 1_000);
    smp::set_ap_hook(ap_idle);
    let max = opts.maxcpus.map_or(usize::MAX, |m| m.max(1) as usize);
    // SAFETY: the trampoline page lies in the reserved first megabyte and
    // the boot page tables map everything the APs touch.
    let online = unsafe {
        smp::start_aps(&lapic, p.apic_ids(), max, tsc_hz, |_| {
            let f = FRAMES.lock().alloc_contiguous(4, 1, 0x100)?;
            Some((f + 4) * 4096)
        })
    };
    xlog!("Brought up {online} CPUs");
    lapic
}

/// Where an application processor waits once it is up.
fn ap_idle(cpu: usize) -> ! {
    if let Some(l) = LAPIC.get() {
        l.enable(trap::VECTOR_SPURIOUS);
    }
    let _ = cpu;
    power::halt()
}

/// Hardware interrupts: the APIC timer and IPIs are acknowledged (the
/// exit loop looks at the time itself); spurious ones need no EOI.
fn irq(vector: u8) {
    if vector != trap::VECTOR_SPURIOUS {
        if let Some(l) = LAPIC.get() {
            l.eoi();
        }
    }
}

/// Default dom0 RAM without `dom0_mem=`.
const DEFAULT_DOM0_MEM: u64 = 64 << 20;

/// Powers the machine off (ACPI S5), halting if that is impossible.
fn shutdown_machine() -> ! {
    xlog!("Powering off");
    if let Some(p) = PLATFORM.get() {
        power::power_off(p);
    }
    xlog!("ACPI power-off failed: halting");
    power::halt()
}

fn uart(base: u16, cfg: &xen_x86::cmdline::ComConfig) -> Uart {
    let mut u = Uart::new(base);
    u.init(cfg);
    u
}

fn configure_console(opts: &Options<'_>) {
    let mut c = CONSOLE.lock();
    let mut slot = 0;
    if opts.console.com1 {
        c.attach(slot, uart(COM1_BASE, &opts.com1));
        slot += 1;
    }
    if opts.console.com2 {
        c.attach(slot, uart(COM2_BASE, &Default::default()));
    }
}

fn banner(boot: &BootInfo, opts: &Options<'_>) {
    xlog!(
        "Xen version {XEN_VERSION} (xen-rs {})",
        env!("CARGO_PKG_VERSION")
    );
    xlog!(
        "Bootloader: {}",
        match (boot.protocol, boot.loader) {
            (Protocol::Multiboot2, "") => "multiboot2",
            (_, l) => l,
        }
    );
    xlog!("Command line: {}", boot.cmdline);
    for w in opts.warnings() {
        match w {
            Warning::Unknown(k) => xlog!("parameter \"{k}\" unknown!"),
            Warning::BadValue { name, value } => {
                xlog!("parameter \"{name}\" has invalid value \"{value}\", rc=-22!")
            }
        }
    }
    if opts.dropped_warnings() > 0 {
        xlog!(
            "({} more bad parameters not shown)",
            opts.dropped_warnings()
        );
    }
}

/// Prints the e820 and fills the frame allocator; returns usable RAM.
fn memory(boot: &BootInfo) -> u64 {
    xlog!("Xen-e820 RAM map:");
    for r in boot.memory.regions() {
        let kind = match r.kind {
            RegionKind::Ram => "usable",
            RegionKind::Reserved => "reserved",
            RegionKind::Acpi => "ACPI data",
            RegionKind::Nvs => "ACPI NVS",
            RegionKind::Unusable => "unusable",
            _ => "type ?",
        };
        xlog!(" [{:016x}, {:016x}] ({kind})", r.start, r.end - 1);
    }
    let ram = boot.memory.ram_bytes();
    let mut a = FRAMES.lock();
    a.add_map(&boot.memory);
    // The first megabyte (real-mode structures, future AP trampolines).
    a.reserve(0, 0x10_0000);
    // Linker-script symbols: only their addresses are taken.
    let (start, end) = (
        core::ptr::addr_of!(__xen_start) as u64,
        core::ptr::addr_of!(__xen_end) as u64,
    );
    a.reserve(start, end);
    a.reserve(boot.info_range.0, boot.info_range.1);
    for m in boot.modules() {
        a.reserve(m.start, m.end);
    }
    xlog!(
        "Boot allocator: {} free frames ({} MB) after reserving Xen [{start:#x}, {end:#x}) and {} module(s)",
        a.free_frames(),
        (a.free_frames() * FRAME_SIZE) >> 20,
        boot.modules().count()
    );
    ram
}

fn report_platform(p: &Platform) {
    xlog!(
        "ACPI: {} CPU(s) enabled, LAPIC at {:#x}, IO-APIC at {}, HPET at {}",
        p.apic_ids().len(),
        p.lapic_base,
        OptHex(p.ioapic_base),
        OptHex(p.hpet_base)
    );
    match (p.pm1a_cnt, p.s5) {
        (Some(port), Some((a, b))) => {
            xlog!("ACPI: PM1a control at {port:#x}, S5 sleep type {a}/{b}")
        }
        _ => xlog!("ACPI: no S5 power-off found"),
    }
}

fn report_svm() {
    let ext = core::arch::x86_64::__cpuid(0x8000_0001);
    if ext.ecx & (1 << 2) == 0 {
        xlog!("HVM: SVM not available: no PVH guests can run on this CPU");
        return;
    }
    // Leaf 0x8000000A exists when SVM is advertised.
    let svm = core::arch::x86_64::__cpuid(0x8000_000a);
    xlog!("SVM: Supported advanced features:");
    if svm.edx & 1 != 0 {
        xlog!(" - Nested Page Tables (NPT)");
    }
    if svm.edx & (1 << 3) != 0 {
        xlog!(" - Next-RIP Saved");
    }
    xlog!("HVM: ASIDs enabled ({} available)", svm.ebx);
    xlog!("HVM: SVM enabled");
    if svm.edx & 1 != 0 {
        xlog!("HVM: Hardware Assisted Paging (HAP) detected");
    }
}

struct OptHex(Option<u64>);

impl core::fmt::Display for OptHex {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self.0 {
            Some(v) => write!(f, "{v:#x}"),
            None => f.write_str("none"),
        }
    }
}

fn fatal_trap(frame: &TrapFrame) -> ! {
    let v = frame.vector as usize;
    let name = EXCEPTION_NAMES.get(v).copied().unwrap_or("unknown");
    xlog!("----[ Xen-{XEN_VERSION}  x86_64  xen-rs ]----");
    xlog!("CPU:    0");
    xlog!("RIP:    {:04x}:[<{:016x}>]", frame.cs, frame.rip);
    xlog!("RFLAGS: {:016x}", frame.rflags);
    xlog!(
        "rax: {:016x}   rbx: {:016x}   rcx: {:016x}",
        frame.rax,
        frame.rbx,
        frame.rcx
    );
    xlog!(
        "rdx: {:016x}   rsi: {:016x}   rdi: {:016x}",
        frame.rdx,
        frame.rsi,
        frame.rdi
    );
    xlog!("rbp: {:016x}   rsp: {:016x}", frame.rbp, frame.rsp);
    if v == 14 {
        let cr2 = x86_64::registers::control::Cr2::read_raw();
        panic!(
            "FATAL TRAP: vector = {v} ({name})\n[error_code={:04x}] , IN INTERRUPT CONTEXT\nFaulting linear address: {cr2:016x}",
            frame.error_code
        );
    }
    panic!(
        "FATAL TRAP: vector = {v} ({name})\n[error_code={:04x}]",
        frame.error_code
    )
}

#[panic_handler]
fn panic(info: &PanicInfo<'_>) -> ! {
    x86_64::instructions::interrupts::disable();
    // A panic while the console lock is held (inside a log line) must still
    // be reported.
    if CONSOLE.is_locked() {
        force_unlock_console();
    }
    xlog!("");
    xlog!("****************************************");
    xlog!("Panic on CPU 0:");
    xlog!("{}", info.message());
    xlog!("****************************************");
    xlog!("");
    if NOREBOOT.get().copied().unwrap_or(false) {
        xlog!("Manual reset required ('noreboot' specified)");
        power::halt()
    }
    xlog!("Reboot in five seconds...");
    spin_delay_ms(5000);
    power::reboot(PLATFORM.get());
    power::halt()
}

fn force_unlock_console() {
    // SAFETY: called only from the panic path with interrupts off on the
    // only running CPU: the lock's holder was interrupted for good.
    unsafe { CONSOLE.force_unlock() };
}

/// A crude delay before reboot (no calibrated timer yet): ~1 µs per PIT
/// port read on real and emulated hardware alike.
fn spin_delay_ms(ms: u32) {
    for _ in 0..ms.saturating_mul(1000) {
        let _ = xen_x86::port::inb(0x80);
    }
}
