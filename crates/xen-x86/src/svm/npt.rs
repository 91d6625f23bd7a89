//! Nested page tables: the guest-physical → host-physical map the CPU
//! walks on every guest memory access when nested paging is on.
//!
//! Four levels of 512 entries like ordinary long-mode tables; every entry
//! carries the user bit (nested walks are user accesses). The structure
//! logic is generic over [`TableMemory`] so it is tested on the host with
//! plain buffers; on the machine the tables live in identity-mapped frames.

/// Present.
pub const P: u64 = 1 << 0;
/// Writable.
pub const W: u64 = 1 << 1;
/// User (required on every nested entry).
pub const U: u64 = 1 << 2;
/// Large page at the PDPT or PD level.
pub const PS: u64 = 1 << 7;
/// No-execute.
pub const NX: u64 = 1 << 63;
/// Address bits of an entry.
pub const ADDR_MASK: u64 = 0x000f_ffff_ffff_f000;

/// Access rights of a mapping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Read, write, execute.
    Rwx,
    /// Read and execute.
    Rx,
    /// Read and write, no execute.
    Rw,
    /// Read only, no execute.
    R,
}

impl Access {
    fn bits(self) -> u64 {
        match self {
            Access::Rwx => P | U | W,
            Access::Rx => P | U,
            Access::Rw => P | U | W | NX,
            Access::R => P | U | NX,
        }
    }
}

/// Where the table frames live and how they are obtained.
pub trait TableMemory {
    /// A zeroed frame for a new table; its host-physical address.
    fn alloc_table(&mut self) -> Option<u64>;
    /// Reads entry `index` of the table at `table`.
    fn read(&self, table: u64, index: usize) -> u64;
    /// Writes entry `index` of the table at `table`.
    fn write(&mut self, table: u64, index: usize, value: u64);
}

/// Why a mapping was not made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NptError {
    /// No frame for an intermediate table.
    OutOfMemory,
    /// An address is not 4 KiB-aligned or beyond 52 bits.
    BadAddress,
    /// The range is covered by a large page.
    LargePage,
}

/// A nested page table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Npt {
    root: u64,
}

const MAX_PHYS: u64 = 1 << 52;

fn index(gpa: u64, level: u32) -> usize {
    ((gpa >> (12 + 9 * level)) & 0x1ff) as usize
}

impl Npt {
    /// A new, empty table.
    pub fn new(mem: &mut impl TableMemory) -> Result<Self, NptError> {
        Ok(Self {
            root: mem.alloc_table().ok_or(NptError::OutOfMemory)?,
        })
    }

    /// The root (what goes into the VMCB's `N_CR3`).
    pub fn root(&self) -> u64 {
        self.root
    }

    /// Maps the 4 KiB guest frame at `gpa` to host frame `hpa`.
    pub fn map(
        &self,
        mem: &mut impl TableMemory,
        gpa: u64,
        hpa: u64,
        access: Access,
    ) -> Result<(), NptError> {
        if gpa % 4096 != 0 || hpa % 4096 != 0 || gpa >= MAX_PHYS || hpa >= MAX_PHYS {
            return Err(NptError::BadAddress);
        }
        let mut table = self.root;
        for level in (1..4).rev() {
            let i = index(gpa, level);
            let e = mem.read(table, i);
            table = if e & P == 0 {
                let t = mem.alloc_table().ok_or(NptError::OutOfMemory)?;
                mem.write(table, i, t | P | W | U);
                t
            } else if e & PS != 0 {
                return Err(NptError::LargePage);
            } else {
                e & ADDR_MASK
            };
        }
        mem.write(table, index(gpa, 0), hpa | access.bits());
        Ok(())
    }

    /// Removes the mapping of `gpa`; returns the host frame it had.
    pub fn unmap(&self, mem: &mut impl TableMemory, gpa: u64) -> Option<u64> {
        let (table, i) = self.leaf(mem, gpa)?;
        let e = mem.read(table, i);
        mem.write(table, i, 0);
        (e & P != 0).then_some(e & ADDR_MASK)
    }

    /// Translates `gpa` (any byte address) to its host address and access.
    pub fn translate(&self, mem: &impl TableMemory, gpa: u64) -> Option<(u64, Access)> {
        let (table, i) = self.leaf(mem, gpa & !0xfff)?;
        let e = mem.read(table, i);
        if e & P == 0 {
            return None;
        }
        let access = match (e & W != 0, e & NX != 0) {
            (true, false) => Access::Rwx,
            (false, false) => Access::Rx,
            (true, true) => Access::Rw,
            (false, true) => Access::R,
        };
        Some(((e & ADDR_MASK) | (gpa & 0xfff), access))
    }

    fn leaf(&self, mem: &impl TableMemory, gpa: u64) -> Option<(u64, usize)> {
        if gpa >= MAX_PHYS {
            return None;
        }
        let mut table = self.root;
        for level in (1..4).rev() {
            let e = mem.read(table, index(gpa, level));
            if e & P == 0 || e & PS != 0 {
                return None;
            }
            table = e & ADDR_MASK;
        }
        Some((table, index(gpa, 0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// Tables in a map from "physical address" to 512 entries.
    #[derive(Default)]
    struct Fake {
        tables: BTreeMap<u64, [u64; 512]>,
        next: u64,
        limit: usize,
    }

    impl TableMemory for Fake {
        fn alloc_table(&mut self) -> Option<u64> {
            if self.tables.len() >= self.limit {
                return None;
            }
            self.next += 0x1000;
            self.tables.insert(self.next, [0; 512]);
            Some(self.next)
        }
        fn read(&self, t: u64, i: usize) -> u64 {
            self.tables[&t][i]
        }
        fn write(&mut self, t: u64, i: usize, v: u64) {
            self.tables.get_mut(&t).unwrap()[i] = v;
        }
    }

    #[test]
    fn map_translate_unmap() {
        let mut m = Fake {
            limit: 100,
            ..Default::default()
        };
        let npt = Npt::new(&mut m).unwrap();
        npt.map(&mut m, 0x1000, 0x7777_0000, Access::Rwx).unwrap();
        npt.map(&mut m, 0x40_0000_0000, 0x8000, Access::R).unwrap();
        assert_eq!(npt.translate(&m, 0x1abc), Some((0x7777_0abc, Access::Rwx)));
        assert_eq!(npt.translate(&m, 0x40_0000_0010), Some((0x8010, Access::R)));
        assert_eq!(npt.translate(&m, 0x2000), None);
        // Every intermediate entry carries the user bit.
        for t in m.tables.values() {
            for e in t.iter().filter(|e| **e & P != 0) {
                assert_ne!(e & U, 0);
            }
        }
        assert_eq!(npt.unmap(&mut m, 0x1000), Some(0x7777_0000));
        assert_eq!(npt.translate(&m, 0x1000), None);
        assert_eq!(
            npt.map(&mut m, 0x1001, 0, Access::R),
            Err(NptError::BadAddress)
        );
        assert_eq!(
            npt.map(&mut m, 1 << 52, 0, Access::R),
            Err(NptError::BadAddress)
        );
    }

    #[test]
    fn running_out_of_table_frames_is_an_error() {
        let mut m = Fake {
            limit: 2,
            ..Default::default()
        };
        let npt = Npt::new(&mut m).unwrap();
        assert_eq!(
            npt.map(&mut m, 0, 0x1000, Access::Rwx),
            Err(NptError::OutOfMemory)
        );
    }
}
