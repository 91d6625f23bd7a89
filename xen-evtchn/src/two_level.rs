//! The 2-level ABI: one pending and one mask bit per port in `shared_info`
//! (64 words of 64 bits), one selector bit per pending word in each vCPU's
//! `vcpu_info`, and the vCPU's `evtchn_upcall_pending` byte on top.
//!
//! Bit updates follow Xen's `event_2l.c` order exactly, each an atomic
//! read-modify-write on the guest's words (a guest may change any of them at
//! any moment; nothing is read twice and nothing read is trusted).

use xen_mem::FrameMemory;

use crate::abi::{SHARED_INFO_EVTCHN_MASK, SHARED_INFO_EVTCHN_PENDING, VCPU_INFO_PENDING_SEL};
use crate::channel::Channel;
use crate::domain::{Domain, TWO_LEVEL_NR_CHANNELS};
use crate::port_ops::{Cx, PortOps};
use crate::EvtchnWorld;
use xen_abi::EvtchnPort;

pub(crate) struct TwoLevel;

/// Word offset in `shared_info` and bit of `port` in that word, for ports
/// the ABI can address.
#[inline]
fn word_bit(port: u32) -> Option<(usize, u64)> {
    (port < TWO_LEVEL_NR_CHANNELS).then(|| ((port / 64) as usize * 8, 1u64 << (port % 64)))
}

impl TwoLevel {
    /// Sets the selector bit of `port`'s word in `vcpu`'s `vcpu_info`;
    /// true when it was clear (the caller then marks events pending).
    #[inline]
    fn test_and_set_selector<M: FrameMemory, W: EvtchnWorld>(
        cx: &Cx<'_, M, W>,
        d: &Domain,
        vcpu: u32,
        port: u32,
    ) -> bool {
        let Some(info) = d.vcpu(vcpu).and_then(|v| v.vcpu_info()) else {
            return false;
        };
        let sel = info.at(VCPU_INFO_PENDING_SEL);
        let bit = 1u64 << (port / 64);
        matches!(cx.mem.fetch_or::<u64>(sel.mfn, sel.offset, bit), Ok(old) if old & bit == 0)
    }
}

impl PortOps for TwoLevel {
    #[inline]
    fn set_pending<M: FrameMemory, W: EvtchnWorld>(
        cx: &Cx<'_, M, W>,
        d: &Domain,
        vcpu: u32,
        chn: &Channel,
    ) {
        let port = chn.port;
        let Some((word, bit)) = word_bit(port) else {
            return;
        };
        let si = d.shared_info;
        // 1. Edge: nothing more to do if it was already pending.
        match cx
            .mem
            .fetch_or::<u64>(si, SHARED_INFO_EVTCHN_PENDING + word, bit)
        {
            Ok(old) if old & bit == 0 => {}
            _ => return,
        }
        // 2. Unmasked: raise the selector, and the upcall on its edge.
        let masked = cx
            .mem
            .load::<u64>(si, SHARED_INFO_EVTCHN_MASK + word)
            .map_or(true, |m| m & bit != 0);
        if !masked && Self::test_and_set_selector(cx, d, vcpu, port) {
            cx.mark_events_pending(d, vcpu);
        }
        // 3. Pollers.
        cx.world.check_pollers(d.id, EvtchnPort(port));
    }

    fn clear_pending<M: FrameMemory, W: EvtchnWorld>(cx: &Cx<'_, M, W>, d: &Domain, chn: &Channel) {
        if let Some((word, bit)) = word_bit(chn.port) {
            let _ = cx
                .mem
                .fetch_and::<u64>(d.shared_info, SHARED_INFO_EVTCHN_PENDING + word, !bit);
        }
    }

    fn unmask<M: FrameMemory, W: EvtchnWorld>(cx: &Cx<'_, M, W>, d: &Domain, chn: &Channel) {
        let Some((word, bit)) = word_bit(chn.port) else {
            return;
        };
        let si = d.shared_info;
        let vcpu = chn.vcpu();
        let was_masked = matches!(
            cx.mem.fetch_and::<u64>(si, SHARED_INFO_EVTCHN_MASK + word, !bit),
            Ok(old) if old & bit != 0
        );
        if !was_masked {
            return;
        }
        let pending = matches!(
            cx.mem.load::<u64>(si, SHARED_INFO_EVTCHN_PENDING + word),
            Ok(p) if p & bit != 0
        );
        if pending && Self::test_and_set_selector(cx, d, vcpu, chn.port) {
            cx.mark_events_pending(d, vcpu);
        }
    }

    fn is_pending<M: FrameMemory, W: EvtchnWorld>(
        cx: &Cx<'_, M, W>,
        d: &Domain,
        chn: &Channel,
    ) -> bool {
        word_bit(chn.port).is_some_and(|(word, bit)| {
            matches!(cx.mem.load::<u64>(d.shared_info, SHARED_INFO_EVTCHN_PENDING + word), Ok(p) if p & bit != 0)
        })
    }

    fn is_masked<M: FrameMemory, W: EvtchnWorld>(
        cx: &Cx<'_, M, W>,
        d: &Domain,
        chn: &Channel,
    ) -> bool {
        word_bit(chn.port).is_none_or(|(word, bit)| {
            cx.mem
                .load::<u64>(d.shared_info, SHARED_INFO_EVTCHN_MASK + word)
                .map_or(true, |m| m & bit != 0)
        })
    }
}
