//! The local APIC (xAPIC, memory-mapped): identification, end of
//! interrupt, the one-shot timer calibrated against the PIT, and the
//! INIT/SIPI sequence that starts application processors.

use crate::port;

/// Register offsets.
mod reg {
    pub const ID: usize = 0x020;
    pub const TPR: usize = 0x080;
    pub const EOI: usize = 0x0b0;
    pub const SVR: usize = 0x0f0;
    pub const ESR: usize = 0x280;
    pub const ICR_LOW: usize = 0x300;
    pub const ICR_HIGH: usize = 0x310;
    pub const LVT_TIMER: usize = 0x320;
    pub const TIMER_INITIAL: usize = 0x380;
    pub const TIMER_CURRENT: usize = 0x390;
    pub const TIMER_DIVIDE: usize = 0x3e0;
}

/// Divide configuration value for "divide by 16".
const DIVIDE_BY_16: u32 = 0x3;
/// LVT mask bit.
const LVT_MASKED: u32 = 1 << 16;
/// ICR delivery-status (send pending) bit.
const ICR_PENDING: u32 = 1 << 12;

/// PIT input clock in Hz.
pub const PIT_HZ: u64 = 1_193_182;

/// The timer's tick rate from a calibration: `ticks` counted while the
/// PIT counted `pit_ticks`.
pub fn ticks_per_second(ticks: u64, pit_ticks: u64) -> u64 {
    if pit_ticks == 0 {
        return 0;
    }
    ticks.saturating_mul(PIT_HZ) / pit_ticks
}

/// Timer ticks for `ns` nanoseconds at `hz`, at least 1, at most u32::MAX.
pub fn ns_to_ticks(ns: u64, hz: u64) -> u32 {
    let t = (u128::from(ns) * u128::from(hz) / 1_000_000_000).max(1);
    u32::try_from(t).unwrap_or(u32::MAX)
}

/// A local APIC at its MMIO base (identity-mapped).
#[derive(Clone, Copy, Debug)]
pub struct Lapic {
    base: u64,
    /// Timer ticks per second (after [`calibrate`](Self::calibrate)).
    pub timer_hz: u64,
}

impl Lapic {
    /// The APIC at `base` (from the MADT; normally 0xfee00000).
    pub const fn new(base: u64) -> Self {
        Self { base, timer_hz: 0 }
    }

    fn read(&self, r: usize) -> u32 {
        // SAFETY: `base` is the identity-mapped xAPIC page; `r` is one of
        // the architectural, 16-byte-aligned register offsets.
        unsafe { core::ptr::read_volatile((self.base as usize + r) as *const u32) }
    }

    fn write(&self, r: usize, v: u32) {
        // SAFETY: as for `read`.
        unsafe { core::ptr::write_volatile((self.base as usize + r) as *mut u32, v) }
    }

    /// This CPU's APIC id.
    pub fn id(&self) -> u8 {
        (self.read(reg::ID) >> 24) as u8
    }

    /// Software-enables the APIC with `spurious` as its spurious vector,
    /// accepting every priority, timer masked.
    pub fn enable(&self, spurious: u8) {
        self.write(reg::TPR, 0);
        self.write(reg::LVT_TIMER, LVT_MASKED);
        self.write(reg::SVR, 0x100 | u32::from(spurious));
        self.write(reg::ESR, 0);
    }

    /// Signals end of interrupt.
    pub fn eoi(&self) {
        self.write(reg::EOI, 0);
    }

    /// Arms the one-shot timer to raise `vector` after `ticks` ticks.
    pub fn oneshot(&self, vector: u8, ticks: u32) {
        self.write(reg::TIMER_DIVIDE, DIVIDE_BY_16);
        self.write(reg::LVT_TIMER, u32::from(vector));
        self.write(reg::TIMER_INITIAL, ticks.max(1));
    }

    /// Arms the one-shot timer for `ns` nanoseconds (needs calibration).
    pub fn oneshot_ns(&self, vector: u8, ns: u64) {
        self.oneshot(vector, ns_to_ticks(ns, self.timer_hz.max(1)));
    }

