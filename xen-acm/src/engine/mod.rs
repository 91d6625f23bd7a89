//! The hypervisor's ACM decision engine (`no_std` + `alloc`).
//!
//! The engine holds the active binary policy, the running domains with
//! their ssidrefs, the Chinese Wall reference counts, the established
//! sharing between domains (event channels and grant mappings) and the
//! decision cache. It answers:
//!
//! * STE sharing between two ssidrefs or two running domains, cached
//!   ([`Engine::may_share`]) or not ([`Engine::may_share_uncached`]);
//! * domain → resource access ([`Engine::may_access_resource`]);
//! * Domain-0 authorization ([`Engine::is_authorized`]): a domain may run
//!   only if its STE types are a subset of Domain-0's;
//! * Chinese Wall run-time exclusion on create, destroy, save, restore and
//!   migration, with Xen's reference counting.
//!
//! Policy changes and relabelling are atomic: the new state is computed and
//! tested completely (deleted ssidrefs in use, Chinese Wall replay over the
//! running domains, re-validation of established sharing, Domain-0
//! authorization) and only then swapped in; on refusal nothing changes.

mod chwall;
mod error;
mod hooks;
mod tables;

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use xen_abi::types::DomId;

pub use chwall::ChwallState;
pub use error::{AcmError, Violation, ACM_NOT_AUTHORIZED, ACM_SSIDREF_OUT_OF_RANGE};
pub use hooks::{AccessPolicy, PermitAll};
pub use tables::Tables;

use crate::binary::BinaryPolicy;
use crate::cache::DecisionCache;
use crate::types::{Decision, Ssidref};

/// Domain-0's id.
pub const DOM0: DomId = DomId(0);

/// Default size of the decision cache: 2^12 lines (32 KiB).
pub const DEFAULT_CACHE_BITS: u32 = 12;

/// A kind of inter-domain sharing the STE component mediates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SharingKind {
    /// An inter-domain event channel.
    EventChannel,
    /// A grant mapping (first domain maps the second's page).
    GrantMapping,
}

/// How VM label indexes move in a policy update (`ACMOP_chgpolicy`): the
/// old indexes that disappear and the `(old, new)` pairs that move. An index
/// is the local ssidref of both halves of a VM label's ssidref.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SsidrefUpdate {
    /// Old label indexes deleted by the new policy.
    pub deletions: Vec<u16>,
    /// `(old index, new index)` for renamed or renumbered labels.
    pub changes: Vec<(u16, u16)>,
}

impl SsidrefUpdate {
    fn map_half(&self, half: u16) -> u16 {
        self.changes
            .iter()
            .find(|(old, _)| *old == half)
            .map_or(half, |(_, new)| *new)
    }

    /// The ssidref a domain with `old` has after the update.
    pub fn map(&self, old: Ssidref) -> Ssidref {
        Ssidref::from_parts(self.map_half(old.primary()), self.map_half(old.secondary()))
    }
}

/// The ACM decision engine.
#[derive(Debug)]
pub struct Engine {
    tables: Tables,
    domains: BTreeMap<DomId, Ssidref>,
    chwall: ChwallState,
    sharing: BTreeMap<(DomId, DomId, SharingKind), u32>,
    cache: DecisionCache,
}

impl Engine {
    /// Boots the engine with `policy` and Domain-0 running with `dom0`.
    ///
    /// As in Xen, Domain-0 is accounted without a conflict check (nothing
    /// else runs yet), but its ssidref must be inside the policy.
    pub fn boot(policy: BinaryPolicy, dom0: Ssidref) -> Result<Self, AcmError> {
        Self::boot_with_cache(policy, dom0, DEFAULT_CACHE_BITS)
    }

