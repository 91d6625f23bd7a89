//! Boot domains on SVM: guest RAM behind nested paging, the PVH image and
//! start info placed in it, and the exit loop (CPUID, MSRs, I/O ports,
//! hypercalls, faults).

use xen_loader::{ModuleDesc, PvhImage, StartInfo};
use xen_x86::memmap::FrameAllocator;
use xen_x86::svm::npt::{Access, Npt, TableMemory};
use xen_x86::svm::vmcb::{ctl, exit, save, Vmcb};
use xen_x86::svm::{self, GuestRegs};
use xen_x86::xlog;

use crate::hypercall::{self, Action};

/// Guest-physical address of the start info block.
const START_INFO_GPA: u64 = 0x1000;
/// Guest-physical address of the guest's ACPI tables (in the ISA hole,
/// marked ACPI in its e820).
const ACPI_GPA: u64 = 0xe_0000;
/// Xen's hypercall-page MSR (CPUID leaf 0x40000002's EBX).
pub const MSR_HYPERCALL_PAGE: u32 = 0x4000_0000;
/// Top of the identity map: frames handed to guests must lie below.
const IDENTITY_LIMIT: u64 = 1 << 32;

/// Frames for nested page tables and guest RAM, from the boot allocator,
/// zeroed, identity-mapped.
pub struct Frames<'a>(pub &'a mut FrameAllocator);

impl Frames<'_> {
    /// A zeroed frame below 4 GiB.
    pub fn zeroed(&mut self) -> Option<u64> {
        let f = self.0.alloc_above(0x100)?;
        let pa = f * 4096;
        if pa + 4096 > IDENTITY_LIMIT {
            return None;
        }
        // SAFETY: the frame was just taken from the allocator (owned by
        // nobody else) and is identity-mapped.
        unsafe { core::ptr::write_bytes(pa as *mut u8, 0, 4096) };
        Some(pa)
    }

    /// `n` contiguous zeroed frames below 4 GiB (IOPM, MSRPM).
    pub fn contiguous(&mut self, n: u64, fill: u8) -> Option<u64> {
        let f = self.0.alloc_contiguous(n, 1, 0x100)?;
        let pa = f * 4096;
        if pa + n * 4096 > IDENTITY_LIMIT {
            return None;
        }
        // SAFETY: as for `zeroed`, for `n` frames.
        unsafe { core::ptr::write_bytes(pa as *mut u8, fill, (n * 4096) as usize) };
        Some(pa)
    }
}

impl TableMemory for Frames<'_> {
    fn alloc_table(&mut self) -> Option<u64> {
        self.zeroed()
    }
    fn read(&self, table: u64, index: usize) -> u64 {
        // SAFETY: `table` is a table frame this allocator handed out
        // (identity-mapped) and `index` < 512 by construction of the walk.
        unsafe { core::ptr::read_volatile((table as *const u64).add(index & 511)) }
    }
    fn write(&mut self, table: u64, index: usize, value: u64) {
        // SAFETY: as for `read`.
        unsafe { core::ptr::write_volatile((table as *mut u64).add(index & 511), value) }
    }
}

/// A domain's RAM: guest frames `0..pages` behind a nested page table.
pub struct GuestRam {
    /// The nested page table.
    pub npt: Npt,
    /// Bytes of RAM (from guest-physical 0).
    pub size: u64,
}

impl GuestRam {
    /// Allocates and maps `size` bytes of RAM.
    pub fn new(frames: &mut Frames<'_>, size: u64) -> Option<Self> {
        let npt = Npt::new(frames).ok()?;
        let mut gpa = 0;
        while gpa < size {
            let hpa = frames.zeroed()?;
            npt.map(frames, gpa, hpa, Access::Rwx).ok()?;
            gpa += 4096;
        }
        Some(Self { npt, size })
    }

    fn host_addr(&self, frames: &Frames<'_>, gpa: u64) -> Option<u64> {
        (gpa < self.size)
            .then(|| self.npt.translate(frames, gpa).map(|(h, _)| h))
            .flatten()
    }

