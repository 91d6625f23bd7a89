//! Node operations, paths, permissions and error codes of the store core.
mod common;
use common::*;
use xen_store::db::XsError;
use xen_store::wire::msg;

#[test]
fn write_read_binary_and_parents() {
    let mut h = H::new();
    let c = h.sock();
    assert_eq!(h.write(c, "/a/b/c", b"x\0y\xff"), ok());
    assert_eq!(h.read(c, "/a/b/c"), Ok(b"x\0y\xff".to_vec()));
    assert_eq!(h.read(c, "/a/b"), Ok(vec![]));
    assert_eq!(h.dir(c, "/a"), Ok(vec!["b".into()]));
    assert_eq!(h.dir(c, "/"), Ok(vec!["tool".into(), "a".into()]));
    assert_eq!(h.read(c, "/nope"), Err(XsError::NoEnt));
    // An empty value and a value-less WRITE payload.
    assert_eq!(h.req(c, msg::WRITE, 0, b"/e\0"), ok());
    assert_eq!(h.read(c, "/e"), Ok(vec![]));
    assert_eq!(h.req(c, msg::WRITE, 0, b"/e"), Err(XsError::Inval));
}

#[test]
fn mkdir_keeps_values_and_rm_rules() {
    let mut h = H::new();
    let c = h.sock();
    h.write(c, "/a", b"v").unwrap();
    assert_eq!(h.mkdir(c, "/a"), ok());
    assert_eq!(h.read(c, "/a"), Ok(b"v".to_vec()));
    assert_eq!(h.mkdir(c, "/a/b/c"), ok());
    assert_eq!(h.rm(c, "/a/x"), ok(), "missing node, parent exists");
    assert_eq!(h.rm(c, "/a/x/y"), Err(XsError::NoEnt), "parent missing too");
    assert_eq!(h.rm(c, "/"), Err(XsError::Inval));
    assert_eq!(h.rm(c, "/a"), ok());
    assert_eq!(h.read(c, "/a/b/c"), Err(XsError::NoEnt));
    assert_eq!(h.dir(c, "/"), Ok(vec!["tool".into()]));
    assert!(h.s.check().is_empty());
}

#[test]
fn bad_paths_and_payloads() {
    let mut h = H::new();
    let c = h.sock();
    for p in ["/a/", "//a", "/a b", "", "/a/../b", "@x"] {
        assert_eq!(h.read(c, p), Err(XsError::Inval), "{p:?}");
    }
    assert_eq!(h.req(c, msg::READ, 0, b"/a"), Err(XsError::Inval), "no NUL");
    assert_eq!(
        h.req(c, msg::READ, 0, b"/a\0/b\0"),
        Err(XsError::Inval),
        "two args"
    );
    let long = format!("/{}", "a".repeat(2048));
    assert_eq!(h.write(c, &long, b""), Err(XsError::Inval));
    let ok_len = format!("/local/domain/1/{}", "a".repeat(2048));
    assert_eq!(h.write(c, &ok_len, b""), ok());
}

#[test]
fn relative_paths_resolve_to_domain_home() {
    let mut h = H::new();
    let c = h.sock();
    assert_eq!(h.write(c, "rel/x", b"1"), ok());
    assert_eq!(h.read(c, "/local/domain/0/rel/x"), Ok(b"1".to_vec()));
    let d = h.dom(3);
    h.mkdir(c, "/local/domain/3").unwrap();
    h.set_perms(c, "/local/domain/3", &["n3"]).unwrap();
    assert_eq!(h.write(d, "data", b"z"), ok());
    assert_eq!(h.read(c, "/local/domain/3/data"), Ok(b"z".to_vec()));
    assert_eq!(
        h.get_perms(c, "/local/domain/3/data"),
        Ok(vec!["n3".into()])
    );
}

#[test]
fn unknown_types_answer_enosys_and_privileged_ones_eacces() {
    let mut h = H::new();
    let c = h.sock();
    for ty in [
        msg::WATCH_EVENT,
        msg::ERROR,
        msg::RESTRICT,
        27,
        1000,
        msg::INVALID,
    ] {
        assert_eq!(h.req(c, ty, 0, b"\0"), Err(XsError::NoSys), "type {ty}");
    }
    let d = h.dom(2);
    for ty in [
        msg::INTRODUCE,
        msg::RELEASE,
        msg::SET_TARGET,
        msg::RESUME,
        msg::IS_DOMAIN_INTRODUCED,
        msg::CONTROL,
        msg::SET_QUOTA,
    ] {
        assert_eq!(h.req(d, ty, 0, b"1\0"), Err(XsError::Acces), "type {ty}");
    }
    assert_eq!(
        h.req(d, msg::GET_DOMAIN_PATH, 0, b"7\0"),
        Ok(b"/local/domain/7\0".to_vec())
    );
}

