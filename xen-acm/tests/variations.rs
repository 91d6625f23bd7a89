//! Variations on the manual's walkthrough: other names and shapes,
//! migration and save/restore, and policy updates that must be refused.

use xen_acm::manage::{AcmSystem, DomainConfig, LabelKind, ManageError};
use xen_acm::xml::ErrorKind;

/// A policy `acme` with workload types Red, Green, Blue, an operations type
/// Ops, conflict set {Red, Green}, a storage label carrying Red and Blue,
/// and bootstrap label "Control" (not "SystemManagement").
fn acme(version: &str, from: Option<&str>, extra_label: &str, extra_conflict: &str) -> String {
    let from = from.map_or(String::new(), |v| {
        format!("<FromPolicy><PolicyName>acme</PolicyName><Version>{v}</Version></FromPolicy>")
    });
    let vm = |name: &str, ste: &[&str], cw: &[&str]| {
        let t = |ts: &[&str]| {
            ts.iter()
                .map(|t| format!("<Type>{t}</Type>"))
                .collect::<String>()
        };
        format!(
            "<VirtualMachineLabel><Name>{name}</Name><SimpleTypeEnforcementTypes>{}</SimpleTypeEnforcementTypes><ChineseWallTypes>{}</ChineseWallTypes></VirtualMachineLabel>\n",
            t(ste),
            t(cw)
        )
    };
    let res = |name: &str, ty: &str| {
        format!("<ResourceLabel><Name>{name}</Name><SimpleTypeEnforcementTypes><Type>{ty}</Type></SimpleTypeEnforcementTypes></ResourceLabel>\n")
    };
    format!(
        r#"<?xml version="1.0"?>
<SecurityPolicyDefinition xmlns="http://www.ibm.com">
<PolicyHeader><PolicyName>acme</PolicyName><Version>{version}</Version>{from}</PolicyHeader>
<SimpleTypeEnforcement><SimpleTypeEnforcementTypes>
<Type>Ops</Type><Type>Red</Type><Type>Green</Type><Type>Blue</Type>
</SimpleTypeEnforcementTypes></SimpleTypeEnforcement>
<ChineseWall><ChineseWallTypes>
<Type>Ops</Type><Type>Red</Type><Type>Green</Type><Type>Blue</Type><Type>Store</Type>
</ChineseWallTypes>
<ConflictSets><Conflict name="colours"><Type>Red</Type><Type>Green</Type></Conflict>{extra_conflict}</ConflictSets>
</ChineseWall>
<SecurityLabelTemplate>
<SubjectLabels bootstrap="Control">
{}{}{}{}{}{extra_label}</SubjectLabels>
<ObjectLabels>
{}{}{}</ObjectLabels>
</SecurityLabelTemplate>
</SecurityPolicyDefinition>
"#,
        vm("Control", &["Ops", "Red", "Green", "Blue"], &["Ops"]),
        vm("red", &["Red"], &["Red"]),
        vm("green", &["Green"], &["Green"]),
        vm("blue", &["Blue"], &["Blue"]),
        vm("storage", &["Red", "Blue"], &["Store"]),
        res("red-disk", "Red"),
        res("green-disk", "Green"),
        res("blue-disk", "Blue"),
    )
}

fn dom(name: &str, disk: &str) -> DomainConfig {
    DomainConfig::parse(&format!(
        "name = '{name}'\nmemory = 256\nvcpus = 2\ndisk = ['phy:{disk},xvda,w']\n"
    ))
}

fn labelled(s: &AcmSystem, name: &str, label: &str, disk: &str) -> DomainConfig {
    let mut c = dom(name, disk);
    s.addlabel_dom(&mut c, label, None).unwrap();
    c
}

fn booted() -> AcmSystem {
    let mut s = AcmSystem::boot_with_policy(&acme("2.0", None, "", "")).unwrap();
    for (disk, label) in [
        ("r1", "red-disk"),
        ("g1", "green-disk"),
        ("b1", "blue-disk"),
    ] {
        s.addlabel_res(&format!("phy:{disk}"), label, None).unwrap();
    }
    s
}

