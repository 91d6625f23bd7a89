//! The management model behind the `xm` security commands (std only).
//!
//! [`AcmSystem`] is one host as xend saw it: the active policy (compiled
//! from XML), the hypervisor's [`Engine`], the resource-label store, and the
//! domains (Domain-0, running user domains, dormant managed ones) with
//! their labels. Its methods are `xm labels`, `addlabel`, `rmlabel`,
//! `getlabel`, `resources`, `setpolicy`, `getpolicy`, `resetpolicy` and
//! `list --label`, plus domain start, shutdown, save, restore and
//! migration with the checks ACM makes on each. Outputs are formatted as
//! the manual prints them.
//!
//! Starting a domain checks, in order: its label belongs to the active
//! policy, Domain-0's label authorizes its STE types, every disk's resource
//! label shares an STE type with it, the Chinese Wall lets it run; then its
//! console/xenstore event channels to Domain-0 are bound (an STE check) and,
//! when it has disks, Domain-0's block backend maps its grants.

mod config;
mod default;
mod error;
mod format;
mod label;
mod resources;
mod update;

pub use config::{simple_config, DomainConfig, Value};
pub use default::{default_policy_xml, is_default_policy, DEFAULT_POLICY_NAME};
pub use error::ManageError;
pub use format::ListRow;
pub use label::{SecLabel, ACM, INV_ACM};
pub use resources::{canonical_resource, ResourceError, ResourceLabels};

use std::string::{String, ToString};
use std::vec::Vec;

use xen_abi::types::DomId;

use crate::compile::{compile_xml, CompiledPolicy};
use crate::engine::{AcmError, Engine, SharingKind, DOM0};
use crate::types::{Ssidref, UNLABELED};

/// Which labels `xm labels` lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LabelKind {
    /// VM labels (`type=dom`, the default).
    Dom,
    /// Resource labels (`type=res`).
    Res,
    /// Both (`type=any`).
    Any,
}

/// A domain known to the host.
#[derive(Clone, Debug, PartialEq)]
pub struct Domain {
    /// Name.
    pub name: String,
    /// Id while running.
    pub domid: Option<DomId>,
    /// Its label; `None` means unlabeled (`__UNLABELED__`).
    pub label: Option<SecLabel>,
    /// Canonical names of its disks.
    pub disks: Vec<String>,
    /// Memory in MiB.
    pub memory: u64,
    /// vCPUs.
    pub vcpus: u32,
    /// True for xend-managed domains, which stay known while dormant.
    pub managed: bool,
}

/// What a saved or migrating domain carries: enough to admit it again.
#[derive(Clone, Debug, PartialEq)]
pub struct DomainImage {
    /// The domain as it was.
    pub domain: Domain,
}

/// One ACM-enabled host.
#[derive(Debug)]
pub struct AcmSystem {
    policy: CompiledPolicy,
    loaded: bool,
    boot: bool,
    engine: Engine,
    resources: ResourceLabels,
    domains: Vec<Domain>,
    next_domid: u16,
}

fn engine_error(e: AcmError) -> ManageError {
    match e {
        AcmError::ChineseWallConflict { .. } => ManageError::Conflict,
        AcmError::NotAuthorized(_) => ManageError::NotAuthorized,
        AcmError::SharingDenied(..) => ManageError::SharingDenied,
        other => ManageError::Engine(other),
    }
}

impl AcmSystem {
    /// A freshly booted host: the DEFAULT policy, Domain-0 running with the
    /// bootstrap label `SystemManagement`, no labelled resources.
    pub fn boot() -> Self {
        let policy = compile_xml(&default_policy_xml(None)).expect("the DEFAULT policy is valid");
        Self::boot_with(policy, false).expect("DEFAULT boots")
    }

    /// A host booted with `policy` as boot policy; Domain-0 gets its
    /// bootstrap label.
    pub fn boot_with_policy(xml: &str) -> Result<Self, ManageError> {
        let policy = compile_xml(xml).map_err(ManageError::Policy)?;
        Self::boot_with(policy, true)
    }

