//! One regression test per xenstore XSA of the reference notes (those that
//! concern the ring live in `ring.rs`: XSA-38, XSA-325, XSA-420).
#![allow(clippy::field_reassign_with_default)]
mod common;
use common::*;
use xen_store::db::store::Config;
use xen_store::db::{Request, XsError};
use xen_store::wire::msg;

fn home(h: &mut H, c: u64, domid: u32) {
    let p = format!("/local/domain/{domid}");
    h.mkdir(c, &p).unwrap();
    h.set_perms(c, &p, &[&format!("n{domid}")]).unwrap();
}

#[test]
fn xsa_72_replies_over_4096_bytes_are_e2big() {
    let mut h = H::new();
    let c = h.sock();
    for i in 0..300 {
        h.write(c, &format!("/d/{:020}", i), b"").unwrap();
    }
    assert_eq!(h.dir(c, "/d"), Err(XsError::TooBig));
    // A 4096-byte value reads back fine.
    h.write(c, "/v", &[b'x'; 4000]).unwrap();
    assert_eq!(h.read(c, "/v").unwrap().len(), 4000);
}

#[test]
fn xsa_115_watches_and_introduced_queries_respect_privilege() {
    let mut h = H::new();
    let c = h.sock();
    let d = h.dom(3);
    h.write(c, "/private/x", b"").unwrap();
    h.watch(d, "/", "t").unwrap();
    h.watch(d, "@introduceDomain", "i").unwrap();
    h.events(d);
    h.write(c, "/private/x", b"1").unwrap();
    h.dom(4);
    assert!(
        h.events(d).is_empty(),
        "no event for unreadable nodes or other domains"
    );
    assert_eq!(
        h.req(d, msg::IS_DOMAIN_INTRODUCED, 0, b"4\0"),
        Err(XsError::Acces)
    );
    // WATCH ignores tx_id, even an unknown one.
    assert_eq!(h.req(d, msg::WATCH, 12345, &strs(&["/x", "y"])), ok());
}

#[test]
fn xsa_206_guest_writes_do_not_starve_toolstack_transactions() {
    let mut h = H::new();
    let c = h.sock();
    let d = h.dom(3);
    h.write(c, "/shared", b"0").unwrap();
    h.set_perms(c, "/shared", &["b3"]).unwrap();
    // The toolstack's transaction reads the node a guest keeps writing.
    let t = h.start(c);
    h.req(c, msg::READ, t, b"/shared\0").unwrap();
    h.req_blocked(d, msg::WRITE, 0, &wr("/shared", b"spam"));
    h.req(c, msg::WRITE, t, &wr("/shared", b"tool")).unwrap();
    assert_eq!(h.end(c, t, true), ok(), "committed despite the guest");
    assert_eq!(h.late_replies(d), vec![ok()]);
    assert_eq!(h.read(c, "/shared"), Ok(b"spam".to_vec()));
}

#[test]
fn xsa_233_and_425_release_in_any_order_is_safe() {
    let mut h = H::new();
    let c = h.sock();
    let _dm = h.dom(2);
    let d = h.dom(3);
    h.req(c, msg::SET_TARGET, 0, &strs(&["2", "3"])).unwrap();
    let t = h.start(d);
    h.req(d, msg::READ, t, b"/\0").unwrap_err();
    h.watch(d, "/", "w").unwrap();
    assert_eq!(h.req(c, msg::RELEASE, 0, b"3\0"), ok());
    assert_eq!(h.req(c, msg::RELEASE, 0, b"2\0"), ok());
    assert_eq!(h.req(c, msg::RELEASE, 0, b"3\0"), Err(XsError::NoEnt));
    assert!(h.s.check().is_empty());
}

#[test]
fn xsa_272_and_421_node_accounting_holds_inside_transactions() {
    let mut cfg = Config::default();
    cfg.quotas.nodes = 4;
    let mut h = H::with(cfg);
    let c = h.sock();
    let d = h.dom(3);
    home(&mut h, c, 3);
    let t = h.start(d);
    for i in 0..3 {
        assert_eq!(h.req(d, msg::WRITE, t, &wr(&format!("n{i}"), b"")), ok());
    }
    assert_eq!(h.req(d, msg::WRITE, t, &wr("n3", b"")), Err(XsError::NoSpc));
    // Create and delete inside one transaction: nothing left to count.
    h.req(d, msg::RM, t, b"n2\0").unwrap();
    h.req(d, msg::WRITE, t, &wr("tmp", b"")).unwrap();
    h.req(d, msg::RM, t, b"tmp\0").unwrap();
    assert_eq!(h.end(d, t, true), ok());
    assert!(h.s.check().is_empty());
    assert_eq!(h.write(d, "n2", b""), ok());
    assert_eq!(h.write(d, "n4", b""), Err(XsError::NoSpc));
}

