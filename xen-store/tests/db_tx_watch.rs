//! Transactions, watches, quotas, holds and the domain lifecycle.
#![allow(clippy::field_reassign_with_default)]
mod common;
use common::*;
use xen_store::db::store::Config;
use xen_store::db::XsError;
use xen_store::wire::msg;

fn ev(p: &str, t: &str) -> (String, String) {
    (p.into(), t.into())
}

#[test]
fn transaction_isolation_and_conflict() {
    let mut h = H::new();
    let c = h.sock();
    h.write(c, "/a", b"a").unwrap();
    let t = h.start(c);
    assert_eq!(h.req(c, msg::READ, t, b"/a\0"), Ok(b"a".to_vec()));
    assert_eq!(h.req(c, msg::WRITE, t, &wr("/a", b"b")), ok());
    assert_eq!(h.req(c, msg::READ, t, b"/a\0"), Ok(b"b".to_vec()));
    assert_eq!(
        h.read(c, "/a"),
        Ok(b"a".to_vec()),
        "outside sees the old value"
    );
    assert_eq!(h.end(c, t, true), ok());
    assert_eq!(h.read(c, "/a"), Ok(b"b".to_vec()));
    // test-xenstore's ta3: an outside write after a read is a conflict.
    let t = h.start(c);
    h.req(c, msg::READ, t, b"/a\0").unwrap();
    h.write(c, "/a", b"x").unwrap();
    assert_eq!(
        h.req(c, msg::READ, t, b"/a\0"),
        Ok(b"b".to_vec()),
        "snapshot"
    );
    h.req(c, msg::WRITE, t, &wr("/a", b"c")).unwrap();
    assert_eq!(h.end(c, t, true), Err(XsError::Again));
    assert_eq!(h.read(c, "/a"), Ok(b"x".to_vec()));
    // The id is gone after END.
    assert_eq!(h.end(c, t, true), Err(XsError::NoEnt));
}

#[test]
fn only_real_conflicts_fail() {
    let mut h = H::new();
    let c = h.sock();
    let c2 = h.sock();
    h.mkdir(c, "/dir").unwrap();
    // Two transactions creating different children of one parent both commit.
    let t1 = h.start(c);
    let t2 = h.start(c2);
    h.req(c, msg::WRITE, t1, &wr("/dir/one", b"1")).unwrap();
    h.req(c2, msg::WRITE, t2, &wr("/dir/two", b"2")).unwrap();
    assert_eq!(h.end(c, t1, true), ok());
    assert_eq!(h.end(c2, t2, true), ok());
    assert_eq!(h.dir(c, "/dir"), Ok(vec!["one".into(), "two".into()]));
    // A read-only transaction commits whatever happened meanwhile.
    let t = h.start(c);
    h.req(c, msg::READ, t, b"/dir/one\0").unwrap();
    h.write(c2, "/dir/one", b"changed").unwrap();
    assert_eq!(h.end(c, t, true), ok());
    // A transaction that touched nothing commits.
    let t = h.start(c);
    assert_eq!(h.end(c, t, true), ok());
    // Listing a directory conflicts with a concurrent new child.
    let t = h.start(c);
    h.req(c, msg::DIRECTORY, t, b"/dir\0").unwrap();
    h.req(c, msg::WRITE, t, &wr("/dir/n", b"")).unwrap();
    h.write(c2, "/dir/three", b"").unwrap();
    assert_eq!(h.end(c, t, true), Err(XsError::Again));
    // Aborting discards.
    let t = h.start(c);
    h.req(c, msg::RM, t, b"/dir\0").unwrap();
    assert_eq!(h.end(c, t, false), ok());
    assert!(h.read(c, "/dir/one").is_ok());
}