#[test]
fn other_names_and_shapes() {
    let mut s = booted();
    assert!(s
        .getpolicy()
        .contains("Policy configuration  : loaded, activated for boot"));
    assert_eq!(
        s.list_label()
            .lines()
            .nth(1)
            .unwrap()
            .split_whitespace()
            .last(),
        Some("ACM:acme:Control")
    );
    assert_eq!(
        s.labels(LabelKind::Res),
        ["blue-disk", "green-disk", "red-disk"]
    );
    assert_eq!(s.labels(LabelKind::Any).len(), 8);
    // The storage domain carries Red and Blue: it may use both disks.
    let st = labelled(&s, "st", "storage", "/dev/r1");
    s.create(&st).unwrap();
    let red = labelled(&s, "red", "red", "/dev/r1");
    // Sharing a disk is not ACM's business: only the labels are checked.
    s.create(&red).unwrap();
    assert_eq!(s.create(&red), Err(ManageError::DomainExists("red".into())));
    let green = labelled(&s, "green", "green", "g1");
    assert_eq!(s.create(&green), Err(ManageError::Conflict));
    let blue = labelled(&s, "blue", "blue", "b1");
    s.create(&blue).unwrap();
    // Cross-colour disk: green label on a blue disk.
    let mix = labelled(&s, "mix", "green", "b1");
    assert!(matches!(
        s.create(&mix),
        Err(ManageError::ResourceDenied(_))
    ));
    // Unlabeled domains are not covered: acme has no __UNLABELED__ type,
    // so the unlabeled disk and the Domain-0 channel are both denied.
    let unl = DomainConfig::parse("name = 'u'\nmemory = 64\n");
    assert_eq!(s.create(&unl), Err(ManageError::SharingDenied));
    // An unknown label and a label of another policy.
    let mut bad = dom("bad", "b1");
    assert!(matches!(
        s.addlabel_dom(&mut bad, "purple", None),
        Err(ManageError::UnknownLabel { .. })
    ));
    bad.set_access_control("mytest", "blue");
    assert!(matches!(
        s.create(&bad),
        Err(ManageError::WrongPolicy { .. })
    ));
}

#[test]
fn migration_and_save_restore_follow_the_chinese_wall() {
    let mut s = booted();
    let red = labelled(&s, "red", "red", "r1");
    let green = labelled(&s, "green", "green", "g1");
    s.create(&red).unwrap();
    let image = s.migrate_out("red").unwrap();
    assert!(s.domain("red").is_none());
    s.create(&green).unwrap();
    assert_eq!(s.migrate_in(image.clone()), Err(ManageError::Conflict));
    let saved_green = s.save("green").unwrap();
    let id = s.migrate_in(image).unwrap();
    assert_eq!(
        s.engine().ssidref_of(id),
        s.policy().labels.vm_ssidref("red")
    );
    assert_eq!(s.restore(saved_green.clone()), Err(ManageError::Conflict));
    s.shutdown("red").unwrap();
    s.restore(saved_green).unwrap();
    // Counters are back to Domain-0 + green only.
    let cw = s.engine().chwall_state();
    assert_eq!(
        cw.running.iter().sum::<u32>(),
        2,
        "Domain-0 and green are counted"
    );
}

