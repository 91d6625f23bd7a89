//! The hypervisor's console: Xen's `(XEN) `-prefixed log on the serial
//! lines chosen by `console=`.
//!
//! [`Console`] is a line-oriented writer that inserts the prefix at the
//! start of every line and turns `\n` into `\r\n`; the global instance
//! behind [`xlog!`](crate::xlog) is a spin lock around it, so log lines
//! from different CPUs never interleave mid-line.

use core::fmt;

use crate::serial::Uart;

/// A byte sink (a UART, or a buffer in tests).
pub trait Sink {
    /// Emits one byte.
    fn put(&mut self, byte: u8);
}

impl Sink for Uart {
    fn put(&mut self, byte: u8) {
        Uart::put(self, byte);
    }
}

/// A console writing to up to two sinks with a line prefix.
#[derive(Debug)]
pub struct Console<S> {
    sinks: [Option<S>; 2],
    at_line_start: bool,
}

impl<S: Sink> Console<S> {
    /// A console with no sinks (output is dropped until one is attached).
    pub const fn new() -> Self {
        Self {
            sinks: [None, None],
            at_line_start: true,
        }
    }

    /// Attaches a sink in slot 0 or 1.
    pub fn attach(&mut self, slot: usize, sink: S) {
        if let Some(s) = self.sinks.get_mut(slot) {
            *s = Some(sink);
        }
    }

    fn raw(&mut self, b: u8) {
        for s in self.sinks.iter_mut().flatten() {
            s.put(b);
        }
    }

    /// Writes `text`, starting every line with `prefix`.
    pub fn write_prefixed(&mut self, prefix: &str, text: &str) {
        for &b in text.as_bytes() {
            if self.at_line_start {
                prefix.bytes().for_each(|p| self.raw(p));
                self.at_line_start = false;
            }
            if b == b'\n' {
                self.raw(b'\r');
                self.at_line_start = true;
            }
            self.raw(b);
        }
    }
}

impl<S: Sink> Default for Console<S> {
    fn default() -> Self {
        Self::new()
    }
}

/// Formats into a console with one prefix.
pub struct Prefixed<'a, S: Sink> {
    /// The console.
    pub console: &'a mut Console<S>,
    /// The prefix of each line.
    pub prefix: &'a str,
}

impl<S: Sink> fmt::Write for Prefixed<'_, S> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.console.write_prefixed(self.prefix, s);
        Ok(())
    }
}

/// The global console.
pub static CONSOLE: spin::Mutex<Console<Uart>> = spin::Mutex::new(Console::new());

/// Writes formatted text to the global console with `prefix`.
pub fn print_prefixed(prefix: &str, args: fmt::Arguments<'_>) {
    let mut c = CONSOLE.lock();
    let _ = fmt::Write::write_fmt(
        &mut Prefixed {
            console: &mut c,
            prefix,
        },
        args,
    );
}

/// Logs a line to the hypervisor console, prefixed `(XEN) ` like Xen's.
#[macro_export]
macro_rules! xlog {
    ($($arg:tt)*) => {
        $crate::console::print_prefixed("(XEN) ", format_args!("{}\n", format_args!($($arg)*)))
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    struct Buf(Vec<u8>);
    impl Sink for Buf {
        fn put(&mut self, b: u8) {
            self.0.push(b);
        }
    }

    #[test]
    fn every_line_gets_the_prefix_and_crlf() {
        let mut c = Console::new();
        c.attach(0, Buf(Vec::new()));
        c.write_prefixed("(XEN) ", "a\nb");
        c.write_prefixed("(XEN) ", "c\n\n");
        let Some(Buf(out)) = &c.sinks[0] else {
            unreachable!()
        };
        assert_eq!(out.as_slice(), b"(XEN) a\r\n(XEN) bc\r\n(XEN) \r\n");
    }
}
