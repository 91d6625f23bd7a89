//! The platform as ACPI describes it: CPUs (MADT), the HPET, and the PM1
//! control register with the `\_S5` sleep type used to power the machine
//! off. Tables are read through the `acpi` crate over the identity map.

use core::ptr::NonNull;

use acpi::madt::{Madt, MadtEntry};
use acpi::{AcpiHandler, AcpiTables, PhysicalMapping};

/// Most CPUs recorded.
pub const MAX_CPUS: usize = 64;

/// The identity mapping set up at boot (first 4 GiB).
#[derive(Clone, Copy, Debug)]
pub struct IdentityMap;

impl AcpiHandler for IdentityMap {
    unsafe fn map_physical_region<T>(&self, phys: usize, size: usize) -> PhysicalMapping<Self, T> {
        // SAFETY: the hypervisor identity-maps the low 4 GiB where
        // firmware places ACPI tables; the crate validates the tables.
        unsafe {
            PhysicalMapping::new(
                phys,
                NonNull::new(phys as *mut T).unwrap_or(NonNull::dangling()),
                size,
                size,
                *self,
            )
        }
    }

    fn unmap_physical_region<T>(_region: &PhysicalMapping<Self, T>) {}
}

/// What the hypervisor needs from ACPI.
#[derive(Clone, Debug)]
pub struct Platform {
    /// Local APIC ids of the enabled CPUs, BSP first as the MADT lists them.
    apic_ids: [u8; MAX_CPUS],
    cpus: usize,
    /// Local APIC MMIO base.
    pub lapic_base: u64,
    /// First I/O APIC's MMIO base, if any.
    pub ioapic_base: Option<u64>,
    /// HPET MMIO base, if any.
    pub hpet_base: Option<u64>,
    /// PM1a control block I/O port.
    pub pm1a_cnt: Option<u16>,
    /// PM1b control block I/O port.
    pub pm1b_cnt: Option<u16>,
    /// `\_S5` SLP_TYPa/b from the DSDT.
    pub s5: Option<(u8, u8)>,
    /// Reset register (I/O port and value) from the FADT, if usable.
    pub reset: Option<(u16, u8)>,
}

impl Default for Platform {
    fn default() -> Self {
        Self {
            apic_ids: [0; MAX_CPUS],
            cpus: 0,
            lapic_base: 0xfee0_0000,
            ioapic_base: None,
            hpet_base: None,
            pm1a_cnt: None,
            pm1b_cnt: None,
            s5: None,
            reset: None,
        }
    }
}

impl Platform {
    /// The enabled CPUs' APIC ids.
    pub fn apic_ids(&self) -> &[u8] {
        &self.apic_ids[..self.cpus]
    }

    /// Reads the tables rooted at `rsdp` (or found by scanning the BIOS
    /// areas when `None`).
    ///
    /// # Safety
    /// The firmware's ACPI tables must be identity-mapped.
    pub unsafe fn discover(rsdp: Option<u64>) -> Option<Self> {
        let tables = match rsdp {
            // SAFETY: forwarded from the caller.
            Some(a) => unsafe { AcpiTables::from_rsdp(IdentityMap, a as usize) }.ok()?,
            // SAFETY: forwarded from the caller; the BIOS areas are mapped.
            None => unsafe { AcpiTables::search_for_rsdp_bios(IdentityMap) }.ok()?,
        };
        let mut p = Platform::default();
        if let Ok(madt) = tables.find_table::<Madt>() {
            p.lapic_base = u64::from(madt.get().local_apic_address);
            for e in madt.get().entries() {
                match e {
                    MadtEntry::LocalApic(l) if l.flags & 1 != 0 && p.cpus < MAX_CPUS => {
                        p.apic_ids[p.cpus] = l.apic_id;
                        p.cpus += 1;
                    }
                    MadtEntry::IoApic(io) if p.ioapic_base.is_none() => {
                        p.ioapic_base = Some(u64::from(io.io_apic_address));
                    }
                    _ => {}
                }
            }
        }
        if let Ok(h) = acpi::HpetInfo::new(&tables) {
            p.hpet_base = Some(h.base_address as u64);
        }
        if let Ok(fadt) = tables.find_table::<acpi::fadt::Fadt>() {
            let io_port = |g: acpi::address::GenericAddress| {
                (g.address_space == acpi::address::AddressSpace::SystemIo && g.address <= 0xffff)
                    .then_some(g.address as u16)
            };
            p.pm1a_cnt = fadt.pm1a_control_block().ok().and_then(io_port);
            p.pm1b_cnt = fadt.pm1b_control_block().ok().flatten().and_then(io_port);
            if let Ok(r) = fadt.reset_register() {
                let value = fadt.reset_value;
                p.reset = io_port(r).map(|port| (port, value));
            }
        }
        if let Ok(dsdt) = tables.dsdt() {
            // SAFETY: the DSDT's AML stream is mapped (identity) and the
            // crate has validated its length.
            let aml = unsafe {
                core::slice::from_raw_parts(dsdt.address as *const u8, dsdt.length as usize)
            };
            p.s5 = find_s5(aml);
        }
        Some(p)
    }
}

