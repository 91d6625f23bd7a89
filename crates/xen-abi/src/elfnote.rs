//! Xen ELF notes (`elfnote.h`): the note types a kernel image carries to
//! tell the domain builder how to load it (PV entry points, the PVH
//! 32-bit entry, features), plus those Xen writes into crash dumps and
//! `xl dump-core` files.
//!
//! Notes live in a `PT_NOTE` segment with the name `"Xen"`. String values
//! are NUL-terminated ASCII; numeric values are 4 or 8 bytes, as the
//! note's descriptor size says.

/// The note name (`n_name`) of every Xen note, without its NUL.
pub const XEN_ELFNOTE_NAME: &[u8; 3] = b"Xen";
/// The note name with its NUL, as stored (`n_namesz` = 4).
pub const XEN_ELFNOTE_NAME_NUL: &[u8; 4] = b"Xen\0";

/// `XEN_ELFNOTE_INFO` (`elfnote.h`): NAME=VALUE string (legacy).
pub const XEN_ELFNOTE_INFO: u32 = 0;
/// `XEN_ELFNOTE_ENTRY` (`elfnote.h`): virtual entry address (numeric).
pub const XEN_ELFNOTE_ENTRY: u32 = 1;
/// `XEN_ELFNOTE_HYPERCALL_PAGE` (`elfnote.h`): virtual address of the
/// hypercall page (numeric).
pub const XEN_ELFNOTE_HYPERCALL_PAGE: u32 = 2;
/// `XEN_ELFNOTE_VIRT_BASE` (`elfnote.h`): virtual address the image is
/// mapped at (numeric, default 0).
pub const XEN_ELFNOTE_VIRT_BASE: u32 = 3;
/// `XEN_ELFNOTE_PADDR_OFFSET` (`elfnote.h`): offset of ELF `p_paddr` from
/// the pseudo-physical address (numeric, default 0).
pub const XEN_ELFNOTE_PADDR_OFFSET: u32 = 4;
/// `XEN_ELFNOTE_XEN_VERSION` (`elfnote.h`): Xen version expected (string).
pub const XEN_ELFNOTE_XEN_VERSION: u32 = 5;
/// `XEN_ELFNOTE_GUEST_OS` (`elfnote.h`): guest OS name (string).
pub const XEN_ELFNOTE_GUEST_OS: u32 = 6;
/// `XEN_ELFNOTE_GUEST_VERSION` (`elfnote.h`): guest OS version (string).
pub const XEN_ELFNOTE_GUEST_VERSION: u32 = 7;
/// `XEN_ELFNOTE_LOADER` (`elfnote.h`): loader type, e.g. `"generic"` (string).
pub const XEN_ELFNOTE_LOADER: u32 = 8;
/// `XEN_ELFNOTE_PAE_MODE` (`elfnote.h`): x86/32 PAE support (string).
pub const XEN_ELFNOTE_PAE_MODE: u32 = 9;
/// `XEN_ELFNOTE_FEATURES` (`elfnote.h`): `|`-separated `XENFEAT_` names,
/// `!` marking required ones (string).
pub const XEN_ELFNOTE_FEATURES: u32 = 10;
/// `XEN_ELFNOTE_BSD_SYMTAB` (`elfnote.h`): load the symbol table
/// (`"yes"`/`"no"`).
pub const XEN_ELFNOTE_BSD_SYMTAB: u32 = 11;
/// `XEN_ELFNOTE_HV_START_LOW` (`elfnote.h`): lowest start of the
/// hypervisor hole the kernel copes with (numeric).
pub const XEN_ELFNOTE_HV_START_LOW: u32 = 12;
/// `XEN_ELFNOTE_L1_MFN_VALID` (`elfnote.h`): mask/value pairs recognising
/// non-present L1 entries that hold MFNs (numeric).
pub const XEN_ELFNOTE_L1_MFN_VALID: u32 = 13;
/// `XEN_ELFNOTE_SUSPEND_CANCEL` (`elfnote.h`): cooperative suspend
/// cancellation supported (numeric).
pub const XEN_ELFNOTE_SUSPEND_CANCEL: u32 = 14;
/// `XEN_ELFNOTE_INIT_P2M` (`elfnote.h`): where to map the initial p2m list
/// (numeric).
pub const XEN_ELFNOTE_INIT_P2M: u32 = 15;
/// `XEN_ELFNOTE_MOD_START_PFN` (`elfnote.h`): the initrd may be passed
/// unmapped, by frame number (numeric).
pub const XEN_ELFNOTE_MOD_START_PFN: u32 = 16;
/// `XEN_ELFNOTE_SUPPORTED_FEATURES` (`elfnote.h`): bitmap of supported
/// `XENFEAT_*` (numeric).
pub const XEN_ELFNOTE_SUPPORTED_FEATURES: u32 = 17;
/// `XEN_ELFNOTE_PHYS32_ENTRY` (`elfnote.h`): 32-bit physical entry point
/// used to boot the kernel as PVH (numeric).
pub const XEN_ELFNOTE_PHYS32_ENTRY: u32 = 18;
/// `XEN_ELFNOTE_MAX` (`elfnote.h`): the highest kernel note type.
pub const XEN_ELFNOTE_MAX: u32 = XEN_ELFNOTE_PHYS32_ENTRY;
/// `XEN_ELFNOTE_CRASH_INFO` (`elfnote.h`): system information in a kexec
/// crash dump.
pub const XEN_ELFNOTE_CRASH_INFO: u32 = 0x100_0001;
/// `XEN_ELFNOTE_CRASH_REGS` (`elfnote.h`): per-CPU extra registers in a
/// kexec crash dump.
pub const XEN_ELFNOTE_CRASH_REGS: u32 = 0x100_0002;
/// `XEN_ELFNOTE_DUMPCORE_NONE` (`elfnote.h`): marks a Xen dump-core file.
pub const XEN_ELFNOTE_DUMPCORE_NONE: u32 = 0x200_0000;
/// `XEN_ELFNOTE_DUMPCORE_HEADER` (`elfnote.h`): dump-core header.
pub const XEN_ELFNOTE_DUMPCORE_HEADER: u32 = 0x200_0001;
/// `XEN_ELFNOTE_DUMPCORE_XEN_VERSION` (`elfnote.h`): Xen version in a dump-core.
pub const XEN_ELFNOTE_DUMPCORE_XEN_VERSION: u32 = 0x200_0002;
/// `XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION` (`elfnote.h`): dump-core format version.
pub const XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION: u32 = 0x200_0003;

