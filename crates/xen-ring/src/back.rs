//! The backend half: consumes requests, produces responses. The frontend
//! may be hostile; nothing it writes can make this half misbehave.

use core::marker::PhantomData;
use xen_mem::FrameMemory;
use zerocopy::{FromBytes, Immutable, IntoBytes};

use crate::{RingError, RingIdx, SharedRing};

/// The backend's view of a ring.
pub struct BackRing<'m, M, Req, Rsp> {
    ring: SharedRing<'m, M>,
    rsp_prod_pvt: RingIdx,
    req_cons: RingIdx,
    _types: PhantomData<fn(Rsp) -> Req>,
}

impl<'m, M, Req, Rsp> BackRing<'m, M, Req, Rsp>
where
    M: FrameMemory,
    Req: FromBytes + IntoBytes,
    Rsp: IntoBytes + Immutable,
{
    /// Attaches to a ring the frontend initialised, starting from its
    /// current response index (`BACK_RING_ATTACH`).
    pub fn attach(ring: SharedRing<'m, M>) -> Result<Self, RingError> {
        let start = ring.rsp_prod()?;
        Ok(Self {
            ring,
            rsp_prod_pvt: start,
            req_cons: start,
            _types: PhantomData,
        })
    }

    /// Number of slots.
    pub fn size(&self) -> u32 {
        self.ring.geometry().entries
    }

    /// Requests published and not yet taken. The producer index is read
    /// once; one that claims more outstanding requests than the ring can
    /// hold is refused with [`RingError::Overflow`].
    pub fn unconsumed_requests(&self) -> Result<u32, RingError> {
        let prod = self.ring.req_prod()?;
        // Requests published but not answered, and those already taken: a
        // sane producer index lies between our consumer index and one full
        // ring past our responses.
        let outstanding = prod.wrapping_sub(self.rsp_prod_pvt);
        let taken = self.req_cons.wrapping_sub(self.rsp_prod_pvt);
        if outstanding > self.size() || outstanding < taken {
            return Err(RingError::Overflow {
                prod,
                ahead: prod.wrapping_sub(self.req_cons),
                size: self.size(),
            });
        }
        Ok(prod.wrapping_sub(self.req_cons))
    }

    /// Takes the next request: a private copy, immune to later writes by
    /// the frontend.
    pub fn take_request(&mut self) -> Result<Option<Req>, RingError> {
        if self.unconsumed_requests()? == 0 {
            return Ok(None);
        }
        let req = self.ring.read_slot(self.req_cons)?;
        self.req_cons = self.req_cons.wrapping_add(1);
        Ok(Some(req))
    }

    /// Queues a response privately, in the slot of the oldest unanswered
    /// request. Answering more requests than were taken is refused.
    pub fn push_response(&mut self, rsp: &Rsp) -> Result<RingIdx, RingError> {
        if self.rsp_prod_pvt == self.req_cons {
            return Err(RingError::Full);
        }
        let idx = self.rsp_prod_pvt;
        self.ring.write_slot(idx, rsp)?;
        self.rsp_prod_pvt = idx.wrapping_add(1);
        Ok(idx)
    }

    /// Publishes queued responses; true when the frontend asked to be
    /// notified of this batch (`RING_PUSH_RESPONSES_AND_CHECK_NOTIFY`).
    pub fn push_responses_and_check_notify(&mut self) -> Result<bool, RingError> {
        let old = self.ring.rsp_prod()?;
        let new = self.rsp_prod_pvt;
        self.ring.set_rsp_prod(new)?;
        let event = self.ring.rsp_event()?;
        Ok(new.wrapping_sub(event) < new.wrapping_sub(old))
    }

    /// Re-arms the request event and checks once more; true when requests
    /// are pending (`RING_FINAL_CHECK_FOR_REQUESTS`). Call before sleeping.
    pub fn final_check_for_requests(&mut self) -> Result<bool, RingError> {
        if self.unconsumed_requests()? > 0 {
            return Ok(true);
        }
        self.ring.set_req_event(self.req_cons.wrapping_add(1))?;
        Ok(self.unconsumed_requests()? > 0)
    }
}
