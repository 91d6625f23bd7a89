//! Proof of standard ESP (RFC 4303 / 2404 / 3602 / 4106) against
//! implementations we did not write:
//!
//! * **Linux kernel XFRM**: in namespaces the test creates, `ip xfrm state`
//!   with the same SPI, keys and algorithms decrypts our packets and its
//!   packets open with ours. Skipped (with the reason printed) when not root
//!   or when the kernel has no ESP (`CONFIG_INET_ESP`): `ip xfrm state add`
//!   then fails with "Requested type not found".
//! * **Scapy's `SecurityAssociation`** (Python, on the `cryptography`
//!   package): same both ways. Skipped when `python3 -c "import scapy"` fails.
//!
//! Both carry what vnetd puts in ESP: a UDP 1798 segment with a vnet
//! data message, transport mode, next header 17.
#![allow(unsafe_code)]

use std::fmt::Write as _;
use std::fs;
use std::net::{Ipv4Addr, SocketAddrV4, UdpSocket};
use std::os::fd::AsRawFd;
use std::process::Command;
use std::time::Duration;

use xen_vnet::esp::{Inbound, Outbound, Sa, SaKeys};
use xen_vnet::id::VnetId;
use xen_vnet::wire::{self, Ipv4Hdr, IPPROTO_ESP, IPPROTO_UDP};

const AUTH_KEY: [u8; 20] = *b"Jo\x68n Doe says hello!";
const ENC_KEY: [u8; 16] = *b"\x01\x23\x45\x67\x89\xab\xcd\xef\x01\x23\x45\x67\x89\xab\xcd\xef";
const GCM_KEY: [u8; 20] = *b"0123456789abcdefSALT";

