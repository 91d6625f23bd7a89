//! `GNTTABOP_copy`: copies between granted frames and the caller's own
//! frames without mapping them.
//!
//! A copy pins the source grant read-only and the destination grant
//! writable for as long as it needs them (the "acquire/release for copy"
//! pair in Xen), following one level of transitive grant. A [`CopyBatch`]
//! keeps the last source and destination acquired, so consecutive
//! operations on the same frames pay for the grant protocol once; dropping
//! the batch releases them.

use xen_abi::{DomId, GrantRef};
use xen_mem::{FrameMemory, Gfn, Mfn, PAGE_SIZE};

use crate::abi::{GTF_SUB_PAGE, GTF_TRANSITIVE, GTF_TYPE_MASK};
use crate::active::{ActiveEntry, PinIncr};
use crate::domain::{Caller, GrantDomain};
use crate::error::GrantError;
use crate::map::{reduce_status, set_status};
use crate::protocol;
use crate::table::Version;
use crate::world::{GrantPolicy, GrantWorld};

/// Where one side of a copy is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CopyPtr {
    /// A grant of the side's domain (`GNTCOPY_*_gref`).
    Gref(GrantRef),
    /// A frame of the caller's own memory (domain must be `DOMID_SELF`).
    Gmfn(u64),
}

/// One side of a copy (`gnttab_copy_ptr`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CopySide {
    /// The grant or frame.
    pub ptr: CopyPtr,
    /// The domain (may be `DOMID_SELF`).
    pub domid: DomId,
    /// Byte offset in the frame.
    pub offset: u16,
}

/// One copy operation (`gnttab_copy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CopyRequest {
    /// Where to read.
    pub source: CopySide,
    /// Where to write.
    pub dest: CopySide,
    /// Bytes to copy.
    pub len: u16,
}

/// Why a copy did not happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CopyError {
    /// The operation failed with this status.
    #[error(transparent)]
    Status(#[from] GrantError),
    /// A transitive grant changed while it was being followed: the batch
    /// must stop here and the hypercall be restarted from this operation.
    #[error("transitive grant changed underneath; restart")]
    Restart,
}

/// A grant pinned for copying.
#[derive(Clone, Copy, Debug)]
struct Acquired {
    mfn: Mfn,
    /// The domain owning the frame (the end of a transitive chain).
    owner: DomId,
    start: u16,
    length: u16,
}

