//! PVH boot information (`arch-x86/hvm/start_info.h`).
//!
//! A PVH kernel is entered at its `XEN_ELFNOTE_PHYS32_ENTRY` in 32-bit
//! protected mode, paging off, with `ebx` holding the physical address of
//! an [`HvmStartInfo`]. Version 0 ends after `rsdp_paddr`; version 1 adds
//! the memory map. `flags` uses the `SIF_*` bits of `xen.h`
//! ([`SifFlags`](crate::xen::SifFlags)).

use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// `XEN_HVM_START_MAGIC_VALUE` (`arch-x86/hvm/start_info.h`): `magic` of
/// a valid [`HvmStartInfo`] ("xEn3" with the top bit of "E" set).
pub const XEN_HVM_START_MAGIC_VALUE: u32 = 0x336e_c578;

/// `XEN_HVM_MEMMAP_TYPE_RAM` (`arch-x86/hvm/start_info.h`): usable RAM.
pub const XEN_HVM_MEMMAP_TYPE_RAM: u32 = 1;
/// `XEN_HVM_MEMMAP_TYPE_RESERVED` (`arch-x86/hvm/start_info.h`): reserved.
pub const XEN_HVM_MEMMAP_TYPE_RESERVED: u32 = 2;
/// `XEN_HVM_MEMMAP_TYPE_ACPI` (`arch-x86/hvm/start_info.h`): ACPI tables, reclaimable.
pub const XEN_HVM_MEMMAP_TYPE_ACPI: u32 = 3;
/// `XEN_HVM_MEMMAP_TYPE_NVS` (`arch-x86/hvm/start_info.h`): ACPI NVS.
pub const XEN_HVM_MEMMAP_TYPE_NVS: u32 = 4;
/// `XEN_HVM_MEMMAP_TYPE_UNUSABLE` (`arch-x86/hvm/start_info.h`): faulty memory.
pub const XEN_HVM_MEMMAP_TYPE_UNUSABLE: u32 = 5;
/// `XEN_HVM_MEMMAP_TYPE_DISABLED` (`arch-x86/hvm/start_info.h`): disabled memory.
pub const XEN_HVM_MEMMAP_TYPE_DISABLED: u32 = 6;
/// `XEN_HVM_MEMMAP_TYPE_PMEM` (`arch-x86/hvm/start_info.h`): persistent memory.
pub const XEN_HVM_MEMMAP_TYPE_PMEM: u32 = 7;

/// `XEN_HVM_MEMMAP_TYPE_*` (`arch-x86/hvm/start_info.h`) as a closed set;
/// the numbers are those of the E820 types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum HvmMemmapType {
    /// `XEN_HVM_MEMMAP_TYPE_RAM`.
    Ram = XEN_HVM_MEMMAP_TYPE_RAM,
    /// `XEN_HVM_MEMMAP_TYPE_RESERVED`.
    Reserved = XEN_HVM_MEMMAP_TYPE_RESERVED,
    /// `XEN_HVM_MEMMAP_TYPE_ACPI`.
    Acpi = XEN_HVM_MEMMAP_TYPE_ACPI,
    /// `XEN_HVM_MEMMAP_TYPE_NVS`.
    Nvs = XEN_HVM_MEMMAP_TYPE_NVS,
    /// `XEN_HVM_MEMMAP_TYPE_UNUSABLE`.
    Unusable = XEN_HVM_MEMMAP_TYPE_UNUSABLE,
    /// `XEN_HVM_MEMMAP_TYPE_DISABLED`.
    Disabled = XEN_HVM_MEMMAP_TYPE_DISABLED,
    /// `XEN_HVM_MEMMAP_TYPE_PMEM`.
    Pmem = XEN_HVM_MEMMAP_TYPE_PMEM,
}

impl TryFrom<u32> for HvmMemmapType {
    type Error = u32;

    fn try_from(v: u32) -> Result<Self, u32> {
        Ok(match v {
            XEN_HVM_MEMMAP_TYPE_RAM => Self::Ram,
            XEN_HVM_MEMMAP_TYPE_RESERVED => Self::Reserved,
            XEN_HVM_MEMMAP_TYPE_ACPI => Self::Acpi,
            XEN_HVM_MEMMAP_TYPE_NVS => Self::Nvs,
            XEN_HVM_MEMMAP_TYPE_UNUSABLE => Self::Unusable,
            XEN_HVM_MEMMAP_TYPE_DISABLED => Self::Disabled,
            XEN_HVM_MEMMAP_TYPE_PMEM => Self::Pmem,
            _ => return Err(v),
        })
    }
}

