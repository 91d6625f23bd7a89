use std::string::{String, ToString};

use super::*;

const MYTEST: &str = include_str!("../../../examples/acm/mytest-security_policy.xml");
const UPDATE: &str = include_str!("../../../examples/acm/mytest_update-security_policy.xml");
const EXAMPLE: &str = include_str!("../../../examples/acm/example/test-security_policy.xml");

/// A small policy; `{STE}`, `{LABEL}` and `{VERSION}` are substituted.
const TEMPLATE: &str = r#"<?xml version="1.0"?>
<SecurityPolicyDefinition xmlns="http://www.ibm.com">
  <PolicyHeader>
    <PolicyName>p</PolicyName>
    <Version>{VERSION}</Version>
  </PolicyHeader>
  <SimpleTypeEnforcement>
    <SimpleTypeEnforcementTypes>
      <Type>SM</Type>
      {STE}
    </SimpleTypeEnforcementTypes>
  </SimpleTypeEnforcement>
  <ChineseWall>
    <ChineseWallTypes>
      <Type>SM</Type>
      <Type>X</Type>
      <Type>Y</Type>
    </ChineseWallTypes>
    <ConflictSets>
      <Conflict name="xy"><Type>X</Type><Type>Y</Type></Conflict>
    </ConflictSets>
  </ChineseWall>
  <SecurityLabelTemplate>
    <SubjectLabels bootstrap="SM">
      <VirtualMachineLabel>
        <Name>SM</Name>
        <SimpleTypeEnforcementTypes><Type>SM</Type></SimpleTypeEnforcementTypes>
        <ChineseWallTypes><Type>SM</Type></ChineseWallTypes>
      </VirtualMachineLabel>
      {LABEL}
    </SubjectLabels>
  </SecurityLabelTemplate>
</SecurityPolicyDefinition>
"#;

fn policy(ste: &str, label: &str, version: &str) -> String {
    TEMPLATE
        .replace("{STE}", ste)
        .replace("{LABEL}", label)
        .replace("{VERSION}", version)
}

fn one_error(text: &str) -> PolicyError {
    let errs = parse_policy(text).unwrap_err();
    assert_eq!(errs.0.len(), 1, "{errs}");
    errs.0[0].clone()
}

#[test]
fn parses_the_manuals_policies() {
    let p = parse_policy(MYTEST).unwrap();
    assert_eq!(p.name(), "mytest");
    assert_eq!(p.version(), crate::types::PolicyVersion::new(1, 0));
    assert_eq!(p.ste_types.len(), 7);
    assert_eq!(p.conflict_sets.len(), 2);
    assert_eq!(p.conflict_sets[0].name.value, "RER");
    assert_eq!(p.vm_labels.len(), 7);
    assert_eq!(p.res_labels.len(), 7);
    assert_eq!(p.bootstrap.as_ref().unwrap().value, "SystemManagement");
    let su = p.vm_label("A-Bank.SecurityUnderwriting").unwrap();
    assert_eq!(su.chwall.len(), 2);

    let u = parse_policy(UPDATE).unwrap();
    let from = u.header.from_policy.as_ref().unwrap();
    assert_eq!(from.name.value, "mytest");
    assert_eq!(u.version().to_string(), "1.1");
    let renamed = u.vm_label("A-Bank.SU").unwrap();
    assert_eq!(
        renamed.from.as_ref().unwrap().value,
        "A-Bank.SecurityUnderwriting"
    );

    let e = parse_policy(EXAMPLE).unwrap();
    assert_eq!(e.name(), "example.test");
    assert_eq!(e.vm_labels.len(), 4);
}

#[test]
fn names_are_trimmed_like_the_manuals_update_figure() {
    let label = r#"<VirtualMachineLabel>
        <Name from="Old">
                X-label</Name>
        <ChineseWallTypes><Type>X</Type></ChineseWallTypes>
      </VirtualMachineLabel>"#;
    let p = parse_policy(&policy("", label, "1.0")).unwrap();
    assert_eq!(p.vm_labels[1].name.value, "X-label");
    assert_eq!(p.vm_labels[1].from.as_ref().unwrap().value, "Old");
    assert!(p.vm_labels[1].ste.is_empty());
}

#[test]
fn undefined_type_in_label_names_line_and_column() {
    let label = "<VirtualMachineLabel><Name>L</Name>\n<SimpleTypeEnforcementTypes><Type>Nope</Type></SimpleTypeEnforcementTypes></VirtualMachineLabel>";
    let e = one_error(&policy("", label, "1.0"));
    assert_eq!(e.pos, Pos::new(31, 29));
    assert!(matches!(e.kind, ErrorKind::UndefinedType { ref name, .. } if name == "Nope"));
    let msg = e.to_string();
    assert!(
        msg.starts_with("31:29: VM label \"L\" uses undefined STE type \"Nope\""),
        "{msg}"
    );
}

