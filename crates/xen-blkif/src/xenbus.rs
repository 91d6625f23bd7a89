//! Feature negotiation over xenstore: the keys blkback and blkfront
//! exchange, written and read through xen-bus's [`XenStore`] trait.
//!
//! Backend directory: at probe `feature-flush-cache`, `feature-barrier`,
//! `feature-discard` (with `discard-granularity`, `discard-alignment`,
//! `discard-secure`), `feature-max-indirect-segments`,
//! `feature-persistent`, `max-ring-page-order`; at connect `sectors`,
//! `info` (`VDISK_*` bits), `sector-size`, `physical-sector-size`.
//! Frontend directory: `ring-ref` (one page) or `ring-page-order` with
//! `ring-ref0…`, `event-channel`, `protocol`, `feature-persistent`.
//! Everything the peer wrote is parsed strictly; absent optional keys
//! mean "not supported" as in Linux.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use xen_abi::io::blkif::VDISK_READONLY;
use xen_bus::store::read_str;
use xen_bus::{StoreError, Tx, XenStore};

use crate::request::Protocol;

/// A key was missing or malformed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NegotiationError {
    /// The store failed.
    #[error("xenstore: {0}")]
    Store(#[from] StoreError),
    /// A required key is absent or not a valid value.
    #[error("bad or missing key {0}")]
    BadKey(String),
}

/// What the backend offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BackendFeatures {
    /// `feature-flush-cache`.
    pub flush_cache: bool,
    /// `feature-barrier`.
    pub barrier: bool,
    /// `feature-discard`.
    pub discard: bool,
    /// `feature-max-indirect-segments` (0: none).
    pub max_indirect_segments: u32,
    /// `feature-persistent`.
    pub persistent: bool,
    /// `max-ring-page-order`.
    pub max_ring_page_order: u32,
}

/// What the backend publishes when it connects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DiskInfo {
    /// `sectors` (in 512-byte units).
    pub sectors: u64,
    /// `info`: `VDISK_*` bits.
    pub info: u32,
    /// `sector-size`.
    pub sector_size: u32,
}

impl DiskInfo {
    /// Whether the disk is read-only (`VDISK_READONLY`).
    pub fn read_only(&self) -> bool {
        self.info & VDISK_READONLY != 0
    }
}

/// What the frontend publishes before going `Initialised`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrontendKeys {
    /// Grant references of the ring pages (2^order of them).
    pub ring_refs: Vec<u32>,
    /// The event channel port.
    pub event_channel: u32,
    /// The ABI.
    pub protocol: Protocol,
    /// `feature-persistent`.
    pub persistent: bool,
}

use xen_bus::store::{flag, need, read_flag, read_num as num, write_key as w, KeyError};

impl From<KeyError> for NegotiationError {
    fn from(e: KeyError) -> Self {
        match e {
            KeyError::Store(e) => NegotiationError::Store(e),
            KeyError::BadKey(k) => NegotiationError::BadKey(k),
        }
    }
}

impl BackendFeatures {
    /// Backend probe: writes the feature keys under `dir` in `tx`.
    pub fn write<S: XenStore + ?Sized>(
        &self,
        s: &mut S,
        tx: Tx,
        dir: &str,
    ) -> Result<(), StoreError> {
        w(s, tx, dir, "feature-flush-cache", flag(self.flush_cache))?;
        w(s, tx, dir, "feature-barrier", flag(self.barrier))?;
        w(s, tx, dir, "feature-discard", flag(self.discard))?;
        if self.discard {
            w(s, tx, dir, "discard-granularity", "512")?;
            w(s, tx, dir, "discard-alignment", "0")?;
            w(s, tx, dir, "discard-secure", "0")?;
        }
        w(
            s,
            tx,
            dir,
            "feature-max-indirect-segments",
            &format!("{}", self.max_indirect_segments),
        )?;
        w(s, tx, dir, "feature-persistent", flag(self.persistent))?;
        w(
            s,
            tx,
            dir,
            "max-ring-page-order",
            &format!("{}", self.max_ring_page_order),
        )
    }

    /// Frontend: reads what the backend offers (absent keys: not offered).
    pub fn read<S: XenStore + ?Sized>(s: &mut S, dir: &str) -> Result<Self, NegotiationError> {
        let b = |s: &mut S, k: &str| read_flag(s, dir, k);
        Ok(BackendFeatures {
            flush_cache: b(s, "feature-flush-cache")?,
            barrier: b(s, "feature-barrier")?,
            discard: b(s, "feature-discard")?,
            max_indirect_segments: num(s, dir, "feature-max-indirect-segments")?.unwrap_or(0),
            persistent: b(s, "feature-persistent")?,
            max_ring_page_order: num(s, dir, "max-ring-page-order")?.unwrap_or(0),
        })
    }
}

