//! Whole-system test: three namespaced hosts on a switch the test builds,
//! vnetd in each, traffic between addresses on each host's vnet bridges for
//! none, auth, conf and gcm; restart with persisted state; a host without
//! multicast reached through peer forwarding.
//!
//! Needs root and `ip`; otherwise it prints why and passes without doing
//! anything. It never touches the machine's own interfaces: everything is
//! created inside namespaces named `xvn<pid>…`, deleted on drop.
#![allow(unsafe_code)]

mod common;

use std::fs;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;

const K20: &str = "0x4a6f686e20446f6520736179732068656c6c6f21";
const K16: &str = "0x0123456789abcdef0123456789abcdef";
const LEVELS: [(&str, u8); 4] = [
    ("none", 0x10),
    ("auth", 0x11),
    ("conf", 0x12),
    ("gcm", 0x13),
];

fn vnet_file(dir: &Path, level: &str, id: u8) -> PathBuf {
    let esp = match level {
        "none" => String::new(),
        "auth" => format!("(esp (spi 0x2011) (auth-key {K20}))"),
        "conf" => format!("(esp (spi 0x2012) (enc-key {K16}) (auth-key {K20}))"),
        _ => format!("(esp (spi 0x2013) (aead-key {K20}))"),
    };
    let p = dir.join(format!("vnet{id:x}.sxp"));
    fs::write(
        &p,
        format!("# test vnet\n(vnet (id {id:x}) (bridge vb{id:x}) (vnetif vnif{id:x}) (security {level})\n  {esp})\n"),
    )
    .unwrap();
    p
}

fn host_addr(i: usize) -> Ipv4Addr {
    Ipv4Addr::new(10, 77, 0, 1 + i as u8)
}

fn vnet_addr(id: u8, i: usize) -> Ipv4Addr {
    Ipv4Addr::new(192, 168, id, 1 + i as u8)
}