#[test]
fn transaction_errors() {
    let mut h = H::new();
    let c = h.sock();
    let t = h.start(c);
    assert_eq!(
        h.req(c, msg::TRANSACTION_START, t, b"\0"),
        Err(XsError::Busy)
    );
    assert_eq!(
        h.req(c, msg::TRANSACTION_START, 999, b"\0"),
        Err(XsError::NoEnt)
    );
    assert_eq!(h.req(c, msg::READ, 999, b"/tool\0"), Err(XsError::NoEnt));
    assert_eq!(
        h.req(c, msg::TRANSACTION_END, t, b"X\0"),
        Err(XsError::Inval)
    );
    assert_eq!(
        h.req(c, msg::TRANSACTION_END, 0, b"T\0"),
        Err(XsError::NoEnt)
    );
    // Another connection cannot use this id.
    let c2 = h.sock();
    assert_eq!(h.req(c2, msg::READ, t, b"/tool\0"), Err(XsError::NoEnt));
    // RESET_WATCHES drops transactions too (XSA-484: even from inside one).
    assert_eq!(h.req(c, msg::RESET_WATCHES, t, b"\0"), ok());
    assert_eq!(h.end(c, t, true), Err(XsError::NoEnt));
}

#[test]
fn transaction_rm_and_recreate_fire_on_commit_only() {
    let mut h = H::new();
    let c = h.sock();
    let w = h.sock();
    h.write(c, "/x/y", b"1").unwrap();
    h.watch(w, "/x", "tok").unwrap();
    assert_eq!(h.events(w), vec![ev("/x", "tok")]);
    let t = h.start(c);
    h.req(c, msg::RM, t, b"/x\0").unwrap();
    h.req(c, msg::WRITE, t, &wr("/x/z", b"2")).unwrap();
    assert_eq!(h.req(c, msg::READ, t, b"/x/y\0"), Err(XsError::NoEnt));
    assert!(h.events(w).is_empty(), "nothing before commit");
    h.end(c, t, true).unwrap();
    let e = h.events(w);
    // Removed descendants fire only watches set exactly on them.
    assert_eq!(e, vec![ev("/x", "tok"), ev("/x/z", "tok")]);
    assert_eq!(h.dir(c, "/x"), Ok(vec!["z".into()]));
    assert!(h.s.check().is_empty());
}

#[test]
fn watch_rules() {
    let mut h = H::new();
    let c = h.sock();
    let w = h.sock();
    assert_eq!(h.watch(w, "/a", "t1"), ok());
    assert_eq!(h.watch(w, "/a", "t1"), Err(XsError::Exist));
    assert_eq!(h.watch(w, "/", "root"), ok());
    assert_eq!(h.events(w), vec![ev("/a", "t1"), ev("/", "root")]);
    h.write(c, "/ab", b"").unwrap();
    assert_eq!(
        h.events(w),
        vec![ev("/ab", "root")],
        "prefix on components only"
    );
    h.write(c, "/a/b/c", b"").unwrap();
    let e = h.events(w);
    assert!(e.contains(&ev("/a/b/c", "t1")) && e.contains(&ev("/a/b/c", "root")));
    assert_eq!(
        e.len(),
        2,
        "one event for the write, not for created parents"
    );
    // Recursive removal: descendants fire exactly, the root for subtrees.
    h.watch(w, "/a/b/c", "leaf").unwrap();
    h.events(w);
    h.rm(c, "/a").unwrap();
    let e = h.events(w);
    assert!(e.contains(&ev("/a/b/c", "leaf")), "{e:?}");
    assert!(
        e.contains(&ev("/a", "t1")) && e.contains(&ev("/a", "root")),
        "{e:?}"
    );
    assert!(!e.iter().any(|x| x.0 == "/a/b" && x.1 == "t1"), "{e:?}");
    // Unwatch.
    assert_eq!(h.req(w, msg::UNWATCH, 0, &strs(&["/a", "t1"])), ok());
    assert_eq!(
        h.req(w, msg::UNWATCH, 0, &strs(&["/a", "t1"])),
        Err(XsError::NoEnt)
    );
    assert_eq!(h.req(w, msg::WATCH, 0, b"/a\0"), Err(XsError::Inval));
    assert_eq!(
        h.req(w, msg::WATCH, 0, &strs(&["/a/", "t"])),
        Err(XsError::Inval)
    );
    // No event for a failed operation.
    h.events(w);
    assert!(h.rm(c, "/q/r").is_err());
    assert!(h.events(w).is_empty());
}

