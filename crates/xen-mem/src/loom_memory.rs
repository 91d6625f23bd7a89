//! Guest memory for [loom](https://docs.rs/loom) models (only with
//! `--cfg loom`): the engines' lock-free protocols on guest-shared words
//! are model-checked against this instead of [`HostMemory`](crate::HostMemory).

use alloc::vec::Vec;

use loom::sync::atomic::{
    fence, AtomicU64,
    Ordering::{Relaxed, Release, SeqCst},
};

use crate::{check_range, check_word, FrameMemory, MemError, Mfn, Word};

/// Two tiny frames (32 bytes each) of loom atomics; sub-word atomics are
/// compare-and-swap loops on the containing 64-bit word.
///
/// `FrameMemory` promises sequentially consistent guest-memory operations
/// (x86 locked instructions and Xen's barriers give the same). Loom treats
/// `SeqCst` accesses as acquire/release only but models `fence(SeqCst)`,
/// so every operation here is wrapped in SeqCst fences.
pub struct LoomMemory {
    words: Vec<AtomicU64>,
}

/// Words (8 bytes each) per modelled frame.
pub const WORDS_PER_FRAME: usize = 4;

impl LoomMemory {
    /// Two zeroed frames (`Mfn(0)`, `Mfn(1)`) of four words each.
    pub fn new() -> Self {
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
    /// A release compare-and-swap loop on the containing word, without the
    /// SeqCst fences: loom may delay it past later loads of this thread.
    fn store_release<W: Word>(&self, mfn: Mfn, offset: usize, value: W) -> Result<(), MemError> {
        let (w, shift, mask) = self.word::<W>(mfn, offset)?;
        let mut cur = w.load(Relaxed);
        loop {
            let next = (cur & !(mask << shift)) | ((value.to_u64() & mask) << shift);
            match w.compare_exchange(cur, next, Release, Relaxed) {
                Ok(_) => return Ok(()),
                Err(actual) => cur = actual,
            }
        }
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

impl Default for LoomMemory {
    fn default() -> Self {
        Self::new()
    }
}
