//! HVM parameters (`hvm/params.h`): the indices read and written with
//! `HVMOP_get_param` / `HVMOP_set_param`, and the encodings of their values.
//!
//! A PVH or HVM guest typically reads `HVM_PARAM_STORE_PFN`,
//! `HVM_PARAM_STORE_EVTCHN`, `HVM_PARAM_CONSOLE_PFN` and
//! `HVM_PARAM_CONSOLE_EVTCHN`, and sets `HVM_PARAM_CALLBACK_IRQ` to choose
//! how event upcalls arrive. Indices marked deprecated are defined only for
//! Xen and the tools.

use bitflags::bitflags;

/// `HVM_PARAM_CALLBACK_IRQ` (`hvm/params.h`): how event-channel upcalls for vCPU 0 are delivered; see [`HvmCallbackVia`].
pub const HVM_PARAM_CALLBACK_IRQ: u32 = 0;
/// `HVM_PARAM_STORE_PFN` (`hvm/params.h`): guest frame of the xenstore ring.
pub const HVM_PARAM_STORE_PFN: u32 = 1;
/// `HVM_PARAM_STORE_EVTCHN` (`hvm/params.h`): event channel of xenstore.
pub const HVM_PARAM_STORE_EVTCHN: u32 = 2;
/// `HVM_PARAM_PAE_ENABLED` (`hvm/params.h`): deprecated (tools only), meaning undefined.
pub const HVM_PARAM_PAE_ENABLED: u32 = 4;
/// `HVM_PARAM_IOREQ_PFN` (`hvm/params.h`): frame of the legacy synchronous ioreq page.
pub const HVM_PARAM_IOREQ_PFN: u32 = 5;
/// `HVM_PARAM_BUFIOREQ_PFN` (`hvm/params.h`): frame of the legacy buffered ioreq page.
pub const HVM_PARAM_BUFIOREQ_PFN: u32 = 6;
/// `HVM_PARAM_VIRIDIAN` (`hvm/params.h`): Viridian (Hyper-V) enlightenments enabled, as `HVMPV_*` bits.
pub const HVM_PARAM_VIRIDIAN: u32 = 9;
/// `HVM_PARAM_TIMER_MODE` (`hvm/params.h`): virtual timer mode, one of `HVMPTM_*`.
pub const HVM_PARAM_TIMER_MODE: u32 = 10;
/// `HVM_PARAM_HPET_ENABLED` (`hvm/params.h`): boolean: emulate an HPET.
pub const HVM_PARAM_HPET_ENABLED: u32 = 11;
/// `HVM_PARAM_IDENT_PT` (`hvm/params.h`): identity-map page directory used by Intel EPT while CR0.PG=0.
pub const HVM_PARAM_IDENT_PT: u32 = 12;
/// `HVM_PARAM_DM_DOMAIN` (`hvm/params.h`): deprecated (tools only), meaning undefined.
pub const HVM_PARAM_DM_DOMAIN: u32 = 13;
/// `HVM_PARAM_ACPI_S_STATE` (`hvm/params.h`): ACPI sleep state (S0 or S3).
pub const HVM_PARAM_ACPI_S_STATE: u32 = 14;
/// `HVM_PARAM_VM86_TSS` (`hvm/params.h`): TSS used on Intel while CR0.PE=0.
pub const HVM_PARAM_VM86_TSS: u32 = 15;
/// `HVM_PARAM_VPT_ALIGN` (`hvm/params.h`): boolean: align periodic virtual timers.
pub const HVM_PARAM_VPT_ALIGN: u32 = 16;
/// `HVM_PARAM_CONSOLE_PFN` (`hvm/params.h`): guest frame of the PV console ring.
pub const HVM_PARAM_CONSOLE_PFN: u32 = 17;
/// `HVM_PARAM_CONSOLE_EVTCHN` (`hvm/params.h`): event channel of the PV console.
pub const HVM_PARAM_CONSOLE_EVTCHN: u32 = 18;
/// `HVM_PARAM_ACPI_IOPORTS_LOCATION` (`hvm/params.h`): ACPI PM1a/TMR block location: 0 = old (0x1f40), 1 = QEMU's (0xb000).
pub const HVM_PARAM_ACPI_IOPORTS_LOCATION: u32 = 19;
/// `HVM_PARAM_MEMORY_EVENT_CR0` (`hvm/params.h`): deprecated (tools only), meaning undefined.
pub const HVM_PARAM_MEMORY_EVENT_CR0: u32 = 20;
/// `HVM_PARAM_MEMORY_EVENT_CR3` (`hvm/params.h`): deprecated (tools only), meaning undefined.
pub const HVM_PARAM_MEMORY_EVENT_CR3: u32 = 21;
/// `HVM_PARAM_MEMORY_EVENT_CR4` (`hvm/params.h`): deprecated (tools only), meaning undefined.
pub const HVM_PARAM_MEMORY_EVENT_CR4: u32 = 22;
/// `HVM_PARAM_MEMORY_EVENT_INT3` (`hvm/params.h`): deprecated (tools only), meaning undefined.
pub const HVM_PARAM_MEMORY_EVENT_INT3: u32 = 23;
/// `HVM_PARAM_NESTEDHVM` (`hvm/params.h`): deprecated (tools only), meaning undefined.
pub const HVM_PARAM_NESTEDHVM: u32 = 24;
/// `HVM_PARAM_MEMORY_EVENT_SINGLE_STEP` (`hvm/params.h`): deprecated (tools only), meaning undefined.
pub const HVM_PARAM_MEMORY_EVENT_SINGLE_STEP: u32 = 25;
/// `HVM_PARAM_BUFIOREQ_EVTCHN` (`hvm/params.h`): deprecated (tools only), meaning undefined.
pub const HVM_PARAM_BUFIOREQ_EVTCHN: u32 = 26;
/// `HVM_PARAM_PAGING_RING_PFN` (`hvm/params.h`): frame of the paging vm_event ring.
pub const HVM_PARAM_PAGING_RING_PFN: u32 = 27;
/// `HVM_PARAM_MONITOR_RING_PFN` (`hvm/params.h`): frame of the monitor vm_event ring.
pub const HVM_PARAM_MONITOR_RING_PFN: u32 = 28;
/// `HVM_PARAM_SHARING_RING_PFN` (`hvm/params.h`): frame of the sharing vm_event ring.
pub const HVM_PARAM_SHARING_RING_PFN: u32 = 29;
/// `HVM_PARAM_MEMORY_EVENT_MSR` (`hvm/params.h`): deprecated (tools only), meaning undefined.
pub const HVM_PARAM_MEMORY_EVENT_MSR: u32 = 30;
/// `HVM_PARAM_TRIPLE_FAULT_REASON` (`hvm/params.h`): `SHUTDOWN_*` reason used when the guest triple-faults.
pub const HVM_PARAM_TRIPLE_FAULT_REASON: u32 = 31;
/// `HVM_PARAM_IOREQ_SERVER_PFN` (`hvm/params.h`): first frame reserved for ioreq servers.
pub const HVM_PARAM_IOREQ_SERVER_PFN: u32 = 32;
/// `HVM_PARAM_NR_IOREQ_SERVER_PAGES` (`hvm/params.h`): number of frames reserved for ioreq servers.
pub const HVM_PARAM_NR_IOREQ_SERVER_PAGES: u32 = 33;
/// `HVM_PARAM_VM_GENERATION_ID_ADDR` (`hvm/params.h`): guest-physical address of the VM generation id.
pub const HVM_PARAM_VM_GENERATION_ID_ADDR: u32 = 34;
/// `HVM_PARAM_ALTP2M` (`hvm/params.h`): altp2m mode, one of `XEN_ALTP2M_*`.
pub const HVM_PARAM_ALTP2M: u32 = 35;
/// `HVM_PARAM_X87_FIP_WIDTH` (`hvm/params.h`): x87 FIP/FDP width to save/restore: 0 (choose), 4 or 8.
pub const HVM_PARAM_X87_FIP_WIDTH: u32 = 36;
/// `HVM_PARAM_VM86_TSS_SIZED` (`hvm/params.h`): TSS for CR0.PE=0 on Intel: address in the low 32 bits, size in the high 32.
pub const HVM_PARAM_VM86_TSS_SIZED: u32 = 37;
/// `HVM_PARAM_MCA_CAP` (`hvm/params.h`): machine-check capabilities, `XEN_HVM_MCA_CAP_*`.
pub const HVM_PARAM_MCA_CAP: u32 = 38;
/// `HVM_NR_PARAMS` (`hvm/params.h`): number of parameter slots.
pub const HVM_NR_PARAMS: u32 = 39;