    /// Copies `data` to guest-physical `gpa`; false if any byte is outside
    /// the domain's RAM.
    pub fn write(&self, frames: &Frames<'_>, gpa: u64, data: &[u8]) -> bool {
        self.for_each_chunk(frames, gpa, data.len(), |hpa, off, n| {
            // SAFETY: `hpa..hpa+n` lies in one guest frame owned by this
            // domain, identity-mapped; `data[off..off+n]` is in bounds.
            unsafe { core::ptr::copy_nonoverlapping(data[off..].as_ptr(), hpa as *mut u8, n) }
        })
    }

    /// Reads guest-physical `gpa` into `buf`; false if outside RAM.
    pub fn read(&self, frames: &Frames<'_>, gpa: u64, buf: &mut [u8]) -> bool {
        let len = buf.len();
        self.for_each_chunk(frames, gpa, len, |hpa, off, n| {
            // SAFETY: as for `write`, in the other direction.
            unsafe { core::ptr::copy_nonoverlapping(hpa as *const u8, buf[off..].as_mut_ptr(), n) }
        })
    }

    fn for_each_chunk(
        &self,
        frames: &Frames<'_>,
        gpa: u64,
        len: usize,
        mut f: impl FnMut(u64, usize, usize),
    ) -> bool {
        let Some(end) = gpa.checked_add(len as u64) else {
            return false;
        };
        if end > self.size {
            return false;
        }
        let mut at = gpa;
        while at < end {
            let Some(hpa) = self.host_addr(frames, at) else {
                return false;
            };
            let n = ((4096 - (at & 0xfff)).min(end - at)) as usize;
            f(hpa, (at - gpa) as usize, n);
            at += n as u64;
        }
        true
    }
}

/// A running boot domain with one vCPU.
pub struct BootDomain {
    /// Domain id.
    pub id: u16,
    /// Its RAM.
    pub ram: GuestRam,
    vmcb: &'static mut Vmcb,
    host_vmcb: &'static mut Vmcb,
    regs: GuestRegs,
}

/// Why a domain could not be built.
#[derive(Debug)]
pub enum BuildError {
    /// The kernel image was refused.
    Image(xen_loader::ElfError),
    /// Not enough memory.
    NoMemory,
    /// The image does not fit the domain's RAM.
    DoesNotFit,
}

impl core::fmt::Display for BuildError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            BuildError::Image(e) => write!(f, "{e}"),
            BuildError::NoMemory => f.write_str("not enough memory"),
            BuildError::DoesNotFit => f.write_str("the kernel does not fit the domain's memory"),
        }
    }
}

fn frame_as_vmcb(pa: u64) -> &'static mut Vmcb {
    // SAFETY: `pa` is a fresh, zeroed, 4 KiB-aligned frame owned by the
    // caller for the hypervisor's lifetime; a zeroed page is a valid Vmcb.
    unsafe { &mut *(pa as *mut Vmcb) }
}

