use super::*;

const MYTEST: &str = include_str!("../../../examples/acm/mytest-security_policy.xml");

#[test]
fn boots_into_default() {
    let s = AcmSystem::boot();
    assert_eq!(s.labels(LabelKind::Dom), ["SystemManagement"]);
    assert!(s.list_label().contains("ACM:DEFAULT:SystemManagement"));
    let c = simple_config("d", 64, &[]);
    assert_eq!(s.getlabel_dom(&c), Err(ManageError::NotLabeled));
}

#[test]
fn resource_labels_refused_while_in_use() {
    let mut s = AcmSystem::boot();
    s.setpolicy(MYTEST).unwrap();
    s.addlabel_res("file:/img", "A-Bank", None).unwrap();
    let mut c = simple_config("d1", 64, &["file:/img"]);
    s.addlabel_dom(&mut c, "A-Bank", Some("mytest")).unwrap();
    s.create(&c).unwrap();
    assert_eq!(
        s.addlabel_res("file:/img", "B-Bank", None),
        Err(ManageError::ResourceInUse("file:/img".into()))
    );
    assert_eq!(
        s.rmlabel_res("file:/img"),
        Err(ManageError::ResourceInUse("file:/img".into()))
    );
    assert!(matches!(
        s.addlabel_res("file:/x", "Nope", None),
        Err(ManageError::UnknownLabel { .. })
    ));
    assert!(matches!(
        s.addlabel_res("file:/x", "A-Bank", Some("other")),
        Err(ManageError::WrongPolicy { .. })
    ));
    s.shutdown("d1").unwrap();
    s.rmlabel_res("file:/img").unwrap();
    assert!(s.getlabel_res("file:/img").is_err());
}

#[test]
fn resource_file_round_trips_through_the_system() {
    let mut s = AcmSystem::boot();
    s.setpolicy(MYTEST).unwrap();
    s.addlabel_res("phy:sda1", "B-Bank", None).unwrap();
    let text = s.resource_file();
    assert!(text.contains("'phy:/dev/sda1': ('ACM', 'mytest', 'B-Bank')"));
    let mut t = AcmSystem::boot();
    t.load_resource_file(&text).unwrap();
    assert_eq!(
        t.getlabel_res("phy:/dev/sda1").unwrap(),
        "ACM:mytest:B-Bank"
    );
}
