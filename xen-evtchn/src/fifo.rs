//! The FIFO ABI: one 32-bit event word per port in guest-supplied
//! event-array pages, and per vCPU a control block with a `ready` bitmap and
//! the head of 16 priority queues that Xen links events onto.
//!
//! # Queue linking
//! An event word holds PENDING, MASKED, LINKED, BUSY and a 17-bit LINK to the
//! next port of its queue. Xen keeps each queue's tail privately (under the
//! queue's lock) and appends a port by writing its number into the tail
//! word's LINK — but only while the tail is still LINKED, because the guest
//! consumer clears LINKED (and LINK) as it takes an event off the head. That
//! update is one compare-exchange; when the guest keeps changing the tail
//! word (masking, unmasking) Xen sets BUSY, which a well-behaved guest waits
//! on before unmasking, and gives up after four more attempts: a hostile
//! guest can lose its own events but cannot keep Xen spinning. If the tail
//! was consumed, the queue is empty and the port becomes the new head.
//!
//! Xen never follows LINK fields itself, so nothing the guest writes in them
//! is ever used as an index here.
//!
//! # Locks
//! Queue locks nest inside channel locks. A port that moved queue (new
//! vCPU or priority) since it was last linked needs its old queue's lock too,
//! to invalidate the old tail: two queue locks of one domain are taken in
//! (vCPU, priority) order, re-checking the channel's last queue after
//! locking, at most three times (then the event is dropped, as in Xen).
//!
//! # Publication
//! A control block and an event-array page are published with one release
//! store of their location (the queue heads are derived from it, so there is
//! no window with a control block but no heads: XSA-358), and a page before
//! the count of words that covers it (XSA-221, XSA-359).

use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use xen_abi::EvtchnPort;
use xen_mem::{FrameMemory, Gfn, Mfn, PAGE_SIZE};

use crate::abi::{
    EVTCHN_FIFO_BUSY, EVTCHN_FIFO_LINKED, EVTCHN_FIFO_LINK_MASK, EVTCHN_FIFO_MASKED,
    EVTCHN_FIFO_MAX_QUEUES, EVTCHN_FIFO_PENDING, EVTCHN_FIFO_PRIORITY_DEFAULT,
    EVTCHN_FIFO_PRIORITY_MIN, FIFO_CONTROL_BLOCK_SIZE, FIFO_CONTROL_HEAD, FIFO_CONTROL_READY,
    SHARED_INFO_EVTCHN_PENDING,
};
use crate::channel::Channel;
use crate::domain::{Domain, EventLocked, FrameLoc, ABI_2L, ABI_FIFO, FIFO_NR_CHANNELS};
use crate::port_ops::{Cx, PortOps};
use crate::{EvtchnError, EvtchnWorld};

/// Event words per event-array page.
pub const WORDS_PER_PAGE: u32 = (PAGE_SIZE / 4) as u32;
/// Maximum number of event-array pages.
pub const MAX_ARRAY_PAGES: usize = (FIFO_NR_CHANNELS / WORDS_PER_PAGE) as usize;

const PENDING: u32 = 1 << EVTCHN_FIFO_PENDING;
const MASKED: u32 = 1 << EVTCHN_FIFO_MASKED;
const LINKED: u32 = 1 << EVTCHN_FIFO_LINKED;
const BUSY: u32 = 1 << EVTCHN_FIFO_BUSY;

/// Per-vCPU FIFO state.
pub(crate) struct FifoVcpu {
    /// Location of the control block (encoded [`FrameLoc`]), or none.
    control: AtomicU64,
    /// Each priority queue's tail port (0 = empty), under the queue lock.
    queues: [spin::Mutex<u32>; EVTCHN_FIFO_MAX_QUEUES],
}

impl FifoVcpu {
    pub fn new() -> Self {
        Self {
            control: AtomicU64::new(FrameLoc::none_raw()),
            queues: core::array::from_fn(|_| spin::Mutex::new(0)),
        }
    }

    /// The control block, if registered.
    #[inline]
    pub fn control_block(&self) -> Option<FrameLoc> {
        FrameLoc::decode(self.control.load(Ordering::Acquire))
    }
}