#[test]
fn relative_watches_report_relative_paths_and_perms_filter() {
    let mut h = H::new();
    let c = h.sock();
    let d = h.dom(3);
    h.mkdir(c, "/local/domain/3").unwrap();
    h.set_perms(c, "/local/domain/3", &["n3"]).unwrap();
    assert_eq!(h.watch(d, "dev", "r"), ok());
    assert_eq!(h.watch(d, "/local/domain/3/dev", "a"), ok());
    assert_eq!(
        h.events(d),
        vec![ev("dev", "r"), ev("/local/domain/3/dev", "a")]
    );
    h.write(c, "/local/domain/3/dev/x", b"").unwrap();
    assert_eq!(
        h.events(d),
        vec![ev("dev/x", "r"), ev("/local/domain/3/dev/x", "a")]
    );
    // A watch on / sees only what it may read.
    h.watch(d, "/", "all").unwrap();
    h.events(d);
    h.write(c, "/secret", b"").unwrap();
    assert!(h.events(d).is_empty(), "unreadable node and parent");
    h.set_perms(c, "/secret", &["n0", "r3"]).unwrap();
    assert_eq!(h.events(d), vec![ev("/secret", "all")]);
    h.set_perms(c, "/secret", &["n0"]).unwrap();
    assert_eq!(
        h.events(d),
        vec![ev("/secret", "all")],
        "old permissions count"
    );
    h.write(c, "/secret", b"x").unwrap();
    assert!(h.events(d).is_empty());
}

#[test]
fn identical_pending_events_are_merged() {
    let mut h = H::new();
    let c = h.sock();
    let w = h.sock();
    h.watch(w, "/k", "t").unwrap();
    h.events(w);
    for i in 0..5 {
        h.write(c, "/k", format!("{i}").as_bytes()).unwrap();
    }
    assert_eq!(h.events(w), vec![ev("/k", "t")]);
}

#[test]
fn special_watches() {
    let mut h = H::new();
    let c = h.sock();
    let d = h.dom(4);
    h.watch(c, "@introduceDomain", "i").unwrap();
    h.watch(c, "@releaseDomain", "r").unwrap();
    h.watch(d, "@releaseDomain", "r4").unwrap();
    h.events(c);
    assert_eq!(
        h.events(d),
        vec![ev("@releaseDomain", "r4")],
        "the initial event is always sent"
    );
    let d5 = h.dom(5);
    assert_eq!(h.events(c), vec![ev("@introduceDomain", "i")]);
    h.req(c, msg::RELEASE, 0, b"5\0").unwrap();
    assert_eq!(h.events(c), vec![ev("@releaseDomain", "r")]);
    assert!(h.events(d).is_empty(), "unprivileged without permission");
    assert!(!h.s.has_conn(d5));
    assert_eq!(h.get_perms(c, "@releaseDomain"), Ok(vec!["n0".into()]));
    assert_eq!(
        h.set_perms(d, "@releaseDomain", &["n0", "r4"]),
        Err(XsError::Acces)
    );
    assert_eq!(h.set_perms(c, "@releaseDomain", &["n0", "r4"]), ok());
    h.dom(6);
    h.req(c, msg::RELEASE, 0, b"6\0").unwrap();
    assert_eq!(h.events(d), vec![ev("@releaseDomain", "r4")]);
    assert_eq!(h.set_perms(c, "@other", &["n0"]), Err(XsError::Inval));
}

