//! Throughput through a vnet between two namespaced hosts, for none, auth,
//! conf and gcm, next to the Linux kernel doing the same job between the
//! same namespaces: kernel VXLAN for the clear case, kernel ESP (XFRM
//! transport mode over VXLAN, same algorithms) when the kernel has ESP.
//!
//! Ignored by default (it takes ~30 s and wants a quiet machine):
//! `cargo test --release -p xen-vnet --test throughput -- --ignored --nocapture`
//! Each case blasts 1300-byte UDP datagrams for 2 s from host 0 to host 1
//! and reports what host 1 received, in Mbit/s of UDP payload and packets/s.

mod common;

use std::fs;
use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;

const PAYLOAD: usize = 1300;
const SECONDS: f64 = 2.0;

/// Blasts from `src` in `tx_ns` to `dst:9000` in `rx_ns`; returns
/// (Mbit/s, packets/s) received.
fn blast(tx_ns: &str, rx_ns: &str, src: Ipv4Addr, dst: Ipv4Addr) -> (f64, f64) {
    let stop = Arc::new(AtomicBool::new(false));
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let rx_ns = rx_ns.to_owned();
    let stop2 = stop.clone();
    let rx = std::thread::spawn(move || {
        in_netns(&rx_ns, move || {
            let s = UdpSocket::bind(SocketAddrV4::new(dst, 9000)).unwrap();
            s.set_read_timeout(Some(Duration::from_millis(200)))
                .unwrap();
            ready_tx.send(()).unwrap();
            let mut buf = [0u8; 2048];
            // Wait for the first datagram, then count for SECONDS.
            let start = loop {
                if s.recv(&mut buf).is_ok() {
                    break Instant::now();
                }
                if stop2.load(Ordering::Relaxed) {
                    return (0u64, 0u64);
                }
            };
            let (mut n, mut bytes) = (0u64, 0u64);
            while start.elapsed().as_secs_f64() < SECONDS {
                if let Ok(k) = s.recv(&mut buf) {
                    n += 1;
                    bytes += k as u64;
                }
            }
            (n, bytes)
        })
    });
    ready_rx.recv().unwrap();
    let tx_ns = tx_ns.to_owned();
    let stop3 = stop.clone();
    let tx = std::thread::spawn(move || {
        in_netns(&tx_ns, move || {
            let s = UdpSocket::bind(SocketAddrV4::new(src, 0)).unwrap();
            let buf = [0x5au8; PAYLOAD];
            let t = Instant::now();
            while !stop3.load(Ordering::Relaxed) && t.elapsed().as_secs_f64() < SECONDS + 3.0 {
                let _ = s.send_to(&buf, SocketAddrV4::new(dst, 9000));
            }
        })
    });
    let (n, bytes) = rx.join().unwrap();
    stop.store(true, Ordering::Relaxed);
    tx.join().unwrap();
    (bytes as f64 * 8.0 / SECONDS / 1e6, n as f64 / SECONDS)
}

fn host(i: usize) -> Ipv4Addr {
    Ipv4Addr::new(10, 78, 0, 1 + i as u8)
}

const K20: &str = "0x4a6f686e20446f6520736179732068656c6c6f21";
const K16: &str = "0x0123456789abcdef0123456789abcdef";

