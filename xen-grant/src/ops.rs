//! The hypercall layer: `GNTTABOP_*` operations on xen-abi argument
//! structures, filling their `status` (and output) fields as Xen does.
//!
//! The hypervisor core copies argument arrays in from the guest, calls the
//! function for the sub-operation, copies the structures (and returned
//! frame lists) back out, and turns a [`Progress::Continue`] into a
//! hypercall continuation. Guest-memory faults (`-EFAULT`) are the core's
//! business; everything else is decided here.

use alloc::vec::Vec;

use xen_abi::grant_table::{
    GnttabCopy, GnttabGetStatusFrames, GnttabGetVersion, GnttabMapGrantRef, GnttabQuerySize,
    GnttabSetVersion, GnttabSetupTable, GnttabSwapGrantRef, GnttabTransfer, GnttabUnmapAndReplace,
    GnttabUnmapGrantRef, GNTTABOP_CACHE_FLUSH, GNTTABOP_COPY, GNTTABOP_DUMP_TABLE,
    GNTTABOP_GET_STATUS_FRAMES, GNTTABOP_GET_VERSION, GNTTABOP_MAP_GRANT_REF, GNTTABOP_QUERY_SIZE,
    GNTTABOP_SETUP_TABLE, GNTTABOP_SET_VERSION, GNTTABOP_SWAP_GRANT_REF, GNTTABOP_TRANSFER,
    GNTTABOP_UNMAP_AND_REPLACE, GNTTABOP_UNMAP_GRANT_REF,
};
use xen_abi::{DomId, GrantRef};

use crate::abi::{gntst, GNTCOPY_DEST_GREF, GNTCOPY_SOURCE_GREF};
use crate::copy::{CopyBatch, CopyError, CopyPtr, CopyRequest, CopySide};
use crate::domain::Caller;
use crate::error::{status_of, Errno};
use crate::map::{MapRequest, PendingUnmap, UnmapRequest};
use crate::transfer::TransferRequest;
use crate::world::GrantWorld;

/// Low bits of `cmd` naming the sub-operation (`GNTTABOP_CMD_MASK`).
pub const GNTTABOP_CMD_MASK: u32 = (1 << GNTTABOP_CONTINUATION_ARG_SHIFT) - 1;
/// Where Xen keeps a continuation argument in `cmd` (only cache_flush may
/// use it); fixed because continuations survive migration.
pub const GNTTABOP_CONTINUATION_ARG_SHIFT: u32 = 12;
/// Unmaps done between two TLB flushes (`GNTTAB_UNMAP_BATCH_SIZE`).
pub const UNMAP_BATCH_SIZE: usize = 32;

/// How far a batched operation got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Every element was processed.
    Done,
    /// Stopped (preemption, or a copy that must be restarted) after `done`
    /// elements: the core continues the hypercall from element `done`.
    /// `done` may be 0 (XSA-318): that is not success.
    Continue {
        /// Elements completed.
        done: usize,
    },
}

/// Validates `grant_table_op(cmd, uop, count)` and returns the sub-operation.
pub fn decode_cmd(cmd: u32, count: u32) -> Result<u32, Errno> {
    if (count as i32) < 0 {
        return Err(Errno::Inval);
    }
    let op = cmd & GNTTABOP_CMD_MASK;
    if cmd & !GNTTABOP_CMD_MASK != 0 && op != GNTTABOP_CACHE_FLUSH {
        return Err(Errno::Inval);
    }
    match op {
        GNTTABOP_MAP_GRANT_REF
        | GNTTABOP_UNMAP_GRANT_REF
        | GNTTABOP_SETUP_TABLE
        | GNTTABOP_TRANSFER
        | GNTTABOP_COPY
        | GNTTABOP_QUERY_SIZE
        | GNTTABOP_UNMAP_AND_REPLACE
        | GNTTABOP_SET_VERSION
        | GNTTABOP_GET_STATUS_FRAMES
        | GNTTABOP_GET_VERSION
        | GNTTABOP_SWAP_GRANT_REF => Ok(op),
        // dump_table has not been implemented since 2006; cache_flush only
        // exists on Arm.
        GNTTABOP_DUMP_TABLE | GNTTABOP_CACHE_FLUSH => Err(Errno::NoSys),
        _ => Err(Errno::NoSys),
    }
}

/// The value `GNTTABOP_copy` hands back for `progress` over `count`
/// elements: 0 when done, otherwise the elements left (never 0).
pub fn copy_return_value(count: usize, progress: Progress) -> usize {
    match progress {
        Progress::Done => 0,
        Progress::Continue { done } => count - done,
    }
}

