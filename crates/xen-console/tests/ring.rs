//! The console rings: bytes both ways across the 32-bit index wrap, and a
//! hostile frontend that rewrites indexes and data at will.

use proptest::prelude::*;
use xen_abi::io::console::*;
use xen_console::{Back, Front};
use xen_mem::{FrameMemory, HostMemory, Mfn, PAGE_SIZE};

fn page(start: u32) -> (HostMemory, Mfn) {
    let mem = HostMemory::new(1);
    let mfn = mem.alloc_frame().unwrap();
    for off in [
        XENCONS_IN_CONS_OFFSET,
        XENCONS_IN_PROD_OFFSET,
        XENCONS_OUT_CONS_OFFSET,
        XENCONS_OUT_PROD_OFFSET,
    ] {
        mem.store::<u32>(mfn, off, start).unwrap();
    }
    (mem, mfn)
}

/// A small deterministic generator (xorshift).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn bytes_both_ways_across_index_wrap() {
    let start = u32::MAX - 1500;
    let (mem, mfn) = page(start);
    let mut f = Front::attach(&mem, mfn).unwrap();
    let mut b = Back::attach(&mem, mfn).unwrap();
    let out_src: Vec<u8> = (0..20_000u32).map(|i| (i * 7 + 3) as u8).collect();
    let in_src: Vec<u8> = (0..20_000u32).map(|i| (i * 13 + 1) as u8).collect();
    let (mut out_dst, mut in_dst) = (Vec::new(), Vec::new());
    let (mut ow, mut iw) = (0, 0);
    let mut rng = Rng(0x1234_5678);
    let mut buf = [0u8; 4096];
    while out_dst.len() < out_src.len() || in_dst.len() < in_src.len() {
        let n = (rng.next() % 900) as usize + 1;
        ow += f.write(&out_src[ow..(ow + n).min(out_src.len())]).unwrap();
        iw += b.write(&in_src[iw..(iw + n).min(in_src.len())]).unwrap();
        let m = (rng.next() % 900) as usize + 1;
        let k = b.read(&mut buf[..m]).unwrap();
        out_dst.extend_from_slice(&buf[..k]);
        let k = f.read(&mut buf[..m]).unwrap();
        in_dst.extend_from_slice(&buf[..k]);
    }
    assert_eq!(out_dst, out_src);
    assert_eq!(in_dst, in_src);
    // The indexes really wrapped past 2^32.
    let end = mem.load::<u32>(mfn, XENCONS_OUT_PROD_OFFSET).unwrap();
    assert!(end < start, "{end:#x}");
    assert_eq!(end, start.wrapping_add(20_000));
    assert_eq!(mem.load::<u32>(mfn, XENCONS_IN_CONS_OFFSET).unwrap(), end);
    assert_eq!(b.hostile(), 0);
}

#[test]
fn full_and_empty() {
    let (mem, mfn) = page(7);
    let mut f = Front::attach(&mem, mfn).unwrap();
    let mut b = Back::attach(&mem, mfn).unwrap();
    assert_eq!(f.write(&[1; 5000]).unwrap(), XENCONS_OUT_SIZE);
    assert_eq!(f.write(&[1; 1]).unwrap(), 0);
    assert_eq!(b.write(&[2; 5000]).unwrap(), XENCONS_IN_SIZE);
    let mut buf = [0u8; 5000];
    assert_eq!(b.read(&mut buf).unwrap(), XENCONS_OUT_SIZE);
    assert_eq!(b.read(&mut buf).unwrap(), 0);
    assert_eq!(f.read(&mut buf).unwrap(), XENCONS_IN_SIZE);
    assert!(buf[..XENCONS_IN_SIZE].iter().all(|&x| x == 2));
}

#[derive(Clone, Debug)]
enum Op {
    /// The guest stores any value into one of the four index words.
    Poke(usize, u32),
    /// The backend reads up to n bytes of output.
    Read(usize),
    /// The backend writes n bytes of input.
    Write(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0usize..4, any::<u32>()).prop_map(|(i, v)| Op::Poke(i, v)),
        (0usize..5000).prop_map(Op::Read),
        (0usize..3000).prop_map(Op::Write),
    ]
}

