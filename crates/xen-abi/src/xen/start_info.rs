//! PV boot information (`xen.h`): `start_info`, its `SIF_*` flags (also
//! used by PVH's `hvm_start_info`), the multiboot module list passed to
//! PV dom0 and the dom0 VGA console description.

use bitflags::bitflags;
use zerocopy::{FromBytes, FromZeros, Immutable, IntoBytes, KnownLayout};

use crate::XenPfn;

/// `SIF_PRIVILEGED` (`xen.h`): the domain is privileged.
pub const SIF_PRIVILEGED: u32 = 1 << 0;
/// `SIF_INITDOMAIN` (`xen.h`): the domain is the initial control domain.
pub const SIF_INITDOMAIN: u32 = 1 << 1;
/// `SIF_MULTIBOOT_MOD` (`xen.h`): `mod_start` points at a multiboot module list.
pub const SIF_MULTIBOOT_MOD: u32 = 1 << 2;
/// `SIF_MOD_START_PFN` (`xen.h`): `mod_start` is a frame number, not an address.
pub const SIF_MOD_START_PFN: u32 = 1 << 3;
/// `SIF_VIRT_P2M_4TOOLS` (`xen.h`): the tools understand a virtually
/// mapped p2m list.
pub const SIF_VIRT_P2M_4TOOLS: u32 = 1 << 4;
/// `SIF_PM_MASK` (`xen.h`): byte reserved for power-management options.
pub const SIF_PM_MASK: u32 = 0xFF << 8;

bitflags! {
    /// `SIF_*` (`xen.h`): the `flags` of `start_info` and `hvm_start_info`.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct SifFlags: u32 {
        /// `SIF_PRIVILEGED`.
        const PRIVILEGED = SIF_PRIVILEGED;
        /// `SIF_INITDOMAIN`.
        const INITDOMAIN = SIF_INITDOMAIN;
        /// `SIF_MULTIBOOT_MOD`.
        const MULTIBOOT_MOD = SIF_MULTIBOOT_MOD;
        /// `SIF_MOD_START_PFN`.
        const MOD_START_PFN = SIF_MOD_START_PFN;
        /// `SIF_VIRT_P2M_4TOOLS`.
        const VIRT_P2M_4TOOLS = SIF_VIRT_P2M_4TOOLS;
        /// `SIF_PM_MASK` (a field, kept so its bits survive round trips).
        const PM_MASK = SIF_PM_MASK;
    }
}

/// `MAX_GUEST_CMDLINE` (`xen.h`): size of `start_info.cmd_line`.
pub const MAX_GUEST_CMDLINE: usize = 1024;

/// The `console.domU` arm of `start_info` (`xen.h`): the guest's PV
/// console ring.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct StartInfoConsoleDomU {
    /// Machine frame of the console ring.
    pub mfn: XenPfn,
    /// Event channel of the console.
    pub evtchn: u32,
    /// Padding; zero.
    pub _pad0: u32,
}

/// The `console.dom0` arm of `start_info` (`xen.h`): where dom0's
/// `dom0_vga_console_info` sits within the start-info page.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct StartInfoConsoleDom0 {
    /// Offset of the console info from the start of `start_info`.
    pub info_off: u32,
    /// Its size.
    pub info_size: u32,
}

/// `struct start_info` (`xen.h`): what a PV guest finds at boot (and, for
/// the first block of fields, after resume).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct StartInfo {
    /// `"xen-<version>-<platform>"`, NUL-padded.
    pub magic: [u8; 32],
    /// Pages allocated to the domain.
    pub nr_pages: u64,
    /// Machine address of the shared-info page.
    pub shared_info: u64,
    /// `SIF_*` flags.
    pub flags: u32,
    /// Padding; zero.
    pub _pad0: u32,
    /// Machine frame of the xenstore ring.
    pub store_mfn: XenPfn,
    /// Event channel of xenstore.
    pub store_evtchn: u32,
    /// Padding; zero.
    pub _pad1: u32,
    /// The `console` union: [`StartInfoConsoleDomU`] for guests,
    /// [`StartInfoConsoleDom0`] for dom0; see the accessors.
    pub console: [u64; 2],
    /// Virtual address of the initial page directory.
    pub pt_base: u64,
    /// Number of bootstrap page-table frames.
    pub nr_pt_frames: u64,
    /// Virtual address of the page-frame list.
    pub mfn_list: u64,
    /// Virtual address (or frame, with `SIF_MOD_START_PFN`) of the initrd
    /// or module list.
    pub mod_start: u64,
    /// Size in bytes of that module.
    pub mod_len: u64,
    /// Kernel command line, NUL-terminated.
    pub cmd_line: [u8; MAX_GUEST_CMDLINE],
    /// First pfn of the initial p2m table.
    pub first_p2m_pfn: u64,
    /// Number of pfns of the initial p2m table.
    pub nr_p2m_frames: u64,
}