impl DiskInfo {
    /// Backend connect: writes `sectors`, `info`, `sector-size`,
    /// `physical-sector-size` under `dir`.
    pub fn write<S: XenStore + ?Sized>(
        &self,
        s: &mut S,
        tx: Tx,
        dir: &str,
    ) -> Result<(), StoreError> {
        w(s, tx, dir, "sectors", &format!("{}", self.sectors))?;
        w(s, tx, dir, "info", &format!("{}", self.info))?;
        w(s, tx, dir, "sector-size", &format!("{}", self.sector_size))?;
        w(
            s,
            tx,
            dir,
            "physical-sector-size",
            &format!("{}", self.sector_size),
        )
    }

    /// Frontend connect: reads them (all required).
    pub fn read<S: XenStore + ?Sized>(s: &mut S, dir: &str) -> Result<Self, NegotiationError> {
        let sectors = need(num(s, dir, "sectors")?, dir, "sectors")?;
        let info = need(num(s, dir, "info")?, dir, "info")?;
        let sector_size: u32 = need(num(s, dir, "sector-size")?, dir, "sector-size")?;
        if sector_size == 0 || sector_size % 512 != 0 {
            return Err(NegotiationError::BadKey(format!("{dir}/sector-size")));
        }
        Ok(DiskInfo {
            sectors,
            info,
            sector_size,
        })
    }
}

/// Largest ring this crate accepts: 2^4 pages (Linux blkback's default
/// `max_ring_page_order` is 4).
pub const MAX_RING_PAGE_ORDER: u32 = 4;

impl FrontendKeys {
    /// Frontend setup: writes the ring, event channel and protocol keys
    /// under `dir` in `tx`.
    pub fn write<S: XenStore + ?Sized>(
        &self,
        s: &mut S,
        tx: Tx,
        dir: &str,
    ) -> Result<(), StoreError> {
        if self.ring_refs.len() == 1 {
            w(s, tx, dir, "ring-ref", &format!("{}", self.ring_refs[0]))?;
        } else {
            let order = self.ring_refs.len().trailing_zeros();
            w(s, tx, dir, "ring-page-order", &format!("{order}"))?;
            for (i, r) in self.ring_refs.iter().enumerate() {
                w(s, tx, dir, &format!("ring-ref{i}"), &format!("{r}"))?;
            }
        }
        w(
            s,
            tx,
            dir,
            "event-channel",
            &format!("{}", self.event_channel),
        )?;
        let p = match self.protocol {
            Protocol::Native => "x86_64-abi",
            Protocol::X86_32 => "x86_32-abi",
        };
        w(s, tx, dir, "protocol", p)?;
        w(s, tx, dir, "feature-persistent", flag(self.persistent))
    }

    /// Backend connect: reads and validates what the frontend wrote,
    /// accepting a ring of at most 2^`max_order` pages.
    pub fn read<S: XenStore + ?Sized>(
        s: &mut S,
        dir: &str,
        max_order: u32,
    ) -> Result<Self, NegotiationError> {
        let order: u32 = num(s, dir, "ring-page-order")?.unwrap_or(0);
        if order > max_order.min(MAX_RING_PAGE_ORDER) {
            return Err(NegotiationError::BadKey(format!("{dir}/ring-page-order")));
        }
        let mut ring_refs = Vec::new();
        if order == 0 && read_str(s, Tx::NONE, &format!("{dir}/ring-ref"))?.is_some() {
            ring_refs.push(need(num(s, dir, "ring-ref")?, dir, "ring-ref")?);
        } else {
            for i in 0..(1u32 << order) {
                let k = format!("ring-ref{i}");
                ring_refs.push(need(num(s, dir, &k)?, dir, &k)?);
            }
        }
        let event_channel = need(num(s, dir, "event-channel")?, dir, "event-channel")?;
        let p = read_str(s, Tx::NONE, &format!("{dir}/protocol"))?;
        let protocol = Protocol::from_key(p.as_deref())
            .ok_or_else(|| NegotiationError::BadKey(format!("{dir}/protocol")))?;
        let persistent = read_flag(s, dir, "feature-persistent")?;
        Ok(FrontendKeys {
            ring_refs,
            event_channel,
            protocol,
            persistent,
        })
    }
}