/// Pins `gref` of `rd` for a copy by `ldom` and takes a page reference on
/// its frame (Xen's `acquire_grant_for_copy`).
fn acquire<W: GrantWorld>(
    world: &W,
    caller: &Caller<'_>,
    rd: &GrantDomain,
    gref: u32,
    ldom: DomId,
    readonly: bool,
    allow_transitive: bool,
) -> Result<Acquired, CopyError> {
    let mem = world.memory();
    let incr = PinIncr::copy(readonly);
    let st = rd.table.read(caller);
    let act_lock = st.active(gref).ok_or(GrantError::BadGntref)?;
    let mut act = act_lock.lock();
    let hdr = st.header(gref).ok_or(GrantError::BadGntref)?;
    if act.pins.any() && (act.domid != ldom || act.pins.would_overflow(incr)) {
        return Err(GrantError::GeneralError.into());
    }
    let status = st.status(gref);
    let old = act.pins;
    let needs_status = !old.any() || (!readonly && !old.writable());
    let h = protocol::read_header(mem, hdr)?;

    if st.version() == Version::V2 && h.flags & GTF_TYPE_MASK == GTF_TRANSITIVE {
        if needs_status {
            set_status(world, st, gref, old.any(), readonly, false, ldom)?;
        }
        let fail = |act: &ActiveEntry, e: GrantError| {
            reduce_status(world, act, status, readonly);
            CopyError::Status(e)
        };
        if !allow_transitive {
            return Err(fail(&act, GrantError::GeneralError));
        }
        let (trans_domid, _) = st.v2_word4(mem, hdr)?;
        let trans_gref = st.v2_trans_gref(mem, hdr)?;
        let trans_domid = DomId(trans_domid);
        if trans_domid == rd.id() {
            return Err(fail(&act, GrantError::GeneralError));
        }
        let Some(td) = world.domain(trans_domid) else {
            return Err(fail(&act, GrantError::GeneralError));
        };
        // The inner acquire takes another table's locks: record the v2
        // operation in flight (a switch to v1 must wait), drop ours.
        rd.table
            .nr_v2_ops
            .fetch_add(1, core::sync::atomic::Ordering::AcqRel);
        drop(act);
        let _ = st;
        let inner = acquire(world, caller, &td, trans_gref, rd.id(), readonly, false);

        let st = rd.table.read(caller);
        let mut act = st.active(gref).ok_or(GrantError::GeneralError)?.lock();
        let got = match inner {
            Ok(got) => got,
            Err(e) => {
                rd.table
                    .nr_v2_ops
                    .fetch_sub(1, core::sync::atomic::Ordering::AcqRel);
                reduce_status(world, &act, status, readonly);
                return Err(e);
            }
        };
        // Everything may have changed while the locks were dropped.
        let changed = st.version() != Version::V2
            || act.pins != old
            || (old.any()
                && (act.domid != ldom
                    || act.mfn != got.mfn
                    || act.start != got.start
                    || act.length != got.length
                    || act.src_domid != td.id()
                    || act.trans_gref != trans_gref
                    || !act.is_sub_page));
        if changed {
            drop(act);
            let _ = st;
            release(world, caller, &td, trans_gref, readonly, 0);
            let st = rd.table.read(caller);
            if let Some(a) = st.active(gref) {
                // Under the entry lock, before the counter drops: until
                // then no switch to v1 can free the status frame.
                let act = a.lock();
                reduce_status(world, &act, status, readonly);
                rd.table
                    .nr_v2_ops
                    .fetch_sub(1, core::sync::atomic::Ordering::AcqRel);
            }
            world.put_page(got.mfn);
            return Err(CopyError::Restart);
        }
        if !old.any() {
            *act = ActiveEntry {
                pins: act.pins,
                domid: ldom,
                src_domid: td.id(),
                trans_gref,
                mfn: got.mfn,
                start: got.start,
                length: got.length,
                // Always sub-page: transitive grants are never mappable.
                is_sub_page: true,
            };
        } else {
            rd.table
                .nr_v2_ops
                .fetch_sub(1, core::sync::atomic::Ordering::AcqRel);
        }
        act.pins.add(incr);
        return Ok(Acquired {
            mfn: act.mfn,
            owner: got.owner,
            start: act.start,
            length: act.length,
        });
    }

    if needs_status {
        set_status(world, st, gref, old.any(), readonly, false, ldom)?;
        let window = match st.version() {
            Version::V2 if h.flags & GTF_SUB_PAGE != 0 => {
                st.v2_word4(mem, hdr).map(|(off, len)| (true, off, len))
            }
            _ => Ok((false, 0, PAGE_SIZE as u16)),
        };
        let frame = window.and_then(|w| Ok((w, st.frame(mem, hdr)?)));
        let ((sub, start, length), gfn) = match frame {
            Ok(x) => x,
            Err(e) => {
                reduce_status(world, &act, status, readonly);
                return Err(e.into());
            }
        };
        let mfn = match world.get_frame(rd.id(), Gfn(gfn), readonly) {
            Ok(mfn) => mfn,
            Err(e) => {
                reduce_status(world, &act, status, readonly);
                return Err(GrantError::from(e).into());
            }
        };
        if !old.any() {
            *act = ActiveEntry {
                pins: act.pins,
                domid: ldom,
                src_domid: rd.id(),
                trans_gref: gref,
                mfn,
                start,
                length,
                is_sub_page: sub,
            };
            if sub {
                rd.table
                    .nr_v2_ops
                    .fetch_add(1, core::sync::atomic::Ordering::AcqRel);
            }
            act.pins.add(incr);
            // What was just stored (not read back from the entry).
            return Ok(Acquired {
                mfn,
                owner: rd.id(),
                start,
                length,
            });
        } else if act.mfn != mfn
            || act.src_domid != rd.id()
            || act.trans_gref != gref
            || (act.is_sub_page && (!sub || act.start != start || act.length != length))
        {
            // XSA-500: the entry now describes something else than what
            // is pinned.
            world.put_page(mfn);
            reduce_status(world, &act, status, readonly);
            return Err(GrantError::GeneralError.into());
        }
    } else {
        // Already pinned with enough access: the pin does not imply a page
        // reference (XSA-236), take one and check the owner.
        if rd.is_dying() || !world.get_page(rd.id(), act.mfn) {
            reduce_status(world, &act, status, readonly);
            return Err(GrantError::BadDomain.into());
        }
    }
    act.pins.add(incr);
    Ok(Acquired {
        mfn: act.mfn,
        owner: rd.id(),
        start: act.start,
        length: act.length,
    })
}

