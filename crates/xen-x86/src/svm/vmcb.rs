//! The Virtual Machine Control Block (AMD APM vol. 2, appendix B): one
//! 4 KiB page per vCPU, control area at 0x000, state-save area at 0x400.
//!
//! [`Vmcb`] is the page as plain bytes with typed accessors at the
//! architectural offsets, so the layout is in one table of constants that
//! the tests check against the manual's numbers.

/// Control-area offsets.
pub mod ctl {
    /// CR read intercepts (u16) and CR write intercepts (u16 at +2).
    pub const INTERCEPT_CR: usize = 0x000;
    /// DR read/write intercepts.
    pub const INTERCEPT_DR: usize = 0x004;
    /// Exception intercepts (one bit per vector).
    pub const INTERCEPT_EXCEPTIONS: usize = 0x008;
    /// Instruction intercepts, word 3 (INTR … SHUTDOWN).
    pub const INTERCEPT_MISC1: usize = 0x00c;
    /// Instruction intercepts, word 4 (VMRUN … XSETBV).
    pub const INTERCEPT_MISC2: usize = 0x010;
    /// Physical address of the I/O permission map.
    pub const IOPM_BASE_PA: usize = 0x040;
    /// Physical address of the MSR permission map.
    pub const MSRPM_BASE_PA: usize = 0x048;
    /// TSC offset.
    pub const TSC_OFFSET: usize = 0x050;
    /// Guest ASID (u32).
    pub const GUEST_ASID: usize = 0x058;
    /// TLB control (u8).
    pub const TLB_CONTROL: usize = 0x05c;
    /// Virtual interrupt control (V_TPR, V_IRQ, V_INTR_MASKING, …).
    pub const V_INTR: usize = 0x060;
    /// Virtual interrupt vector (u8).
    pub const V_INTR_VECTOR: usize = 0x064;
    /// Interrupt shadow.
    pub const INTERRUPT_SHADOW: usize = 0x068;
    /// Exit code.
    pub const EXITCODE: usize = 0x070;
    /// Exit information 1.
    pub const EXITINFO1: usize = 0x078;
    /// Exit information 2.
    pub const EXITINFO2: usize = 0x080;
    /// Event being delivered when the exit happened.
    pub const EXITINTINFO: usize = 0x088;
    /// Nested paging enable (bit 0).
    pub const NP_ENABLE: usize = 0x090;
    /// Event injection.
    pub const EVENTINJ: usize = 0x0a8;
    /// Nested page table root (host physical).
    pub const N_CR3: usize = 0x0b0;
    /// VMCB clean bits.
    pub const CLEAN_BITS: usize = 0x0c0;
    /// Next sequential RIP (when the CPU provides it).
    pub const NRIP: usize = 0x0c8;
    /// Number of guest instruction bytes fetched (u8), then the bytes.
    pub const GUEST_INSN_LEN: usize = 0x0d0;
}

/// State-save-area offsets (from the start of the VMCB).
pub mod save {
    /// ES segment (selector u16, attributes u16, limit u32, base u64).
    pub const ES: usize = 0x400;
    /// CS.
    pub const CS: usize = 0x410;
    /// SS.
    pub const SS: usize = 0x420;
    /// DS.
    pub const DS: usize = 0x430;
    /// FS.
    pub const FS: usize = 0x440;
    /// GS.
    pub const GS: usize = 0x450;
    /// GDTR (limit and base used).
    pub const GDTR: usize = 0x460;
    /// LDTR.
    pub const LDTR: usize = 0x470;
    /// IDTR.
    pub const IDTR: usize = 0x480;
    /// TR.
    pub const TR: usize = 0x490;
    /// Current privilege level (u8).
    pub const CPL: usize = 0x4cb;
    /// EFER.
    pub const EFER: usize = 0x4d0;
    /// CR4.
    pub const CR4: usize = 0x548;
    /// CR3.
    pub const CR3: usize = 0x550;
    /// CR0.
    pub const CR0: usize = 0x558;
    /// DR7.
    pub const DR7: usize = 0x560;
    /// DR6.
    pub const DR6: usize = 0x568;
    /// RFLAGS.
    pub const RFLAGS: usize = 0x570;
    /// RIP.
    pub const RIP: usize = 0x578;
    /// RSP.
    pub const RSP: usize = 0x5d8;
    /// RAX.
    pub const RAX: usize = 0x5f8;
    /// STAR.
    pub const STAR: usize = 0x600;
    /// LSTAR.
    pub const LSTAR: usize = 0x608;
    /// CSTAR.
    pub const CSTAR: usize = 0x610;
    /// SFMASK.
    pub const SFMASK: usize = 0x618;
    /// KernelGsBase.
    pub const KERNEL_GS_BASE: usize = 0x620;
    /// SYSENTER_CS.
    pub const SYSENTER_CS: usize = 0x628;
    /// SYSENTER_ESP.
    pub const SYSENTER_ESP: usize = 0x630;
    /// SYSENTER_EIP.
    pub const SYSENTER_EIP: usize = 0x638;
    /// CR2.
    pub const CR2: usize = 0x640;
    /// Guest PAT.
    pub const G_PAT: usize = 0x668;
}

