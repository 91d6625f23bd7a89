//! `GNTTABOP_transfer`: a domain gives one of its pages to another domain
//! that offered a `GTF_accept_transfer` entry (old PV network receive path).

use xen_abi::{DomId, GrantRef};
use xen_mem::FrameMemory;

use crate::abi::GTF_TRANSFER_COMPLETED;
use crate::domain::Caller;
use crate::error::{Errno, GrantError};
use crate::protocol;
use crate::table::Version;
use crate::world::{GrantPolicy, GrantWorld};

/// A `gnttab_transfer` request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TransferRequest {
    /// The caller's frame to give away (a GFN for translated callers).
    pub mfn: u64,
    /// The receiving domain.
    pub domid: DomId,
    /// The receiver's `GTF_accept_transfer` entry.
    pub gref: GrantRef,
}

/// Transfers one page. `Err(Errno::OpNotSupp)` when the caller's options
/// disable transfers (the whole hypercall fails then); otherwise the inner
/// result is the operation's status.
pub fn transfer<W: GrantWorld>(
    world: &W,
    caller: &Caller<'_>,
    req: &TransferRequest,
) -> Result<Result<(), GrantError>, Errno> {
    if !caller.domain.config().options.transfer {
        return Err(Errno::OpNotSupp);
    }
    Ok(transfer_one(world, caller, req))
}

fn transfer_one<W: GrantWorld>(
    world: &W,
    caller: &Caller<'_>,
    req: &TransferRequest,
) -> Result<(), GrantError> {
    let d = caller.domain;
    let mfn = world.steal_page(d.id(), req.mfn)?;
    let give_back = |e: GrantError| {
        world.free_page(mfn);
        e
    };
    let Some(e) = world.domain(req.domid) else {
        return Err(give_back(GrantError::BadDomain));
    };
    if !world.policy().transfer(d, &e) {
        return Err(give_back(GrantError::PermissionDenied));
    }
    if e.is_dying() {
        return Err(give_back(GrantError::GeneralError));
    }
    world.reserve_page(e.id()).map_err(give_back)?;
    let gref = req.gref.0;

    // Commit the receiver's entry (bounded retries), remembering the version.
    let committed = {
        let st = e.table.read(caller);
        let act = st.active(gref).map(|a| a.lock());
        match st.header(gref).filter(|_| act.is_some()) {
            Some(hdr) => {
                protocol::commit_transfer(world.memory(), hdr, d.id()).map(|()| st.version())
            }
            None => Err(GrantError::GeneralError),
        }
    };
    let version = match committed {
        Ok(v) if !e.is_dying() && world.assign_page(e.id(), mfn) => v,
        _ => {
            world.unreserve_page(e.id());
            return Err(give_back(GrantError::GeneralError));
        }
    };

    // Tell the receiver where its new page is.
    let st = e.table.read(caller);
    let act = st.active(gref).map(|a| a.lock());
    // XSA-501: the version may have changed while no lock was held.
    let Some(hdr) = st
        .header(gref)
        .filter(|_| st.version() == version && act.is_some())
    else {
        return Err(GrantError::GeneralError);
    };
    let mem = world.memory();
    let gfn = st.frame(mem, hdr)?;
    let ok = world.physmap_add(e.id(), gfn, mfn);
    if !e.config().translated {
        let r = match version {
            Version::V1 => mem.store::<u32>(hdr.mfn, hdr.offset + 4, mfn.0 as u32),
            Version::V2 => mem.store::<u64>(hdr.mfn, hdr.offset + 8, mfn.0),
        };
        r.map_err(|_| GrantError::GeneralError)?;
    }
    mem.fetch_or::<u16>(hdr.mfn, hdr.offset, GTF_TRANSFER_COMPLETED)
        .map_err(|_| GrantError::GeneralError)?;
    drop(act);
    if ok {
        Ok(())
    } else {
        Err(GrantError::GeneralError)
    }
}