#[test]
fn updates_that_must_be_refused_keep_the_old_policy() {
    let mut s = booted();
    s.create(&labelled(&s, "red", "red", "r1")).unwrap();
    s.create(&labelled(&s, "blue", "blue", "b1")).unwrap();

    // Not an update of acme 2.0.
    let e = s.setpolicy(&acme("2.1", Some("1.0"), "", "")).unwrap_err();
    let ManageError::Policy(errs) = e else {
        panic!()
    };
    assert!(matches!(
        errs.0[0].kind,
        ErrorKind::FromPolicyMismatch { .. }
    ));
    assert_eq!(errs.0[0].pos.line, 3);
    // Version does not grow.
    let e = s.setpolicy(&acme("2.0", Some("2.0"), "", "")).unwrap_err();
    let ManageError::Policy(errs) = e else {
        panic!()
    };
    assert!(matches!(
        errs.0[0].kind,
        ErrorKind::VersionNotIncreasing { .. }
    ));
    assert!(errs.to_string().starts_with("3:"), "{errs}");
    // No FromPolicy at all.
    let e = s.setpolicy(&acme("3.0", None, "", "")).unwrap_err();
    assert!(
        matches!(e, ManageError::Policy(ref p) if matches!(p.0[0].kind, ErrorKind::FromPolicyMissing { .. }))
    );
    // A rename from a label that does not exist.
    let renamed = acme("2.1", Some("2.0"), "", "")
        .replace("<Name>blue</Name>", "<Name from=\"cyan\">blue</Name>");
    let e = s.setpolicy(&renamed).unwrap_err();
    assert!(
        matches!(e, ManageError::Policy(ref p) if matches!(p.0[0].kind, ErrorKind::BadRename { .. }))
    );
    // Deleting the running red label.
    let no_red = acme("2.1", Some("2.0"), "", "").replace(
        "<VirtualMachineLabel><Name>red</Name><SimpleTypeEnforcementTypes><Type>Red</Type></SimpleTypeEnforcementTypes><ChineseWallTypes><Type>Red</Type></ChineseWallTypes></VirtualMachineLabel>\n",
        "",
    );
    assert!(
        matches!(s.setpolicy(&no_red), Err(ManageError::Refused(ref m)) if m.contains("'red' would lose its label"))
    );
    // A new conflict set {Red, Blue} while both run.
    let rb = r#"<Conflict name="rb"><Type>Red</Type><Type>Blue</Type></Conflict>"#;
    assert!(
        matches!(s.setpolicy(&acme("2.1", Some("2.0"), "", rb)), Err(ManageError::Refused(ref m)) if m.contains("Chinese Wall"))
    );
    // The blue disk label's type changes so blue would lose its disk.
    let moved = acme("2.1", Some("2.0"), "", "").replace(
        "<Name>blue-disk</Name><SimpleTypeEnforcementTypes><Type>Blue</Type>",
        "<Name>blue-disk</Name><SimpleTypeEnforcementTypes><Type>Green</Type>",
    );
    assert!(
        matches!(s.setpolicy(&moved), Err(ManageError::Refused(ref m)) if m.contains("lose access"))
    );

    // Everything above left acme 2.0 in force.
    assert!(s.getpolicy().contains("Version of XML policy : 2.0"));
    assert_eq!(s.getlabel_res("phy:b1").unwrap(), "ACM:acme:blue-disk");

    // A good update: rename red → crimson (domain and disk label follow),
    // add a label.
    let good = acme(
        "2.1",
        Some("2.0"),
        "<VirtualMachineLabel><Name>audit</Name><SimpleTypeEnforcementTypes><Type>Ops</Type></SimpleTypeEnforcementTypes></VirtualMachineLabel>",
        "",
    )
    .replace("<Name>red</Name>", "<Name from=\"red\">crimson</Name>")
    .replace("<Name>red-disk</Name>", "<Name from=\"red-disk\">crimson-disk</Name>");
    s.setpolicy(&good).unwrap();
    assert_eq!(s.getlabel_mgt("red").unwrap(), "ACM:acme:crimson");
    assert_eq!(
        s.getlabel_res("phy:/dev/r1").unwrap(),
        "ACM:acme:crimson-disk"
    );
    let id = s.domain("red").unwrap().domid.unwrap();
    assert_eq!(
        s.engine().ssidref_of(id),
        s.policy().labels.vm_ssidref("crimson")
    );
    // Green still conflicts with (renamed) red.
    assert_eq!(
        s.create(&labelled(&s, "green", "green", "g1")),
        Err(ManageError::Conflict)
    );
}
