//! Both clients (blocking and tokio) against our daemon, through the
//! `client_check` example — the same program the reference-host test runs
//! against Xen's C xenstored and oxenstored.

mod common;

use std::process::Command;

use common::daemon::Daemon;
use common::example::client_check;

#[test]
fn blocking_and_tokio_clients_against_our_daemon() {
    let d = Daemon::start(&[]);
    let out = Command::new(client_check())
        .env("XENSTORED_PATH", &d.sock)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{text}");
    assert_eq!(text.trim(), "client-check: OK");
}
