//! A domain's grant state: its own table (as granter) and its maptrack (as
//! mapper), plus the few facts about the domain the engine needs.

use core::sync::atomic::{AtomicBool, Ordering};

use xen_abi::DomId;

use crate::error::Errno;
use crate::maptrack::Maptrack;
use crate::table::GrantTable;
use crate::world::GrantWorld;

/// Xen's default `gnttab_max_frames`: 64 frames (32768 v1 entries).
pub const DEFAULT_MAX_GRANT_FRAMES: u32 = 64;
/// Xen's default `gnttab_max_maptrack_frames`: 1024 frames (262144 handles).
pub const DEFAULT_MAX_MAPTRACK_FRAMES: u32 = 1024;
/// Frames a table has from creation (`INITIAL_NR_GRANT_FRAMES`).
pub const INITIAL_GRANT_FRAMES: u32 = 1;

/// Per-domain limits and switches (Xen's `gnttab=` command line and the
/// `createdomain` grant parameters).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GrantOptions {
    /// Largest table size in frames.
    pub max_grant_frames: u32,
    /// Largest maptrack size in frames (256 handles each).
    pub max_maptrack_frames: u32,
    /// Highest table version the domain may select (1 or 2).
    pub max_version: u8,
    /// Whether copies may follow transitive grants.
    pub transitive: bool,
    /// Whether `GNTTABOP_transfer` is offered.
    pub transfer: bool,
}

impl Default for GrantOptions {
    fn default() -> Self {
        Self {
            max_grant_frames: DEFAULT_MAX_GRANT_FRAMES,
            max_maptrack_frames: DEFAULT_MAX_MAPTRACK_FRAMES,
            max_version: 2,
            transitive: true,
            transfer: true,
        }
    }
}

/// What the engine needs to know about a domain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DomainConfig {
    /// Its physical address space is translated by the hypervisor (HVM/PVH,
    /// Xen's `paging_mode_external`): it maps grants into its physical map
    /// and may not ask for device or PTE mappings.
    pub translated: bool,
    /// It has privilege over other domains (the control domain).
    pub privileged: bool,
    /// Number of vCPUs; each has a maptrack free list.
    pub vcpus: u32,
    /// Limits and switches.
    pub options: GrantOptions,
}

impl Default for DomainConfig {
    fn default() -> Self {
        Self {
            translated: true,
            privileged: false,
            vcpus: 1,
            options: GrantOptions::default(),
        }
    }
}

/// The grant state of one domain.
pub struct GrantDomain {
    id: DomId,
    config: DomainConfig,
    dying: AtomicBool,
    pub(crate) table: GrantTable,
    pub(crate) maptrack: Maptrack,
}

impl GrantDomain {
    /// Creates the grant state of domain `id`, allocating its first table
    /// frame from `world`'s memory (Xen's `grant_table_init`).
    ///
    /// `-EINVAL` for a version limit other than 1 or 2, no vCPUs, or fewer
    /// than [`INITIAL_GRANT_FRAMES`] allowed frames; `-ENOMEM` when no frame
    /// is left.
    pub fn new<W: GrantWorld>(world: &W, id: DomId, config: DomainConfig) -> Result<Self, Errno> {
        let opts = &config.options;
        if !(1..=2).contains(&opts.max_version)
            || opts.max_grant_frames < INITIAL_GRANT_FRAMES
            || config.vcpus == 0
            || !id.is_regular()
        {
            return Err(Errno::Inval);
        }
        let table = GrantTable::new(world, id, opts)?;
        let maptrack = Maptrack::new(config.vcpus, opts.max_maptrack_frames);
        Ok(Self {
            id,
            config,
            dying: AtomicBool::new(false),
            table,
            maptrack,
        })
    }

    /// The domain's id.
    #[inline]
    pub fn id(&self) -> DomId {
        self.id
    }

    /// The domain's configuration.
    #[inline]
    pub fn config(&self) -> &DomainConfig {
        &self.config
    }

    /// The domain's grant table.
    #[inline]
    pub fn table(&self) -> &GrantTable {
        &self.table
    }

    /// Whether the domain is being destroyed.
    #[inline]
    pub fn is_dying(&self) -> bool {
        self.dying.load(Ordering::Acquire)
    }

    /// Marks the domain as being destroyed: copies from its already-pinned
    /// grants and transfers to it are refused from now on.
    pub fn set_dying(&self) {
        self.dying.store(true, Ordering::Release);
    }

    /// Handles currently in use (mappings this domain holds of others' grants).
    pub fn active_mappings(&self) -> usize {
        self.maptrack.in_use()
    }
}

impl core::fmt::Debug for GrantDomain {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("GrantDomain")
            .field("id", &self.id)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Who is calling: a domain and the vCPU it runs on.
#[derive(Clone, Copy, Debug)]
pub struct Caller<'a> {
    /// The calling domain.
    pub domain: &'a GrantDomain,
    /// The calling vCPU's index (chooses the maptrack free list and the
    /// table-lock slot; any value is safe, in-range values are fastest).
    pub vcpu: u32,
}

impl<'a> Caller<'a> {
    /// A caller running on `vcpu` of `domain`.
    pub fn new(domain: &'a GrantDomain, vcpu: u32) -> Self {
        Self { domain, vcpu }
    }

    /// The caller's domain id.
    #[inline]
    pub fn id(&self) -> DomId {
        self.domain.id()
    }

    /// Resolves `DOMID_SELF` to the caller's own id.
    #[inline]
    pub fn resolve(&self, dom: DomId) -> DomId {
        if dom == DomId::SELF {
            self.id()
        } else {
            dom
        }
    }
}
