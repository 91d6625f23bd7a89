//! Compiling an XML policy to the binary policy, numbering ssidrefs as Xen
//! 3.2's `acmpolicy.py` did (std only).
//!
//! * VM labels: index 0 is `__UNLABELED__` (always present, with the types
//!   of the `__UNLABELED__` label if the policy defines one, else none),
//!   index 1 the bootstrap label, then every other VM label in byte order of
//!   its name. A VM label's ssidref is `(index << 16) | index`.
//! * Resource labels (other than `__UNLABELED__`) in byte order follow the
//!   VM labels in the STE table: the `j`-th has STE ssidref
//!   `#VM-indexes + j` and Chinese Wall part 0. Unlabeled resources (and the
//!   `__UNLABELED__` resource label) have ssidref 0.
//! * STE and Chinese Wall types are numbered in byte order of their names;
//!   conflict sets are emitted in order of their names (stable for equal
//!   names).
//! * The binary always has the Chinese Wall as primary and STE as secondary
//!   component (the only combination Xen 3.2 boots with), even when the XML
//!   declares no types of one of them.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::format;
use std::string::{String, ToString};
use std::vec::Vec;

use crate::binary::{BinaryPolicy, ChwallBlock, SteBlock, MAX_SSIDREFS};
use crate::matrix::TypeMatrix;
use crate::types::{PolicyCode, Ssidref, ACM_MAGIC, UNLABELED};
use crate::xml::{self, ErrorKind, PolicyDoc, PolicyError, PolicyErrors, Spanned};

/// How labels and types of one policy map to ssidrefs and type indexes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelMap {
    /// The policy name.
    pub policy_name: String,
    /// VM label names by index (index = both halves of the ssidref).
    pub vm_labels: Vec<String>,
    /// Resource label names, in STE-table order after the VM labels.
    pub res_labels: Vec<String>,
    /// STE type names by index.
    pub ste_types: Vec<String>,
    /// Chinese Wall type names by index.
    pub chwall_types: Vec<String>,
    /// Conflict set names in binary order.
    pub conflict_sets: Vec<String>,
    vm_index: HashMap<String, u16>,
    res_index: HashMap<String, u16>,
}

impl LabelMap {
    /// The index of a VM label.
    pub fn vm_index(&self, name: &str) -> Option<u16> {
        self.vm_index.get(name).copied()
    }

    /// The ssidref of a VM label (`__UNLABELED__` is always index 0).
    pub fn vm_ssidref(&self, name: &str) -> Option<Ssidref> {
        self.vm_index(name).map(Ssidref::vm_label)
    }

    /// The ssidref of a resource label; `__UNLABELED__` maps to 0.
    pub fn res_ssidref(&self, name: &str) -> Option<Ssidref> {
        if name == UNLABELED {
            return Some(Ssidref::NULL);
        }
        self.res_index
            .get(name)
            .map(|&j| Ssidref::from_parts(0, self.vm_labels.len() as u16 + j))
    }

    /// The VM label whose index is the primary half of `ssidref`.
    pub fn vm_label(&self, ssidref: Ssidref) -> Option<&str> {
        self.vm_labels
            .get(ssidref.primary() as usize)
            .map(String::as_str)
    }

    /// The text of the `.map` file Xen's tools wrote next to the binary.
    pub fn map_file(&self, doc: &PolicyDoc) -> String {
        let mut m = String::new();
        let n = self.vm_labels.len();
        let unl_ste = if doc.vm_label(UNLABELED).is_some() {
            UNLABELED
        } else {
            "__NULL_LABEL__"
        };
        let _ = writeln!(m, "POLICYREFERENCENAME    {}", self.policy_name);
        let _ = writeln!(m, "MAGIC                  {ACM_MAGIC:08x}");
        let _ = writeln!(m, "MAX-CHWALL-TYPES       {:08x}", self.chwall_types.len());
        let _ = writeln!(m, "MAX-CHWALL-SSIDS       {n:08x}");
        let _ = writeln!(m, "MAX-CHWALL-LABELS      {n:08x}");
        let _ = writeln!(m, "MAX-STE-TYPES          {:08x}", self.ste_types.len());
        let _ = writeln!(
            m,
            "MAX-STE-SSIDS          {:08x}",
            n + self.res_labels.len()
        );
        let _ = writeln!(
            m,
            "MAX-STE-LABELS         {:08x}",
            n + self.res_labels.len()
        );
        m.push_str("\nPRIMARY                CHWALL\nSECONDARY              STE\n\n");
        let _ = writeln!(m, "LABEL->SSID ANY CHWALL {unl_ste:<20} 0");
        for (i, l) in self.vm_labels.iter().enumerate().skip(1) {
            let _ = writeln!(m, "LABEL->SSID VM  CHWALL {l:<20} {i:x}");
        }
        let _ = writeln!(m, "\nLABEL->SSID ANY STE    {unl_ste:<20} {:08x}", 0);
        for (i, l) in self.vm_labels.iter().enumerate().skip(1) {
            let _ = writeln!(m, "LABEL->SSID VM  STE    {l:<20} {i:x}");
        }
        for (j, l) in self.res_labels.iter().enumerate() {
            let _ = writeln!(m, "LABEL->SSID RES STE    {l:<20} {:x}", n + j);
        }
        m.push('\n');
        for (i, t) in self.chwall_types.iter().enumerate() {
            let _ = writeln!(m, "TYPE CHWALL            {t:<20} {i}");
        }
        for (i, t) in self.ste_types.iter().enumerate() {
            let _ = writeln!(m, "TYPE STE               {t:<20} {i}");
        }
        m
    }
}

