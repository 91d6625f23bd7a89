//! A hostile frontend drives the block backend: the input is a script of
//! raw request slots, producer-index jumps, grant-page scribbles and
//! processing rounds. The backend must never panic and a read-only disk
//! must never change.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xen_abi::io::blkif::{BlkifRequest, BlkifResponse};
use xen_blkif::*;
use xen_mem::{FrameMemory, HostMemory};
use xen_ring::{FrontRing, SharedRing};
use zerocopy::FromBytes;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, mut rest)) = data.split_first() else { return };
    let read_only = flags & 1 != 0;
    let mem = HostMemory::new(16);
    let ring = mem.alloc_frame().unwrap();
    let shared = SharedRing::new::<BlkifRequest, BlkifResponse>(&mem, &[ring]).unwrap();
    shared.init(u32::from(flags).wrapping_mul(0x0101_0101)).unwrap();
    let mut front =
        FrontRing::<_, BlkifRequest, BlkifResponse>::new_at(shared, u32::from(flags).wrapping_mul(0x0101_0101)).unwrap();
    let mut table = FrameTable::new(&mem);
    let mut pages = Vec::new();
    for i in 0..4 {
        let f = mem.alloc_frame().unwrap();
        pages.push(f);
        table.grant(f, i % 2 == 1);
    }
    let disk = MemDisk::new(64, read_only);
    let before = disk.contents();
    let mut back = Backend::attach(&mem, &[ring], Protocol::Native, disk, table, BackendConfig::default()).unwrap();
    while let Some((&op, tail)) = rest.split_first() {
        rest = tail;
        match op % 4 {
            0 => {
                if rest.len() < 112 {
                    break;
                }
                let (slot, tail) = rest.split_at(112);
                rest = tail;
                if let Ok(r) = BlkifRequest::read_from_bytes(slot) {
                    if front.push_request(&r).is_ok() {
                        let _ = front.push_requests_and_check_notify();
                    }
                }
            }
            1 => {
                if rest.len() < 4 {
                    break;
                }
                let v = u32::from_le_bytes(rest[..4].try_into().unwrap());
                rest = &rest[4..];
                mem.store::<u32>(ring, 0, v).unwrap();
            }
            2 => {
                if rest.len() < 2 {
                    break;
                }
                let page = pages[usize::from(rest[0]) % pages.len()];
                mem.fill(page, usize::from(rest[1]) * 16, 16, rest[1]).unwrap();
                rest = &rest[2..];
            }
            _ => {
                let _ = back.process(u32::from(op >> 2));
                while let Ok(Some(_)) = front.take_response() {}
            }
        }
    }
    let _ = back.process(64);
    if read_only {
        assert!(back.storage().contents() == before);
    }
});
