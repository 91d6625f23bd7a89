//! A raw image file as block storage (`file:`/`tap:aio:` disks, and `phy:`
//! block devices opened the same way).
//!
//! Reads and writes are positioned (`pread`/`pwrite`, retried until
//! complete); flush is `fdatasync`; discard punches a hole
//! (`fallocate(PUNCH_HOLE | KEEP_SIZE)`), so discarded sectors read back
//! as zeroes. A read-only disk is opened read-only, so even a backend bug
//! could not write it.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;

use rustix::fs::{fallocate, FallocateFlags};

use crate::storage::{Storage, StorageError};

/// A raw image file.
#[derive(Debug)]
pub struct FileStorage {
    file: File,
    sectors: u64,
    read_only: bool,
}

impl FileStorage {
    /// Opens the image at `path` (read-only if asked); its size, rounded
    /// down to whole sectors, is the disk's size.
    pub fn open(path: impl AsRef<Path>, read_only: bool) -> io::Result<FileStorage> {
        let file = OpenOptions::new().read(true).write(!read_only).open(path)?;
        let sectors = file.metadata()?.len() / 512;
        Ok(FileStorage {
            file,
            sectors,
            read_only,
        })
    }
}

impl Storage for FileStorage {
    fn sectors(&self) -> u64 {
        self.sectors
    }
    fn read_only(&self) -> bool {
        self.read_only
    }
    fn supports_discard(&self) -> bool {
        !self.read_only
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), StorageError> {
        self.file
            .read_exact_at(buf, offset)
            .map_err(|_| StorageError)
    }
    fn write_at(&self, offset: u64, data: &[u8]) -> Result<(), StorageError> {
        if self.read_only {
            return Err(StorageError);
        }
        self.file
            .write_all_at(data, offset)
            .map_err(|_| StorageError)
    }
    fn flush(&self) -> Result<(), StorageError> {
        self.file.sync_data().map_err(|_| StorageError)
    }
    fn discard(&self, offset: u64, len: u64) -> Result<(), StorageError> {
        if self.read_only {
            return Err(StorageError);
        }
        fallocate(
            &self.file,
            FallocateFlags::PUNCH_HOLE | FallocateFlags::KEEP_SIZE,
            offset,
            len,
        )
        .map_err(|_| StorageError)
    }
}