#[test]
fn permissions_owner_default_and_creation() {
    let mut h = H::new();
    let c = h.sock();
    let d5 = h.dom(5);
    let d6 = h.dom(6);
    h.write(c, "/p", b"v").unwrap();
    assert_eq!(h.get_perms(c, "/p"), Ok(vec!["n0".into()]));
    // No access: existence is not revealed.
    assert_eq!(h.read(d5, "/p"), Err(XsError::Acces));
    assert_eq!(h.read(d5, "/p/missing"), Err(XsError::Acces));
    assert_eq!(h.read(d5, "/missing"), Err(XsError::Acces));
    h.set_perms(c, "/p", &["n0", "r5", "b6"]).unwrap();
    assert_eq!(h.read(d5, "/p"), Ok(b"v".to_vec()));
    assert_eq!(h.read(d5, "/p/missing"), Err(XsError::NoEnt));
    assert_eq!(h.write(d5, "/p", b"w"), Err(XsError::Acces));
    assert_eq!(h.write(d6, "/p/q", b"w"), ok());
    // The creator owns what it creates; other entries are inherited.
    assert_eq!(
        h.get_perms(c, "/p/q"),
        Ok(vec!["n6".into(), "r5".into(), "b6".into()])
    );
    // Owner change: only privileged callers.
    assert_eq!(h.set_perms(d6, "/p/q", &["b5"]), Err(XsError::Perm));
    assert_eq!(h.set_perms(d6, "/p/q", &["n6", "r5"]), ok());
    assert_eq!(h.set_perms(d5, "/p/q", &["n6"]), Err(XsError::Acces));
    assert_eq!(h.set_perms(c, "/p/q", &["b5"]), ok());
    assert_eq!(h.set_perms(c, "/p", &["x5"]), Err(XsError::Inval));
    assert_eq!(h.set_perms(c, "/p", &[]), Err(XsError::Inval));
    assert!(h.s.check().is_empty());
}

#[test]
fn root_is_protected() {
    let mut h = H::new();
    let d = h.dom(4);
    assert_eq!(h.set_perms(d, "/", &["b4"]), Err(XsError::Acces));
    assert_eq!(h.rm(d, "/"), Err(XsError::Acces));
    assert_eq!(h.write(d, "/x", b""), Err(XsError::Acces));
}

#[test]
fn set_target_grants_the_targets_rights() {
    let mut h = H::new();
    let c = h.sock();
    let _d7 = h.dom(7);
    let d8 = h.dom(8);
    h.write(c, "/t", b"v").unwrap();
    h.set_perms(c, "/t", &["n7"]).unwrap();
    assert_eq!(h.read(d8, "/t"), Err(XsError::Acces));
    assert_eq!(h.req(c, msg::SET_TARGET, 0, &strs(&["8", "7"])), ok());
    assert_eq!(h.read(d8, "/t"), Ok(b"v".to_vec()));
    assert_eq!(
        h.req(c, msg::SET_TARGET, 0, &strs(&["8", "99"])),
        Err(XsError::NoEnt)
    );
}

#[test]
fn directory_part_chunks_and_terminator() {
    let mut h = H::new();
    let c = h.sock();
    let mut names = vec![];
    for i in 0..600 {
        let n = format!("child-{i:04}");
        h.write(c, &format!("/big/{n}"), b"").unwrap();
        names.push(n);
    }
    assert_eq!(h.dir(c, "/big"), Err(XsError::TooBig));
    let mut got: Vec<String> = vec![];
    let mut off = 0usize;
    let mut gen = None;
    loop {
        let p = h
            .req(
                c,
                msg::DIRECTORY_PART,
                0,
                &strs(&["/big", &off.to_string()]),
            )
            .unwrap();
        let parts: Vec<&[u8]> = p.split(|&b| b == 0).collect();
        let g = String::from_utf8_lossy(parts[0]).into_owned();
        assert!(gen.is_none() || gen.as_ref() == Some(&g));
        gen = Some(g);
        let body = &p[parts[0].len() + 1..];
        assert!(p.len() <= 4096);
        if body.ends_with(b"\0\0") || body == b"\0" {
            let body = &body[..body.len() - 1];
            got.extend(split(body));
            break;
        }
        off += body.len();
        got.extend(split(body));
    }
    assert_eq!(got, names);
    let p = h
        .req(c, msg::DIRECTORY_PART, 0, &strs(&["/big", "99999"]))
        .unwrap();
    assert!(p.ends_with(b"\0\0"));
    assert_eq!(
        h.req(c, msg::DIRECTORY_PART, 0, &strs(&["/big"])),
        Err(XsError::Inval)
    );
}

