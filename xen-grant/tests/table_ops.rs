//! setup_table, query_size, set_version, get_status_frames, get_version,
//! swap_grant_ref and add_to_physmap frame lookup.

mod common;

use common::*;
use xen_abi::DomId;
use xen_grant::abi::*;
use xen_grant::table::status_frames_for;
use xen_grant::{
    get_status_frames, get_version, query_size, setup_table, Errno, GrantError, Version,
};

#[test]
fn setup_grows_up_to_the_limit() {
    let w = world();
    let c = caller(&w, DOMU);
    assert_eq!(query_size(&w, &c, DomId::SELF), Ok((1, 64)));
    let frames = setup_table(&w, &c, DomId::SELF, 4).unwrap();
    assert_eq!(frames.len(), 4);
    let t = dom(&w, DOMU).table();
    assert_eq!(
        frames,
        t.shared_frames().iter().map(|m| m.0).collect::<Vec<_>>()
    );
    assert_eq!(query_size(&w, &c, DomId::SELF), Ok((4, 64)));
    assert_eq!(t.nr_entries(), 4 * 512);
    // Asking for fewer reports the first ones and never shrinks.
    assert_eq!(setup_table(&w, &c, DOMU, 2).unwrap(), frames[..2].to_vec());
    assert_eq!(query_size(&w, &c, DOMU), Ok((4, 64)));
    assert_eq!(setup_table(&w, &c, DOMU, 65), Err(GrantError::GeneralError));
    assert_eq!(
        setup_table(&w, &c, DomId(40), 1),
        Err(GrantError::BadDomain)
    );
}

#[test]
fn only_privileged_callers_reach_other_tables() {
    let w = world();
    let u = caller(&w, DOMU);
    assert_eq!(
        setup_table(&w, &u, DOMU2, 1),
        Err(GrantError::PermissionDenied)
    );
    assert_eq!(query_size(&w, &u, DOMU2), Err(GrantError::PermissionDenied));
    assert_eq!(get_version(&w, &u, DOMU2), Err(Errno::Perm));
    assert_eq!(get_version(&w, &u, DomId(50)), Err(Errno::Srch));
    let d0 = caller(&w, DOM0);
    assert_eq!(query_size(&w, &d0, DOMU2), Ok((1, 64)));
    assert_eq!(get_version(&w, &d0, DOMU2), Ok(1));
}

#[test]
fn set_version_checks_arguments() {
    let w = world();
    let t = dom(&w, DOMU).table();
    assert_eq!(t.set_version(&w, 3), (Err(Errno::Inval), 1));
    assert_eq!(t.set_version(&w, 0), (Err(Errno::Inval), 1));
    assert_eq!(t.set_version(&w, 1), (Ok(()), 1));
    assert_eq!(t.set_version(&w, 2), (Ok(()), 2));
    assert_eq!(t.version(), Version::V2);
    assert_eq!(t.nr_entries(), 256);
    assert_eq!(t.status_frames().len(), 1);
    assert_eq!(t.set_version(&w, 1), (Ok(()), 1));
    assert!(t.status_frames().is_empty());

    let v1_only = xen_grant::GrantOptions {
        max_version: 1,
        ..Default::default()
    };
    let w = world_with(v1_only);
    let t = dom(&w, DOMU).table();
    assert_eq!(t.set_version(&w, 2), (Err(Errno::NoSys), 1));
}

#[test]
fn set_version_keeps_reserved_entries_and_clears_the_rest() {
    let w = world();
    let t = dom(&w, DOMU).table();
    setup_table(&w, &caller(&w, DOMU), DOMU, 2).unwrap();
    grant(&w, DOMU, 0, DOM0, 5, false); // console
    grant(&w, DOMU, 1, DOM0, 6, true); // xenstore
    grant(&w, DOMU, 100, DOM0, 7, false);
    let m = map(&w, DOM0, DOMU, 1, RO_HOST, 0x1000).unwrap();
    assert_eq!(t.set_version(&w, 2), (Ok(()), 2));
    let g = w.guest_table(DOMU).unwrap();
    assert_eq!(g.header_of(0).unwrap().flags, GTF_PERMIT_ACCESS);
    assert_eq!(
        g.header_of(1).unwrap().flags,
        GTF_PERMIT_ACCESS | GTF_READONLY
    );
    assert_eq!(
        g.in_use_bits(1).unwrap(),
        GTF_READING,
        "use bits move to the status word"
    );
    assert_eq!(g.header_of(100).unwrap().flags, 0, "other entries cleared");
    assert_eq!(t.status_frames().len(), status_frames_for(2) as usize);
    // The reserved mapping survives the switch and unmaps cleanly.
    unmap(&w, DOM0, m.handle, 0x1000, 0).unwrap();
    assert_eq!(g.in_use_bits(1).unwrap(), 0);
    assert_eq!(t.set_version(&w, 1), (Ok(()), 1));
    let g = w.guest_table(DOMU).unwrap();
    assert_eq!(
        g.header_of(1).unwrap().flags,
        GTF_PERMIT_ACCESS | GTF_READONLY
    );
    assert_eq!(w.total_refs(), 0);
}

