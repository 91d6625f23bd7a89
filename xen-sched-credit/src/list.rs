//! Intrusive doubly linked lists over index slabs.
//!
//! Run queues and the accounting lists link vCPUs (and domains) by index
//! rather than by pointer: each list kind has its own `Vec<Links>` indexed
//! like the vCPU slab, so insertion and removal are O(1), nothing is
//! allocated on the hot path and no `unsafe` is needed.

/// "No element".
pub(crate) const NIL: u32 = u32::MAX;

/// Per-element links of one list kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Links {
    pub prev: u32,
    pub next: u32,
}

impl Links {
    pub const UNLINKED: Links = Links {
        prev: NIL,
        next: NIL,
    };
}

/// A list head: first and last element and length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct List {
    pub head: u32,
    pub tail: u32,
    pub len: u32,
}

impl Default for List {
    fn default() -> Self {
        List::EMPTY
    }
}

impl List {
    pub const EMPTY: List = List {
        head: NIL,
        tail: NIL,
        len: 0,
    };

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends `i` at the tail.
    #[inline]
    pub fn push_back(&mut self, l: &mut [Links], i: u32) {
        l[i as usize] = Links {
            prev: self.tail,
            next: NIL,
        };
        if self.tail == NIL {
            self.head = i;
        } else {
            l[self.tail as usize].next = i;
        }
        self.tail = i;
        self.len += 1;
    }

    /// Prepends `i` at the head.
    #[inline]
    pub fn push_front(&mut self, l: &mut [Links], i: u32) {
        l[i as usize] = Links {
            prev: NIL,
            next: self.head,
        };
        if self.head == NIL {
            self.tail = i;
        } else {
            l[self.head as usize].prev = i;
        }
        self.head = i;
        self.len += 1;
    }

    /// Inserts `i` right after `after`, which must be on this list.
    #[inline]
    pub fn insert_after(&mut self, l: &mut [Links], after: u32, i: u32) {
        let next = l[after as usize].next;
        l[i as usize] = Links { prev: after, next };
        l[after as usize].next = i;
        if next == NIL {
            self.tail = i;
        } else {
            l[next as usize].prev = i;
        }
        self.len += 1;
    }

    /// Unlinks `i`, which must be on this list.
    #[inline]
    pub fn remove(&mut self, l: &mut [Links], i: u32) {
        let Links { prev, next } = l[i as usize];
        if prev == NIL {
            self.head = next;
        } else {
            l[prev as usize].next = next;
        }
        if next == NIL {
            self.tail = prev;
        } else {
            l[next as usize].prev = prev;
        }
        l[i as usize] = Links::UNLINKED;
        self.len -= 1;
    }

    /// Iterates from head to tail. The links must not change meanwhile.
    pub fn iter<'a>(&self, l: &'a [Links]) -> impl Iterator<Item = u32> + 'a {
        let mut cur = self.head;
        core::iter::from_fn(move || {
            if cur == NIL {
                return None;
            }
            let i = cur;
            cur = l[i as usize].next;
            Some(i)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;
    use alloc::vec::Vec;

    fn collect(list: &List, l: &[Links]) -> Vec<u32> {
        list.iter(l).collect()
    }

    #[test]
    fn push_insert_remove() {
        let mut l = vec![Links::UNLINKED; 8];
        let mut list = List::EMPTY;
        list.push_back(&mut l, 1);
        list.push_back(&mut l, 2);
        list.push_front(&mut l, 0);
        list.insert_after(&mut l, 1, 5);
        list.insert_after(&mut l, 2, 6);
        assert_eq!(collect(&list, &l), vec![0, 1, 5, 2, 6]);
        assert_eq!(list.tail, 6);
        list.remove(&mut l, 0);
        list.remove(&mut l, 6);
        list.remove(&mut l, 5);
        assert_eq!(collect(&list, &l), vec![1, 2]);
        assert_eq!((list.head, list.tail, list.len), (1, 2, 2));
        list.remove(&mut l, 1);
        list.remove(&mut l, 2);
        assert!(list.is_empty());
        assert_eq!((list.head, list.tail), (NIL, NIL));
    }
}
