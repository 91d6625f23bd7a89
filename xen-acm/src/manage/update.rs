//! Installing and updating policies at run time, as Xen 3.2's
//! `ACMPolicy.update` and `change_acm_policy` did:
//!
//! 1. unless either side is the DEFAULT policy, the new policy's
//!    `FromPolicy` must name the active policy and version, and its own
//!    version must be greater;
//! 2. `from` renames must name labels of the active policy;
//! 3. VM label indexes are compared by name: labels that vanish are
//!    deletions, renamed or renumbered ones become `(old, new)` changes;
//! 4. resource labels follow renames, labels the new policy lacks become
//!    `INV_ACM`; domain labels follow renames likewise;
//! 5. every running domain must keep access to its disks under its new
//!    label, and must not lose its label;
//! 6. the engine then tests and swaps the binary policy atomically
//!    (deleted ssidrefs in use, Chinese Wall replay, established sharing,
//!    Domain-0 authorization).
//!
//! Any failure leaves the old policy, labels and resource file in force.

use std::collections::HashMap;
use std::format;
use std::string::ToString;
use std::vec::Vec;

use super::default::is_default_policy;
use super::{AcmSystem, ManageError, ResourceLabels, SecLabel};
use crate::compile::{compile_xml, CompiledPolicy};
use crate::engine::{SsidrefUpdate, Tables};
use crate::types::{Ssidref, UNLABELED};
use crate::xml::{ErrorKind, PolicyError, PolicyErrors};

fn rejected(errs: Vec<PolicyError>) -> ManageError {
    ManageError::Policy(PolicyErrors(errs))
}

/// Step 1: the `FromPolicy` link and the version increase.
pub fn check_update_header(old: &CompiledPolicy, new: &CompiledPolicy) -> Result<(), ManageError> {
    let h = &new.doc.header;
    let (oname, over) = (old.name(), old.doc.version());
    let Some(from) = &h.from_policy else {
        return Err(rejected(std::vec![PolicyError::new(
            h.name.pos,
            ErrorKind::FromPolicyMissing {
                current: oname.to_string()
            },
        )]));
    };
    if from.name.value != oname || from.version.value != over {
        return Err(rejected(std::vec![PolicyError::new(
            from.pos,
            ErrorKind::FromPolicyMismatch {
                expected: format!("{oname} {over}"),
                found: format!("{} {}", from.name.value, from.version.value),
            },
        )]));
    }
    if h.version.value <= over {
        return Err(rejected(std::vec![PolicyError::new(
            h.version.pos,
            ErrorKind::VersionNotIncreasing {
                current: over.to_string(),
                new: h.version.value.to_string(),
            },
        )]));
    }
    Ok(())
}

/// Steps 2 and 3: checks renames and computes the index update.
pub fn plan_indexes(
    old: &CompiledPolicy,
    new: &CompiledPolicy,
) -> Result<SsidrefUpdate, ManageError> {
    let mut errs = Vec::new();
    for l in &new.doc.vm_labels {
        if let Some(f) = &l.from {
            if old.doc.vm_label(&f.value).is_none() && f.value != UNLABELED {
                errs.push(PolicyError::new(
                    f.pos,
                    ErrorKind::BadRename {
                        what: "VM".into(),
                        name: f.value.clone(),
                    },
                ));
            }
        }
    }
    for l in &new.doc.res_labels {
        if let Some(f) = &l.from {
            if old.doc.res_label(&f.value).is_none() {
                errs.push(PolicyError::new(
                    f.pos,
                    ErrorKind::BadRename {
                        what: "resource".into(),
                        name: f.value.clone(),
                    },
                ));
            }
        }
    }
    if !errs.is_empty() {
        return Err(rejected(errs));
    }
    let renames = vm_renames(new);
    let (oldv, newv) = (&old.labels.vm_labels, &new.labels.vm_labels);
    let mut update = SsidrefUpdate::default();
    for (oi, o) in oldv.iter().enumerate() {
        if new.labels.vm_index(o).is_some() {
            continue;
        }
        match renames.get(o.as_str()).and_then(|n| new.labels.vm_index(n)) {
            Some(ni) => update.changes.push((oi as u16, ni)),
            None => update.deletions.push(oi as u16),
        }
    }
    for (ni, v) in newv.iter().enumerate() {
        if let Some(oi) = old.labels.vm_index(v) {
            if oi as usize != ni {
                update.changes.push((oi, ni as u16));
            }
        }
    }
    Ok(update)
}