/// `HVM_PARAM_CALLBACK_IRQ_TYPE_MASK` (`hvm/params.h`): bits 63:56 of the
/// callback value select the delivery type.
pub const HVM_PARAM_CALLBACK_IRQ_TYPE_MASK: u64 = 0xFF00_0000_0000_0000;
/// Shift of the delivery type in the callback value (not a C macro).
pub const HVM_PARAM_CALLBACK_TYPE_SHIFT: u32 = 56;
/// `HVM_PARAM_CALLBACK_TYPE_GSI` (`hvm/params.h`): bits 55:0 are a GSI
/// (GSI 0 is unusable: the value would be 0, which disables delivery).
pub const HVM_PARAM_CALLBACK_TYPE_GSI: u8 = 0;
/// `HVM_PARAM_CALLBACK_TYPE_PCI_INTX` (`hvm/params.h`): a PCI INTx line,
/// segment in bits 47:32, bus 31:16, devfn 15:8 and INTx pin 1:0.
pub const HVM_PARAM_CALLBACK_TYPE_PCI_INTX: u8 = 1;
/// `HVM_PARAM_CALLBACK_TYPE_VECTOR` (`hvm/params.h`): x86 only, bits 7:0
/// are an IDT vector injected directly (needs `XENFEAT_hvm_callback_vector`).
pub const HVM_PARAM_CALLBACK_TYPE_VECTOR: u8 = 2;

