#![allow(missing_docs)] // criterion_group! generates an undocumented function.
//! Console ring throughput: guest output through the `out` ring (front
//! writes, back reads, one thread, HostMemory), against the floor of the
//! same bytes copied into and out of a 2 KiB buffer with memcpy.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use xen_console::{Back, Front};
use xen_mem::{FrameMemory, HostMemory};

const TOTAL: usize = 1 << 20;

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("xen-console: out ring 1 MiB");
    g.throughput(Throughput::Bytes(TOTAL as u64));
    for chunk in [64usize, 1024] {
        let mem = HostMemory::new(1);
        let mfn = mem.alloc_frame().unwrap();
        let src = vec![0x5au8; chunk];
        let mut dst = vec![0u8; chunk];
        g.bench_with_input(BenchmarkId::new("ours", chunk), &chunk, |b, _| {
            let mut f = Front::attach(&mem, mfn).unwrap();
            let mut k = Back::attach(&mem, mfn).unwrap();
            b.iter(|| {
                let mut moved = 0;
                while moved < TOTAL {
                    let w = f.write(&src).unwrap();
                    let r = k.read(&mut dst).unwrap();
                    assert_eq!(w, r);
                    moved += r;
                }
                black_box(&dst);
            })
        });
        g.bench_with_input(BenchmarkId::new("reference", chunk), &chunk, |b, _| {
            let mut ring = vec![0u8; 2048];
            b.iter(|| {
                let mut moved = 0;
                while moved < TOTAL {
                    ring[..chunk].copy_from_slice(black_box(&src));
                    dst.copy_from_slice(black_box(&ring[..chunk]));
                    moved += chunk;
                }
                black_box(&dst);
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