/// Per-domain FIFO state: the event array.
pub(crate) struct FifoDomain {
    pages: [AtomicU64; MAX_ARRAY_PAGES],
    /// Ports covered by the pages present (`num_evtchns`).
    words: AtomicU32,
}

impl FifoDomain {
    pub fn new() -> Self {
        Self {
            pages: core::array::from_fn(|_| AtomicU64::new(u64::MAX)),
            words: AtomicU32::new(0),
        }
    }

    /// Where `port`'s event word is, if its page exists.
    #[inline]
    pub fn word(&self, port: u32) -> Option<FrameLoc> {
        if port >= self.words.load(Ordering::Acquire) {
            return None;
        }
        let page = self.pages.get((port / WORDS_PER_PAGE) as usize)?;
        let raw = page.load(Ordering::Acquire);
        (raw != u64::MAX).then(|| FrameLoc {
            mfn: Mfn(raw),
            offset: (port % WORDS_PER_PAGE) as usize * 4,
        })
    }

    /// [`word`](Self::word) with a sequentially consistent load of the
    /// word count (pairs with the store in `expand_array`).
    fn word_seqcst(&self, port: u32) -> Option<FrameLoc> {
        if port >= self.words.load(Ordering::SeqCst) {
            return None;
        }
        self.word(port)
    }

    /// Number of event-array pages.
    pub(crate) fn nr_pages(&self) -> u32 {
        self.words.load(Ordering::Acquire) / WORDS_PER_PAGE
    }
}

/// Compare-exchange attempts of [`Fifo::mark_pending`] before it falls back
/// to separate atomic steps.
const MARK_TRIES: usize = 4;

/// Encodes a channel's last queue.
fn lastq(vcpu: u32, priority: usize) -> u32 {
    vcpu << 8 | priority as u32
}

pub(crate) struct Fifo;

impl Fifo {
    fn test_and_set<M: FrameMemory>(mem: &M, w: FrameLoc, bit: u32) -> Option<bool> {
        mem.fetch_or::<u32>(w.mfn, w.offset, bit)
            .ok()
            .map(|old| old & bit != 0)
    }

    fn test<M: FrameMemory>(mem: &M, w: FrameLoc, bit: u32) -> Option<bool> {
        mem.load::<u32>(w.mfn, w.offset).ok().map(|v| v & bit != 0)
    }

    /// Xen's first steps of `evtchn_fifo_set_pending()` on the event word:
    /// set PENDING, then, if MASKED is clear, test-and-set LINKED. Returns
    /// whether PENDING was newly set and whether this call set LINKED (so
    /// must link the event).
    ///
    /// Done as one compare-exchange of the whole word (one of the outcomes
    /// of Xen's three steps: the one where the guest writes nothing in
    /// between); a word already pending and masked or linked needs no write.
    /// A guest that keeps changing the word makes the compare-exchange
    /// fail: after [`MARK_TRIES`] attempts it gets Xen's separate steps,
    /// which always finish.
    #[inline]
    pub(crate) fn mark_pending<M: FrameMemory>(mem: &M, w: FrameLoc) -> (bool, bool) {
        if let Ok(mut cur) = mem.load::<u32>(w.mfn, w.offset) {
            for _ in 0..MARK_TRIES {
                let link = cur & (MASKED | LINKED) == 0;
                let new = cur | PENDING | if link { LINKED } else { 0 };
                if new == cur {
                    return (false, false);
                }
                match mem.compare_exchange::<u32>(w.mfn, w.offset, cur, new) {
                    Ok(Ok(_)) => return (cur & PENDING == 0, link),
                    Ok(Err(actual)) => cur = actual,
                    Err(_) => break,
                }
            }
        }
        let newly_pending = Self::test_and_set(mem, w, PENDING) == Some(false);
        let link = Self::test(mem, w, MASKED) == Some(false)
            && Self::test_and_set(mem, w, LINKED) == Some(false);
        (newly_pending, link)
    }