    fn boot_with(policy: CompiledPolicy, boot: bool) -> Result<Self, ManageError> {
        let bootstrap = policy.doc.bootstrap.as_ref().map(|b| b.value.clone());
        let bootstrap = bootstrap.unwrap_or_default();
        let ssidref = policy
            .labels
            .vm_ssidref(&bootstrap)
            .unwrap_or(Ssidref::NULL);
        let engine = Engine::boot(policy.binary.clone(), ssidref).map_err(engine_error)?;
        let dom0 = Domain {
            name: "Domain-0".to_string(),
            domid: Some(DOM0),
            label: Some(SecLabel::acm(policy.name(), &bootstrap)),
            disks: Vec::new(),
            memory: 941,
            vcpus: 1,
            managed: false,
        };
        Ok(AcmSystem {
            policy,
            loaded: true,
            boot,
            engine,
            resources: ResourceLabels::new(),
            domains: std::vec![dom0],
            next_domid: 1,
        })
    }

    /// The active compiled policy.
    pub fn policy(&self) -> &CompiledPolicy {
        &self.policy
    }

    /// The hypervisor's decision engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The resource-label store.
    pub fn resource_labels(&self) -> &ResourceLabels {
        &self.resources
    }

    /// The resource-label file text.
    pub fn resource_file(&self) -> String {
        self.resources.to_file()
    }

    /// Replaces the resource-label store with the contents of a file.
    pub fn load_resource_file(&mut self, text: &str) -> Result<(), ManageError> {
        self.resources = ResourceLabels::parse(text)?;
        Ok(())
    }

    /// All known domains (Domain-0 first).
    pub fn domains(&self) -> &[Domain] {
        &self.domains
    }

    /// A domain by name.
    pub fn domain(&self, name: &str) -> Option<&Domain> {
        self.domains.iter().find(|d| d.name == name)
    }

    fn domain_index(&self, name: &str) -> Result<usize, ManageError> {
        self.domains
            .iter()
            .position(|d| d.name == name)
            .ok_or_else(|| ManageError::UnknownDomain(name.to_string()))
    }

    /// The label a domain shows: its own, or `ACM:<active>:__UNLABELED__`.
    pub fn display_label(&self, d: &Domain) -> SecLabel {
        d.label
            .clone()
            .unwrap_or_else(|| SecLabel::acm(self.policy.name(), UNLABELED))
    }

    // ----- xm getpolicy / labels / resources / list --label -----

    /// `xm getpolicy`.
    pub fn getpolicy(&self) -> String {
        format::getpolicy(
            self.policy.name(),
            &self.policy.doc.version().to_string(),
            self.loaded,
            self.boot,
        )
    }

    /// `xm labels [type=dom|res|any]`: label names of the active policy,
    /// sorted.
    pub fn labels(&self, kind: LabelKind) -> Vec<String> {
        let doc = &self.policy.doc;
        let mut v: Vec<String> = Vec::new();
        if kind != LabelKind::Res {
            v.extend(doc.vm_labels.iter().map(|l| l.name.value.clone()));
        }
        if kind != LabelKind::Dom {
            v.extend(doc.res_labels.iter().map(|l| l.name.value.clone()));
        }
        v.sort();
        v.dedup();
        v
    }

    /// `xm resources`.
    pub fn resources(&self) -> String {
        format::resources(&self.resources)
    }

    /// The rows of `xm list --label`: running domains by id, then dormant
    /// managed ones by name.
    pub fn list_rows(&self) -> Vec<ListRow> {
        let mut doms: Vec<&Domain> = self.domains.iter().collect();
        doms.sort_by_key(|d| (d.domid.is_none(), d.domid.map(|i| i.0), d.name.clone()));
        doms.iter()
            .map(|d| ListRow {
                name: d.name.clone(),
                id: d.domid.map_or(-1, |i| i.0 as i32),
                mem: d.memory,
                vcpus: d.vcpus,
                state: match d.domid {
                    Some(DOM0) => "r-----".to_string(),
                    Some(_) => "-b----".to_string(),
                    None => "------".to_string(),
                },
                cpu_time: 0.0,
                label: self.display_label(d).to_string(),
            })
            .collect()
    }

    /// `xm list --label`.
    pub fn list_label(&self) -> String {
        format::list_label(&self.list_rows())
    }

    // ----- label lookups -----

