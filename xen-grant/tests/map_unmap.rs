//! Map and unmap through the public API on the host world.

mod common;

use common::*;
use xen_abi::DomId;
use xen_grant::abi::*;
use xen_grant::GrantError;

#[test]
fn map_then_unmap_balances_everything() {
    let w = world();
    grant(&w, DOMU, 10, DOM0, 5, false);
    let m = map(&w, DOM0, DOMU, 10, RW_HOST, 0x4000).unwrap();
    assert_eq!(Some(m.mfn), w.gfn_to_mfn(DOMU, 5));
    assert_eq!(w.host_mapping(DOM0, 0x4000), Some((m.mfn, false)));
    assert_eq!(use_bits(&w, DOMU, 10), GTF_READING | GTF_WRITING);
    assert_eq!(
        w.page_refs(m.mfn),
        (1, 0),
        "translated granter: no type reference"
    );
    // The granter cannot take the grant back while it is mapped.
    let gt = w.guest_table(DOMU).unwrap();
    assert_eq!(gt.end_access(10), Err(xen_grant::guest::GuestError::InUse));
    unmap(&w, DOM0, m.handle, 0x4000, 0).unwrap();
    assert_eq!(use_bits(&w, DOMU, 10), 0);
    assert_eq!(w.total_refs(), 0);
    assert_eq!(w.host_mapping(DOM0, 0x4000), None);
    gt.end_access(10).unwrap();
    assert_eq!(dom(&w, DOM0).active_mappings(), 0);
    assert_eq!(
        unmap(&w, DOM0, m.handle, 0x4000, 0),
        Err(GrantError::BadHandle)
    );
    let _ = DomId(0);
}

#[test]
fn read_only_mappings_and_grants() {
    let w = world();
    grant(&w, DOMU, 9, DOM0, 3, true);
    // A read-only grant refuses write mappings and leaves no trace.
    assert_eq!(
        map(&w, DOM0, DOMU, 9, RW_HOST, 0x1000),
        Err(GrantError::GeneralError)
    );
    assert_eq!(use_bits(&w, DOMU, 9), 0);
    let m = map(&w, DOM0, DOMU, 9, RO_HOST, 0x1000).unwrap();
    assert_eq!(use_bits(&w, DOMU, 9), GTF_READING);
    assert_eq!(w.host_mapping(DOM0, 0x1000), Some((m.mfn, true)));
    unmap(&w, DOM0, m.handle, 0x1000, 0).unwrap();
    assert_eq!(use_bits(&w, DOMU, 9), 0);
    assert_eq!(w.total_refs(), 0);
}

#[test]
fn wrong_grantee_wrong_type_bad_ref_bad_domain() {
    let w = world();
    grant(&w, DOMU, 9, DOMU2, 3, false);
    assert_eq!(
        map(&w, DOM0, DOMU, 9, RW_HOST, 0x1000),
        Err(GrantError::GeneralError),
        "granted to someone else"
    );
    assert_eq!(
        map(&w, DOM0, DOMU, 11, RW_HOST, 0x1000),
        Err(GrantError::GeneralError),
        "invalid entry"
    );
    assert_eq!(
        map(&w, DOM0, DOMU, 512, RW_HOST, 0x1000),
        Err(GrantError::BadGntref),
        "one frame holds 512 v1 entries"
    );
    assert_eq!(
        map(&w, DOM0, DomId(33), 9, RW_HOST, 0x1000),
        Err(GrantError::BadDomain)
    );
    assert_eq!(
        map(&w, DOM0, DOMU, 9, GNTMAP_READONLY, 0x1000),
        Err(GrantError::BadGntref),
        "neither host nor device map"
    );
    assert_eq!(dom(&w, DOM0).active_mappings(), 0, "handles returned");
    assert_eq!(w.total_refs(), 0);
}

#[test]
fn translated_mappers_get_no_device_or_pte_mappings() {
    let w = world();
    grant(&w, DOM0, 9, DOMU, 3, false);
    for extra in [
        GNTMAP_DEVICE_MAP,
        GNTMAP_APPLICATION_MAP,
        GNTMAP_CONTAINS_PTE,
    ] {
        assert_eq!(
            map(&w, DOMU, DOM0, 9, RW_HOST | extra, 0x1000),
            Err(GrantError::GeneralError)
        );
    }
    let m = map(&w, DOMU, DOM0, 9, RW_HOST, 0x1000).unwrap();
    // A PV granter's page gets a writable type reference for a host mapping.
    assert_eq!(w.page_refs(m.mfn), (1, 1));
    unmap(&w, DOMU, m.handle, 0x1000, 0).unwrap();
    assert_eq!(w.total_refs(), 0);
}

