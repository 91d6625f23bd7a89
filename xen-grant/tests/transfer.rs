//! GNTTABOP_transfer and the guest's accept/end-transfer protocol.

mod common;

use common::*;
use xen_abi::{DomId, GrantRef};
use xen_grant::guest::GuestError;
use xen_grant::{transfer, Errno, GrantError, TransferRequest};

fn give(
    w: &xen_grant::host::HostWorld,
    from: DomId,
    gfn: u64,
    to: DomId,
    gref: u32,
) -> Result<(), GrantError> {
    transfer(
        w,
        &caller(w, from),
        &TransferRequest {
            mfn: gfn,
            domid: to,
            gref: GrantRef(gref),
        },
    )
    .expect("transfers enabled")
}

#[test]
fn a_page_moves_to_the_receiver() {
    let w = world();
    let g = w.guest_table(DOMU).unwrap();
    g.accept_transfer(15, DOM0, 100).unwrap();
    let mfn = w.gfn_to_mfn(DOM0, 3).unwrap();
    let (before0, before1) = (w.tot_pages(DOM0), w.tot_pages(DOMU));
    give(&w, DOM0, 3, DOMU, 15).unwrap();
    assert_eq!(w.gfn_to_mfn(DOM0, 3), None);
    assert_eq!(w.page_owner(mfn), Some(DOMU));
    assert_eq!(
        w.gfn_to_mfn(DOMU, 100),
        Some(mfn),
        "translated receiver: in its p2m"
    );
    assert_eq!(
        (w.tot_pages(DOM0), w.tot_pages(DOMU)),
        (before0 - 1, before1 + 1)
    );
    assert_eq!(g.end_transfer(15), Ok(Some(100)));
}

#[test]
fn pv_receivers_learn_the_machine_frame() {
    let w = world();
    let g = w.guest_table(DOM0).unwrap();
    g.accept_transfer(15, DOMU, 100).unwrap();
    let mfn = w.gfn_to_mfn(DOMU, 3).unwrap();
    give(&w, DOMU, 3, DOM0, 15).unwrap();
    assert_eq!(g.end_transfer(15), Ok(Some(mfn.0)));
}

#[test]
fn refused_transfers_give_the_page_back_to_the_allocator() {
    let w = world();
    let g = w.guest_table(DOMU).unwrap();
    let free = w.host_memory().allocated_frames();
    // No offer from DOMU for DOM0: the page is freed, the entry untouched.
    assert_eq!(give(&w, DOM0, 3, DOMU, 15), Err(GrantError::GeneralError));
    assert_eq!(w.host_memory().allocated_frames(), free - 1);
    g.accept_transfer(15, DOMU2, 100).unwrap();
    assert_eq!(give(&w, DOM0, 4, DOMU, 15), Err(GrantError::GeneralError));
    assert_eq!(give(&w, DOM0, 5, DomId(50), 15), Err(GrantError::BadDomain));
    assert_eq!(give(&w, DOM0, 1 << 40, DOMU, 15), Err(GrantError::BadPage));
    assert_eq!(
        g.end_transfer(15),
        Ok(None),
        "offer withdrawn, nothing arrived"
    );
    // A page others reference cannot be given away.
    grant(&w, DOM0, 20, DOMU, 6, false);
    let m = map(&w, DOMU, DOM0, 20, RW_HOST, 0x1000).unwrap();
    g.accept_transfer(16, DOM0, 101).unwrap();
    assert_eq!(give(&w, DOM0, 6, DOMU, 16), Err(GrantError::GeneralError));
    unmap(&w, DOMU, m.handle, 0x1000, 0).unwrap();
    give(&w, DOM0, 6, DOMU, 16).unwrap();
}

#[test]
fn transfer_can_be_disabled() {
    let opts = xen_grant::GrantOptions {
        transfer: false,
        ..Default::default()
    };
    let w = world_with(opts);
    let r = transfer(
        &w,
        &caller(&w, DOM0),
        &TransferRequest {
            mfn: 3,
            domid: DOMU,
            gref: GrantRef(15),
        },
    );
    assert_eq!(r, Err(Errno::OpNotSupp));
    assert_eq!(Errno::OpNotSupp.code(), -95);
}

#[test]
fn a_full_receiver_refuses() {
    let w = world();
    let g = w.guest_table(DOMU).unwrap();
    // RAM pages fill half the receiver's allowance; fill the rest.
    for i in 0..RAM as u32 {
        g.accept_transfer(100 + i, DOM0, RAM + u64::from(i))
            .unwrap();
        give(&w, DOM0, u64::from(i), DOMU, 100 + i).unwrap();
    }
    assert_eq!(w.tot_pages(DOMU), 2 * RAM as u32);
    g.accept_transfer(10, DOMU2, 5).unwrap();
    assert_eq!(give(&w, DOMU2, 1, DOMU, 10), Err(GrantError::GeneralError));
    assert_eq!(g.end_transfer(10), Ok(None), "never committed");
    assert_eq!(g.end_transfer(10), Ok(None));
    let _ = GuestError::TransferPending;
}
