//! The hypercall layer over xen-abi argument structures.

mod common;

use common::hook::{HookWorld, Point};
use common::*;
use xen_abi::grant_table::*;
use xen_abi::{DomId, GrantRef};
use xen_grant::ops::{self, Progress};
use xen_grant::{Caller, CopyBatch, CopyPtr, CopyRequest, CopySide, Errno};
use xen_mem::FrameMemory;

fn map_op(dom: DomId, gref: u32, flags: u32, addr: u64) -> GnttabMapGrantRef {
    GnttabMapGrantRef {
        host_addr: addr,
        flags,
        r#ref: GrantRef(gref),
        dom,
        ..Default::default()
    }
}

#[test]
fn decode_cmd_follows_do_grant_table_op() {
    assert_eq!(ops::decode_cmd(GNTTABOP_MAP_GRANT_REF, 1), Ok(0));
    assert_eq!(ops::decode_cmd(GNTTABOP_COPY, 0x7fff_ffff), Ok(5));
    assert_eq!(
        ops::decode_cmd(GNTTABOP_COPY, 0x8000_0000),
        Err(Errno::Inval)
    );
    assert_eq!(
        ops::decode_cmd(GNTTABOP_COPY | 1 << 12, 1),
        Err(Errno::Inval)
    );
    assert_eq!(ops::decode_cmd(13, 1), Err(Errno::NoSys));
    assert_eq!(ops::decode_cmd(GNTTABOP_DUMP_TABLE, 1), Err(Errno::NoSys));
}

#[test]
fn xsa_232_cache_flush_is_not_offered_on_x86() {
    assert_eq!(ops::decode_cmd(GNTTABOP_CACHE_FLUSH, 1), Err(Errno::NoSys));
    assert_eq!(
        ops::decode_cmd(GNTTABOP_CACHE_FLUSH | 5 << 12, 1),
        Err(Errno::NoSys)
    );
}

#[test]
fn map_and_unmap_arrays_fill_their_fields() {
    let w = world();
    for r in 8..48 {
        grant(&w, DOMU, r, DOM0, u64::from(r), false);
    }
    let c = caller(&w, DOM0);
    let mut maps: Vec<_> = (8..48u32)
        .map(|r| map_op(DOMU, r, RW_HOST, 0x1000 * u64::from(r)))
        .collect();
    maps.push(map_op(DOMU, 9999, RW_HOST, 0x1000));
    assert_eq!(
        ops::map_grant_ref(&w, &c, &mut maps, || false),
        Progress::Done
    );
    for (i, m) in maps[..40].iter().enumerate() {
        assert_eq!(m.status, GNTST_OKAY);
        let mfn = w.gfn_to_mfn(DOMU, 8 + i as u64).unwrap();
        assert_eq!(m.dev_bus_addr, mfn.0 << 12);
    }
    assert_eq!(maps[40].status, GNTST_BAD_GNTREF);
    let mut unmaps: Vec<_> = maps[..40]
        .iter()
        .map(|m| GnttabUnmapGrantRef {
            host_addr: m.host_addr,
            handle: m.handle,
            ..Default::default()
        })
        .collect();
    let flushes = w.tlb_flushes(DOM0);
    assert_eq!(
        ops::unmap_grant_ref(&w, &c, &mut unmaps, || false),
        Progress::Done
    );
    assert!(unmaps.iter().all(|u| u.status == GNTST_OKAY));
    assert_eq!(w.tlb_flushes(DOM0) - flushes, 2, "one flush per 32 unmaps");
    assert_eq!(w.total_refs(), 0);
}

#[test]
fn preemption_reports_progress() {
    let w = world();
    grant(&w, DOMU, 8, DOM0, 1, true);
    let c = caller(&w, DOM0);
    let mut maps: Vec<_> = (0..5u64)
        .map(|i| map_op(DOMU, 8, RO_HOST, 0x1000 * (i + 1)))
        .collect();
    let mut calls = 0;
    let p = ops::map_grant_ref(&w, &c, &mut maps, || {
        calls += 1;
        calls == 3
    });
    assert_eq!(p, Progress::Continue { done: 3 });
    assert_eq!(maps[3].status, 0, "untouched");
    let p = ops::map_grant_ref(&w, &c, &mut maps[3..], || false);
    assert_eq!(p, Progress::Done);
    assert_eq!(
        ops::copy_return_value(10, Progress::Continue { done: 4 }),
        6
    );
    assert_eq!(ops::copy_return_value(10, Progress::Done), 0);
}

