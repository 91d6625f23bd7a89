//! The hook trait through which the grant-table and event-channel engines
//! ask ACM before letting two domains share.

use xen_abi::types::DomId;

/// What `xen-grant` and `xen-evtchn` need from an access-control module.
///
/// Both questions are STE sharing checks between running domains: Xen 3.x
/// called them from `evtchn_alloc_unbound` / `evtchn_bind_interdomain`
/// (`acm_pre_eventchannel_*`) and from `__gnttab_map_grant_ref`
/// (`acm_pre_grant_map_ref`). Callers resolve `DOMID_SELF` first.
pub trait AccessPolicy {
    /// May `local` connect an inter-domain event channel to `remote`?
    fn may_bind_evtchn(&self, local: DomId, remote: DomId) -> bool;

    /// May `mapper` map a page that `granter` granted to it?
    fn may_map_grant(&self, mapper: DomId, granter: DomId) -> bool;
}

/// The policy of a hypervisor built without ACM: everything is permitted.
#[derive(Clone, Copy, Debug, Default)]
pub struct PermitAll;

impl AccessPolicy for PermitAll {
    fn may_bind_evtchn(&self, _: DomId, _: DomId) -> bool {
        true
    }

    fn may_map_grant(&self, _: DomId, _: DomId) -> bool {
        true
    }
}

impl<T: AccessPolicy + ?Sized> AccessPolicy for &T {
    fn may_bind_evtchn(&self, local: DomId, remote: DomId) -> bool {
        (**self).may_bind_evtchn(local, remote)
    }

    fn may_map_grant(&self, mapper: DomId, granter: DomId) -> bool {
        (**self).may_map_grant(mapper, granter)
    }
}
