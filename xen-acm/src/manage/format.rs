//! Output formats of the `xm` security commands, byte for byte as Xen
//! 3.2's `xm` printed them.

use std::format;
use std::string::String;
use std::vec::Vec;

use super::label::SecLabel;
use super::resources::ResourceLabels;

/// One row of `xm list --label`.
#[derive(Clone, Debug, PartialEq)]
pub struct ListRow {
    /// Domain name.
    pub name: String,
    /// Domain id, or `-1` for a dormant managed domain.
    pub id: i32,
    /// Memory in MiB.
    pub mem: u64,
    /// vCPUs.
    pub vcpus: u32,
    /// State flags, e.g. `r-----`.
    pub state: String,
    /// CPU time in seconds.
    pub cpu_time: f64,
    /// `ACM:<policy>:<label>`.
    pub label: String,
}

/// `xm list --label`: header, then rows sorted (stably) by label, ignoring
/// case.
pub fn list_label(rows: &[ListRow]) -> String {
    let mut out = format!(
        "{:<40} {:>5} {:>5} {:>5} {:>10} {:>9} {:<10}\n",
        "Name", "ID", "Mem", "VCPUs", "State", "Time(s)", "Label"
    );
    let mut sorted: Vec<&ListRow> = rows.iter().collect();
    sorted.sort_by_key(|r| r.label.to_lowercase());
    for r in sorted {
        out.push_str(&format!(
            "{:<40} {:>5} {:>5} {:>5} {:>10} {:>8.1} {:>10}\n",
            r.name, r.id, r.mem, r.vcpus, r.state, r.cpu_time, r.label
        ));
    }
    out
}

/// `xm resources`.
pub fn resources(r: &ResourceLabels) -> String {
    let mut out = String::new();
    for (name, l) in r.iter() {
        out.push_str(&format!(
            "{name}\n      type: {}\n    policy: {}\n    label:  {}\n",
            l.policy_type, l.policy, l.label
        ));
    }
    out
}

/// `xm getpolicy` (and the tail of `xm setpolicy`).
pub fn getpolicy(name: &str, version: &str, loaded: bool, boot: bool) -> String {
    let mut state = Vec::new();
    if loaded {
        state.push("loaded");
    }
    if boot {
        state.push("activated for boot");
    }
    format!(
        "Supported security subsystems   : ACM \n\nPolicy name           : {name}\nPolicy type           : ACM\nVersion of XML policy : {version}\nPolicy configuration  : {}\n",
        state.join(", ")
    )
}

/// `xm getlabel dom <config>`: `policytype=ACM,policy=<p>,label=<l>`.
pub fn config_label(l: &SecLabel) -> String {
    format!(
        "policytype={},policy={},label={}",
        l.policy_type, l.policy, l.label
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_matches_xm_columns() {
        let rows = [
            ListRow {
                name: "Domain-0".into(),
                id: 0,
                mem: 875,
                vcpus: 1,
                state: "r-----".into(),
                cpu_time: 84.6,
                label: "ACM:mytest:SystemManagement".into(),
            },
            ListRow {
                name: "domain1".into(),
                id: 1,
                mem: 128,
                vcpus: 1,
                state: "-b----".into(),
                cpu_time: 0.7,
                label: "ACM:mytest:__UNLABELED__".into(),
            },
        ];
        let out = list_label(&rows);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[0],
            "Name                                        ID   Mem VCPUs      State   Time(s) Label     "
        );
        assert_eq!(
            lines[1],
            "domain1                                      1   128     1     -b----      0.7 ACM:mytest:__UNLABELED__"
        );
        assert!(lines[2].starts_with("Domain-0 "));
        assert!(lines[2].ends_with("  84.6 ACM:mytest:SystemManagement"));
    }

    #[test]
    fn getpolicy_block() {
        assert_eq!(
            getpolicy("DEFAULT", "1.0", true, false),
            "Supported security subsystems   : ACM \n\nPolicy name           : DEFAULT\nPolicy type           : ACM\nVersion of XML policy : 1.0\nPolicy configuration  : loaded\n"
        );
    }
}
