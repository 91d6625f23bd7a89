//! Hypercall cost from inside a guest, in TSC cycles: a null hypercall
//! (`xen_version(XENVER_version)`) round trip next to the cheapest
//! intercepted instruction (`CPUID` of a Xen leaf), the floor of any exit,
//! both measured in the same run. Under QEMU's TCG these are emulated
//! cycles: compare ratios, and compare hypervisors in the same QEMU.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(target_os = "none")]
use xen_test_guests as _;

#[cfg(target_os = "none")]
#[no_mangle]
extern "C" fn xen_guest_main(_start_info: u64) -> ! {
    use xen_guest::{finish, println, Verdict};
    const N: u64 = 2_000;
    let rdtsc = || {
        // SAFETY: RDTSC has no side effects.
        unsafe { core::arch::x86_64::_rdtsc() }
    };
    let mut best = [u64::MAX; 2];
    for _ in 0..5 {
        let t0 = rdtsc();
        for _ in 0..N {
            core::hint::black_box(xen_guest::hypercall::xen_version());
        }
        let t1 = rdtsc();
        for _ in 0..N {
            core::hint::black_box(core::arch::x86_64::__cpuid(0x4000_0001));
        }
        let t2 = rdtsc();
        best[0] = best[0].min((t1 - t0) / N);
        best[1] = best[1].min((t2 - t1) / N);
    }
    println!(
        "bench: null hypercall {} cycles, cpuid exit {} cycles, ratio {}.{:02}",
        best[0],
        best[1],
        best[0] / best[1].max(1),
        (best[0] * 100 / best[1].max(1)) % 100
    );
    finish(Verdict::Success)
}

#[cfg(not(target_os = "none"))]
fn main() {
    eprintln!("a guest kernel: build with --target x86_64-unknown-none and boot it on Xen");
}
