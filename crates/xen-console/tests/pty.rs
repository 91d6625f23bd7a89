//! The PTY + log backend: console bytes both ways through a real PTY.

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

use xen_bus::mem::MemStore;
use xen_bus::{Tx, XenStore};
use xen_console::backend::ConsoleBackend;
use xen_console::{Back, Front};
use xen_mem::{FrameMemory, HostMemory};

#[test]
fn console_bytes_both_ways_through_pty_and_log() {
    let dir = std::env::temp_dir().join(format!("xen-console-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("guest-test.log");
    let _ = std::fs::remove_file(&log);

    let mem = HostMemory::new(1);
    let mfn = mem.alloc_frame().unwrap();
    // Start near the wrap so the run crosses it.
    for off in [3072, 3076, 3080, 3084] {
        mem.store::<u32>(mfn, off, u32::MAX - 3000).unwrap();
    }
    let mut guest = Front::attach(&mem, mfn).unwrap();
    let mut be = ConsoleBackend::new(Back::attach(&mem, mfn).unwrap(), Some(&log)).unwrap();
    let mut term = OpenOptions::new()
        .read(true)
        .write(true)
        .open(be.tty())
        .unwrap();
    let fl = rustix::fs::fcntl_getfl(&term).unwrap();
    rustix::fs::fcntl_setfl(&term, fl | rustix::fs::OFlags::NONBLOCK).unwrap();

    // Guest → terminal: 10 KiB, several ring-fulls.
    let out: Vec<u8> = (0..10_000u32).map(|i| b'a' + (i % 26) as u8).collect();
    let mut written = 0;
    let mut got = Vec::new();
    let t = Instant::now();
    while got.len() < out.len() {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "stuck at {}",
            got.len()
        );
        written += guest.write(&out[written..]).unwrap();
        be.pump().unwrap();
        let mut buf = [0u8; 4096];
        match term.read(&mut buf) {
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(got, out);
    assert_eq!(std::fs::read(&log).unwrap(), out);

    // Terminal → guest: 5 KiB, more than the 1 KiB input ring.
    let input: Vec<u8> = (0..5_000u32).map(|i| b'A' + (i % 26) as u8).collect();
    let mut sent = 0;
    let mut recv = Vec::new();
    let t = Instant::now();
    while recv.len() < input.len() {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "stuck at {}",
            recv.len()
        );
        if sent < input.len() {
            match term.write(&input[sent..(sent + 512).min(input.len())]) {
                Ok(n) => sent += n,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) => panic!("{e}"),
            }
        }
        be.pump().unwrap();
        let mut buf = [0u8; 300];
        let n = guest.read(&mut buf).unwrap();
        recv.extend_from_slice(&buf[..n]);
    }
    assert_eq!(recv, input);
    assert_eq!(be.hostile(), 0);
    assert_eq!(be.dropped(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn publishes_tty_in_xenstore() {
    let mem = HostMemory::new(1);
    let mfn = mem.alloc_frame().unwrap();
    let be = ConsoleBackend::new(Back::attach(&mem, mfn).unwrap(), None).unwrap();
    let s = MemStore::new();
    let mut c = s.connect();
    be.publish_tty(&mut c, "/local/domain/7").unwrap();
    let v = c.read(Tx::NONE, "/local/domain/7/console/tty").unwrap();
    assert_eq!(
        std::path::Path::new(std::str::from_utf8(&v).unwrap()),
        be.tty()
    );
    assert!(be.tty().starts_with("/dev/pts"));
}

/// Nobody reads the terminal: output beyond the pending cap is dropped and
/// counted, the guest is never blocked, and the log still has everything.
#[test]
fn slow_terminal_drops_not_blocks() {
    let dir = std::env::temp_dir().join(format!("xen-console-slow-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("guest.log");
    let _ = std::fs::remove_file(&log);
    let mem = HostMemory::new(1);
    let mfn = mem.alloc_frame().unwrap();
    let mut guest = Front::attach(&mem, mfn).unwrap();
    let mut be = ConsoleBackend::new(Back::attach(&mem, mfn).unwrap(), Some(&log)).unwrap();
    let chunk = [b'x'; 2048];
    let mut total = 0;
    for _ in 0..200 {
        total += guest.write(&chunk).unwrap();
        be.pump().unwrap();
    }
    assert_eq!(total, 200 * 2048);
    assert!(be.dropped() > 0);
    assert_eq!(std::fs::metadata(&log).unwrap().len(), total as u64);
    let _ = std::fs::remove_dir_all(&dir);
}
