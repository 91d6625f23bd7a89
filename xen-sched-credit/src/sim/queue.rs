//! An indexed event queue: one slot per pending timer.
//!
//! Every timer of the simulation has a fixed slot (a pCPU's decision timer,
//! its tick, a vCPU's next wake-up, …). Re-arming a slot moves its entry
//! instead of leaving a stale one behind, so the heap stays as small as the
//! number of timers and popping stays cheap.

const NONE: u32 = u32::MAX;
const ARITY: usize = 4;

/// A 4-ary min-heap of slots (shallower than a binary one: fewer levels to
/// sift through on every pop), each entry carrying its key packed into one
/// integer (time, then kind order, then arming sequence), with every slot's
/// heap position tracked.
#[derive(Clone, Debug, Default)]
pub(crate) struct EventQueue {
    heap: Vec<(u128, u32)>,
    pos: Vec<u32>,
    seq: u64,
}

impl EventQueue {
    pub fn new(slots: usize) -> Self {
        EventQueue {
            heap: Vec::with_capacity(slots),
            pos: vec![NONE; slots],
            seq: 0,
        }
    }

    /// Arms (or re-arms) `slot` at `time`.
    pub fn set(&mut self, slot: usize, time: u64, order: u8) {
        self.seq += 1;
        let key = (u128::from(time) << 64) | (u128::from(order) << 56) | u128::from(self.seq);
        let i = match self.pos[slot] {
            NONE => {
                self.heap.push((key, slot as u32));
                self.heap.len() - 1
            }
            i => {
                self.heap[i as usize].0 = key;
                i as usize
            }
        };
        self.pos[slot] = i as u32;
        let i = self.sift_up(i);
        self.sift_down(i);
    }

    /// Disarms `slot`.
    pub fn cancel(&mut self, slot: usize) {
        let i = self.pos[slot];
        if i == NONE {
            return;
        }
        self.pos[slot] = NONE;
        let i = i as usize;
        let last = self.heap.pop().expect("armed slot in heap");
        if i < self.heap.len() {
            self.heap[i] = last;
            self.pos[last.1 as usize] = i as u32;
            let i = self.sift_up(i);
            self.sift_down(i);
        }
    }

    /// The earliest armed slot and its time.
    pub fn peek(&self) -> Option<(u64, usize)> {
        self.heap
            .first()
            .map(|&(k, s)| ((k >> 64) as u64, s as usize))
    }

    /// Removes and returns the earliest armed slot.
    pub fn pop(&mut self) -> Option<(u64, usize)> {
        let top = self.peek()?;
        self.cancel(top.1);
        Some(top)
    }

    fn place(&mut self, i: usize, e: (u128, u32)) {
        self.heap[i] = e;
        self.pos[e.1 as usize] = i as u32;
    }

    fn sift_up(&mut self, mut i: usize) -> usize {
        let e = self.heap[i];
        while i > 0 {
            let parent = (i - 1) / ARITY;
            if self.heap[parent].0 <= e.0 {
                break;
            }
            let p = self.heap[parent];
            self.place(i, p);
            i = parent;
        }
        self.place(i, e);
        i
    }

    fn sift_down(&mut self, mut i: usize) {
        let e = self.heap[i];
        let n = self.heap.len();
        loop {
            let first = ARITY * i + 1;
            if first >= n {
                break;
            }
            let mut c = first;
            for k in first + 1..(first + ARITY).min(n) {
                if self.heap[k].0 < self.heap[c].0 {
                    c = k;
                }
            }
            if self.heap[c].0 >= e.0 {
                break;
            }
            let x = self.heap[c];
            self.place(i, x);
            i = c;
        }
        self.place(i, e);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_key_order_and_rearms_in_place() {
        let mut q = EventQueue::new(8);
        q.set(0, 50, 0);
        q.set(1, 10, 5);
        q.set(2, 10, 1);
        q.set(3, 30, 0);
        q.set(1, 60, 0); // re-armed later
        q.cancel(3);
        q.cancel(3);
        let order: Vec<usize> = std::iter::from_fn(|| q.pop().map(|(_, s)| s)).collect();
        assert_eq!(order, vec![2, 0, 1]);
    }

    #[test]
    fn same_time_same_order_is_fifo() {
        let mut q = EventQueue::new(4);
        for s in [3, 1, 2, 0] {
            q.set(s, 7, 0);
        }
        let order: Vec<usize> = std::iter::from_fn(|| q.pop().map(|(_, s)| s)).collect();
        assert_eq!(order, vec![3, 1, 2, 0]);
    }
}