#[test]
fn xsa_322_and_417_permissions_do_not_pass_to_a_reused_domid() {
    let mut h = H::new();
    let c = h.sock();
    h.dom(6);
    h.write(c, "/acl", b"secret").unwrap();
    h.set_perms(c, "/acl", &["n0", "r6"]).unwrap();
    h.req(c, msg::RELEASE, 0, b"6\0").unwrap();
    let d = h.dom(6);
    assert_eq!(h.read(d, "/acl"), Err(XsError::Acces));
    // Set again for the new domain 6: it works.
    h.set_perms(c, "/acl", &["n0", "r6"]).unwrap();
    assert_eq!(h.read(d, "/acl"), Ok(b"secret".to_vec()));
}

/// Found by the `requests` fuzz target: the root is never deleted with its
/// owner, so a released domain used to keep owning it — a reused domid then
/// owned `/` and its accounting missed the node.
#[test]
fn xsa_322_a_released_owner_of_the_root_passes_it_to_dom0() {
    let mut h = H::new();
    let c = h.sock();
    h.dom(7);
    h.set_perms(c, "/", &["n7"]).unwrap();
    h.req(c, msg::RELEASE, 0, b"7\0").unwrap();
    assert_eq!(h.get_perms(c, "/").unwrap(), ["n0"]);
    assert!(h.s.check().is_empty());
    let d = h.dom(7);
    assert_eq!(h.write(d, "/x", b""), Err(XsError::Acces));
    assert_eq!(h.set_perms(d, "/", &["b7"]), Err(XsError::Acces));
    h.set_perms(c, "/", &["b7"]).unwrap();
    assert!(h.s.check().is_empty());
}

/// Found with the `requests` fuzz target: a transaction's SET_PERMS naming
/// an owner that was released before the commit used to install a node
/// owned by the dead domid (unaccounted, then owned by a reused domid).
#[test]
fn xsa_322_a_commit_does_not_give_a_node_to_a_released_domain() {
    let mut h = H::new();
    let c = h.sock();
    h.dom(7);
    h.write(c, "/a", b"").unwrap();
    let t = h.start(c);
    h.req(c, msg::SET_PERMS, t, &strs(&["/a", "n7"])).unwrap();
    h.req(c, msg::RELEASE, 0, b"7\0").unwrap();
    assert_eq!(h.end(c, t, true), Err(XsError::Again));
    assert_eq!(h.get_perms(c, "/a").unwrap(), ["n0"]);
    // The retry names domain 7 afresh and is accounted to it.
    let t = h.start(c);
    h.req(c, msg::SET_PERMS, t, &strs(&["/a", "n7"])).unwrap();
    assert_eq!(h.end(c, t, true), ok());
    assert!(h.s.check().is_empty());
    h.dom(7);
    assert!(h.s.check().is_empty());
}

#[test]
fn xsa_323_path_limits_apply_to_the_canonical_path() {
    let mut h = H::new();
    let c = h.sock();
    let d = h.dom(3);
    home(&mut h, c, 3);
    // 2047 characters of relative path, in short components.
    let ok_rel = "abcdefg/".repeat(256);
    let ok_rel = &ok_rel[..ok_rel.len() - 1];
    assert_eq!(h.write(d, ok_rel, b""), ok());
    assert_eq!(h.write(d, &format!("{ok_rel}b"), b""), ok());
    assert_eq!(h.write(d, &format!("{ok_rel}bb"), b""), Err(XsError::Inval));
    // Outside the home, the whole path counts.
    assert_eq!(
        h.write(c, &format!("/{}", "z".repeat(2048)), b""),
        Err(XsError::Inval)
    );
}

