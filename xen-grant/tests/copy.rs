//! GNTTABOP_copy: gref and frame sides, sub-page and transitive grants,
//! batches.

mod common;

use common::*;
use xen_abi::{DomId, GrantRef};
use xen_grant::abi::*;
use xen_grant::host::HostWorld;
use xen_grant::{CopyBatch, CopyError, CopyPtr, CopyRequest, CopySide, GrantError};
use xen_mem::FrameMemory;

fn gref_side(dom: DomId, gref: u32, offset: u16) -> CopySide {
    CopySide {
        ptr: CopyPtr::Gref(GrantRef(gref)),
        domid: dom,
        offset,
    }
}

fn own_side(gfn: u64, offset: u16) -> CopySide {
    CopySide {
        ptr: CopyPtr::Gmfn(gfn),
        domid: DomId::SELF,
        offset,
    }
}

fn copy1(w: &HostWorld, who: DomId, req: CopyRequest) -> Result<(), CopyError> {
    CopyBatch::new(w, caller(w, who)).copy(&req)
}

fn fill(w: &HostWorld, d: DomId, gfn: u64, byte: u8) {
    w.host_memory()
        .fill(w.gfn_to_mfn(d, gfn).unwrap(), 0, 4096, byte)
        .unwrap();
}

fn byte_at(w: &HostWorld, d: DomId, gfn: u64, off: usize) -> u8 {
    let mut b = [0u8];
    w.host_memory()
        .read(w.gfn_to_mfn(d, gfn).unwrap(), off, &mut b)
        .unwrap();
    b[0]
}

#[test]
fn copy_from_grant_into_own_frame_and_back() {
    let w = world();
    fill(&w, DOMU, 4, 0xAB);
    grant(&w, DOMU, 12, DOM0, 4, false);
    let req = CopyRequest {
        source: gref_side(DOMU, 12, 100),
        dest: own_side(9, 200),
        len: 50,
    };
    copy1(&w, DOM0, req).unwrap();
    assert_eq!(byte_at(&w, DOM0, 9, 199), 0);
    assert_eq!(byte_at(&w, DOM0, 9, 200), 0xAB);
    assert_eq!(byte_at(&w, DOM0, 9, 249), 0xAB);
    assert_eq!(byte_at(&w, DOM0, 9, 250), 0);
    fill(&w, DOM0, 9, 0x11);
    let back = CopyRequest {
        source: own_side(9, 0),
        dest: gref_side(DOMU, 12, 0),
        len: 4096,
    };
    copy1(&w, DOM0, back).unwrap();
    assert_eq!(byte_at(&w, DOMU, 4, 4095), 0x11);
    assert_eq!(use_bits(&w, DOMU, 12), 0, "released after the batch");
    assert_eq!(w.total_refs(), 0);
}

#[test]
fn copy_argument_checks() {
    let w = world();
    grant(&w, DOMU, 12, DOM0, 4, true);
    let over = CopyRequest {
        source: gref_side(DOMU, 12, 4000),
        dest: own_side(9, 0),
        len: 200,
    };
    assert_eq!(
        copy1(&w, DOM0, over),
        Err(CopyError::Status(GrantError::BadCopyArg))
    );
    let to_ro = CopyRequest {
        source: own_side(9, 0),
        dest: gref_side(DOMU, 12, 0),
        len: 1,
    };
    assert_eq!(
        copy1(&w, DOM0, to_ro),
        Err(CopyError::Status(GrantError::GeneralError)),
        "read-only grant as destination"
    );
    let foreign_frame = CopyRequest {
        source: CopySide {
            ptr: CopyPtr::Gmfn(3),
            domid: DOMU,
            offset: 0,
        },
        dest: own_side(9, 0),
        len: 1,
    };
    assert_eq!(
        copy1(&w, DOM0, foreign_frame),
        Err(CopyError::Status(GrantError::PermissionDenied))
    );
    let no_dom = CopyRequest {
        source: gref_side(DomId(50), 12, 0),
        dest: own_side(9, 0),
        len: 1,
    };
    assert_eq!(
        copy1(&w, DOM0, no_dom),
        Err(CopyError::Status(GrantError::BadDomain))
    );
    let zero = CopyRequest {
        source: gref_side(DomId(50), 12, 0),
        dest: own_side(9, 0),
        len: 0,
    };
    assert_eq!(copy1(&w, DOM0, zero), Ok(()), "len 0 checks nothing");
    let bad_ref = CopyRequest {
        source: gref_side(DOMU, 999, 0),
        dest: own_side(9, 0),
        len: 1,
    };
    assert_eq!(
        copy1(&w, DOM0, bad_ref),
        Err(CopyError::Status(GrantError::BadGntref))
    );
    let bad_frame = CopyRequest {
        source: own_side(1 << 30, 0),
        dest: own_side(9, 0),
        len: 1,
    };
    assert_eq!(
        copy1(&w, DOM0, bad_frame),
        Err(CopyError::Status(GrantError::BadPage))
    );
    assert_eq!(w.total_refs(), 0);
    assert_eq!(use_bits(&w, DOMU, 12), 0);
}