    /// One attempt to link `link` after the tail word whose last seen value
    /// is `*seen`: `Some(false)` if the tail is no longer LINKED (the queue
    /// drained), `Some(true)` when linked, `None` when the word changed
    /// (`*seen` is refreshed).
    fn try_set_link<M: FrameMemory>(
        mem: &M,
        tail: FrameLoc,
        seen: &mut u32,
        link: u32,
    ) -> Option<bool> {
        if *seen & LINKED == 0 {
            return Some(false);
        }
        let new = (*seen & !(BUSY | EVTCHN_FIFO_LINK_MASK)) | link;
        match mem.compare_exchange::<u32>(tail.mfn, tail.offset, *seen, new) {
            Ok(Ok(_)) => Some(true),
            Ok(Err(actual)) => {
                *seen = actual;
                None
            }
            // An unusable word: treat the queue as drained.
            Err(_) => Some(false),
        }
    }

    /// Xen's `evtchn_fifo_set_link()`: at most five compare-exchanges,
    /// setting BUSY after the first failure. True when linked (or when the
    /// guest kept the word changing — then the event is lost, as in Xen).
    pub(crate) fn set_link<M: FrameMemory>(mem: &M, tail: FrameLoc, link: u32) -> bool {
        let Ok(mut seen) = mem.load::<u32>(tail.mfn, tail.offset) else {
            return false;
        };
        if let Some(linked) = Self::try_set_link(mem, tail, &mut seen, link) {
            return linked;
        }
        // Keep a well-behaved guest from unmasking while we retry.
        let _ = mem.fetch_or::<u32>(tail.mfn, tail.offset, BUSY);
        let Ok(mut seen) = mem.load::<u32>(tail.mfn, tail.offset) else {
            return false;
        };
        for _ in 0..4 {
            if let Some(linked) = Self::try_set_link(mem, tail, &mut seen, link) {
                if !linked {
                    let _ = mem.fetch_and::<u32>(tail.mfn, tail.offset, !BUSY);
                }
                return linked;
            }
        }
        let _ = mem.fetch_and::<u32>(tail.mfn, tail.offset, !BUSY);
        true
    }
}

impl PortOps for Fifo {
    fn init<M: FrameMemory, W: EvtchnWorld>(_cx: &Cx<'_, M, W>, _d: &Domain, chn: &Channel) {
        chn.priority
            .store(EVTCHN_FIFO_PRIORITY_DEFAULT as u8, Ordering::Relaxed);
    }

    fn set_pending<M: FrameMemory, W: EvtchnWorld>(
        cx: &Cx<'_, M, W>,
        d: &Domain,
        vcpu: u32,
        chn: &Channel,
    ) {
        let port = chn.port;
        let word = match d.fifo.word(port) {
            Some(word) => word,
            None => {
                // No page yet: remember it for when the page is added. The
                // page may have been published meanwhile, after expand's
                // re-raise scan looked at this port: check again, and
                // whoever clears the flag raises the event (both sides
                // store then load, sequentially consistent). Xen has this
                // window; closing it costs nothing on the common path.
                chn.fifo_pending.store(true, Ordering::SeqCst);
                match d.fifo.word_seqcst(port) {
                    Some(word) if chn.fifo_pending.swap(false, Ordering::SeqCst) => word,
                    _ => return,
                }
            }
        };
        let Some(v) = d.vcpu(vcpu) else {
            return;
        };

        // Lock the queue the event goes on and the one it was last on.
        let mut locked = None;
        for _ in 0..3 {
            let last = chn.fifo_lastq.load(Ordering::Acquire);
            let prio = chn.priority.load(Ordering::Acquire) as usize % EVTCHN_FIFO_MAX_QUEUES;
            let old_vcpu = last >> 8;
            let old_prio = (last & 0xff) as usize % EVTCHN_FIFO_MAX_QUEUES;
            let Some(old_v) = d.vcpu(old_vcpu) else {
                return;
            };
            let (new_key, old_key) = ((vcpu, prio), (old_vcpu, old_prio));
            let q = &v.fifo.queues[prio];
            let oq = &old_v.fifo.queues[old_prio];
            let (guard, old_guard) = match new_key.cmp(&old_key) {
                core::cmp::Ordering::Equal => (q.lock(), None),
                core::cmp::Ordering::Less => {
                    let g = q.lock();
                    (g, Some(oq.lock()))
                }
                core::cmp::Ordering::Greater => {
                    let og = oq.lock();
                    (q.lock(), Some(og))
                }
            };
            if chn.fifo_lastq.load(Ordering::Acquire) == last
                && chn.priority.load(Ordering::Acquire) as usize % EVTCHN_FIFO_MAX_QUEUES == prio
            {
                locked = Some((prio, guard, old_guard));
                break;
            }
        }
        // Too many queue changes: the event is lost (as in Xen).
        let Some((prio, mut tail, mut old_tail)) = locked else {
            return;
        };

        // No control block: the guest must not unmask before registering
        // one, so the event is dropped.
        let Some(cb) = v.fifo.control_block() else {
            return;
        };

        let (newly_pending, to_link) = Self::mark_pending(cx.mem, word);
        let mut linked = true;
        if to_link {
            // If the port was the old queue's tail, that queue is now empty.
            match old_tail.as_deref_mut() {
                Some(t) if *t == port => *t = 0,
                None if *tail == port => *tail = 0,
                _ => {}
            }
            if old_tail.is_some() {
                chn.fifo_lastq.store(lastq(vcpu, prio), Ordering::Release);
                drop(old_tail.take());
            }
            linked = false;
            if *tail != 0 {
                if let Some(tail_word) = d.fifo.word(*tail) {
                    linked = Self::set_link(cx.mem, tail_word, port);
                }
            }
            if !linked {
                // Xen's plain `write_atomic`: the ready bit's
                // read-modify-write below publishes it to the guest.
                let head = cb.at(FIFO_CONTROL_HEAD + 4 * prio);
                let _ = cx.mem.store_release::<u32>(head.mfn, head.offset, port);
            }
            *tail = port;
        }
        drop(old_tail);
        drop(tail);

        if !linked {
            let ready = cb.at(FIFO_CONTROL_READY);
            let bit = 1u32 << prio;
            if matches!(cx.mem.fetch_or::<u32>(ready.mfn, ready.offset, bit), Ok(old) if old & bit == 0)
            {
                cx.mark_events_pending(d, vcpu);
            }
        }
        if newly_pending {
            cx.world.check_pollers(d.id, EvtchnPort(port));
        }
    }

