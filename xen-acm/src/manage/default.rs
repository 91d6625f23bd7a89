//! The DEFAULT policy Xen 3.2 boots with when no policy is installed, and
//! the one `xm resetpolicy` returns to.

use std::format;
use std::string::String;

/// Name of the built-in policy.
pub const DEFAULT_POLICY_NAME: &str = "DEFAULT";

/// The DEFAULT policy: one STE type and one Chinese Wall type
/// `SystemManagement`, one VM label `SystemManagement` (Domain-0's, with no
/// Chinese Wall type). With `dom0_label`, the label's `Name` carries
/// `from="<dom0_label>"` so that a reset renames Domain-0's current label.
pub fn default_policy_xml(dom0_label: Option<&str>) -> String {
    let from = dom0_label.map_or(String::new(), |l| format!(" from=\"{l}\""));
    format!(
        r#"<?xml version="1.0" ?>
<SecurityPolicyDefinition xmlns="http://www.ibm.com">
  <PolicyHeader>
    <PolicyName>DEFAULT</PolicyName>
    <Version>1.0</Version>
  </PolicyHeader>
  <SimpleTypeEnforcement>
    <SimpleTypeEnforcementTypes>
      <Type>SystemManagement</Type>
    </SimpleTypeEnforcementTypes>
  </SimpleTypeEnforcement>
  <ChineseWall>
    <ChineseWallTypes>
      <Type>SystemManagement</Type>
    </ChineseWallTypes>
  </ChineseWall>
  <SecurityLabelTemplate>
    <SubjectLabels bootstrap="SystemManagement">
      <VirtualMachineLabel>
        <Name{from}>SystemManagement</Name>
        <SimpleTypeEnforcementTypes>
          <Type>SystemManagement</Type>
        </SimpleTypeEnforcementTypes>
        <ChineseWallTypes>
          <Type/>
        </ChineseWallTypes>
      </VirtualMachineLabel>
    </SubjectLabels>
  </SecurityLabelTemplate>
</SecurityPolicyDefinition>
"#
    )
}

/// True for the DEFAULT policy's shape: named `DEFAULT` with the single
/// `SystemManagement` label and type (any `from` is ignored).
pub fn is_default_policy(doc: &crate::xml::PolicyDoc) -> bool {
    doc.name() == DEFAULT_POLICY_NAME
        && doc.vm_labels.len() == 1
        && doc.vm_labels[0].name.value == "SystemManagement"
        && doc.ste_types.len() == 1
        && doc.res_labels.is_empty()
}
