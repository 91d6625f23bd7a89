//! Minimal ACPI tables for a PVH guest, shaped like the ones Xen's
//! toolstack builds: RSDP → XSDT → {FADT, MADT}, FADT → DSDT.
//!
//! The FADT declares hardware-reduced ACPI with no VGA and no CMOS RTC;
//! the MADT lists one enabled local APIC per vCPU with Xen's numbering
//! (APIC id = 2 × vCPU id); the DSDT holds no AML. All tables are laid
//! out contiguously from a caller-chosen guest-physical base (which the
//! caller marks as ACPI memory in the guest's e820).

/// Where the tables landed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AcpiLayout {
    /// Guest-physical address of the RSDP (for `hvm_start_info`).
    pub rsdp: u64,
    /// Bytes used from the base.
    pub len: usize,
}

/// Why the tables could not be built.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AcpiError {
    /// The output area is too small.
    #[error("ACPI area too small: {needed} bytes needed")]
    TooSmall {
        /// Bytes needed.
        needed: usize,
    },
    /// Zero vCPUs, or more than the MADT's 8-bit processor ids allow.
    #[error("bad vCPU count {0} (1..=128)")]
    BadVcpus(u32),
}

/// Local APIC base the MADT advertises.
pub const LAPIC_BASE: u32 = 0xfee0_0000;
/// Xen's APIC id for a vCPU.
pub const fn lapic_id(vcpu: u32) -> u32 {
    vcpu * 2
}

const HEADER: usize = 36;
const RSDP_LEN: usize = 36;
const FADT_LEN: usize = 276;
const DSDT_LEN: usize = HEADER;
const FADT_HW_REDUCED: u32 = 1 << 20;
const IAPC_NO_VGA: u16 = 1 << 2;
const IAPC_NO_CMOS_RTC: u16 = 1 << 5;
const OEM_ID: &[u8; 6] = b"Xen   ";
const OEM_TABLE_ID: &[u8; 8] = b"XenRS   ";

fn madt_len(vcpus: u32) -> usize {
    HEADER + 8 + 8 * vcpus as usize
}

fn xsdt_len() -> usize {
    HEADER + 2 * 8
}

/// Bytes the tables take for `vcpus` vCPUs.
pub fn size(vcpus: u32) -> usize {
    // Each table 16-byte aligned.
    let al = |n: usize| n.next_multiple_of(16);
    al(RSDP_LEN) + al(xsdt_len()) + al(FADT_LEN) + al(madt_len(vcpus)) + al(DSDT_LEN)
}

fn checksum(bytes: &[u8]) -> u8 {
    0u8.wrapping_sub(bytes.iter().fold(0u8, |a, &b| a.wrapping_add(b)))
}

fn header(out: &mut [u8], sig: &[u8; 4], len: usize, revision: u8) {
    out[..4].copy_from_slice(sig);
    out[4..8].copy_from_slice(&(len as u32).to_le_bytes());
    out[8] = revision;
    out[10..16].copy_from_slice(OEM_ID);
    out[16..24].copy_from_slice(OEM_TABLE_ID);
    out[24..28].copy_from_slice(&1u32.to_le_bytes());
    out[28..32].copy_from_slice(b"XRS ");
    out[32..36].copy_from_slice(&1u32.to_le_bytes());
}

fn seal(table: &mut [u8]) {
    table[9] = 0;
    table[9] = checksum(table);
}