#[test]
fn xsa_324_oversized_watch_events_are_dropped() {
    let mut h = H::new();
    let c = h.sock();
    let token = "t".repeat(4000);
    let path = format!("/{}", "p".repeat(200));
    assert_eq!(h.watch(c, &path, &token), ok());
    h.events(c);
    h.write(c, &format!("{path}/{}", "q".repeat(100)), b"")
        .unwrap();
    assert!(
        h.events(c).is_empty(),
        "event over 4096 bytes dropped, store fine"
    );
    assert!(h.s.check().is_empty());
}

#[test]
fn xsa_326_memory_is_bounded_for_silent_clients_and_floods() {
    let mut cfg = Config::default();
    cfg.max_events = 16;
    cfg.event_timeout_ms = 1000;
    cfg.quotas.transaction_nodes = 8;
    let mut h = H::with(cfg);
    let c = h.sock();
    let d = h.dom(3);
    home(&mut h, c, 3);
    h.set_perms(c, "/", &["n0", "r3"]).unwrap();
    h.watch(d, "/", "w").unwrap();
    h.events(d);
    // A flood of deletions while the guest never reads.
    for i in 0..200 {
        h.write(c, &format!("/f/{i}"), b"").unwrap();
    }
    h.rm(c, "/f").unwrap();
    let before = h.now;
    h.now += 2000;
    let now = h.now;
    h.s.tick(now);
    assert!(h.events(d).len() <= 16);
    let _ = before;
    // Replies the guest never reads stop its input (outstanding quota).
    for _ in 0..25 {
        h.s.submit(d, Request::new(msg::READ, 0, b"/\0"), now);
    }
    assert!(!h.s.wants_input(d));
    while h.s.pop_frame(d).is_some() {}
    // Touching too many nodes in one transaction.
    let t = h.start(d);
    let mut res = Ok(vec![]);
    for i in 0..20 {
        res = h.req(d, msg::WRITE, t, &wr(&format!("x{i}"), b""));
        if res.is_err() {
            break;
        }
    }
    assert_eq!(res, Err(XsError::NoSpc));
}

#[test]
fn xsa_330_reset_watches_leaves_no_stale_watch() {
    let mut cfg = Config::default();
    cfg.quotas.watches = 2;
    let mut h = H::with(cfg);
    let c = h.sock();
    let d = h.dom(3);
    h.set_perms(c, "/", &["n0", "r3"]).unwrap();
    h.watch(d, "/a", "1").unwrap();
    h.watch(d, "/b", "1").unwrap();
    assert_eq!(h.req(d, msg::RESET_WATCHES, 0, b"\0"), ok());
    h.events(d);
    h.write(c, "/a", b"").unwrap();
    assert!(h.events(d).is_empty());
    assert_eq!(h.watch(d, "/c", "1"), ok(), "quota freed");
    assert_eq!(h.watch(d, "/e", "1"), ok());
}

#[test]
fn xsa_352_only_privileged_callers_change_owners() {
    let mut h = H::new();
    let c = h.sock();
    let d = h.dom(3);
    h.dom(4);
    home(&mut h, c, 3);
    h.write(d, "mine", b"").unwrap();
    assert_eq!(h.set_perms(d, "mine", &["n4"]), Err(XsError::Perm));
    assert_eq!(h.set_perms(d, "mine", &["n0"]), Err(XsError::Perm));
    assert_eq!(h.set_perms(d, "mine", &["n3", "r4"]), ok());
}

#[test]
fn xsa_353_the_root_is_permission_checked() {
    let mut h = H::new();
    let c = h.sock();
    let d = h.dom(3);
    h.set_perms(c, "/", &["n0", "r3"]).unwrap();
    assert_eq!(h.set_perms(d, "/", &["b3"]), Err(XsError::Acces));
    assert_eq!(h.rm(d, "/"), Err(XsError::Acces));
    assert_eq!(h.rm(c, "/"), Err(XsError::Inval));
    assert!(h.read(c, "/tool").is_ok());
}

#[test]
fn xsa_414_and_415_failed_creates_leave_nothing() {
    let mut cfg = Config::default();
    cfg.quotas.nodes = 3;
    let mut h = H::with(cfg);
    let c = h.sock();
    let d = h.dom(3);
    home(&mut h, c, 3);
    let t = h.start(d);
    assert_eq!(
        h.req(d, msg::WRITE, t, &wr("a/b/c", b"")),
        Err(XsError::NoSpc)
    );
    assert_eq!(h.req(d, msg::READ, t, b"a\0"), Err(XsError::NoEnt));
    assert_eq!(h.end(d, t, true), ok());
    assert_eq!(h.read(d, "a"), Err(XsError::NoEnt));
    assert!(h.s.check().is_empty());
}