fn vm_renames(p: &CompiledPolicy) -> HashMap<&str, &str> {
    p.doc
        .vm_labels
        .iter()
        .filter_map(|l| {
            l.from
                .as_ref()
                .map(|f| (f.value.as_str(), l.name.value.as_str()))
        })
        .collect()
}

fn res_renames(p: &CompiledPolicy) -> HashMap<&str, &str> {
    p.doc
        .res_labels
        .iter()
        .filter_map(|l| {
            l.from
                .as_ref()
                .map(|f| (f.value.as_str(), l.name.value.as_str()))
        })
        .collect()
}

/// Step 4 for resources.
fn relabel_resources(
    old: &CompiledPolicy,
    new: &CompiledPolicy,
    r: &ResourceLabels,
) -> ResourceLabels {
    let renames = res_renames(new);
    let mut out = r.clone();
    for l in out.values_mut() {
        if !l.is_valid_for(old.name()) {
            continue;
        }
        if let Some(n) = renames.get(l.label.as_str()) {
            *l = SecLabel::acm(new.name(), n);
        } else if new.doc.res_label(&l.label).is_none() {
            *l = l.invalidated();
        } else {
            *l = SecLabel::acm(new.name(), &l.label);
        }
    }
    out
}

/// Step 4 for one domain label.
fn relabel_domain(old: &CompiledPolicy, new: &CompiledPolicy, l: &SecLabel) -> SecLabel {
    if !l.is_valid_for(old.name()) {
        return l.clone();
    }
    if let Some(n) = vm_renames(new).get(l.label.as_str()) {
        SecLabel::acm(new.name(), n)
    } else if new.doc.vm_label(&l.label).is_none() && l.label != UNLABELED {
        l.invalidated()
    } else {
        SecLabel::acm(new.name(), &l.label)
    }
}

impl AcmSystem {
    /// Installs `xml` as the active policy (update path), with the boot
    /// flag as given.
    pub(super) fn install(&mut self, xml: &str, boot: bool) -> Result<(), ManageError> {
        let new = compile_xml(xml).map_err(ManageError::Policy)?;
        let old = &self.policy;
        if !is_default_policy(&old.doc) && !is_default_policy(&new.doc) {
            check_update_header(old, &new)?;
        }
        let update = plan_indexes(old, &new)?;
        let resources = relabel_resources(old, &new, &self.resources);
        let labels: Vec<Option<SecLabel>> = self
            .domains
            .iter()
            .map(|d| d.label.as_ref().map(|l| relabel_domain(old, &new, l)))
            .collect();

        // Step 5: running domains keep their labels and their disks.
        let tables = Tables::new(new.binary.clone()).map_err(ManageError::Engine)?;
        let mut problems = Vec::new();
        for (d, label) in self.domains.iter().zip(&labels) {
            if d.domid.is_none() {
                continue;
            }
            let ssidref = match label {
                None => Ssidref::NULL,
                Some(l) if l.is_valid_for(new.name()) => {
                    new.labels.vm_ssidref(&l.label).unwrap_or(Ssidref::NULL)
                }
                Some(l) => {
                    problems.push(format!(
                        "running domain '{}' would lose its label '{}'",
                        d.name, l.label
                    ));
                    continue;
                }
            };
            for disk in &d.disks {
                let res = match resources.get(disk) {
                    None => Some(Ssidref::NULL),
                    Some(l) if l.is_valid_for(new.name()) => new.labels.res_ssidref(&l.label),
                    Some(_) => None,
                };
                if !res.is_some_and(|r| tables.shares(ssidref, r)) {
                    problems.push(format!(
                        "running domain '{}' would lose access to '{disk}'",
                        d.name
                    ));
                }
            }
        }
        if !problems.is_empty() {
            return Err(ManageError::Refused(problems.join("; ")));
        }

        // Step 6: the hypervisor.
        self.engine
            .change_policy(new.binary.clone(), &update)
            .map_err(|e| ManageError::Refused(e.to_string()))?;
        self.resources = resources;
        for (d, l) in self.domains.iter_mut().zip(labels) {
            d.label = l;
        }
        self.policy = new;
        self.loaded = true;
        self.boot = boot;
        Ok(())
    }
}