    /// Stops the timer.
    pub fn stop_timer(&self) {
        self.write(reg::LVT_TIMER, LVT_MASKED);
        self.write(reg::TIMER_INITIAL, 0);
    }

    /// Measures the timer's rate (and the TSC's, returned) against 10 ms
    /// of PIT channel 2.
    pub fn calibrate(&mut self) -> u64 {
        const PIT_COUNT: u16 = 11_932; // ~10 ms
                                       // Gate on, speaker off; channel 2, mode 0, binary, lobyte/hibyte.
        let gate = port::inb(0x61);
        port::outb(0x61, (gate & !0x02) | 0x01);
        port::outb(0x43, 0xb0);
        port::outb(0x42, PIT_COUNT as u8);
        port::outb(0x42, (PIT_COUNT >> 8) as u8);
        // Restart the count by toggling the gate.
        let g = port::inb(0x61);
        port::outb(0x61, g & !0x01);
        port::outb(0x61, g | 0x01);
        self.write(reg::TIMER_DIVIDE, DIVIDE_BY_16);
        self.write(reg::LVT_TIMER, LVT_MASKED);
        self.write(reg::TIMER_INITIAL, u32::MAX);
        let tsc0 = rdtsc();
        // Bit 5 of port 0x61 rises when channel 2's output goes high.
        let mut spins = 0u64;
        while port::inb(0x61) & 0x20 == 0 && spins < 100_000_000 {
            spins += 1;
        }
        let tsc = rdtsc().wrapping_sub(tsc0);
        let elapsed = u64::from(u32::MAX - self.read(reg::TIMER_CURRENT));
        self.stop_timer();
        port::outb(0x61, gate);
        self.timer_hz = ticks_per_second(elapsed, u64::from(PIT_COUNT));
        ticks_per_second(tsc, u64::from(PIT_COUNT))
    }

    fn wait_icr(&self) {
        for _ in 0..1_000_000 {
            if self.read(reg::ICR_LOW) & ICR_PENDING == 0 {
                return;
            }
            core::hint::spin_loop();
        }
    }

    /// Sends INIT, then two STARTUP IPIs with `vector` (the trampoline's
    /// page number), to the CPU with APIC id `apic_id`. `delay_us` is a
    /// busy-wait the caller provides.
    pub fn start_ap(&self, apic_id: u8, vector: u8, mut delay_us: impl FnMut(u64)) {
        let dest = u32::from(apic_id) << 24;
        self.write(reg::ICR_HIGH, dest);
        self.write(reg::ICR_LOW, 0x0000_c500); // INIT, level assert
        self.wait_icr();
        delay_us(10_000);
        for _ in 0..2 {
            self.write(reg::ICR_HIGH, dest);
            self.write(reg::ICR_LOW, 0x0000_0600 | u32::from(vector)); // STARTUP
            self.wait_icr();
            delay_us(200);
        }
    }
}

/// The time-stamp counter.
pub fn rdtsc() -> u64 {
    // SAFETY: RDTSC has no side effects and is available on every x86_64.
    unsafe { core::arch::x86_64::_rdtsc() }
}

/// Busy-waits `us` microseconds given the TSC rate `tsc_hz`.
pub fn delay_us(us: u64, tsc_hz: u64) {
    let start = rdtsc();
    let ticks = us.saturating_mul(tsc_hz) / 1_000_000;
    while rdtsc().wrapping_sub(start) < ticks {
        core::hint::spin_loop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calibration_arithmetic() {
        // 1,000,000 ticks while the PIT counted 11,932 (10 ms) → ~100 MHz.
        let hz = ticks_per_second(1_000_000, 11_932);
        assert!((99_000_000..101_000_000).contains(&hz), "{hz}");
        assert_eq!(ticks_per_second(5, 0), 0);
        assert_eq!(ns_to_ticks(1_000_000, 100_000_000), 100_000);
        assert_eq!(ns_to_ticks(0, 100_000_000), 1);
        assert_eq!(ns_to_ticks(u64::MAX, u64::MAX), u32::MAX);
    }
}
