//! Whole-system test: three namespaced hosts on a switch the test builds,
//! vnetd in each, traffic between addresses on each host's vnet bridges for
//! none, auth, conf and gcm; restart with persisted state; a host without
//! multicast reached through peer forwarding.
//!
//! Needs root and `ip`; otherwise it prints why and passes without doing
//! anything. It never touches the machine's own interfaces: everything is
//! created inside namespaces named `xvn<pid>…`, deleted on drop.
#![allow(unsafe_code)]

use std::fs;
use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn skip_reason() -> Option<String> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Some("not root".into());
    }
    if Command::new("ip").arg("-V").output().is_err() {
        return Some("`ip` (iproute2) not found".into());
    }
    if !Path::new("/dev/net/tun").exists() {
        return Some("/dev/net/tun missing".into());
    }
    None
}

fn sh(args: &[&str]) {
    let out = Command::new("ip").args(args).output().expect("run ip");
    assert!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A network namespace, deleted on drop.
struct Netns(String);

impl Netns {
    fn new(name: String) -> Self {
        sh(&["netns", "add", &name]);
        sh(&["-n", &name, "link", "set", "lo", "up"]);
        Netns(name)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).output();
    }
}

/// A vnetd running in a namespace, killed on drop.
struct Vnetd {
    child: Child,
    ctl: PathBuf,
}

impl Vnetd {
    fn start(ns: &str, local: Ipv4Addr, dir: &Path, multicast: bool) -> Self {
        let ctl = dir.join("ctl");
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", ns, env!("CARGO_BIN_EXE_vnetd")])
            .arg("--local")
            .arg(local.to_string())
            .arg("--state-dir")
            .arg(dir.join("state"))
            .arg("--control")
            .arg(&ctl)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        if !multicast {
            cmd.arg("--no-multicast");
        }
        let child = cmd.spawn().expect("spawn vnetd");
        let t = Instant::now();
        while !ctl.exists() {
            assert!(t.elapsed() < Duration::from_secs(10), "vnetd did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Vnetd { child, ctl }
    }

    fn vn(&self, args: &[&str]) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_vn"))
            .arg("--socket")
            .arg(&self.ctl)
            .args(args)
            .output()
            .expect("run vn");
        assert!(
            out.status.success(),
            "vn {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn stat(&self, name: &str) -> u64 {
        let s = self.vn(&["stats"]);
        let key = format!("({name} ");
        let at = s.find(&key).unwrap_or_else(|| panic!("no {name} in {s}")) + key.len();
        s[at..].split(')').next().unwrap().parse().unwrap()
    }

    fn stop(mut self) {
        // SAFETY: kill with a pid we spawned and still own (not yet reaped).
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let _ = self.child.wait();
        let _ = fs::remove_file(&self.ctl);
    }
}

impl Drop for Vnetd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `f` on a thread that has entered namespace `ns` (setns affects only
/// the calling thread).
fn in_netns<T: Send + 'static>(ns: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let path = format!("/var/run/netns/{ns}");
    std::thread::spawn(move || {
        let file = fs::File::open(&path).expect("open netns");
        // SAFETY: the descriptor is an open netns file for the duration of the
        // call; setns changes only this thread's network namespace.
        let r = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
        assert_eq!(r, 0, "setns {path}");
        f()
    })
    .join()
    .expect("netns thread")
}

/// A UDP echo server in `ns` on `addr:7`, answering `n` datagrams.
fn echo_server(ns: &str, addr: Ipv4Addr) -> std::thread::JoinHandle<()> {
    let ns = ns.to_owned();
    let (tx, rx) = std::sync::mpsc::channel();
    let h = std::thread::spawn(move || {
        in_netns(&ns, move || {
            let s = UdpSocket::bind(SocketAddrV4::new(addr, 7007)).expect("bind echo");
            s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
            tx.send(()).unwrap();
            let mut buf = [0u8; 2048];
            while let Ok((n, from)) = s.recv_from(&mut buf) {
                if &buf[..n] == b"quit" {
                    break;
                }
                let _ = s.send_to(&buf[..n], from);
            }
        })
    });
    rx.recv().unwrap();
    h
}

/// Sends datagrams from `src` to `dst:7007` in `ns` until one comes back
/// (ARP and VARP learning take the first few); returns the round trip.
fn udp_ping(ns: &str, src: Ipv4Addr, dst: Ipv4Addr) -> Option<Duration> {
    in_netns(ns, move || {
        let s = UdpSocket::bind(SocketAddrV4::new(src, 0)).ok()?;
        s.set_read_timeout(Some(Duration::from_millis(300)))
            .unwrap();
        let mut buf = [0u8; 64];
        for i in 0..30u8 {
            let t = Instant::now();
            let _ = s.send_to(&[b'p', i], SocketAddrV4::new(dst, 7007));
            if let Ok(n) = s.recv(&mut buf) {
                if buf[..n] == [b'p', i] {
                    return Some(t.elapsed());
                }
            }
        }
        None
    })
}

fn stop_echo(ns: &str, src: Ipv4Addr, dst: Ipv4Addr, h: std::thread::JoinHandle<()>) {
    in_netns(ns, move || {
        let s = UdpSocket::bind(SocketAddrV4::new(src, 0)).unwrap();
        for _ in 0..5 {
            let _ = s.send_to(b"quit", SocketAddrV4::new(dst, 7007));
        }
    });
    let _ = h.join();
}

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
