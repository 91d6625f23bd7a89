//! A reader-scalable lock: one copy of the protected value per reader slot.
//!
//! Xen guards each grant table with a per-CPU reader/writer lock so that
//! map, unmap and copy on different CPUs never share a cache line. Without
//! `unsafe`, the same effect comes from replication: every slot holds its own
//! copy of the (small) table metadata behind its own cache-line-aligned
//! [`spin::RwLock`]. A reader locks only the slot its CPU hint selects; a
//! writer locks every slot in index order, changes each copy the same way and
//! releases them. Writers are rare (grow, version change, swap).
//!
//! Invariant: between write sections all copies are equal, so a reader sees
//! the same state whichever slot it uses.

use alloc::vec::Vec;
use core::ops::Deref;

use spin::{RwLock, RwLockReadGuard, RwLockWriteGuard};

/// A value aligned to its own cache-line pair, so neighbours never share one.
#[derive(Debug, Default)]
#[repr(align(128))]
pub(crate) struct Padded<T>(pub T);

impl<T> Deref for Padded<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// A value replicated across reader slots.
pub(crate) struct Replicated<T> {
    slots: Vec<Padded<RwLock<T>>>,
}

impl<T: Clone> Replicated<T> {
    /// `slots` copies of `value` (at least one).
    pub(crate) fn new(value: T, slots: usize) -> Self {
        let slots = (0..slots.max(1))
            .map(|_| Padded(RwLock::new(value.clone())))
            .collect();
        Self { slots }
    }

    /// Read access through the slot chosen by `hint` (any number).
    pub(crate) fn read(&self, hint: usize) -> RwLockReadGuard<'_, T> {
        self.slots[hint % self.slots.len()].read()
    }

    /// Exclusive access to every copy.
    pub(crate) fn write(&self) -> WriteAll<'_, T> {
        WriteAll {
            guards: self.slots.iter().map(|s| s.write()).collect(),
        }
    }
}

/// All slots locked for writing.
pub(crate) struct WriteAll<'a, T> {
    guards: Vec<RwLockWriteGuard<'a, T>>,
}

impl<T> WriteAll<'_, T> {
    /// The current value (all copies are equal).
    pub(crate) fn get(&self) -> &T {
        &self.guards[0]
    }

    /// Applies the same change to every copy.
    pub(crate) fn update(&mut self, mut f: impl FnMut(&mut T)) {
        for g in &mut self.guards {
            f(g);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_reach_every_slot() {
        let r = Replicated::new(1u32, 4);
        {
            let mut w = r.write();
            assert_eq!(*w.get(), 1);
            w.update(|v| *v += 1);
        }
        for hint in 0..9 {
            assert_eq!(*r.read(hint), 2);
        }
        assert_eq!(core::mem::align_of::<Padded<u8>>(), 128);
    }
}
