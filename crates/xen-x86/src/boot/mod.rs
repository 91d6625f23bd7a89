//! Boot: the entry points (see `entry`, bare metal only) and what the
//! loader handed over, normalised into [`BootInfo`] whichever protocol
//! started us.

#[cfg(target_os = "none")]
mod entry;

use crate::memmap::{MemoryMap, RegionKind};

/// `kind` passed by the multiboot2 path: the loader's magic in `eax`.
pub const MULTIBOOT2_MAGIC: u32 = 0x36d7_6289;
/// `kind` passed by the PVH path (the `hvm_start_info` magic).
pub const PVH_MARKER: u32 = xen_abi::hvm::start_info::XEN_HVM_START_MAGIC_VALUE;

/// Most boot modules kept.
pub const MAX_MODULES: usize = 8;

/// One boot module (`module2` line, or a PVH module list entry).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Module {
    /// Physical start.
    pub start: u64,
    /// Physical end (exclusive).
    pub end: u64,
    /// Its command line (the words after the path on the `module2` line).
    pub cmdline: &'static str,
}

/// Where the ACPI tables are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AcpiRoot {
    /// Physical address of an RSDP (or a copy of it).
    Rsdp(u64),
    /// Not given by the loader: scan the BIOS areas.
    Scan,
}

/// Which loader started the hypervisor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    /// Multiboot2 (GRUB).
    Multiboot2,
    /// PVH (`hvm_start_info`).
    Pvh,
}

/// What the loader told us, protocol-independent.
#[derive(Clone, Debug)]
pub struct BootInfo {
    /// The protocol.
    pub protocol: Protocol,
    /// The loader's name if it gave one.
    pub loader: &'static str,
    /// The hypervisor command line.
    pub cmdline: &'static str,
    /// The firmware memory map.
    pub memory: MemoryMap,
    modules: [Option<Module>; MAX_MODULES],
    /// The ACPI root.
    pub acpi: AcpiRoot,
    /// Physical range of the boot information itself (to keep reserved).
    pub info_range: (u64, u64),
}

/// Why the boot information could not be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BootError {
    /// Neither protocol's magic was passed.
    UnknownLoader(u32),
    /// The multiboot2 information failed to parse.
    BadMultiboot2,
    /// `hvm_start_info` has a bad magic or version.
    BadStartInfo,
}

impl BootInfo {
    fn empty(protocol: Protocol) -> Self {
        Self {
            protocol,
            loader: "",
            cmdline: "",
            memory: MemoryMap::new(),
            modules: [None; MAX_MODULES],
            acpi: AcpiRoot::Scan,
            info_range: (0, 0),
        }
    }

    /// The boot modules, in order.
    pub fn modules(&self) -> impl Iterator<Item = &Module> {
        self.modules.iter().flatten()
    }

    fn push_module(&mut self, m: Module) {
        if let Some(slot) = self.modules.iter_mut().find(|s| s.is_none()) {
            *slot = Some(m);
        }
    }

    /// Parses the loader's information.
    ///
    /// # Safety
    /// `info` must be the physical address the loader passed along with
    /// `kind`, identity-mapped and not yet reused.
    pub unsafe fn from_loader(kind: u32, info: u64) -> Result<Self, BootError> {
        match kind {
            // SAFETY: forwarded from the caller.
            MULTIBOOT2_MAGIC => unsafe { Self::from_multiboot2(info) },
            // SAFETY: forwarded from the caller.
            PVH_MARKER => unsafe { Self::from_pvh(info) },
            k => Err(BootError::UnknownLoader(k)),
        }
    }

