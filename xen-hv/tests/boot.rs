//! System tests: xen-hv booted for real under QEMU (TCG, emulated AMD SVM),
//! from a GRUB multiboot2 ISO and through QEMU's PVH `-kernel` loader.
//!
//! Each test builds the bare-metal image (`x86_64-unknown-none`), boots it
//! with a time limit and reads the serial log. They skip when QEMU or
//! `grub-mkrescue` are missing, unless `XEN_HV_REQUIRE_QEMU=1` (set by the
//! README's test command, which installs them).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const QEMU: &str = "qemu-system-x86_64";

fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// True when the tests can run; panics if they must and cannot.
fn tools_present(needs_grub: bool) -> bool {
    let ok = have(QEMU) && (!needs_grub || (have("grub-mkrescue") && have("xorriso")));
    if !ok && std::env::var_os("XEN_HV_REQUIRE_QEMU").is_some_and(|v| v == "1") {
        panic!("QEMU / grub-mkrescue / xorriso missing but XEN_HV_REQUIRE_QEMU=1");
    }
    if !ok {
        eprintln!("skipping: {QEMU} or grub-mkrescue/xorriso not installed");
    }
    ok
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// Builds the hypervisor and the test guests once per test run; returns
/// the directory holding the bare-metal images.
fn images() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let root = workspace();
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .current_dir(&root)
            .args([
                "build",
                "--quiet",
                "--release",
                "--package",
                "xen-hv",
                "--package",
                "xen-test-guests",
                "--target",
                "x86_64-unknown-none",
            ])
            .status()
            .expect("run cargo build for the bare-metal images");
        assert!(
            status.success(),
            "building the x86_64-unknown-none images failed"
        );
        root.join("target/x86_64-unknown-none/release")
    })
}

/// The hypervisor image.
fn image() -> PathBuf {
    images().join("xen-hv")
}

/// A test guest kernel.
fn guest(name: &str) -> PathBuf {
    images().join(name)
}

/// A scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let d = workspace().join("target/tmp/xen-hv-tests").join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

