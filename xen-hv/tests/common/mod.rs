//! Booting xen-hv under QEMU for the system tests and the TCG benchmarks:
//! building the bare-metal images (hypervisor and test guests), GRUB
//! rescue ISOs, and QEMU runs with a time limit whose serial log is read
//! back.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub const QEMU: &str = "qemu-system-x86_64";

pub fn have(tool: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// True when the tests can run; panics if they must and cannot.
pub fn tools_present(needs_grub: bool) -> bool {
    let ok = have(QEMU) && (!needs_grub || (have("grub-mkrescue") && have("xorriso")));
    if !ok && std::env::var_os("XEN_HV_REQUIRE_QEMU").is_some_and(|v| v == "1") {
        panic!("QEMU / grub-mkrescue / xorriso missing but XEN_HV_REQUIRE_QEMU=1");
    }
    if !ok {
        eprintln!("skipping: {QEMU} or grub-mkrescue/xorriso not installed");
    }
    ok
}

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// Builds the hypervisor and the test guests once per test run; returns
/// the directory holding the bare-metal images.
pub fn images() -> &'static Path {
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
pub fn image() -> PathBuf {
    images().join("xen-hv")
}

/// A test guest kernel.
pub fn guest(name: &str) -> PathBuf {
    images().join(name)
}

/// Debian's Xen 4.17 hypervisor (unpacked by `x.sh` into
/// target/xen-utils), if present.
pub fn reference_xen() -> Option<PathBuf> {
    let p = workspace().join("target/xen-utils/boot/xen-4.17-amd64.gz");
    if p.exists() {
        return Some(p);
    }
    if std::env::var_os("XEN_HV_REQUIRE_QEMU").is_some_and(|v| v == "1") {
        panic!(
            "{} missing but XEN_HV_REQUIRE_QEMU=1 (./x.sh unpacks it)",
            p.display()
        );
    }
    eprintln!("skipping: Debian's Xen 4.17 not unpacked (run ./x.sh once)");
    None
}

/// Boots Debian's Xen 4.17 from a GRUB ISO with `guest` as its PVH dom0
/// and returns the run once dom0 has halted or crashed (Xen then halts
/// the machine rather than powering it off) or `limit` passed.
pub fn run_on_reference_xen(name: &str, guest_image: &Path, limit: Duration) -> Option<Run> {
    run_on_reference_xen_with(name, guest_image, "console=hvc0", limit)
}

/// As [`run_on_reference_xen`], with the guest's command line.
pub fn run_on_reference_xen_with(
    name: &str,
    guest_image: &Path,
    guest_cmdline: &str,
    limit: Duration,
) -> Option<Run> {
    let xen = reference_xen()?;
    let dir = scratch(name);
    let tree = dir.join("iso");
    std::fs::create_dir_all(tree.join("boot/grub")).unwrap();
    std::fs::copy(&xen, tree.join("boot/xen.gz")).unwrap();
    std::fs::copy(guest_image, tree.join("boot/dom0")).unwrap();
    let cfg = format!(
        "set timeout=0\nset default=0\nmenuentry 'Xen 4.17' {{\n\
         multiboot2 /boot/xen.gz console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all \
         dom0=pvh dom0_mem=64M noreboot\n\
         module2 /boot/dom0 {guest_cmdline}\n}}\n"
    );
    std::fs::write(tree.join("boot/grub/grub.cfg"), cfg).unwrap();
    let iso = dir.join("xen.iso");
    let ok = Command::new("grub-mkrescue")
        .arg("-o")
        .arg(&iso)
        .arg(&tree)
        .output()
        .expect("run grub-mkrescue")
        .status
        .success();
    assert!(ok, "grub-mkrescue failed");
    // Xen's PV/PVH dom0 needs SVM without SMAP/SMEP under TCG, and an
    // IOMMU for a PVH dom0.
    Some(qemu_with_cpu(
        &dir,
        "EPYC,-monitor,-smap,-smep,+svm",
        &[
            "-m",
            "1024",
            "-device",
            "amd-iommu",
            "-cdrom",
            iso.to_str().unwrap(),
        ],
        limit,
        Some("Hardware Dom0"),
    ))
}

/// Boots the hypervisor through QEMU's PVH loader with command line
/// `append` and, if given, `initrd` as module 0.
pub fn pvh_boot(
    dir: &Path,
    append: &str,
    initrd: Option<&Path>,
    limit: Duration,
    stop_at: Option<&str>,
) -> Run {
    let kernel = image();
    let mut args = vec!["-kernel", kernel.to_str().unwrap(), "-append", append];
    if let Some(i) = initrd {
        args.extend(["-initrd", i.to_str().unwrap()]);
    }
    qemu_until(dir, &args, limit, stop_at)
}

/// A scratch directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let d = workspace().join("target/tmp/xen-hv-tests").join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch dir");
    d
}

/// Builds a GRUB rescue ISO whose only entry is `entry` (the lines inside
/// `menuentry`), with `files` copied to /boot.
pub fn grub_iso(dir: &Path, entry: &str, files: &[(&str, &[u8])]) -> PathBuf {
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
pub struct Run {
    /// QEMU exited by itself (power-off, or reset with -no-reboot).
    pub exited: bool,
    pub log: String,
    pub elapsed: Duration,
}

/// Boots QEMU with `args` until it exits or `limit` passes.
pub fn qemu(dir: &Path, args: &[&str], limit: Duration) -> Run {
    qemu_until(dir, args, limit, None)
}

/// As [`qemu`], also stopping once `stop_at` has appeared in the log and
/// QEMU has then stayed up for another second (it did not exit on its own).
pub fn qemu_until(dir: &Path, args: &[&str], limit: Duration, stop_at: Option<&str>) -> Run {
    qemu_with_cpu(dir, "EPYC,-monitor", args, limit, stop_at)
}

/// As [`qemu_until`] with a chosen `-cpu` model; later `-m` arguments
/// override the default 512 MiB.
pub fn qemu_with_cpu(
    dir: &Path,
    cpu: &str,
    args: &[&str],
    limit: Duration,
    stop_at: Option<&str>,
) -> Run {
    let serial = dir.join("serial.log");
    let mut child = Command::new(QEMU)
        .args([
            "-machine",
            "q35",
            "-accel",
            "tcg",
            "-cpu",
            cpu,
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

pub fn assert_lines(log: &str, wanted: &[&str]) {
    for w in wanted {
        assert!(
            log.lines().any(|l| l.contains(w)),
            "serial log lacks {w:?}:\n{log}"
        );
    }
}