    fn clear_pending<M: FrameMemory, W: EvtchnWorld>(cx: &Cx<'_, M, W>, d: &Domain, chn: &Channel) {
        // Only PENDING: the guest unlinks and skips non-pending events.
        if let Some(w) = d.fifo.word(chn.port) {
            let _ = cx.mem.fetch_and::<u32>(w.mfn, w.offset, !PENDING);
        }
    }

    fn unmask<M: FrameMemory, W: EvtchnWorld>(cx: &Cx<'_, M, W>, d: &Domain, chn: &Channel) {
        let Some(w) = d.fifo.word(chn.port) else {
            return;
        };
        let _ = cx.mem.fetch_and::<u32>(w.mfn, w.offset, !MASKED);
        // Re-link if pending.
        if Self::test(cx.mem, w, PENDING) == Some(true) {
            Self::set_pending(cx, d, chn.vcpu(), chn);
        }
    }

    fn is_pending<M: FrameMemory, W: EvtchnWorld>(
        cx: &Cx<'_, M, W>,
        d: &Domain,
        chn: &Channel,
    ) -> bool {
        d.fifo
            .word(chn.port)
            .is_some_and(|w| Self::test(cx.mem, w, PENDING) == Some(true))
    }

    fn is_masked<M: FrameMemory, W: EvtchnWorld>(
        cx: &Cx<'_, M, W>,
        d: &Domain,
        chn: &Channel,
    ) -> bool {
        d.fifo
            .word(chn.port)
            .is_none_or(|w| Self::test(cx.mem, w, MASKED) != Some(false))
    }

    fn is_busy<M: FrameMemory, W: EvtchnWorld>(
        cx: &Cx<'_, M, W>,
        d: &Domain,
        chn: &Channel,
    ) -> bool {
        d.fifo
            .word(chn.port)
            .is_some_and(|w| Self::test(cx.mem, w, LINKED) == Some(true))
    }

    fn set_priority(chn: &Channel, priority: u32) -> Result<(), EvtchnError> {
        if priority > EVTCHN_FIFO_PRIORITY_MIN {
            return Err(EvtchnError::Inval);
        }
        // Only future events move: one already linked stays on its queue.
        chn.priority.store(priority as u8, Ordering::Release);
        Ok(())
    }
}

