//! The guest-memory seam shared by Xen's engines (grant tables, event
//! channels, rings): machine frames, bounded byte copies and atomic access to
//! words a guest shares with the hypervisor.
//!
//! An engine is generic over [`FrameMemory`]. In the hypervisor the
//! implementation reaches real machine frames; in tests and benchmarks
//! [`HostMemory`] provides frames from ordinary allocated memory, shared
//! between threads that play the guests.
//!
//! Guest-shared memory is hostile: another vCPU may rewrite any byte at any
//! time. The contract is therefore byte-oriented: reads copy bytes out (the
//! engine validates its private copy), and every protocol word the hypervisor
//! and a guest both update (grant flags, event words, ring indexes) is reached
//! only through the atomic operations here, never through a reference.
#![no_std]
#![deny(unsafe_code)]

extern crate alloc;
#[cfg(any(test, loom))]
extern crate std;

mod host;
#[cfg(loom)]
mod loom_memory;
mod raw;
mod word;

#[cfg(loom)]
pub use loom_memory::{LoomMemory, WORDS_PER_FRAME as LOOM_WORDS_PER_FRAME};

pub use host::HostMemory;
pub use raw::{RawFrames, ReleaseHook};
pub use word::Word;

/// Size of a frame (x86 small page), in bytes.
pub const PAGE_SIZE: usize = 4096;

/// A machine frame number: a frame of the memory the hypervisor manages.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Mfn(pub u64);

/// A guest frame number: a frame of a domain's pseudo-physical address space,
/// translated to an [`Mfn`] by that domain's physical-to-machine map.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Gfn(pub u64);

/// Why a memory access was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MemError {
    /// The frame number names no frame of this memory.
    #[error("machine frame {0:#x} does not exist")]
    BadFrame(u64),
    /// The access does not fit inside one frame.
    #[error("access of {len} bytes at offset {offset:#x} crosses the end of the frame")]
    OutOfFrame {
        /// Offset of the access in the frame.
        offset: usize,
        /// Length of the access.
        len: usize,
    },
    /// An atomic access at an offset that is not a multiple of its size.
    #[error("atomic access of {size} bytes at misaligned offset {offset:#x}")]
    Misaligned {
        /// Offset of the access in the frame.
        offset: usize,
        /// Size of the word.
        size: usize,
    },
    /// No free frame is left.
    #[error("no free machine frame")]
    OutOfMemory,
}

/// Machine memory as the engines see it.
///
/// Offsets are bytes within one frame; an access never spans frames. All
/// methods are callable from several CPUs at once.
pub trait FrameMemory: Sync {
    /// Copies `buf.len()` bytes at `offset` of frame `mfn` into `buf`.
    fn read(&self, mfn: Mfn, offset: usize, buf: &mut [u8]) -> Result<(), MemError>;

    /// Copies `data` to `offset` of frame `mfn`.
    fn write(&self, mfn: Mfn, offset: usize, data: &[u8]) -> Result<(), MemError>;

    /// Copies `len` bytes from `src` at `src_offset` to `dst` at `dst_offset`
    /// (the two ranges may be the same frame; overlapping ranges behave as
    /// `memmove`).
    fn copy(
        &self,
        src: Mfn,
        src_offset: usize,
        dst: Mfn,
        dst_offset: usize,
        len: usize,
    ) -> Result<(), MemError>;

    /// Sets `len` bytes at `offset` of `mfn` to `byte`.
    fn fill(&self, mfn: Mfn, offset: usize, len: usize, byte: u8) -> Result<(), MemError>;

    /// Atomically loads the word at `offset` (sequentially consistent).
    fn load<W: Word>(&self, mfn: Mfn, offset: usize) -> Result<W, MemError>;

    /// Atomically stores `value` at `offset` (sequentially consistent).
    fn store<W: Word>(&self, mfn: Mfn, offset: usize, value: W) -> Result<(), MemError>;

    /// Atomically stores `value` at `offset` with release ordering only: every
    /// earlier access of this CPU is visible before it, but (unlike
    /// [`store`](Self::store)) a later load may be performed before it is
    /// visible. For a word a guest reads only after a later sequentially
    /// consistent read-modify-write of another word has published it (Xen's
    /// plain `write_atomic`). By default the same as `store`.
    fn store_release<W: Word>(&self, mfn: Mfn, offset: usize, value: W) -> Result<(), MemError> {
        self.store(mfn, offset, value)
    }