#[test]
fn three_hosts_every_level_restart_and_peers() {
    if let Some(why) = skip_reason() {
        println!("SKIP three_hosts_every_level_restart_and_peers: {why}");
        return;
    }
    let tag = format!("xvn{}", std::process::id());
    let dir = std::env::temp_dir().join(&tag);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();

    // The switch: a bridge in its own namespace, snooping off so multicast
    // floods.
    let sw = Netns::new(format!("{tag}s"));
    sh(&["-n", &sw.0, "link", "add", "sw0", "type", "bridge"]);
    sh(&[
        "-n",
        &sw.0,
        "link",
        "set",
        "sw0",
        "type",
        "bridge",
        "mcast_snooping",
        "0",
    ]);
    sh(&["-n", &sw.0, "link", "set", "sw0", "up"]);
    let hosts: Vec<Netns> = (0..3).map(|i| Netns::new(format!("{tag}h{i}"))).collect();
    for (i, h) in hosts.iter().enumerate() {
        let port = format!("p{i}");
        sh(&[
            "-n", &h.0, "link", "add", "eth0", "type", "veth", "peer", "name", &port, "netns",
            &sw.0,
        ]);
        sh(&["-n", &sw.0, "link", "set", &port, "master", "sw0", "up"]);
        sh(&[
            "-n",
            &h.0,
            "addr",
            "add",
            &format!("{}/24", host_addr(i)),
            "dev",
            "eth0",
        ]);
        sh(&["-n", &h.0, "link", "set", "eth0", "up"]);
    }

    // Hosts 0 and 1 use multicast; host 2 does not and peers with host 0.
    let mut ds: Vec<Vnetd> = (0..3)
        .map(|i| {
            let d = dir.join(format!("h{i}"));
            fs::create_dir_all(&d).unwrap();
            Vnetd::start(&hosts[i].0, host_addr(i), &d, i != 2)
        })
        .collect();
    for (level, id) in LEVELS {
        let f = vnet_file(&dir, level, id);
        for (i, d) in ds.iter().enumerate() {
            d.vn(&["vnet-create", f.to_str().unwrap()]);
            let br = format!("vb{id:x}");
            sh(&[
                "-n",
                &hosts[i].0,
                "addr",
                "add",
                &format!("{}/24", vnet_addr(id, i)),
                "dev",
                &br,
            ]);
        }
    }
    // Malformed configurations and conflicts get clear errors.
    let bad = dir.join("bad.sxp");
    fs::write(&bad, "(vnet (id 1) (bridge x))").unwrap();
    let e = ds[0].vn_fail(&["vnet-create", bad.to_str().unwrap()]);
    assert!(e.contains("vnet id 1 is reserved"), "{e}");
    fs::write(
        &bad,
        "(vnet (id 77) (bridge x) (security conf) (esp (spi 0x3000) (enc-key 0x00)))",
    )
    .unwrap();
    let e = ds[0].vn_fail(&["vnet-create", bad.to_str().unwrap()]);
    assert!(e.contains("(esp (enc-key ...)): 1 bytes, need 16"), "{e}");
    let again = vnet_file(&dir, "none", 0x10);
    let e = ds[0].vn_fail(&["vnet-create", again.to_str().unwrap()]);
    assert!(e.contains("already exists"), "{e}");
    let e = ds[0].vn_fail(&["vnet-delete", "0:0:0:0:0:0:0:55"]);
    assert!(e.contains("no vnet"), "{e}");

    let list = ds[0].vn(&["vnet-list"]);
    assert_eq!(list.lines().count(), 4, "{list}");
    assert!(
        list.contains("(security gcm)") && !list.contains("key"),
        "{list}"
    );

    // Every level, host 0 ↔ host 1 (multicast discovery + learning).
    for (level, id) in LEVELS {
        let echo = echo_server(&hosts[1].0, vnet_addr(id, 1));
        let rtt = udp_ping(&hosts[0].0, vnet_addr(id, 0), vnet_addr(id, 1));
        assert!(rtt.is_some(), "no reply across vnet {id:x} ({level})");
        println!("vnet {id:x} {level}: round trip {:?}", rtt.unwrap());
        stop_echo(&hosts[0].0, vnet_addr(id, 0), vnet_addr(id, 1), echo);
    }
    assert!(ds[1].stat("esp_ok") > 0);
    assert!(ds[0].stat("learned") > 0);
    let varp = ds[0].vn(&["varp-list"]);
    assert!(varp.contains(&host_addr(1).to_string()), "{varp}");

    // Host 2 has no multicast: nothing reaches it until it peers with host 0.
    ds[2].vn(&["peer-add", &host_addr(0).to_string()]);
    ds[0].vn(&["peer-add", &host_addr(2).to_string()]);
    assert!(ds[2].vn(&["peers"]).contains(&host_addr(0).to_string()));
    for (level, id) in [LEVELS[0], LEVELS[3]] {
        let echo = echo_server(&hosts[1].0, vnet_addr(id, 1));
        let rtt = udp_ping(&hosts[2].0, vnet_addr(id, 2), vnet_addr(id, 1));
        assert!(
            rtt.is_some(),
            "no reply from host 1 to host 2 via peer host 0 on {level}"
        );
        stop_echo(&hosts[2].0, vnet_addr(id, 2), vnet_addr(id, 1), echo);
    }
    // Host 2 reaches the group only through its peer; host 0 received
    // those wrapped packets (and re-injected them into its segment).
    assert!(ds[2].stat("forwarded") > 0);
    let peers = ds[0].vn(&["peers"]);
    assert!(
        peers.contains("(rx_packets ") && !peers.contains("(rx_packets 0)"),
        "{peers}"
    );

    // A domain (its own namespace, MAC aa:00:00:00:00:42) on host 1's
    // vnet 10 bridge talks to host 0; then it migrates to host 2 and
    // host 0 re-learns it there.
    let dom = Netns::new(format!("{tag}d"));
    let dom_ip = Ipv4Addr::new(192, 168, 0x10, 42);
    let plug = |host: &Netns| {
        sh(&[
            "-n", &dom.0, "link", "add", "eth0", "type", "veth", "peer", "name", "d42", "netns",
            &host.0,
        ]);
        sh(&["-n", &host.0, "link", "set", "d42", "master", "vb10", "up"]);
        sh(&[
            "-n",
            &dom.0,
            "link",
            "set",
            "eth0",
            "address",
            "aa:00:00:00:00:42",
        ]);
        sh(&[
            "-n",
            &dom.0,
            "addr",
            "add",
            &format!("{dom_ip}/24"),
            "dev",
            "eth0",
        ]);
        sh(&["-n", &dom.0, "link", "set", "eth0", "up"]);
    };
    plug(&hosts[1]);
    let echo = echo_server(&hosts[0].0, vnet_addr(0x10, 0));
    assert!(
        udp_ping(&dom.0, dom_ip, vnet_addr(0x10, 0)).is_some(),
        "domain on host 1"
    );
    let varp = ds[0].vn(&["varp-list"]);
    assert!(
        varp.contains("(vmac aa:00:00:00:00:42) (addr 10.77.0.2)"),
        "{varp}"
    );
    let moved = ds[0].stat("moved");
    sh(&["-n", &hosts[1].0, "link", "del", "d42"]);
    plug(&hosts[2]);
    assert!(
        udp_ping(&dom.0, dom_ip, vnet_addr(0x10, 0)).is_some(),
        "domain after migration to host 2"
    );
    stop_echo(&dom.0, dom_ip, vnet_addr(0x10, 0), echo);
    let varp = ds[0].vn(&["varp-list"]);
    assert!(
        varp.contains("(vmac aa:00:00:00:00:42) (addr 10.77.0.3)"),
        "{varp}"
    );
    assert!(ds[0].stat("moved") > moved);
    drop(dom);

    // Restart host 1's daemon: vnets come back from its state directory.
    let d1 = ds.remove(1);
    d1.stop();
    let d1 = Vnetd::start(&hosts[1].0, host_addr(1), &dir.join("h1"), true);
    assert_eq!(d1.vn(&["vnet-list"]).lines().count(), 4);
    for (_, id) in LEVELS {
        // The bridge survived; re-add the address in case it did not.
        let _ = Command::new("ip")
            .args([
                "-n",
                &hosts[1].0,
                "addr",
                "add",
                &format!("{}/24", vnet_addr(id, 1)),
                "dev",
                &format!("vb{id:x}"),
            ])
            .output();
    }
    // Every level works again, host 1 → host 0 (its ESP sequence numbers
    // continue past what host 0's replay windows saw) and back.
    for (level, id) in LEVELS {
        let echo = echo_server(&hosts[0].0, vnet_addr(id, 0));
        let rtt = udp_ping(&hosts[1].0, vnet_addr(id, 1), vnet_addr(id, 0));
        assert!(rtt.is_some(), "{level}: no reply after restart");
        stop_echo(&hosts[1].0, vnet_addr(id, 1), vnet_addr(id, 0), echo);
    }
    assert_eq!(ds[0].stat("esp_replayed"), 0);

    // Delete a vnet.
    d1.vn(&["vnet-delete", "13"]);
    assert_eq!(d1.vn(&["vnet-list"]).lines().count(), 3);
    d1.stop();
    drop(ds);
    let _ = fs::remove_dir_all(&dir);
}

