//! The `hvm_start_info` block a PVH kernel finds in `ebx`: the structure,
//! the e820-style memory map, the module list and the command lines, laid
//! out together in one guest-physical area the way Xen's domain builder
//! lays them out (structure first, strings after).

use xen_abi::hvm::start_info::{
    HvmMemmapTableEntry, HvmModlistEntry, HvmStartInfo, XEN_HVM_START_MAGIC_VALUE,
};
use zerocopy::IntoBytes;

/// A module to describe (its bytes are placed by the caller).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ModuleDesc<'a> {
    /// Guest-physical address.
    pub paddr: u64,
    /// Size in bytes.
    pub size: u64,
    /// Command line (empty for none).
    pub cmdline: &'a str,
}

/// What goes into the block.
#[derive(Clone, Copy, Debug)]
pub struct StartInfo<'a> {
    /// `SIF_*` flags (`SIF_PRIVILEGED | SIF_INITDOMAIN` for dom0).
    pub flags: u32,
    /// The kernel command line.
    pub cmdline: &'a str,
    /// Memory map entries: (address, size, e820 type).
    pub memmap: &'a [(u64, u64, u32)],
    /// Modules (the first is the initrd for Linux).
    pub modules: &'a [ModuleDesc<'a>],
    /// Guest-physical address of the ACPI RSDP, or 0.
    pub rsdp: u64,
}

/// Why the block could not be built.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StartInfoError {
    /// The output area is too small.
    #[error("start info area too small: {needed} bytes needed")]
    TooSmall {
        /// Bytes the block needs.
        needed: usize,
    },
    /// A command line contains a NUL byte.
    #[error("command line contains a NUL byte")]
    NulInCmdline,
}

impl StartInfo<'_> {
    /// Bytes the block takes.
    pub fn size(&self) -> usize {
        core::mem::size_of::<HvmStartInfo>()
            + self.memmap.len() * core::mem::size_of::<HvmMemmapTableEntry>()
            + self.modules.len() * core::mem::size_of::<HvmModlistEntry>()
            + self.cmdline.len()
            + 1
            + self
                .modules
                .iter()
                .map(|m| m.cmdline.len() + 1)
                .sum::<usize>()
    }

    /// Writes the block into `out`, which will sit at guest-physical
    /// `base`; the start info itself is at `base`. Returns bytes used.
    pub fn write(&self, base: u64, out: &mut [u8]) -> Result<usize, StartInfoError> {
        let needed = self.size();
        if out.len() < needed {
            return Err(StartInfoError::TooSmall { needed });
        }
        if self.cmdline.contains('\0') || self.modules.iter().any(|m| m.cmdline.contains('\0')) {
            return Err(StartInfoError::NulInCmdline);
        }
        let si_len = core::mem::size_of::<HvmStartInfo>();
        let map_at = si_len;
        let mods_at = map_at + self.memmap.len() * core::mem::size_of::<HvmMemmapTableEntry>();
        let mut str_at = mods_at + self.modules.len() * core::mem::size_of::<HvmModlistEntry>();
        let mut put_str = |out: &mut [u8], s: &str| -> u64 {
            let at = str_at;
            out[at..at + s.len()].copy_from_slice(s.as_bytes());
            out[at + s.len()] = 0;
            str_at += s.len() + 1;
            base + at as u64
        };
        let cmdline_paddr = put_str(out, self.cmdline);
        for (i, m) in self.modules.iter().enumerate() {
            let cmd = if m.cmdline.is_empty() {
                0
            } else {
                put_str(out, m.cmdline)
            };
            let e = HvmModlistEntry {
                paddr: m.paddr,
                size: m.size,
                cmdline_paddr: cmd,
                reserved: 0,
            };
            let at = mods_at + i * core::mem::size_of::<HvmModlistEntry>();
            out[at..at + core::mem::size_of::<HvmModlistEntry>()].copy_from_slice(e.as_bytes());
        }
        for (i, &(addr, size, kind)) in self.memmap.iter().enumerate() {
            let e = HvmMemmapTableEntry {
                addr,
                size,
                type_: kind,
                reserved: 0,
            };
            let at = map_at + i * core::mem::size_of::<HvmMemmapTableEntry>();
            out[at..at + core::mem::size_of::<HvmMemmapTableEntry>()].copy_from_slice(e.as_bytes());
        }
        let si = HvmStartInfo {
            magic: XEN_HVM_START_MAGIC_VALUE,
            version: 1,
            flags: self.flags,
            nr_modules: self.modules.len() as u32,
            modlist_paddr: if self.modules.is_empty() {
                0
            } else {
                base + mods_at as u64
            },
            cmdline_paddr,
            rsdp_paddr: self.rsdp,
            memmap_paddr: base + map_at as u64,
            memmap_entries: self.memmap.len() as u32,
            reserved: 0,
        };
        out[..si_len].copy_from_slice(si.as_bytes());
        Ok(needed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zerocopy::FromBytes;

    #[test]
    fn layout_is_self_consistent() {
        let map = [
            (0, 0x9f000, 1),
            (0x100000, 0x3f00000, 1),
            (0xfc000000, 0x1000, 4),
        ];
        let mods = [ModuleDesc {
            paddr: 0x200_0000,
            size: 1234,
            cmdline: "initrd",
        }];
        let si = StartInfo {
            flags: 3,
            cmdline: "console=hvc0",
            memmap: &map,
            modules: &mods,
            rsdp: 0xfc00_0000,
        };
        let base = 0x6000;
        let mut out = [0u8; 512];
        let n = si.write(base, &mut out).unwrap();
        assert_eq!(n, si.size());
        let h = HvmStartInfo::read_from_prefix(&out).unwrap().0;
        assert_eq!(h.magic, XEN_HVM_START_MAGIC_VALUE);
        assert_eq!(
            (h.version, h.flags, h.nr_modules, h.memmap_entries),
            (1, 3, 1, 3)
        );
        let at = |pa: u64| (pa - base) as usize;
        let cmd = &out[at(h.cmdline_paddr)..];
        assert!(cmd.starts_with(b"console=hvc0\0"));
        let e = HvmMemmapTableEntry::read_from_prefix(&out[at(h.memmap_paddr) + 48..])
            .unwrap()
            .0;
        assert_eq!((e.addr, e.type_), (0xfc000000, 4));
        let m = HvmModlistEntry::read_from_prefix(&out[at(h.modlist_paddr)..])
            .unwrap()
            .0;
        assert_eq!((m.paddr, m.size), (0x200_0000, 1234));
        assert!(out[at(m.cmdline_paddr)..].starts_with(b"initrd\0"));
    }

    #[test]
    fn refuses_small_areas_and_nuls() {
        let si = StartInfo {
            flags: 0,
            cmdline: "a\0b",
            memmap: &[],
            modules: &[],
            rsdp: 0,
        };
        assert_eq!(
            si.write(0, &mut [0u8; 8]),
            Err(StartInfoError::TooSmall { needed: 56 + 4 })
        );
        assert_eq!(
            si.write(0, &mut [0u8; 64]),
            Err(StartInfoError::NulInCmdline)
        );
    }
}