#[test]
fn quotas_for_unprivileged_domains() {
    let mut cfg = Config::default();
    cfg.quotas.nodes = 5;
    cfg.quotas.watches = 2;
    cfg.quotas.transactions = 2;
    let mut h = H::with(cfg);
    let c = h.sock();
    let d = h.dom(2);
    h.mkdir(c, "/local/domain/2").unwrap();
    h.set_perms(c, "/local/domain/2", &["n2"]).unwrap();
    // The home node counts as one.
    for i in 0..4 {
        assert_eq!(h.write(d, &format!("n{i}"), b""), ok());
    }
    assert_eq!(h.write(d, "n4", b""), Err(XsError::NoSpc));
    // An atomic multi-node create that does not fit leaves nothing (XSA-414).
    h.rm(d, "n3").unwrap();
    assert_eq!(h.write(d, "x/y/z", b""), Err(XsError::NoSpc));
    assert_eq!(h.read(d, "x"), Err(XsError::NoEnt));
    // dom0 is exempt.
    for i in 0..10 {
        h.write(c, &format!("/local/domain/2/dom0-{i}"), b"")
            .unwrap();
    }
    // Node size: header 24 + 8 per permission + value ≥ 2048 fails.
    h.rm(c, "/local/domain/2/dom0-0").unwrap();
    assert_eq!(h.write(d, "n0", &vec![b'a'; 2048 - 32 - 1]), ok());
    assert_eq!(
        h.write(d, "n0", &vec![b'a'; 2048 - 32]),
        Err(XsError::NoSpc)
    );
    // Watches and transactions.
    h.watch(d, "a", "1").unwrap();
    h.watch(d, "b", "1").unwrap();
    assert_eq!(h.watch(d, "c", "1"), Err(XsError::TooBig));
    h.start(d);
    h.start(d);
    assert_eq!(
        h.req(d, msg::TRANSACTION_START, 0, b"\0"),
        Err(XsError::NoSpc)
    );
    // Permissions per node.
    assert_eq!(
        h.set_perms(d, "n1", &["n2", "r1", "r3", "r4", "r5", "r6"]),
        Err(XsError::NoSpc)
    );
    assert_eq!(h.set_perms(d, "n1", &["n2", "r1", "r3", "r4", "r5"]), ok());
    // ... which also count in the node size.
    assert_eq!(h.set_perms(d, "n0", &["n2", "r1"]), Err(XsError::NoSpc));
    assert!(h.s.check().is_empty());
}

#[test]
fn release_removes_owned_nodes_and_stale_permissions() {
    let mut h = H::new();
    let c = h.sock();
    let d = h.dom(7);
    h.mkdir(c, "/local/domain/7").unwrap();
    h.set_perms(c, "/local/domain/7", &["n7"]).unwrap();
    h.write(d, "x", b"1").unwrap();
    h.mkdir(c, "/shared").unwrap();
    h.set_perms(c, "/shared", &["n0", "b7"]).unwrap();
    h.write(d, "/shared/owned-by-7", b"").unwrap();
    h.write(c, "/granted", b"s").unwrap();
    h.set_perms(c, "/granted", &["n0", "r7"]).unwrap();
    assert_eq!(h.read(d, "/granted"), Ok(b"s".to_vec()));
    let w = h.sock();
    h.watch(w, "/", "w").unwrap();
    h.events(w);
    h.req(c, msg::RELEASE, 0, b"7\0").unwrap();
    assert_eq!(h.read(c, "/local/domain/7"), Err(XsError::NoEnt));
    assert_eq!(h.read(c, "/shared/owned-by-7"), Err(XsError::NoEnt));
    let e = h.events(w);
    assert!(
        e.contains(&ev("/local/domain/7", "w")) && e.contains(&ev("/shared/owned-by-7", "w")),
        "{e:?}"
    );
    assert!(h.s.check().is_empty());
    // A new domain 7 inherits nothing (XSA-322).
    let d2 = h.dom(7);
    assert_eq!(h.read(d2, "/granted"), Err(XsError::Acces));
    assert_eq!(
        h.get_perms(c, "/granted"),
        Ok(vec!["n0".into(), "r7".into()])
    );
    assert_eq!(h.write(d2, "/shared/again", b""), Err(XsError::Acces));
}

