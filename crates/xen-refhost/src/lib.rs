//! A real Xen 4.17 host in QEMU, for compatibility tests.
//!
//! The host is built from Debian's own packages — the `xen-hypervisor-4.17`
//! hypervisor, the Linux 6.1 kernel as a PV domain 0, and a dom0 root
//! filesystem (in an initramfs) holding busybox, Xen's tools and libraries
//! (`xl`, `xenconsoled`, the C `xenstored`, `oxenstored`, `test-xenstore`),
//! the Xen kernel modules and any files a test adds (our own binaries).
//! Nothing of it is committed: `host/mkhost.sh` downloads the packages with
//! `apt-get download` and assembles the files under the workspace's
//! `target/refhost/`, reusing them while their inputs are unchanged.
//!
//! A test boots the host and talks to dom0's shell over the serial console:
//!
//! ```no_run
//! use std::time::Duration;
//! use xen_refhost::{HostConfig, RefHost};
//!
//! let Some(mut host) = RefHost::boot("example", &HostConfig::default()).unwrap() else {
//!     return; // QEMU or the Debian tooling is not installed here
//! };
//! let out = host.run("xl list", Duration::from_secs(60)).unwrap();
//! assert_eq!(out.status, 0);
//! assert!(out.text.contains("Domain-0"));
//! host.poweroff().unwrap();
//! ```
//!
//! The hypervisor runs under QEMU TCG with the CPU flags Debian's Xen needs
//! there (`-cpu EPYC,-monitor,-smap,-smep,+svm`: SVM for its own use, no
//! SMAP/SMEP, whose TCG emulation breaks a PV dom0). Xen's console is the
//! first serial port and dom0's `hvc0` is relayed onto it, so the test sees
//! Xen's and Linux's messages and the shell in one stream.
#![forbid(unsafe_code)]

mod build;
mod console;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

pub use build::{prepare, HostFiles};
use console::Console;

/// Why the host could not be built, booted or driven.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or process operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// `mkhost.sh` or `grub-mkrescue` failed.
    #[error("{what} failed:\n{output}")]
    Tool {
        /// The tool.
        what: String,
        /// Its output.
        output: String,
    },
    /// The console did not show what was awaited in time.
    #[error("timed out after {limit:?} waiting for {awaited:?}; console tail:\n{tail}")]
    Timeout {
        /// The text or marker awaited.
        awaited: String,
        /// How long we waited.
        limit: Duration,
        /// The last part of the console.
        tail: String,
    },
    /// QEMU exited while we were waiting.
    #[error("QEMU exited while waiting for {awaited:?}; console tail:\n{tail}")]
    Exited {
        /// The text or marker awaited.
        awaited: String,
        /// The last part of the console.
        tail: String,
    },
}

pub(crate) fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
    let what = what.into();
    move |source| Error::Io { what, source }
}

/// Which xenstore daemon dom0 starts at boot.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Xenstored {
    /// Xen's C `xenstored`.
    #[default]
    C,
    /// Xen's OCaml `oxenstored`.
    Oxenstored,
    /// None: the test starts one itself (then `xen-init-dom0` and
    /// `xenconsoled` are its job too).
    None,
    /// This binary in dom0's filesystem (add it with
    /// [`HostConfig::files`]); it gets `--pid-file`.
    Path(String),
}

impl Xenstored {
    fn cmdline(&self) -> String {
        let v = match self {
            Xenstored::C => "c",
            Xenstored::Oxenstored => "oxen",
            Xenstored::None => "none",
            Xenstored::Path(p) => p,
        };
        format!("refhost.xenstored={v}")
    }
}

/// How to build and boot the host.
#[derive(Clone, Debug)]
pub struct HostConfig {
    /// Extra files for dom0's filesystem: host path → absolute path in dom0.
    pub files: Vec<(PathBuf, String)>,
    /// The xenstore daemon dom0 starts.
    pub xenstored: Xenstored,
    /// Xen's command line after the console settings.
    pub xen_cmdline: String,
    /// Extra dom0 kernel command-line words.
    pub dom0_cmdline: String,
    /// RAM of the emulated machine in MiB.
    pub memory_mib: u32,
    /// Emulated CPUs.
    pub cpus: u32,
    /// How long boot may take until dom0's shell is ready.
    pub boot_limit: Duration,
}