    /// Atomically replaces `current` with `new` at `offset`; `Ok(Ok(current))`
    /// on success, `Ok(Err(actual))` when the word held `actual` instead.
    fn compare_exchange<W: Word>(
        &self,
        mfn: Mfn,
        offset: usize,
        current: W,
        new: W,
    ) -> Result<Result<W, W>, MemError>;

    /// Atomically ORs `bits` into the word at `offset`; returns the old value.
    fn fetch_or<W: Word>(&self, mfn: Mfn, offset: usize, bits: W) -> Result<W, MemError>;

    /// Atomically ANDs `bits` into the word at `offset`; returns the old value.
    fn fetch_and<W: Word>(&self, mfn: Mfn, offset: usize, bits: W) -> Result<W, MemError>;

    /// Allocates a zeroed frame.
    fn alloc_frame(&self) -> Result<Mfn, MemError>;

    /// Returns a frame obtained from [`alloc_frame`](Self::alloc_frame).
    /// Freeing a frame twice or one never allocated is refused.
    fn free_frame(&self, mfn: Mfn) -> Result<(), MemError>;
}

/// A shared reference reaches the same memory: engines that hold their
/// memory by value (a ring that owns its mapping) also take `&HostMemory`.
impl<T: FrameMemory + ?Sized> FrameMemory for &T {
    fn read(&self, mfn: Mfn, offset: usize, buf: &mut [u8]) -> Result<(), MemError> {
        (**self).read(mfn, offset, buf)
    }
    fn write(&self, mfn: Mfn, offset: usize, data: &[u8]) -> Result<(), MemError> {
        (**self).write(mfn, offset, data)
    }
    fn copy(&self, src: Mfn, so: usize, dst: Mfn, d_o: usize, len: usize) -> Result<(), MemError> {
        (**self).copy(src, so, dst, d_o, len)
    }
    fn fill(&self, mfn: Mfn, offset: usize, len: usize, byte: u8) -> Result<(), MemError> {
        (**self).fill(mfn, offset, len, byte)
    }
    fn load<W: Word>(&self, mfn: Mfn, offset: usize) -> Result<W, MemError> {
        (**self).load(mfn, offset)
    }
    fn store<W: Word>(&self, mfn: Mfn, offset: usize, value: W) -> Result<(), MemError> {
        (**self).store(mfn, offset, value)
    }
    fn store_release<W: Word>(&self, mfn: Mfn, offset: usize, value: W) -> Result<(), MemError> {
        (**self).store_release(mfn, offset, value)
    }
    fn compare_exchange<W: Word>(
        &self,
        mfn: Mfn,
        offset: usize,
        current: W,
        new: W,
    ) -> Result<Result<W, W>, MemError> {
        (**self).compare_exchange(mfn, offset, current, new)
    }
    fn fetch_or<W: Word>(&self, mfn: Mfn, offset: usize, bits: W) -> Result<W, MemError> {
        (**self).fetch_or(mfn, offset, bits)
    }
    fn fetch_and<W: Word>(&self, mfn: Mfn, offset: usize, bits: W) -> Result<W, MemError> {
        (**self).fetch_and(mfn, offset, bits)
    }
    fn alloc_frame(&self) -> Result<Mfn, MemError> {
        (**self).alloc_frame()
    }
    fn free_frame(&self, mfn: Mfn) -> Result<(), MemError> {
        (**self).free_frame(mfn)
    }
}

/// Checks that `[offset, offset + len)` lies within one frame.
pub fn check_range(offset: usize, len: usize) -> Result<(), MemError> {
    match offset.checked_add(len) {
        Some(end) if end <= PAGE_SIZE => Ok(()),
        _ => Err(MemError::OutOfFrame { offset, len }),
    }
}

/// Checks that a `W` at `offset` is in the frame and naturally aligned.
pub fn check_word<W: Word>(offset: usize) -> Result<(), MemError> {
    check_range(offset, W::SIZE)?;
    if offset % W::SIZE != 0 {
        return Err(MemError::Misaligned {
            offset,
            size: W::SIZE,
        });
    }
    Ok(())
}
