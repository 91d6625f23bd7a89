//! A driver that turns arbitrary bytes into a run of hostile guest writes
//! and grant-table hypercalls on a fresh [`HostWorld`], then checks the
//! invariants that must survive anything a guest does: no panic, every
//! page reference given back once all mappings are gone, no mapping left
//! behind, no frame leaked by the tables. Shared by the fuzz target and
//! the proptest that runs it under `cargo test`.

use alloc::vec::Vec;

use xen_abi::grant_table::{
    GnttabCopy, GnttabCopyPtr, GnttabMapGrantRef, GnttabSetVersion, GnttabSwapGrantRef,
    GnttabTransfer, GnttabUnmapAndReplace, GnttabUnmapGrantRef,
};
use xen_abi::{DomId, GrantRef};
use xen_mem::FrameMemory;

use crate::domain::{Caller, DomainConfig, GrantOptions};
use crate::host::HostWorld;
use crate::ops;
use crate::world::GrantWorld;

const DOMS: [DomId; 3] = [DomId(0), DomId(1), DomId(2)];
const RAM: u64 = 16;

struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn u8(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }
    fn u16(&mut self) -> Option<u16> {
        Some(u16::from(self.u8()?) | u16::from(self.u8()?) << 8)
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from(self.u16()?) | u32::from(self.u16()?) << 16)
    }
    fn small_ref(&mut self) -> Option<u32> {
        // Mostly low references, sometimes anything.
        let b = self.u8()?;
        if b < 240 {
            Some(u32::from(b % 24))
        } else {
            self.u32()
        }
    }
    fn dom(&mut self) -> Option<DomId> {
        let b = self.u8()?;
        Some(match b % 5 {
            i @ 0..=2 => DOMS[i as usize],
            3 => DomId::SELF,
            _ => DomId(u16::from(b)),
        })
    }
}

/// Runs `data` as a scenario; panics if an invariant breaks.
pub fn run(data: &[u8]) {
    let w = HostWorld::new(512);
    for (i, &d) in DOMS.iter().enumerate() {
        let config = DomainConfig {
            translated: i != 0,
            privileged: i == 0,
            vcpus: 2,
            options: GrantOptions {
                max_grant_frames: 4,
                max_maptrack_frames: 2,
                ..GrantOptions::default()
            },
        };
        w.create_domain(d, config, RAM);
    }
    let baseline = w.host_memory().allocated_frames();
    let mut handles: Vec<(usize, u32, u64)> = Vec::new();
    let mut b = Bytes(data);
    while let Some(kind) = b.u8() {
        if step(&w, &mut b, kind, &mut handles).is_none() {
            break;
        }
    }
    // Tear down: release every mapping, then the invariants.
    for &d in &DOMS {
        let g = w.grant_domain(d).expect("domain");
        while crate::map::release_mappings(&w, g, 7) {}
        assert_eq!(g.active_mappings(), 0, "mappings left in {d:?}");
    }
    assert_eq!(w.total_refs(), 0, "page references leaked");
    for &d in &DOMS {
        let t = w.grant_domain(d).expect("domain").table();
        assert!(!t.any_pinned(), "pins left in {d:?}");
        let _ = t.set_version(&w, 1);
    }
    // Tables may have grown: frames beyond the baseline belong to tables.
    let table_frames: usize = DOMS
        .iter()
        .map(|&d| {
            let t = w.grant_domain(d).expect("domain").table();
            t.shared_frames().len() + t.status_frames().len()
        })
        .sum();
    assert!(w.host_memory().allocated_frames() <= baseline + table_frames + 3 * RAM as usize);
}