/// `INTERCEPT_MISC1` bits.
pub mod misc1 {
    /// Physical interrupts.
    pub const INTR: u32 = 1 << 0;
    /// NMIs.
    pub const NMI: u32 = 1 << 1;
    /// SMIs.
    pub const SMI: u32 = 1 << 2;
    /// INIT.
    pub const INIT: u32 = 1 << 3;
    /// CPUID.
    pub const CPUID: u32 = 1 << 18;
    /// INVD.
    pub const INVD: u32 = 1 << 22;
    /// HLT.
    pub const HLT: u32 = 1 << 24;
    /// I/O port accesses (through the IOPM).
    pub const IOIO_PROT: u32 = 1 << 27;
    /// MSR accesses (through the MSRPM).
    pub const MSR_PROT: u32 = 1 << 28;
    /// Shutdown (triple fault).
    pub const SHUTDOWN: u32 = 1 << 31;
}

/// `INTERCEPT_MISC2` bits.
pub mod misc2 {
    /// VMRUN (must always be intercepted).
    pub const VMRUN: u32 = 1 << 0;
    /// VMMCALL (the hypercall instruction).
    pub const VMMCALL: u32 = 1 << 1;
    /// VMLOAD.
    pub const VMLOAD: u32 = 1 << 2;
    /// VMSAVE.
    pub const VMSAVE: u32 = 1 << 3;
    /// STGI.
    pub const STGI: u32 = 1 << 4;
    /// CLGI.
    pub const CLGI: u32 = 1 << 5;
    /// SKINIT.
    pub const SKINIT: u32 = 1 << 6;
    /// XSETBV.
    pub const XSETBV: u32 = 1 << 13;
}

/// #VMEXIT codes the hypervisor handles.
pub mod exit {
    /// Exception base: vector `n` exits with `EXCP_BASE + n`.
    pub const EXCP_BASE: u64 = 0x40;
    /// Physical interrupt.
    pub const INTR: u64 = 0x60;
    /// NMI.
    pub const NMI: u64 = 0x61;
    /// Virtual interrupt window.
    pub const VINTR: u64 = 0x64;
    /// CPUID.
    pub const CPUID: u64 = 0x72;
    /// HLT.
    pub const HLT: u64 = 0x78;
    /// I/O instruction.
    pub const IOIO: u64 = 0x7b;
    /// RDMSR/WRMSR.
    pub const MSR: u64 = 0x7c;
    /// Shutdown (triple fault).
    pub const SHUTDOWN: u64 = 0x7f;
    /// VMRUN.
    pub const VMRUN: u64 = 0x80;
    /// VMMCALL.
    pub const VMMCALL: u64 = 0x81;
    /// Nested page fault.
    pub const NPF: u64 = 0x400;
    /// Invalid guest state.
    pub const INVALID: u64 = u64::MAX;
}

/// A segment register as the VMCB stores it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Segment {
    /// Selector.
    pub selector: u16,
    /// Attributes in the VMCB's 12-bit compressed form.
    pub attrib: u16,
    /// Limit.
    pub limit: u32,
    /// Base.
    pub base: u64,
}

/// A VMCB page.
#[repr(C, align(4096))]
pub struct Vmcb {
    bytes: [u8; 4096],
}

impl Default for Vmcb {
    fn default() -> Self {
        Self::new()
    }
}

impl Vmcb {
    /// A zeroed VMCB.
    pub const fn new() -> Self {
        Self { bytes: [0; 4096] }
    }