/// A decoded `HVM_PARAM_CALLBACK_IRQ` value: how vCPU 0's event upcall
/// is delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HvmCallbackVia {
    /// Value 0: no upcalls.
    Disabled,
    /// Through a GSI (56 bits; 0 is not allowed).
    Gsi(u64),
    /// Through a PCI INTx line.
    PciIntx {
        /// PCI segment (bits 47:32).
        segment: u16,
        /// Bus (bits 31:16).
        bus: u16,
        /// Device and function (bits 15:8).
        devfn: u8,
        /// INTx pin, 0 = INTA (bits 1:0).
        intx: u8,
    },
    /// Directly as an IDT vector.
    Vector(u8),
}

/// Error of [`HvmCallbackVia::decode`]: an unknown type in bits 63:56.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownCallbackType(pub u8);

impl HvmCallbackVia {
    /// The value to store in `HVM_PARAM_CALLBACK_IRQ`. A GSI is truncated
    /// to 56 bits; `Gsi(0)` encodes as 0, i.e. disabled.
    pub const fn encode(self) -> u64 {
        const fn typed(t: u8, v: u64) -> u64 {
            (t as u64) << HVM_PARAM_CALLBACK_TYPE_SHIFT | (v & !HVM_PARAM_CALLBACK_IRQ_TYPE_MASK)
        }
        match self {
            Self::Disabled => 0,
            Self::Gsi(gsi) => typed(HVM_PARAM_CALLBACK_TYPE_GSI, gsi),
            Self::PciIntx {
                segment,
                bus,
                devfn,
                intx,
            } => typed(
                HVM_PARAM_CALLBACK_TYPE_PCI_INTX,
                (segment as u64) << 32
                    | (bus as u64) << 16
                    | (devfn as u64) << 8
                    | (intx & 3) as u64,
            ),
            Self::Vector(v) => typed(HVM_PARAM_CALLBACK_TYPE_VECTOR, v as u64),
        }
    }