    /// [`boot`](Self::boot) with a decision cache of `2^cache_bits` lines.
    pub fn boot_with_cache(
        policy: BinaryPolicy,
        dom0: Ssidref,
        cache_bits: u32,
    ) -> Result<Self, AcmError> {
        let tables = Tables::new(policy)?;
        if !tables.in_range(dom0) {
            return Err(AcmError::SsidrefOutOfRange(dom0));
        }
        let mut chwall = ChwallState::new(chwall_types(&tables));
        if let Some((block, row)) = tables.chwall(dom0) {
            chwall.add(block, row);
        }
        let mut domains = BTreeMap::new();
        domains.insert(DOM0, dom0);
        Ok(Engine {
            tables,
            domains,
            chwall,
            sharing: BTreeMap::new(),
            cache: DecisionCache::new(cache_bits),
        })
    }

    /// The active binary policy.
    pub fn policy(&self) -> &BinaryPolicy {
        self.tables.binary()
    }

    /// The active policy's decision tables.
    pub fn tables(&self) -> &Tables {
        &self.tables
    }

    /// The ssidref of a running domain.
    pub fn ssidref_of(&self, domid: DomId) -> Option<Ssidref> {
        self.domains.get(&domid).copied()
    }

    /// Running domains and their ssidrefs, by domain id.
    pub fn domains(&self) -> impl Iterator<Item = (DomId, Ssidref)> + '_ {
        self.domains.iter().map(|(d, s)| (*d, *s))
    }

    /// The Chinese Wall counters (`running_types`, `conflict_aggregate_set`).
    pub fn chwall_state(&self) -> &ChwallState {
        &self.chwall
    }

    /// The decision cache (for statistics and tests).
    pub fn cache(&self) -> &DecisionCache {
        &self.cache
    }

    /// STE sharing decision between two ssidrefs, through the cache.
    #[inline]
    pub fn may_share(&self, a: Ssidref, b: Ssidref) -> Decision {
        let (Some((block, x)), Some((_, y))) = (self.tables.ste(a), self.tables.ste(b)) else {
            return Decision::Permitted;
        };
        if let Some(hit) = self.cache.lookup(x, y) {
            return Decision::from_bool(hit);
        }
        let ok = block.ssids.intersects(x as usize, y as usize);
        self.cache.insert(x, y, ok);
        Decision::from_bool(ok)
    }

    /// STE sharing decision between two ssidrefs, computed from the tables.
    pub fn may_share_uncached(&self, a: Ssidref, b: Ssidref) -> Decision {
        Decision::from_bool(self.tables.shares(a, b))
    }

    /// May a domain labelled `domain` use a resource labelled `resource`?
    /// (They need a common STE type; unlabeled resources carry
    /// [`Ssidref::NULL`].)
    pub fn may_access_resource(&self, domain: Ssidref, resource: Ssidref) -> Decision {
        self.may_share(domain, resource)
    }

    /// Authorization (`ACMHOOK_authorization`): are `object`'s STE types a
    /// subset of `subject`'s?
    pub fn is_authorized(&self, subject: Ssidref, object: Ssidref) -> Decision {
        Decision::from_bool(self.tables.authorizes(subject, object))
    }

    /// May a domain labelled `ssidref` run under Domain-0's current label?
    pub fn dom0_authorizes(&self, ssidref: Ssidref) -> Decision {
        match self.domains.get(&DOM0) {
            Some(&dom0) => self.is_authorized(dom0, ssidref),
            None => Decision::Permitted,
        }
    }

    /// STE sharing decision between two running domains (denied when either
    /// is not running).
    pub fn domains_may_share(&self, a: DomId, b: DomId) -> Decision {
        match (self.domains.get(&a), self.domains.get(&b)) {
            (Some(&x), Some(&y)) => self.may_share(x, y),
            _ => Decision::Denied,
        }
    }

    /// Checks everything [`domain_create`](Self::domain_create) checks,
    /// without changing state.
    pub fn check_create(&self, domid: DomId, ssidref: Ssidref) -> Result<(), AcmError> {
        if self.domains.contains_key(&domid) {
            return Err(AcmError::DomainExists(domid));
        }
        if !self.tables.in_range(ssidref) {
            return Err(AcmError::SsidrefOutOfRange(ssidref));
        }
        if domid != DOM0 && !self.dom0_authorizes(ssidref).is_permitted() {
            return Err(AcmError::NotAuthorized(ssidref));
        }
        if let Some((block, row)) = self.tables.chwall(ssidref) {
            if let Some(t) = self.chwall.conflict(block, row) {
                return Err(AcmError::ChineseWallConflict { type_index: t });
            }
        }
        Ok(())
    }

    /// A domain starts: range, Domain-0 authorization and Chinese Wall
    /// checks, then its types are counted as running.
    pub fn domain_create(&mut self, domid: DomId, ssidref: Ssidref) -> Result<(), AcmError> {
        self.check_create(domid, ssidref)?;
        if let Some((block, row)) = self.tables.chwall(ssidref) {
            self.chwall.add(block, row);
        }
        self.domains.insert(domid, ssidref);
        Ok(())
    }

    /// A domain is destroyed: its counts are released and its sharing
    /// records dropped. Returns its ssidref.
    pub fn domain_destroy(&mut self, domid: DomId) -> Result<Ssidref, AcmError> {
        let ssidref = self
            .domains
            .remove(&domid)
            .ok_or(AcmError::UnknownDomain(domid))?;
        if let Some((block, row)) = self.tables.chwall(ssidref) {
            self.chwall.remove(block, row);
        }
        self.sharing
            .retain(|(a, b, _), _| *a != domid && *b != domid);
        Ok(ssidref)
    }

    /// A domain is saved: treated as destroy. Returns the ssidref to keep
    /// with the image.
    pub fn domain_save(&mut self, domid: DomId) -> Result<Ssidref, AcmError> {
        self.domain_destroy(domid)
    }

    /// A saved domain is restored: treated as create.
    pub fn domain_restore(&mut self, domid: DomId, ssidref: Ssidref) -> Result<(), AcmError> {
        self.domain_create(domid, ssidref)
    }

    /// A domain leaves by migration: treated as destroy on this host.
    pub fn domain_migrate_out(&mut self, domid: DomId) -> Result<Ssidref, AcmError> {
        self.domain_destroy(domid)
    }

    /// A domain arrives by migration: treated as create on this host.
    pub fn domain_migrate_in(&mut self, domid: DomId, ssidref: Ssidref) -> Result<(), AcmError> {
        self.domain_create(domid, ssidref)
    }

    /// Checks and records sharing between two running domains (an event
    /// channel bound, a grant mapped). Recorded sharing is re-validated on
    /// every policy change.
    pub fn establish(&mut self, kind: SharingKind, a: DomId, b: DomId) -> Result<(), AcmError> {
        if !self.domains.contains_key(&a) {
            return Err(AcmError::UnknownDomain(a));
        }
        if !self.domains.contains_key(&b) {
            return Err(AcmError::UnknownDomain(b));
        }
        if !self.domains_may_share(a, b).is_permitted() {
            return Err(AcmError::SharingDenied(a, b));
        }
        *self.sharing.entry((a, b, kind)).or_insert(0) += 1;
        Ok(())
    }

    /// Forgets one recorded sharing between `a` and `b`.
    pub fn release(&mut self, kind: SharingKind, a: DomId, b: DomId) {
        if let Some(n) = self.sharing.get_mut(&(a, b, kind)) {
            *n -= 1;
            if *n == 0 {
                self.sharing.remove(&(a, b, kind));
            }
        }
    }

    /// Recorded sharing: `(a, b, kind)` with its count.
    pub fn sharing(&self) -> impl Iterator<Item = (DomId, DomId, SharingKind, u32)> + '_ {
        self.sharing.iter().map(|((a, b, k), n)| (*a, *b, *k, *n))
    }

    /// Tests a complete assignment of ssidrefs under `tables`: ranges,
    /// Chinese Wall replay in domain-id order, recorded sharing, Domain-0
    /// authorization. Returns the recomputed counters.
    fn test(
        &self,
        tables: &Tables,
        doms: &BTreeMap<DomId, Ssidref>,
    ) -> Result<ChwallState, Vec<Violation>> {
        let mut v = Vec::new();
        for (&domid, &ssidref) in doms {
            if !tables.in_range(ssidref) {
                v.push(Violation::SsidrefOutOfRange { domid, ssidref });
            }
        }
        if !v.is_empty() {
            return Err(v);
        }
        let mut state = ChwallState::new(chwall_types(tables));
        for &ssidref in doms.values() {
            if let Some((block, row)) = tables.chwall(ssidref) {
                if let Some(t) = state.conflict(block, row) {
                    v.push(Violation::ChwallConflict {
                        type_index: t as u16,
                    });
                    break;
                }
                state.add(block, row);
            }
        }
        for &(a, b, kind) in self.sharing.keys() {
            match (doms.get(&a), doms.get(&b)) {
                (Some(&x), Some(&y)) if tables.shares(x, y) => {}
                (Some(_), Some(_)) => v.push(match kind {
                    SharingKind::EventChannel => Violation::EvtchnSharing { a, b },
                    SharingKind::GrantMapping => Violation::GnttabSharing { a, b },
                }),
                (None, _) => v.push(Violation::DomainLookup { domid: a }),
                (_, None) => v.push(Violation::DomainLookup { domid: b }),
            }
        }
        if let Some(&dom0) = doms.get(&DOM0) {
            for (&domid, &s) in doms {
                if domid != DOM0 && !tables.authorizes(dom0, s) {
                    v.push(Violation::NotAuthorized { domid });
                }
            }
        }
        if v.is_empty() {
            Ok(state)
        } else {
            Err(v)
        }
    }

    /// Replaces the policy at run time (`ACMOP_chgpolicy`).
    ///
    /// Refused, with nothing changed, when the component combination
    /// differs, a running domain uses a deleted index, or the running
    /// domains relabelled by `update` fail any test under the new policy.
    pub fn change_policy(
        &mut self,
        policy: BinaryPolicy,
        update: &SsidrefUpdate,
    ) -> Result<(), AcmError> {
        let tables = Tables::new(policy)?;
        if tables.combination() != self.tables.combination() {
            return Err(AcmError::PolicyCombination {
                active: self.tables.combination(),
                new: tables.combination(),
            });
        }
        let mut v = Vec::new();
        for (&domid, &s) in &self.domains {
            for half in [s.primary(), s.secondary()] {
                if update.deletions.contains(&half) {
                    v.push(Violation::SsidrefInUse {
                        ssidref: half,
                        domid,
                    });
                    break;
                }
            }
        }
        if !v.is_empty() {
            return Err(AcmError::Refused(v));
        }
        let doms: BTreeMap<DomId, Ssidref> = self
            .domains
            .iter()
            .map(|(&d, &s)| (d, update.map(s)))
            .collect();
        let state = self.test(&tables, &doms).map_err(AcmError::Refused)?;
        self.tables = tables;
        self.domains = doms;
        self.chwall = state;
        self.cache.invalidate();
        Ok(())
    }

    /// Gives a running domain a new ssidref under the active policy
    /// (`ACMOP_relabeldoms`), e.g. relabelling Domain-0 to restrict which
    /// workloads may run. Refused, with nothing changed, if any test fails.
    pub fn relabel_domain(&mut self, domid: DomId, ssidref: Ssidref) -> Result<(), AcmError> {
        if !self.domains.contains_key(&domid) {
            return Err(AcmError::UnknownDomain(domid));
        }
        let mut doms = self.domains.clone();
        doms.insert(domid, ssidref);
        let state = self.test(&self.tables, &doms).map_err(AcmError::Refused)?;
        self.domains = doms;
        self.chwall = state;
        Ok(())
    }
}

fn chwall_types(t: &Tables) -> usize {
    t.binary().chwall.as_ref().map_or(0, |c| c.ssids.types())
}

impl AccessPolicy for Engine {
    fn may_bind_evtchn(&self, local: DomId, remote: DomId) -> bool {
        self.domains_may_share(local, remote).is_permitted()
    }

    fn may_map_grant(&self, mapper: DomId, granter: DomId) -> bool {
        self.domains_may_share(mapper, granter).is_permitted()
    }
}

#[cfg(test)]
mod tests;
