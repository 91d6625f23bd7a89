//! Powering the machine off (ACPI S5) and resetting it.

use crate::acpi::Platform;
use crate::port;

/// PM1 control: SLP_EN.
const SLP_EN: u16 = 1 << 13;

/// The PM1 control value that enters sleep type `typ`.
pub const fn pm1_sleep_value(typ: u8) -> u16 {
    ((typ as u16 & 0x7) << 10) | SLP_EN
}

/// Enters ACPI S5 if the platform describes it; returns if it could not
/// (no PM1 block or no `\_S5` package), so the caller can halt instead.
pub fn power_off(p: &Platform) {
    let (Some(a), Some((typ_a, typ_b))) = (p.pm1a_cnt, p.s5) else {
        return;
    };
    port::outw(a, pm1_sleep_value(typ_a));
    if let Some(b) = p.pm1b_cnt {
        port::outw(b, pm1_sleep_value(typ_b));
    }
    // Give the chipset a moment before the caller falls back to halting.
    for _ in 0..1_000_000 {
        core::hint::spin_loop();
    }
}

/// Resets the machine: the FADT reset register, then the 0xCF9 reset
/// control, then the keyboard controller. Returns only if all failed.
pub fn reboot(p: Option<&Platform>) {
    if let Some((port_nr, value)) = p.and_then(|p| p.reset) {
        port::outb(port_nr, value);
    }
    port::outb(0xcf9, 0x02);
    port::outb(0xcf9, 0x06);
    for _ in 0..100_000 {
        if port::inb(0x64) & 0x02 == 0 {
            break;
        }
    }
    port::outb(0x64, 0xfe);
}

/// Stops this CPU for good.
pub fn halt() -> ! {
    loop {
        x86_64::instructions::interrupts::disable();
        x86_64::instructions::hlt();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sleep_values() {
        assert_eq!(pm1_sleep_value(0), 0x2000);
        assert_eq!(pm1_sleep_value(5), 0x3400);
        assert_eq!(pm1_sleep_value(0xff), 0x3c00);
    }
}