/// Builds a GRUB rescue ISO whose only entry is `entry` (the lines inside
/// `menuentry`), with `files` copied to /boot.
fn grub_iso(dir: &Path, entry: &str, files: &[(&str, &[u8])]) -> PathBuf {
    let tree = dir.join("iso");
    std::fs::create_dir_all(tree.join("boot/grub")).unwrap();
    std::fs::copy(image(), tree.join("boot/xen-hv")).unwrap();
    for (name, data) in files {
        std::fs::write(tree.join("boot").join(name), data).unwrap();
    }
    let cfg = format!("set timeout=0\nset default=0\nmenuentry 'xen-rs' {{\n{entry}\n}}\n");
    std::fs::write(tree.join("boot/grub/grub.cfg"), cfg).unwrap();
    let iso = dir.join("xen-hv.iso");
    let out = Command::new("grub-mkrescue")
        .arg("-o")
        .arg(&iso)
        .arg(&tree)
        .output()
        .expect("run grub-mkrescue");
    assert!(
        out.status.success(),
        "grub-mkrescue failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    iso
}

/// How a QEMU run ended.
struct Run {
    /// QEMU exited by itself (power-off, or reset with -no-reboot).
    exited: bool,
    log: String,
    elapsed: Duration,
}

/// Boots QEMU with `args` until it exits or `limit` passes.
fn qemu(dir: &Path, args: &[&str], limit: Duration) -> Run {
    qemu_until(dir, args, limit, None)
}

/// As [`qemu`], also stopping once `stop_at` has appeared in the log and
/// QEMU has then stayed up for another second (it did not exit on its own).
fn qemu_until(dir: &Path, args: &[&str], limit: Duration, stop_at: Option<&str>) -> Run {
    let serial = dir.join("serial.log");
    let mut child = Command::new(QEMU)
        .args([
            "-machine",
            "q35",
            "-accel",
            "tcg",
            "-cpu",
            "EPYC,-monitor",
            "-m",
            "512",
            "-smp",
            "2",
            "-display",
            "none",
            "-no-reboot",
            "-monitor",
            "none",
        ])
        .arg("-serial")
        .arg(format!("file:{}", serial.display()))
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start qemu");
    let start = Instant::now();
    let mut seen_at: Option<Instant> = None;
    let exited = loop {
        if child.try_wait().expect("wait qemu").is_some() {
            break true;
        }
        if let (Some(marker), None) = (stop_at, seen_at) {
            let log = std::fs::read(&serial).unwrap_or_default();
            if String::from_utf8_lossy(&log).contains(marker) {
                seen_at = Some(Instant::now());
            }
        }
        let settled = seen_at.is_some_and(|t| t.elapsed() > Duration::from_secs(1));
        if settled || start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break false;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let log = String::from_utf8_lossy(&std::fs::read(&serial).unwrap_or_default()).into_owned();
    Run {
        exited,
        log,
        elapsed: start.elapsed(),
    }
}

fn assert_lines(log: &str, wanted: &[&str]) {
    for w in wanted {
        assert!(
            log.lines().any(|l| l.contains(w)),
            "serial log lacks {w:?}:\n{log}"
        );
    }
}

#[test]
fn boots_from_grub_multiboot2_runs_dom0_and_powers_off() {
    if !tools_present(true) {
        return;
    }
    let dir = scratch("grub");
    let kernel = std::fs::read(guest("test-version")).expect("test guest image");
    let iso = grub_iso(
        &dir,
        "multiboot2 /boot/xen-hv console=com1 com1=115200,8n1 loglvl=all dom0_mem=32M frobnicate com1=warp\n\
         module2 /boot/test-version console=hvc0 xtf-test",
        &[("test-version", &kernel)],
    );
    let run = qemu(
        &dir,
        &["-cdrom", iso.to_str().unwrap()],
        Duration::from_secs(60),
    );
    assert!(run.exited, "QEMU did not power off:\n{}", run.log);
    assert_lines(
        &run.log,
        &[
            "(XEN) Xen version 4.17",
            "(XEN) Bootloader: GRUB",
            "(XEN) Command line: console=com1 com1=115200,8n1 loglvl=all dom0_mem=32M",
            "(XEN) parameter \"frobnicate\" unknown!",
            "(XEN) parameter \"com1\" has invalid value \"warp\"",
            "(XEN) Xen-e820 RAM map:",
            "(usable)",
            "(XEN) System RAM: 511MB",
            "(XEN) ACPI: 2 CPU(s) enabled",
            "(XEN) Detected ",
            "(XEN) Brought up 2 CPUs",
            "(XEN) HVM: SVM enabled",
            "(XEN) HVM: Hardware Assisted Paging (HAP) detected",
            "console=hvc0 xtf-test",
            "(XEN) *** LOADING DOMAIN 0 ***",
            "(XEN) Dom0 has maximum 1 VCPUs, 32 MB of RAM",
            "Xen version 4.17",
            "hypercall page: xen_version 4.17",
            "Test result: SUCCESS",
            "(XEN) Hardware Dom0 halted: halting machine",
        ],
    );
    // Until dom0 runs, every line is the hypervisor's own, with its prefix.
    let before_dom0 = run.log.split("*** Serial input to DOM0").next().unwrap();
    for l in before_dom0.lines().filter(|l| !l.trim().is_empty()) {
        assert!(l.starts_with("(XEN) "), "unprefixed line {l:?}");
    }
    eprintln!("GRUB boot to dom0 power-off: {:?}", run.elapsed);
}

#[test]
fn a_dom0_image_that_is_not_pvh_is_refused() {
    if !tools_present(false) {
        return;
    }
    let dir = scratch("notelf");
    let module = dir.join("dom0.img");
    std::fs::write(&module, b"MZ this is not an ELF kernel").unwrap();
    let run = qemu(
        &dir,
        &[
            "-kernel",
            image().to_str().unwrap(),
            "-append",
            "console=com1",
            "-initrd",
            module.to_str().unwrap(),
        ],
        Duration::from_secs(120),
    );
    assert!(run.exited, "QEMU did not reset:\n{}", run.log);
    assert_lines(
        &run.log,
        &["(XEN) Could not set up DOM0 guest OS: not an ELF image"],
    );
}

#[test]
fn boots_through_the_pvh_entry() {
    if !tools_present(false) {
        return;
    }
    let dir = scratch("pvh");
    let module = guest("test-version");
    let run = qemu(
        &dir,
        &[
            "-kernel",
            image().to_str().unwrap(),
            "-append",
            "console=com1 loglvl=all maxcpus=1",
            "-initrd",
            module.to_str().unwrap(),
        ],
        Duration::from_secs(60),
    );
    assert!(run.exited, "QEMU did not power off:\n{}", run.log);
    assert_lines(
        &run.log,
        &[
            "(XEN) Bootloader: PVH",
            "(XEN) Command line: console=com1 loglvl=all maxcpus=1",
            "(XEN) Brought up 1 CPUs",
            "(XEN) Module 0:",
            "Test result: SUCCESS",
            "(XEN) Hardware Dom0 halted: halting machine",
        ],
    );
}

#[test]
fn no_dom0_kernel_panics_like_xen_and_resets() {
    if !tools_present(false) {
        return;
    }
    let dir = scratch("nodom0");
    let run = qemu(
        &dir,
        &[
            "-kernel",
            image().to_str().unwrap(),
            "-append",
            "console=com1",
        ],
        Duration::from_secs(120),
    );
    assert!(run.exited, "QEMU did not reset:\n{}", run.log);
    assert_lines(
        &run.log,
        &[
            "(XEN) Panic on CPU 0:",
            "(XEN) dom0 kernel not specified. Check bootloader configuration.",
            "(XEN) Reboot in five seconds...",
        ],
    );
}

#[test]
fn noreboot_keeps_the_machine_halted_after_a_panic() {
    if !tools_present(false) {
        return;
    }
    let dir = scratch("noreboot");
    let run = qemu_until(
        &dir,
        &[
            "-kernel",
            image().to_str().unwrap(),
            "-append",
            "console=com1 noreboot",
        ],
        Duration::from_secs(60),
        Some("Manual reset required"),
    );
    assert!(!run.exited, "QEMU exited although noreboot was given");
    assert_lines(
        &run.log,
        &["(XEN) Manual reset required ('noreboot' specified)"],
    );
}