/// `GNTTABOP_map_grant_ref` over an array. `preempt` is asked between
/// elements whether to stop.
pub fn map_grant_ref<W: GrantWorld>(
    world: &W,
    caller: &Caller<'_>,
    ops: &mut [GnttabMapGrantRef],
    mut preempt: impl FnMut() -> bool,
) -> Progress {
    for (i, op) in ops.iter_mut().enumerate() {
        if i > 0 && preempt() {
            return Progress::Continue { done: i };
        }
        let req = MapRequest {
            host_addr: op.host_addr,
            flags: op.flags,
            gref: op.r#ref,
            dom: op.dom,
        };
        let r = crate::map::map_grant_ref(world, caller, &req);
        op.status = status_of(&r);
        if let Ok(m) = r {
            op.handle = m.handle;
            op.dev_bus_addr = m.dev_bus_addr();
        }
    }
    Progress::Done
}

/// Runs unmaps in batches of [`UNMAP_BATCH_SIZE`], flushing the caller's
/// TLBs before completing each batch.
fn unmap_batches<W: GrantWorld, T>(
    world: &W,
    caller: &Caller<'_>,
    ops: &mut [T],
    mut preempt: impl FnMut() -> bool,
    request: impl Fn(&T) -> UnmapRequest,
    set_status: impl Fn(&mut T, i16),
) -> Progress {
    let mut done = 0;
    for chunk in ops.chunks_mut(UNMAP_BATCH_SIZE) {
        if done > 0 && preempt() {
            return Progress::Continue { done };
        }
        let mut pending: Vec<PendingUnmap> = Vec::with_capacity(chunk.len());
        for op in chunk.iter_mut() {
            let r = crate::map::unmap_grant_ref(world, caller, &request(op));
            set_status(op, status_of(&r));
            if let Ok(p) = r {
                pending.push(p);
            }
        }
        world.flush_tlb(caller.id());
        for p in pending {
            p.complete(world, caller);
        }
        done += chunk.len();
    }
    Progress::Done
}

/// `GNTTABOP_unmap_grant_ref` over an array.
pub fn unmap_grant_ref<W: GrantWorld>(
    world: &W,
    caller: &Caller<'_>,
    ops: &mut [GnttabUnmapGrantRef],
    preempt: impl FnMut() -> bool,
) -> Progress {
    unmap_batches(
        world,
        caller,
        ops,
        preempt,
        |op| UnmapRequest {
            host_addr: op.host_addr,
            dev_bus_addr: op.dev_bus_addr,
            handle: op.handle,
            new_addr: 0,
        },
        |op, st| op.status = st,
    )
}

/// `GNTTABOP_unmap_and_replace` over an array.
pub fn unmap_and_replace<W: GrantWorld>(
    world: &W,
    caller: &Caller<'_>,
    ops: &mut [GnttabUnmapAndReplace],
    preempt: impl FnMut() -> bool,
) -> Progress {
    unmap_batches(
        world,
        caller,
        ops,
        preempt,
        |op| UnmapRequest {
            host_addr: op.host_addr,
            dev_bus_addr: 0,
            handle: op.handle,
            new_addr: op.new_addr,
        },
        |op, st| op.status = st,
    )
}

/// `GNTTABOP_setup_table` (count must be 1): sets `status` and returns the
/// frame numbers to write to `frame_list`.
pub fn setup_table<W: GrantWorld>(
    world: &W,
    caller: &Caller<'_>,
    op: &mut GnttabSetupTable,
) -> Vec<u64> {
    let r = crate::table::setup_table(world, caller, op.dom, op.nr_frames);
    op.status = status_of(&r);
    r.unwrap_or_default()
}

/// `GNTTABOP_query_size` (count must be 1).
pub fn query_size<W: GrantWorld>(world: &W, caller: &Caller<'_>, op: &mut GnttabQuerySize) {
    let r = crate::table::query_size(world, caller, op.dom);
    op.status = status_of(&r);
    if let Ok((nr, max)) = r {
        op.nr_frames = nr;
        op.max_nr_frames = max;
    }
}

/// `GNTTABOP_set_version` for the caller's own table; `op.version` is
/// always set to the version in force afterwards.
pub fn set_version<W: GrantWorld>(
    world: &W,
    caller: &Caller<'_>,
    op: &mut GnttabSetVersion,
) -> Result<(), Errno> {
    let (r, now) = caller.domain.table().set_version(world, op.version);
    op.version = now;
    r
}