#[test]
fn host_and_device_mapping_unmapped_in_two_steps() {
    let w = world();
    grant(&w, DOMU, 20, DOM0, 7, false);
    let m = map(&w, DOM0, DOMU, 20, RW_BOTH, 0x2000).unwrap();
    assert_eq!(m.dev_bus_addr(), m.mfn.0 << 12);
    assert_eq!(w.page_refs(m.mfn), (2, 1));
    assert_eq!(
        unmap(&w, DOM0, m.handle, 0, m.dev_bus_addr() + 4096),
        Err(GrantError::BadDevAddr)
    );
    unmap(&w, DOM0, m.handle, 0x2000, 0).unwrap();
    assert_eq!(w.page_refs(m.mfn), (1, 1), "device half still held");
    assert_eq!(use_bits(&w, DOMU, 20), GTF_READING | GTF_WRITING);
    // Unmapping the host half again does nothing more.
    unmap(&w, DOM0, m.handle, 0x2000, 0).unwrap();
    assert_eq!(w.page_refs(m.mfn), (1, 1));
    unmap(&w, DOM0, m.handle, 0, m.dev_bus_addr()).unwrap();
    assert_eq!(w.total_refs(), 0);
    assert_eq!(use_bits(&w, DOMU, 20), 0);
    assert_eq!(
        unmap(&w, DOM0, m.handle, 0, m.dev_bus_addr()),
        Err(GrantError::BadHandle)
    );
}

#[test]
fn pins_upgrade_and_writing_drops_with_last_writer() {
    let w = world();
    grant(&w, DOMU, 30, DOM0, 1, false);
    let ro = map(&w, DOM0, DOMU, 30, RO_HOST, 0x1000).unwrap();
    assert_eq!(use_bits(&w, DOMU, 30), GTF_READING);
    let rw = map(&w, DOM0, DOMU, 30, RW_HOST, 0x2000).unwrap();
    assert_eq!(use_bits(&w, DOMU, 30), GTF_READING | GTF_WRITING);
    unmap(&w, DOM0, rw.handle, 0x2000, 0).unwrap();
    assert_eq!(use_bits(&w, DOMU, 30), GTF_READING);
    unmap(&w, DOM0, ro.handle, 0x1000, 0).unwrap();
    assert_eq!(use_bits(&w, DOMU, 30), 0);
}

#[test]
fn a_pinned_entry_serves_only_its_mapper() {
    let w = world();
    grant(&w, DOMU, 30, DOM0, 1, false);
    let m = map(&w, DOM0, DOMU, 30, RO_HOST, 0x1000).unwrap();
    // The guest retargets the entry while it is pinned: still dom0's.
    grant(&w, DOMU, 30, DOMU2, 2, false);
    assert_eq!(
        map(&w, DOMU2, DOMU, 30, RO_HOST, 0x1000),
        Err(GrantError::GeneralError)
    );
    let again = map(&w, DOM0, DOMU, 30, RO_HOST, 0x3000).unwrap();
    assert_eq!(again.mfn, m.mfn, "the pinned frame, not the new one");
    unmap(&w, DOM0, m.handle, 0x1000, 0).unwrap();
    unmap(&w, DOM0, again.handle, 0x3000, 0).unwrap();
    assert_eq!(w.total_refs(), 0);
}

#[test]
fn pin_counters_refuse_the_129th_mapping() {
    let w = world();
    grant(&w, DOMU, 40, DOM0, 1, true);
    let mut handles = Vec::new();
    for i in 0..128u64 {
        handles.push(map(&w, DOM0, DOMU, 40, RO_HOST, 0x1000 * (i + 1)).unwrap());
    }
    assert_eq!(
        map(&w, DOM0, DOMU, 40, RO_HOST, 0x1000 * 200),
        Err(GrantError::GeneralError)
    );
    for (i, m) in handles.iter().enumerate() {
        unmap(&w, DOM0, m.handle, 0x1000 * (i as u64 + 1), 0).unwrap();
    }
    assert_eq!(w.total_refs(), 0);
    assert_eq!(use_bits(&w, DOMU, 40), 0);
}

#[test]
fn frame_problems_map_to_eagain_and_bad_page() {
    let w = world();
    grant(&w, DOMU, 8, DOM0, 6, false);
    w.set_paged_out(DOMU, 6, true);
    assert_eq!(
        map(&w, DOM0, DOMU, 8, RW_HOST, 0x1000),
        Err(GrantError::Eagain)
    );
    assert_eq!(use_bits(&w, DOMU, 8), 0, "use bits backed out");
    w.set_paged_out(DOMU, 6, false);
    grant(&w, DOMU, 9, DOM0, 1 << 20, false);
    assert_eq!(
        map(&w, DOM0, DOMU, 9, RW_HOST, 0x1000),
        Err(GrantError::BadPage)
    );
    assert_eq!(use_bits(&w, DOMU, 9), 0);
    assert_eq!(w.total_refs(), 0);
}

