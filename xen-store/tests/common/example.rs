//! The crate's examples, built for tests that run them (on the reference
//! host, for instance).

use std::path::PathBuf;
use std::process::Command;

/// Builds example `name` (`--release` if `release`) and returns its path.
pub fn build(name: &str, release: bool) -> PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut args = vec!["build", "--quiet", "-p", "xen-store", "--example", name];
    if release {
        args.push("--release");
    }
    let ok = Command::new(cargo)
        .args(&args)
        .status()
        .expect("run cargo build")
        .success();
    assert!(ok, "building the {name} example failed");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let profile = if release { "release" } else { "debug" };
    target.join(profile).join("examples").join(name)
}

/// Builds the `client_check` example and returns its path.
#[allow(dead_code)]
pub fn client_check() -> PathBuf {
    build("client_check", false)
}