    fn vm_label_ssidref(&self, label: Option<&SecLabel>) -> Result<Ssidref, ManageError> {
        let Some(l) = label else {
            return Ok(Ssidref::NULL);
        };
        if !l.is_valid_for(self.policy.name()) {
            return Err(ManageError::WrongPolicy {
                active: self.policy.name().to_string(),
                label_policy: l.to_string(),
            });
        }
        self.policy
            .labels
            .vm_ssidref(&l.label)
            .filter(|_| l.label == UNLABELED || self.policy.doc.vm_label(&l.label).is_some())
            .ok_or_else(|| ManageError::UnknownLabel {
                label: l.label.clone(),
                policy: l.policy.clone(),
            })
    }

    /// The ssidref a resource is checked with: its label's, 0 when
    /// unlabeled or labelled for another policy (as Xen did), `None` when
    /// its label is invalid or unknown (access is then denied).
    fn resource_ssidref(&self, resource: &str) -> Option<Ssidref> {
        match self.resources.get(resource) {
            None => Some(Ssidref::NULL),
            Some(l) if l.is_valid_for(self.policy.name()) => {
                self.policy.labels.res_ssidref(&l.label)
            }
            Some(l) if l.policy_type == ACM => Some(Ssidref::NULL),
            Some(_) => None,
        }
    }

    fn check_label_name(
        &self,
        label: &str,
        policy: Option<&str>,
        vm: bool,
    ) -> Result<(), ManageError> {
        let active = self.policy.name();
        if let Some(p) = policy {
            if p != active {
                return Err(ManageError::WrongPolicy {
                    active: active.to_string(),
                    label_policy: p.to_string(),
                });
            }
        }
        let found = if vm {
            self.policy.doc.vm_label(label).is_some()
        } else {
            self.policy.doc.res_label(label).is_some()
        };
        if found {
            Ok(())
        } else {
            Err(ManageError::UnknownLabel {
                label: label.to_string(),
                policy: active.to_string(),
            })
        }
    }

    // ----- xm addlabel / rmlabel / getlabel -----

    /// `xm addlabel <label> dom <config> [<policy>]`: writes the label line.
    pub fn addlabel_dom(
        &self,
        config: &mut DomainConfig,
        label: &str,
        policy: Option<&str>,
    ) -> Result<(), ManageError> {
        self.check_label_name(label, policy, true)?;
        config.set_access_control(self.policy.name(), label);
        Ok(())
    }

    /// `xm rmlabel dom <config>`.
    pub fn rmlabel_dom(&self, config: &mut DomainConfig) -> Result<(), ManageError> {
        if config.remove_access_control() {
            Ok(())
        } else {
            Err(ManageError::NotLabeled)
        }
    }

    /// `xm getlabel dom <config>`: `policytype=ACM,policy=…,label=…`.
    pub fn getlabel_dom(&self, config: &DomainConfig) -> Result<String, ManageError> {
        let (p, l) = config.access_control().ok_or(ManageError::NotLabeled)?;
        Ok(format::config_label(&SecLabel::acm(&p, &l)))
    }

    fn resource_in_use(&self, resource: &str) -> bool {
        self.domains
            .iter()
            .any(|d| d.domid.is_some() && d.disks.iter().any(|r| r == resource))
    }

    /// `xm addlabel <label> res <resource> [<policy>]`. Refused while a
    /// running domain uses the resource.
    pub fn addlabel_res(
        &mut self,
        resource: &str,
        label: &str,
        policy: Option<&str>,
    ) -> Result<(), ManageError> {
        let res = canonical_resource(resource)?;
        self.check_label_name(label, policy, false)?;
        if self.resource_in_use(&res) {
            return Err(ManageError::ResourceInUse(res));
        }
        self.resources
            .set(res, SecLabel::acm(self.policy.name(), label));
        Ok(())
    }

    /// `xm rmlabel res <resource>`.
    pub fn rmlabel_res(&mut self, resource: &str) -> Result<(), ManageError> {
        let res = canonical_resource(resource)?;
        if self.resource_in_use(&res) {
            return Err(ManageError::ResourceInUse(res));
        }
        self.resources
            .remove(&res)
            .map(|_| ())
            .ok_or(ManageError::ResourceNotLabeled(res))
    }