    /// Decodes an `HVM_PARAM_CALLBACK_IRQ` value.
    pub const fn decode(val: u64) -> Result<Self, UnknownCallbackType> {
        if val == 0 {
            return Ok(Self::Disabled);
        }
        let t = (val >> HVM_PARAM_CALLBACK_TYPE_SHIFT) as u8;
        let v = val & !HVM_PARAM_CALLBACK_IRQ_TYPE_MASK;
        match t {
            HVM_PARAM_CALLBACK_TYPE_GSI => Ok(Self::Gsi(v)),
            HVM_PARAM_CALLBACK_TYPE_PCI_INTX => Ok(Self::PciIntx {
                segment: (v >> 32) as u16,
                bus: (v >> 16) as u16,
                devfn: (v >> 8) as u8,
                intx: (v & 3) as u8,
            }),
            HVM_PARAM_CALLBACK_TYPE_VECTOR => Ok(Self::Vector(v as u8)),
            _ => Err(UnknownCallbackType(t)),
        }
    }
}

/// `_HVMPV_base_freq` (`hvm/params.h`): bit number of [`HVMPV_BASE_FREQ`].
pub const _HVMPV_BASE_FREQ: u32 = 0;
/// `HVMPV_base_freq` (`hvm/params.h`): Viridian base set plus the TSC/APIC frequency MSRs (required in every valid mask).
pub const HVMPV_BASE_FREQ: u64 = 1 << _HVMPV_BASE_FREQ;
/// `_HVMPV_no_freq` (`hvm/params.h`): bit number of [`HVMPV_NO_FREQ`].
pub const _HVMPV_NO_FREQ: u32 = 1;
/// `HVMPV_no_freq` (`hvm/params.h`): Viridian drop the frequency MSRs again (pre-4.4 base set).
pub const HVMPV_NO_FREQ: u64 = 1 << _HVMPV_NO_FREQ;
/// `_HVMPV_time_ref_count` (`hvm/params.h`): bit number of [`HVMPV_TIME_REF_COUNT`].
pub const _HVMPV_TIME_REF_COUNT: u32 = 2;
/// `HVMPV_time_ref_count` (`hvm/params.h`): Viridian partition reference counter MSR.
pub const HVMPV_TIME_REF_COUNT: u64 = 1 << _HVMPV_TIME_REF_COUNT;
/// `_HVMPV_reference_tsc` (`hvm/params.h`): bit number of [`HVMPV_REFERENCE_TSC`].
pub const _HVMPV_REFERENCE_TSC: u32 = 3;
/// `HVMPV_reference_tsc` (`hvm/params.h`): Viridian reference TSC page.
pub const HVMPV_REFERENCE_TSC: u64 = 1 << _HVMPV_REFERENCE_TSC;
/// `_HVMPV_hcall_remote_tlb_flush` (`hvm/params.h`): bit number of [`HVMPV_HCALL_REMOTE_TLB_FLUSH`].
pub const _HVMPV_HCALL_REMOTE_TLB_FLUSH: u32 = 4;
/// `HVMPV_hcall_remote_tlb_flush` (`hvm/params.h`): Viridian remote TLB flush by hypercall.
pub const HVMPV_HCALL_REMOTE_TLB_FLUSH: u64 = 1 << _HVMPV_HCALL_REMOTE_TLB_FLUSH;
/// `_HVMPV_apic_assist` (`hvm/params.h`): bit number of [`HVMPV_APIC_ASSIST`].
pub const _HVMPV_APIC_ASSIST: u32 = 5;
/// `HVMPV_apic_assist` (`hvm/params.h`): Viridian APIC assist page.
pub const HVMPV_APIC_ASSIST: u64 = 1 << _HVMPV_APIC_ASSIST;
/// `_HVMPV_crash_ctl` (`hvm/params.h`): bit number of [`HVMPV_CRASH_CTL`].
pub const _HVMPV_CRASH_CTL: u32 = 6;
/// `HVMPV_crash_ctl` (`hvm/params.h`): Viridian crash MSRs.
pub const HVMPV_CRASH_CTL: u64 = 1 << _HVMPV_CRASH_CTL;
/// `_HVMPV_synic` (`hvm/params.h`): bit number of [`HVMPV_SYNIC`].
pub const _HVMPV_SYNIC: u32 = 7;
/// `HVMPV_synic` (`hvm/params.h`): Viridian synthetic interrupt controller MSRs.
pub const HVMPV_SYNIC: u64 = 1 << _HVMPV_SYNIC;
/// `_HVMPV_stimer` (`hvm/params.h`): bit number of [`HVMPV_STIMER`].
pub const _HVMPV_STIMER: u32 = 8;
/// `HVMPV_stimer` (`hvm/params.h`): Viridian synthetic timer MSRs.
pub const HVMPV_STIMER: u64 = 1 << _HVMPV_STIMER;
/// `_HVMPV_hcall_ipi` (`hvm/params.h`): bit number of [`HVMPV_HCALL_IPI`].
pub const _HVMPV_HCALL_IPI: u32 = 9;
/// `HVMPV_hcall_ipi` (`hvm/params.h`): Viridian synthetic cluster IPI hypercall.
pub const HVMPV_HCALL_IPI: u64 = 1 << _HVMPV_HCALL_IPI;
/// `_HVMPV_ex_processor_masks` (`hvm/params.h`): bit number of [`HVMPV_EX_PROCESSOR_MASKS`].
pub const _HVMPV_EX_PROCESSOR_MASKS: u32 = 10;
/// `HVMPV_ex_processor_masks` (`hvm/params.h`): Viridian extended processor masks.
pub const HVMPV_EX_PROCESSOR_MASKS: u64 = 1 << _HVMPV_EX_PROCESSOR_MASKS;
/// `_HVMPV_no_vp_limit` (`hvm/params.h`): bit number of [`HVMPV_NO_VP_LIMIT`].
pub const _HVMPV_NO_VP_LIMIT: u32 = 11;
/// `HVMPV_no_vp_limit` (`hvm/params.h`): Viridian more than 64 virtual processors.
pub const HVMPV_NO_VP_LIMIT: u64 = 1 << _HVMPV_NO_VP_LIMIT;
/// `_HVMPV_cpu_hotplug` (`hvm/params.h`): bit number of [`HVMPV_CPU_HOTPLUG`].
pub const _HVMPV_CPU_HOTPLUG: u32 = 12;
/// `HVMPV_cpu_hotplug` (`hvm/params.h`): Viridian vCPU hotplug.
pub const HVMPV_CPU_HOTPLUG: u64 = 1 << _HVMPV_CPU_HOTPLUG;
/// `HVMPV_feature_mask` (`hvm/params.h`): every defined Viridian bit.
pub const HVMPV_FEATURE_MASK: u64 = HVMPV_BASE_FREQ
    | HVMPV_NO_FREQ
    | HVMPV_TIME_REF_COUNT
    | HVMPV_REFERENCE_TSC
    | HVMPV_HCALL_REMOTE_TLB_FLUSH
    | HVMPV_APIC_ASSIST
    | HVMPV_CRASH_CTL
    | HVMPV_SYNIC
    | HVMPV_STIMER
    | HVMPV_HCALL_IPI
    | HVMPV_EX_PROCESSOR_MASKS
    | HVMPV_NO_VP_LIMIT
    | HVMPV_CPU_HOTPLUG;

