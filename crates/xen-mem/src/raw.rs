//! [`RawFrames`]: frames at a raw address owned by someone else, such as an
//! `mmap` of a guest's page or a host allocation, reached only through
//! bounds-checked copies and atomics.
//!
//! This module and [`HostMemory`](crate::HostMemory) hold the crate's only
//! `unsafe` code. Other parties (guests, other threads) may write the same
//! bytes concurrently, exactly as guest vCPUs do on real hardware: like
//! `vm-memory`, byte copies treat that memory as plain bytes with no validity
//! invariant and never create Rust references to it, and protocol words are
//! only touched through the atomic types.
#![allow(unsafe_code)]

use alloc::boxed::Box;
use core::ptr::NonNull;
use core::sync::atomic::{
    AtomicU16, AtomicU32, AtomicU64, AtomicU8,
    Ordering::{Release, SeqCst},
};

use crate::{check_range, check_word, FrameMemory, MemError, Mfn, Word, PAGE_SIZE};

/// What a [`RawFrames`] does with its range when dropped (unmap it, free it).
pub type ReleaseHook = Box<dyn FnOnce(NonNull<u8>, usize) + Send + Sync>;

/// `frames` pages starting at a raw, page-aligned address: frame `Mfn(i)` is
/// the `i`-th page. It cannot allocate: [`FrameMemory::alloc_frame`] fails.
pub struct RawFrames {
    base: NonNull<u8>,
    frames: usize,
    release: Option<ReleaseHook>,
}

// SAFETY: the range is only reached through bounds-checked raw-pointer
// copies and atomics, which are sound from several threads (the contract of
// `RawFrames::new`); the release hook is `Send + Sync`.
unsafe impl Send for RawFrames {}
// SAFETY: as above; `&RawFrames` exposes no references into the frames.
unsafe impl Sync for RawFrames {}

impl core::fmt::Debug for RawFrames {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RawFrames")
            .field("base", &self.base)
            .field("frames", &self.frames)
            .finish_non_exhaustive()
    }
}

impl RawFrames {
    /// Views `frames` pages at `base`; `release` (if any) runs on drop with
    /// `base` and the length in bytes.
    ///
    /// # Safety
    /// `base` must be page-aligned, and `base .. base + frames * PAGE_SIZE`
    /// must stay valid for reads and writes until this value is dropped (and
    /// `release` has run). Others may access the range concurrently only as
    /// plain bytes or through atomics, never through Rust references.
    pub unsafe fn new(base: NonNull<u8>, frames: usize, release: Option<ReleaseHook>) -> Self {
        Self {
            base,
            frames,
            release,
        }
    }

    /// Number of frames.
    pub fn frames(&self) -> usize {
        self.frames
    }

    /// A pointer to byte `offset` of `mfn`, after checking `[offset, offset+len)`.
    fn ptr(&self, mfn: Mfn, offset: usize, len: usize) -> Result<*mut u8, MemError> {
        if mfn.0 >= self.frames as u64 {
            return Err(MemError::BadFrame(mfn.0));
        }
        check_range(offset, len)?;
        let index = mfn.0 as usize * PAGE_SIZE + offset;
        // SAFETY: `mfn < frames` and `offset + len <= PAGE_SIZE`, so the
        // result stays within the `frames * PAGE_SIZE` bytes at `base`.
        Ok(unsafe { self.base.as_ptr().add(index) })
    }

    fn word_ptr<W: Word>(&self, mfn: Mfn, offset: usize) -> Result<*mut u8, MemError> {
        check_word::<W>(offset)?;
        self.ptr(mfn, offset, W::SIZE)
    }
}

impl Drop for RawFrames {
    fn drop(&mut self) {
        if let Some(release) = self.release.take() {
            release(self.base, self.frames * PAGE_SIZE);
        }
    }
}

/// Applies `op` to the atomic of `W`'s size at `ptr`.
macro_rules! with_atomic {
    ($w:ty, $ptr:expr, |$a:ident, $cast:ident| $body:expr) => {{
        let ptr = $ptr;
        match <$w as Word>::SIZE {
            1 => {
                // SAFETY: `ptr` is in bounds and aligned for the word size
                // (checked by `word_ptr`); the frames are only ever accessed
                // through raw pointers and atomics, so no reference aliases it.
                let $a = unsafe { AtomicU8::from_ptr(ptr) };
                #[allow(dead_code)]
                type $cast = u8;
                $body
            }
            2 => {
                // SAFETY: as for the 1-byte case.
                let $a = unsafe { AtomicU16::from_ptr(ptr.cast()) };
                #[allow(dead_code)]
                type $cast = u16;
                $body
            }
            4 => {
                // SAFETY: as for the 1-byte case.
                let $a = unsafe { AtomicU32::from_ptr(ptr.cast()) };
                #[allow(dead_code)]
                type $cast = u32;
                $body
            }
            _ => {
                // SAFETY: as for the 1-byte case.
                let $a = unsafe { AtomicU64::from_ptr(ptr.cast()) };
                #[allow(dead_code)]
                type $cast = u64;
                $body
            }
        }
    }};
}

// The macro casts through the word type, which is `u64` itself in one arm.
#[allow(clippy::unnecessary_cast)]
impl FrameMemory for RawFrames {
    fn read(&self, mfn: Mfn, offset: usize, buf: &mut [u8]) -> Result<(), MemError> {
        let src = self.ptr(mfn, offset, buf.len())?;
        // SAFETY: `src..src+len` is inside the allocation and `buf` is a
        // distinct Rust buffer, so the ranges cannot overlap.
        unsafe { core::ptr::copy_nonoverlapping(src, buf.as_mut_ptr(), buf.len()) };
        Ok(())
    }

