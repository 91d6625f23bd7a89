//! The guest's view of the FIFO ABI.

use alloc::vec::Vec;

use xen_abi::EvtchnPort;
use xen_mem::{FrameMemory, Mfn};

use crate::abi::{
    EVTCHN_FIFO_BUSY, EVTCHN_FIFO_LINKED, EVTCHN_FIFO_LINK_MASK, EVTCHN_FIFO_MASKED,
    EVTCHN_FIFO_MAX_QUEUES, EVTCHN_FIFO_PENDING, FIFO_CONTROL_HEAD, FIFO_CONTROL_READY,
    VCPU_INFO_UPCALL_PENDING,
};
use crate::{FrameLoc, WORDS_PER_PAGE};

const PENDING: u32 = 1 << EVTCHN_FIFO_PENDING;
const MASKED: u32 = 1 << EVTCHN_FIFO_MASKED;
const LINKED: u32 = 1 << EVTCHN_FIFO_LINKED;
const BUSY: u32 = 1 << EVTCHN_FIFO_BUSY;

/// Bound on compare-exchange retries against a word the hypervisor keeps
/// changing.
const CAS_TRIES: usize = 64;

/// One vCPU's handle on the FIFO ABI: its control block, the domain's
/// event-array pages, and the queue heads it has not consumed yet.
#[derive(Clone, Debug)]
pub struct FifoGuest {
    control: FrameLoc,
    vcpu_info: FrameLoc,
    pages: Vec<Mfn>,
    heads: [u32; EVTCHN_FIFO_MAX_QUEUES],
}

impl FifoGuest {
    /// A handle on the control block at `control` of the vCPU whose
    /// `vcpu_info` is at `vcpu_info`, with no event-array pages yet.
    pub fn new(control: FrameLoc, vcpu_info: FrameLoc) -> Self {
        Self {
            control,
            vcpu_info,
            pages: Vec::new(),
            heads: [0; EVTCHN_FIFO_MAX_QUEUES],
        }
    }

    /// Prepares `page` as the next event-array page (every word MASKED, as
    /// Linux does before `EVTCHNOP_expand_array`) and records it. Call the
    /// hypercall after this.
    pub fn add_page<M: FrameMemory>(&mut self, mem: &M, page: Mfn) {
        for i in 0..WORDS_PER_PAGE as usize {
            let _ = mem.store::<u32>(page, i * 4, MASKED);
        }
        self.pages.push(page);
    }

    /// Records `page` as the next event-array page without touching it
    /// (for a vCPU other than the one that prepared it).
    pub fn push_page(&mut self, page: Mfn) {
        self.pages.push(page);
    }

    /// Where `port`'s event word is.
    pub fn word(&self, port: EvtchnPort) -> Option<FrameLoc> {
        let page = *self.pages.get((port.0 / WORDS_PER_PAGE) as usize)?;
        Some(FrameLoc {
            mfn: page,
            offset: (port.0 % WORDS_PER_PAGE) as usize * 4,
        })
    }

    /// The raw event word of `port`.
    pub fn load_word<M: FrameMemory>(&self, mem: &M, port: EvtchnPort) -> Option<u32> {
        let w = self.word(port)?;
        mem.load::<u32>(w.mfn, w.offset).ok()
    }

    /// Unlinks `w` (clears LINKED and LINK), returning the LINK it held.
    fn clear_linked<M: FrameMemory>(mem: &M, w: FrameLoc) -> u32 {
        let Ok(mut old) = mem.load::<u32>(w.mfn, w.offset) else {
            return 0;
        };
        for _ in 0..CAS_TRIES {
            let new = old & !(LINKED | EVTCHN_FIFO_LINK_MASK);
            match mem.compare_exchange::<u32>(w.mfn, w.offset, old, new) {
                Ok(Ok(_)) => return old & EVTCHN_FIFO_LINK_MASK,
                Ok(Err(actual)) => old = actual,
                Err(_) => return 0,
            }
        }
        0
    }

