#![allow(missing_docs)] // criterion_group! generates an undocumented function.
//! 1500-byte frames frontend → TX ring → backend → sink, against a
//! same-run reference, all in one thread over host memory (FrameTable
//! grants: the grant copy is a checked memcpy from the granted page).
//!
//! * `xen-netif: 1500-byte frames to memory` — the sink is a 4 MiB
//!   buffer the frames are written into one after another:
//!   * `ours (post)`: the frames already sit in granted TX pages (as
//!     netfront grants a socket buffer's own pages); each iteration posts
//!     64 of them, publishes, lets the backend validate and grant-copy
//!     them straight into the sink, and reaps the responses;
//!   * `ours (send)`: the same, the frontend first copying each frame
//!     into its TX page (`Frontend::send`);
//!   * `reference`: memcpy of the same 64 frames into the same sink.
//! * `xen-netif: 1500-byte frames to a TAP` (root only; the TAP lives in
//!   a network namespace the bench creates): `ours` = posted frames
//!   through the backend into the TAP, `reference` = the same frames
//!   written straight to the TAP.
//!
//! After criterion, each pair is timed once more side by side and the
//! ratio ours/reference printed (packets/s and Gbit/s of frame bytes).

use std::hint::black_box;
use std::os::fd::AsRawFd;
use std::process::Command;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use xen_mem::{FrameMemory, HostMemory};
use xen_netif::frontend::TxFragment;
use xen_netif::tap::Tap;
use xen_netif::*;

const BATCH: usize = 64;
const LEN: usize = 1500;

/// Frames land one after another in a 4 MiB buffer.
struct MemSink {
    buf: Vec<u8>,
    at: usize,
}

impl MemSink {
    fn new() -> Self {
        MemSink {
            buf: vec![0; 4 << 20],
            at: 0,
        }
    }
}

impl PacketSink for MemSink {
    fn frame_buffer(&mut self, len: usize) -> &mut [u8] {
        if self.at + len > self.buf.len() {
            self.at = 0;
        }
        &mut self.buf[self.at..self.at + len]
    }
    fn commit(&mut self, len: usize, _info: &PacketInfo) -> Result<(), SinkError> {
        self.at += len;
        Ok(())
    }
}

type Back<'m> = BackQueue<'m, HostMemory, FrameTable<'m, HostMemory>>;

fn frames() -> Vec<Vec<u8>> {
    (0..BATCH)
        .map(|i| {
            let mut f: Vec<u8> = (0..LEN).map(|j| (i * 7 + j) as u8).collect();
            f[0..6].copy_from_slice(&[0x02, 0, 0, 0, 0, 0x99]);
            f[6..12].copy_from_slice(&Mac::xen_default(9, 0).0);
            f[12..14].copy_from_slice(&[0x88, 0xb5]); // Local experimental ethertype.
            f
        })
        .collect()
}

fn setup(mem: &HostMemory) -> (Frontend<'_, HostMemory>, Back<'_>) {
    let (tx, rx) = (mem.alloc_frame().unwrap(), mem.alloc_frame().unwrap());
    let mut table = FrameTable::new(mem);
    let mut pages = |ro| -> Vec<Buffer> {
        (0..BATCH)
            .map(|_| {
                let mfn = mem.alloc_frame().unwrap();
                Buffer {
                    mfn,
                    gref: table.grant(mfn, ro),
                }
            })
            .collect()
    };
    let (txp, rxp) = (pages(true), pages(false));
    let front = Frontend::new(mem, tx, rx, 0, txp, rxp).unwrap();
    let back = BackQueue::attach(mem, tx, rx, table, QueueConfig::default()).unwrap();
    (front, back)
}

fn prefill(mem: &HostMemory, front: &Frontend<'_, HostMemory>, frames: &[Vec<u8>]) {
    for (p, f) in front.tx_pages().iter().zip(frames) {
        mem.write(p.mfn, 0, f).unwrap();
    }
}

fn post_round<S: PacketSink>(
    front: &mut Frontend<'_, HostMemory>,
    back: &mut Back<'_>,
    sink: &mut S,
) {
    for i in 0..BATCH {
        front
            .post(
                &[TxFragment {
                    page: i as u16,
                    offset: 0,
                    len: LEN as u16,
                }],
                &PacketInfo::default(),
            )
            .unwrap();
    }
    front.publish_tx().unwrap();
    let p = back.process_tx(u32::MAX, sink).unwrap();
    assert_eq!(p.packets as usize, BATCH);
    assert_eq!(front.reap_tx().unwrap() as usize, BATCH);
}

fn send_round(
    front: &mut Frontend<'_, HostMemory>,
    back: &mut Back<'_>,
    sink: &mut MemSink,
    frames: &[Vec<u8>],
) {
    for f in frames {
        front.send(f, &PacketInfo::default()).unwrap();
    }
    front.publish_tx().unwrap();
    back.process_tx(u32::MAX, sink).unwrap();
    assert_eq!(front.reap_tx().unwrap() as usize, BATCH);
}

