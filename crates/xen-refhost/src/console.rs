//! The serial console: QEMU's output collected by reader threads into one
//! growing text (also written to `console.log`), searched by the driver.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::Duration;

#[derive(Default)]
struct Shared {
    text: Mutex<String>,
    changed: Condvar,
}

/// QEMU's console output, shared with the reader threads.
pub(crate) struct Console {
    shared: Arc<Shared>,
}

impl Console {
    /// Starts collecting `stdout` (the serial port) and `stderr` (QEMU's
    /// own complaints) into one text, mirrored to `log`.
    pub(crate) fn new(
        stdout: impl Read + Send + 'static,
        stderr: impl Read + Send + 'static,
        log: PathBuf,
    ) -> Self {
        let shared = Arc::new(Shared::default());
        let log = std::fs::File::create(log)
            .ok()
            .map(|f| Arc::new(Mutex::new(f)));
        for source in [Box::new(stdout) as Box<dyn Read + Send>, Box::new(stderr)] {
            let shared = Arc::clone(&shared);
            let log = log.clone();
            thread::spawn(move || pump(source, &shared, log.as_deref()));
        }
        Console { shared }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, String> {
        self.shared.text.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Bytes collected so far.
    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    /// A copy of everything collected.
    pub(crate) fn text(&self) -> String {
        self.lock().clone()
    }

    /// Where `needle` first occurs at or after byte `from`.
    pub(crate) fn find(&self, from: usize, needle: &str) -> Option<usize> {
        let t = self.lock();
        t.get(from..)?.find(needle).map(|i| from + i)
    }

    /// Bytes `from..to` (clamped to what exists).
    pub(crate) fn slice(&self, from: usize, to: usize) -> String {
        let t = self.lock();
        let to = to.min(t.len());
        t.get(from.min(to)..to).unwrap_or_default().to_string()
    }

    /// The last `n` bytes or so.
    pub(crate) fn tail(&self, n: usize) -> String {
        let t = self.lock();
        let mut from = t.len().saturating_sub(n);
        while !t.is_char_boundary(from) {
            from += 1;
        }
        t[from..].to_string()
    }

    /// Sleeps until more output arrives or `limit` passes.
    pub(crate) fn wait_change(&self, limit: Duration) {
        let t = self.lock();
        let _ = self
            .shared
            .changed
            .wait_timeout(t, limit.min(Duration::from_millis(500)));
    }
}

fn pump(mut source: Box<dyn Read + Send>, shared: &Shared, log: Option<&Mutex<std::fs::File>>) {
    let mut buf = [0u8; 4096];
    loop {
        let n = match source.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if let Some(log) = log {
            if let Ok(mut f) = log.lock() {
                let _ = f.write_all(&buf[..n]);
            }
        }
        let mut t = shared.text.lock().unwrap_or_else(|e| e.into_inner());
        t.push_str(&String::from_utf8_lossy(&buf[..n]));
        drop(t);
        shared.changed.notify_all();
    }
    shared.changed.notify_all();
}

/// Removes carriage returns and terminal escape sequences (`ESC [ … final`)
/// from console text, and the shell prompt a command's output ends with.
pub(crate) fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {}
            '\u{1b}' => {
                if chars.peek() == Some(&'[') {
                    chars.next();
                    // Parameters, then one final byte in '@'..='~'.
                    for p in chars.by_ref() {
                        if ('@'..='~').contains(&p) {
                            break;
                        }
                    }
                }
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn clean_strips_returns_and_escapes() {
        assert_eq!(clean("a\r\n\u{1b}[6nb\u{1b}[1;32mc\u{1b}[0m\n"), "a\nbc\n");
        assert_eq!(clean("plain"), "plain");
        // A lone escape at the end is dropped, not a panic.
        assert_eq!(clean("x\u{1b}"), "x");
        assert_eq!(clean("x\u{1b}["), "x");
    }
}
