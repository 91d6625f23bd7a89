//! Building the host's boot files (through `host/mkhost.sh`) and its GRUB
//! ISO, cached under the workspace's `target/` by a hash of the inputs.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{io, Error, HostConfig};

const MKHOST: &str = include_str!("../host/mkhost.sh");
const INIT: &str = include_str!("../host/init.sh");
const DOMU_INIT: &str = include_str!("../host/domu-init.sh");
const DOMU_CFG: &str = include_str!("../host/linux-domu.cfg");

/// The three files GRUB loads.
#[derive(Clone, Debug)]
pub struct HostFiles {
    /// Debian's Xen 4.17 hypervisor (`xen-4.17-amd64.gz`).
    pub xen: PathBuf,
    /// Debian's Linux 6.1 kernel, booted as dom0.
    pub vmlinuz: PathBuf,
    /// dom0's root filesystem as a gzipped cpio archive.
    pub initrd: PathBuf,
}

/// The workspace's target directory (`CARGO_TARGET_DIR` if set).
pub(crate) fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"),
    }
}

/// True if `tool` is an executable on `PATH`.
pub(crate) fn on_path(tool: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|p| {
        std::env::split_paths(&p).any(|d| {
            let f = d.join(tool);
            f.is_file()
        })
    })
}

/// Builds dom0's files with `extra` added (host path → path in dom0), or
/// reuses the ones built from the same inputs. The downloaded packages are
/// shared by all variants.
pub fn prepare(extra: &[(PathBuf, String)]) -> Result<HostFiles, Error> {
    let mut h = DefaultHasher::new();
    MKHOST.hash(&mut h);
    INIT.hash(&mut h);
    DOMU_INIT.hash(&mut h);
    DOMU_CFG.hash(&mut h);
    for (src, dst) in extra {
        let bytes = std::fs::read(src).map_err(io(format!("read {}", src.display())))?;
        bytes.hash(&mut h);
        dst.hash(&mut h);
    }
    let root = target_dir().join("refhost");
    let out = root.join(format!("host-{:016x}", h.finish()));
    let files = HostFiles {
        xen: out.join("xen.gz"),
        vmlinuz: out.join("vmlinuz"),
        initrd: out.join("initrd"),
    };
    let done = out.join("done");
    if done.exists() {
        return Ok(files);
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("host/mkhost.sh");
    let mut cmd = Command::new("sh");
    cmd.arg(&script)
        .arg(&out)
        .env("REFHOST_DEBS", root.join("debs"));
    for (src, dst) in extra {
        let src = std::fs::canonicalize(src).map_err(io(format!("find {}", src.display())))?;
        cmd.arg(format!("{}:{dst}", src.display()));
    }
    let output = cmd.output().map_err(io("run host/mkhost.sh"))?;
    if !output.status.success() {
        return Err(Error::Tool {
            what: "host/mkhost.sh".into(),
            output: format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            ),
        });
    }
    // Only the archive is needed afterwards; the staging tree is large.
    for d in ["stage", "kernel", "hv", "guest"] {
        let _ = std::fs::remove_dir_all(out.join(d));
    }
    std::fs::write(&done, b"").map_err(io("mark the host files built"))?;
    Ok(files)
}

/// Writes the GRUB configuration and builds the bootable ISO in `dir`.
pub(crate) fn grub_iso(
    dir: &Path,
    files: &HostFiles,
    config: &HostConfig,
) -> Result<PathBuf, Error> {
    let tree = dir.join("iso");
    let _ = std::fs::remove_dir_all(&tree);
    std::fs::create_dir_all(tree.join("boot/grub")).map_err(io("create the ISO tree"))?;
    for (src, name) in [
        (&files.xen, "xen.gz"),
        (&files.vmlinuz, "vmlinuz"),
        (&files.initrd, "initrd"),
    ] {
        let dst = tree.join("boot").join(name);
        // Hard links keep the ISO tree cheap; copy across file systems.
        if std::fs::hard_link(src, &dst).is_err() {
            std::fs::copy(src, &dst).map_err(io(format!("copy {}", src.display())))?;
        }
    }
    let cfg = format!(
        "set timeout=0\nset default=0\nmenuentry 'Xen 4.17 reference host' {{\n  \
         multiboot2 /boot/xen.gz console=com1 com1=115200,8n1 {}\n  \
         module2 /boot/vmlinuz console=hvc0 earlyprintk=xen {} {}\n  \
         module2 /boot/initrd\n}}\n",
        config.xen_cmdline,
        config.xenstored.cmdline(),
        config.dom0_cmdline
    );
    std::fs::write(tree.join("boot/grub/grub.cfg"), cfg).map_err(io("write grub.cfg"))?;
    let iso = dir.join("host.iso");
    let output = Command::new("grub-mkrescue")
        .arg("-o")
        .arg(&iso)
        .arg(&tree)
        .output()
        .map_err(io("run grub-mkrescue"))?;
    if !output.status.success() {
        return Err(Error::Tool {
            what: "grub-mkrescue".into(),
            output: String::from_utf8_lossy(&output.stderr).into_owned(),
        });
    }
    Ok(iso)
}
