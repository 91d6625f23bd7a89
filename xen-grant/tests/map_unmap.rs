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
    assert_eq!(w.page_refs(m.mfn), (1, 0), "translated granter: no type reference");
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
