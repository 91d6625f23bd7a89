//! Boots the reference host — Debian's Xen 4.17 with Debian's Linux 6.1 as
//! PV dom0 — and checks it is the real thing: `xl` sees Domain-0, the C
//! xenstored serves dom0's keys, Xen's own `test-xenstore` passes, and files
//! go in and out of dom0 through the exchange disk.
//!
//! Skipped (with a message) where QEMU or Debian's tooling is missing,
//! unless `XEN_REFHOST_REQUIRE=1`.

use std::time::Duration;

use xen_refhost::{HostConfig, RefHost};

#[test]
fn debian_xen_host_boots_and_runs_xl_and_xenstore() {
    if xen_refhost::skip_here() {
        return;
    }
    let mut host = RefHost::boot("xen-host", &HostConfig::default())
        .unwrap()
        .expect("available");
    let minute = Duration::from_secs(60);

    let xl = host.run("xl list", minute).unwrap();
    assert_eq!(xl.status, 0, "{}", xl.text);
    let dom0 = xl
        .text
        .lines()
        .find(|l| l.starts_with("Domain-0"))
        .unwrap_or_else(|| panic!("no Domain-0 in:\n{}", xl.text));
    let cols: Vec<&str> = dom0.split_whitespace().collect();
    assert_eq!(cols[1], "0", "dom0's id: {dom0}");
    assert_eq!(cols[3], "2", "dom0_max_vcpus=2: {dom0}");

    let version = host
        .run(
            "cat /sys/hypervisor/version/major /sys/hypervisor/version/minor",
            minute,
        )
        .unwrap();
    assert_eq!(
        version.text.split_whitespace().collect::<Vec<_>>(),
        ["4", "17"]
    );

    let name = host
        .run("xenstore-read /local/domain/0/name", minute)
        .unwrap();
    assert_eq!((name.status, name.text.trim()), (0, "Domain-0"));
    let missing = host.run("xenstore-read /no/such/node", minute).unwrap();
    assert_ne!(missing.status, 0, "reading a missing node must fail");

    // Xen's own xenstore test suite against Xen's C daemon on the real host.
    // It prints one timing line per test and exits non-zero on a failure.
    let t = host
        .run(
            "/usr/lib/xen-4.17/bin/test-xenstore -i 20 2>&1",
            Duration::from_secs(600),
        )
        .unwrap();
    assert_eq!(t.status, 0, "test-xenstore:\n{}", t.text);
    assert!(t.text.contains("ta err"), "test-xenstore:\n{}", t.text);

    // Files in and out through the exchange disk.
    let blob: Vec<u8> = (0..200_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    host.put(&blob, "/tmp/blob").unwrap();
    let back = host.fetch("/tmp/blob").unwrap();
    assert!(back == blob, "a file copied in and out came back changed");
    let cpuinfo = host
        .run(
            "cat /proc/cpuinfo > /tmp/cpuinfo; wc -c < /tmp/cpuinfo",
            minute,
        )
        .unwrap();
    let fetched = host.fetch("/tmp/cpuinfo").unwrap();
    assert_eq!(fetched.len().to_string(), cpuinfo.text.trim());
    assert!(String::from_utf8_lossy(&fetched).contains("AuthenticAMD"));

    host.poweroff().unwrap();
}