#[test]
fn sub_page_grants_limit_the_window() {
    let w = world();
    let t = dom(&w, DOMU).table();
    assert_eq!(t.set_version(&w, 2).0, Ok(()));
    let g = w.guest_table(DOMU).unwrap();
    fill(&w, DOMU, 4, 0x5A);
    g.grant_sub_page(20, DOM0, 4, 1024, 512, true).unwrap();
    let inside = CopyRequest {
        source: gref_side(DOMU, 20, 1024),
        dest: own_side(9, 0),
        len: 512,
    };
    copy1(&w, DOM0, inside).unwrap();
    assert_eq!(byte_at(&w, DOM0, 9, 511), 0x5A);
    for (off, len) in [(1023, 2), (1024, 513), (0, 1)] {
        let outside = CopyRequest {
            source: gref_side(DOMU, 20, off),
            dest: own_side(9, 0),
            len,
        };
        assert_eq!(
            copy1(&w, DOM0, outside),
            Err(CopyError::Status(GrantError::GeneralError))
        );
    }
    // Sub-page grants are copy-only.
    assert_eq!(
        map(&w, DOM0, DOMU, 20, RO_HOST, 0x1000),
        Err(GrantError::GeneralError)
    );
    assert_eq!(g.in_use_bits(20).unwrap(), 0);
    assert_eq!(w.total_refs(), 0);
    assert_eq!(
        t.set_version(&w, 1).0,
        Ok(()),
        "no v2 operation left in flight"
    );
}

#[test]
fn transitive_grants_are_followed_once() {
    let w = world();
    // DOMU2 grants gfn 5 to DOMU; DOMU re-grants it transitively to DOM0.
    for d in [DOMU, DOMU2] {
        assert_eq!(dom(&w, d).table().set_version(&w, 2).0, Ok(()));
    }
    fill(&w, DOMU2, 5, 0x77);
    let g2 = w.guest_table(DOMU2).unwrap();
    g2.grant_access(30, DOMU, 5, false).unwrap();
    let g1 = w.guest_table(DOMU).unwrap();
    g1.grant_transitive(40, DOM0, DOMU2, 30, false).unwrap();
    let req = CopyRequest {
        source: gref_side(DOMU, 40, 8),
        dest: own_side(9, 8),
        len: 8,
    };
    let mut b = CopyBatch::new(&w, caller(&w, DOM0));
    b.copy(&req).unwrap();
    // While the batch holds it, both links are in use.
    assert_eq!(g1.in_use_bits(40).unwrap(), GTF_READING);
    assert_eq!(g2.in_use_bits(30).unwrap(), GTF_READING);
    drop(b);
    assert_eq!(byte_at(&w, DOM0, 9, 8), 0x77);
    assert_eq!(g1.in_use_bits(40).unwrap(), 0);
    assert_eq!(g2.in_use_bits(30).unwrap(), 0);
    // Writing through it works too.
    let write = CopyRequest {
        source: own_side(9, 0),
        dest: gref_side(DOMU, 40, 0),
        len: 4,
    };
    copy1(&w, DOM0, write).unwrap();
    assert_eq!(byte_at(&w, DOMU2, 5, 0), 0);
    // Never mappable.
    assert_eq!(
        map(&w, DOM0, DOMU, 40, RO_HOST, 0x1000),
        Err(GrantError::GeneralError)
    );
    assert_eq!(w.total_refs(), 0);
    for d in [DOMU, DOMU2] {
        assert_eq!(dom(&w, d).table().set_version(&w, 1).0, Ok(()));
    }
}

#[test]
fn transitive_chains_and_loops_stop_after_one_level() {
    let w = world();
    for d in [DOM0, DOMU, DOMU2] {
        assert_eq!(dom(&w, d).table().set_version(&w, 2).0, Ok(()));
    }
    let g1 = w.guest_table(DOMU).unwrap();
    let g2 = w.guest_table(DOMU2).unwrap();
    // DOMU:40 -> DOMU2:30 -> DOMU:41 (two levels): refused.
    g1.grant_transitive(40, DOM0, DOMU2, 30, true).unwrap();
    g2.grant_transitive(30, DOMU, DOMU, 41, true).unwrap();
    g1.grant_access(41, DOMU2, 3, true).unwrap();
    // Self-reference: refused.
    g1.grant_transitive(42, DOM0, DOMU, 41, true).unwrap();
    // To a missing domain: refused.
    g1.grant_transitive(43, DOM0, DomId(60), 1, true).unwrap();
    for gref in [40, 42, 43] {
        let req = CopyRequest {
            source: gref_side(DOMU, gref, 0),
            dest: own_side(9, 0),
            len: 1,
        };
        assert_eq!(
            copy1(&w, DOM0, req),
            Err(CopyError::Status(GrantError::GeneralError)),
            "gref {gref}"
        );
        assert_eq!(g1.in_use_bits(gref).unwrap(), 0);
    }
    assert_eq!(g2.in_use_bits(30).unwrap(), 0);
    assert_eq!(w.total_refs(), 0);
    assert_eq!(dom(&w, DOMU).table().set_version(&w, 1).0, Ok(()));
}

