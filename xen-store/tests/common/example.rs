//! The `client_check` example, built for tests that run it.

use std::path::PathBuf;
use std::process::Command;

/// Builds the `client_check` example and returns its path.
pub fn client_check() -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let ok = Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "-p",
            "xen-store",
            "--example",
            "client_check",
        ])
        .status()
        .expect("run cargo build")
        .success();
    assert!(ok, "building the client_check example failed");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("debug/examples/client_check")
}