    /// `xm getlabel res <resource>`: `ACM:<policy>:<label>`.
    pub fn getlabel_res(&self, resource: &str) -> Result<String, ManageError> {
        let res = canonical_resource(resource)?;
        self.resources
            .get(&res)
            .map(|l| l.to_string())
            .ok_or(ManageError::ResourceNotLabeled(res))
    }

    /// `xm addlabel <label> mgt <domain>`: relabels Domain-0 at run time
    /// (refused if a running domain's STE types would leave its label) or a
    /// dormant managed domain. Returns xm's message.
    pub fn addlabel_mgt(&mut self, name: &str, label: &str) -> Result<String, ManageError> {
        self.check_label_name(label, None, true)?;
        let i = self.domain_index(name)?;
        let new = SecLabel::acm(self.policy.name(), label);
        match self.domains[i].domid {
            Some(DOM0) => {
                let ssidref = self.vm_label_ssidref(Some(&new))?;
                self.engine
                    .relabel_domain(DOM0, ssidref)
                    .map_err(|e| ManageError::Refused(e.to_string()))?;
                self.domains[i].label = Some(new);
                Ok(std::format!(
                    "Successfully set the label of domain '{name}' to '{label}'."
                ))
            }
            Some(_) => Err(ManageError::DomainRunning(name.to_string())),
            None => {
                self.domains[i].label = Some(new);
                Ok(std::format!(
                    "Successfully set the label of the dormant domain '{name}' to '{label}'."
                ))
            }
        }
    }

    /// `xm rmlabel mgt <domain>` (dormant managed domains only).
    pub fn rmlabel_mgt(&mut self, name: &str) -> Result<(), ManageError> {
        let i = self.domain_index(name)?;
        if self.domains[i].domid.is_some() {
            return Err(ManageError::DomainRunning(name.to_string()));
        }
        self.domains[i]
            .label
            .take()
            .map(|_| ())
            .ok_or(ManageError::NotLabeled)
    }

    /// `xm getlabel mgt <domain>`: `ACM:<policy>:<label>`.
    pub fn getlabel_mgt(&self, name: &str) -> Result<String, ManageError> {
        let d = &self.domains[self.domain_index(name)?];
        Ok(self.display_label(d).to_string())
    }

    // ----- domain life cycle -----

