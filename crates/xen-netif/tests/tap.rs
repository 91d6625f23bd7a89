//! A TAP device `vif7.0` inside a network namespace this test creates
//! (the machine's own interfaces are never touched): a UDP socket of the
//! namespace's stack (10.207.0.1) sends datagrams to the guest at
//! 10.207.0.2; the ARP request and the datagrams travel TAP → backend →
//! RX ring → frontend, the test's guest code answers them (ARP reply, UDP
//! echo), and the replies travel frontend → TX ring → backend → TAP back
//! to the stack. The socket receiving its echoes proves both directions.
//! Skipped (with a printed reason) unless run as root.

use std::os::fd::AsRawFd;
use std::process::Command;
use std::time::{Duration, Instant};

use xen_mem::{FrameMemory, HostMemory};
use xen_netif::tap::{vif_name, Tap};
use xen_netif::vif::Vif;
use xen_netif::*;

const GUEST_IP: [u8; 4] = [10, 207, 0, 2];

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(2))
                == Some("0")
        })
        .unwrap_or(false)
}

struct Netns(String);

impl Netns {
    fn new(name: &str) -> Option<Netns> {
        let ok = Command::new("ip")
            .args(["netns", "add", name])
            .status()
            .ok()?
            .success();
        ok.then(|| Netns(name.into()))
    }
    fn exec(&self, args: &[&str]) -> std::process::Output {
        Command::new("ip")
            .args(["netns", "exec", &self.0])
            .args(args)
            .output()
            .expect("ip netns exec")
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).output();
    }
}

/// Runs `f` on a thread that entered namespace `ns`.
fn in_netns<T: Send + 'static>(
    ns: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> std::thread::JoinHandle<T> {
    let path = format!("/var/run/netns/{ns}");
    std::thread::spawn(move || {
        let file = std::fs::File::open(&path).expect("open netns");
        // SAFETY: `file` is an open netns descriptor for the whole call;
        // setns changes only this thread's network namespace.
        let r = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
        assert_eq!(r, 0, "setns {path}");
        f()
    })
}

fn csum(data: &[u8]) -> u16 {
    let mut s: u32 = 0;
    for c in data.chunks(2) {
        s += u32::from(u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]));
    }
    while s > 0xffff {
        s = (s & 0xffff) + (s >> 16);
    }
    !(s as u16)
}

/// The guest's network stack: answers ARP for its address, ICMP echo,
/// and echoes UDP datagrams with a garbage checksum the backend must
/// complete (they are sent `csum_blank`; the kernel drops them otherwise).
fn answer(f: &[u8], mac: Mac) -> Option<Vec<u8>> {
    if f.len() < 42 {
        return None;
    }
    let mut r = f.to_vec();
    r[0..6].copy_from_slice(&f[6..12]);
    r[6..12].copy_from_slice(&mac.0);
    match u16::from_be_bytes([f[12], f[13]]) {
        0x0806 if f[20..22] == [0, 1] && f[38..42] == GUEST_IP => {
            r[21] = 2;
            r[22..28].copy_from_slice(&mac.0);
            r[28..32].copy_from_slice(&GUEST_IP);
            r[32..38].copy_from_slice(&f[22..28]);
            r[38..42].copy_from_slice(&f[28..32]);
            Some(r)
        }
        0x0800 if f[23] == 1 && f[30..34] == GUEST_IP => {
            let ihl = usize::from(f[14] & 0x0f) * 4;
            let icmp = 14 + ihl;
            let total = usize::from(u16::from_be_bytes([f[16], f[17]]));
            if f.get(icmp) != Some(&8) || 14 + total > f.len() {
                return None;
            }
            r[26..30].copy_from_slice(&f[30..34]);
            r[30..34].copy_from_slice(&f[26..30]);
            r[icmp] = 0;
            r[icmp + 2..icmp + 4].copy_from_slice(&[0, 0]);
            let c = csum(&r[icmp..14 + total]);
            r[icmp + 2..icmp + 4].copy_from_slice(&c.to_be_bytes());
            Some(r)
        }
        0x0800 if f[23] == 17 && f[30..34] == GUEST_IP => {
            let udp = 14 + usize::from(f[14] & 0x0f) * 4;
            if udp + 8 > f.len() {
                return None;
            }
            r[26..30].copy_from_slice(&f[30..34]);
            r[30..34].copy_from_slice(&f[26..30]);
            r[udp..udp + 2].copy_from_slice(&f[udp + 2..udp + 4]);
            r[udp + 2..udp + 4].copy_from_slice(&f[udp..udp + 2]);
            // Left for the backend to fill in (sent with csum_blank).
            r[udp + 6..udp + 8].copy_from_slice(&[0xde, 0xad]);
            Some(r)
        }
        _ => None,
    }
}

