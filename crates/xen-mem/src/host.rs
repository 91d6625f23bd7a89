//! [`HostMemory`]: machine memory made of ordinary allocated pages, for
//! running the engines on a host (tests, benchmarks, simulators).
//!
//! The frames are one zeroed, page-aligned allocation reached through a
//! [`RawFrames`] view (where the pointer code lives); this module adds the
//! ownership of that allocation and a pool of free frames.
#![allow(unsafe_code)]

use alloc::alloc::{alloc_zeroed, dealloc, Layout};
use alloc::boxed::Box;
use alloc::vec;
use alloc::vec::Vec;
use core::ptr::NonNull;

use crate::{FrameMemory, MemError, Mfn, RawFrames, Word, PAGE_SIZE};

/// Machine memory backed by one host allocation of `frames` pages.
pub struct HostMemory {
    raw: RawFrames,
    /// Free frames (a stack) and which frames are allocated.
    pool: spin::Mutex<Pool>,
}

struct Pool {
    free: Vec<u64>,
    allocated: Vec<bool>,
}

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
        let release: crate::raw::ReleaseHook = Box::new(move |base: NonNull<u8>, _len| {
            // SAFETY: `base` came from `alloc_zeroed` with this same layout,
            // and the view releasing it is being dropped.
            unsafe { dealloc(base.as_ptr(), layout) }
        });
        // SAFETY: the allocation is page-aligned, `frames * PAGE_SIZE` bytes
        // long, owned by the view and freed only by its release hook.
        let raw = unsafe { RawFrames::new(base, frames, Some(release)) };
        let free = (0..frames as u64).rev().collect();
        Self {
            raw,
            pool: spin::Mutex::new(Pool {
                free,
                allocated: vec![false; frames],
            }),
        }
    }

    /// Number of frames this memory holds.
    pub fn frames(&self) -> usize {
        self.raw.frames()
    }

    /// Number of frames currently allocated.
    pub fn allocated_frames(&self) -> usize {
        self.raw.frames() - self.pool.lock().free.len()
    }

    fn layout(frames: usize) -> Layout {
        assert!(frames > 0, "host memory needs at least one frame");
        Layout::from_size_align(
            frames.checked_mul(PAGE_SIZE).expect("size overflow"),
            PAGE_SIZE,
        )
        .expect("valid layout")
    }
}

impl FrameMemory for HostMemory {
    fn read(&self, mfn: Mfn, offset: usize, buf: &mut [u8]) -> Result<(), MemError> {
        self.raw.read(mfn, offset, buf)
    }

    fn write(&self, mfn: Mfn, offset: usize, data: &[u8]) -> Result<(), MemError> {
        self.raw.write(mfn, offset, data)
    }

    fn copy(
        &self,
        src: Mfn,
        src_offset: usize,
        dst: Mfn,
        dst_offset: usize,
        len: usize,
    ) -> Result<(), MemError> {
        self.raw.copy(src, src_offset, dst, dst_offset, len)
    }

    fn fill(&self, mfn: Mfn, offset: usize, len: usize, byte: u8) -> Result<(), MemError> {
        self.raw.fill(mfn, offset, len, byte)
    }

    fn load<W: Word>(&self, mfn: Mfn, offset: usize) -> Result<W, MemError> {
        self.raw.load(mfn, offset)
    }

    fn store<W: Word>(&self, mfn: Mfn, offset: usize, value: W) -> Result<(), MemError> {
        self.raw.store(mfn, offset, value)
    }

    fn store_release<W: Word>(&self, mfn: Mfn, offset: usize, value: W) -> Result<(), MemError> {
        self.raw.store_release(mfn, offset, value)
    }

    fn compare_exchange<W: Word>(
        &self,
        mfn: Mfn,
        offset: usize,
        current: W,
        new: W,
    ) -> Result<Result<W, W>, MemError> {
        self.raw.compare_exchange(mfn, offset, current, new)
    }

    fn fetch_or<W: Word>(&self, mfn: Mfn, offset: usize, bits: W) -> Result<W, MemError> {
        self.raw.fetch_or(mfn, offset, bits)
    }

    fn fetch_and<W: Word>(&self, mfn: Mfn, offset: usize, bits: W) -> Result<W, MemError> {
        self.raw.fetch_and(mfn, offset, bits)
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
