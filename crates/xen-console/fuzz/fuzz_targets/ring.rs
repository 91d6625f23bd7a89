//! A hostile guest rewrites the console page's indexes and bytes between
//! the backend's reads and writes. The backend must never panic, never
//! take or give more than a ring's worth, and never write outside the
//! `in` ring and its own two indexes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xen_abi::io::console::*;
use xen_console::Back;
use xen_mem::{FrameMemory, HostMemory, PAGE_SIZE};

fuzz_target!(|data: &[u8]| {
    let mem = HostMemory::new(1);
    let mfn = mem.alloc_frame().unwrap();
    let mut back = Back::attach(&mem, mfn).unwrap();
    let mut buf = [0u8; 4096];
    let mut rest = data;
    while let Some((&op, tail)) = rest.split_first() {
        rest = tail;
        match op % 4 {
            0 if rest.len() >= 5 => {
                let off = [
                    XENCONS_IN_CONS_OFFSET,
                    XENCONS_IN_PROD_OFFSET,
                    XENCONS_OUT_CONS_OFFSET,
                    XENCONS_OUT_PROD_OFFSET,
                ][usize::from(rest[0]) % 4];
                let v = u32::from_le_bytes(rest[1..5].try_into().unwrap());
                mem.store::<u32>(mfn, off, v).unwrap();
                rest = &rest[5..];
            }
            1 => {
                let n = back.read(&mut buf[..usize::from(op)]).unwrap();
                assert!(n <= XENCONS_OUT_SIZE);
            }
            2 => {
                let mut before = vec![0u8; PAGE_SIZE];
                mem.read(mfn, 0, &mut before).unwrap();
                let n = back.write(&[op; 2048][..usize::from(op) * 8]).unwrap();
                assert!(n <= XENCONS_IN_SIZE);
                let mut after = vec![0u8; PAGE_SIZE];
                mem.read(mfn, 0, &mut after).unwrap();
                for (i, (a, b)) in before.iter().zip(&after).enumerate() {
                    if a != b {
                        assert!(i < XENCONS_IN_SIZE || (XENCONS_IN_PROD_OFFSET..XENCONS_IN_PROD_OFFSET + 4).contains(&i));
                    }
                }
            }
            _ if rest.len() >= 2 => {
                mem.fill(mfn, usize::from(rest[0]) * 12, 12, rest[1]).unwrap();
                rest = &rest[2..];
            }
            _ => break,
        }
    }
});
