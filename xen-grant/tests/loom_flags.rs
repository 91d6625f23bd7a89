//! Loom models of the flag protocol between the hypervisor
//! (`protocol::set_status_v1/v2`, `clear_status`) and a guest ending its
//! grant (`guest::GuestTable::end_access`): whatever the interleaving, the
//! guest never believes a grant revoked while the hypervisor uses it.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p xen-grant --release --test loom_flags`.
#![cfg(loom)]

use loom::sync::atomic::{fence, AtomicBool, AtomicU64, Ordering::SeqCst};
use loom::sync::Arc;
use xen_abi::DomId;
use xen_grant::abi::*;
use xen_grant::guest::{GuestError, GuestTable};
use xen_grant::protocol::{self, EntryLoc};
use xen_grant::Version;
use xen_mem::{check_range, check_word, FrameMemory, MemError, Mfn, Word};

/// Two tiny frames (32 bytes each) of loom atomics; sub-word atomics are
/// compare-and-swap loops on the containing 64-bit word.
///
/// `FrameMemory` promises sequentially consistent guest-memory operations
/// (x86 locked instructions and Xen's barriers give the same). Loom treats
/// `SeqCst` accesses as acquire/release only but models `fence(SeqCst)`,
/// so every operation here is wrapped in SeqCst fences.
struct LoomMemory {
    words: Vec<AtomicU64>,
}

const WORDS_PER_FRAME: usize = 4;

impl LoomMemory {
    fn new() -> Self {
        Self {
            words: (0..2 * WORDS_PER_FRAME)
                .map(|_| AtomicU64::new(0))
                .collect(),
        }
    }

    fn word<W: Word>(&self, mfn: Mfn, offset: usize) -> Result<(&AtomicU64, u32, u64), MemError> {
        check_word::<W>(offset)?;
        if mfn.0 >= 2 || offset / 8 >= WORDS_PER_FRAME {
            return Err(MemError::BadFrame(mfn.0));
        }
        let w = &self.words[mfn.0 as usize * WORDS_PER_FRAME + offset / 8];
        let shift = (offset % 8) as u32 * 8;
        let mask = if W::SIZE == 8 {
            u64::MAX
        } else {
            (1u64 << (W::SIZE * 8)) - 1
        };
        Ok((w, shift, mask))
    }

    fn rmw<W: Word>(
        &self,
        mfn: Mfn,
        offset: usize,
        f: impl Fn(W) -> Option<W>,
    ) -> Result<Result<W, W>, MemError> {
        let (w, shift, mask) = self.word::<W>(mfn, offset)?;
        fence(SeqCst);
        let mut cur = w.load(SeqCst);
        let r = loop {
            let old = W::from_u64_truncate(cur >> shift);
            let Some(new) = f(old) else { break Err(old) };
            let next = (cur & !(mask << shift)) | ((new.to_u64() & mask) << shift);
            match w.compare_exchange(cur, next, SeqCst, SeqCst) {
                Ok(_) => break Ok(old),
                Err(actual) => cur = actual,
            }
        };
        fence(SeqCst);
        Ok(r)
    }
}

impl FrameMemory for LoomMemory {
    fn read(&self, mfn: Mfn, offset: usize, buf: &mut [u8]) -> Result<(), MemError> {
        check_range(offset, buf.len())?;
        for (i, b) in buf.iter_mut().enumerate() {
            *b = self.load::<u8>(mfn, offset + i)?;
        }
        Ok(())
    }
    fn write(&self, mfn: Mfn, offset: usize, data: &[u8]) -> Result<(), MemError> {
        check_range(offset, data.len())?;
        for (i, &b) in data.iter().enumerate() {
            self.store::<u8>(mfn, offset + i, b)?;
        }
        Ok(())
    }
    fn copy(&self, _: Mfn, _: usize, _: Mfn, _: usize, _: usize) -> Result<(), MemError> {
        Err(MemError::OutOfMemory)
    }
    fn fill(&self, mfn: Mfn, offset: usize, len: usize, byte: u8) -> Result<(), MemError> {
        for i in 0..len {
            self.store::<u8>(mfn, offset + i, byte)?;
        }
        Ok(())
    }
    fn load<W: Word>(&self, mfn: Mfn, offset: usize) -> Result<W, MemError> {
        let (w, shift, _) = self.word::<W>(mfn, offset)?;
        fence(SeqCst);
        let v = w.load(SeqCst);
        fence(SeqCst);
        Ok(W::from_u64_truncate(v >> shift))
    }
    fn store<W: Word>(&self, mfn: Mfn, offset: usize, value: W) -> Result<(), MemError> {
        self.rmw::<W>(mfn, offset, |_| Some(value)).map(|_| ())
    }
    fn compare_exchange<W: Word>(
        &self,
        mfn: Mfn,
        offset: usize,
        current: W,
        new: W,
    ) -> Result<Result<W, W>, MemError> {
        self.rmw::<W>(mfn, offset, |old| (old == current).then_some(new))
    }
    fn fetch_or<W: Word>(&self, mfn: Mfn, offset: usize, bits: W) -> Result<W, MemError> {
        self.rmw::<W>(mfn, offset, |old| Some(old | bits))
            .map(|r| r.unwrap_or_else(|v| v))
    }
    fn fetch_and<W: Word>(&self, mfn: Mfn, offset: usize, bits: W) -> Result<W, MemError> {
        self.rmw::<W>(mfn, offset, |old| Some(old & bits))
            .map(|r| r.unwrap_or_else(|v| v))
    }
    fn alloc_frame(&self) -> Result<Mfn, MemError> {
        Err(MemError::OutOfMemory)
    }
    fn free_frame(&self, mfn: Mfn) -> Result<(), MemError> {
        Err(MemError::BadFrame(mfn.0))
    }
}

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