bitflags! {
    /// `HVMPV_*` (`hvm/params.h`): the value of `HVM_PARAM_VIRIDIAN`.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct ViridianFeatures: u64 {
        /// `HVMPV_base_freq`.
        const BASE_FREQ = HVMPV_BASE_FREQ;
        /// `HVMPV_no_freq`.
        const NO_FREQ = HVMPV_NO_FREQ;
        /// `HVMPV_time_ref_count`.
        const TIME_REF_COUNT = HVMPV_TIME_REF_COUNT;
        /// `HVMPV_reference_tsc`.
        const REFERENCE_TSC = HVMPV_REFERENCE_TSC;
        /// `HVMPV_hcall_remote_tlb_flush`.
        const HCALL_REMOTE_TLB_FLUSH = HVMPV_HCALL_REMOTE_TLB_FLUSH;
        /// `HVMPV_apic_assist`.
        const APIC_ASSIST = HVMPV_APIC_ASSIST;
        /// `HVMPV_crash_ctl`.
        const CRASH_CTL = HVMPV_CRASH_CTL;
        /// `HVMPV_synic`.
        const SYNIC = HVMPV_SYNIC;
        /// `HVMPV_stimer`.
        const STIMER = HVMPV_STIMER;
        /// `HVMPV_hcall_ipi`.
        const HCALL_IPI = HVMPV_HCALL_IPI;
        /// `HVMPV_ex_processor_masks`.
        const EX_PROCESSOR_MASKS = HVMPV_EX_PROCESSOR_MASKS;
        /// `HVMPV_no_vp_limit`.
        const NO_VP_LIMIT = HVMPV_NO_VP_LIMIT;
        /// `HVMPV_cpu_hotplug`.
        const CPU_HOTPLUG = HVMPV_CPU_HOTPLUG;
    }
}

