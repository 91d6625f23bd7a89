//! On the reference host (Debian's Xen 4.17, Linux 6.1 dom0, see
//! crates/xen-refhost) with OUR `xenstored` as dom0's daemon in place of
//! Xen's: dom0's kernel reaches it over its shared ring, `xl create` starts
//! a Linux domU whose kernel talks to it over the domain's ring, the domU's
//! console works through xenconsoled, and `xl shutdown` and `xl destroy`
//! release the domain, which a watcher of `@releaseDomain` sees.
//!
//! The domU is PV by default. `XEN_STORE_DOMU=pvh` runs the same Linux as a
//! PVH domU instead: that works too, but while a Linux HVM-type guest runs,
//! QEMU TCG's emulation of SVM now and then corrupts dom0's memory (crashed
//! busybox and xl processes, a dying console shell), with Xen's own C
//! daemon just as with ours, so it is not the default. Our own small PVH
//! guests run as domUs in `xen-hv/tests/domu_on_xen.rs`.
//!
//! `XEN_STORE_DOM0_BASELINE=c` runs the same scenario on Xen's C daemon
//! instead (skipping the checks of our daemon's log): the baseline that
//! tells a fault of ours from one of the emulated host.

use std::time::Duration;

use xen_refhost::{CommandOutput, HostConfig, RefHost, Xenstored};

/// The domU's xl config in dom0's /etc/xen: PV unless
/// `XEN_STORE_DOMU=pvh` (see the module docs).
fn domu_config() -> &'static str {
    match std::env::var("XEN_STORE_DOMU").as_deref() {
        Ok("pvh") => "linux-domu.cfg",
        _ => "linux-domu-pv.cfg",
    }
}

fn ok(out: &CommandOutput, what: &str) {
    assert_eq!(out.status, 0, "{what}:\n{}", out.text);
}

#[test]
fn our_xenstored_serves_a_real_dom0_and_linux_domus() {
    if xen_refhost::skip_here() {
        return;
    }
    xen_refhost::with_retry("our_xenstored_serves_a_real_dom0_and_linux_domus", scenario);
}

fn scenario() {
    let config = HostConfig {
        files: vec![(
            env!("CARGO_BIN_EXE_xenstored").into(),
            "/root/xenstored".into(),
        )],
        xenstored: match std::env::var("XEN_STORE_DOM0_BASELINE").as_deref() {
            Ok("c") => Xenstored::C,
            _ => Xenstored::Path("/root/xenstored".into()),
        },
        ..HostConfig::default()
    };
    let mut host = RefHost::boot("xen-store-dom0", &config)
        .unwrap()
        .expect("available");
    let limit = Duration::from_secs(120);
    let long = Duration::from_secs(400);

    // dom0's kernel came up on our daemon: the ring attached, and the
    // kernel's own xenbus (reached through /dev/xen/xenbus, not the socket)
    // reads what xen-init-dom0 wrote and sees what the kernel wrote itself.
    let log = host.run("cat /var/log/xen/xenstored.log", limit).unwrap();
    let baseline = std::env::var("XEN_STORE_DOM0_BASELINE").is_ok();
    assert!(
        baseline || log.text.contains("domain 0: ring attached"),
        "daemon log:\n{}",
        log.text
    );
    let out = host
        .run(
            "XENSTORED_PATH=/dev/xen/xenbus xenstore-ls /local/domain/0 2>&1",
            limit,
        )
        .unwrap();
    ok(&out, "xenstore-ls through dom0's kernel ring");
    assert!(out.text.contains("name = \"Domain-0\""), "{}", out.text);
    assert!(
        out.text.contains("feature-poweroff = \"1\""),
        "{}",
        out.text
    );

    // A Linux domU: created by xl, its kernel talks to us over its ring
    // (it publishes its shutdown features), its console reaches xenconsoled.
    let domu_cfg = domu_config();
    let out = host
        .run(
            &format!(
                "(xenstore-watch @releaseDomain > /tmp/release.log 2>&1 &); sleep 1; \
                 xl create /etc/xen/{domu_cfg} 2>&1"
            ),
            long,
        )
        .unwrap();
    ok(&out, "xl create");
    let out = host
        .run(
            "i=0; until grep -q 'refguest: up' /var/log/xen/console/guest-linux-domu.log 2>/dev/null \
             && xenstore-exists /local/domain/1/control/feature-poweroff; do \
             i=$((i + 1)); [ $i -gt 300 ] && break; sleep 1; done; \
             grep 'refguest: up' /var/log/xen/console/guest-linux-domu.log && \
             xenstore-read /local/domain/1/control/feature-poweroff",
            long,
        )
        .unwrap();
    ok(&out, "the domU's console and its xenstore features");
    assert!(out.text.contains("refguest: up"), "{}", out.text);
    assert!(out.text.trim_end().ends_with('1'), "{}", out.text);

    // xl shutdown: the guest powers off, @releaseDomain tells xl (waiting
    // with -w) and xl's monitor, which destroys it; we release it.
    let out = host.run("xl shutdown -w linux-domu 2>&1", long).unwrap();
    ok(&out, "xl shutdown -w");
    assert!(out.text.contains("has been shut down"), "{}", out.text);
    // Until `xl list` shows Domain-0 alone (a dying domain stays listed,
    // nameless, until its last page is released).
    let gone = "i=0; while [ $(xl list | wc -l) -gt 2 ]; do \
                i=$((i + 1)); [ $i -gt 120 ] && break; sleep 1; done; xl list 2>&1";
    let only_dom0 = |out: &CommandOutput| {
        let doms: Vec<&str> = out
            .text
            .lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .collect();
        assert!(
            doms.len() == 1 && doms[0].starts_with("Domain-0"),
            "{}",
            out.text
        );
    };
    let out = host.run(gone, long).unwrap();
    only_dom0(&out);
    let events = |host: &mut RefHost| {
        let out = host.run("cat /tmp/release.log", limit).unwrap();
        out.text
            .lines()
            .filter(|l| l.trim() == "@releaseDomain")
            .count()
    };
    // The watch's first event, the shutdown, the death.
    assert_eq!(events(&mut host), 3);

    // xl destroy of a second one.
    let out = host
        .run(&format!("xl create /etc/xen/{domu_cfg} 2>&1"), long)
        .unwrap();
    ok(&out, "xl create (second)");
    let out = host
        .run("sleep 5; xl destroy linux-domu 2>&1", long)
        .unwrap();
    ok(&out, "xl destroy");
    let out = host.run(gone, long).unwrap();
    only_dom0(&out);
    let out = host
        .run(
            "sleep 2; cat /var/log/xen/xenstored.log; xenstore-list /local/domain",
            limit,
        )
        .unwrap();
    for d in [1, 2] {
        assert!(
            baseline || out.text.contains(&format!("domain {d}: ring detached")),
            "{}",
            out.text
        );
    }
    assert_eq!(out.text.lines().last(), Some("0"), "{}", out.text);
    assert_eq!(events(&mut host), 4);

    // Debian's test-xenstore through dom0's kernel ring to our daemon.
    let out = host
        .run(
            "XENSTORED_PATH=/dev/xen/xenbus /usr/lib/xen-4.17/bin/test-xenstore -i 5 2>&1",
            Duration::from_secs(600),
        )
        .unwrap();
    ok(&out, "test-xenstore through the kernel ring");
    assert!(out.text.contains("ta err"), "{}", out.text);
    host.poweroff().unwrap();
}