#[test]
fn domain_requests() {
    let mut h = H::new();
    let c = h.sock();
    assert_eq!(
        h.req(c, msg::IS_DOMAIN_INTRODUCED, 0, b"9\0"),
        Ok(b"F\0".to_vec())
    );
    assert_eq!(
        h.req(c, msg::INTRODUCE, 0, &strs(&["9", "1234", "5"])),
        ok()
    );
    assert_eq!(
        h.req(c, msg::IS_DOMAIN_INTRODUCED, 0, b"9\0"),
        Ok(b"T\0".to_vec())
    );
    assert_eq!(
        h.req(c, msg::IS_DOMAIN_INTRODUCED, 0, b"0\0"),
        Ok(b"T\0".to_vec())
    );
    assert_eq!(
        h.req(c, msg::INTRODUCE, 0, &strs(&["9", "1234", "0"])),
        Err(XsError::Inval)
    );
    assert_eq!(
        h.req(c, msg::INTRODUCE, 0, &strs(&["9", "1234"])),
        Err(XsError::Inval)
    );
    assert_eq!(h.req(c, msg::RESUME, 0, b"9\0"), ok());
    assert_eq!(h.req(c, msg::RESUME, 0, b"10\0"), Err(XsError::NoEnt));
    assert_eq!(h.req(c, msg::RELEASE, 0, b"0\0"), Err(XsError::Inval));
    assert_eq!(h.req(c, msg::RELEASE, 0, b"9\0"), ok());
    assert_eq!(h.req(c, msg::RELEASE, 0, b"9\0"), Err(XsError::NoEnt));
    assert_eq!(
        h.req(c, msg::IS_DOMAIN_INTRODUCED, 0, b"9\0"),
        Ok(b"F\0".to_vec())
    );
    assert_eq!(
        h.req(c, msg::GET_DOMAIN_PATH, 0, b"x\0"),
        Ok(b"/local/domain/0\0".to_vec())
    );
}

#[test]
fn features_and_quota_requests() {
    let mut h = H::new();
    let c = h.sock();
    assert_eq!(h.req(c, msg::GET_FEATURE, 0, b""), Ok(b"3\0".to_vec()));
    assert_eq!(h.req(c, msg::SET_FEATURE, 0, &strs(&["12", "2"])), ok());
    assert_eq!(h.req(c, msg::GET_FEATURE, 0, b"12\0"), Ok(b"2\0".to_vec()));
    assert_eq!(
        h.req(c, msg::SET_FEATURE, 0, &strs(&["12", "64"])),
        Err(XsError::Inval)
    );
    h.dom(12);
    assert_eq!(
        h.req(c, msg::SET_FEATURE, 0, &strs(&["12", "1"])),
        Err(XsError::Busy)
    );
    let names = h.req(c, msg::GET_QUOTA, 0, b"").unwrap();
    assert!(String::from_utf8_lossy(&names).contains("node-size"));
    assert_eq!(
        h.req(c, msg::GET_QUOTA, 0, b"nodes\0"),
        Ok(b"1000\0".to_vec())
    );
    assert_eq!(
        h.req(c, msg::SET_QUOTA, 0, &strs(&["12", "nodes", "7"])),
        ok()
    );
    assert_eq!(
        h.req(c, msg::GET_QUOTA, 0, &strs(&["12", "nodes"])),
        Ok(b"7\0".to_vec())
    );
    assert_eq!(h.req(c, msg::GET_QUOTA, 0, b"bogus\0"), Err(XsError::Inval));
    assert_eq!(
        h.req(c, msg::GET_QUOTA, 0, &strs(&["77", "nodes"])),
        Err(XsError::NoEnt)
    );
    assert_eq!(h.req(c, msg::CONTROL, 0, b"check\0"), Ok(b"OK\0".to_vec()));
    assert_eq!(h.req(c, msg::CONTROL, 0, b"bogus\0"), Err(XsError::Inval));
}
