//! The daemon against Debian's Xen 4.17 clients (`xenstore-utils`,
//! `test-xenstore`), through `XENSTORED_PATH`, and against our own clients.
mod common;
use std::path::PathBuf;
use std::time::Duration;

use common::daemon::{peer, tool, Daemon};
use xen_store::client::blocking::Client;
use xen_store::client::Error;
use xen_store::db::XsError;

fn out(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn debian_tools_read_write_list_rm() {
    let (Some(w), Some(r), Some(ls), Some(list), Some(ex), Some(rm)) = (
        tool("xenstore-write"),
        tool("xenstore-read"),
        tool("xenstore-ls"),
        tool("xenstore-list"),
        tool("xenstore-exists"),
        tool("xenstore-rm"),
    ) else {
        return;
    };
    let d = Daemon::start(&[]);
    let s = &d.sock;
    assert!(d
        .run(s, &w, &["/vm/a", "hello", "/vm/b", "x y"])
        .status
        .success());
    assert_eq!(out(&d.run(s, &r, &["/vm/a", "/vm/b"])), "hello\nx y\n");
    assert_eq!(out(&d.run(s, &list, &["/vm"])), "a\nb\n");
    assert!(out(&d.run(s, &ls, &["/"])).contains("vm = \"\"\n a = \"hello\"\n b = \"x y\"\n"));
    assert!(d.run(s, &ex, &["/vm/a"]).status.success());
    assert!(!d.run(s, &ex, &["/vm/zz"]).status.success());
    assert!(d.run(s, &rm, &["/vm/a"]).status.success());
    assert!(!d.run(s, &r, &["/vm/a"]).status.success());
    let o = d.run(s, &r, &["/vm/a"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("couldn't read path"));
    // Relative paths resolve under /local/domain/0.
    assert!(d.run(s, &w, &["rel", "v"]).status.success());
    assert_eq!(out(&d.run(s, &r, &["/local/domain/0/rel"])), "v\n");
}

#[test]
fn debian_tools_binary_values() {
    let (Some(w), Some(r), Some(ls)) = (
        tool("xenstore-write"),
        tool("xenstore-read"),
        tool("xenstore-ls"),
    ) else {
        return;
    };
    let d = Daemon::start(&[]);
    let s = &d.sock;
    // xenstore-write unescapes; our client sees the bytes.
    assert!(d
        .run(s, &w, &["/bin", "a\\000b\\001\\377"])
        .status
        .success());
    let mut c = Client::connect(s).unwrap();
    assert_eq!(c.read(0, "/bin").unwrap(), b"a\0b\x01\xff");
    // Bytes written by us come back raw with -R and escaped without.
    c.write(0, "/bin2", b"\x00\x02z").unwrap();
    assert_eq!(d.run(s, &r, &["-R", "/bin2"]).stdout, b"\x00\x02z");
    assert_eq!(out(&d.run(s, &r, &["/bin2"])), "\\000\\002z\n");
    assert!(out(&d.run(s, &ls, &["/"])).contains("bin2 = \"\\000\\002z\""));
}

#[test]
fn debian_tools_permissions_and_errors() {
    let (Some(w), Some(r), Some(chmod), Some(ls), Some(rm)) = (
        tool("xenstore-write"),
        tool("xenstore-read"),
        tool("xenstore-chmod"),
        tool("xenstore-ls"),
        tool("xenstore-rm"),
    ) else {
        return;
    };
    let d = Daemon::start(&[]);
    let (s, g) = (&d.sock, &d.sock5);
    assert!(d
        .run(s, &w, &["/secret", "s", "/shared", "x"])
        .status
        .success());
    assert!(d.run(s, &chmod, &["/shared", "n0", "r5"]).status.success());
    let o = d.run(s, &ls, &["-p", "/"]);
    assert!(out(&o).contains("(n0,r5)"), "{}", out(&o));
    // Through the domain-5 socket: permission errors, as a guest sees them.
    assert_eq!(out(&d.run(g, &r, &["/shared"])), "x\n");
    let o = d.run(g, &r, &["/secret"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("couldn't read path"));
    let mut c = Client::connect(g).unwrap();
    assert!(matches!(
        c.read(0, "/secret"),
        Err(Error::Xs(XsError::Acces))
    ));
    assert!(matches!(
        c.read(0, "/secret/none"),
        Err(Error::Xs(XsError::Acces))
    ));
    assert!(matches!(
        c.write(0, "/shared", b"no"),
        Err(Error::Xs(XsError::Acces))
    ));
    assert!(!d.run(g, &w, &["/shared", "no"]).status.success());
    assert!(!d.run(g, &rm, &["/shared"]).status.success());
    assert!(!d.run(g, &chmod, &["/shared", "b5"]).status.success());
    // Its own home works with relative paths.
    assert!(d.run(s, &w, &["/local/domain/5", ""]).status.success());
    assert!(d
        .run(s, &chmod, &["/local/domain/5", "n5"])
        .status
        .success());
    assert!(d.run(g, &w, &["mine", "m"]).status.success());
    assert_eq!(out(&d.run(s, &r, &["/local/domain/5/mine"])), "m\n");
}

#[test]
fn debian_watch_sees_changes() {
    let (Some(watch), Some(w)) = (tool("xenstore-watch"), tool("xenstore-write")) else {
        return;
    };
    let d = Daemon::start(&[]);
    let child = std::process::Command::new(&watch)
        .args(["-n", "3", "/wt"])
        .env("XENSTORED_PATH", &d.sock)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert!(d.run(&d.sock, &w, &["/wt/a", "1"]).status.success());
    assert!(d.run(&d.sock, &w, &["/wt/b", "2"]).status.success());
    let o = child.wait_with_output().unwrap();
    assert_eq!(out(&o), "/wt\n/wt/a\n/wt/b\n");
}

#[test]
fn debian_test_xenstore_passes() {
    let mut cands = vec![PathBuf::from("/usr/lib/xen-4.17/bin/test-xenstore")];
    if let Ok(p) = std::env::var("XEN_STORE_TEST_XENSTORE") {
        cands.insert(0, PathBuf::from(p));
    }
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../target/xen-utils/usr/lib/xen-4.17/bin/test-xenstore");
    cands.push(root);
    let Some(t) = peer(&cands) else {
        return;
    };
    let d = Daemon::start(&[]);
    let o = d.run(&d.sock, &t, &["-i", "20"]);
    assert!(
        o.status.success(),
        "test-xenstore failed: {}\n{}",
        out(&o),
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out(&o).contains("ta err"));
}

#[test]
fn oversized_header_closes_only_that_connection() {
    use std::io::{Read, Write};
    let d = Daemon::start(&[]);
    let mut raw = std::os::unix::net::UnixStream::connect(&d.sock).unwrap();
    let mut c = Client::connect(&d.sock).unwrap();
    c.write(0, "/keep", b"1").unwrap();
    let h = xen_store::wire::Header {
        ty: 11,
        req_id: 0,
        tx_id: 0,
        len: 5000,
    };
    raw.write_all(&h.encode()).unwrap();
    let mut b = [0u8; 16];
    raw.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    assert_eq!(raw.read(&mut b).unwrap_or(0), 0, "closed");
    assert_eq!(c.read(0, "/keep").unwrap(), b"1");
}

#[test]
fn live_update_keeps_the_data() {
    let d = Daemon::start(&[]);
    let mut c = Client::connect(&d.sock).unwrap();
    c.write(0, "/lu/a", b"\x00binary").unwrap();
    c.set_perms(0, "/lu/a", &["n0", "r5"]).unwrap();
    c.introduce(9, 77, 3).unwrap();
    assert_eq!(c.control(&["live-update", "-s"]).unwrap(), "OK");
    drop(c);
    // The daemon re-executes itself on the dumped state; reconnect.
    let t = std::time::Instant::now();
    let mut c = loop {
        std::thread::sleep(Duration::from_millis(50));
        if let Ok(mut c) = Client::connect(&d.sock) {
            if c.read(0, "/tool").is_ok() {
                break c;
            }
        }
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "daemon did not come back"
        );
    };
    assert_eq!(c.read(0, "/lu/a").unwrap(), b"\x00binary");
    assert_eq!(c.get_perms(0, "/lu/a").unwrap(), ["n0", "r5"]);
    assert!(c.is_domain_introduced(9).unwrap());
    // Same process (exec), same pid file.
    let pid: u32 = std::fs::read_to_string(d.dir.join("pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(pid, d.child.id());
}
