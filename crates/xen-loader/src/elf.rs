//! ELF images for PVH: the loadable segments at their physical addresses
//! and the `Xen` notes (`XEN_ELFNOTE_PHYS32_ENTRY` above all).
//!
//! Both ELF classes are accepted, as Xen's loader accepts them. Every
//! offset and size in the file is checked against the file's length before
//! use: images come from boot modules or from a toolstack's user, so a
//! malformed one is an error, never a panic.

use xen_abi::elfnote::XEN_ELFNOTE_PHYS32_ENTRY;

/// Most loadable segments kept.
pub const MAX_SEGMENTS: usize = 16;

/// Why an image was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ElfError {
    /// Not an ELF file (magic).
    #[error("not an ELF image")]
    NotElf,
    /// An ELF class, data encoding or machine this loader does not take.
    #[error("unsupported ELF image (class, endianness or machine)")]
    Unsupported,
    /// A header, segment or note lies outside the file or overflows.
    #[error("malformed ELF image: {0}")]
    Malformed(&'static str),
    /// No `XEN_ELFNOTE_PHYS32_ENTRY`: not a PVH kernel.
    #[error("no XEN_ELFNOTE_PHYS32_ENTRY note: the kernel does not support PVH")]
    NoPvhEntry,
    /// More loadable segments than [`MAX_SEGMENTS`].
    #[error("too many loadable segments")]
    TooManySegments,
}

/// One `PT_LOAD` segment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Segment {
    /// Physical load address (`p_paddr`).
    pub paddr: u64,
    /// Bytes in memory (`p_memsz`); beyond `filesz` they are zero.
    pub memsz: u64,
    /// Offset of the file bytes.
    pub offset: u64,
    /// Bytes taken from the file (`p_filesz`).
    pub filesz: u64,
}

/// A parsed PVH kernel image.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PvhImage {
    segments: [Segment; MAX_SEGMENTS],
    count: usize,
    /// The 32-bit physical entry point.
    pub entry: u32,
    /// True for an ELF64 container.
    pub is_64: bool,
}

impl PvhImage {
    /// The loadable segments.
    pub fn segments(&self) -> &[Segment] {
        &self.segments[..self.count]
    }

    /// Lowest and highest (exclusive) physical address the image occupies.
    pub fn extent(&self) -> (u64, u64) {
        let lo = self.segments().iter().map(|s| s.paddr).min().unwrap_or(0);
        let hi = self
            .segments()
            .iter()
            .map(|s| s.paddr + s.memsz)
            .max()
            .unwrap_or(0);
        (lo, hi)
    }

    /// Parses `file`.
    pub fn parse(file: &[u8]) -> Result<Self, ElfError> {
        if file.len() < 16 || &file[..4] != b"\x7fELF" {
            return Err(ElfError::NotElf);
        }
        let is_64 = match file[4] {
            1 => false,
            2 => true,
            _ => return Err(ElfError::Unsupported),
        };
        if file[5] != 1 {
            return Err(ElfError::Unsupported); // little-endian only
        }
        let r = Reader { file };
        let machine = r.u16(18)?;
        if !matches!(machine, 3 | 62) {
            return Err(ElfError::Unsupported); // EM_386, EM_X86_64
        }
        let (phoff, phentsize, phnum) = if is_64 {
            (r.u64(32)?, r.u16(54)?, r.u16(56)?)
        } else {
            (u64::from(r.u32(28)?), r.u16(42)?, r.u16(44)?)
        };
        let min_ph = if is_64 { 56 } else { 32 };
        if usize::from(phentsize) < min_ph {
            return Err(ElfError::Malformed("program header entry size"));
        }
        let mut img = PvhImage {
            segments: [Segment::default(); MAX_SEGMENTS],
            count: 0,
            entry: 0,
            is_64,
        };
        let mut entry = None;
        for i in 0..u64::from(phnum) {
            let at = phoff
                .checked_add(i * u64::from(phentsize))
                .ok_or(ElfError::Malformed("program header offset"))?;
            let at =
                usize::try_from(at).map_err(|_| ElfError::Malformed("program header offset"))?;
            let ph = if is_64 {
                Ph {
                    kind: r.u32(at)?,
                    offset: r.u64(at + 8)?,
                    paddr: r.u64(at + 24)?,
                    filesz: r.u64(at + 32)?,
                    memsz: r.u64(at + 40)?,
                }
            } else {
                Ph {
                    kind: r.u32(at)?,
                    offset: u64::from(r.u32(at + 4)?),
                    paddr: u64::from(r.u32(at + 12)?),
                    filesz: u64::from(r.u32(at + 16)?),
                    memsz: u64::from(r.u32(at + 20)?),
                }
            };
            let end = ph
                .offset
                .checked_add(ph.filesz)
                .ok_or(ElfError::Malformed("segment size"))?;
            if end > file.len() as u64 {
                return Err(ElfError::Malformed("segment beyond end of file"));
            }
            match ph.kind {
                1 => {
                    if ph.filesz > ph.memsz || ph.paddr.checked_add(ph.memsz).is_none() {
                        return Err(ElfError::Malformed("segment sizes"));
                    }
                    if ph.memsz == 0 {
                        continue;
                    }
                    if img.count == MAX_SEGMENTS {
                        return Err(ElfError::TooManySegments);
                    }
                    img.segments[img.count] = Segment {
                        paddr: ph.paddr,
                        memsz: ph.memsz,
                        offset: ph.offset,
                        filesz: ph.filesz,
                    };
                    img.count += 1;
                }
                4 => {
                    let notes = &file[ph.offset as usize..end as usize];
                    if let Some(e) = find_phys32_entry(notes)? {
                        entry = Some(e);
                    }
                }
                _ => {}
            }
        }
        img.entry = entry.ok_or(ElfError::NoPvhEntry)?;
        Ok(img)
    }
}

