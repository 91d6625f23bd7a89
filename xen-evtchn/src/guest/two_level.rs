//! The guest's view of the 2-level ABI.

use xen_abi::EvtchnPort;
use xen_mem::{FrameMemory, Mfn};

use crate::abi::{
    SHARED_INFO_EVTCHN_MASK, SHARED_INFO_EVTCHN_PENDING, VCPU_INFO_PENDING_SEL,
    VCPU_INFO_UPCALL_PENDING,
};
use crate::{FrameLoc, TWO_LEVEL_NR_CHANNELS};

/// One vCPU's handle on the 2-level bitmaps: the domain's `shared_info` and
/// the vCPU's `vcpu_info`.
#[derive(Clone, Copy, Debug)]
pub struct TwoLevelGuest {
    shared_info: Mfn,
    vcpu_info: FrameLoc,
}

fn word_bit(port: EvtchnPort) -> Option<(usize, u64)> {
    (port.0 < TWO_LEVEL_NR_CHANNELS).then(|| ((port.0 / 64) as usize * 8, 1u64 << (port.0 % 64)))
}

impl TwoLevelGuest {
    /// A handle for the vCPU whose `vcpu_info` is at `vcpu_info`.
    pub fn new(shared_info: Mfn, vcpu_info: FrameLoc) -> Self {
        Self {
            shared_info,
            vcpu_info,
        }
    }

    /// Whether the vCPU has an upcall pending.
    pub fn upcall_pending<M: FrameMemory>(&self, mem: &M) -> bool {
        let at = self.vcpu_info.at(VCPU_INFO_UPCALL_PENDING);
        matches!(mem.load::<u8>(at.mfn, at.offset), Ok(v) if v != 0)
    }

    /// The upcall handler's loop: clears `evtchn_upcall_pending`, takes the
    /// selector, and for each selected word handles `pending & !mask`,
    /// clearing each port's pending bit before calling `handle` (edge
    /// semantics). Repeats while new upcalls arrive, at most `rounds` times.
    /// Returns the number of ports handled.
    pub fn scan<M: FrameMemory>(
        &self,
        mem: &M,
        rounds: u32,
        mut handle: impl FnMut(EvtchnPort),
    ) -> usize {
        let si = self.shared_info;
        let up = self.vcpu_info.at(VCPU_INFO_UPCALL_PENDING);
        let sel = self.vcpu_info.at(VCPU_INFO_PENDING_SEL);
        let mut handled = 0;
        for _ in 0..rounds {
            if !matches!(mem.load::<u8>(up.mfn, up.offset), Ok(v) if v != 0) {
                break;
            }
            let _ = mem.store::<u8>(up.mfn, up.offset, 0);
            let Ok(mut words) = mem.fetch_and::<u64>(sel.mfn, sel.offset, 0) else {
                break;
            };
            while words != 0 {
                let w = words.trailing_zeros() as usize;
                words &= words - 1;
                let pending = mem
                    .load::<u64>(si, SHARED_INFO_EVTCHN_PENDING + w * 8)
                    .unwrap_or(0);
                let mask = mem
                    .load::<u64>(si, SHARED_INFO_EVTCHN_MASK + w * 8)
                    .unwrap_or(!0);
                let mut bits = pending & !mask;
                while bits != 0 {
                    let b = bits.trailing_zeros();
                    bits &= bits - 1;
                    let bit = 1u64 << b;
                    let was = mem
                        .fetch_and::<u64>(si, SHARED_INFO_EVTCHN_PENDING + w * 8, !bit)
                        .unwrap_or(0);
                    if was & bit != 0 {
                        handle(EvtchnPort(w as u32 * 64 + b));
                        handled += 1;
                    }
                }
            }
        }
        handled
    }

    /// Masks `port`.
    pub fn mask<M: FrameMemory>(&self, mem: &M, port: EvtchnPort) {
        if let Some((w, bit)) = word_bit(port) {
            let _ = mem.fetch_or::<u64>(self.shared_info, SHARED_INFO_EVTCHN_MASK + w, bit);
        }
    }

    /// Masks every port.
    pub fn mask_all<M: FrameMemory>(&self, mem: &M) {
        for w in 0..(TWO_LEVEL_NR_CHANNELS / 64) as usize {
            let _ = mem.store::<u64>(self.shared_info, SHARED_INFO_EVTCHN_MASK + w * 8, !0);
        }
    }

    /// Unmasks `port` without a hypercall, for a port this vCPU is notified
    /// on: clears the mask and, if the port is already pending, raises the
    /// selector and upcall itself (the hypervisor skipped them while the
    /// port was masked). Returns true when it raised an upcall the caller
    /// should now handle.
    pub fn unmask<M: FrameMemory>(&self, mem: &M, port: EvtchnPort) -> bool {
        let Some((w, bit)) = word_bit(port) else {
            return false;
        };
        let si = self.shared_info;
        let _ = mem.fetch_and::<u64>(si, SHARED_INFO_EVTCHN_MASK + w, !bit);
        let pending =
            matches!(mem.load::<u64>(si, SHARED_INFO_EVTCHN_PENDING + w), Ok(p) if p & bit != 0);
        if !pending {
            return false;
        }
        let sel = self.vcpu_info.at(VCPU_INFO_PENDING_SEL);
        let sel_bit = 1u64 << (port.0 / 64);
        let raised = matches!(mem.fetch_or::<u64>(sel.mfn, sel.offset, sel_bit), Ok(old) if old & sel_bit == 0);
        if raised {
            let up = self.vcpu_info.at(VCPU_INFO_UPCALL_PENDING);
            let _ = mem.store::<u8>(up.mfn, up.offset, 1);
        }
        raised
    }

    /// Whether `port` is pending.
    pub fn is_pending<M: FrameMemory>(&self, mem: &M, port: EvtchnPort) -> bool {
        word_bit(port).is_some_and(|(w, bit)| {
            matches!(mem.load::<u64>(self.shared_info, SHARED_INFO_EVTCHN_PENDING + w), Ok(p) if p & bit != 0)
        })
    }

    /// Clears `port`'s pending bit; true if it was set.
    pub fn clear_pending<M: FrameMemory>(&self, mem: &M, port: EvtchnPort) -> bool {
        word_bit(port).is_some_and(|(w, bit)| {
            matches!(mem.fetch_and::<u64>(self.shared_info, SHARED_INFO_EVTCHN_PENDING + w, !bit), Ok(p) if p & bit != 0)
        })
    }
}