fn hex(b: &[u8]) -> String {
    b.iter().fold(String::new(), |mut s, x| {
        let _ = write!(s, "{x:02x}");
        s
    })
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

/// (name, SA) for each level; the kernel's algorithm strings are beside.
fn sas(spi_base: u32) -> Vec<(&'static str, Sa)> {
    let mut gk = [0u8; 16];
    gk.copy_from_slice(&GCM_KEY[..16]);
    let mut salt = [0u8; 4];
    salt.copy_from_slice(&GCM_KEY[16..]);
    vec![
        (
            "auth",
            Sa::new(
                spi_base + 1,
                SaKeys::Auth {
                    auth_key: AUTH_KEY.to_vec(),
                },
            )
            .unwrap(),
        ),
        (
            "conf",
            Sa::new(
                spi_base + 2,
                SaKeys::Conf {
                    enc_key: ENC_KEY,
                    auth_key: AUTH_KEY.to_vec(),
                },
            )
            .unwrap(),
        ),
        (
            "gcm",
            Sa::new(spi_base + 3, SaKeys::Gcm { key: gk, salt }).unwrap(),
        ),
    ]
}

/// The UDP-1798 payload vnetd would carry for a frame.
fn vnet_payload(tag: u8) -> Vec<u8> {
    let mut frame = vec![0xaa, 0, 0, 0, 0, 2, 0xaa, 0, 0, 0, 0, 1, 0x08, 0x00];
    frame.extend((0..100u8).map(|i| i ^ tag));
    let mut p = Vec::new();
    wire::encode_udp_data(VnetId::from_u128(0x97), &frame, &mut p);
    p
}

fn ip_packet(src: Ipv4Addr, dst: Ipv4Addr, proto: u8, payload: &[u8]) -> Vec<u8> {
    let mut p = Vec::new();
    Ipv4Hdr {
        src,
        dst,
        proto,
        ttl: 64,
        ident: 1,
        df: false,
    }
    .encode(payload.len(), &mut p);
    p.extend_from_slice(payload);
    p
}

/// Opens `esp` with `sa` and returns the UDP payload inside.
fn open_udp(sa: &Sa, esp: &[u8]) -> Vec<u8> {
    let mut plain = Vec::new();
    let nh = Inbound::new().open(sa, esp, &mut plain).expect("our open");
    assert_eq!(nh, IPPROTO_UDP);
    let (udp, data) = wire::UdpHdr::decode(&plain).unwrap();
    assert_eq!((udp.sport, udp.dport), (1798, 1798));
    data.to_vec()
}

const SCAPY: &str = r#"
import sys
from scapy.all import IP, UDP, Raw
from scapy.layers.ipsec import SecurityAssociation, ESP
def sa(level, spi, ak, ek, gk):
    if level == 'auth':
        return SecurityAssociation(ESP, spi=spi, crypt_algo='NULL', crypt_key=None, auth_algo='HMAC-SHA1-96', auth_key=ak)
    if level == 'conf':
        return SecurityAssociation(ESP, spi=spi, crypt_algo='AES-CBC', crypt_key=ek, auth_algo='HMAC-SHA1-96', auth_key=ak)
    return SecurityAssociation(ESP, spi=spi, crypt_algo='AES-GCM', crypt_key=gk, auth_algo='NULL', auth_key=None)
out = open(sys.argv[2], 'w')
for line in open(sys.argv[1]):
    level, spi, ak, ek, gk, pkt, want = line.split()
    s = sa(level, int(spi), bytes.fromhex(ak), bytes.fromhex(ek), bytes.fromhex(gk))
    dec = s.decrypt(IP(bytes.fromhex(pkt)))
    got = bytes(dec[UDP].payload)
    assert dec[UDP].sport == 1798 and dec[UDP].dport == 1798, level
    assert got == bytes.fromhex(want), (level, got.hex(), want)
    enc = s.encrypt(IP(src='10.0.0.2', dst='10.0.0.1')/UDP(sport=1798, dport=1798)/Raw(bytes.fromhex(want)), seq_num=7)
    out.write('%s %s\n' % (level, bytes(enc).hex()))
out.close()
print('scapy ok')
"#;

#[test]
fn scapy_opens_ours_and_we_open_scapys() {
    let ok = Command::new("python3")
        .args(["-c", "import scapy.layers.ipsec, cryptography"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        println!("SKIP scapy_opens_ours_and_we_open_scapys: python3 with scapy and cryptography not available");
        return;
    }
    let dir = std::env::temp_dir().join(format!("xvn-scapy-{}", std::process::id()));
    fs::create_dir_all(&dir).unwrap();
    let (src, dst) = (Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2));
    let mut vectors = String::new();
    let all = sas(0x3000);
    for (name, sa) in &all {
        let mut tx = Outbound::new_random();
        for tag in 0..3u8 {
            let payload = vnet_payload(tag);
            let mut seg = Vec::new();
            wire::UdpHdr {
                sport: 1798,
                dport: 1798,
            }
            .encode(payload.len(), &mut seg);
            seg.extend_from_slice(&payload);
            let mut esp = Vec::new();
            tx.seal(sa, IPPROTO_UDP, &seg, &mut esp).unwrap();
            let pkt = ip_packet(src, dst, IPPROTO_ESP, &esp);
            writeln!(
                vectors,
                "{name} {} {} {} {} {} {}",
                sa.spi(),
                hex(&AUTH_KEY),
                hex(&ENC_KEY),
                hex(&GCM_KEY),
                hex(&pkt),
                hex(&payload)
            )
            .unwrap();
        }
    }
    fs::write(dir.join("in.txt"), vectors).unwrap();
    fs::write(dir.join("check.py"), SCAPY).unwrap();
    let out = Command::new("python3")
        .arg(dir.join("check.py"))
        .arg(dir.join("in.txt"))
        .arg(dir.join("out.txt"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "scapy refused our ESP: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    print!("{}", String::from_utf8_lossy(&out.stdout));
    let back = fs::read_to_string(dir.join("out.txt")).unwrap();
    let mut n = 0;
    for line in back.lines() {
        let (name, pkt) = line.split_once(' ').unwrap();
        let pkt = unhex(pkt);
        let (ip, esp) = Ipv4Hdr::decode(&pkt).unwrap();
        assert_eq!(ip.proto, IPPROTO_ESP);
        let sa = &all.iter().find(|(n, _)| *n == name).unwrap().1;
        let data = open_udp(sa, esp);
        assert!(
            (0..3).any(|t| vnet_payload(t) == data),
            "{name}: scapy's plaintext differs"
        );
        n += 1;
    }
    assert_eq!(n, 9);
    println!("scapy: 9 of our packets opened by scapy, 9 of scapy's opened by us");
    let _ = fs::remove_dir_all(&dir);
}

// ---- Linux kernel XFRM ----

fn ip(args: &[&str]) -> Result<(), String> {
    let o = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| e.to_string())?;
    if o.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&o.stderr).trim().to_owned())
    }
}