/// `struct hvm_start_info` (`arch-x86/hvm/start_info.h`): what a PVH
/// kernel receives in `ebx`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct HvmStartInfo {
    /// [`XEN_HVM_START_MAGIC_VALUE`].
    pub magic: u32,
    /// Structure version (0 or 1).
    pub version: u32,
    /// `SIF_*` flags.
    pub flags: u32,
    /// Number of [`HvmModlistEntry`] at `modlist_paddr`.
    pub nr_modules: u32,
    /// Physical address of the module list.
    pub modlist_paddr: u64,
    /// Physical address of the NUL-terminated command line.
    pub cmdline_paddr: u64,
    /// Physical address of the ACPI RSDP.
    pub rsdp_paddr: u64,
    /// Physical address of [`HvmMemmapTableEntry`]s (version 1+).
    pub memmap_paddr: u64,
    /// Number of memory-map entries; 0 if none is provided (version 1+).
    pub memmap_entries: u32,
    /// Reserved; zero.
    pub reserved: u32,
}

impl HvmStartInfo {
    /// Size of the version-0 structure (up to `rsdp_paddr`), not a C macro.
    pub const V0_SIZE: usize = 40;

    /// Whether `magic` is right.
    pub const fn is_valid(&self) -> bool {
        self.magic == XEN_HVM_START_MAGIC_VALUE
    }

    /// Whether the memory-map fields are meaningful (version 1 or later).
    pub const fn has_memmap(&self) -> bool {
        self.version >= 1
    }
}

/// `struct hvm_modlist_entry` (`arch-x86/hvm/start_info.h`): one boot module.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct HvmModlistEntry {
    /// Physical address of the module.
    pub paddr: u64,
    /// Size in bytes.
    pub size: u64,
    /// Physical address of its command line, or 0.
    pub cmdline_paddr: u64,
    /// Reserved; zero.
    pub reserved: u64,
}

/// `struct hvm_memmap_table_entry` (`arch-x86/hvm/start_info.h`): one
/// memory-map range.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct HvmMemmapTableEntry {
    /// Base physical address.
    pub addr: u64,
    /// Size in bytes.
    pub size: u64,
    /// `XEN_HVM_MEMMAP_TYPE_*`.
    pub type_: u32,
    /// Reserved; zero.
    pub reserved: u32,
}

impl HvmMemmapTableEntry {
    /// The type as [`HvmMemmapType`], or the raw number if unknown.
    pub fn memmap_type(&self) -> Result<HvmMemmapType, u32> {
        HvmMemmapType::try_from(self.type_)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts() {
        assert_layout!(HvmStartInfo, 56, {
            magic: 0, version: 4, flags: 8, nr_modules: 12, modlist_paddr: 16,
            cmdline_paddr: 24, rsdp_paddr: 32, memmap_paddr: 40, memmap_entries: 48,
            reserved: 52,
        });
        assert_eq!(
            core::mem::offset_of!(HvmStartInfo, memmap_paddr),
            HvmStartInfo::V0_SIZE
        );
        assert_layout!(HvmModlistEntry, 32, { paddr: 0, size: 8, cmdline_paddr: 16, reserved: 24 });
        assert_layout!(HvmMemmapTableEntry, 24, { addr: 0, size: 8, type_: 16, reserved: 20 });
    }

    #[test]
    fn helpers() {
        let s = HvmStartInfo {
            magic: XEN_HVM_START_MAGIC_VALUE,
            version: 1,
            ..Default::default()
        };
        assert!(s.is_valid() && s.has_memmap());
        assert!(!HvmStartInfo::default().is_valid());
        let e = HvmMemmapTableEntry {
            type_: 3,
            ..Default::default()
        };
        assert_eq!(e.memmap_type(), Ok(HvmMemmapType::Acpi));
        assert_eq!(HvmMemmapType::try_from(8), Err(8));
        for t in 1..=7 {
            assert_eq!(HvmMemmapType::try_from(t).map(|m| m as u32), Ok(t));
        }
    }
}
