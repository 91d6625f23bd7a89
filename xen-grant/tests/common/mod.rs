//! Shared fixtures for the integration tests: a host world with a PV
//! backend domain (dom0) and translated guests, plus short helpers.
#![allow(dead_code)]

pub mod hook;

use xen_abi::{DomId, GrantRef};
use xen_grant::abi::*;
use xen_grant::host::HostWorld;
use xen_grant::{
    map_grant_ref, unmap_grant_ref, Caller, DomainConfig, GrantDomain, GrantError, GrantOptions,
    MapRequest, Mapping, UnmapRequest,
};

/// The backend: PV, privileged, 4 vCPUs.
pub const DOM0: DomId = DomId(0);
/// A translated guest granting pages.
pub const DOMU: DomId = DomId(1);
/// Another translated guest.
pub const DOMU2: DomId = DomId(2);
/// Guest RAM pages per domain.
pub const RAM: u64 = 64;

pub fn world_with(opts: GrantOptions) -> HostWorld {
    let w = HostWorld::new(2048);
    w.create_domain(
        DOM0,
        DomainConfig {
            translated: false,
            privileged: true,
            vcpus: 4,
            options: opts,
        },
        RAM,
    );
    for d in [DOMU, DOMU2] {
        w.create_domain(
            d,
            DomainConfig {
                translated: true,
                privileged: false,
                vcpus: 2,
                options: opts,
            },
            RAM,
        );
    }
    w
}

pub fn world() -> HostWorld {
    world_with(GrantOptions::default())
}

pub fn dom(w: &HostWorld, id: DomId) -> &GrantDomain {
    w.grant_domain(id).expect("domain exists")
}

pub fn caller(w: &HostWorld, id: DomId) -> Caller<'_> {
    Caller::new(dom(w, id), 0)
}

/// `granter` grants `gfn` to `grantee` through `gref` (guest side).
pub fn grant(w: &HostWorld, granter: DomId, gref: u32, grantee: DomId, gfn: u64, readonly: bool) {
    w.guest_table(granter)
        .unwrap()
        .grant_access(gref, grantee, gfn, readonly)
        .unwrap();
}

pub fn map(
    w: &HostWorld,
    mapper: DomId,
    granter: DomId,
    gref: u32,
    flags: u32,
    addr: u64,
) -> Result<Mapping, GrantError> {
    map_grant_ref(
        w,
        &caller(w, mapper),
        &MapRequest {
            host_addr: addr,
            flags,
            gref: GrantRef(gref),
            dom: granter,
        },
    )
}

/// Unmaps and completes (flushing the mapper's TLB in between).
pub fn unmap(
    w: &HostWorld,
    mapper: DomId,
    handle: u32,
    addr: u64,
    dev: u64,
) -> Result<(), GrantError> {
    let c = caller(w, mapper);
    let p = unmap_grant_ref(
        w,
        &c,
        &UnmapRequest {
            host_addr: addr,
            dev_bus_addr: dev,
            handle,
            new_addr: 0,
        },
    )?;
    xen_grant::GrantWorld::flush_tlb(w, mapper);
    p.complete(w, &c);
    Ok(())
}

/// The in-use bits of `gref` as the granting guest sees them.
pub fn use_bits(w: &HostWorld, granter: DomId, gref: u32) -> u16 {
    w.guest_table(granter).unwrap().in_use_bits(gref).unwrap()
}

pub const RW_HOST: u32 = GNTMAP_HOST_MAP;
pub const RO_HOST: u32 = GNTMAP_HOST_MAP | GNTMAP_READONLY;
pub const RW_DEV: u32 = GNTMAP_DEVICE_MAP;
pub const RW_BOTH: u32 = GNTMAP_HOST_MAP | GNTMAP_DEVICE_MAP;