#[test]
#[ignore = "benchmark: run with --ignored --nocapture on a quiet machine"]
fn vnetd_vs_kernel() {
    if let Some(why) = skip_reason() {
        println!("SKIP vnetd_vs_kernel: {why}");
        return;
    }
    let tag = format!("xvt{}", std::process::id());
    let (dir, h) = two_hosts(&tag, host);
    let mut rows = Vec::new();

    // Kernel VXLAN, clear.
    for (i, n) in h.iter().enumerate() {
        let (l, r) = (host(i).to_string(), host(1 - i).to_string());
        sh(&[
            "-n", &n.0, "link", "add", "vx0", "type", "vxlan", "id", "42", "dstport", "4789",
            "local", &l, "remote", &r, "dev", "eth0",
        ]);
        sh(&[
            "-n",
            &n.0,
            "addr",
            "add",
            &format!("192.168.42.{}/24", i + 1),
            "dev",
            "vx0",
        ]);
        sh(&["-n", &n.0, "link", "set", "vx0", "up"]);
    }
    let vx = blast(
        &h[0].0,
        &h[1].0,
        Ipv4Addr::new(192, 168, 42, 1),
        Ipv4Addr::new(192, 168, 42, 2),
    );
    rows.push(("kernel VXLAN (none)".to_string(), vx));

    // Kernel ESP needs CONFIG_INET_ESP.
    let esp_ok = Command::new("ip")
        .args([
            "-n",
            &h[0].0,
            "xfrm",
            "state",
            "add",
            "src",
            "10.78.0.1",
            "dst",
            "10.78.0.2",
            "proto",
            "esp",
            "spi",
            "0x999",
        ])
        .args(["mode", "transport", "aead", "rfc4106(gcm(aes))", K20, "128"])
        .output()
        .is_ok_and(|o| o.status.success());
    if esp_ok {
        let _ = Command::new("ip")
            .args(["-n", &h[0].0, "xfrm", "state", "flush"])
            .output();
        for (name, algs) in [
            (
                "conf",
                vec![
                    "auth-trunc",
                    "hmac(sha1)",
                    K20,
                    "96",
                    "enc",
                    "cbc(aes)",
                    K16,
                ],
            ),
            ("gcm", vec!["aead", "rfc4106(gcm(aes))", K20, "128"]),
        ] {
            for n in &h {
                sh(&["-n", &n.0, "xfrm", "state", "flush"]);
                sh(&["-n", &n.0, "xfrm", "policy", "flush"]);
                for (s, d, spi) in [
                    ("10.78.0.1", "10.78.0.2", "0x501"),
                    ("10.78.0.2", "10.78.0.1", "0x502"),
                ] {
                    let mut a = vec![
                        "-n",
                        &n.0,
                        "xfrm",
                        "state",
                        "add",
                        "src",
                        s,
                        "dst",
                        d,
                        "proto",
                        "esp",
                        "spi",
                        spi,
                        "mode",
                        "transport",
                    ];
                    a.extend(algs.iter().copied());
                    sh(&a);
                    for dir in ["out", "in"] {
                        let _ = Command::new("ip")
                            .args([
                                "-n", &n.0, "xfrm", "policy", "add", "src", s, "dst", d, "proto",
                                "udp", "dir", dir,
                            ])
                            .args([
                                "tmpl",
                                "src",
                                s,
                                "dst",
                                d,
                                "proto",
                                "esp",
                                "mode",
                                "transport",
                            ])
                            .output();
                    }
                }
            }
            let r = blast(
                &h[0].0,
                &h[1].0,
                Ipv4Addr::new(192, 168, 42, 1),
                Ipv4Addr::new(192, 168, 42, 2),
            );
            rows.push((format!("kernel ESP over VXLAN ({name})"), r));
        }
        for n in &h {
            sh(&["-n", &n.0, "xfrm", "state", "flush"]);
            sh(&["-n", &n.0, "xfrm", "policy", "flush"]);
        }
    } else {
        println!("kernel ESP: not measured (this kernel has no CONFIG_INET_ESP)");
    }
    for n in &h {
        sh(&["-n", &n.0, "link", "del", "vx0"]);
    }

    // vnetd, each level on its own vnet.
    let ds: Vec<Vnetd> = (0..2)
        .map(|i| {
            let d = dir.join(format!("h{i}"));
            fs::create_dir_all(&d).unwrap();
            Vnetd::start(&h[i].0, host(i), &d, true)
        })
        .collect();
    for (level, id, esp) in [
        ("none", 0x20u8, String::new()),
        ("auth", 0x21, format!("(esp (spi 0x2021) (auth-key {K20}))")),
        (
            "conf",
            0x22,
            format!("(esp (spi 0x2022) (enc-key {K16}) (auth-key {K20}))"),
        ),
        ("gcm", 0x23, format!("(esp (spi 0x2023) (aead-key {K20}))")),
    ] {
        let f = dir.join(format!("v{id:x}.sxp"));
        fs::write(
            &f,
            format!("(vnet (id {id:x}) (bridge vb{id:x}) (security {level}) {esp})"),
        )
        .unwrap();
        for (i, d) in ds.iter().enumerate() {
            d.vn(&["vnet-create", f.to_str().unwrap()]);
            sh(&[
                "-n",
                &h[i].0,
                "addr",
                "add",
                &format!("192.168.{id}.{}/24", i + 1),
                "dev",
                &format!("vb{id:x}"),
            ]);
        }
        let (a, b) = (
            Ipv4Addr::new(192, 168, id, 1),
            Ipv4Addr::new(192, 168, id, 2),
        );
        // Let ARP and VARP settle.
        let echo = echo_server(&h[1].0, b);
        assert!(
            udp_ping(&h[0].0, a, b).is_some(),
            "{level}: no connectivity"
        );
        stop_echo(&h[0].0, a, b, echo);
        let r = blast(&h[0].0, &h[1].0, a, b);
        rows.push((format!("vnetd ({level})"), r));
    }
    println!("\n| path | Mbit/s received | packets/s | vs kernel VXLAN |");
    println!("|---|---:|---:|---:|");
    for (name, (mbit, pps)) in &rows {
        println!(
            "| {name} | {mbit:.0} | {pps:.0} | {:.2}x |",
            mbit / vx.0.max(1e-9)
        );
    }
    drop(ds);
    let _ = fs::remove_dir_all(&dir);
}