fn step(
    w: &HostWorld,
    b: &mut Bytes<'_>,
    kind: u8,
    handles: &mut Vec<(usize, u32, u64)>,
) -> Option<()> {
    let who = usize::from(b.u8()? % 3);
    let caller = Caller::new(w.grant_domain(DOMS[who])?, u32::from(b.u8()? % 3));
    match kind % 11 {
        // The guest writes anything into its own table frames.
        0..=2 => {
            let t = caller.domain.table();
            let frames = t.shared_frames();
            let f = frames.get(usize::from(b.u8()?) % frames.len().max(1))?;
            let off = usize::from(b.u16()? % 4096) & !3;
            let v = b.u32()?;
            w.host_memory().store::<u32>(*f, off, v).ok()?;
        }
        3 => {
            let mut op = [GnttabMapGrantRef {
                host_addr: u64::from(b.u16()?) << 12,
                flags: u32::from(b.u8()?) & 0x1f,
                r#ref: GrantRef(b.small_ref()?),
                dom: b.dom()?,
                ..Default::default()
            }];
            ops::map_grant_ref(w, &caller, &mut op, || false);
            assert!(op[0].status <= 0);
            if op[0].status == 0 {
                handles.push((who, op[0].handle, op[0].host_addr));
            }
        }
        4 => {
            let pick = usize::from(b.u8()?);
            let (h, addr, dev) = match handles.iter().position(|x| x.0 == who) {
                Some(_) if pick % 4 != 0 => {
                    let mine: Vec<_> = handles.iter().filter(|x| x.0 == who).collect();
                    let x = mine[pick % mine.len()];
                    (x.1, x.2, u64::from(b.u8()? & 1) * u64::MAX)
                }
                _ => (b.u32()?, u64::from(b.u16()?) << 12, 0),
            };
            let mut op = [GnttabUnmapGrantRef {
                host_addr: addr,
                dev_bus_addr: dev,
                handle: h,
                ..Default::default()
            }];
            ops::unmap_grant_ref(w, &caller, &mut op, || false);
            assert!(op[0].status <= 0);
        }
        5 => {
            let mut op = [GnttabUnmapAndReplace {
                host_addr: u64::from(b.u16()?) << 12,
                new_addr: u64::from(b.u16()?) << 12,
                handle: b.u32()? % 1024,
                ..Default::default()
            }];
            ops::unmap_and_replace(w, &caller, &mut op, || false);
        }
        6 => {
            let flags = u16::from(b.u8()? & 3);
            let mut op = [GnttabCopy {
                source: GnttabCopyPtr::from_gref(
                    GrantRef(b.small_ref()?),
                    b.dom()?,
                    b.u16()? % 4200,
                ),
                dest: GnttabCopyPtr::from_gmfn(u64::from(b.u8()? % 20), b.dom()?, b.u16()? % 4200),
                len: b.u16()? % 4200,
                flags,
                ..Default::default()
            }];
            if flags & 2 != 0 {
                op[0].dest = GnttabCopyPtr::from_gref(GrantRef(b.small_ref()?), b.dom()?, 0);
            }
            ops::copy(w, &caller, &mut op, || false);
            assert!(op[0].status <= 0);
        }
        7 => {
            let mut op = GnttabSetVersion {
                version: u32::from(b.u8()? % 4),
            };
            let _ = ops::set_version(w, &caller, &mut op);
            assert!(op.version == 1 || op.version == 2);
        }
        8 => {
            let mut op = [GnttabSwapGrantRef {
                ref_a: GrantRef(b.small_ref()?),
                ref_b: GrantRef(b.small_ref()?),
                ..Default::default()
            }];
            ops::swap_grant_ref(w, &caller, &mut op, || false);
        }
        9 => {
            let mut op = [GnttabTransfer {
                mfn: u64::from(b.u8()? % 24),
                domid: b.dom()?,
                r#ref: GrantRef(b.small_ref()?),
                ..Default::default()
            }];
            let _ = ops::transfer(w, &caller, &mut op, || false);
        }
        _ => {
            let mut op = xen_abi::grant_table::GnttabSetupTable {
                dom: b.dom()?,
                nr_frames: u32::from(b.u8()? % 6),
                ..Default::default()
            };
            let _ = ops::setup_table(w, &caller, &mut op);
            // A guest mapping one of its status frames, sometimes.
            let st = caller.domain.table().status_frames();
            if let Some(&f) = st.first() {
                let _ = w.guest_map_table_frame(caller.id(), f, b.u8()? & 1 == 1);
            }
        }
    }
    w.flush_tlb(DomId(0));
    Some(())
}