struct Ph {
    kind: u32,
    offset: u64,
    paddr: u64,
    filesz: u64,
    memsz: u64,
}

struct Reader<'a> {
    file: &'a [u8],
}

impl Reader<'_> {
    fn bytes<const N: usize>(&self, at: usize) -> Result<[u8; N], ElfError> {
        at.checked_add(N)
            .and_then(|end| self.file.get(at..end))
            .and_then(|s| s.try_into().ok())
            .ok_or(ElfError::Malformed("header beyond end of file"))
    }
    fn u16(&self, at: usize) -> Result<u16, ElfError> {
        self.bytes(at).map(u16::from_le_bytes)
    }
    fn u32(&self, at: usize) -> Result<u32, ElfError> {
        self.bytes(at).map(u32::from_le_bytes)
    }
    fn u64(&self, at: usize) -> Result<u64, ElfError> {
        self.bytes(at).map(u64::from_le_bytes)
    }
}

/// Walks a note segment for the `Xen` PHYS32_ENTRY note. Its descriptor
/// is 4 bytes (32-bit kernels) or 8 (Linux's x86-64 builds use a quad).
fn find_phys32_entry(notes: &[u8]) -> Result<Option<u32>, ElfError> {
    let r = Reader { file: notes };
    let mut at = 0usize;
    while at + 12 <= notes.len() {
        let namesz = r.u32(at)? as usize;
        let descsz = r.u32(at + 4)? as usize;
        let kind = r.u32(at + 8)?;
        let name_at = at + 12;
        let desc_at = name_at
            .checked_add(namesz.next_multiple_of(4))
            .ok_or(ElfError::Malformed("note size"))?;
        let next = desc_at
            .checked_add(descsz.next_multiple_of(4))
            .ok_or(ElfError::Malformed("note size"))?;
        if next > notes.len() {
            return Err(ElfError::Malformed("note beyond its segment"));
        }
        let name = &notes[name_at..name_at + namesz];
        if name == b"Xen\0" && kind == XEN_ELFNOTE_PHYS32_ENTRY {
            let v = match descsz {
                4 => u64::from(r.u32(desc_at)?),
                8 => r.u64(desc_at)?,
                _ => return Err(ElfError::Malformed("PHYS32_ENTRY descriptor size")),
            };
            let v =
                u32::try_from(v).map_err(|_| ElfError::Malformed("PHYS32_ENTRY above 4 GiB"))?;
            return Ok(Some(v));
        }
        at = next;
    }
    Ok(None)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::vec::Vec;

    /// A minimal ELF64 PVH image: one PT_LOAD at `paddr`, one PT_NOTE.
    pub(crate) fn elf64(paddr: u64, code: &[u8], bss: u64, entry: u64, desc8: bool) -> Vec<u8> {
        let mut f = std::vec![0u8; 64];
        f[..4].copy_from_slice(b"\x7fELF");
        f[4] = 2;
        f[5] = 1;
        f[6] = 1;
        f[16..18].copy_from_slice(&2u16.to_le_bytes());
        f[18..20].copy_from_slice(&62u16.to_le_bytes());
        f[32..40].copy_from_slice(&64u64.to_le_bytes());
        f[54..56].copy_from_slice(&56u16.to_le_bytes());
        f[56..58].copy_from_slice(&2u16.to_le_bytes());
        let ph_at = f.len();
        f.resize(ph_at + 2 * 56, 0);
        let note_at = f.len();
        let descsz: u32 = if desc8 { 8 } else { 4 };
        f.extend_from_slice(&4u32.to_le_bytes());
        f.extend_from_slice(&descsz.to_le_bytes());
        f.extend_from_slice(&18u32.to_le_bytes());
        f.extend_from_slice(b"Xen\0");
        if desc8 {
            f.extend_from_slice(&entry.to_le_bytes());
        } else {
            f.extend_from_slice(&(entry as u32).to_le_bytes());
        }
        let note_len = f.len() - note_at;
        let code_at = f.len();
        f.extend_from_slice(code);
        let mut ph = |i: usize, kind: u32, off: usize, paddr: u64, filesz: u64, memsz: u64| {
            let b = ph_at + i * 56;
            f[b..b + 4].copy_from_slice(&kind.to_le_bytes());
            f[b + 8..b + 16].copy_from_slice(&(off as u64).to_le_bytes());
            f[b + 24..b + 32].copy_from_slice(&paddr.to_le_bytes());
            f[b + 32..b + 40].copy_from_slice(&filesz.to_le_bytes());
            f[b + 40..b + 48].copy_from_slice(&memsz.to_le_bytes());
        };
        ph(
            0,
            1,
            code_at,
            paddr,
            code.len() as u64,
            code.len() as u64 + bss,
        );
        ph(1, 4, note_at, 0, note_len as u64, note_len as u64);
        f
    }

    #[test]
    fn parses_segments_and_entry_note() {
        let f = elf64(0x100_0000, b"\xf4\xf4", 0x100, 0x100_0000, true);
        let img = PvhImage::parse(&f).unwrap();
        assert_eq!(img.entry, 0x100_0000);
        assert!(img.is_64);
        assert_eq!(img.segments().len(), 1);
        assert_eq!(img.segments()[0].filesz, 2);
        assert_eq!(img.extent(), (0x100_0000, 0x100_0000 + 0x102));
        let f = elf64(0x20_0000, b"x", 0, 0x20_0000, false);
        assert_eq!(PvhImage::parse(&f).unwrap().entry, 0x20_0000);
    }

    #[test]
    fn refuses_bad_images() {
        assert_eq!(PvhImage::parse(b"MZ\x90\x00"), Err(ElfError::NotElf));
        let mut f = elf64(0x100000, b"x", 0, 0x100000, true);
        f[5] = 2;
        assert_eq!(PvhImage::parse(&f), Err(ElfError::Unsupported));
        let f = elf64(0x100000, b"x", 0, 0x1_0000_0000, true);
        assert!(matches!(PvhImage::parse(&f), Err(ElfError::Malformed(_))));
        // The note sits right after the two program headers; its type
        // field is 8 bytes in. Another type: not a PVH kernel.
        let mut f = elf64(0x100000, b"x", 0, 0x100000, true);
        f[64 + 2 * 56 + 8] = 17;
        assert_eq!(PvhImage::parse(&f), Err(ElfError::NoPvhEntry));
        let mut g = elf64(0x100000, b"x", 0, 0x100000, true);
        g.truncate(100);
        assert!(PvhImage::parse(&g).is_err());
    }

    proptest::proptest! {
        #[test]
        fn mutated_images_never_panic(
            flips in proptest::collection::vec((0usize..400, proptest::num::u8::ANY), 1..8),
            cut in 0usize..400,
        ) {
            let mut f = elf64(0x100000, &[0x90; 64], 16, 0x100000, true);
            for (i, b) in flips {
                if let Some(x) = f.get_mut(i) { *x = b; }
            }
            f.truncate(cut.max(1));
            let _ = PvhImage::parse(&f);
        }
    }
}