#[test]
fn holds_serialise_read_modify_write() {
    let mut h = H::new();
    let a = h.sock();
    let b = h.sock();
    h.write(a, "/ctr", b"0").unwrap();
    let ta = h.start(a);
    let tb = h.start(b);
    assert_eq!(h.req(a, msg::READ, ta, b"/ctr\0"), Ok(b"0".to_vec()));
    // b's first operation on the held node waits.
    h.req_blocked(b, msg::READ, tb, b"/ctr\0");
    assert!(!h.s.wants_input(b));
    h.req(a, msg::WRITE, ta, &wr("/ctr", b"1")).unwrap();
    assert_eq!(h.end(a, ta, true), ok());
    // Released: b proceeds on the fresh value and commits.
    assert_eq!(h.late_replies(b), vec![Ok(b"1".to_vec())]);
    h.req(b, msg::WRITE, tb, &wr("/ctr", b"2")).unwrap();
    assert_eq!(h.end(b, tb, true), ok());
    assert_eq!(h.read(a, "/ctr"), Ok(b"2".to_vec()));
}

#[test]
fn a_stalled_holder_delays_others_by_one_lease_at_most() {
    let mut h = H::new();
    let a = h.sock();
    let b = h.sock();
    h.write(a, "/n", b"0").unwrap();
    let ta = h.start(a);
    h.req(a, msg::READ, ta, b"/n\0").unwrap();
    let tb = h.start(b);
    h.req_blocked(b, msg::READ, tb, b"/n\0");
    let lease = h.s.config().hold_lease_ms;
    assert_eq!(h.s.next_deadline(), Some(h.now + lease));
    h.now += lease;
    let now = h.now;
    h.s.tick(now);
    assert_eq!(h.late_replies(b), vec![Ok(b"0".to_vec())]);
    // Disconnecting a waiter or holder leaves the store consistent.
    h.s.disconnect(a);
    h.req(b, msg::WRITE, tb, &wr("/n", b"1")).unwrap();
    assert_eq!(h.end(b, tb, true), ok());
}

#[test]
fn unprivileged_holders_do_not_delay_dom0() {
    let mut h = H::new();
    let c = h.sock();
    let d = h.dom(3);
    h.write(c, "/n", b"0").unwrap();
    h.set_perms(c, "/n", &["b3"]).unwrap();
    let td = h.start(d);
    h.req(d, msg::READ, td, b"/n\0").unwrap();
    let tc = h.start(c);
    assert_eq!(h.req(c, msg::READ, tc, b"/n\0"), Ok(b"0".to_vec()));
}

#[test]
fn slow_readers_are_bounded() {
    let mut cfg = Config::default();
    cfg.max_events = 8;
    let mut h = H::with(cfg);
    let c = h.sock();
    let slow = h.sock();
    let d = h.dom(2);
    h.watch(slow, "/", "w").unwrap();
    h.watch(d, "/", "w").unwrap();
    h.set_perms(c, "/", &["n0", "r2"]).unwrap();
    h.events(d);
    for i in 0..20 {
        h.write(c, &format!("/f{i}"), b"").unwrap();
    }
    // The socket that stopped reading is cut off; the domain drops events.
    let eff = h.s.take_effects();
    assert!(eff.contains(&xen_store::db::Effect::Close(slow)), "{eff:?}");
    let n = h.events(d).len();
    assert!(n <= 8, "{n}");
    // Outstanding replies stop input for unprivileged domains.
    for _ in 0..20 {
        h.s.submit(d, xen_store::db::Request::new(msg::READ, 0, b"/f1\0"), 0);
    }
    assert!(!h.s.wants_input(d));
}