/// Finds `\_S5`'s `{SLP_TYPa, SLP_TYPb}` in an AML byte stream by its
/// encoding (`NameOp "_S5_" PackageOp PkgLength NumElements <a> <b>`),
/// without an AML interpreter.
pub fn find_s5(aml: &[u8]) -> Option<(u8, u8)> {
    let at = aml.windows(4).position(|w| w == b"_S5_")?;
    // A definition, not a reference: NameOp before the name (possibly with
    // a root prefix).
    let named = (at >= 1 && aml[at - 1] == 0x08)
        || (at >= 2 && aml[at - 2] == 0x08 && aml[at - 1] == b'\\');
    if !named {
        return None;
    }
    let mut i = at + 4;
    if *aml.get(i)? != 0x12 {
        return None;
    }
    i += 1;
    // PkgLength: the top two bits of the first byte count extra bytes.
    let extra = usize::from(aml.get(i)? >> 6);
    i += 1 + extra;
    i += 1; // NumElements
    let mut value = || -> Option<u8> {
        let op = *aml.get(i)?;
        i += 1;
        match op {
            0x00 => Some(0),
            0x01 => Some(1),
            0x0a => {
                let v = *aml.get(i)?;
                i += 1;
                Some(v)
            }
            _ => None,
        }
    };
    let a = value()?;
    let b = value().unwrap_or(0);
    Some((a, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_qemu_style_s5_packages() {
        // QEMU q35: Name (_S5, Package (0x04) { Zero, Zero, Zero, Zero })
        let q35 = [
            0x10, 0x08, b'_', b'S', b'5', b'_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00,
        ];
        assert_eq!(find_s5(&q35), Some((0, 0)));
        // i440fx: Package { 0x05, Zero ... } style with BytePrefix values.
        let piix = [
            0x08, b'\\', b'_', b'S', b'5', b'_', 0x12, 0x0a, 0x04, 0x0a, 0x05, 0x0a, 0x05, 0x00,
            0x00,
        ];
        assert_eq!(find_s5(&piix), Some((5, 5)));
    }

    #[test]
    fn rejects_references_and_truncation() {
        assert_eq!(find_s5(b"xx_S5_"), None);
        assert_eq!(find_s5(&[0x08, b'_', b'S', b'5', b'_', 0x12]), None);
        assert_eq!(
            find_s5(&[0x08, b'_', b'S', b'5', b'_', 0x12, 0x06, 0x04, 0x0a]),
            None
        );
        assert_eq!(find_s5(&[]), None);
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_aml_never_panics(mut aml in proptest::collection::vec(proptest::num::u8::ANY, 0..64), at in 0usize..64) {
            let at = at.min(aml.len());
            aml.splice(at..at, [0x08, b'_', b'S', b'5', b'_']);
            let _ = find_s5(&aml);
        }
    }
}