/// `EVTCHNOP_init_control`, with the domain's event lock held (`_locked`).
pub(crate) fn init_control<M: FrameMemory, W: EvtchnWorld>(
    cx: &Cx<'_, M, W>,
    d: &Domain,
    _locked: &mut EventLocked,
    vcpu: u32,
    gfn: Gfn,
    offset: usize,
) -> Result<(), EvtchnError> {
    let v = d.vcpu(vcpu).ok_or(EvtchnError::NoEnt)?;
    if v.fifo.control_block().is_some() {
        return Err(EvtchnError::Inval);
    }
    debug_assert!(offset <= PAGE_SIZE - FIFO_CONTROL_BLOCK_SIZE && offset % 8 == 0);
    let first = d.abi.load(Ordering::Acquire) != ABI_FIFO;
    // Latch the 2-level limit before switching.
    let prev_limit = d.abi_port_limit();
    let mfn = cx.world.get_frame(d.id, gfn).ok_or(EvtchnError::Inval)?;
    let loc = FrameLoc { mfn, offset };
    let Ok(raw) = loc.encode() else {
        cx.world.put_frame(d.id, mfn);
        return Err(EvtchnError::Inval);
    };
    v.fifo.control.store(raw, Ordering::Release);
    if first {
        d.abi.store(ABI_FIFO, Ordering::Release);
        setup_ports(cx, d, prev_limit);
    }
    Ok(())
}

/// Carries 2-level pending bits over to the FIFO ABI and gives every bound
/// port the default priority (Xen's `setup_ports()`).
fn setup_ports<M: FrameMemory, W: EvtchnWorld>(cx: &Cx<'_, M, W>, d: &Domain, prev_limit: u32) {
    for port in 1..prev_limit {
        let Some(chn) = d.channel(port) else {
            break;
        };
        let word = (port / 64) as usize * 8;
        let bit = 1u64 << (port % 64);
        if matches!(
            cx.mem.load::<u64>(d.shared_info, SHARED_INFO_EVTCHN_PENDING + word),
            Ok(p) if p & bit != 0
        ) {
            chn.fifo_pending.store(true, Ordering::Release);
        }
        chn.priority
            .store(EVTCHN_FIFO_PRIORITY_DEFAULT as u8, Ordering::Release);
    }
}

/// `EVTCHNOP_expand_array`, with the event lock held.
pub(crate) fn expand_array<M: FrameMemory, W: EvtchnWorld>(
    cx: &Cx<'_, M, W>,
    d: &Domain,
    _locked: &mut EventLocked,
    gfn: Gfn,
) -> Result<(), EvtchnError> {
    // Checked under the event lock: a racing reset may be switching back
    // to 2-level (XSA-505).
    if d.abi.load(Ordering::Acquire) != ABI_FIFO {
        return Err(EvtchnError::OpNotSupp);
    }
    let first_port = d.fifo.words.load(Ordering::Acquire);
    let slot = (first_port / WORDS_PER_PAGE) as usize;
    if slot >= MAX_ARRAY_PAGES {
        return Err(EvtchnError::NoSpc);
    }
    let mfn = cx.world.get_frame(d.id, gfn).ok_or(EvtchnError::Inval)?;
    d.fifo.pages[slot].store(mfn.0, Ordering::Release);
    let end = first_port + WORDS_PER_PAGE;
    d.fifo.words.store(end, Ordering::SeqCst);

    // Re-raise events that arrived while this page was missing.
    for port in first_port..end {
        let Some(chn) = d.channel(port) else {
            break;
        };
        if chn.fifo_pending.swap(false, Ordering::SeqCst) {
            let state = chn.state.read();
            if state.is_usable() {
                Fifo::set_pending(cx, d, chn.vcpu(), chn);
            }
        }
    }
    Ok(())
}