#[test]
fn conflicting_chinese_wall_types_in_one_label() {
    let label = "<VirtualMachineLabel><Name>Both</Name><ChineseWallTypes><Type>X</Type><Type>Y</Type></ChineseWallTypes></VirtualMachineLabel>";
    let e = one_error(&policy("", label, "1.0"));
    assert_eq!(e.pos.line, 30);
    match e.kind {
        ErrorKind::ConflictingTypes {
            label,
            set,
            first,
            second,
        } => {
            assert_eq!((label.as_str(), set.as_str()), ("Both", "xy"));
            assert_eq!((first.as_str(), second.as_str()), ("X", "Y"));
        }
        k => panic!("{k}"),
    }
}

#[test]
fn duplicates_point_at_both_declarations() {
    let e = one_error(&policy("<Type>SM</Type>", "", "1.0"));
    assert_eq!(e.pos, Pos::new(10, 7));
    assert!(matches!(e.kind, ErrorKind::Duplicate { first, .. } if first == Pos::new(9, 7)));
    let dup_label = "<VirtualMachineLabel><Name>SM</Name></VirtualMachineLabel>";
    let e = one_error(&policy("", dup_label, "1.0"));
    assert!(matches!(e.kind, ErrorKind::Duplicate { ref what, .. } if what == "VM label"));
}

#[test]
fn malformed_versions() {
    for bad in ["1", "1.x", "1.2.3", "123456789.1", ""] {
        let errs = parse_policy(&policy("", "", bad)).unwrap_err();
        let e = &errs.0[0];
        assert_eq!(e.pos.line, 5, "{bad}: {e}");
        assert!(
            matches!(
                e.kind,
                ErrorKind::MalformedVersion { .. } | ErrorKind::Empty(_)
            ),
            "{bad}: {e}"
        );
    }
}

#[test]
fn structural_errors() {
    let e = one_error("<SecurityPolicyDefinition><PolicyHeader>");
    assert!(matches!(e.kind, ErrorKind::Xml(_)));
    let e = one_error("<Other/>");
    assert!(matches!(e.kind, ErrorKind::UnexpectedElement { .. }));
    let no_tmpl = policy("", "", "1.0").replace("SecurityLabelTemplate", "Bogus");
    let e = one_error(&no_tmpl);
    assert!(matches!(e.kind, ErrorKind::UnexpectedElement { ref found, .. } if found == "Bogus"));
    let e = one_error(&policy("", "", "1.0").replace(r#" bootstrap="SM""#, ""));
    assert!(matches!(e.kind, ErrorKind::MissingAttribute { .. }));
    let e = one_error(&policy("", "", "1.0").replace(r#"bootstrap="SM""#, r#"bootstrap="Zed""#));
    assert_eq!(e.kind, ErrorKind::UnknownBootstrap("Zed".into()));
    let e = one_error(&policy("", "", "1.0").replace("<PolicyName>p", "<PolicyName>a:b"));
    assert!(matches!(e.kind, ErrorKind::ColonInName { .. }));
    let e = one_error(&policy("", "", "1.0").replace(r#"name="xy""#, ""));
    assert!(matches!(e.kind, ErrorKind::MissingAttribute { .. }));
    let e = one_error(
        &policy("", "", "1.0").replace("<Type>Y</Type></Conflict>", "<Type>Q</Type></Conflict>"),
    );
    assert!(matches!(e.kind, ErrorKind::UndefinedType { .. }));
    let e = one_error(&policy("stray text", "", "1.0"));
    assert!(matches!(e.kind, ErrorKind::UnexpectedText { .. }));
    let e = one_error(
        &policy("", "", "1.0").replace("xmlns=\"http://www.ibm.com\"", "xmlns=\"urn:x\""),
    );
    assert!(matches!(e.kind, ErrorKind::WrongNamespace { .. }));
}

#[test]
fn resource_labels_need_one_type() {
    let text = policy("<Type>R</Type>", "", "1.0").replace(
        "</SubjectLabels>",
        "</SubjectLabels><ObjectLabels><ResourceLabel><Name>R</Name><SimpleTypeEnforcementTypes><Type>R</Type><Type>SM</Type></SimpleTypeEnforcementTypes></ResourceLabel></ObjectLabels>",
    );
    let e = one_error(&text);
    assert!(matches!(
        e.kind,
        ErrorKind::ResourceTypeCount { count: 2, .. }
    ));
}

#[test]
fn several_errors_are_all_reported_in_order() {
    let label = "<VirtualMachineLabel><Name>a:b</Name><SimpleTypeEnforcementTypes><Type>Q</Type></SimpleTypeEnforcementTypes></VirtualMachineLabel>";
    let errs = parse_policy(&policy("<Type>SM</Type>", label, "1.0")).unwrap_err();
    assert_eq!(errs.0.len(), 3, "{errs}");
    assert!(errs.0.windows(2).all(|w| w[0].pos <= w[1].pos));
}