#[test]
fn xsa_416_failed_requests_keep_no_memory() {
    let mut h = H::new();
    let c = h.sock();
    let d = h.dom(3);
    for _ in 0..1000 {
        let _ = h.req(d, msg::WRITE, 0, &wr("/nope/x", &[0u8; 3000]));
    }
    assert_eq!(h.s.node_count(), 3);
    let _ = c;
}

#[test]
fn xsa_418_deep_trees_do_not_recurse() {
    let mut h = H::new();
    let c = h.sock();
    let deep: String = (0..1000).map(|_| "/a").collect();
    assert_eq!(h.write(c, &deep, b"bottom"), ok());
    h.watch(c, "/a", "w").unwrap();
    assert_eq!(h.rm(c, "/a"), ok());
    assert_eq!(h.s.node_count(), 3);
    assert!(h.s.check().is_empty());
}

#[test]
fn xsa_419_nodes_of_a_dead_domain_go() {
    let mut h = H::new();
    let c = h.sock();
    let d = h.dom(3);
    h.write(c, "/pub", b"").unwrap();
    h.set_perms(c, "/pub", &["n0", "w3"]).unwrap();
    h.write(d, "/pub/guest-made", b"").unwrap();
    h.s.domain_destroyed(3, 0);
    assert_eq!(h.read(c, "/pub/guest-made"), Err(XsError::NoEnt));
    assert!(h.s.check().is_empty());
}

#[test]
fn xsa_440_conflicting_deletes_keep_accounting_sane() {
    let mut h = H::new();
    let c = h.sock();
    let d = h.dom(3);
    home(&mut h, c, 3);
    h.write(d, "x/y", b"").unwrap();
    let t1 = h.start(d);
    let t2 = h.start(c);
    h.req(d, msg::RM, t1, b"x\0").unwrap();
    h.req(c, msg::RM, t2, b"/local/domain/3/x\0").unwrap();
    assert_eq!(h.end(d, t1, true), ok());
    // The second saw the node exist: a real conflict, no accounting damage.
    assert_eq!(h.end(c, t2, true), Err(XsError::Again));
    assert!(h.s.check().is_empty());
}

#[test]
fn xsa_481_odd_paths_are_plain_errors() {
    let mut h = H::new();
    let c = h.sock();
    for p in [
        "/local/domain/",
        "/local/domain//",
        "/local/domain/99999999999/x/",
    ] {
        assert_eq!(h.read(c, p), Err(XsError::Inval), "{p}");
    }
    assert_eq!(h.read(c, "/local/domain"), Err(XsError::NoEnt));
}

#[test]
fn xsa_483_a_reused_domid_starts_with_fresh_accounting() {
    let mut cfg = Config::default();
    cfg.quotas.nodes = 3;
    let mut h = H::with(cfg);
    let c = h.sock();
    let d = h.dom(3);
    h.write(c, "/box", b"").unwrap();
    h.set_perms(c, "/box", &["n0", "w3"]).unwrap();
    for i in 0..3 {
        h.write(d, &format!("/box/{i}"), b"").unwrap();
    }
    assert_eq!(h.write(d, "/box/x", b""), Err(XsError::NoSpc));
    h.req(c, msg::RELEASE, 0, b"3\0").unwrap();
    let d = h.dom(3);
    h.set_perms(c, "/box", &["n0", "w3"]).unwrap();
    assert_eq!(h.write(d, "/box/0", b""), ok());
}

#[test]
fn xsa_484_reset_watches_inside_a_transaction() {
    let mut h = H::new();
    let c = h.sock();
    let t = h.start(c);
    h.req(c, msg::WRITE, t, &wr("/t", b"")).unwrap();
    assert_eq!(h.req(c, msg::RESET_WATCHES, t, b"\0"), ok());
    assert_eq!(h.req(c, msg::READ, t, b"/t\0"), Err(XsError::NoEnt));
    assert!(h.s.check().is_empty());
}