impl Default for HostConfig {
    fn default() -> Self {
        HostConfig {
            files: Vec::new(),
            xenstored: Xenstored::C,
            xen_cmdline:
                "dom0_mem=768M,max:768M dom0_max_vcpus=2 loglvl=all guest_loglvl=all noreboot"
                    .into(),
            dom0_cmdline: String::new(),
            memory_mib: 2048,
            cpus: 2,
            boot_limit: Duration::from_secs(300),
        }
    }
}

/// What a command printed and its exit status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandOutput {
    /// Standard output and error, interleaved as the console showed them,
    /// with carriage returns and terminal escapes removed.
    pub text: String,
    /// The shell's `$?`.
    pub status: i32,
}

/// A running reference host.
pub struct RefHost {
    child: Child,
    stdin: ChildStdin,
    console: Console,
    dir: PathBuf,
    next_marker: u64,
}

/// Removes a last line that is a copy of command `n`'s end marker damaged
/// in transit (the intact copy follows it).
fn drop_damaged_marker(text: &str, n: u64) -> String {
    let body = text.strip_suffix('\n').unwrap_or(text);
    match body.rsplit_once('\n') {
        Some((before, last)) if looks_like_marker(last, n) => format!("{before}\n"),
        None if looks_like_marker(body, n) => String::new(),
        _ => text.to_string(),
    }
}

/// A line that is what is left of `@@RHEND:<n>:<status>` after losing a
/// byte or two.
fn looks_like_marker(line: &str, n: u64) -> bool {
    let line = line.trim();
    let tag = format!(":{n}:");
    line.len() <= 24 && (line.starts_with("@@") || line.contains("END")) && line.contains(&tag)
        || line.len() <= 24 && line.starts_with("@@R") && line.contains("END")
}

/// Runs a reference-host scenario, once more if the first attempt panics.
///
/// The emulated host is not fully reliable (QEMU TCG now and then loses a
/// console byte, or stalls a boot), so a long scenario gets a second, fresh
/// attempt; the first failure is printed. A fault that is ours fails both.
pub fn with_retry<T>(what: &str, mut scenario: impl FnMut() -> T) -> T {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(&mut scenario)) {
        Ok(v) => v,
        Err(e) => {
            let msg = e
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| e.downcast_ref::<&str>().copied())
                .unwrap_or("(no message)");
            eprintln!("{what}: first attempt failed, trying a fresh boot once more:\n{msg}");
            scenario()
        }
    }
}

/// The raw image behind dom0's `/dev/vda`, in the run directory.
const EXCHANGE_IMAGE: &str = "exchange.img";
/// Its size: the most one [`RefHost::fetch`] or [`RefHost::put`] moves.
const EXCHANGE_BYTES: u64 = 64 << 20;

/// Creates a fresh, sparse exchange disk in `dir`.
fn exchange_disk(dir: &Path) -> Result<PathBuf, Error> {
    let p = dir.join(EXCHANGE_IMAGE);
    let f = std::fs::File::create(&p).map_err(io("create the exchange disk"))?;
    f.set_len(EXCHANGE_BYTES)
        .map_err(io("size the exchange disk"))?;
    Ok(p)
}

/// True when this machine has what the host needs: QEMU, GRUB's ISO
/// builder and Debian's packaging tools.
pub fn available() -> bool {
    [
        "qemu-system-x86_64",
        "grub-mkrescue",
        "apt-get",
        "dpkg",
        "cpio",
    ]
    .iter()
    .all(|t| build::on_path(t))
}

/// For tests: true (after saying so on stderr) when the host cannot be
/// built here and the test should skip; panics instead when
/// `XEN_REFHOST_REQUIRE=1` (the README's test command sets it).
pub fn skip_here() -> bool {
    if available() {
        return false;
    }
    assert!(
        std::env::var_os("XEN_REFHOST_REQUIRE").is_none_or(|v| v != "1"),
        "XEN_REFHOST_REQUIRE=1 but QEMU, GRUB or Debian's packaging tools are missing"
    );
    eprintln!(
        "skipped: the reference Xen host cannot be built here (QEMU, GRUB or apt tooling missing)"
    );
    true
}