fn memcpy_round(sink: &mut MemSink, frames: &[Vec<u8>]) {
    for f in frames {
        sink.frame_buffer(f.len()).copy_from_slice(f);
        sink.commit(f.len(), &PacketInfo::default()).unwrap();
    }
    black_box(&sink.buf);
}

/// Nanoseconds per call of `f`, over about `secs` seconds.
fn time(secs: f64, mut f: impl FnMut()) -> f64 {
    for _ in 0..100 {
        f();
    }
    let t = Instant::now();
    let mut n = 0u64;
    while t.elapsed() < Duration::from_secs_f64(secs) {
        for _ in 0..100 {
            f();
        }
        n += 100;
    }
    t.elapsed().as_nanos() as f64 / n as f64
}

fn report(what: &str, ours_ns: f64, ref_ns: f64) {
    let pps = |ns: f64| BATCH as f64 / ns * 1e9;
    let gbit = |ns: f64| (BATCH * LEN * 8) as f64 / ns;
    println!(
        "{what}: ours {:.2} Mpps {:.2} Gbit/s, reference {:.2} Mpps {:.2} Gbit/s, ratio {:.0}%",
        pps(ours_ns) / 1e6,
        gbit(ours_ns),
        pps(ref_ns) / 1e6,
        gbit(ref_ns),
        100.0 * ref_ns / ours_ns
    );
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2))
                == Some("0")
        })
        .unwrap_or(false)
}

/// A TAP `vif9.0`, up, in a fresh network namespace (deleted on drop).
struct NsTap {
    ns: String,
    tap: Option<Tap>,
}

impl NsTap {
    fn new() -> Option<NsTap> {
        if !is_root() {
            println!("TAP comparison skipped: needs root");
            return None;
        }
        let ns = format!("xnetif-bench-{}", std::process::id());
        if !Command::new("ip")
            .args(["netns", "add", &ns])
            .status()
            .ok()?
            .success()
        {
            println!("TAP comparison skipped: cannot create a network namespace");
            return None;
        }
        let path = format!("/var/run/netns/{ns}");
        let tap = std::thread::spawn(move || {
            let f = std::fs::File::open(&path).ok()?;
            // SAFETY: `f` is an open netns descriptor for the whole call;
            // setns changes only this thread's network namespace.
            let r = unsafe { libc::setns(f.as_raw_fd(), libc::CLONE_NEWNET) };
            (r == 0).then(|| Tap::open("vif9.0").ok()).flatten()
        })
        .join()
        .ok()
        .flatten();
        let up = Command::new("ip")
            .args(["netns", "exec", &ns, "ip", "link", "set", "vif9.0", "up"])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        let t = NsTap { ns, tap };
        if t.tap.is_none() || !up {
            println!("TAP comparison skipped: cannot open vif9.0");
            return None;
        }
        Some(t)
    }
}

impl Drop for NsTap {
    fn drop(&mut self) {
        self.tap = None;
        let _ = Command::new("ip").args(["netns", "del", &self.ns]).output();
    }
}

fn bench(c: &mut Criterion) {
    let mem = HostMemory::new(4 * BATCH);
    let frames = frames();
    let (mut front, mut back) = setup(&mem);
    prefill(&mem, &front, &frames);
    let mut sink = MemSink::new();

    let mut g = c.benchmark_group("xen-netif: 1500-byte frames to memory");
    g.throughput(Throughput::Elements(BATCH as u64));
    g.bench_function("ours (post)", |b| {
        b.iter(|| post_round(&mut front, &mut back, &mut sink))
    });
    g.bench_function("ours (send)", |b| {
        b.iter(|| send_round(&mut front, &mut back, &mut sink, &frames))
    });
    g.bench_function("reference", |b| b.iter(|| memcpy_round(&mut sink, &frames)));
    g.finish();
    prefill(&mem, &front, &frames);

    let ours = time(2.0, || post_round(&mut front, &mut back, &mut sink));
    let reference = time(2.0, || memcpy_round(&mut sink, &frames));
    report("memory sink, posted frames", ours, reference);
    let ours_send = time(2.0, || {
        send_round(&mut front, &mut back, &mut sink, &frames)
    });
    report("memory sink, frontend copies", ours_send, reference);
    prefill(&mem, &front, &frames);

    if let Some(mut nt) = NsTap::new() {
        let mut g = c.benchmark_group("xen-netif: 1500-byte frames to a TAP");
        g.throughput(Throughput::Elements(BATCH as u64));
        let tap = nt.tap.as_mut().unwrap();
        g.bench_function("ours", |b| {
            b.iter(|| post_round(&mut front, &mut back, tap))
        });
        g.bench_function("reference", |b| {
            b.iter(|| {
                for f in &frames {
                    tap.send(f).unwrap();
                }
            })
        });
        g.finish();
        let ours = time(2.0, || post_round(&mut front, &mut back, tap));
        let reference = time(2.0, || {
            for f in &frames {
                tap.send(f).unwrap();
            }
        });
        report("TAP", ours, reference);
        assert_eq!(back.stats().tx_sink_drops, 0);
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
