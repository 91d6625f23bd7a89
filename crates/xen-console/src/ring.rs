//! The two byte rings of the console page and their four ends.
//!
//! `in` carries bytes backend → guest, `out` guest → backend; each has a
//! producer and a consumer index, free-running `u32`s masked by the ring
//! size (`MASK_XENCONS_IDX`). Every end keeps its own index privately (the
//! copy in the page is only published, never trusted back) and reads the
//! peer's index once per call. A peer index that claims more than a
//! ring's worth of bytes (`prod - cons > size`) is hostile: it is clamped
//! — a consumer takes at most `size` bytes, a producer sees a full ring —
//! and counted in [`RingEnd::hostile`]. Bytes move only with
//! [`FrameMemory::read`]/[`FrameMemory::write`] at offsets masked into the
//! ring, so no index value can reach outside it. Indexes are published
//! with `FrameMemory::store` (sequentially consistent: the data copy is
//! visible before the index, as `wmb()` orders it in `io/console.h` users).

use xen_abi::io::console::{
    mask_xencons_idx, XENCONS_IN_CONS_OFFSET, XENCONS_IN_PROD_OFFSET, XENCONS_IN_SIZE,
    XENCONS_OUT_CONS_OFFSET, XENCONS_OUT_PROD_OFFSET, XENCONS_OUT_SIZE,
};
use xen_mem::{FrameMemory, MemError, Mfn};

/// Where one byte ring lives in the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Offset of the data bytes.
    pub data: usize,
    /// Size of the data area (a power of two).
    pub size: usize,
    /// Offset of the producer index.
    pub prod: usize,
    /// Offset of the consumer index.
    pub cons: usize,
}

/// The `in` ring (backend → guest).
pub const IN: Layout = Layout {
    data: 0,
    size: XENCONS_IN_SIZE,
    prod: XENCONS_IN_PROD_OFFSET,
    cons: XENCONS_IN_CONS_OFFSET,
};

/// The `out` ring (guest → backend).
pub const OUT: Layout = Layout {
    data: XENCONS_IN_SIZE,
    size: XENCONS_OUT_SIZE,
    prod: XENCONS_OUT_PROD_OFFSET,
    cons: XENCONS_OUT_CONS_OFFSET,
};

/// Which index of a ring an end owns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// Writes bytes, owns the producer index.
    Producer,
    /// Reads bytes, owns the consumer index.
    Consumer,
}

/// One end of one byte ring: the page, the ring's layout, and this end's
/// private index.
#[derive(Debug)]
pub struct RingEnd<'m, M: FrameMemory> {
    mem: &'m M,
    mfn: Mfn,
    layout: Layout,
    side: Side,
    own: u32,
    hostile: u64,
}

impl<'m, M: FrameMemory> RingEnd<'m, M> {
    /// Takes over one end of a ring, starting from the index currently in
    /// the page (any value is acceptable: indexes are free-running).
    pub fn attach(mem: &'m M, mfn: Mfn, layout: Layout, side: Side) -> Result<Self, MemError> {
        let at = match side {
            Side::Producer => layout.prod,
            Side::Consumer => layout.cons,
        };
        let own = mem.load::<u32>(mfn, at)?;
        Ok(RingEnd {
            mem,
            mfn,
            layout,
            side,
            own,
            hostile: 0,
        })
    }

    /// This end's private index.
    pub fn index(&self) -> u32 {
        self.own
    }

    /// How many times the peer's index was found out of range (clamped).
    pub fn hostile(&self) -> u64 {
        self.hostile
    }

    /// Bytes in the ring as this end sees it, clamped to the ring size.
    fn used(&mut self) -> Result<usize, MemError> {
        let size = self.layout.size;
        let (prod, cons) = match self.side {
            Side::Producer => (self.own, self.mem.load::<u32>(self.mfn, self.layout.cons)?),
            Side::Consumer => (self.mem.load::<u32>(self.mfn, self.layout.prod)?, self.own),
        };
        let used = prod.wrapping_sub(cons) as usize;
        if used > size {
            self.hostile += 1;
            // Producer: treat the ring as full; consumer: one ring's worth.
            return Ok(size);
        }
        Ok(used)
    }