struct Netns(String);
impl Drop for Netns {
    fn drop(&mut self) {
        let _ = ip(&["netns", "del", &self.0]);
    }
}

fn in_netns<T: Send + 'static>(ns: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let path = format!("/var/run/netns/{ns}");
    std::thread::spawn(move || {
        let file = fs::File::open(&path).expect("open netns");
        // SAFETY: `file` is an open netns descriptor for the whole call;
        // setns only changes this thread's network namespace.
        let r = unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) };
        assert_eq!(r, 0);
        f()
    })
    .join()
    .expect("netns thread")
}

fn kernel_algs(name: &str) -> Vec<String> {
    let (ak, ek, gk) = (
        format!("0x{}", hex(&AUTH_KEY)),
        format!("0x{}", hex(&ENC_KEY)),
        format!("0x{}", hex(&GCM_KEY)),
    );
    let v: Vec<String> = match name {
        "auth" => vec![
            "auth-trunc",
            "hmac(sha1)",
            &ak,
            "96",
            "enc",
            "ecb(cipher_null)",
            "",
        ]
        .into_iter()
        .map(String::from)
        .collect(),
        "conf" => vec![
            "auth-trunc",
            "hmac(sha1)",
            &ak,
            "96",
            "enc",
            "cbc(aes)",
            &ek,
        ]
        .into_iter()
        .map(String::from)
        .collect(),
        _ => vec!["aead", "rfc4106(gcm(aes))", &gk, "128"]
            .into_iter()
            .map(String::from)
            .collect(),
    };
    v
}