/// How a note's descriptor is to be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ElfNoteValue {
    /// NUL-terminated ASCII.
    String,
    /// A 4- or 8-byte little-endian number (or, for `L1_MFN_VALID`, pairs of them).
    Numeric,
    /// A structure defined elsewhere (crash and dump-core notes).
    Opaque,
}

macro_rules! elfnotes {
    ($( $(#[$m:meta])* $variant:ident = $konst:ident, $kind:ident; )*) => {
        /// `XEN_ELFNOTE_*` (`elfnote.h`): the note types as a closed set.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(u32)]
        pub enum ElfNote {
            $( $(#[$m])* $variant = $konst, )*
        }

        impl ElfNote {
            /// Every note type, in numeric order.
            pub const ALL: &'static [ElfNote] = &[$(ElfNote::$variant),*];

            /// The note type numbered `n`, if defined.
            pub const fn from_u32(n: u32) -> Option<Self> {
                match n {
                    $( $konst => Some(ElfNote::$variant), )*
                    _ => None,
                }
            }

            /// How this note's value is encoded.
            pub const fn value_kind(self) -> ElfNoteValue {
                match self {
                    $( ElfNote::$variant => ElfNoteValue::$kind, )*
                }
            }
        }
    };
}

elfnotes! {
    /// `XEN_ELFNOTE_INFO`.
    Info = XEN_ELFNOTE_INFO, String;
    /// `XEN_ELFNOTE_ENTRY`.
    Entry = XEN_ELFNOTE_ENTRY, Numeric;
    /// `XEN_ELFNOTE_HYPERCALL_PAGE`.
    HypercallPage = XEN_ELFNOTE_HYPERCALL_PAGE, Numeric;
    /// `XEN_ELFNOTE_VIRT_BASE`.
    VirtBase = XEN_ELFNOTE_VIRT_BASE, Numeric;
    /// `XEN_ELFNOTE_PADDR_OFFSET`.
    PaddrOffset = XEN_ELFNOTE_PADDR_OFFSET, Numeric;
    /// `XEN_ELFNOTE_XEN_VERSION`.
    XenVersion = XEN_ELFNOTE_XEN_VERSION, String;
    /// `XEN_ELFNOTE_GUEST_OS`.
    GuestOs = XEN_ELFNOTE_GUEST_OS, String;
    /// `XEN_ELFNOTE_GUEST_VERSION`.
    GuestVersion = XEN_ELFNOTE_GUEST_VERSION, String;
    /// `XEN_ELFNOTE_LOADER`.
    Loader = XEN_ELFNOTE_LOADER, String;
    /// `XEN_ELFNOTE_PAE_MODE`.
    PaeMode = XEN_ELFNOTE_PAE_MODE, String;
    /// `XEN_ELFNOTE_FEATURES`.
    Features = XEN_ELFNOTE_FEATURES, String;
    /// `XEN_ELFNOTE_BSD_SYMTAB`.
    BsdSymtab = XEN_ELFNOTE_BSD_SYMTAB, String;
    /// `XEN_ELFNOTE_HV_START_LOW`.
    HvStartLow = XEN_ELFNOTE_HV_START_LOW, Numeric;
    /// `XEN_ELFNOTE_L1_MFN_VALID`.
    L1MfnValid = XEN_ELFNOTE_L1_MFN_VALID, Numeric;
    /// `XEN_ELFNOTE_SUSPEND_CANCEL`.
    SuspendCancel = XEN_ELFNOTE_SUSPEND_CANCEL, Numeric;
    /// `XEN_ELFNOTE_INIT_P2M`.
    InitP2m = XEN_ELFNOTE_INIT_P2M, Numeric;
    /// `XEN_ELFNOTE_MOD_START_PFN`.
    ModStartPfn = XEN_ELFNOTE_MOD_START_PFN, Numeric;
    /// `XEN_ELFNOTE_SUPPORTED_FEATURES`.
    SupportedFeatures = XEN_ELFNOTE_SUPPORTED_FEATURES, Numeric;
    /// `XEN_ELFNOTE_PHYS32_ENTRY`.
    Phys32Entry = XEN_ELFNOTE_PHYS32_ENTRY, Numeric;
    /// `XEN_ELFNOTE_CRASH_INFO`.
    CrashInfo = XEN_ELFNOTE_CRASH_INFO, Opaque;
    /// `XEN_ELFNOTE_CRASH_REGS`.
    CrashRegs = XEN_ELFNOTE_CRASH_REGS, Opaque;
    /// `XEN_ELFNOTE_DUMPCORE_NONE`.
    DumpcoreNone = XEN_ELFNOTE_DUMPCORE_NONE, Opaque;
    /// `XEN_ELFNOTE_DUMPCORE_HEADER`.
    DumpcoreHeader = XEN_ELFNOTE_DUMPCORE_HEADER, Opaque;
    /// `XEN_ELFNOTE_DUMPCORE_XEN_VERSION`.
    DumpcoreXenVersion = XEN_ELFNOTE_DUMPCORE_XEN_VERSION, Opaque;
    /// `XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION`.
    DumpcoreFormatVersion = XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION, Opaque;
}

/// Error of `ElfNote::try_from`: an undefined note type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownElfNote(pub u32);

impl TryFrom<u32> for ElfNote {
    type Error = UnknownElfNote;

    fn try_from(n: u32) -> Result<Self, Self::Error> {
        ElfNote::from_u32(n).ok_or(UnknownElfNote(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions() {
        assert_eq!(ElfNote::ALL.len(), 25);
        assert!(ElfNote::ALL.windows(2).all(|w| w[0] < w[1]));
        for &n in ElfNote::ALL {
            assert_eq!(ElfNote::try_from(n as u32), Ok(n));
        }
        assert_eq!(ElfNote::try_from(18), Ok(ElfNote::Phys32Entry));
        assert_eq!(ElfNote::try_from(19), Err(UnknownElfNote(19)));
        assert_eq!(ElfNote::Phys32Entry as u32, XEN_ELFNOTE_MAX);
        assert_eq!(ElfNote::GuestOs.value_kind(), ElfNoteValue::String);
        assert_eq!(ElfNote::Phys32Entry.value_kind(), ElfNoteValue::Numeric);
        assert_eq!(&XEN_ELFNOTE_NAME_NUL[..3], XEN_ELFNOTE_NAME);
    }
}