    /// Reads the u64 at `off`.
    pub fn get64(&self, off: usize) -> u64 {
        u64::from_le_bytes(self.bytes[off..off + 8].try_into().unwrap_or([0; 8]))
    }

    /// Writes the u64 at `off`.
    pub fn set64(&mut self, off: usize, v: u64) {
        self.bytes[off..off + 8].copy_from_slice(&v.to_le_bytes());
    }

    /// Reads the u32 at `off`.
    pub fn get32(&self, off: usize) -> u32 {
        u32::from_le_bytes(self.bytes[off..off + 4].try_into().unwrap_or([0; 4]))
    }

    /// Writes the u32 at `off`.
    pub fn set32(&mut self, off: usize, v: u32) {
        self.bytes[off..off + 4].copy_from_slice(&v.to_le_bytes());
    }

    /// Reads the byte at `off`.
    pub fn get8(&self, off: usize) -> u8 {
        self.bytes[off]
    }

    /// Writes the byte at `off`.
    pub fn set8(&mut self, off: usize, v: u8) {
        self.bytes[off] = v;
    }

    /// Reads a segment register at `off` (one of [`save`]'s segments).
    pub fn segment(&self, off: usize) -> Segment {
        Segment {
            selector: self.get32(off) as u16,
            attrib: (self.get32(off) >> 16) as u16,
            limit: self.get32(off + 4),
            base: self.get64(off + 8),
        }
    }

    /// Writes a segment register at `off`.
    pub fn set_segment(&mut self, off: usize, s: Segment) {
        self.set32(off, u32::from(s.selector) | (u32::from(s.attrib) << 16));
        self.set32(off + 4, s.limit);
        self.set64(off + 8, s.base);
    }

    /// The guest instruction bytes the CPU fetched on this exit, if any
    /// (decode-assist; empty under QEMU's TCG).
    pub fn insn_bytes(&self) -> &[u8] {
        let n = usize::from(self.bytes[ctl::GUEST_INSN_LEN]).min(15);
        &self.bytes[ctl::GUEST_INSN_LEN + 1..ctl::GUEST_INSN_LEN + 1 + n]
    }
}

/// Event injection value for a hardware exception or external interrupt.
pub const fn event_inject(vector: u8, kind: EventKind, error_code: Option<u32>) -> u64 {
    let mut v = vector as u64 | ((kind as u64) << 8) | (1 << 31);
    if let Some(e) = error_code {
        v |= (1 << 11) | ((e as u64) << 32);
    }
    v
}

/// `EVENTINJ.TYPE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum EventKind {
    /// External or virtual interrupt.
    Interrupt = 0,
    /// NMI.
    Nmi = 2,
    /// Exception (fault or trap).
    Exception = 3,
    /// Software interrupt (INTn).
    Software = 4,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_match_the_manual() {
        // APM vol. 2, table B-1 and B-2 (and Xen's / Linux's vmcb structs).
        assert_eq!(ctl::EXITCODE, 0x70);
        assert_eq!(ctl::N_CR3, 0xb0);
        assert_eq!(ctl::NRIP, 0xc8);
        assert_eq!(save::CPL, 0x4cb);
        assert_eq!(save::EFER, 0x4d0);
        assert_eq!(save::CR4, 0x548);
        assert_eq!(save::RIP, 0x578);
        assert_eq!(save::RSP, 0x5d8);
        assert_eq!(save::RAX, 0x5f8);
        assert_eq!(save::G_PAT, 0x668);
        assert_eq!(core::mem::size_of::<Vmcb>(), 4096);
        assert_eq!(core::mem::align_of::<Vmcb>(), 4096);
    }

    #[test]
    fn segments_and_events_round_trip() {
        let mut v = Vmcb::new();
        let cs = Segment {
            selector: 0x10,
            attrib: 0xc9b,
            limit: u32::MAX,
            base: 0,
        };
        v.set_segment(save::CS, cs);
        assert_eq!(v.segment(save::CS), cs);
        assert_eq!(v.get32(save::CS), 0x0c9b_0010);
        assert_eq!(
            event_inject(14, EventKind::Exception, Some(2)),
            0x0000_0002_8000_0b0e
        );
        assert_eq!(event_inject(0xf3, EventKind::Interrupt, None), 0x8000_00f3);
    }
}