#[test]
fn linux_xfrm_opens_ours_and_we_open_its() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 || ip(&["-V"]).is_err() {
        println!("SKIP linux_xfrm_opens_ours_and_we_open_its: needs root and ip");
        return;
    }
    let tag = format!("xvnx{}", std::process::id());
    let a = Netns(format!("{tag}a"));
    ip(&["netns", "add", &a.0]).unwrap();
    // Probe: does this kernel do ESP at all?
    let probe = ip(&[
        "-n",
        &a.0,
        "xfrm",
        "state",
        "add",
        "src",
        "10.79.0.1",
        "dst",
        "10.79.0.2",
        "proto",
        "esp",
        "spi",
        "0x999",
        "mode",
        "transport",
        "auth-trunc",
        "hmac(sha1)",
        "0x0102030405060708090a0b0c0d0e0f1011121314",
        "96",
        "enc",
        "cbc(aes)",
        "0x000102030405060708090a0b0c0d0e0f",
    ]);
    if let Err(e) = probe {
        println!("SKIP linux_xfrm_opens_ours_and_we_open_its: kernel XFRM has no ESP here ({e}); needs CONFIG_INET_ESP");
        return;
    }
    let _ = ip(&["-n", &a.0, "xfrm", "state", "flush"]);
    let b = Netns(format!("{tag}b"));
    ip(&["netns", "add", &b.0]).unwrap();
    ip(&[
        "-n", &a.0, "link", "add", "e0", "type", "veth", "peer", "name", "e0", "netns", &b.0,
    ])
    .unwrap();
    for (ns, addr) in [(&a.0, "10.79.0.1/24"), (&b.0, "10.79.0.2/24")] {
        ip(&["-n", ns, "addr", "add", addr, "dev", "e0"]).unwrap();
        ip(&["-n", ns, "link", "set", "e0", "up"]).unwrap();
        ip(&["-n", ns, "link", "set", "lo", "up"]).unwrap();
    }
    let (ours, kern) = (Ipv4Addr::new(10, 79, 0, 1), Ipv4Addr::new(10, 79, 0, 2));
    for (name, sa) in sas(0x4000) {
        // Kernel side (namespace b): SA ours→kernel with our SPI, and
        // kernel→ours with SPI+0x100 plus an output policy for UDP 1798.
        ip(&["-n", &b.0, "xfrm", "state", "flush"]).unwrap();
        ip(&["-n", &b.0, "xfrm", "policy", "flush"]).unwrap();
        for (s, d, spi) in [(ours, kern, sa.spi()), (kern, ours, sa.spi() + 0x100)] {
            let (s, d, spi) = (s.to_string(), d.to_string(), format!("{spi:#x}"));
            let mut args = vec![
                "-n",
                &b.0,
                "xfrm",
                "state",
                "add",
                "src",
                &s,
                "dst",
                &d,
                "proto",
                "esp",
                "spi",
                &spi,
                "mode",
                "transport",
            ];
            let algs = kernel_algs(name);
            args.extend(algs.iter().map(String::as_str));
            ip(&args).unwrap_or_else(|e| panic!("{name}: xfrm state: {e}"));
        }
        ip(&[
            "-n",
            &b.0,
            "xfrm",
            "policy",
            "add",
            "src",
            "10.79.0.2",
            "dst",
            "10.79.0.1",
            "proto",
            "udp",
            "dport",
            "1798",
            "dir",
            "out",
            "tmpl",
            "src",
            "10.79.0.2",
            "dst",
            "10.79.0.1",
            "proto",
            "esp",
            "mode",
            "transport",
        ])
        .unwrap();

        // Ours → kernel: a raw ESP packet from namespace a; a UDP socket in b
        // must receive the plaintext.
        let bns = b.0.clone();
        let rx = std::thread::spawn(move || {
            in_netns(&bns, || {
                let s = UdpSocket::bind("10.79.0.2:1798").unwrap();
                s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
                let mut buf = [0u8; 2048];
                s.recv(&mut buf).ok().map(|n| buf[..n].to_vec())
            })
        });
        std::thread::sleep(Duration::from_millis(200));
        let payload = vnet_payload(1);
        let mut seg = Vec::new();
        wire::UdpHdr {
            sport: 1798,
            dport: 1798,
        }
        .encode(payload.len(), &mut seg);
        seg.extend_from_slice(&payload);
        let mut esp = Vec::new();
        Outbound::new_random()
            .seal(&sa, IPPROTO_UDP, &seg, &mut esp)
            .unwrap();
        in_netns(&a.0, move || {
            let s = socket2::Socket::new(
                socket2::Domain::IPV4,
                socket2::Type::RAW,
                Some(socket2::Protocol::from(50)),
            )
            .unwrap();
            s.send_to(&esp, &socket2::SockAddr::from(SocketAddrV4::new(kern, 0)))
                .unwrap();
        });
        assert_eq!(
            rx.join().unwrap().as_deref(),
            Some(&payload[..]),
            "{name}: kernel did not decrypt ours"
        );

        // Kernel → ours: a UDP datagram from b leaves as ESP; capture it raw in a.
        let cap = in_netns(&a.0, move || {
            let s = socket2::Socket::new(
                socket2::Domain::IPV4,
                socket2::Type::RAW,
                Some(socket2::Protocol::from(50)),
            )
            .unwrap();
            s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
            s
        });
        let want = vnet_payload(2);
        let w2 = want.clone();
        in_netns(&b.0, move || {
            let s = UdpSocket::bind("10.79.0.2:1798").unwrap();
            s.send_to(&w2, "10.79.0.1:1798").unwrap();
        });
        let mut buf = [std::mem::MaybeUninit::<u8>::uninit(); 2048];
        let n = cap.recv(&mut buf).expect("no ESP from the kernel");
        // SAFETY: recv initialised the first n bytes.
        let pkt: Vec<u8> = buf[..n]
            .iter()
            .map(|b| unsafe { b.assume_init() })
            .collect();
        let (iph, esp) = Ipv4Hdr::decode(&pkt).unwrap();
        assert_eq!(iph.proto, IPPROTO_ESP);
        let their = Sa::new(sa.spi() + 0x100, sa.keys().clone()).unwrap();
        assert_eq!(
            open_udp(&their, esp),
            want,
            "{name}: the kernel's plaintext differs"
        );
        println!("{name}: kernel XFRM interoperates both ways");
    }
}