#[test]
fn udp_echo_through_a_tap_in_a_namespace() {
    if !is_root() {
        println!("skipped: creating a TAP in a network namespace needs root");
        return;
    }
    if !std::path::Path::new("/dev/net/tun").exists() {
        println!("skipped: no /dev/net/tun");
        return;
    }
    let Some(ns) = Netns::new(&format!("xnetif-tap-{}", std::process::id())) else {
        println!("skipped: cannot create a network namespace");
        return;
    };
    let name = vif_name(7, 0);
    assert_eq!(name, "vif7.0");
    ns.exec(&["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"]);
    ns.exec(&["sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1"]);
    let tap = {
        let name = name.clone();
        in_netns(&ns.0, move || Tap::open(&name).expect("open TAP"))
            .join()
            .unwrap()
    };
    assert_eq!(tap.name(), "vif7.0");
    for args in [
        vec!["ip", "addr", "add", "10.207.0.1/24", "dev", "vif7.0"],
        vec!["ip", "link", "set", "vif7.0", "up"],
    ] {
        let o = ns.exec(&args);
        assert!(o.status.success(), "{args:?}: {o:?}");
    }

    let mem = HostMemory::new(128);
    let (txr, rxr) = (mem.alloc_frame().unwrap(), mem.alloc_frame().unwrap());
    let mut table = FrameTable::new(&mem);
    let mut pages = |ro: bool| -> Vec<Buffer> {
        (0..32)
            .map(|_| {
                let mfn = mem.alloc_frame().unwrap();
                Buffer {
                    mfn,
                    gref: table.grant(mfn, ro),
                }
            })
            .collect()
    };
    let (txp, rxp) = (pages(true), pages(false));
    let mut front = Frontend::new(&mem, txr, rxr, 0, txp, rxp).unwrap();
    let queue = BackQueue::attach(&mem, txr, rxr, table, QueueConfig::default()).unwrap();
    let mut vif = Vif::new(vec![queue], tap);
    let mac = Mac::xen_default(7, 0);
    front.refill().unwrap();

    // The namespace's side: 3 datagrams must come back.
    let client = in_netns(&ns.0, || {
        let s = std::net::UdpSocket::bind("10.207.0.1:0").expect("bind");
        s.set_read_timeout(Some(Duration::from_millis(300)))
            .unwrap();
        let mut echoed = 0;
        let mut buf = [0u8; 2048];
        for i in 0..40u8 {
            let msg = [b'x', b'e', b'n', i];
            let _ = s.send_to(&msg, "10.207.0.2:7");
            if let Ok(n) = s.recv(&mut buf) {
                if buf[..n] == msg {
                    echoed += 1;
                }
            }
            if echoed == 3 {
                break;
            }
        }
        echoed
    });
    let (mut got, mut answered) = (0, 0);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !client.is_finished() {
        vif.pump(64).unwrap();
        for f in front.receive().unwrap() {
            got += 1;
            if let Some(r) = answer(&f.data, mac) {
                let info = PacketInfo {
                    csum_blank: r[12..14] == [8, 0],
                    data_validated: r[12..14] == [8, 0],
                    gso: None,
                };
                front.send(&r, &info).unwrap();
                answered += 1;
            }
        }
        front.publish_tx().unwrap();
        front.reap_tx().unwrap();
        front.refill().unwrap();
        assert!(Instant::now() < deadline, "no end");
        std::thread::sleep(Duration::from_millis(1));
    }
    let echoed = client.join().unwrap();
    println!("frames to the guest {got}, answered {answered}, echoed {echoed}");
    assert_eq!(echoed, 3);
    // ARP request + 3 datagrams in; ARP reply + 3 echoes out.
    assert!(got >= 4 && answered >= 4, "got {got}, answered {answered}");
    let st = vif.queues()[0].stats();
    assert!(st.tx_packets >= 4 && st.rx_packets >= 4, "{st:?}");
    assert_eq!(st.tx_errors, 0);
}