/// Drops all FIFO state and returns the domain to the 2-level ABI, releasing
/// the guest frames. Call with the event lock held and no channel open
/// (reset) or with the domain dead (destroy).
pub(crate) fn teardown<M: FrameMemory, W: EvtchnWorld>(
    cx: &Cx<'_, M, W>,
    d: &Domain,
    _locked: &mut EventLocked,
) {
    d.abi.store(ABI_2L, Ordering::Release);
    d.fifo.words.store(0, Ordering::Release);
    for page in &d.fifo.pages {
        let raw = page.swap(u64::MAX, Ordering::AcqRel);
        if raw != u64::MAX {
            cx.world.put_frame(d.id, Mfn(raw));
        }
    }
    for v in d.vcpus.iter() {
        let raw = v.fifo.control.swap(FrameLoc::none_raw(), Ordering::AcqRel);
        if let Some(loc) = FrameLoc::decode(raw) {
            cx.world.put_frame(d.id, loc.mfn);
        }
        for q in &v.fifo.queues {
            *q.lock() = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xen_mem::{HostMemory, MemError, Word};

    /// Guest memory where the guest rewrites the event word (toggling one
    /// bit of its LINK field) just before each of the first `interfere`
    /// compare-exchanges on it.
    struct Meddling {
        mem: HostMemory,
        interfere: AtomicU32,
    }

    impl FrameMemory for Meddling {
        fn read(&self, m: Mfn, o: usize, b: &mut [u8]) -> Result<(), MemError> {
            self.mem.read(m, o, b)
        }
        fn write(&self, m: Mfn, o: usize, d: &[u8]) -> Result<(), MemError> {
            self.mem.write(m, o, d)
        }
        fn copy(&self, s: Mfn, so: usize, d: Mfn, od: usize, l: usize) -> Result<(), MemError> {
            self.mem.copy(s, so, d, od, l)
        }
        fn fill(&self, m: Mfn, o: usize, l: usize, b: u8) -> Result<(), MemError> {
            self.mem.fill(m, o, l, b)
        }
        fn load<W: Word>(&self, m: Mfn, o: usize) -> Result<W, MemError> {
            self.mem.load(m, o)
        }
        fn store<W: Word>(&self, m: Mfn, o: usize, v: W) -> Result<(), MemError> {
            self.mem.store(m, o, v)
        }
        fn compare_exchange<W: Word>(
            &self,
            m: Mfn,
            o: usize,
            c: W,
            n: W,
        ) -> Result<Result<W, W>, MemError> {
            let left = self.interfere.load(Ordering::Relaxed);
            if left > 0 {
                self.interfere.store(left - 1, Ordering::Relaxed);
                self.mem
                    .store::<u32>(m, o, self.mem.load::<u32>(m, o)? ^ 1)?;
            }
            self.mem.compare_exchange(m, o, c, n)
        }
        fn fetch_or<W: Word>(&self, m: Mfn, o: usize, b: W) -> Result<W, MemError> {
            self.mem.fetch_or(m, o, b)
        }
        fn fetch_and<W: Word>(&self, m: Mfn, o: usize, b: W) -> Result<W, MemError> {
            self.mem.fetch_and(m, o, b)
        }
        fn alloc_frame(&self) -> Result<Mfn, MemError> {
            self.mem.alloc_frame()
        }
        fn free_frame(&self, m: Mfn) -> Result<(), MemError> {
            self.mem.free_frame(m)
        }
    }

    #[test]
    fn mark_pending_matches_xens_steps_even_when_the_guest_meddles() {
        // (word before, expected (newly pending, must link), bits after)
        let cases = [
            (0, (true, true), PENDING | LINKED),
            (MASKED, (true, false), PENDING | MASKED),
            (PENDING, (false, true), PENDING | LINKED),
            (LINKED, (true, false), PENDING | LINKED),
            (PENDING | LINKED, (false, false), PENDING | LINKED),
            (PENDING | MASKED, (false, false), PENDING | MASKED),
        ];
        // 0: no interference; 2: the compare-exchange succeeds on a retry;
        // 99: every attempt fails and Xen's separate steps run.
        for interfere in [0, 2, 99] {
            for (before, expect, after) in cases {
                let m = Meddling {
                    mem: HostMemory::new(1),
                    interfere: AtomicU32::new(interfere),
                };
                let f = m.alloc_frame().unwrap();
                let w = FrameLoc { mfn: f, offset: 8 };
                m.store::<u32>(f, 8, before).unwrap();
                assert_eq!(
                    Fifo::mark_pending(&m, w),
                    expect,
                    "word {before:#x}, interference {interfere}"
                );
                let now = m.load::<u32>(f, 8).unwrap();
                assert_eq!(now & !EVTCHN_FIFO_LINK_MASK, after, "word {before:#x}");
            }
        }
    }
}
