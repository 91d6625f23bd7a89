//! The 16550 UART behind `com1`/`com2`: Xen's serial console.
//!
//! Polled output only (the hypervisor's log must work before interrupts
//! do); input is read by polling as well. Port I/O is the only hardware
//! access, in [`crate::port`].

use crate::cmdline::{ComConfig, Parity};
use crate::port;

/// I/O base of COM1.
pub const COM1_BASE: u16 = 0x3f8;
/// I/O base of COM2.
pub const COM2_BASE: u16 = 0x2f8;
/// The UART's input clock divided by 16.
const BASE_BAUD: u32 = 115_200;

/// Register offsets.
const THR: u16 = 0; // transmit holding (write) / receive buffer (read)
const IER: u16 = 1;
const FCR: u16 = 2;
const LCR: u16 = 3;
const MCR: u16 = 4;
const LSR: u16 = 5;
const LCR_DLAB: u8 = 0x80;
const LSR_DATA_READY: u8 = 0x01;
const LSR_THR_EMPTY: u8 = 0x20;

/// The line-control byte for a configuration.
pub fn line_control(cfg: &ComConfig) -> u8 {
    let data = cfg.data_bits.clamp(5, 8) - 5;
    let stop = if cfg.stop_bits == 2 { 1 << 2 } else { 0 };
    let parity = match cfg.parity {
        Parity::None => 0,
        Parity::Odd => 1 << 3,
        Parity::Even => (1 << 3) | (1 << 4),
    };
    data | stop | parity
}

/// The divisor latch value for `baud` (at least 1).
pub fn divisor(baud: u32) -> u16 {
    (BASE_BAUD / baud.max(1)).clamp(1, u32::from(u16::MAX)) as u16
}

/// One UART.
#[derive(Debug)]
pub struct Uart {
    base: u16,
}

impl Uart {
    /// A UART at I/O base `base`, not yet programmed.
    pub const fn new(base: u16) -> Self {
        Self { base }
    }

    /// Programs line settings and FIFOs; interrupts stay off.
    pub fn init(&mut self, cfg: &ComConfig) {
        let lcr = line_control(cfg);
        port::outb(self.base + IER, 0);
        if let Some(baud) = cfg.baud {
            let d = divisor(baud);
            port::outb(self.base + LCR, LCR_DLAB);
            port::outb(self.base, d as u8);
            port::outb(self.base + IER, (d >> 8) as u8);
        }
        port::outb(self.base + LCR, lcr);
        port::outb(self.base + FCR, 0xc7); // enable + clear FIFOs, 14-byte trigger
        port::outb(self.base + MCR, 0x03); // DTR | RTS
    }

    /// Sends one byte, waiting (boundedly) for room.
    pub fn put(&mut self, byte: u8) {
        // A missing or wedged UART must not hang the hypervisor forever.
        for _ in 0..100_000 {
            if port::inb(self.base + LSR) & LSR_THR_EMPTY != 0 {
                break;
            }
            core::hint::spin_loop();
        }
        port::outb(self.base + THR, byte);
    }

    /// A received byte, if one is waiting.
    pub fn get(&mut self) -> Option<u8> {
        (port::inb(self.base + LSR) & LSR_DATA_READY != 0).then(|| port::inb(self.base + THR))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_settings() {
        assert_eq!(line_control(&ComConfig::default()), 0x03);
        let c = ComConfig {
            baud: Some(9600),
            data_bits: 7,
            parity: Parity::Even,
            stop_bits: 2,
        };
        assert_eq!(line_control(&c), 0x02 | 0x04 | 0x18);
        assert_eq!(divisor(115_200), 1);
        assert_eq!(divisor(9600), 12);
        assert_eq!(divisor(1_000_000), 1);
        assert_eq!(divisor(0), u16::MAX);
    }
}