/// Unpins a grant acquired for copy, following a transitive link once
/// (Xen's `release_grant_for_copy`). Page references are not touched.
fn release<W: GrantWorld>(
    world: &W,
    caller: &Caller<'_>,
    rd: &GrantDomain,
    gref: u32,
    readonly: bool,
    depth: u32,
) {
    let (next, trans_gref) = {
        let st = rd.table.read(caller);
        let Some(act_lock) = st.active(gref) else {
            return;
        };
        let mut act = act_lock.lock();
        let (status, next, trans_gref) = match st.version() {
            Version::V1 => (st.header(gref), rd.id(), gref),
            Version::V2 => (st.status(gref), act.src_domid, act.trans_gref),
        };
        if !readonly {
            world.mark_dirty(rd.id(), act.mfn);
        }
        act.pins.remove(PinIncr::copy(readonly));
        reduce_status(world, &act, status, readonly);
        if !act.pins.any() && act.is_sub_page {
            rd.table
                .nr_v2_ops
                .fetch_sub(1, core::sync::atomic::Ordering::AcqRel);
        }
        (next, trans_gref)
    };
    if next != rd.id() && depth == 0 {
        if let Some(td) = world.domain(next) {
            release(world, caller, &td, trans_gref, readonly, depth + 1);
        }
    }
}

/// A frame pointer (`GNTCOPY_*_gref` clear) must name the caller's own
/// memory (`DOMID_SELF`).
#[inline]
fn frame_ptrs_ok(op: &CopyRequest) -> bool {
    [&op.source, &op.dest]
        .iter()
        .all(|side| !matches!(side.ptr, CopyPtr::Gmfn(_)) || side.domid == DomId::SELF)
}

/// One side of a batch: what is currently acquired.
#[derive(Clone, Copy, Debug)]
struct Buf {
    /// The resolved domain.
    dom: DomId,
    ptr: CopyPtr,
    mfn: Mfn,
    owner: DomId,
    start: u16,
    length: u16,
    readonly: bool,
    have_grant: bool,
    have_type: bool,
    have_page: bool,
}

/// A run of copy operations by one caller (one hypercall).
pub struct CopyBatch<'w, 'c, W: GrantWorld> {
    world: &'w W,
    caller: Caller<'c>,
    /// Domain pair (as named) whose checks passed.
    domains: Option<(DomId, DomId)>,
    src: Option<Buf>,
    dst: Option<Buf>,
}

impl<'w, 'c, W: GrantWorld> CopyBatch<'w, 'c, W> {
    /// Starts a batch for `caller`.
    pub fn new(world: &'w W, caller: Caller<'c>) -> Self {
        Self {
            world,
            caller,
            domains: None,
            src: None,
            dst: None,
        }
    }

    /// Performs one copy. On an error status the acquired frames are
    /// released; on [`CopyError::Restart`] the batch should stop.
    #[inline]
    pub fn copy(&mut self, op: &CopyRequest) -> Result<(), CopyError> {
        let r = if self.is_cached(op) {
            // The common case in a batch: the same domains and frames as
            // the previous operation, all still acquired. Only the window
            // checks and the copy remain (the same checks as below).
            self.copy_bytes(op)
        } else {
            self.copy_one(op)
        };
        if let Err(CopyError::Status(_)) = r {
            self.release_all();
        }
        r
    }

    /// Copies `len` bytes between the frames the previous successful
    /// [`copy`](Self::copy) of a non-zero length used, at new offsets: the
    /// caller has checked that the operation names the same frames and
    /// domains (which passed the per-operation checks then), so only the
    /// window checks and the copy remain.
    #[inline]
    pub(crate) fn copy_again(
        &mut self,
        src_off: u16,
        dst_off: u16,
        len: u16,
    ) -> Result<(), CopyError> {
        if len == 0 {
            return Ok(());
        }
        let (Some(src), Some(dst)) = (&self.src, &self.dst) else {
            return Err(GrantError::GeneralError.into());
        };
        let r = self.copy_between(src, dst, src_off, dst_off, len);
        if let Err(CopyError::Status(_)) = r {
            self.release_all();
        }
        r
    }

    /// Whether `op` names the domains and frames currently acquired (and
    /// passes the per-operation frame-pointer check), so that nothing needs
    /// to be acquired for it.
    #[inline]
    fn is_cached(&self, op: &CopyRequest) -> bool {
        frame_ptrs_ok(op)
            && self.domains == Some((op.source.domid, op.dest.domid))
            && self.src.is_some_and(|b| b.ptr == op.source.ptr)
            && self.dst.is_some_and(|b| b.ptr == op.dest.ptr)
    }

    #[inline(never)]
    fn copy_one(&mut self, op: &CopyRequest) -> Result<(), CopyError> {
        if op.len == 0 {
            return Ok(());
        }
        // Checked on every operation, not only when the domains change:
        // a cached pair must not let a later frame pointer name a foreign
        // domain.
        if !frame_ptrs_ok(op) {
            return Err(GrantError::PermissionDenied.into());
        }
        if self.domains != Some((op.source.domid, op.dest.domid)) {
            self.release_all();
            self.domains = None;
            self.check_domains(op)?;
            self.domains = Some((op.source.domid, op.dest.domid));
        }
        if !self.src.is_some_and(|b| b.ptr == op.source.ptr) {
            if let Some(b) = self.src.take() {
                self.release_buf(b);
            }
            let b = self.claim(&op.source, true)?;
            self.src = Some(b);
        }
        if !self.dst.is_some_and(|b| b.ptr == op.dest.ptr) {
            if let Some(b) = self.dst.take() {
                self.release_buf(b);
            }
            let b = self.claim(&op.dest, false)?;
            self.dst = Some(b);
        }
        self.copy_bytes(op)
    }

