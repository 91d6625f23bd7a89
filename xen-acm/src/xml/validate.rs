//! Semantic validation of a parsed policy: names, duplicates, type
//! references, conflicting Chinese Wall types, the bootstrap label.

use std::collections::HashMap;
use std::format;
use std::string::{String, ToString};
use std::vec::Vec;

use super::{ErrorKind, Label, PolicyDoc, PolicyError, PolicyErrors, Pos, Spanned};

/// Reports the second and later occurrences of a name in `items`.
fn duplicates<'a>(
    what: &str,
    items: impl Iterator<Item = &'a Spanned<String>>,
    errs: &mut Vec<PolicyError>,
) {
    let mut seen: HashMap<&str, Pos> = HashMap::new();
    for s in items {
        if let Some(first) = seen.get(s.value.as_str()) {
            errs.push(PolicyError::new(
                s.pos,
                ErrorKind::Duplicate {
                    what: what.to_string(),
                    name: s.value.clone(),
                    first: *first,
                },
            ));
        } else {
            seen.insert(&s.value, s.pos);
        }
    }
}

fn no_colon(what: &str, s: &Spanned<String>, errs: &mut Vec<PolicyError>) {
    if s.value.contains(':') {
        errs.push(PolicyError::new(
            s.pos,
            ErrorKind::ColonInName {
                what: what.to_string(),
                name: s.value.clone(),
            },
        ));
    }
}

fn check_types(
    owner: &str,
    kind: &str,
    used: &[Spanned<String>],
    declared: &HashMap<&str, Pos>,
    errs: &mut Vec<PolicyError>,
) {
    for t in used {
        if !declared.contains_key(t.value.as_str()) {
            errs.push(PolicyError::new(
                t.pos,
                ErrorKind::UndefinedType {
                    owner: owner.to_string(),
                    kind: kind.to_string(),
                    name: t.value.clone(),
                },
            ));
        }
    }
}

fn declared(types: &[Spanned<String>]) -> HashMap<&str, Pos> {
    types.iter().map(|t| (t.value.as_str(), t.pos)).collect()
}

fn check_conflicts(doc: &PolicyDoc, l: &Label, errs: &mut Vec<PolicyError>) {
    for set in &doc.conflict_sets {
        let mut hit: Option<&Spanned<String>> = None;
        for t in &l.chwall {
            if !set.types.iter().any(|s| s.value == t.value) {
                continue;
            }
            match hit {
                Some(first) if first.value != t.value => {
                    errs.push(PolicyError::new(
                        t.pos,
                        ErrorKind::ConflictingTypes {
                            label: l.name.value.clone(),
                            set: set.name.value.clone(),
                            first: first.value.clone(),
                            second: t.value.clone(),
                        },
                    ));
                    break;
                }
                Some(_) => {}
                None => hit = Some(t),
            }
        }
    }
}

/// Checks everything the schema and Xen's tools check, and the rules the
/// manual states (no label with conflicting Chinese Wall types). Returns
/// every problem found, in source order.
pub fn validate(doc: &PolicyDoc) -> Result<(), PolicyErrors> {
    let mut errs = Vec::new();
    no_colon("policy name", &doc.header.name, &mut errs);

    duplicates("STE type", doc.ste_types.iter(), &mut errs);
    duplicates("Chinese Wall type", doc.chwall_types.iter(), &mut errs);
    duplicates("VM label", doc.vm_labels.iter().map(|l| &l.name), &mut errs);
    duplicates(
        "resource label",
        doc.res_labels.iter().map(|l| &l.name),
        &mut errs,
    );
    duplicates(
        "VM label rename source",
        doc.vm_labels.iter().filter_map(|l| l.from.as_ref()),
        &mut errs,
    );
    duplicates(
        "resource label rename source",
        doc.res_labels.iter().filter_map(|l| l.from.as_ref()),
        &mut errs,
    );

    let ste = declared(&doc.ste_types);
    let chw = declared(&doc.chwall_types);
    for set in &doc.conflict_sets {
        let owner = format!("conflict set {:?}", set.name.value);
        check_types(&owner, "Chinese Wall", &set.types, &chw, &mut errs);
        duplicates("type in conflict set", set.types.iter(), &mut errs);
    }
    for l in &doc.vm_labels {
        no_colon("VM label", &l.name, &mut errs);
        let owner = format!("VM label {:?}", l.name.value);
        check_types(&owner, "STE", &l.ste, &ste, &mut errs);
        check_types(&owner, "Chinese Wall", &l.chwall, &chw, &mut errs);
        check_conflicts(doc, l, &mut errs);
    }
    for l in &doc.res_labels {
        no_colon("resource label", &l.name, &mut errs);
        let owner = format!("resource label {:?}", l.name.value);
        check_types(&owner, "STE", &l.ste, &ste, &mut errs);
        if l.ste.len() != 1 {
            errs.push(PolicyError::new(
                l.name.pos,
                ErrorKind::ResourceTypeCount {
                    label: l.name.value.clone(),
                    count: l.ste.len(),
                },
            ));
        }
    }
    match &doc.bootstrap {
        None => errs.push(PolicyError::new(
            doc.header.name.pos,
            ErrorKind::NoSubjectLabels,
        )),
        Some(b) if doc.vm_label(&b.value).is_none() => errs.push(PolicyError::new(
            b.pos,
            ErrorKind::UnknownBootstrap(b.value.clone()),
        )),
        Some(_) => {}
    }
    if errs.is_empty() {
        Ok(())
    } else {
        errs.sort_by_key(|e| e.pos);
        Err(PolicyErrors(errs))
    }
}
