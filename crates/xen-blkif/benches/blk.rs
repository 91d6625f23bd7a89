#![allow(missing_docs)] // criterion_group! generates an undocumented function.
//! The block backend on a raw image file, driven through the ring by the
//! frontend in the same thread (FrameTable grants over HostMemory), against
//! direct pread/pwrite of the same offsets and sizes on the same file.
//!
//! * `xen-blkif: 4k random read` — 32 single-page reads at random
//!   4 KiB-aligned offsets per iteration (IOPS = elements/s).
//! * `xen-blkif: sequential read 44k` / `sequential write 44k` — 11-segment
//!   requests (44 KiB) walking the file (MB/s = bytes/s).
//!
//! The file is 64 MiB in the temp directory, so it sits in the page cache:
//! both sides measure the software path, not the device.

use std::os::unix::fs::FileExt;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use xen_abi::GrantRef;
use xen_blkif::file::FileStorage;
use xen_blkif::*;
use xen_mem::{FrameMemory, HostMemory, Mfn};

const FILE_SIZE: u64 = 64 << 20;
const BATCH: usize = 32;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn image() -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!("xen-blkif-bench-{}.img", std::process::id()));
    let f = std::fs::File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&p)
        .unwrap();
    let chunk = vec![0x5au8; 1 << 20];
    for i in 0..(FILE_SIZE >> 20) {
        f.write_all_at(&chunk, i << 20).unwrap();
    }
    // Clean, cached pages for both sides: write back, then read it all once.
    f.sync_all().unwrap();
    let mut buf = vec![0u8; 11 * 4096];
    for _ in 0..2 {
        let n = buf.len() as u64;
        for i in 0..FILE_SIZE / n {
            f.read_exact_at(&mut buf, i * n).unwrap();
        }
    }
    p
}

/// A page-aligned buffer of `len` bytes inside `v` (so pread's kernel copy
/// runs at its best, as the backend's own bounce buffer does).
fn aligned(v: &mut Vec<u8>, len: usize) -> &mut [u8] {
    v.resize(len + 4096, 0x33);
    let at = v.as_ptr().align_offset(4096);
    &mut v[at..at + len]
}

fn bench(c: &mut Criterion) {
    let path = image();
    let mem = HostMemory::new(64);
    let ring = mem.alloc_frame().unwrap();
    let mut front = Frontend::new(&mem, &[ring], 0).unwrap();
    let mut back = Backend::attach(
        &mem,
        &[ring],
        Protocol::Native,
        FileStorage::open(&path, false).unwrap(),
        FrameTable::new(&mem),
        BackendConfig::default(),
    )
    .unwrap();
    let pages: Vec<(Mfn, GrantRef)> = (0..BATCH)
        .map(|_| {
            let m = mem.alloc_frame().unwrap();
            (m, back.grants_mut().grant(m, false))
        })
        .collect();
    let file = std::fs::File::options()
        .read(true)
        .write(true)
        .open(&path)
        .unwrap();
    let blocks = FILE_SIZE / 4096;

    let round =
        |front: &mut Frontend<'_, HostMemory>,
         back: &mut Backend<'_, HostMemory, FileStorage, FrameTable<'_, HostMemory>>| {
            front.publish().unwrap();
            back.process(u32::MAX).unwrap();
            let mut n = 0;
            while let Some(r) = front.response().unwrap() {
                assert_eq!(r.status, 0);
                n += 1;
            }
            n
        };

    let mut g = c.benchmark_group("xen-blkif: 4k random read");
    g.throughput(Throughput::Elements(BATCH as u64));
    let mut rng = Rng(0x9e37_79b9);
    g.bench_function("ours", |b| {
        b.iter(|| {
            for (i, p) in pages.iter().enumerate() {
                let sector = (rng.next() % blocks) * 8;
                front
                    .rw(i as u64, false, sector, &[Segment::page(p.1)])
                    .unwrap();
            }
            assert_eq!(round(&mut front, &mut back), BATCH);
        })
    });
    let mut rng = Rng(0x9e37_79b9);
    let mut buf_store = Vec::new();
    let buf = aligned(&mut buf_store, 4096);
    g.bench_function("reference", |b| {
        b.iter(|| {
            for _ in 0..BATCH {
                let off = (rng.next() % blocks) * 4096;
                file.read_exact_at(buf, off).unwrap();
                black_box(&buf);
            }
        })
    });
    g.finish();

    const SEQ: usize = 11 * 4096;
    let per_iter = 4; // requests of 44 KiB per iteration
    let span = FILE_SIZE / SEQ as u64;
    for write in [false, true] {
        let name = if write {
            "xen-blkif: sequential write 44k"
        } else {
            "xen-blkif: sequential read 44k"
        };
        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::Bytes((SEQ * per_iter) as u64));
        let mut pos = 0u64;
        g.bench_function("ours", |b| {
            b.iter(|| {
                for k in 0..per_iter {
                    let segs: Vec<Segment> = pages[k * 8..k * 8 + 8]
                        .iter()
                        .chain(&pages[..3])
                        .map(|p| Segment::page(p.1))
                        .collect();
                    front
                        .rw(k as u64, write, (pos % span) * (SEQ as u64 / 512), &segs)
                        .unwrap();
                    pos += 1;
                }
                assert_eq!(round(&mut front, &mut back), per_iter);
            })
        });
        let mut pos = 0u64;
        let mut big_store = Vec::new();
        let big = aligned(&mut big_store, SEQ);
        g.bench_function("reference", |b| {
            b.iter(|| {
                for _ in 0..per_iter {
                    let off = (pos % span) * SEQ as u64;
                    if write {
                        file.write_all_at(big, off).unwrap();
                    } else {
                        file.read_exact_at(big, off).unwrap();
                    }
                    pos += 1;
                    black_box(&big);
                }
            })
        });
        g.finish();
    }
    let _ = mem.free_frame(ring);
    let _ = std::fs::remove_file(&path);
}

criterion_group!(benches, bench);
criterion_main!(benches);