/// A compiled policy: its source, its binary form and its label map.
#[derive(Clone, Debug)]
pub struct CompiledPolicy {
    /// The validated XML policy.
    pub doc: PolicyDoc,
    /// The binary policy for the hypervisor.
    pub binary: BinaryPolicy,
    /// Label and type numbering.
    pub labels: LabelMap,
}

impl CompiledPolicy {
    /// The policy name.
    pub fn name(&self) -> &str {
        self.doc.name()
    }
}

fn sorted_names(items: &[Spanned<String>]) -> Vec<String> {
    let mut v: Vec<String> = items.iter().map(|s| s.value.clone()).collect();
    v.sort();
    v
}

fn index_of(names: &[String]) -> HashMap<&str, usize> {
    names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect()
}

fn fill_row(m: &mut TypeMatrix, row: usize, types: &[Spanned<String>], idx: &HashMap<&str, usize>) {
    for t in types {
        if let Some(&i) = idx.get(t.value.as_str()) {
            m.set(row, i, true);
        }
    }
}

/// Compiles a validated policy document.
pub fn compile(doc: &PolicyDoc) -> Result<CompiledPolicy, PolicyErrors> {
    xml::validate(doc)?;
    let bootstrap = doc
        .bootstrap
        .as_ref()
        .map(|b| b.value.clone())
        .unwrap_or_default();

    let mut vm_labels = Vec::with_capacity(doc.vm_labels.len() + 1);
    vm_labels.push(UNLABELED.to_string());
    if bootstrap != UNLABELED {
        vm_labels.push(bootstrap.clone());
    }
    let mut rest: Vec<String> = doc
        .vm_labels
        .iter()
        .map(|l| l.name.value.clone())
        .filter(|n| *n != bootstrap && n != UNLABELED)
        .collect();
    rest.sort();
    vm_labels.extend(rest);

    let mut res_labels: Vec<String> = doc
        .res_labels
        .iter()
        .map(|l| l.name.value.clone())
        .filter(|n| n != UNLABELED)
        .collect();
    res_labels.sort();

    if vm_labels.len() + res_labels.len() > MAX_SSIDREFS {
        return Err(PolicyError::new(
            doc.header.name.pos,
            ErrorKind::TooLarge(format!(
                "{} VM and {} resource labels exceed the 65536 ssidrefs of a component",
                vm_labels.len(),
                res_labels.len()
            )),
        )
        .into());
    }

    let ste_types = sorted_names(&doc.ste_types);
    let chwall_types = sorted_names(&doc.chwall_types);
    let ste_idx = index_of(&ste_types);
    let chw_idx = index_of(&chwall_types);

    let mut cw = TypeMatrix::new(vm_labels.len(), chwall_types.len());
    let mut ste = TypeMatrix::new(vm_labels.len() + res_labels.len(), ste_types.len());
    let by_name: HashMap<&str, &xml::Label> = doc
        .vm_labels
        .iter()
        .map(|l| (l.name.value.as_str(), l))
        .collect();
    for (row, name) in vm_labels.iter().enumerate() {
        if let Some(l) = by_name.get(name.as_str()) {
            fill_row(&mut cw, row, &l.chwall, &chw_idx);
            fill_row(&mut ste, row, &l.ste, &ste_idx);
        }
    }
    let res_by_name: HashMap<&str, &xml::Label> = doc
        .res_labels
        .iter()
        .map(|l| (l.name.value.as_str(), l))
        .collect();
    for (j, name) in res_labels.iter().enumerate() {
        fill_row(
            &mut ste,
            vm_labels.len() + j,
            &res_by_name[name.as_str()].ste,
            &ste_idx,
        );
    }

    let mut sets: Vec<&xml::ConflictSet> = doc.conflict_sets.iter().collect();
    sets.sort_by(|a, b| a.name.value.cmp(&b.name.value));
    let mut conflict_sets = TypeMatrix::new(sets.len(), chwall_types.len());
    for (i, s) in sets.iter().enumerate() {
        fill_row(&mut conflict_sets, i, &s.types, &chw_idx);
    }

    let vm_index = vm_labels
        .iter()
        .enumerate()
        .map(|(i, n)| (n.clone(), i as u16))
        .collect();
    let res_index = res_labels
        .iter()
        .enumerate()
        .map(|(j, n)| (n.clone(), j as u16))
        .collect();
    let labels = LabelMap {
        policy_name: doc.name().to_string(),
        conflict_sets: sets.iter().map(|s| s.name.value.clone()).collect(),
        vm_labels,
        res_labels,
        ste_types,
        chwall_types,
        vm_index,
        res_index,
    };
    let binary = BinaryPolicy {
        name: doc.name().to_string(),
        version: doc.version(),
        xml_hash: None,
        primary: PolicyCode::ChineseWall,
        secondary: PolicyCode::SimpleTypeEnforcement,
        chwall: Some(ChwallBlock {
            ssids: cw,
            conflict_sets,
        }),
        ste: Some(SteBlock { ssids: ste }),
    };
    Ok(CompiledPolicy {
        doc: doc.clone(),
        binary,
        labels,
    })
}