impl Default for StartInfo {
    fn default() -> Self {
        Self::new_zeroed()
    }
}

impl StartInfo {
    /// The `flags` word as [`SifFlags`], unknown bits dropped.
    pub const fn sif_flags(&self) -> SifFlags {
        SifFlags::from_bits_truncate(self.flags)
    }

    /// The `console.domU` arm.
    pub fn console_domu(&self) -> StartInfoConsoleDomU {
        StartInfoConsoleDomU::read_from_bytes(self.console.as_bytes()).unwrap_or_default()
    }

    /// Stores the `console.domU` arm.
    pub fn set_console_domu(&mut self, c: StartInfoConsoleDomU) {
        let _ = c.write_to(self.console.as_mut_bytes());
    }

    /// The `console.dom0` arm.
    pub fn console_dom0(&self) -> StartInfoConsoleDom0 {
        StartInfoConsoleDom0::read_from_prefix(self.console.as_bytes())
            .map(|(c, _)| c)
            .unwrap_or_default()
    }

    /// Stores the `console.dom0` arm (zeroing the rest of the union).
    pub fn set_console_dom0(&mut self, c: StartInfoConsoleDom0) {
        self.console = [0; 2];
        let _ = c.write_to_prefix(self.console.as_mut_bytes());
    }
}

/// `struct xen_multiboot_mod_list` (`xen.h`): one module passed to PV dom0
/// when `SIF_MULTIBOOT_MOD` is set; the list ends at a zero `mod_start`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct MultibootModList {
    /// Address of the first byte of the module.
    pub mod_start: u32,
    /// Address of its last byte (inclusive).
    pub mod_end: u32,
    /// Address of its NUL-terminated command line.
    pub cmdline: u32,
    /// Unused; zero.
    pub pad: u32,
}

/// `XEN_VGATYPE_TEXT_MODE_3` (`xen.h`): 80x25 text mode.
pub const XEN_VGATYPE_TEXT_MODE_3: u8 = 0x03;
/// `XEN_VGATYPE_VESA_LFB` (`xen.h`): VESA linear framebuffer.
pub const XEN_VGATYPE_VESA_LFB: u8 = 0x23;
/// `XEN_VGATYPE_EFI_LFB` (`xen.h`): EFI GOP linear framebuffer.
pub const XEN_VGATYPE_EFI_LFB: u8 = 0x70;

/// The `u.text_mode_3` arm of `dom0_vga_console_info` (`xen.h`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct VgaTextMode3 {
    /// Font height in pixels.
    pub font_height: u16,
    /// Cursor column.
    pub cursor_x: u16,
    /// Cursor row.
    pub cursor_y: u16,
    /// Rows of characters.
    pub rows: u16,
    /// Columns of characters.
    pub columns: u16,
}

/// The `u.vesa_lfb` arm of `dom0_vga_console_info` (`xen.h`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct VgaVesaLfb {
    /// Width in pixels.
    pub width: u16,
    /// Height in pixels.
    pub height: u16,
    /// Bytes per scan line.
    pub bytes_per_line: u16,
    /// Bits per pixel.
    pub bits_per_pixel: u16,
    /// Framebuffer physical address, low 32 bits.
    pub lfb_base: u32,
    /// Framebuffer size in 64 KiB units.
    pub lfb_size: u32,
    /// Red field position.
    pub red_pos: u8,
    /// Red field size.
    pub red_size: u8,
    /// Green field position.
    pub green_pos: u8,
    /// Green field size.
    pub green_size: u8,
    /// Blue field position.
    pub blue_pos: u8,
    /// Blue field size.
    pub blue_size: u8,
    /// Reserved field position.
    pub rsvd_pos: u8,
    /// Reserved field size.
    pub rsvd_size: u8,
    /// VESA capabilities.
    pub gbl_caps: u32,
    /// VESA mode attributes.
    pub mode_attrs: u16,
    /// Padding; zero.
    pub pad: u16,
    /// Framebuffer physical address, high 32 bits.
    pub ext_lfb_base: u32,
}

/// `struct dom0_vga_console_info` (`xen.h`): the boot console handed to
/// dom0. The union `u` is stored as 36 bytes; use the typed accessors.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct Dom0VgaConsoleInfo {
    /// `XEN_VGATYPE_*`.
    pub video_type: u8,
    /// Padding; zero.
    pub _pad0: [u8; 3],
    /// The union of [`VgaTextMode3`] and [`VgaVesaLfb`].
    pub u: [u32; 9],
}

impl Dom0VgaConsoleInfo {
    /// The `u.text_mode_3` arm.
    pub fn text_mode_3(&self) -> VgaTextMode3 {
        VgaTextMode3::read_from_prefix(self.u.as_bytes())
            .map(|(v, _)| v)
            .unwrap_or_default()
    }

