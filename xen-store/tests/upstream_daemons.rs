//! On the reference host (Debian's Xen 4.17 with a Linux 6.1 dom0, see
//! crates/xen-refhost): our clients against Xen's own daemons — the C
//! `xenstored` dom0 booted with, then `oxenstored` in its place — and our
//! `xenstored` running in that dom0 next to them, passing Debian's
//! `test-xenstore` and the same client check.

mod common;

use std::time::Duration;

use xen_refhost::{HostConfig, RefHost};

#[test]
fn clients_against_c_and_ocaml_xenstored_and_ours_in_a_real_dom0() {
    if xen_refhost::skip_here() {
        return;
    }
    let config = HostConfig {
        files: vec![
            (common::example::client_check(), "/root/client_check".into()),
            (
                env!("CARGO_BIN_EXE_xenstored").into(),
                "/root/xenstored".into(),
            ),
        ],
        ..HostConfig::default()
    };
    let mut host = RefHost::boot("xen-store-upstream", &config)
        .unwrap()
        .expect("available");
    let limit = Duration::from_secs(180);
    let ok = |out: &xen_refhost::CommandOutput, what: &str| {
        assert_eq!(out.status, 0, "{what}:\n{}", out.text);
        assert!(
            out.text.contains("client-check: OK"),
            "{what}:\n{}",
            out.text
        );
    };

    // Xen's C xenstored, serving dom0 of the real host.
    let out = host.run("/root/client_check 2>&1", limit).unwrap();
    ok(&out, "against C xenstored");

    // Xen's oxenstored in its place.
    let out = host
        .run(
            "kill $(cat /run/xen/xenstored.pid) && sleep 1 && \
             oxenstored --pid-file /run/xen/oxenstored.pid && sleep 3 && /root/client_check 2>&1",
            limit,
        )
        .unwrap();
    ok(&out, "against oxenstored");

    // Ours, on its own socket in the same dom0.
    let out = host
        .run(
            "mkdir -p /run/ours && (/root/xenstored --socket /run/ours/socket \
             --pid-file /run/ours/pid --log-level warn --no-rings &) && sleep 3 && \
             XENSTORED_PATH=/run/ours/socket /root/client_check 2>&1",
            limit,
        )
        .unwrap();
    ok(&out, "against our xenstored in dom0");
    let out = host
        .run(
            "XENSTORED_PATH=/run/ours/socket /usr/lib/xen-4.17/bin/test-xenstore -i 20 2>&1",
            Duration::from_secs(600),
        )
        .unwrap();
    assert_eq!(out.status, 0, "test-xenstore against ours:\n{}", out.text);
    assert!(out.text.contains("ta err"), "{}", out.text);
    host.poweroff().unwrap();
}
