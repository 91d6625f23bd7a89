//! The whole sHype/ACM walkthrough of chapter 10 of the Xen 3 user manual,
//! executed against the management model.

use xen_acm::manage::{AcmSystem, DomainConfig, LabelKind, ManageError};

const MYTEST: &str = include_str!("../../examples/acm/mytest-security_policy.xml");
const UPDATE: &str = include_str!("../../examples/acm/mytest_update-security_policy.xml");
const EXAMPLE: &str = include_str!("../../examples/acm/example/test-security_policy.xml");

const IMG: &str = "file:/home/xen/dom_fc5/fedora.fc5.img";
const SWAP: &str = "file:/home/xen/dom_fc5/fedora.fc5.swap";

fn config(name: &str, memory: u64, disks: &[&str]) -> DomainConfig {
    let disks: Vec<String> = disks
        .iter()
        .enumerate()
        .map(|(i, d)| format!("'{d},sda{},w'", i + 1))
        .collect();
    DomainConfig::parse(&format!(
        "kernel = \"/boot/vmlinuz-2.6.18.8-xen\"\nmemory = {memory}\nname = \"{name}\"\nvif = ['']\ndhcp = \"dhcp\"\ndisk = [{}]\nroot = \"/dev/sda1 ro xencons=tty\"\n",
        disks.join(", \\\n        ")
    ))
}

/// `(name, label)` of each `xm list --label` row, in printed order.
fn listing(s: &AcmSystem) -> Vec<(String, String)> {
    s.list_label()
        .lines()
        .skip(1)
        .map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            (cols[0].to_string(), cols[cols.len() - 1].to_string())
        })
        .collect()
}

fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn manual_walkthrough() {
    // --- 10.2.1: boot into the DEFAULT policy -------------------------------
    let mut s = AcmSystem::boot();
    assert_eq!(
        s.getpolicy(),
        "Supported security subsystems   : ACM \n\nPolicy name           : DEFAULT\nPolicy type           : ACM\nVersion of XML policy : 1.0\nPolicy configuration  : loaded\n"
    );
    assert_eq!(s.labels(LabelKind::Dom), ["SystemManagement"]);
    assert_eq!(
        listing(&s),
        pairs(&[("Domain-0", "ACM:DEFAULT:SystemManagement")])
    );
    // "In this state, no domains can be started."
    let domain1 = config("domain1", 128, &[IMG, SWAP]);
    assert_eq!(
        s.create(&domain1),
        Err(ManageError::ResourceDenied(IMG.into()))
    );
    assert_eq!(
        s.create(&config("diskless", 64, &[])),
        Err(ManageError::SharingDenied)
    );

    // --- (5) xm setpolicy ACM mytest ---------------------------------------
    let out = s.setpolicy(MYTEST).unwrap();
    assert_eq!(
        out,
        "Successfully set the new policy.\nSupported security subsystems   : ACM \n\nPolicy name           : mytest\nPolicy type           : ACM\nVersion of XML policy : 1.0\nPolicy configuration  : loaded, activated for boot\n"
    );
    assert_eq!(
        listing(&s),
        pairs(&[("Domain-0", "ACM:mytest:SystemManagement")])
    );

    // --- 10.2.4: an unlabeled domain runs as __UNLABELED__ -----------------
    s.create(&domain1).unwrap();
    assert_eq!(
        listing(&s),
        pairs(&[
            ("domain1", "ACM:mytest:__UNLABELED__"),
            ("Domain-0", "ACM:mytest:SystemManagement"),
        ])
    );
    s.shutdown("domain1").unwrap();
    assert_eq!(
        listing(&s),
        pairs(&[("Domain-0", "ACM:mytest:SystemManagement")])
    );
    assert_eq!(
        s.labels(LabelKind::Dom),
        [
            "A-Bank",
            "A-Bank.MarketAnalysis",
            "A-Bank.SecurityUnderwriting",
            "AutoCorp",
            "B-Bank",
            "SystemManagement",
            "__UNLABELED__"
        ]
    );

    // --- (6) label domain1 A-Bank and domain2 B-Bank -----------------------
    let mut domain1 = domain1;
    let mut domain2 = config("domain2", 164, &["file:/home/xen/dom2.img"]);
    s.addlabel_dom(&mut domain1, "A-Bank", None).unwrap();
    s.addlabel_dom(&mut domain2, "B-Bank", None).unwrap();
    assert!(domain1
        .text()
        .contains("access_control = ['policy=mytest,label=A-Bank']"));
    // The denied block device.
    assert_eq!(
        s.create(&domain1).unwrap_err().to_string(),
        "VM's access to block device 'file:/home/xen/dom_fc5/fedora.fc5.img' denied"
    );

    // --- (7) label the resources -------------------------------------------
    s.addlabel_res(IMG, "A-Bank", None).unwrap();
    s.addlabel_res(SWAP, "A-Bank", None).unwrap();
    assert_eq!(
        s.resources(),
        format!(
            "{IMG}\n      type: ACM\n    policy: mytest\n    label:  A-Bank\n{SWAP}\n      type: ACM\n    policy: mytest\n    label:  A-Bank\n"
        )
    );
    s.create(&domain1).unwrap();
    assert_eq!(
        listing(&s),
        pairs(&[
            ("domain1", "ACM:mytest:A-Bank"),
            ("Domain-0", "ACM:mytest:SystemManagement"),
        ])
    );

    // --- (8) the conflict set refuses in both directions -------------------
    s.addlabel_res("file:/home/xen/dom2.img", "B-Bank", None)
        .unwrap();
    assert_eq!(
        s.create(&domain2).unwrap_err().to_string(),
        "'Domain in conflict set with running domains'"
    );
    s.shutdown("domain1").unwrap();
    s.create(&domain2).unwrap();
    assert_eq!(
        listing(&s),
        pairs(&[
            ("domain2", "ACM:mytest:B-Bank"),
            ("Domain-0", "ACM:mytest:SystemManagement"),
        ])
    );
    assert_eq!(s.create(&domain1), Err(ManageError::Conflict));
    // AutoCorp runs alongside either bank.
    let mut auto = config("auto", 64, &[]);
    s.addlabel_dom(&mut auto, "AutoCorp", None).unwrap();
    s.create(&auto).unwrap();
    s.shutdown("auto").unwrap();
    s.shutdown("domain2").unwrap();

    // --- STE: the swap file relabelled B-Bank is denied to domain1 ---------
    s.rmlabel_res(SWAP).unwrap();
    s.addlabel_res(SWAP, "B-Bank", None).unwrap();
    assert_eq!(s.getlabel_res(SWAP).unwrap(), "ACM:mytest:B-Bank");
    assert_eq!(
        s.create(&domain1).unwrap_err().to_string(),
        "VM's access to block device 'file:/home/xen/dom_fc5/fedora.fc5.swap' denied"
    );

    // --- 10.2.7: Domain-0's label restricts what runs -----------------------
    s.rmlabel_res(SWAP).unwrap();
    s.addlabel_res(SWAP, "A-Bank", None).unwrap();
    s.create(&domain1).unwrap();
    assert_eq!(
        s.addlabel_mgt("Domain-0", "A-Bank").unwrap(),
        "Successfully set the label of domain 'Domain-0' to 'A-Bank'."
    );
    assert_eq!(
        listing(&s),
        pairs(&[
            ("Domain-0", "ACM:mytest:A-Bank"),
            ("domain1", "ACM:mytest:A-Bank"),
        ])
    );
    let mut domain3 = config("domain3", 164, &["file:/home/xen/dom3.img"]);
    s.addlabel_dom(&mut domain3, "AutoCorp", None).unwrap();
    s.addlabel_res("file:/home/xen/dom3.img", "AutoCorp", None)
        .unwrap();
    assert_eq!(
        s.create(&domain3).unwrap_err().to_string(),
        "VM is not authorized to run."
    );
    let domain4 = config("domain4", 164, &[]);
    assert_eq!(
        s.getlabel_dom(&domain4).unwrap_err().to_string(),
        "'Domain not labeled'"
    );
    assert_eq!(s.create(&domain4), Err(ManageError::NotAuthorized));
    s.addlabel_mgt("Domain-0", "SystemManagement").unwrap();
    s.create(&domain3).unwrap();
    assert_eq!(
        listing(&s),
        pairs(&[
            ("domain1", "ACM:mytest:A-Bank"),
            ("domain3", "ACM:mytest:AutoCorp"),
            ("Domain-0", "ACM:mytest:SystemManagement"),
        ])
    );
    // Relabelling Domain-0 is refused while AutoCorp runs.
    assert!(matches!(
        s.addlabel_mgt("Domain-0", "A-Bank"),
        Err(ManageError::Refused(_))
    ));

    // --- 10.2.8: managed domains --------------------------------------------
    s.new_managed(&config("managed1", 128, &[])).unwrap();
    let rows = s.list_label();
    let row = rows.lines().find(|l| l.starts_with("managed1")).unwrap();
    assert!(row.contains("   -1   128     1     ------"), "{row}");
    assert!(row.ends_with("ACM:mytest:__UNLABELED__"));
    assert_eq!(
        s.addlabel_mgt("managed1", "A-Bank").unwrap(),
        "Successfully set the label of the dormant domain 'managed1' to 'A-Bank'."
    );
    assert_eq!(s.getlabel_mgt("managed1").unwrap(), "ACM:mytest:A-Bank");
    assert_eq!(
        s.addlabel_mgt("domain1", "B-Bank"),
        Err(ManageError::DomainRunning("domain1".into()))
    );

    // --- 10.3.4: resetpolicy ------------------------------------------------
    assert!(s.resetpolicy().is_err(), "user domains of mytest still run");
    assert!(s.getpolicy().contains("Policy name           : mytest"));
    s.shutdown("domain1").unwrap();
    s.shutdown("domain3").unwrap();
    assert_eq!(
        s.resetpolicy().unwrap(),
        "Successfully reset the system's policy."
    );
    assert!(s.getpolicy().ends_with("Policy name           : DEFAULT\nPolicy type           : ACM\nVersion of XML policy : 1.0\nPolicy configuration  : loaded\n"));
    let res = s.resources();
    assert!(res.contains(&format!(
        "{SWAP}\n      type: INV_ACM\n    policy: mytest\n    label:  A-Bank\n"
    )));
    assert!(!res.contains("type: ACM\n"));
    assert_eq!(s.getlabel_mgt("managed1").unwrap(), "INV_ACM:mytest:A-Bank");
    assert_eq!(
        s.start("managed1"),
        Err(ManageError::WrongPolicy {
            active: "DEFAULT".into(),
            label_policy: "INV_ACM:mytest:A-Bank".into(),
        })
    );
    s.delete("managed1").unwrap();

    s.setpolicy(EXAMPLE).unwrap();
    assert_eq!(
        s.labels(LabelKind::Dom),
        ["CocaCola", "PepsiCo", "SystemManagement", "VIO"]
    );
    assert_eq!(
        listing(&s),
        pairs(&[("Domain-0", "ACM:example.test:SystemManagement")])
    );
    // example.test cannot simply replace itself with mytest: no FromPolicy.
    assert!(matches!(s.setpolicy(MYTEST), Err(ManageError::Policy(_))));
    s.resetpolicy().unwrap();
    assert_eq!(
        listing(&s),
        pairs(&[("Domain-0", "ACM:DEFAULT:SystemManagement")])
    );
    s.setpolicy(MYTEST).unwrap();
    assert_eq!(s.labels(LabelKind::Dom).len(), 7);

    // --- 10.3.5: the run-time update ----------------------------------------
    // Invalidated resource labels are relabelled by hand.
    s.addlabel_res(IMG, "A-Bank", None).unwrap();
    s.addlabel_res(SWAP, "A-Bank", None).unwrap();
    s.addlabel_res("file:/home/xen/dom3.img", "AutoCorp", None)
        .unwrap();
    s.create(&domain1).unwrap();
    let mut domain4 = config("domain4", 164, &["file:/home/xen/dom4.img"]);
    s.addlabel_dom(&mut domain4, "A-Bank.SecurityUnderwriting", None)
        .unwrap();
    s.addlabel_res(
        "file:/home/xen/dom4.img",
        "A-Bank.SecurityUnderwriting",
        None,
    )
    .unwrap();
    s.create(&domain4).unwrap();
    assert_eq!(
        listing(&s),
        pairs(&[
            ("domain1", "ACM:mytest:A-Bank"),
            ("domain4", "ACM:mytest:A-Bank.SecurityUnderwriting"),
            ("Domain-0", "ACM:mytest:SystemManagement"),
        ])
    );
    let out = s.setpolicy(UPDATE).unwrap();
    assert!(out.contains("Policy name           : mytest\n"));
    assert!(out.contains("Version of XML policy : 1.1\n"));
    assert!(out.ends_with("Policy configuration  : loaded, activated for boot\n"));
    assert_eq!(
        listing(&s),
        pairs(&[
            ("domain1", "ACM:mytest:A-Bank"),
            ("domain4", "ACM:mytest:A-Bank.SU"),
            ("Domain-0", "ACM:mytest:SystemManagement"),
        ])
    );
    // The manual's listing here omits SystemManagement, which the update
    // keeps (and its 1.0 listing shows); we list every VM label.
    assert_eq!(
        s.labels(LabelKind::Dom),
        [
            "A-Bank",
            "A-Bank-WL",
            "A-Bank.MA",
            "A-Bank.SU",
            "AutoCorp",
            "B-Bank",
            "SystemManagement"
        ]
    );
    assert_eq!(s.getlabel_res(IMG).unwrap(), "ACM:mytest:A-Bank");
    assert_eq!(s.getlabel_res(SWAP).unwrap(), "ACM:mytest:A-Bank");
    assert_eq!(
        s.getlabel_res("file:/home/xen/dom4.img").unwrap(),
        "ACM:mytest:A-Bank.SU"
    );
    // The engine moved domain4 to the renamed label's ssidref.
    let su = s.policy().labels.vm_ssidref("A-Bank.SU").unwrap();
    let d4 = s.domain("domain4").unwrap().domid.unwrap();
    assert_eq!(s.engine().ssidref_of(d4), Some(su));

    // Domain-0 relabelled A-Bank-WL: AutoCorp may no longer run.
    assert_eq!(
        s.addlabel_mgt("Domain-0", "A-Bank-WL").unwrap(),
        "Successfully set the label of domain 'Domain-0' to 'A-Bank-WL'."
    );
    assert_eq!(
        listing(&s),
        pairs(&[
            ("domain1", "ACM:mytest:A-Bank"),
            ("Domain-0", "ACM:mytest:A-Bank-WL"),
            ("domain4", "ACM:mytest:A-Bank.SU"),
        ])
    );
    assert_eq!(
        s.getlabel_dom(&domain3).unwrap(),
        "policytype=ACM,policy=mytest,label=AutoCorp"
    );
    assert_eq!(s.create(&domain3), Err(ManageError::NotAuthorized));
    s.addlabel_mgt("Domain-0", "SystemManagement").unwrap();
    s.create(&domain3).unwrap();
    assert_eq!(
        listing(&s),
        pairs(&[
            ("domain1", "ACM:mytest:A-Bank"),
            ("domain4", "ACM:mytest:A-Bank.SU"),
            ("domain3", "ACM:mytest:AutoCorp"),
            ("Domain-0", "ACM:mytest:SystemManagement"),
        ])
    );
}
