//! Multi-threaded stress: backend vCPUs map, copy and unmap a guest's
//! grants while a hostile guest thread keeps rewriting the shared entries
//! (flags, grantee, frame) with plain stores and random values. Whatever
//! the guest does, the engine must not panic, must keep its own accounting
//! exact and must give every page reference back.

mod common;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use common::*;
use xen_abi::{DomId, GrantRef};
use xen_grant::abi::*;
use xen_grant::host::HostWorld;
use xen_grant::{
    map_grant_ref, unmap_grant_ref, Caller, CopyBatch, CopyPtr, CopyRequest, CopySide, GrantWorld,
    MapRequest, UnmapRequest,
};
use xen_mem::FrameMemory;

fn xorshift(s: &mut u64) -> u64 {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    *s
}

fn stress(version: u32) {
    let w: &'static HostWorld = Box::leak(Box::new(world()));
    let t = dom(w, DOMU).table();
    assert_eq!(t.set_version(w, version).0, Ok(()));
    let g = w.guest_table(DOMU).unwrap();
    for r in 8..24 {
        g.grant_access(r, DOM0, u64::from(r % 8), r % 3 == 0)
            .unwrap();
    }
    let stop: &'static AtomicBool = Box::leak(Box::new(AtomicBool::new(false)));
    let ok_maps: &'static AtomicU64 = Box::leak(Box::new(AtomicU64::new(0)));
    let frame = t.shared_frames()[0];
    let entry_size = if version == 1 { 8 } else { 16 };
    std::thread::scope(|s| {
        // The hostile guest.
        s.spawn(move || {
            let mut seed = 0x1234_5678_9abc_def1u64;
            let g = w.guest_table(DOMU).unwrap();
            while !stop.load(Ordering::Relaxed) {
                let x = xorshift(&mut seed);
                let r = 8 + (x % 16) as u32;
                let off = r as usize * entry_size;
                match (x >> 8) % 6 {
                    // Random header: any flags, often the right grantee.
                    0 => {
                        let dom = if x & (1 << 20) != 0 {
                            0
                        } else {
                            (x >> 24) as u16
                        };
                        let h = u32::from((x >> 32) as u16) | u32::from(dom) << 16;
                        w.host_memory().store::<u32>(frame, off, h).unwrap();
                    }
                    // Random frame number.
                    1 => {
                        let f = (x >> 40) % 12;
                        w.host_memory()
                            .store::<u32>(frame, off + 4, f as u32)
                            .unwrap();
                        if version == 2 {
                            w.host_memory().store::<u64>(frame, off + 8, f).unwrap();
                        }
                    }
                    // Try to take the grant back.
                    2 => {
                        let _ = g.end_access(r);
                    }
                    // Flip to read-only / writable.
                    3 => {
                        let v = w.host_memory().load::<u16>(frame, off).unwrap();
                        w.host_memory()
                            .store::<u16>(frame, off, v ^ GTF_READONLY)
                            .unwrap();
                    }
                    // Re-grant properly.
                    _ => {
                        let _ = g.grant_access(r, DOM0, (x >> 44) % 8, x & 1 == 0);
                    }
                }
            }
        });
        // Backend vCPUs.
        let backends: Vec<_> = (0..2u32)
            .map(|vcpu| {
                s.spawn(move || {
                    let c = Caller::new(dom(w, DOM0), vcpu);
                    let mut seed = 0xdead_beef_0000_0001u64 + u64::from(vcpu);
                    for i in 0..20_000u64 {
                        let x = xorshift(&mut seed);
                        let r = 8 + (x % 16) as u32;
                        let addr = 0x1000 * (1 + u64::from(vcpu) * 100 + i % 50);
                        let flags = match x >> 60 {
                            0..=5 => GNTMAP_HOST_MAP,
                            6..=9 => GNTMAP_HOST_MAP | GNTMAP_READONLY,
                            10..=12 => GNTMAP_HOST_MAP | GNTMAP_DEVICE_MAP,
                            _ => GNTMAP_DEVICE_MAP | GNTMAP_READONLY,
                        };
                        let req = MapRequest {
                            host_addr: addr,
                            flags,
                            gref: GrantRef(r),
                            dom: DOMU,
                        };
                        if let Ok(m) = map_grant_ref(w, &c, &req) {
                            ok_maps.fetch_add(1, Ordering::Relaxed);
                            let mut b = CopyBatch::new(w, c);
                            let _ = b.copy(&CopyRequest {
                                source: CopySide {
                                    ptr: CopyPtr::Gref(GrantRef(8 + (x >> 8) as u32 % 16)),
                                    domid: DOMU,
                                    offset: 0,
                                },
                                dest: CopySide {
                                    ptr: CopyPtr::Gmfn(40 + u64::from(vcpu)),
                                    domid: DomId::SELF,
                                    offset: 0,
                                },
                                len: 64,
                            });
                            drop(b);
                            let un = UnmapRequest {
                                host_addr: if flags & GNTMAP_HOST_MAP != 0 {
                                    addr
                                } else {
                                    0
                                },
                                dev_bus_addr: m.dev_bus_addr(),
                                handle: m.handle,
                                new_addr: 0,
                            };
                            let p = unmap_grant_ref(w, &c, &un).expect("own mapping unmaps");
                            w.flush_tlb(DOM0);
                            p.complete(w, &c);
                        }
                    }
                })
            })
            .collect();
        for b in backends {
            b.join().unwrap();
        }
        stop.store(true, Ordering::Relaxed);
    });
    assert!(ok_maps.load(Ordering::Relaxed) > 0);
    assert_eq!(dom(w, DOM0).active_mappings(), 0);
    assert!(!t.any_pinned());
    assert_eq!(w.total_refs(), 0, "page references leaked");
    assert_eq!(w.host_mappings(DOM0), 0);
}

#[test]
fn hostile_guest_rewriting_v1_entries() {
    stress(1);
}

#[test]
fn hostile_guest_rewriting_v2_entries() {
    stress(2);
}
