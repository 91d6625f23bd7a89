//! Our test guests as domUs of the real thing: Debian's Xen 4.17 host
//! (crates/xen-refhost) creates each with `xl create` as a PVH domain, and
//! the guest's verdict is its shutdown reason — power-off for success,
//! crash for failure — which `xl create -F` reports when the domain dies.
//! (A domU's console_io writes are refused by a release build of Xen, so
//! the verdict cannot come from the console.)

mod common;

use std::time::Duration;

use xen_refhost::{HostConfig, RefHost};

/// An `xl` domain configuration for a PVH test guest.
fn xl_config(name: &str, extra: &str) -> String {
    format!(
        "name = \"{name}\"\ntype = \"pvh\"\nkernel = \"/root/{name}\"\nmemory = 32\nvcpus = 1\n\
         on_poweroff = \"destroy\"\non_reboot = \"destroy\"\non_crash = \"destroy\"\n{extra}"
    )
}

/// `Domain N has shut down, reason code R 0x..` from `xl create -F`.
fn shutdown_reason(xl_output: &str) -> Option<u32> {
    let line = xl_output
        .lines()
        .find(|l| l.contains("has shut down, reason code"))?;
    line.split("reason code ")
        .nth(1)?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[test]
fn shutdown_reason_parsing() {
    assert_eq!(
        shutdown_reason("Parsing config\nDomain 3 has shut down, reason code 3 0x3\nAction ..."),
        Some(3)
    );
    assert_eq!(shutdown_reason("nothing"), None);
}

#[test]
fn test_guests_pass_as_domus_of_debian_xen() {
    if xen_refhost::skip_here() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("xen-hv-domu-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    let guests = [
        ("test-version", ""),
        // The verdict of test-shutdown is the reason it asks for.
        ("test-shutdown", "cmdline = \"mode=crash\"\n"),
    ];
    for (name, extra) in guests {
        let cfg = dir.join(format!("{name}.cfg"));
        std::fs::write(&cfg, xl_config(name, extra)).unwrap();
        files.push((common::guest(name), format!("/root/{name}")));
        files.push((cfg, format!("/root/{name}.cfg")));
    }
    let config = HostConfig {
        files,
        ..HostConfig::default()
    };
    let mut host = RefHost::boot("domu-test-guests", &config)
        .unwrap()
        .expect("available");
    let limit = Duration::from_secs(300);

    let out = host
        .run("xl create -F /root/test-version.cfg 2>&1", limit)
        .unwrap();
    assert_eq!(out.status, 0, "xl create -F:\n{}", out.text);
    assert_eq!(
        shutdown_reason(&out.text),
        Some(xen_abi::sched::SHUTDOWN_POWEROFF),
        "test-version must power off (pass); xl said:\n{}\nconsole: {}",
        out.text,
        host.dir().join("console.log").display()
    );

    let out = host
        .run("xl create -F /root/test-shutdown.cfg 2>&1", limit)
        .unwrap();
    assert_eq!(
        shutdown_reason(&out.text),
        Some(xen_abi::sched::SHUTDOWN_CRASH),
        "test-shutdown mode=crash must crash; xl said:\n{}",
        out.text
    );

    // Both domains are gone: only Domain-0 is listed.
    let list = host.run("xl list", Duration::from_secs(60)).unwrap();
    let doms: Vec<&str> = list
        .text
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(doms.len(), 1, "{}", list.text);
    host.poweroff().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