#[test]
fn set_version_refuses_while_grants_are_in_use() {
    let w = world();
    let t = dom(&w, DOMU).table();
    grant(&w, DOMU, 9, DOM0, 5, false);
    let m = map(&w, DOM0, DOMU, 9, RW_HOST, 0x1000).unwrap();
    assert_eq!(t.set_version(&w, 2), (Err(Errno::Busy), 1));
    unmap(&w, DOM0, m.handle, 0x1000, 0).unwrap();
    assert_eq!(t.set_version(&w, 2), (Ok(()), 2));
}

#[test]
fn v2_to_v1_refuses_unrepresentable_reserved_entries() {
    let w = world();
    let t = dom(&w, DOMU).table();
    assert_eq!(t.set_version(&w, 2).0, Ok(()));
    let g = w.guest_table(DOMU).unwrap();
    g.grant_access(2, DOM0, 1 << 33, false).unwrap();
    assert_eq!(t.set_version(&w, 1), (Err(Errno::Range), 2));
    g.grant_transitive(2, DOM0, DOMU2, 9, false).unwrap();
    assert_eq!(t.set_version(&w, 1), (Err(Errno::Range), 2));
    g.end_access(2).unwrap();
    assert_eq!(t.set_version(&w, 1), (Ok(()), 1));
}

#[test]
fn get_status_frames_counts_status_frames() {
    let w = world();
    let c = caller(&w, DOMU);
    setup_table(&w, &c, DOMU, 9).unwrap();
    assert_eq!(get_status_frames(&w, &c, DOMU, 0), Ok(vec![]));
    assert_eq!(
        get_status_frames(&w, &c, DOMU, 1),
        Err(GrantError::GeneralError),
        "v1 has no status frames"
    );
    let t = dom(&w, DOMU).table();
    assert_eq!(t.set_version(&w, 2).0, Ok(()));
    assert_eq!(
        t.status_frames().len(),
        2,
        "9 frames of 256 entries need 2 status frames"
    );
    let got = get_status_frames(&w, &c, DOMU, 2).unwrap();
    assert_eq!(
        got,
        t.status_frames().iter().map(|m| m.0).collect::<Vec<_>>()
    );
    assert_eq!(
        get_status_frames(&w, &c, DOMU, 3),
        Err(GrantError::GeneralError)
    );
    assert_eq!(
        get_status_frames(&w, &caller(&w, DOMU2), DOMU, 1),
        Err(GrantError::PermissionDenied)
    );
}

#[test]
fn swap_grant_ref_exchanges_idle_entries() {
    let w = world();
    let t = dom(&w, DOMU).table();
    for version in [1, 2] {
        assert_eq!(t.set_version(&w, version).0, Ok(()));
        let g = w.guest_table(DOMU).unwrap();
        g.grant_access(10, DOM0, 5, false).unwrap();
        g.grant_access(11, DOMU2, 6, true).unwrap();
        t.swap(&w, 10, 11).unwrap();
        assert_eq!(g.header_of(10).unwrap().domid, DOMU2);
        assert_eq!(g.header_of(11).unwrap().domid, DOM0);
        assert_eq!(t.swap(&w, 10, 10), Ok(()));
        assert_eq!(t.swap(&w, 10, 5000), Err(GrantError::BadGntref));
        let m = map(&w, DOM0, DOMU, 11, RW_HOST, 0x1000).unwrap();
        assert_eq!(t.swap(&w, 10, 11), Err(GrantError::Eagain));
        unmap(&w, DOM0, m.handle, 0x1000, 0).unwrap();
        g.end_access(10).unwrap();
        g.end_access(11).unwrap();
    }
}

#[test]
fn map_frame_grows_and_finds_status_frames() {
    let w = world();
    let t = dom(&w, DOMU).table();
    let f3 = t.map_frame(&w, 3).unwrap();
    assert_eq!(t.size().0, 4);
    assert_eq!(t.shared_frames()[3], f3);
    assert_eq!(t.map_frame(&w, 64), Err(Errno::Inval));
    assert_eq!(
        t.map_frame(&w, XENMAPIDX_GRANT_TABLE_STATUS),
        Err(Errno::Inval),
        "no status frames in v1"
    );
    assert_eq!(t.set_version(&w, 2).0, Ok(()));
    let s1 = t.map_frame(&w, XENMAPIDX_GRANT_TABLE_STATUS | 1).unwrap();
    assert_eq!(t.status_frames()[1], s1);
    assert_eq!(t.size().0, 16, "status frame 1 covers grant frames 8..16");
}

#[test]
fn new_frames_are_accounted_and_freed() {
    let w = world();
    let before = w.host_memory().allocated_frames();
    setup_table(&w, &caller(&w, DOMU2), DOMU2, 10).unwrap();
    let t = dom(&w, DOMU2).table();
    assert_eq!(t.set_version(&w, 2).0, Ok(()));
    assert_eq!(w.host_memory().allocated_frames(), before + 9 + 2);
    assert_eq!(t.set_version(&w, 1).0, Ok(()));
    assert_eq!(w.host_memory().allocated_frames(), before + 9);
    w.destroy_domain(DOMU2).unwrap();
    assert_eq!(
        w.host_memory().allocated_frames(),
        before - 1 - RAM as usize,
        "table and RAM of the destroyed domain are free"
    );
}
