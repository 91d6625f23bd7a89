//! What the backend stores blocks on.
//!
//! [`Storage`] is byte-addressed; the backend only calls it with
//! sector-aligned, bounds-checked ranges. [`MemDisk`] keeps the disk in
//! memory (no_std tests); `FileStorage` (feature `std`) is a raw image
//! file.

use alloc::vec;
use alloc::vec::Vec;
use core::cell::RefCell;

/// A storage failure (the backend answers `BLKIF_RSP_ERROR`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("storage I/O error")]
pub struct StorageError;

/// A disk.
pub trait Storage {
    /// Size in 512-byte sectors.
    fn sectors(&self) -> u64;
    /// Whether the disk was attached read-only (`mode = r`).
    fn read_only(&self) -> bool;
    /// Whether discard is supported (`feature-discard`).
    fn supports_discard(&self) -> bool;
    /// Reads `buf.len()` bytes at byte `offset`.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), StorageError>;
    /// Writes `data` at byte `offset`.
    fn write_at(&self, offset: u64, data: &[u8]) -> Result<(), StorageError>;
    /// Makes every completed write durable.
    fn flush(&self) -> Result<(), StorageError>;
    /// Discards `len` bytes at `offset` (they read back as zeroes).
    fn discard(&self, offset: u64, len: u64) -> Result<(), StorageError>;
}

/// An in-memory disk.
#[derive(Debug)]
pub struct MemDisk {
    data: RefCell<Vec<u8>>,
    read_only: bool,
    /// Flushes seen.
    pub flushes: core::cell::Cell<u64>,
}

impl MemDisk {
    /// A zeroed disk of `sectors` sectors.
    pub fn new(sectors: u64, read_only: bool) -> MemDisk {
        MemDisk {
            data: RefCell::new(vec![0; (sectors * 512) as usize]),
            read_only,
            flushes: core::cell::Cell::new(0),
        }
    }

    /// A copy of the contents.
    pub fn contents(&self) -> Vec<u8> {
        self.data.borrow().clone()
    }
}

fn range(offset: u64, len: usize, size: usize) -> Result<core::ops::Range<usize>, StorageError> {
    let start = usize::try_from(offset).map_err(|_| StorageError)?;
    let end = start.checked_add(len).ok_or(StorageError)?;
    if end > size {
        return Err(StorageError);
    }
    Ok(start..end)
}

impl Storage for MemDisk {
    fn sectors(&self) -> u64 {
        self.data.borrow().len() as u64 / 512
    }
    fn read_only(&self) -> bool {
        self.read_only
    }
    fn supports_discard(&self) -> bool {
        true
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), StorageError> {
        let d = self.data.borrow();
        buf.copy_from_slice(&d[range(offset, buf.len(), d.len())?]);
        Ok(())
    }
    fn write_at(&self, offset: u64, data: &[u8]) -> Result<(), StorageError> {
        let mut d = self.data.borrow_mut();
        let r = range(offset, data.len(), d.len())?;
        d[r].copy_from_slice(data);
        Ok(())
    }
    fn flush(&self) -> Result<(), StorageError> {
        self.flushes.set(self.flushes.get() + 1);
        Ok(())
    }
    fn discard(&self, offset: u64, len: u64) -> Result<(), StorageError> {
        let mut d = self.data.borrow_mut();
        let r = range(
            offset,
            usize::try_from(len).map_err(|_| StorageError)?,
            d.len(),
        )?;
        d[r].fill(0);
        Ok(())
    }
}