    fn domain_from_config(config: &DomainConfig, managed: bool) -> Result<Domain, ManageError> {
        let name = config.name().ok_or(ManageError::NoName)?;
        let disks = config
            .disks()
            .iter()
            .map(|d| canonical_resource(d))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Domain {
            name,
            domid: None,
            label: config.access_control().map(|(p, l)| SecLabel::acm(&p, &l)),
            disks,
            memory: config.memory().unwrap_or(128),
            vcpus: config.vcpus().unwrap_or(1),
            managed,
        })
    }

    /// The checks and accounting that let a domain run (start, restore or
    /// incoming migration). On error nothing changed.
    fn admit(&mut self, mut d: Domain) -> Result<DomId, ManageError> {
        if self
            .domains
            .iter()
            .any(|x| x.name == d.name && x.domid.is_some())
        {
            return Err(ManageError::DomainExists(d.name));
        }
        let ssidref = self.vm_label_ssidref(d.label.as_ref())?;
        if !self.engine.dom0_authorizes(ssidref).is_permitted() {
            return Err(ManageError::NotAuthorized);
        }
        for disk in &d.disks {
            let ok = self
                .resource_ssidref(disk)
                .is_some_and(|r| self.engine.may_access_resource(ssidref, r).is_permitted());
            if !ok {
                return Err(ManageError::ResourceDenied(disk.clone()));
            }
        }
        let domid = DomId(self.next_domid);
        self.engine
            .domain_create(domid, ssidref)
            .map_err(engine_error)?;
        let mut links = std::vec![(SharingKind::EventChannel, domid, DOM0)];
        if !d.disks.is_empty() {
            links.push((SharingKind::GrantMapping, DOM0, domid));
        }
        for (kind, a, b) in links {
            if let Err(e) = self.engine.establish(kind, a, b) {
                let _ = self.engine.domain_destroy(domid);
                return Err(engine_error(e));
            }
        }
        self.next_domid = self.next_domid.wrapping_add(1).max(1);
        d.domid = Some(domid);
        match self.domains.iter().position(|x| x.name == d.name) {
            Some(i) => self.domains[i] = d,
            None => self.domains.push(d),
        }
        Ok(domid)
    }

    /// `xm create <config>`: starts an unmanaged domain.
    pub fn create(&mut self, config: &DomainConfig) -> Result<DomId, ManageError> {
        let d = Self::domain_from_config(config, false)?;
        self.admit(d)
    }

    /// `xm new <config>`: registers a dormant managed domain.
    pub fn new_managed(&mut self, config: &DomainConfig) -> Result<(), ManageError> {
        let d = Self::domain_from_config(config, true)?;
        if self.domain(&d.name).is_some() {
            return Err(ManageError::DomainExists(d.name));
        }
        self.domains.push(d);
        Ok(())
    }

    /// `xm delete <name>`: forgets a dormant managed domain.
    pub fn delete(&mut self, name: &str) -> Result<(), ManageError> {
        let i = self.domain_index(name)?;
        if self.domains[i].domid.is_some() {
            return Err(ManageError::DomainRunning(name.to_string()));
        }
        self.domains.remove(i);
        Ok(())
    }

    /// `xm start <name>`: starts a dormant managed domain.
    pub fn start(&mut self, name: &str) -> Result<DomId, ManageError> {
        let d = self.domains[self.domain_index(name)?].clone();
        if d.domid.is_some() {
            return Err(ManageError::DomainExists(d.name));
        }
        self.admit(d)
    }

    fn stop(&mut self, name: &str) -> Result<Domain, ManageError> {
        let i = self.domain_index(name)?;
        let domid = match self.domains[i].domid {
            Some(DOM0) | None => return Err(ManageError::UnknownDomain(name.to_string())),
            Some(id) => id,
        };
        self.engine.domain_destroy(domid).map_err(engine_error)?;
        let mut d = self.domains[i].clone();
        d.domid = None;
        if d.managed {
            self.domains[i].domid = None;
        } else {
            self.domains.remove(i);
        }
        Ok(d)
    }

    /// `xm shutdown` / `xm destroy`: the domain stops and releases its
    /// Chinese Wall types.
    pub fn shutdown(&mut self, name: &str) -> Result<(), ManageError> {
        self.stop(name).map(|_| ())
    }

    /// `xm save`: like shutdown for ACM; the image keeps the label.
    pub fn save(&mut self, name: &str) -> Result<DomainImage, ManageError> {
        self.stop(name).map(|domain| DomainImage { domain })
    }

    /// `xm restore`: admitted like a start.
    pub fn restore(&mut self, image: DomainImage) -> Result<DomId, ManageError> {
        self.admit(image.domain)
    }

    /// Outgoing migration: the domain leaves this host.
    pub fn migrate_out(&mut self, name: &str) -> Result<DomainImage, ManageError> {
        self.save(name)
    }

    /// Incoming migration: the destination checks the label and the
    /// Chinese Wall before accepting the domain.
    pub fn migrate_in(&mut self, image: DomainImage) -> Result<DomId, ManageError> {
        self.admit(image.domain)
    }

    // ----- policies -----

    /// `xm setpolicy ACM <policy>`: installs a policy (from DEFAULT) or
    /// updates the active one at run time, and marks it for boot. Returns
    /// xm's output.
    pub fn setpolicy(&mut self, xml: &str) -> Result<String, ManageError> {
        self.install(xml, true)?;
        Ok(std::format!(
            "Successfully set the new policy.\n{}",
            self.getpolicy()
        ))
    }

    /// `xm resetpolicy`: returns to the DEFAULT policy (Domain-0's label is
    /// renamed to `SystemManagement`; resource labels of the old policy
    /// become `INV_ACM`). Refused while user domains of the old policy run.
    pub fn resetpolicy(&mut self) -> Result<String, ManageError> {
        let dom0 = self.domains[0].label.as_ref().map(|l| l.label.clone());
        self.install(&default_policy_xml(dom0.as_deref()), false)?;
        Ok("Successfully reset the system's policy.".to_string())
    }
}

#[cfg(test)]
mod tests;
