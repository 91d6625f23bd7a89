//! The frontend half: produces requests, consumes responses.

use core::marker::PhantomData;
use xen_mem::FrameMemory;
use zerocopy::{FromBytes, Immutable, IntoBytes};

use crate::{RingError, RingIdx, SharedRing};

/// The frontend's view of a ring: private producer and consumer indexes.
pub struct FrontRing<'m, M, Req, Rsp> {
    ring: SharedRing<'m, M>,
    req_prod_pvt: RingIdx,
    rsp_cons: RingIdx,
    _types: PhantomData<fn(Req) -> Rsp>,
}

impl<'m, M, Req, Rsp> FrontRing<'m, M, Req, Rsp>
where
    M: FrameMemory,
    Req: IntoBytes + Immutable,
    Rsp: FromBytes + IntoBytes,
{
    /// Initialises the shared header (indexes at zero) and takes the front end.
    pub fn new(ring: SharedRing<'m, M>) -> Result<Self, RingError> {
        Self::new_at(ring, 0)
    }

    /// As [`new`](Self::new) with all indexes starting at `start`; useful to
    /// exercise the 32-bit wrap.
    pub fn new_at(ring: SharedRing<'m, M>, start: RingIdx) -> Result<Self, RingError> {
        ring.init(start)?;
        Ok(Self {
            ring,
            req_prod_pvt: start,
            rsp_cons: start,
            _types: PhantomData,
        })
    }

    /// Number of slots.
    pub fn size(&self) -> u32 {
        self.ring.geometry().entries
    }

    /// Requests that can be queued before the ring is full.
    pub fn free_requests(&self) -> u32 {
        self.size() - self.req_prod_pvt.wrapping_sub(self.rsp_cons)
    }

    /// Queues a request privately (not yet visible to the backend); returns
    /// the index it occupies.
    pub fn push_request(&mut self, req: &Req) -> Result<RingIdx, RingError> {
        if self.free_requests() == 0 {
            return Err(RingError::Full);
        }
        let idx = self.req_prod_pvt;
        self.ring.write_slot(idx, req)?;
        self.req_prod_pvt = idx.wrapping_add(1);
        Ok(idx)
    }

    /// Publishes queued requests; true when the backend asked to be notified
    /// of this batch (`RING_PUSH_REQUESTS_AND_CHECK_NOTIFY`).
    pub fn push_requests_and_check_notify(&mut self) -> Result<bool, RingError> {
        let old = self.ring.req_prod()?;
        let new = self.req_prod_pvt;
        // Slot contents were written before this (sequentially consistent)
        // store, so the backend sees them once it sees the index.
        self.ring.set_req_prod(new)?;
        let event = self.ring.req_event()?;
        Ok(new.wrapping_sub(event) < new.wrapping_sub(old))
    }

    /// Responses published and not yet taken. A backend claiming more
    /// responses than requests outstanding is refused.
    pub fn unconsumed_responses(&self) -> Result<u32, RingError> {
        let prod = self.ring.rsp_prod()?;
        let ahead = prod.wrapping_sub(self.rsp_cons);
        let outstanding = self.req_prod_pvt.wrapping_sub(self.rsp_cons);
        if ahead > outstanding {
            return Err(RingError::Overflow {
                prod,
                ahead,
                size: self.size(),
            });
        }
        Ok(ahead)
    }

    /// Takes the next response, copied out of shared memory.
    pub fn take_response(&mut self) -> Result<Option<Rsp>, RingError> {
        if self.unconsumed_responses()? == 0 {
            return Ok(None);
        }
        let rsp = self.ring.read_slot(self.rsp_cons)?;
        self.rsp_cons = self.rsp_cons.wrapping_add(1);
        Ok(Some(rsp))
    }

    /// Re-arms the response event and checks once more; true when responses
    /// are pending (`RING_FINAL_CHECK_FOR_RESPONSES`). Call before sleeping.
    pub fn final_check_for_responses(&mut self) -> Result<bool, RingError> {
        if self.unconsumed_responses()? > 0 {
            return Ok(true);
        }
        self.ring.set_rsp_event(self.rsp_cons.wrapping_add(1))?;
        Ok(self.unconsumed_responses()? > 0)
    }
}