    fn write(&self, mfn: Mfn, offset: usize, data: &[u8]) -> Result<(), MemError> {
        let dst = self.ptr(mfn, offset, data.len())?;
        // SAFETY: `dst..dst+len` is inside the allocation; `data` is a
        // distinct Rust buffer.
        unsafe { core::ptr::copy_nonoverlapping(data.as_ptr(), dst, data.len()) };
        Ok(())
    }

    fn copy(
        &self,
        src: Mfn,
        src_offset: usize,
        dst: Mfn,
        dst_offset: usize,
        len: usize,
    ) -> Result<(), MemError> {
        let s = self.ptr(src, src_offset, len)?;
        let d = self.ptr(dst, dst_offset, len)?;
        // SAFETY: both ranges are inside the allocation; `ptr::copy` allows overlap.
        unsafe { core::ptr::copy(s, d, len) };
        Ok(())
    }

    fn fill(&self, mfn: Mfn, offset: usize, len: usize, byte: u8) -> Result<(), MemError> {
        let d = self.ptr(mfn, offset, len)?;
        // SAFETY: the range is inside the allocation.
        unsafe { core::ptr::write_bytes(d, byte, len) };
        Ok(())
    }

    fn load<W: Word>(&self, mfn: Mfn, offset: usize) -> Result<W, MemError> {
        let p = self.word_ptr::<W>(mfn, offset)?;
        Ok(with_atomic!(W, p, |a, T| W::from_u64_truncate(
            a.load(SeqCst) as u64
        )))
    }

    fn store<W: Word>(&self, mfn: Mfn, offset: usize, value: W) -> Result<(), MemError> {
        let p = self.word_ptr::<W>(mfn, offset)?;
        with_atomic!(W, p, |a, T| a.store(value.to_u64() as T, SeqCst));
        Ok(())
    }

    fn store_release<W: Word>(&self, mfn: Mfn, offset: usize, value: W) -> Result<(), MemError> {
        let p = self.word_ptr::<W>(mfn, offset)?;
        with_atomic!(W, p, |a, T| a.store(value.to_u64() as T, Release));
        Ok(())
    }

    fn compare_exchange<W: Word>(
        &self,
        mfn: Mfn,
        offset: usize,
        current: W,
        new: W,
    ) -> Result<Result<W, W>, MemError> {
        let p = self.word_ptr::<W>(mfn, offset)?;
        Ok(with_atomic!(W, p, |a, T| a
            .compare_exchange(current.to_u64() as T, new.to_u64() as T, SeqCst, SeqCst)
            .map(|v| W::from_u64_truncate(v as u64))
            .map_err(|v| W::from_u64_truncate(v as u64))))
    }

    fn fetch_or<W: Word>(&self, mfn: Mfn, offset: usize, bits: W) -> Result<W, MemError> {
        let p = self.word_ptr::<W>(mfn, offset)?;
        Ok(with_atomic!(W, p, |a, T| W::from_u64_truncate(
            a.fetch_or(bits.to_u64() as T, SeqCst) as u64
        )))
    }

    fn fetch_and<W: Word>(&self, mfn: Mfn, offset: usize, bits: W) -> Result<W, MemError> {
        let p = self.word_ptr::<W>(mfn, offset)?;
        Ok(with_atomic!(W, p, |a, T| W::from_u64_truncate(
            a.fetch_and(bits.to_u64() as T, SeqCst) as u64
        )))
    }

    fn alloc_frame(&self) -> Result<Mfn, MemError> {
        Err(MemError::OutOfMemory)
    }

    fn free_frame(&self, mfn: Mfn) -> Result<(), MemError> {
        Err(MemError::BadFrame(mfn.0))
    }
}
#[cfg(test)]
mod tests {
    use super::*;
    use alloc::sync::Arc;
    use core::sync::atomic::AtomicUsize;

    #[test]
    fn views_a_buffer_and_runs_release_once() {
        #[repr(align(4096))]
        struct Page([u8; 4096]);
        let mut page = alloc::boxed::Box::new(Page([0; 4096]));
        let released = Arc::new(AtomicUsize::new(0));
        let r = released.clone();
        let base = NonNull::new(page.0.as_mut_ptr()).unwrap();
        // SAFETY: the boxed page outlives `m` (dropped below, first).
        let m = unsafe {
            RawFrames::new(
                base,
                1,
                Some(Box::new(move |_, len| {
                    r.fetch_add(len, core::sync::atomic::Ordering::SeqCst);
                })),
            )
        };
        m.write(Mfn(0), 10, b"xen").unwrap();
        m.store::<u32>(Mfn(0), 16, 0xdead_beef).unwrap();
        assert_eq!(m.load::<u32>(Mfn(0), 16), Ok(0xdead_beef));
        assert_eq!(m.read(Mfn(1), 0, &mut [0u8; 1]), Err(MemError::BadFrame(1)));
        assert_eq!(m.alloc_frame(), Err(MemError::OutOfMemory));
        drop(m);
        assert_eq!(released.load(core::sync::atomic::Ordering::SeqCst), 4096);
        assert_eq!(&page.0[10..13], b"xen");
        assert_eq!(&page.0[16..20], &0xdead_beefu32.to_ne_bytes());
    }
}
