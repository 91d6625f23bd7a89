//! x86 port I/O: the only way this crate reaches the UART, the PIT, the
//! ACPI PM registers and the reset port.
//!
//! On the host (unit tests) these functions exist but are never called:
//! the modules that use them keep their logic in pure functions tested
//! separately.

/// Writes a byte to an I/O port.
#[inline]
pub fn outb(port: u16, value: u8) {
    // SAFETY: port output has no memory-safety effect on the hypervisor;
    // callers pick ports of devices they own (UART, PIT, ACPI PM, reset).
    unsafe { x86_64::instructions::port::Port::new(port).write(value) }
}

/// Writes a 16-bit word to an I/O port.
#[inline]
pub fn outw(port: u16, value: u16) {
    // SAFETY: as for `outb`.
    unsafe { x86_64::instructions::port::Port::new(port).write(value) }
}

/// Reads a byte from an I/O port.
#[inline]
pub fn inb(port: u16) -> u8 {
    // SAFETY: as for `outb`; reads of these devices have no memory effect.
    unsafe { x86_64::instructions::port::Port::new(port).read() }
}