impl BootDomain {
    /// Builds domain `id` from a PVH kernel `image` with `mem` bytes of RAM.
    pub fn build(
        frames: &mut Frames<'_>,
        id: u16,
        image: &[u8],
        cmdline: &str,
        mem: u64,
    ) -> Result<Self, BuildError> {
        let img = PvhImage::parse(image).map_err(BuildError::Image)?;
        let (_, top) = img.extent();
        if top > mem {
            return Err(BuildError::DoesNotFit);
        }
        let ram = GuestRam::new(frames, mem).ok_or(BuildError::NoMemory)?;
        for s in img.segments() {
            let file = &image[s.offset as usize..(s.offset + s.filesz) as usize];
            if !ram.write(frames, s.paddr, file) {
                return Err(BuildError::DoesNotFit);
            }
            // Frames are zeroed: the bss needs nothing more.
        }
        let mut tables = [0u8; 1024];
        let acpi = xen_loader::acpi::build(1, ACPI_GPA, &mut tables)
            .map_err(|_| BuildError::DoesNotFit)?;
        if !ram.write(frames, ACPI_GPA, &tables[..acpi.len]) {
            return Err(BuildError::DoesNotFit);
        }
        let memmap = [
            (0, 0xa0000, 1),
            (ACPI_GPA, 0x1000, 3),
            (0x10_0000, mem - 0x10_0000, 1),
        ];
        let si = StartInfo {
            flags: if id == 0 { 3 } else { 0 },
            cmdline,
            memmap: &memmap,
            modules: &[] as &[ModuleDesc<'_>],
            rsdp: acpi.rsdp,
        };
        let mut block = [0u8; 2048];
        let n = si
            .write(START_INFO_GPA, &mut block)
            .map_err(|_| BuildError::DoesNotFit)?;
        if !ram.write(frames, START_INFO_GPA, &block[..n]) {
            return Err(BuildError::DoesNotFit);
        }

        let hsave = frames.zeroed().ok_or(BuildError::NoMemory)?;
        // SAFETY: a fresh frame owned by this CPU for good.
        unsafe { svm::enable(hsave) };
        let iopm = frames.contiguous(3, 0xff).ok_or(BuildError::NoMemory)?;
        let msrpm = frames.contiguous(2, 0xff).ok_or(BuildError::NoMemory)?;
        let vmcb = frame_as_vmcb(frames.zeroed().ok_or(BuildError::NoMemory)?);
        let host_vmcb = frame_as_vmcb(frames.zeroed().ok_or(BuildError::NoMemory)?);
        let mut regs = svm::setup_pvh_vmcb(
            vmcb,
            u64::from(img.entry),
            ram.npt.root(),
            u32::from(id) + 1,
            iopm,
            msrpm,
        );
        regs.rbx = START_INFO_GPA;
        Ok(Self {
            id,
            ram,
            vmcb,
            host_vmcb,
            regs,
        })
    }

    /// Runs the domain until it shuts down or crashes; returns why.
    pub fn run(&mut self, frames: &mut Frames<'_>) -> Action {
        loop {
            // SAFETY: SVM is on (build), the VMCBs are this domain's frames
            // and its nested table maps only its own RAM.
            unsafe { svm::run(self.vmcb, self.host_vmcb, &mut self.regs) };
            self.vmcb.set8(ctl::TLB_CONTROL, 0);
            let code = self.vmcb.get64(ctl::EXITCODE);
            let action = match code {
                exit::VMMCALL => {
                    let a = self.hypercall(frames);
                    self.advance(3);
                    a
                }
                exit::CPUID => {
                    self.cpuid();
                    self.advance(2);
                    Action::Continue
                }
                exit::MSR => {
                    let a = self.msr(frames);
                    self.advance(2);
                    a
                }
                exit::IOIO => {
                    self.ioio();
                    Action::Continue
                }
                exit::HLT => {
                    // No event sources are wired yet: a halted boot domain
                    // would sleep forever. Let it spin on its HLT loop.
                    self.advance(1);
                    Action::Continue
                }
                exit::INTR | exit::NMI => Action::Continue,
                exit::SHUTDOWN => {
                    xlog!(
                        "d{}v0 Triple fault - invoking HVM shutdown action 1",
                        self.id
                    );
                    self.dump_state();
                    Action::Crash
                }
                exit::NPF => {
                    xlog!(
                        "d{}v0 nested page fault at gpa {:#x} (error {:#x}), rip {:#x}",
                        self.id,
                        self.vmcb.get64(ctl::EXITINFO2),
                        self.vmcb.get64(ctl::EXITINFO1),
                        self.vmcb.get64(save::RIP)
                    );
                    Action::Crash
                }
                other => {
                    xlog!(
                        "d{}v0 unhandled #VMEXIT {:#x} (info1 {:#x}, info2 {:#x}) at rip {:#x}",
                        self.id,
                        other,
                        self.vmcb.get64(ctl::EXITINFO1),
                        self.vmcb.get64(ctl::EXITINFO2),
                        self.vmcb.get64(save::RIP)
                    );
                    Action::Crash
                }
            };
            if !matches!(action, Action::Continue) {
                return action;
            }
        }
    }

    /// Prints the vCPU's state the way Xen does when it crashes a domain.
    fn dump_state(&self) {
        let v = &self.vmcb;
        xlog!("*** Dumping Dom{} vcpu#0 state: ***", self.id);
        xlog!(
            "RIP:    {:04x}:[<{:016x}>]",
            v.segment(save::CS).selector,
            v.get64(save::RIP)
        );
        xlog!(
            "RFLAGS: {:016x}   CONTEXT: hvm guest (d{}v0)",
            v.get64(save::RFLAGS),
            self.id
        );
        let r = &self.regs;
        xlog!(
            "rax: {:016x}   rbx: {:016x}   rcx: {:016x}",
            v.get64(save::RAX),
            r.rbx,
            r.rcx
        );
        xlog!(
            "rdx: {:016x}   rsi: {:016x}   rdi: {:016x}",
            r.rdx,
            r.rsi,
            r.rdi
        );
        xlog!(
            "rbp: {:016x}   rsp: {:016x}   r8:  {:016x}",
            r.rbp,
            v.get64(save::RSP),
            r.r8
        );
        xlog!(
            "cr0: {:016x}   cr4: {:016x}   cr3: {:016x}",
            v.get64(save::CR0),
            v.get64(save::CR4),
            v.get64(save::CR3)
        );
    }

    fn advance(&mut self, len: u64) {
        let rip = self.vmcb.get64(save::RIP);
        self.vmcb.set64(save::RIP, rip.wrapping_add(len));
    }

    fn hypercall(&mut self, frames: &mut Frames<'_>) -> Action {
        let nr = self.vmcb.get64(save::RAX);
        let args = [
            self.regs.rdi,
            self.regs.rsi,
            self.regs.rdx,
            self.regs.r10,
            self.regs.r8,
        ];
        let (ret, action) = hypercall::dispatch(self.id, &self.ram, frames, nr, args);
        self.vmcb.set64(save::RAX, ret as u64);
        action
    }

    fn cpuid(&mut self) {
        let leaf = self.vmcb.get64(save::RAX) as u32;
        let sub = self.regs.rcx as u32;
        let r = crate::cpuid::guest_cpuid(leaf, sub);
        self.vmcb.set64(save::RAX, u64::from(r[0]));
        self.regs.rbx = u64::from(r[1]);
        self.regs.rcx = u64::from(r[2]);
        self.regs.rdx = u64::from(r[3]);
    }

    fn msr(&mut self, frames: &mut Frames<'_>) -> Action {
        let write = self.vmcb.get64(ctl::EXITINFO1) & 1 != 0;
        let msr = self.regs.rcx as u32;
        let value = (self.regs.rdx << 32) | (self.vmcb.get64(save::RAX) & 0xffff_ffff);
        let result = match (msr, write) {
            (svm::MSR_EFER, false) => self.vmcb.get64(save::EFER) & !svm::EFER_SVME,
            (svm::MSR_EFER, true) => {
                self.vmcb.set64(save::EFER, value | svm::EFER_SVME);
                0
            }
            (MSR_HYPERCALL_PAGE, true) => {
                let gpa = value & !0xfff;
                let page = hypercall::page();
                if !self.ram.write(frames, gpa, &page) {
                    xlog!("d{}: hypercall page at bad gpa {gpa:#x}", self.id);
                    return Action::Crash;
                }
                0
            }
            // Everything else reads as zero and ignores writes for now.
            _ => 0,
        };
        if !write {
            self.vmcb.set64(save::RAX, result & 0xffff_ffff);
            self.regs.rdx = result >> 32;
        }
        Action::Continue
    }

    fn ioio(&mut self) {
        let info = self.vmcb.get64(ctl::EXITINFO1);
        let is_in = info & 1 != 0;
        if is_in {
            // Nothing behind any port: reads float high.
            let size = ((info >> 4) & 7) as u32; // 1, 2 or 4 bytes
            let mask = match size {
                1 => 0xff,
                2 => 0xffff,
                _ => 0xffff_ffff,
            };
            let rax = self.vmcb.get64(save::RAX);
            self.vmcb.set64(save::RAX, (rax & !mask) | mask);
        }
        let next = self.vmcb.get64(ctl::EXITINFO2);
        self.vmcb.set64(save::RIP, next);
    }
}
