//! [`HostMemory`]: machine memory made of ordinary allocated pages, for
//! running the engines on a host (tests, benchmarks, simulators).
//!
//! This is the crate's only `unsafe` code. The frames are one zeroed,
//! page-aligned allocation owned by the `HostMemory`; every access is bounds-
//! checked against it before any pointer is formed. Threads standing in for
//! guests may write the same bytes concurrently, exactly as guest vCPUs do on
//! real hardware: like `vm-memory`, byte copies treat that memory as plain
//! bytes with no validity invariant and never create Rust references to it,
//! and protocol words are only touched through the atomic types.
#![allow(unsafe_code)]

use alloc::alloc::{alloc_zeroed, dealloc, Layout};
use alloc::vec;
use alloc::vec::Vec;
use core::ptr::NonNull;
use core::sync::atomic::{
    AtomicU16, AtomicU32, AtomicU64, AtomicU8,
    Ordering::{Release, SeqCst},
};

use crate::{check_range, check_word, FrameMemory, MemError, Mfn, Word, PAGE_SIZE};

/// Machine memory backed by one host allocation of `frames` pages.
pub struct HostMemory {
    base: NonNull<u8>,
    frames: usize,
    /// Free frames (a stack) and which frames are allocated.
    pool: spin::Mutex<Pool>,
}

struct Pool {
    free: Vec<u64>,
    allocated: Vec<bool>,
}

// SAFETY: the allocation is owned by `HostMemory` and only reached through
// bounds-checked raw-pointer copies and atomics, which are sound to perform
// from several threads; the pool is behind a lock.
unsafe impl Send for HostMemory {}
// SAFETY: as above; `&HostMemory` exposes no references into the frames.
unsafe impl Sync for HostMemory {}

impl HostMemory {
    /// Creates memory of `frames` zeroed frames, all free.
    ///
    /// # Panics
    /// If `frames` is zero or the host cannot allocate the memory.
    pub fn new(frames: usize) -> Self {
        let layout = Self::layout(frames);
        // SAFETY: `layout` has a non-zero size (frames > 0, checked in `layout`).
        let ptr = unsafe { alloc_zeroed(layout) };
        let base = NonNull::new(ptr).expect("host memory allocation failed");
        let free = (0..frames as u64).rev().collect();
        Self {
            base,
            frames,
            pool: spin::Mutex::new(Pool {
                free,
                allocated: vec![false; frames],
            }),
        }
    }

    /// Number of frames this memory holds.
    pub fn frames(&self) -> usize {
        self.frames
    }

    /// Number of frames currently allocated.
    pub fn allocated_frames(&self) -> usize {
        self.frames - self.pool.lock().free.len()
    }

    fn layout(frames: usize) -> Layout {
        assert!(frames > 0, "host memory needs at least one frame");
        Layout::from_size_align(
            frames.checked_mul(PAGE_SIZE).expect("size overflow"),
            PAGE_SIZE,
        )
        .expect("valid layout")
    }

    /// A pointer to byte `offset` of `mfn`, after checking `[offset, offset+len)`.
    fn ptr(&self, mfn: Mfn, offset: usize, len: usize) -> Result<*mut u8, MemError> {
        if mfn.0 >= self.frames as u64 {
            return Err(MemError::BadFrame(mfn.0));
        }
        check_range(offset, len)?;
        let index = mfn.0 as usize * PAGE_SIZE + offset;
        // SAFETY: `mfn < frames` and `offset + len <= PAGE_SIZE`, so the
        // result stays within the allocation of `frames * PAGE_SIZE` bytes.
        Ok(unsafe { self.base.as_ptr().add(index) })
    }

    fn word_ptr<W: Word>(&self, mfn: Mfn, offset: usize) -> Result<*mut u8, MemError> {
        check_word::<W>(offset)?;
        self.ptr(mfn, offset, W::SIZE)
    }
}