const IDX: [usize; 4] = [
    XENCONS_IN_CONS_OFFSET,
    XENCONS_IN_PROD_OFFSET,
    XENCONS_OUT_CONS_OFFSET,
    XENCONS_OUT_PROD_OFFSET,
];

fn snapshot(mem: &HostMemory, mfn: Mfn) -> Vec<u8> {
    let mut v = vec![0; PAGE_SIZE];
    mem.read(mfn, 0, &mut v).unwrap();
    v
}

proptest! {
    /// Whatever the guest does to the indexes, the backend never panics,
    /// never returns more than a ring's worth, only reads bytes of the
    /// `out` area (which holds only bytes < 0x80 while everything else in
    /// the page is 0xEE), and only writes the `in` area and its own two
    /// indexes.
    #[test]
    fn hostile_frontend_never_escapes(ops in proptest::collection::vec(op(), 1..60)) {
        let (mem, mfn) = page(0);
        mem.fill(mfn, 0, PAGE_SIZE, 0xEE).unwrap();
        let out: Vec<u8> = (0..XENCONS_OUT_SIZE).map(|i| (i % 0x80) as u8).collect();
        mem.write(mfn, XENCONS_IN_SIZE, &out).unwrap();
        for off in IDX {
            mem.store::<u32>(mfn, off, 0).unwrap();
        }
        let mut b = Back::attach(&mem, mfn).unwrap();
        let mut buf = vec![0u8; 5000];
        for o in &ops {
            match *o {
                Op::Poke(i, v) => mem.store::<u32>(mfn, IDX[i], v).unwrap(),
                Op::Read(n) => {
                    let before = snapshot(&mem, mfn);
                    let k = b.read(&mut buf[..n]).unwrap();
                    prop_assert!(k <= XENCONS_OUT_SIZE && k <= n);
                    prop_assert!(buf[..k].iter().all(|&x| x < 0x80), "read outside the out ring");
                    let after = snapshot(&mem, mfn);
                    for (i, (x, y)) in before.iter().zip(&after).enumerate() {
                        if x != y {
                            prop_assert!((XENCONS_OUT_CONS_OFFSET..XENCONS_OUT_CONS_OFFSET + 4).contains(&i), "byte {i} changed by a read");
                        }
                    }
                }
                Op::Write(n) => {
                    let before = snapshot(&mem, mfn);
                    let data = vec![0x41u8; n];
                    let k = b.write(&data).unwrap();
                    prop_assert!(k <= XENCONS_IN_SIZE && k <= n);
                    let after = snapshot(&mem, mfn);
                    for (i, (x, y)) in before.iter().zip(&after).enumerate() {
                        if x != y {
                            prop_assert!(i < XENCONS_IN_SIZE || (XENCONS_IN_PROD_OFFSET..XENCONS_IN_PROD_OFFSET + 4).contains(&i), "byte {i} changed by a write");
                        }
                    }
                }
            }
        }
    }
}

/// A guest thread rewrites all four indexes as fast as it can while the
/// backend reads and writes: no panic, every call bounded by the ring.
#[test]
fn hostile_frontend_racing_thread() {
    let (mem, mfn) = page(0);
    let stop = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut rng = Rng(99);
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let v = rng.next();
                mem.store::<u32>(mfn, IDX[(v % 4) as usize], (v >> 32) as u32)
                    .unwrap();
            }
        });
        let mut b = Back::attach(&mem, mfn).unwrap();
        let mut buf = [0u8; 4096];
        for _ in 0..200_000 {
            assert!(b.read(&mut buf).unwrap() <= XENCONS_OUT_SIZE);
            assert!(b.write(&buf[..1500]).unwrap() <= XENCONS_IN_SIZE);
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        assert!(b.hostile() > 0);
    });
}
