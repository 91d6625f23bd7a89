//! Starts the `xenstored` binary on private sockets for a test.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub struct Daemon {
    pub child: Child,
    pub dir: PathBuf,
    pub sock: PathBuf,
    pub sock5: PathBuf,
}

static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

pub fn wait_for(p: &Path) {
    let t = Instant::now();
    while !p.exists() {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "daemon did not create {}",
            p.display()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

impl Daemon {
    pub fn start(extra: &[&str]) -> Daemon {
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("xs-test-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let sock = dir.join("socket");
        let sock5 = dir.join("socket-dom5");
        let child = Command::new(env!("CARGO_BIN_EXE_xenstored"))
            .arg("--socket")
            .arg(&sock)
            .arg("--domain-socket")
            .arg(format!("5:{}", sock5.display()))
            .arg("--state-file")
            .arg(dir.join("state"))
            .arg("--pid-file")
            .arg(dir.join("pid"))
            .args(["--log-level", "warn"])
            .args(extra)
            .stdin(Stdio::null())
            .spawn()
            .expect("start xenstored");
        wait_for(&sock);
        wait_for(&sock5);
        Daemon {
            child,
            dir,
            sock,
            sock5,
        }
    }

    /// Runs a peer program against socket `sock`.
    pub fn run(&self, sock: &Path, prog: &Path, args: &[&str]) -> Output {
        Command::new(prog)
            .args(args)
            .env("XENSTORED_PATH", sock)
            .stdin(Stdio::null())
            .output()
            .expect("run peer")
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The Debian program `name`, or `None` (test skipped) when it is not
/// installed — unless `XEN_STORE_REQUIRE_PEERS=1`, then a failure.
pub fn peer(candidates: &[PathBuf]) -> Option<PathBuf> {
    if let Some(p) = candidates.iter().find(|p| p.exists()) {
        return Some(p.clone());
    }
    if std::env::var("XEN_STORE_REQUIRE_PEERS").as_deref() == Ok("1") {
        panic!("required peer program missing: {candidates:?}");
    }
    eprintln!("SKIPPED: peer program not installed: {candidates:?}");
    None
}

pub fn tool(name: &str) -> Option<PathBuf> {
    peer(&[PathBuf::from("/usr/bin").join(name)])
}