    /// The `u.vesa_lfb` arm.
    pub fn vesa_lfb(&self) -> VgaVesaLfb {
        VgaVesaLfb::read_from_bytes(self.u.as_bytes()).unwrap_or_default()
    }

    /// Stores the `u.text_mode_3` arm (zeroing the rest of the union).
    pub fn set_text_mode_3(&mut self, v: VgaTextMode3) {
        self.u = [0; 9];
        let _ = v.write_to_prefix(self.u.as_mut_bytes());
    }

    /// Stores the `u.vesa_lfb` arm.
    pub fn set_vesa_lfb(&mut self, v: VgaVesaLfb) {
        let _ = v.write_to(self.u.as_mut_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_info_layout() {
        assert_layout!(StartInfo, 1168, {
            magic: 0, nr_pages: 32, shared_info: 40, flags: 48, _pad0: 52,
            store_mfn: 56, store_evtchn: 64, _pad1: 68, console: 72, pt_base: 88,
            nr_pt_frames: 96, mfn_list: 104, mod_start: 112, mod_len: 120,
            cmd_line: 128, first_p2m_pfn: 1152, nr_p2m_frames: 1160,
        });
        assert_layout!(StartInfoConsoleDomU, 16, { mfn: 0, evtchn: 8, _pad0: 12 });
        assert_layout!(StartInfoConsoleDom0, 8, { info_off: 0, info_size: 4 });
    }

    #[test]
    fn start_info_console_arms() {
        let mut s = StartInfo::default();
        s.set_console_domu(StartInfoConsoleDomU {
            mfn: 0x1234,
            evtchn: 3,
            _pad0: 0,
        });
        assert_eq!(s.console_domu().mfn, 0x1234);
        assert_eq!(s.console_domu().evtchn, 3);
        // evtchn sits at byte 80 of start_info.
        assert_eq!(&s.as_bytes()[80..84], &3u32.to_le_bytes());
        s.set_console_dom0(StartInfoConsoleDom0 {
            info_off: 0x800,
            info_size: 40,
        });
        assert_eq!(
            s.console_dom0(),
            StartInfoConsoleDom0 {
                info_off: 0x800,
                info_size: 40
            }
        );
        assert_eq!(&s.as_bytes()[76..80], &40u32.to_le_bytes());
        assert_eq!(s.console[1], 0);
        s.flags = SIF_INITDOMAIN | SIF_PRIVILEGED | 1 << 20;
        assert_eq!(s.sif_flags(), SifFlags::INITDOMAIN | SifFlags::PRIVILEGED);
    }

    #[test]
    fn multiboot_and_vga_layouts() {
        assert_layout!(MultibootModList, 16, { mod_start: 0, mod_end: 4, cmdline: 8, pad: 12 });
        assert_layout!(Dom0VgaConsoleInfo, 40, { video_type: 0, _pad0: 1, u: 4 });
        assert_layout!(VgaTextMode3, 10, {
            font_height: 0, cursor_x: 2, cursor_y: 4, rows: 6, columns: 8,
        });
        assert_layout!(VgaVesaLfb, 36, {
            width: 0, height: 2, bytes_per_line: 4, bits_per_pixel: 6, lfb_base: 8,
            lfb_size: 12, red_pos: 16, red_size: 17, green_pos: 18, green_size: 19,
            blue_pos: 20, blue_size: 21, rsvd_pos: 22, rsvd_size: 23, gbl_caps: 24,
            mode_attrs: 28, pad: 30, ext_lfb_base: 32,
        });
    }

    #[test]
    fn vga_arms() {
        let mut v = Dom0VgaConsoleInfo {
            video_type: XEN_VGATYPE_VESA_LFB,
            ..Default::default()
        };
        v.set_vesa_lfb(VgaVesaLfb {
            width: 1024,
            lfb_base: 0xe000_0000,
            ext_lfb_base: 1,
            ..Default::default()
        });
        assert_eq!(v.vesa_lfb().width, 1024);
        assert_eq!(v.vesa_lfb().ext_lfb_base, 1);
        // lfb_base at byte 12, ext_lfb_base at 36 of the whole struct.
        assert_eq!(&v.as_bytes()[12..16], &0xe000_0000u32.to_le_bytes());
        assert_eq!(&v.as_bytes()[36..40], &1u32.to_le_bytes());
        v.set_text_mode_3(VgaTextMode3 {
            rows: 25,
            columns: 80,
            ..Default::default()
        });
        assert_eq!(v.text_mode_3().columns, 80);
        assert_eq!(&v.as_bytes()[12..14], &80u16.to_le_bytes());
        assert_eq!(v.vesa_lfb().ext_lfb_base, 0);
    }
}