#[test]
fn table_ops_through_structs() {
    let w = world();
    let c = caller(&w, DOMU);
    let mut st = GnttabSetupTable {
        dom: DomId::SELF,
        nr_frames: 3,
        ..Default::default()
    };
    let frames = ops::setup_table(&w, &c, &mut st);
    assert_eq!((st.status, frames.len()), (GNTST_OKAY, 3));
    let mut q = GnttabQuerySize {
        dom: DomId::SELF,
        ..Default::default()
    };
    ops::query_size(&w, &c, &mut q);
    assert_eq!(
        (q.status, q.nr_frames, q.max_nr_frames),
        (GNTST_OKAY, 3, 64)
    );
    let mut v = GnttabSetVersion { version: 7 };
    assert_eq!(ops::set_version(&w, &c, &mut v), Err(Errno::Inval));
    assert_eq!(v.version, 1, "current version written back");
    v.version = 2;
    assert_eq!(ops::set_version(&w, &c, &mut v), Ok(()));
    let mut gv = GnttabGetVersion {
        dom: DOMU,
        ..Default::default()
    };
    assert_eq!(ops::get_version(&w, &c, &mut gv), Ok(()));
    assert_eq!(gv.version, 2);
    let mut gs = GnttabGetStatusFrames {
        nr_frames: 1,
        dom: DomId::SELF,
        ..Default::default()
    };
    assert_eq!(ops::get_status_frames(&w, &c, &mut gs).len(), 1);
    assert_eq!(gs.status, GNTST_OKAY);
    gs.nr_frames = 2;
    assert!(ops::get_status_frames(&w, &c, &mut gs).is_empty());
    assert_eq!(gs.status, GNTST_GENERAL_ERROR);
    let mut sw = [GnttabSwapGrantRef {
        ref_a: GrantRef(9),
        ref_b: GrantRef(7000),
        ..Default::default()
    }];
    assert_eq!(
        ops::swap_grant_ref(&w, &c, &mut sw, || false),
        Progress::Done
    );
    assert_eq!(sw[0].status, GNTST_BAD_GNTREF);
}

#[test]
fn copy_and_transfer_through_structs() {
    let w = world();
    grant(&w, DOMU, 12, DOM0, 4, false);
    let c = caller(&w, DOM0);
    let mut ops_ = [
        GnttabCopy {
            source: GnttabCopyPtr::from_gref(GrantRef(12), DOMU, 0),
            dest: GnttabCopyPtr::from_gmfn(3, DomId::SELF, 0),
            len: 100,
            flags: GNTCOPY_SOURCE_GREF,
            ..Default::default()
        },
        GnttabCopy {
            source: GnttabCopyPtr::from_gmfn(3, DOMU, 0),
            dest: GnttabCopyPtr::from_gmfn(3, DomId::SELF, 0),
            len: 100,
            flags: 0,
            ..Default::default()
        },
    ];
    assert_eq!(ops::copy(&w, &c, &mut ops_, || false), Progress::Done);
    assert_eq!(ops_[0].status, GNTST_OKAY);
    assert_eq!(ops_[1].status, GNTST_PERMISSION_DENIED);
    w.guest_table(DOMU)
        .unwrap()
        .accept_transfer(20, DOM0, 70)
        .unwrap();
    let mut t = [GnttabTransfer {
        mfn: 5,
        domid: DOMU,
        r#ref: GrantRef(20),
        ..Default::default()
    }];
    assert_eq!(ops::transfer(&w, &c, &mut t, || false), Ok(Progress::Done));
    assert_eq!(t[0].status, GNTST_OKAY);
}