    /// Takes one event off queue `prio`; returns the port if it should be
    /// handled. Clears the ready bit in `ready` when the queue drained.
    fn consume_one<M: FrameMemory>(
        &mut self,
        mem: &M,
        prio: usize,
        ready: &mut u32,
    ) -> Option<EvtchnPort> {
        let mut head = self.heads[prio];
        if head == 0 {
            let at = self.control.at(FIFO_CONTROL_HEAD + 4 * prio);
            head = mem.load::<u32>(at.mfn, at.offset).unwrap_or(0);
        }
        let port = EvtchnPort(head);
        let next = match self.word(port) {
            Some(w) if head != 0 => Self::clear_linked(mem, w),
            _ => 0,
        };
        if next == 0 {
            *ready &= !(1 << prio);
        }
        self.heads[prio] = next;
        let w = self.load_word(mem, port)?;
        (head != 0 && w & PENDING != 0 && w & MASKED == 0).then_some(port)
    }

    /// Whether the vCPU has an upcall pending.
    pub fn upcall_pending<M: FrameMemory>(&self, mem: &M) -> bool {
        let at = self.vcpu_info.at(VCPU_INFO_UPCALL_PENDING);
        matches!(mem.load::<u8>(at.mfn, at.offset), Ok(v) if v != 0)
    }

    /// The upcall handler's loop: clears `evtchn_upcall_pending`, takes the
    /// `ready` bitmap and drains the queues highest priority (0) first,
    /// unlinking each event and calling `handle` for each pending, unmasked
    /// one after clearing its PENDING bit. Takes at most `budget` events off
    /// the queues; the rest stay queued and marked ready (call again).
    /// Returns the number handled.
    pub fn scan<M: FrameMemory>(
        &mut self,
        mem: &M,
        budget: usize,
        mut handle: impl FnMut(EvtchnPort),
    ) -> usize {
        let up = self.vcpu_info.at(VCPU_INFO_UPCALL_PENDING);
        let _ = mem.store::<u8>(up.mfn, up.offset, 0);
        let ready_at = self.control.at(FIFO_CONTROL_READY);
        let take_ready = |mem: &M| {
            mem.fetch_and::<u32>(ready_at.mfn, ready_at.offset, 0)
                .unwrap_or(0)
        };
        let mut ready = take_ready(mem) & 0xffff;
        let mut handled = 0;
        let mut steps = 0;
        while ready != 0 && steps < budget {
            steps += 1;
            let prio = ready.trailing_zeros() as usize;
            if let Some(port) = self.consume_one(mem, prio, &mut ready) {
                if let Some(w) = self.word(port) {
                    let _ = mem.fetch_and::<u32>(w.mfn, w.offset, !PENDING);
                }
                handle(port);
                handled += 1;
            }
            ready |= take_ready(mem) & 0xffff;
        }
        if ready != 0 {
            // Out of budget: leave the unfinished queues marked ready.
            let _ = mem.fetch_or::<u32>(ready_at.mfn, ready_at.offset, ready);
        }
        handled
    }

    /// Masks `port`.
    pub fn mask<M: FrameMemory>(&self, mem: &M, port: EvtchnPort) {
        if let Some(w) = self.word(port) {
            let _ = mem.fetch_or::<u32>(w.mfn, w.offset, MASKED);
        }
    }

    /// Unmasks `port` as Linux does: clears MASKED locally unless the port
    /// is pending (waiting while the hypervisor holds the word BUSY); a
    /// pending port needs `EVTCHNOP_unmask` so the hypervisor links it, and
    /// `hypercall` is called for that.
    pub fn unmask<M: FrameMemory>(
        &self,
        mem: &M,
        port: EvtchnPort,
        hypercall: impl FnOnce(EvtchnPort),
    ) {
        let Some(w) = self.word(port) else {
            return;
        };
        let Ok(mut old) = mem.load::<u32>(w.mfn, w.offset) else {
            return;
        };
        for _ in 0..CAS_TRIES {
            if old & MASKED == 0 {
                return;
            }
            if old & PENDING != 0 {
                break;
            }
            if old & BUSY != 0 {
                core::hint::spin_loop();
                old = mem.load::<u32>(w.mfn, w.offset).unwrap_or(old);
                continue;
            }
            match mem.compare_exchange::<u32>(w.mfn, w.offset, old, old & !MASKED) {
                Ok(Ok(_)) => return,
                Ok(Err(actual)) => old = actual,
                Err(_) => return,
            }
        }
        hypercall(port);
    }

    /// Whether `port` is pending.
    pub fn is_pending<M: FrameMemory>(&self, mem: &M, port: EvtchnPort) -> bool {
        self.load_word(mem, port).is_some_and(|w| w & PENDING != 0)
    }
}