/// Parses, validates and compiles an XML policy.
pub fn compile_xml(text: &str) -> Result<CompiledPolicy, PolicyErrors> {
    compile(&xml::parse_policy(text)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MYTEST: &str = include_str!("../../examples/acm/mytest-security_policy.xml");

    #[test]
    fn mytest_numbering_follows_xen() {
        let c = compile_xml(MYTEST).unwrap();
        let l = &c.labels;
        assert_eq!(
            l.vm_labels,
            [
                "__UNLABELED__",
                "SystemManagement",
                "A-Bank",
                "A-Bank.MarketAnalysis",
                "A-Bank.SecurityUnderwriting",
                "AutoCorp",
                "B-Bank"
            ]
        );
        assert_eq!(l.vm_ssidref("A-Bank"), Some(Ssidref(0x0002_0002)));
        assert_eq!(l.vm_ssidref("SystemManagement"), Some(Ssidref(0x0001_0001)));
        assert_eq!(l.vm_ssidref("__UNLABELED__"), Some(Ssidref::NULL));
        // Resources: 6 labelled (UNLABELED excluded), sorted, after 7 VM rows.
        assert_eq!(l.res_labels[0], "A-Bank");
        assert_eq!(l.res_ssidref("A-Bank"), Some(Ssidref(0x0007_0000)));
        assert_eq!(
            l.res_ssidref("SystemManagement"),
            Some(Ssidref(0x000c_0000))
        );
        assert_eq!(l.res_ssidref("__UNLABELED__"), Some(Ssidref::NULL));
        assert_eq!(
            l.vm_label(Ssidref(0x0004_0004)),
            Some("A-Bank.SecurityUnderwriting")
        );
        assert_eq!(l.ste_types[0], "A-Bank");
        assert_eq!(l.ste_types[6], "__UNLABELED__");

        let cw = c.binary.chwall.as_ref().unwrap();
        assert_eq!((cw.ssids.rows(), cw.ssids.types()), (7, 7));
        assert_eq!(cw.conflict_sets.rows(), 2);
        // Row 0 (__UNLABELED__) carries the __UNLABELED__ type.
        assert_eq!(cw.ssids.row_types(0).collect::<Vec<_>>(), [6]);
        let ste = c.binary.ste.as_ref().unwrap();
        assert_eq!(ste.ssids.rows(), 13);
        assert_eq!(
            ste.ssids.row_types(1).count(),
            7,
            "SystemManagement has all"
        );
        let map = l.map_file(&c.doc);
        assert!(map.contains("LABEL->SSID VM  STE    A-Bank               2"));
        assert!(map.contains("LABEL->SSID RES STE    A-Bank               7"));
    }

    #[test]
    fn binary_round_trip_of_compiled_policy() {
        let c = compile_xml(MYTEST).unwrap();
        let bytes = c.binary.to_bytes();
        let back = BinaryPolicy::from_bytes(&bytes).unwrap();
        assert_eq!(back, c.binary);
        assert_eq!(back.to_bytes(), bytes);
    }
}
