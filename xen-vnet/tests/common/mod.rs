//! Helpers shared by the namespace tests: namespaces and vnetd processes
//! that clean up on drop, per-thread `setns`, a UDP echo "ping".
#![allow(dead_code, unsafe_code)]

use std::fs;
use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn skip_reason() -> Option<String> {
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

pub fn sh(args: &[&str]) {
    let out = Command::new("ip").args(args).output().expect("run ip");
    assert!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A network namespace, deleted on drop.
pub struct Netns(pub String);

impl Netns {
    pub fn new(name: String) -> Self {
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
pub struct Vnetd {
    child: Child,
    pub ctl: PathBuf,
}

impl Vnetd {
    pub fn start(ns: &str, local: Ipv4Addr, dir: &Path, multicast: bool) -> Self {
        Self::start_with(ns, local, dir, multicast, &[])
    }

    /// As [`Vnetd::start`] with extra vnetd arguments.
    pub fn start_with(
        ns: &str,
        local: Ipv4Addr,
        dir: &Path,
        multicast: bool,
        extra: &[&str],
    ) -> Self {
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
        cmd.args(extra);
        let child = cmd.spawn().expect("spawn vnetd");
        let t = Instant::now();
        while !ctl.exists() {
            assert!(t.elapsed() < Duration::from_secs(10), "vnetd did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        Vnetd { child, ctl }
    }

    pub fn vn(&self, args: &[&str]) -> String {
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

    /// Runs `vn` expecting failure; returns its stderr.
    pub fn vn_fail(&self, args: &[&str]) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_vn"))
            .arg("--socket")
            .arg(&self.ctl)
            .args(args)
            .output()
            .expect("run vn");
        assert!(!out.status.success(), "vn {} succeeded", args.join(" "));
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    pub fn stat(&self, name: &str) -> u64 {
        let s = self.vn(&["stats"]);
        let key = format!("({name} ");
        let at = s.find(&key).unwrap_or_else(|| panic!("no {name} in {s}")) + key.len();
        s[at..].split(')').next().unwrap().parse().unwrap()
    }

    pub fn stop(mut self) {
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
pub fn in_netns<T: Send + 'static>(ns: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
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
pub fn echo_server(ns: &str, addr: Ipv4Addr) -> std::thread::JoinHandle<()> {
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
pub fn udp_ping(ns: &str, src: Ipv4Addr, dst: Ipv4Addr) -> Option<Duration> {
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

pub fn stop_echo(ns: &str, src: Ipv4Addr, dst: Ipv4Addr, h: std::thread::JoinHandle<()>) {
    in_netns(ns, move || {
        let s = UdpSocket::bind(SocketAddrV4::new(src, 0)).unwrap();
        for _ in 0..5 {
            let _ = s.send_to(b"quit", SocketAddrV4::new(dst, 7007));
        }
    });
    let _ = h.join();
}

/// A scratch directory named `tag` and two namespaces `<tag>h0`, `<tag>h1`
/// joined by a veth pair `eth0`, host `i` at `addr(i)/24`.
#[allow(dead_code)]
pub fn two_hosts(tag: &str, addr: fn(usize) -> Ipv4Addr) -> (std::path::PathBuf, Vec<Netns>) {
    let dir = std::env::temp_dir().join(tag);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let h: Vec<Netns> = (0..2).map(|i| Netns::new(format!("{tag}h{i}"))).collect();
    sh(&[
        "-n", &h[0].0, "link", "add", "eth0", "type", "veth", "peer", "name", "eth0", "netns",
        &h[1].0,
    ]);
    for (i, n) in h.iter().enumerate() {
        let a = format!("{}/24", addr(i));
        sh(&["-n", &n.0, "addr", "add", &a, "dev", "eth0"]);
        sh(&["-n", &n.0, "link", "set", "eth0", "up"]);
    }
    (dir, h)
}