#[test]
fn mapping_failure_in_the_world_is_undone() {
    let w = world();
    grant(&w, DOMU, 8, DOM0, 6, false);
    grant(&w, DOMU, 9, DOM0, 7, false);
    let m = map(&w, DOM0, DOMU, 8, RW_HOST, 0x1000).unwrap();
    // Slot 0x1000 is taken; misaligned addresses are refused.
    for addr in [0x1000, 0x1800] {
        assert_eq!(
            map(&w, DOM0, DOMU, 9, RW_HOST, addr),
            Err(GrantError::GeneralError)
        );
        assert_eq!(use_bits(&w, DOMU, 9), 0);
    }
    unmap(&w, DOM0, m.handle, 0x1000, 0).unwrap();
    assert_eq!(w.total_refs(), 0);
    assert_eq!(dom(&w, DOM0).active_mappings(), 0);
}

#[test]
fn unmap_checks_the_address_and_replace_moves_a_mapping() {
    let w = world();
    grant(&w, DOMU, 8, DOM0, 6, false);
    grant(&w, DOMU, 9, DOM0, 7, false);
    let a = map(&w, DOM0, DOMU, 8, RW_HOST, 0x1000).unwrap();
    let b = map(&w, DOM0, DOMU, 9, RW_HOST, 0x2000).unwrap();
    assert_eq!(
        unmap(&w, DOM0, a.handle, 0x2000, 0),
        Err(GrantError::GeneralError),
        "0x2000 maps another frame"
    );
    // unmap_and_replace: a's address takes over b's mapping.
    let c = caller(&w, DOM0);
    let p = xen_grant::unmap_grant_ref(
        &w,
        &c,
        &xen_grant::UnmapRequest {
            host_addr: 0x1000,
            dev_bus_addr: 0,
            handle: a.handle,
            new_addr: 0x2000,
        },
    )
    .unwrap();
    xen_grant::GrantWorld::flush_tlb(&w, DOM0);
    p.complete(&w, &c);
    assert_eq!(w.host_mapping(DOM0, 0x1000), Some((b.mfn, false)));
    assert_eq!(w.host_mapping(DOM0, 0x2000), None);
    unmap(&w, DOM0, b.handle, 0x1000, 0).unwrap();
    assert_eq!(w.total_refs(), 0);
}

#[test]
fn maptrack_limit_gives_no_space() {
    let opts = xen_grant::GrantOptions {
        max_maptrack_frames: 1,
        ..Default::default()
    };
    let w = world_with(opts);
    grant(&w, DOMU, 8, DOM0, 6, true);
    grant(&w, DOMU, 9, DOM0, 7, true);
    let mut ms = Vec::new();
    for i in 0..256u64 {
        let gref = 8 + (i % 2) as u32;
        ms.push(
            map(&w, DOM0, DOMU, gref, RO_HOST, 0x1000 * (i + 1)).unwrap_or_else(|e| {
                panic!("mapping {i}: {e}");
            }),
        );
    }
    assert_eq!(
        map(&w, DOM0, DOMU, 8, RO_HOST, 0x1000 * 300),
        Err(GrantError::NoSpace)
    );
    unmap(&w, DOM0, ms[17].handle, 0x1000 * 18, 0).unwrap();
    let again = map(&w, DOM0, DOMU, 9, RO_HOST, 0x1000 * 300).unwrap();
    assert_eq!(again.handle, ms[17].handle);
}

#[test]
fn domain_death_releases_every_mapping() {
    let w = world();
    for r in 8..40 {
        grant(&w, DOMU, r, DOM0, u64::from(r), r % 2 == 0);
    }
    for r in 8..40u32 {
        let flags = if r % 2 == 0 { RO_HOST } else { RW_BOTH };
        map(&w, DOM0, DOMU, r, flags, 0x1000 * u64::from(r)).unwrap();
    }
    assert!(w.total_refs() > 0);
    let d0 = dom(&w, DOM0);
    // Small budgets: the walk is preemptible (XSA-380).
    let mut calls = 0;
    while xen_grant::release_mappings(&w, d0, 7) {
        calls += 1;
    }
    assert!(calls >= 3);
    assert_eq!(d0.active_mappings(), 0);
    assert_eq!(w.total_refs(), 0);
    for r in 8..40 {
        assert_eq!(use_bits(&w, DOMU, r), 0);
    }
}