    /// The window checks and the copy itself, between the acquired frames.
    #[inline]
    fn copy_bytes(&self, op: &CopyRequest) -> Result<(), CopyError> {
        let (Some(src), Some(dst)) = (&self.src, &self.dst) else {
            return if op.len == 0 {
                Ok(())
            } else {
                Err(GrantError::GeneralError.into())
            };
        };
        self.copy_between(src, dst, op.source.offset, op.dest.offset, op.len)
    }

    #[inline]
    fn copy_between(
        &self,
        src: &Buf,
        dst: &Buf,
        src_off: u16,
        dst_off: u16,
        len: u16,
    ) -> Result<(), CopyError> {
        if len == 0 {
            return Ok(());
        }
        let len = usize::from(len);
        let (so, doff) = (usize::from(src_off), usize::from(dst_off));
        if so + len > PAGE_SIZE || doff + len > PAGE_SIZE {
            return Err(GrantError::BadCopyArg.into());
        }
        let inside = |b: &Buf, off: usize| {
            off >= usize::from(b.start) && off + len <= usize::from(b.start) + usize::from(b.length)
        };
        if !inside(src, so) || !inside(dst, doff) {
            return Err(GrantError::GeneralError.into());
        }
        self.world
            .memory()
            .copy(src.mfn, so, dst.mfn, doff, len)
            .map_err(|_| GrantError::GeneralError)?;
        self.world.mark_dirty(dst.owner, dst.mfn);
        Ok(())
    }

    /// Domain existence, `DOMID_SELF` for frame pointers, and the policy.
    fn check_domains(&self, op: &CopyRequest) -> Result<(), GrantError> {
        let resolve = |side: &CopySide| {
            if matches!(side.ptr, CopyPtr::Gmfn(_)) && side.domid != DomId::SELF {
                return Err(GrantError::PermissionDenied);
            }
            self.world
                .domain(self.caller.resolve(side.domid))
                .ok_or(GrantError::BadDomain)
        };
        let s = resolve(&op.source)?;
        let d = resolve(&op.dest)?;
        if !self.world.policy().copy(&s, &d) {
            return Err(GrantError::PermissionDenied);
        }
        Ok(())
    }

    fn claim(&mut self, side: &CopySide, readonly: bool) -> Result<Buf, CopyError> {
        let world = self.world;
        let dom = self.caller.resolve(side.domid);
        let mut buf = Buf {
            dom,
            ptr: side.ptr,
            mfn: Mfn(0),
            owner: dom,
            start: 0,
            length: PAGE_SIZE as u16,
            readonly,
            have_grant: false,
            have_type: false,
            have_page: false,
        };
        match side.ptr {
            CopyPtr::Gref(r) => {
                let d = world.domain(dom).ok_or(GrantError::BadDomain)?;
                let transitive = self.caller.domain.config().options.transitive;
                let a = acquire(
                    world,
                    &self.caller,
                    &d,
                    r.0,
                    self.caller.id(),
                    readonly,
                    transitive,
                )?;
                buf.mfn = a.mfn;
                buf.owner = a.owner;
                buf.start = a.start;
                buf.length = a.length;
                buf.have_grant = true;
                buf.have_page = true;
            }
            CopyPtr::Gmfn(gmfn) => {
                buf.mfn = world
                    .get_frame(dom, Gfn(gmfn), readonly)
                    .map_err(GrantError::from)?;
                buf.have_page = true;
            }
        }
        if !readonly {
            if !world.get_page_writable(buf.owner, buf.mfn) {
                self.release_buf(buf);
                return Err(GrantError::GeneralError.into());
            }
            buf.have_type = true;
        }
        Ok(buf)
    }

    fn release_buf(&self, b: Buf) {
        let world = self.world;
        if b.have_grant {
            if let (CopyPtr::Gref(r), Some(d)) = (b.ptr, world.domain(b.dom)) {
                release(world, &self.caller, &d, r.0, b.readonly, 0);
            }
        }
        if b.have_type {
            world.put_page_writable(b.mfn);
        }
        if b.have_page {
            world.put_page(b.mfn);
        }
    }

    fn release_all(&mut self) {
        if let Some(b) = self.src.take() {
            self.release_buf(b);
        }
        if let Some(b) = self.dst.take() {
            self.release_buf(b);
        }
    }
}

impl<W: GrantWorld> Drop for CopyBatch<'_, '_, W> {
    fn drop(&mut self) {
        self.release_all();
    }
}