impl Drop for HostMemory {
    fn drop(&mut self) {
        // SAFETY: `base` came from `alloc_zeroed` with this same layout.
        unsafe { dealloc(self.base.as_ptr(), Self::layout(self.frames)) }
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
impl FrameMemory for HostMemory {
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
        let mfn = {
            let mut pool = self.pool.lock();
            let mfn = pool.free.pop().ok_or(MemError::OutOfMemory)?;
            pool.allocated[mfn as usize] = true;
            Mfn(mfn)
        };
        self.fill(mfn, 0, PAGE_SIZE, 0)?;
        Ok(mfn)
    }

    fn free_frame(&self, mfn: Mfn) -> Result<(), MemError> {
        let mut pool = self.pool.lock();
        match pool.allocated.get_mut(mfn.0 as usize) {
            Some(slot @ true) => {
                *slot = false;
                pool.free.push(mfn.0);
                Ok(())
            }
            _ => Err(MemError::BadFrame(mfn.0)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip_and_bounds() {
        let m = HostMemory::new(2);
        let f = m.alloc_frame().unwrap();
        m.write(f, 4090, b"xenxen").unwrap();
        let mut buf = [0u8; 6];
        m.read(f, 4090, &mut buf).unwrap();
        assert_eq!(&buf, b"xenxen");
        assert_eq!(
            m.write(f, 4091, b"xenxen"),
            Err(MemError::OutOfFrame {
                offset: 4091,
                len: 6
            })
        );
        assert_eq!(m.read(Mfn(2), 0, &mut buf), Err(MemError::BadFrame(2)));
        assert_eq!(
            m.read(f, usize::MAX, &mut buf),
            Err(MemError::OutOfFrame {
                offset: usize::MAX,
                len: 6
            })
        );
    }

    #[test]
    fn atomics_of_every_size() {
        let m = HostMemory::new(1);
        let f = m.alloc_frame().unwrap();
        m.store::<u64>(f, 8, 0x1122_3344_5566_7788).unwrap();
        assert_eq!(m.load::<u32>(f, 8).unwrap(), 0x5566_7788);
        assert_eq!(m.load::<u16>(f, 14).unwrap(), 0x1122);
        assert_eq!(m.load::<u8>(f, 9).unwrap(), 0x77);
        assert_eq!(
            m.compare_exchange::<u16>(f, 8, 0x7788, 1).unwrap(),
            Ok(0x7788)
        );
        assert_eq!(m.compare_exchange::<u16>(f, 8, 0x7788, 2).unwrap(), Err(1));
        assert_eq!(m.fetch_or::<u32>(f, 8, 0x100).unwrap(), 0x5566_0001);
        assert_eq!(
            m.fetch_and::<u64>(f, 8, 0xff).unwrap(),
            0x1122_3344_5566_0101
        );
        assert_eq!(m.load::<u64>(f, 8).unwrap(), 0x01);
        assert_eq!(
            m.load::<u32>(f, 6),
            Err(MemError::Misaligned { offset: 6, size: 4 })
        );
        assert_eq!(
            m.load::<u64>(f, 4096),
            Err(MemError::OutOfFrame {
                offset: 4096,
                len: 8
            })
        );
    }

    #[test]
    fn allocation_zeroes_and_refuses_double_free() {
        let m = HostMemory::new(1);
        let f = m.alloc_frame().unwrap();
        m.fill(f, 0, PAGE_SIZE, 0xAA).unwrap();
        assert_eq!(m.alloc_frame(), Err(MemError::OutOfMemory));
        m.free_frame(f).unwrap();
        assert_eq!(m.free_frame(f), Err(MemError::BadFrame(f.0)));
        assert_eq!(m.free_frame(Mfn(7)), Err(MemError::BadFrame(7)));
        let g = m.alloc_frame().unwrap();
        assert_eq!(
            m.load::<u64>(g, 4088).unwrap(),
            0,
            "a reallocated frame is zeroed"
        );
        assert_eq!(m.allocated_frames(), 1);
    }

    #[test]
    fn copy_between_and_within_frames() {
        let m = HostMemory::new(2);
        let a = m.alloc_frame().unwrap();
        let b = m.alloc_frame().unwrap();
        m.write(a, 0, b"abcdef").unwrap();
        m.copy(a, 0, b, 100, 6).unwrap();
        m.copy(a, 0, a, 2, 6).unwrap(); // overlapping: memmove semantics
        let mut buf = [0u8; 8];
        m.read(a, 0, &mut buf).unwrap();
        assert_eq!(&buf, b"ababcdef");
        m.read(b, 100, &mut buf[..6]).unwrap();
        assert_eq!(&buf[..6], b"abcdef");
        assert!(m.copy(a, 4000, b, 0, 200).is_err());
    }

    #[test]
    fn concurrent_fetch_or_loses_no_bit() {
        let m = HostMemory::new(1);
        let f = m.alloc_frame().unwrap();
        std::thread::scope(|s| {
            for t in 0..4u32 {
                let m = &m;
                s.spawn(move || {
                    for bit in (t..64).step_by(4) {
                        m.fetch_or::<u64>(f, 0, 1 << bit).unwrap();
                    }
                });
            }
        });
        assert_eq!(m.load::<u64>(f, 0).unwrap(), u64::MAX);
    }
}