    /// Copies `len` ring bytes starting at free-running index `idx` into
    /// `buf` (consumer) or from `data` (producer), in at most two pieces.
    fn chunks(&self, idx: u32, len: usize) -> [(usize, usize); 2] {
        let start = mask_xencons_idx(idx, self.layout.size);
        let first = len.min(self.layout.size - start);
        [
            (self.layout.data + start, first),
            (self.layout.data, len - first),
        ]
    }

    /// Producer: appends as much of `data` as fits; returns how many bytes
    /// went in (0 when full or when this end is a consumer).
    pub fn write(&mut self, data: &[u8]) -> Result<usize, MemError> {
        if self.side != Side::Producer {
            return Ok(0);
        }
        let free = self.layout.size - self.used()?;
        let n = free.min(data.len());
        if n == 0 {
            return Ok(0);
        }
        let mut done = 0;
        for (off, len) in self.chunks(self.own, n) {
            if len > 0 {
                self.mem.write(self.mfn, off, &data[done..done + len])?;
                done += len;
            }
        }
        self.own = self.own.wrapping_add(n as u32);
        self.mem
            .store::<u32>(self.mfn, self.layout.prod, self.own)?;
        Ok(n)
    }

    /// Consumer: takes up to `buf.len()` bytes; returns how many.
    pub fn read(&mut self, buf: &mut [u8]) -> Result<usize, MemError> {
        if self.side != Side::Consumer {
            return Ok(0);
        }
        let n = self.used()?.min(buf.len());
        if n == 0 {
            return Ok(0);
        }
        let mut done = 0;
        for (off, len) in self.chunks(self.own, n) {
            if len > 0 {
                self.mem.read(self.mfn, off, &mut buf[done..done + len])?;
                done += len;
            }
        }
        self.own = self.own.wrapping_add(n as u32);
        self.mem
            .store::<u32>(self.mfn, self.layout.cons, self.own)?;
        Ok(n)
    }

    /// Bytes waiting (consumer) or free space (producer), clamped.
    pub fn available(&mut self) -> Result<usize, MemError> {
        let used = self.used()?;
        Ok(match self.side {
            Side::Consumer => used,
            Side::Producer => self.layout.size - used,
        })
    }
}

/// The guest's side of the console page: writes `out`, reads `in`.
#[derive(Debug)]
pub struct Front<'m, M: FrameMemory> {
    /// Producer end of `out`.
    pub out: RingEnd<'m, M>,
    /// Consumer end of `in`.
    pub input: RingEnd<'m, M>,
}

impl<'m, M: FrameMemory> Front<'m, M> {
    /// Attaches to the console page in `mfn`.
    pub fn attach(mem: &'m M, mfn: Mfn) -> Result<Self, MemError> {
        Ok(Front {
            out: RingEnd::attach(mem, mfn, OUT, Side::Producer)?,
            input: RingEnd::attach(mem, mfn, IN, Side::Consumer)?,
        })
    }

    /// Console output: as much of `data` as fits.
    pub fn write(&mut self, data: &[u8]) -> Result<usize, MemError> {
        self.out.write(data)
    }

    /// Console input: up to `buf.len()` bytes.
    pub fn read(&mut self, buf: &mut [u8]) -> Result<usize, MemError> {
        self.input.read(buf)
    }
}

/// The backend's side of the console page: reads `out`, writes `in`.
#[derive(Debug)]
pub struct Back<'m, M: FrameMemory> {
    /// Consumer end of `out`.
    pub out: RingEnd<'m, M>,
    /// Producer end of `in`.
    pub input: RingEnd<'m, M>,
}

impl<'m, M: FrameMemory> Back<'m, M> {
    /// Attaches to the console page in `mfn` (mapped from the guest).
    pub fn attach(mem: &'m M, mfn: Mfn) -> Result<Self, MemError> {
        Ok(Back {
            out: RingEnd::attach(mem, mfn, OUT, Side::Consumer)?,
            input: RingEnd::attach(mem, mfn, IN, Side::Producer)?,
        })
    }

    /// The guest's output: up to `buf.len()` bytes.
    pub fn read(&mut self, buf: &mut [u8]) -> Result<usize, MemError> {
        self.out.read(buf)
    }

    /// Input for the guest: as much of `data` as fits.
    pub fn write(&mut self, data: &[u8]) -> Result<usize, MemError> {
        self.input.write(data)
    }

    /// Times either of the guest's indexes was out of range.
    pub fn hostile(&self) -> u64 {
        self.out.hostile() + self.input.hostile()
    }
}