#[test]
fn raw_etherip_mode_two_hosts() {
    if let Some(why) = skip_reason() {
        println!("SKIP raw_etherip_mode_two_hosts: {why}");
        return;
    }
    let tag = format!("xvr{}", std::process::id());
    let (dir, h) = two_hosts(&tag, host_addr);
    let ds: Vec<Vnetd> = (0..2)
        .map(|i| {
            let d = dir.join(format!("h{i}"));
            fs::create_dir_all(&d).unwrap();
            Vnetd::start_with(&h[i].0, host_addr(i), &d, true, &["--encaps", "etherip"])
        })
        .collect();
    for (level, id) in [LEVELS[0], LEVELS[3]] {
        let f = vnet_file(&dir, level, id);
        for (i, d) in ds.iter().enumerate() {
            d.vn(&["vnet-create", f.to_str().unwrap()]);
            sh(&[
                "-n",
                &h[i].0,
                "addr",
                "add",
                &format!("{}/24", vnet_addr(id, i)),
                "dev",
                &format!("vb{id:x}"),
            ]);
        }
        let echo = echo_server(&h[1].0, vnet_addr(id, 1));
        assert!(
            udp_ping(&h[0].0, vnet_addr(id, 0), vnet_addr(id, 1)).is_some(),
            "{level} over protocol 97"
        );
        stop_echo(&h[0].0, vnet_addr(id, 0), vnet_addr(id, 1), echo);
    }
    assert!(ds[1].stat("esp_ok") > 0);
    drop(ds);
    let _ = fs::remove_dir_all(&dir);
}