#[test]
fn a_run_of_elements_on_the_same_frames_checks_every_element() {
    let w = world();
    grant(&w, DOMU, 12, DOM0, 4, true);
    let c = caller(&w, DOM0);
    let mfn = w.gfn_to_mfn(DOMU, 4).unwrap();
    w.host_memory().write(mfn, 0, &[7; 64]).unwrap();
    let el = |soff: u16, doff: u16, len: u16| GnttabCopy {
        source: GnttabCopyPtr::from_gref(GrantRef(12), DOMU, soff),
        dest: GnttabCopyPtr::from_gmfn(3, DomId::SELF, doff),
        len,
        flags: GNTCOPY_SOURCE_GREF,
        ..Default::default()
    };
    let mut ops_ = [
        el(0, 0, 16),
        el(16, 16, 16),  // same frames: no new acquire
        el(4090, 0, 16), // out of the frame: BAD_COPY_ARG, frames released
        el(32, 32, 16),  // acquired again
        el(0, 0, 0),     // nothing to copy
        el(48, 48, 16),
        el(0, 4095, 2), // out of the frame on the destination side
        el(0, 64, 8),
    ];
    assert_eq!(ops::copy(&w, &c, &mut ops_, || false), Progress::Done);
    let status: Vec<i16> = ops_.iter().map(|o| o.status).collect();
    assert_eq!(
        status,
        [
            GNTST_OKAY,
            GNTST_OKAY,
            GNTST_BAD_COPY_ARG,
            GNTST_OKAY,
            GNTST_OKAY,
            GNTST_OKAY,
            GNTST_BAD_COPY_ARG,
            GNTST_OKAY
        ]
    );
    let mut buf = [0u8; 72];
    let dst = w.gfn_to_mfn(DOM0, 3).unwrap();
    w.host_memory().read(dst, 0, &mut buf).unwrap();
    assert_eq!(buf, [7; 72]);
    // Everything acquired was released, and the grant is no longer in use.
    assert_eq!(w.total_refs(), 0);
    assert!(!dom(&w, DOMU).table().any_pinned());
}

#[test]
fn xsa_318_copy_restarted_on_its_first_element_is_not_success() {
    let host = world();
    for d in [DOMU, DOMU2] {
        assert_eq!(dom(&host, d).table().set_version(&host, 2).0, Ok(()));
    }
    let g2 = host.guest_table(DOMU2).unwrap();
    g2.grant_access(30, DOMU, 5, true).unwrap();
    g2.grant_access(31, DOMU, 6, true).unwrap();
    host.guest_table(DOMU)
        .unwrap()
        .grant_transitive(40, DOM0, DOMU2, 30, true)
        .unwrap();
    // While dom0 follows DOMU:40 to DOMU2:30 (DOMU's locks dropped), DOMU
    // re-points entry 40 at DOMU2:31 and another vCPU of dom0 pins it
    // through a copy that stays in flight.
    let hw = HookWorld {
        inner: &host,
        hook: Box::new(|hw: &HookWorld<'_>, p| {
            if p == Point::GetFrame(DOMU2) {
                hw.inner
                    .guest_table(DOMU)
                    .unwrap()
                    .grant_transitive(40, DOM0, DOMU2, 31, true)
                    .unwrap();
                let mut b = CopyBatch::new(hw, Caller::new(dom(hw.inner, DOM0), 1));
                b.copy(&CopyRequest {
                    source: CopySide {
                        ptr: CopyPtr::Gref(GrantRef(40)),
                        domid: DOMU,
                        offset: 0,
                    },
                    dest: CopySide {
                        ptr: CopyPtr::Gmfn(1),
                        domid: DomId::SELF,
                        offset: 0,
                    },
                    len: 8,
                })
                .unwrap();
                std::mem::forget(b);
            }
        }),
    };
    let c = Caller::new(dom(&host, DOM0), 0);
    let mut ops_ = [GnttabCopy {
        source: GnttabCopyPtr::from_gref(GrantRef(40), DOMU, 0),
        dest: GnttabCopyPtr::from_gmfn(2, DomId::SELF, 0),
        len: 8,
        flags: GNTCOPY_SOURCE_GREF,
        status: 77,
        ..Default::default()
    }];
    let p = ops::copy(&hw, &c, &mut ops_, || false);
    assert_eq!(p, Progress::Continue { done: 0 });
    assert_eq!(ops::copy_return_value(1, p), 1, "non-zero: not 'all done'");
    assert_eq!(
        ops_[0].status, 77,
        "status untouched for a restarted element"
    );
}