/// Builds the tables for `vcpus` vCPUs into `out`, which will sit at
/// guest-physical `base`.
pub fn build(vcpus: u32, base: u64, out: &mut [u8]) -> Result<AcpiLayout, AcpiError> {
    if vcpus == 0 || vcpus > 128 {
        return Err(AcpiError::BadVcpus(vcpus));
    }
    let needed = size(vcpus);
    if out.len() < needed {
        return Err(AcpiError::TooSmall { needed });
    }
    out[..needed].fill(0);
    let al = |n: usize| n.next_multiple_of(16);
    let rsdp_at = 0;
    let xsdt_at = rsdp_at + al(RSDP_LEN);
    let fadt_at = xsdt_at + al(xsdt_len());
    let madt_at = fadt_at + al(FADT_LEN);
    let dsdt_at = madt_at + al(madt_len(vcpus));
    let pa = |at: usize| base + at as u64;

    // DSDT: a header and no AML.
    {
        let t = &mut out[dsdt_at..dsdt_at + DSDT_LEN];
        header(t, b"DSDT", DSDT_LEN, 2);
        seal(t);
    }
    // MADT.
    {
        let len = madt_len(vcpus);
        let t = &mut out[madt_at..madt_at + len];
        header(t, b"APIC", len, 4);
        t[36..40].copy_from_slice(&LAPIC_BASE.to_le_bytes());
        t[40..44].copy_from_slice(&0u32.to_le_bytes()); // no dual 8259s
        for v in 0..vcpus {
            let e = &mut t[44 + 8 * v as usize..52 + 8 * v as usize];
            e[0] = 0; // processor local APIC
            e[1] = 8;
            e[2] = v as u8; // ACPI processor id
            e[3] = lapic_id(v) as u8;
            e[4..8].copy_from_slice(&1u32.to_le_bytes()); // enabled
        }
        seal(t);
    }
    // FADT (revision 6 layout).
    {
        let t = &mut out[fadt_at..fadt_at + FADT_LEN];
        header(t, b"FACP", FADT_LEN, 6);
        let dsdt = pa(dsdt_at);
        t[40..44].copy_from_slice(&(dsdt as u32).to_le_bytes()); // DSDT
        t[109..111].copy_from_slice(&(IAPC_NO_VGA | IAPC_NO_CMOS_RTC).to_le_bytes());
        t[112..116].copy_from_slice(&FADT_HW_REDUCED.to_le_bytes()); // flags
        t[131] = 1; // minor version: 6.1
        t[140..148].copy_from_slice(&dsdt.to_le_bytes()); // X_DSDT
        seal(t);
    }
    // XSDT.
    {
        let len = xsdt_len();
        let t = &mut out[xsdt_at..xsdt_at + len];
        header(t, b"XSDT", len, 1);
        t[36..44].copy_from_slice(&pa(fadt_at).to_le_bytes());
        t[44..52].copy_from_slice(&pa(madt_at).to_le_bytes());
        seal(t);
    }
    // RSDP (ACPI 2.0+).
    {
        let t = &mut out[rsdp_at..rsdp_at + RSDP_LEN];
        t[..8].copy_from_slice(b"RSD PTR ");
        t[9..15].copy_from_slice(OEM_ID);
        t[15] = 2;
        t[20..24].copy_from_slice(&(RSDP_LEN as u32).to_le_bytes());
        t[24..32].copy_from_slice(&pa(xsdt_at).to_le_bytes());
        t[8] = checksum(&t[..20]);
        t[32] = checksum(t);
    }
    Ok(AcpiLayout {
        rsdp: pa(rsdp_at),
        len: needed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::ptr::NonNull;
    use std::vec::Vec;

    /// Maps "guest-physical" addresses onto a test buffer.
    #[derive(Clone)]
    struct Buffer {
        base: u64,
        ptr: *mut u8,
        len: usize,
    }

    impl acpi::AcpiHandler for Buffer {
        unsafe fn map_physical_region<T>(
            &self,
            phys: usize,
            size: usize,
        ) -> acpi::PhysicalMapping<Self, T> {
            let off = phys as u64 - self.base;
            assert!(off as usize + size <= self.len, "table read out of bounds");
            // SAFETY: the test buffer outlives the tables parsed from it and
            // the offset was just bounds-checked.
            unsafe {
                acpi::PhysicalMapping::new(
                    phys,
                    NonNull::new(self.ptr.add(off as usize) as *mut T).unwrap(),
                    size,
                    size,
                    self.clone(),
                )
            }
        }
        fn unmap_physical_region<T>(_: &acpi::PhysicalMapping<Self, T>) {}
    }

    #[test]
    fn the_acpi_crate_reads_what_we_build() {
        let base = 0xfc00_0000;
        let mut buf: Vec<u8> = std::vec![0xaa; 4096];
        let l = build(3, base, &mut buf).unwrap();
        assert_eq!(l.rsdp, base);
        let h = Buffer {
            base,
            ptr: buf.as_mut_ptr(),
            len: buf.len(),
        };
        // SAFETY: the handler maps the buffer, which lives to the end.
        let tables = unsafe { acpi::AcpiTables::from_rsdp(h, l.rsdp as usize) }.unwrap();
        let madt = tables.find_table::<acpi::madt::Madt>().unwrap();
        let ids: Vec<(u8, u8)> = madt
            .get()
            .entries()
            .filter_map(|e| match e {
                acpi::madt::MadtEntry::LocalApic(a) => Some((a.processor_id, a.apic_id)),
                _ => None,
            })
            .collect();
        assert_eq!(ids, [(0, 0), (1, 2), (2, 4)]);
        let fadt = tables.find_table::<acpi::fadt::Fadt>().unwrap();
        assert_eq!(
            fadt.dsdt_address().unwrap() as u64,
            base + (l.len - DSDT_LEN.next_multiple_of(16)) as u64
        );
        let dsdt = tables.dsdt().unwrap();
        assert_eq!(dsdt.length, 0);
    }

    #[test]
    fn every_table_checksums_to_zero_and_bad_inputs_are_refused() {
        let mut buf = [0u8; 1024];
        let l = build(1, 0x1000, &mut buf).unwrap();
        assert_eq!(l.len, size(1));
        assert_eq!(checksum(&buf[..20]), 0);
        assert_eq!(checksum(&buf[..36]), 0);
        assert_eq!(build(0, 0, &mut buf), Err(AcpiError::BadVcpus(0)));
        assert_eq!(build(129, 0, &mut buf), Err(AcpiError::BadVcpus(129)));
        assert_eq!(
            build(8, 0, &mut buf[..100]),
            Err(AcpiError::TooSmall { needed: size(8) })
        );
    }
}