    /// # Safety
    /// As [`from_loader`](Self::from_loader).
    unsafe fn from_multiboot2(info: u64) -> Result<Self, BootError> {
        use multiboot2::{BootInformation, BootInformationHeader};
        // SAFETY: the caller guarantees `info` is the loader's MBI,
        // identity-mapped; the crate validates sizes and tag bounds.
        let mbi = unsafe { BootInformation::load(info as *const BootInformationHeader) }
            .map_err(|_| BootError::BadMultiboot2)?;
        let mut b = Self::empty(Protocol::Multiboot2);
        b.info_range = (mbi.start_address() as u64, mbi.end_address() as u64);
        // The MBI lives as long as the hypervisor keeps it reserved; the
        // strings are re-borrowed for 'static through the identity map.
        let leak = |s: &str| -> &'static str {
            // SAFETY: `s` points into the MBI, which is identity-mapped and
            // kept reserved (`info_range`) for the hypervisor's lifetime.
            unsafe {
                core::str::from_utf8_unchecked(core::slice::from_raw_parts(s.as_ptr(), s.len()))
            }
        };
        if let Some(n) = mbi.boot_loader_name_tag().and_then(|t| t.name().ok()) {
            b.loader = leak(n);
        }
        if let Some(c) = mbi.command_line_tag().and_then(|t| t.cmdline().ok()) {
            b.cmdline = leak(c);
        }
        if let Some(mm) = mbi.memory_map_tag() {
            for a in mm.memory_areas() {
                b.memory.push(
                    a.start_address(),
                    a.size(),
                    RegionKind::from_e820(u32::from(a.typ())),
                );
            }
        }
        for m in mbi.module_tags() {
            b.push_module(Module {
                start: u64::from(m.start_address()),
                end: u64::from(m.end_address()),
                cmdline: m.cmdline().map(leak).unwrap_or(""),
            });
        }
        // The tags carry a copy of the RSDP right after their 8-byte header.
        if let Some(t) = mbi.rsdp_v2_tag() {
            b.acpi = AcpiRoot::Rsdp(t as *const _ as *const u8 as u64 + 8);
        } else if let Some(t) = mbi.rsdp_v1_tag() {
            b.acpi = AcpiRoot::Rsdp(t as *const _ as *const u8 as u64 + 8);
        }
        Ok(b)
    }

    /// # Safety
    /// As [`from_loader`](Self::from_loader).
    unsafe fn from_pvh(info: u64) -> Result<Self, BootError> {
        use xen_abi::hvm::start_info::{HvmMemmapTableEntry, HvmModlistEntry, HvmStartInfo};
        // SAFETY: the caller guarantees `info` is the loader's start info.
        let si: HvmStartInfo = unsafe { read_phys(info) };
        if si.magic != PVH_MARKER {
            return Err(BootError::BadStartInfo);
        }
        let mut b = Self::empty(Protocol::Pvh);
        b.loader = "PVH";
        b.info_range = (info, info + core::mem::size_of::<HvmStartInfo>() as u64);
        if si.cmdline_paddr != 0 {
            // SAFETY: the loader placed a NUL-terminated string there.
            b.cmdline = unsafe { c_str_phys(si.cmdline_paddr, 4096) };
        }
        if si.version >= 1 && si.memmap_paddr != 0 {
            for i in 0..u64::from(si.memmap_entries.min(crate::memmap::MAX_REGIONS as u32)) {
                let at = si.memmap_paddr + i * core::mem::size_of::<HvmMemmapTableEntry>() as u64;
                // SAFETY: inside the loader's memory map array.
                let e: HvmMemmapTableEntry = unsafe { read_phys(at) };
                b.memory
                    .push(e.addr, e.size, RegionKind::from_e820(e.type_));
            }
        }
        for i in 0..u64::from(si.nr_modules.min(MAX_MODULES as u32)) {
            let at = si.modlist_paddr + i * core::mem::size_of::<HvmModlistEntry>() as u64;
            // SAFETY: inside the loader's module list.
            let m: HvmModlistEntry = unsafe { read_phys(at) };
            let cmdline = if m.cmdline_paddr != 0 {
                // SAFETY: the loader placed a NUL-terminated string there.
                unsafe { c_str_phys(m.cmdline_paddr, 4096) }
            } else {
                ""
            };
            b.push_module(Module {
                start: m.paddr,
                end: m.paddr.saturating_add(m.size),
                cmdline,
            });
        }
        b.acpi = if si.rsdp_paddr != 0 {
            AcpiRoot::Rsdp(si.rsdp_paddr)
        } else {
            AcpiRoot::Scan
        };
        Ok(b)
    }
}

/// Reads a `T` at physical address `at` (identity-mapped).
///
/// # Safety
/// `at..at+size_of::<T>()` must be identity-mapped readable memory.
unsafe fn read_phys<T: zerocopy::FromBytes>(at: u64) -> T {
    // SAFETY: the caller guarantees the range is mapped; `T: FromBytes`
    // accepts any bit pattern and the read is unaligned-safe.
    unsafe { core::ptr::read_unaligned(at as *const T) }
}

/// A NUL-terminated string at `at`, at most `max` bytes, cut at the first
/// non-UTF-8 byte.
///
/// # Safety
/// `at..at+max` (or up to the NUL) must be identity-mapped and stay
/// unchanged for the hypervisor's lifetime.
unsafe fn c_str_phys(at: u64, max: usize) -> &'static str {
    let mut len = 0;
    // SAFETY: bytes up to the NUL or `max` are mapped per the contract.
    while len < max && unsafe { *((at + len as u64) as *const u8) } != 0 {
        len += 1;
    }
    // SAFETY: `len` bytes at `at` are mapped, as just read.
    let bytes = unsafe { core::slice::from_raw_parts(at as *const u8, len) };
    match core::str::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => core::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or(""),
    }
}
