//! Loom models of the flag protocol between the hypervisor
//! (`protocol::set_status_v1/v2`, `clear_status`) and a guest ending its
//! grant (`guest::GuestTable::end_access`): whatever the interleaving, the
//! guest never believes a grant revoked while the hypervisor uses it.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p xen-grant --release --test loom_flags`.
#![cfg(loom)]

use loom::sync::atomic::{AtomicBool, Ordering::SeqCst};
use loom::sync::Arc;
use xen_abi::DomId;
use xen_grant::abi::*;
use xen_grant::guest::{GuestError, GuestTable};
use xen_grant::protocol::{self, EntryLoc};
use xen_grant::Version;
use xen_mem::{FrameMemory, LoomMemory, Mfn};

const BACKEND: DomId = DomId(0);
const TABLE: Mfn = Mfn(0);
const STATUS: Mfn = Mfn(1);
/// Entry 1: v1 at byte 8, v2 at byte 16 (both inside the modelled words).
const REF: u32 = 1;

fn model_protocol(version: Version) {
    loom::model(move || {
        let mem = Arc::new(LoomMemory::new());
        let table = || GuestTable::new(&*mem, version, vec![TABLE], vec![STATUS]);
        table().grant_access(REF, BACKEND, 7, false).unwrap();
        let hdr = EntryLoc {
            mfn: TABLE,
            offset: REF as usize * version.entry_size(),
        };
        let status = match version {
            Version::V1 => hdr,
            Version::V2 => EntryLoc {
                mfn: STATUS,
                offset: REF as usize * 2,
            },
        };
        let in_use = Arc::new(AtomicBool::new(false));
        let revoked = Arc::new(AtomicBool::new(false));

        let hyp = {
            let (mem, in_use, revoked) = (mem.clone(), in_use.clone(), revoked.clone());
            loom::thread::spawn(move || {
                let r = match version {
                    Version::V1 => protocol::set_status_v1(&*mem, hdr, false, false, true, BACKEND),
                    Version::V2 => {
                        protocol::set_status_v2(&*mem, hdr, status, false, false, true, BACKEND)
                    }
                };
                if r.is_ok() {
                    assert!(!revoked.load(SeqCst), "pinned a grant the guest revoked");
                    in_use.store(true, SeqCst);
                    // ... the mapping is used here ...
                    in_use.store(false, SeqCst);
                    protocol::clear_status(&*mem, status, GTF_READING | GTF_WRITING);
                }
            })
        };
        let guest = {
            let (mem, in_use, revoked) = (mem.clone(), in_use.clone(), revoked.clone());
            loom::thread::spawn(move || {
                let t = GuestTable::new(&*mem, version, vec![TABLE], vec![STATUS]);
                match t.end_access(REF) {
                    Ok(()) => {
                        assert!(!in_use.load(SeqCst), "revoked a grant in use");
                        revoked.store(true, SeqCst);
                    }
                    Err(GuestError::InUse) | Err(GuestError::Busy) => {}
                    Err(e) => panic!("{e:?}"),
                }
            })
        };
        hyp.join().unwrap();
        guest.join().unwrap();
        // Whoever won, no use bit is left behind.
        assert_eq!(
            mem.load::<u16>(status.mfn, status.offset).unwrap() & (GTF_READING | GTF_WRITING),
            0
        );
    });
}

#[test]
fn v1_revocation_races_pinning() {
    model_protocol(Version::V1);
}

#[test]
fn v2_revocation_races_pinning() {
    model_protocol(Version::V2);
}

#[test]
fn v1_pinning_gives_up_on_a_flipping_guest() {
    loom::model(|| {
        let mem = Arc::new(LoomMemory::new());
        GuestTable::new(&*mem, Version::V1, vec![TABLE], vec![])
            .grant_access(REF, BACKEND, 7, false)
            .unwrap();
        let hdr = EntryLoc {
            mfn: TABLE,
            offset: 8,
        };
        let flipper = {
            let mem = mem.clone();
            loom::thread::spawn(move || {
                for _ in 0..2 {
                    let v = mem.load::<u16>(TABLE, 8).unwrap();
                    let _ = mem.compare_exchange::<u16>(TABLE, 8, v, v ^ GTF_PWT);
                }
            })
        };
        // Terminates whatever the flipper does; on success the bits are set.
        if protocol::set_status_v1(&*mem, hdr, false, true, true, BACKEND).is_ok() {
            assert_ne!(mem.load::<u16>(TABLE, 8).unwrap() & GTF_READING, 0);
        }
        flipper.join().unwrap();
    });
}