impl RefHost {
    /// Builds (or reuses) the host's files, boots it and waits for dom0's
    /// shell. `Ok(None)` when this machine lacks the tools ([`available`]).
    pub fn boot(name: &str, config: &HostConfig) -> Result<Option<RefHost>, Error> {
        if !available() {
            return Ok(None);
        }
        let files = prepare(&config.files)?;
        let dir = build::target_dir().join("refhost-runs").join(name);
        let iso = build::grub_iso(&dir, &files, config)?;
        let mut child = Command::new("qemu-system-x86_64")
            .args(["-accel", "tcg", "-machine", "q35"])
            .args(["-cpu", "EPYC,-monitor,-smap,-smep,+svm"])
            .args(["-smp", &config.cpus.to_string()])
            .args(["-m", &config.memory_mib.to_string()])
            .args(["-display", "none", "-serial", "stdio", "-monitor", "none"])
            .args(["-drive"])
            .arg(format!(
                "file={},format=raw,if=virtio",
                exchange_disk(&dir)?.display()
            ))
            .args(["-no-reboot", "-cdrom"])
            .arg(&iso)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(io("start qemu-system-x86_64"))?;
        let stdin = child.stdin.take().expect("piped stdin");
        let console = Console::new(
            child.stdout.take().expect("piped stdout"),
            child.stderr.take().expect("piped stderr"),
            dir.join("console.log"),
        );
        let mut host = RefHost {
            child,
            stdin,
            console,
            dir,
            next_marker: 0,
        };
        let ready = host.wait_after(0, "refhost: ready", config.boot_limit)?;
        // The shell prints its prompt once the line above is out.
        let prompt = host.wait_after(ready, "# ", Duration::from_secs(60))?;
        // Without echo, busybox's shell reads plain lines: no line editing,
        // no redrawing and wrapping of what we type.
        host.send("stty -echo\n")?;
        host.wait_after(prompt + 2, "# ", Duration::from_secs(60))?;
        Ok(Some(host))
    }

    /// Where this run keeps its ISO and `console.log`.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Everything the console printed so far (raw, with escapes).
    pub fn console(&self) -> String {
        self.console.text()
    }

    /// Waits until the console shows `text` (anywhere since boot).
    pub fn wait_for(&mut self, text: &str, limit: Duration) -> Result<(), Error> {
        self.wait_after(0, text, limit).map(|_| ())
    }