/// `HVMPTM_delay_for_missed_ticks` (`hvm/params.h`): default timer mode;
/// missed ticks are delivered later and guest time is held back.
pub const HVMPTM_DELAY_FOR_MISSED_TICKS: u64 = 0;
/// `HVMPTM_no_delay_for_missed_ticks` (`hvm/params.h`): missed ticks are
/// delivered, guest time tracks real time.
pub const HVMPTM_NO_DELAY_FOR_MISSED_TICKS: u64 = 1;
/// `HVMPTM_no_missed_ticks_pending` (`hvm/params.h`): missed ticks are dropped.
pub const HVMPTM_NO_MISSED_TICKS_PENDING: u64 = 2;
/// `HVMPTM_one_missed_tick_pending` (`hvm/params.h`): missed ticks collapse
/// into one late tick.
pub const HVMPTM_ONE_MISSED_TICK_PENDING: u64 = 3;

/// `XEN_ALTP2M_disabled` (`hvm/params.h`): altp2m off (default).
pub const XEN_ALTP2M_DISABLED: u64 = 0;
/// `XEN_ALTP2M_mixed` (`hvm/params.h`): altp2m ops for guest and tools.
pub const XEN_ALTP2M_MIXED: u64 = 1;
/// `XEN_ALTP2M_external` (`hvm/params.h`): altp2m ops for tools only.
pub const XEN_ALTP2M_EXTERNAL: u64 = 2;
/// `XEN_ALTP2M_limited` (`hvm/params.h`): the guest only controls VMFUNC and #VE.
pub const XEN_ALTP2M_LIMITED: u64 = 3;

/// `XEN_HVM_MCA_CAP_LMCE` (`hvm/params.h`): local machine-check exceptions.
pub const XEN_HVM_MCA_CAP_LMCE: u64 = 1 << 0;
/// `XEN_HVM_MCA_CAP_MASK` (`hvm/params.h`): every defined MCA capability.
pub const XEN_HVM_MCA_CAP_MASK: u64 = XEN_HVM_MCA_CAP_LMCE;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_via_round_trips() {
        let cases = [
            (HvmCallbackVia::Disabled, 0),
            (HvmCallbackVia::Gsi(28), 28),
            (HvmCallbackVia::Vector(0xf3), 0x0200_0000_0000_00f3),
            (
                HvmCallbackVia::PciIntx {
                    segment: 1,
                    bus: 0,
                    devfn: 3 << 3,
                    intx: 0,
                },
                0x0100_0001_0000_1800,
            ),
        ];
        for (via, raw) in cases {
            assert_eq!(via.encode(), raw, "{via:?}");
            assert_eq!(HvmCallbackVia::decode(raw), Ok(via));
        }
        assert_eq!(
            HvmCallbackVia::decode(0x0300_0000_0000_0001),
            Err(UnknownCallbackType(3))
        );
        assert_eq!(HvmCallbackVia::Gsi(0).encode(), 0);
        assert_eq!(
            HvmCallbackVia::Gsi(u64::MAX).encode(),
            0x00FF_FFFF_FFFF_FFFF
        );
        assert_eq!(
            HVM_PARAM_CALLBACK_IRQ_TYPE_MASK >> HVM_PARAM_CALLBACK_TYPE_SHIFT,
            0xFF
        );
    }

    #[test]
    fn viridian_mask() {
        assert_eq!(HVMPV_FEATURE_MASK, 0x1fff);
        assert_eq!(ViridianFeatures::all().bits(), HVMPV_FEATURE_MASK);
        assert_eq!(HVMPV_CPU_HOTPLUG, 1 << 12);
    }
}