/// `GNTTABOP_get_status_frames` (count must be 1): sets `status` and
/// returns the frame numbers to write to `frame_list`.
pub fn get_status_frames<W: GrantWorld>(
    world: &W,
    caller: &Caller<'_>,
    op: &mut GnttabGetStatusFrames,
) -> Vec<u64> {
    let r = crate::table::get_status_frames(world, caller, op.dom, op.nr_frames);
    op.status = status_of(&r);
    r.unwrap_or_default()
}

/// `GNTTABOP_get_version`.
pub fn get_version<W: GrantWorld>(
    world: &W,
    caller: &Caller<'_>,
    op: &mut GnttabGetVersion,
) -> Result<(), Errno> {
    op.version = crate::table::get_version(world, caller, op.dom)?;
    Ok(())
}

/// `GNTTABOP_swap_grant_ref` over an array, on the caller's own table.
pub fn swap_grant_ref<W: GrantWorld>(
    world: &W,
    caller: &Caller<'_>,
    ops: &mut [GnttabSwapGrantRef],
    mut preempt: impl FnMut() -> bool,
) -> Progress {
    for (i, op) in ops.iter_mut().enumerate() {
        if i > 0 && preempt() {
            return Progress::Continue { done: i };
        }
        let r = caller.domain.table().swap(world, op.ref_a.0, op.ref_b.0);
        op.status = status_of(&r);
    }
    Progress::Done
}

/// `GNTTABOP_transfer` over an array; `-EOPNOTSUPP` when disabled.
pub fn transfer<W: GrantWorld>(
    world: &W,
    caller: &Caller<'_>,
    ops: &mut [GnttabTransfer],
    mut preempt: impl FnMut() -> bool,
) -> Result<Progress, Errno> {
    if !caller.domain.config().options.transfer {
        return Err(Errno::OpNotSupp);
    }
    for (i, op) in ops.iter_mut().enumerate() {
        if i > 0 && preempt() {
            return Ok(Progress::Continue { done: i });
        }
        let req = TransferRequest {
            mfn: op.mfn,
            domid: op.domid,
            gref: op.r#ref,
        };
        let r = crate::transfer::transfer(world, caller, &req)?;
        op.status = status_of(&r);
    }
    Ok(Progress::Done)
}

#[inline]
fn copy_side(ptr: &xen_abi::grant_table::GnttabCopyPtr, is_gref: bool) -> CopySide {
    CopySide {
        ptr: if is_gref {
            // `gref()` inlined: the union's first four bytes, native order.
            let [a, b, c, d, ..] = ptr.u.to_ne_bytes();
            CopyPtr::Gref(GrantRef(u32::from_ne_bytes([a, b, c, d])))
        } else {
            CopyPtr::Gmfn(ptr.u)
        },
        domid: ptr.domid,
        offset: ptr.offset,
    }
}

/// `GNTTABOP_copy` over an array, reusing acquired frames across
/// consecutive elements. A transitive grant changing underneath stops the
/// batch at that element without writing its status (Xen's `ERESTART`).
pub fn copy<W: GrantWorld>(
    world: &W,
    caller: &Caller<'_>,
    ops: &mut [GnttabCopy],
    mut preempt: impl FnMut() -> bool,
) -> Progress {
    let mut batch = CopyBatch::new(world, *caller);
    // The frames and domains (not offsets) of the last element that copied
    // bytes: the batch still holds exactly those acquired.
    let mut last: Option<(u64, DomId, u64, DomId, u16)> = None;
    for (i, op) in ops.iter_mut().enumerate() {
        if i > 0 && preempt() {
            return Progress::Continue { done: i };
        }
        let key = (
            op.source.u,
            op.source.domid,
            op.dest.u,
            op.dest.domid,
            op.flags,
        );
        let r = if last == Some(key) {
            // Same frames as the element before: only the window checks
            // and the copy (what `CopyBatch::copy` does for a cached pair,
            // without decoding the element again).
            batch.copy_again(op.source.offset, op.dest.offset, op.len)
        } else {
            let req = CopyRequest {
                source: copy_side(&op.source, op.flags & GNTCOPY_SOURCE_GREF != 0),
                dest: copy_side(&op.dest, op.flags & GNTCOPY_DEST_GREF != 0),
                len: op.len,
            };
            batch.copy(&req)
        };
        last = (r.is_ok() && op.len != 0).then_some(key);
        op.status = match r {
            Ok(()) => gntst::OKAY,
            Err(CopyError::Status(e)) => e.status(),
            Err(CopyError::Restart) => return Progress::Continue { done: i },
        };
    }
    Progress::Done
}