    /// Waits until `text` appears at or after byte `from` of the console;
    /// returns where it starts.
    fn wait_after(&mut self, from: usize, text: &str, limit: Duration) -> Result<usize, Error> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(at) = self.console.find(from, text) {
                return Ok(at);
            }
            if let Ok(Some(_)) = self.child.try_wait() {
                // Let the reader threads drain what QEMU wrote last.
                std::thread::sleep(Duration::from_millis(200));
                if let Some(at) = self.console.find(from, text) {
                    return Ok(at);
                }
                return Err(Error::Exited {
                    awaited: text.into(),
                    tail: self.console.tail(4000),
                });
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(Error::Timeout {
                    awaited: text.into(),
                    limit,
                    tail: self.console.tail(4000),
                });
            }
            self.console.wait_change(deadline - now);
        }
    }

    /// Types `input` on the console without waiting for anything.
    ///
    /// Xen keeps at most 128 received characters for dom0 and drops the
    /// rest when dom0 is slow to read them (as it is while a guest boots
    /// under TCG), so input goes out in short pieces with pauses.
    pub fn send(&mut self, input: &str) -> Result<(), Error> {
        for (i, piece) in input.as_bytes().chunks(32).enumerate() {
            if i > 0 {
                std::thread::sleep(Duration::from_millis(40));
            }
            self.stdin
                .write_all(piece)
                .and_then(|()| self.stdin.flush())
                .map_err(io("write to the serial console"))?;
        }
        Ok(())
    }

    /// Runs one shell command line in dom0 and returns its output and
    /// status. The command must not read the console.
    pub fn run(&mut self, command: &str, limit: Duration) -> Result<CommandOutput, Error> {
        assert!(!command.contains('\n'), "one command line at a time");
        self.next_marker += 1;
        let n = self.next_marker;
        let from = self.console.len();
        // The marker is split by quotes on the typed line, so only the
        // shell's own output carries it whole. It is printed twice: under
        // load the emulated serial line now and then loses a byte, and one
        // intact copy is enough.
        self.send(&format!(
            "{command}; rh_s=$?; echo \"@@RH\"\"END:{n}:$rh_s\"; echo \"@@RH\"\"END:{n}:$rh_s\"\n"
        ))?;
        let marker = format!("@@RHEND:{n}:");
        let at = self.wait_after(from, &marker, limit)?;
        let end = self.wait_after(at, "\n", Duration::from_secs(10))?;
        // The second copy and the next prompt, so that the next command's
        // output starts clean (either may be the one that lost a byte).
        let _ = self
            .wait_after(end, &marker, Duration::from_secs(5))
            .and_then(|m| self.wait_after(m, "# ", Duration::from_secs(5)));
        let raw = self.console.slice(from, end);
        let status_text = raw[at - from + marker.len()..].trim();
        let status = status_text.parse().unwrap_or(-1);
        Ok(CommandOutput {
            text: drop_damaged_marker(&console::clean(&raw[..at - from]), n),
            status,
        })
    }

    /// Copies file `path` of dom0 out to the host, through the exchange
    /// disk (dom0's `/dev/vda`, a raw image in the run directory).
    pub fn fetch(&mut self, path: &str) -> Result<Vec<u8>, Error> {
        assert!(!path.contains(['\'', '\n']), "plain paths only");
        let out = self.run(
            &format!(
                "n=$(wc -c < '{path}') && cat '{path}' > /dev/vda && \
                 blockdev --flushbufs /dev/vda && echo \"size=$n\""
            ),
            Duration::from_secs(120),
        )?;
        let size = out
            .text
            .lines()
            .find_map(|l| l.trim().strip_prefix("size="))
            .and_then(|n| n.parse::<usize>().ok());
        let size = match (out.status, size) {
            (0, Some(n)) if n as u64 <= EXCHANGE_BYTES => n,
            _ => {
                return Err(Error::Tool {
                    what: format!("copying {path} out of dom0"),
                    output: out.text,
                })
            }
        };
        let image =
            std::fs::read(self.dir.join(EXCHANGE_IMAGE)).map_err(io("read the exchange disk"))?;
        Ok(image[..size].to_vec())
    }

    /// Copies `bytes` into dom0 as file `path`, through the exchange disk.
    pub fn put(&mut self, bytes: &[u8], path: &str) -> Result<(), Error> {
        assert!(!path.contains(['\'', '\n']), "plain paths only");
        if bytes.len() as u64 > EXCHANGE_BYTES {
            return Err(Error::Tool {
                what: format!("copying {} bytes into dom0", bytes.len()),
                output: format!("the exchange disk holds {EXCHANGE_BYTES} bytes"),
            });
        }
        {
            use std::os::unix::fs::FileExt;
            let f = std::fs::OpenOptions::new()
                .write(true)
                .open(self.dir.join(EXCHANGE_IMAGE))
                .map_err(io("open the exchange disk"))?;
            f.write_all_at(bytes, 0)
                .and_then(|()| f.sync_data())
                .map_err(io("write the exchange disk"))?;
        }
        let out = self.run(
            &format!(
                "blockdev --flushbufs /dev/vda && head -c {} /dev/vda > '{path}'",
                bytes.len()
            ),
            Duration::from_secs(120),
        )?;
        if out.status != 0 {
            return Err(Error::Tool {
                what: format!("copying into dom0's {path}"),
                output: out.text,
            });
        }
        Ok(())
    }

    /// Powers dom0 off (which makes Xen power the machine off) and waits
    /// for QEMU to exit.
    pub fn poweroff(mut self) -> Result<(), Error> {
        self.send("poweroff -f\n")?;
        let deadline = Instant::now() + Duration::from_secs(120);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Err(Error::Timeout {
            awaited: "QEMU to exit after poweroff".into(),
            limit: Duration::from_secs(120),
            tail: self.console.tail(4000),
        })
    }
}

impl Drop for RefHost {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod marker_tests {
    use super::drop_damaged_marker;

    #[test]
    fn damaged_end_markers_are_dropped_from_output() {
        assert_eq!(drop_damaged_marker("a\nb\n@@RHND:10:0\n", 10), "a\nb\n");
        assert_eq!(drop_damaged_marker("a\n@@RHEN:7:0\n", 7), "a\n");
        assert_eq!(drop_damaged_marker("@RHEND:3:1\n", 3), "");
        // Ordinary output stays.
        assert_eq!(
            drop_damaged_marker("a\nEND of list :3: x\n", 4),
            "a\nEND of list :3: x\n"
        );
        assert_eq!(drop_damaged_marker("a\nb\n", 1), "a\nb\n");
    }
}