#[test]
fn transitive_copies_can_be_disabled() {
    let opts = xen_grant::GrantOptions {
        transitive: false,
        ..Default::default()
    };
    let w = world_with(opts);
    for d in [DOMU, DOMU2] {
        assert_eq!(dom(&w, d).table().set_version(&w, 2).0, Ok(()));
    }
    w.guest_table(DOMU2)
        .unwrap()
        .grant_access(30, DOMU, 5, true)
        .unwrap();
    w.guest_table(DOMU)
        .unwrap()
        .grant_transitive(40, DOM0, DOMU2, 30, true)
        .unwrap();
    let req = CopyRequest {
        source: gref_side(DOMU, 40, 0),
        dest: own_side(9, 0),
        len: 1,
    };
    assert_eq!(
        copy1(&w, DOM0, req),
        Err(CopyError::Status(GrantError::GeneralError))
    );
    assert_eq!(w.total_refs(), 0);
}

#[test]
fn a_batch_acquires_each_grant_once() {
    let w = world();
    grant(&w, DOMU, 12, DOM0, 4, true);
    let mut b = CopyBatch::new(&w, caller(&w, DOM0));
    for i in 0..8u16 {
        let req = CopyRequest {
            source: gref_side(DOMU, 12, i * 512),
            dest: own_side(9, i * 512),
            len: 512,
        };
        b.copy(&req).unwrap();
        let src = w.gfn_to_mfn(DOMU, 4).unwrap();
        assert_eq!(w.page_refs(src), (1, 0), "one reference for the whole run");
    }
    // An error releases what the batch held.
    let bad = CopyRequest {
        source: gref_side(DOMU, 12, 0),
        dest: own_side(9, 4000),
        len: 200,
    };
    assert_eq!(b.copy(&bad), Err(CopyError::Status(GrantError::BadCopyArg)));
    assert_eq!(w.total_refs(), 0);
    assert_eq!(use_bits(&w, DOMU, 12), 0);
}

#[test]
fn copy_and_mapping_share_pins() {
    let w = world();
    grant(&w, DOMU, 12, DOM0, 4, false);
    let m = map(&w, DOM0, DOMU, 12, RO_HOST, 0x1000).unwrap();
    let req = CopyRequest {
        source: own_side(9, 0),
        dest: gref_side(DOMU, 12, 0),
        len: 16,
    };
    copy1(&w, DOM0, req).unwrap();
    assert_eq!(
        use_bits(&w, DOMU, 12),
        GTF_READING,
        "writing dropped with the copy"
    );
    // Someone else cannot copy from an entry pinned for dom0.
    let other = CopyRequest {
        source: gref_side(DOMU, 12, 0),
        dest: own_side(9, 0),
        len: 16,
    };
    assert_eq!(
        copy1(&w, DOMU2, other),
        Err(CopyError::Status(GrantError::GeneralError))
    );
    unmap(&w, DOM0, m.handle, 0x1000, 0).unwrap();
    assert_eq!(w.total_refs(), 0);
}

#[test]
fn a_cached_domain_pair_does_not_admit_foreign_frames() {
    let w = world();
    grant(&w, DOMU, 12, DOM0, 4, true);
    fill(&w, DOMU, 3, 0xEE);
    let mut b = CopyBatch::new(&w, caller(&w, DOM0));
    b.copy(&CopyRequest {
        source: gref_side(DOMU, 12, 0),
        dest: own_side(9, 0),
        len: 8,
    })
    .unwrap();
    // Same domain pair as before, but now a frame of DOMU: refused.
    let sneaky = CopyRequest {
        source: CopySide {
            ptr: CopyPtr::Gmfn(3),
            domid: DOMU,
            offset: 0,
        },
        dest: own_side(9, 0),
        len: 8,
    };
    assert_eq!(
        b.copy(&sneaky),
        Err(CopyError::Status(GrantError::PermissionDenied))
    );
    drop(b);
    assert_eq!(byte_at(&w, DOM0, 9, 0), 0);
    assert_eq!(w.total_refs(), 0);
}
