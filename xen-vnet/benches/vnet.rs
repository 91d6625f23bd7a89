//! Per-packet cost of the vnet data path for each security level, each
//! group pairing `ours` with a `reference` measured in the same run:
//!
//! - `seal <level> <size>`: a frame of `size` bytes → UDP segment with the
//!   vnet message and etherip headers → ESP (or nothing, for `none`), what
//!   vnetd does per transmitted frame; reference: copying the same number of
//!   bytes into a fresh buffer of the output's size (the floor of any
//!   encapsulation: one copy of the frame).
//! - `open <level> <size>`: the reverse (ESP check + decrypt + header
//!   decode) on a packet made once; reference: the same copy.
//! - `node <level>`: `Node::from_tap` + `Node::from_ip/from_udp` end to end
//!   for a 1400-byte frame whose destination is in the VARP cache (lookup,
//!   encapsulation, ESP, receive-side learning); reference: two copies.
//!
//! Throughput is in bytes of the inner frame.
#![allow(missing_docs)]

use std::hint::black_box;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use xen_vnet::config::{Security, VnetConfig};
use xen_vnet::esp::{Inbound, Outbound, Sa, SaKeys};
use xen_vnet::id::{Mac, VnetId};
use xen_vnet::node::{Action, Encaps, Node, NodeConfig};
use xen_vnet::wire::{self, Ipv4Hdr, IPPROTO_UDP};

const VNET: VnetId = VnetId::from_u128(0x97);

fn levels() -> Vec<(&'static str, Option<SaKeys>)> {
    vec![
        ("none", None),
        (
            "auth",
            Some(SaKeys::Auth {
                auth_key: vec![1; 20],
            }),
        ),
        (
            "conf",
            Some(SaKeys::Conf {
                enc_key: [2; 16],
                auth_key: vec![3; 20],
            }),
        ),
        (
            "gcm",
            Some(SaKeys::Gcm {
                key: [4; 16],
                salt: [5; 4],
            }),
        ),
    ]
}

fn frame(len: usize, dst: Mac, src: Mac) -> Vec<u8> {
    let mut f = dst.0.to_vec();
    f.extend_from_slice(&src.0);
    f.extend_from_slice(&[0x08, 0x00]);
    f.resize(len, 0x5a);
    f
}

fn seal_once(sa: Option<&Sa>, tx: &mut Outbound, f: &[u8], seg: &mut Vec<u8>, out: &mut Vec<u8>) {
    seg.clear();
    out.clear();
    match sa {
        None => wire::encode_udp_data(VNET, f, out),
        Some(sa) => {
            wire::encode_udp_segment(VNET, f, seg);
            tx.seal(sa, IPPROTO_UDP, seg, out).unwrap();
        }
    }
}

fn bench_seal_open(c: &mut Criterion) {
    for size in [64usize, 1400] {
        let f = frame(size, Mac([0xaa, 0, 0, 0, 0, 2]), Mac([0xaa, 0, 0, 0, 0, 1]));
        for (name, keys) in levels() {
            let sa = keys.map(|k| Sa::new(0x1000, k).unwrap());
            let mut tx = Outbound::new(1);
            let (mut seg, mut out) = (Vec::new(), Vec::new());
            seal_once(sa.as_ref(), &mut tx, &f, &mut seg, &mut out);
            let out_len = out.len();

            let mut g = c.benchmark_group(format!("seal {name} {size}"));
            g.throughput(Throughput::Bytes(size as u64));
            g.bench_function("ours", |b| {
                b.iter(|| {
                    // A fresh sender every 2^31 packets would be needed; far beyond a run.
                    seal_once(sa.as_ref(), &mut tx, black_box(&f), &mut seg, &mut out);
                    black_box(out.len())
                })
            });
            g.bench_function("reference", |b| {
                b.iter(|| {
                    let mut v = Vec::with_capacity(out_len);
                    v.extend_from_slice(black_box(&f));
                    black_box(v.len())
                })
            });
            g.finish();

            let packet = out.clone();
            let mut plain = Vec::new();
            let mut g = c.benchmark_group(format!("open {name} {size}"));
            g.throughput(Throughput::Bytes(size as u64));
            g.bench_function("ours", |b| {
                b.iter(|| match &sa {
                    None => black_box(wire::decode_datagram(black_box(&packet)).is_ok()),
                    Some(sa) => {
                        let nh = Inbound::new()
                            .open(sa, black_box(&packet), &mut plain)
                            .unwrap();
                        let (_, d) = wire::UdpHdr::decode(&plain).unwrap();
                        let ok = wire::decode_datagram(d).is_ok();
                        black_box(nh == IPPROTO_UDP && ok)
                    }
                })
            });
            g.bench_function("reference", |b| {
                b.iter(|| {
                    let mut v = Vec::with_capacity(size);
                    v.extend_from_slice(black_box(&packet[..size.min(packet.len())]));
                    black_box(v.len())
                })
            });
            g.finish();
        }
    }
}

fn node(local: Ipv4Addr, keys: Option<SaKeys>) -> Node {
    let mut n = Node::new(NodeConfig {
        local,
        encaps: Encaps::Udp,
        multicast: true,
    });
    n.add_vnet(VnetConfig {
        id: VNET,
        bridge: "vnet97".into(),
        vnetif: "vnif97".into(),
        security: match keys {
            None => Security::None,
            Some(keys) => Security::Esp { spi: 0x1000, keys },
        },
    })
    .unwrap();
    n
}

fn bench_node(c: &mut Criterion) {
    let (a_ip, b_ip) = (Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2));
    let (ma, mb) = (Mac([0xaa, 0, 0, 0, 0, 1]), Mac([0xaa, 0, 0, 0, 0, 2]));
    for (name, keys) in levels() {
        let mut a = node(a_ip, keys.clone());
        let mut b = node(b_ip, keys);
        // Teach a where mb lives (and b where ma lives) with one exchange.
        let warm = frame(60, Mac::BROADCAST, mb);
        let _ = b.from_tap(VNET, &warm, 0);
        let ann = wire::Varp {
            op: wire::VarpOp::Announce,
            vnet: VNET,
            vmac: mb,
            addr: b_ip,
        };
        let _ = a.from_udp(SocketAddrV4::new(b_ip, 1798), true, &ann.to_bytes(), 0);
        let f = frame(1400, mb, ma);
        let _ = a.from_tap(VNET, &f, 0);
        let mut g = c.benchmark_group(format!("node {name}"));
        g.throughput(Throughput::Bytes(1400));
        let mut ipbuf = Vec::new();
        g.bench_function("ours", |bch| {
            bch.iter(|| {
                let acts = a.from_tap(VNET, black_box(&f), 1);
                let mut delivered = 0;
                for act in acts {
                    let out = match act {
                        Action::Udp { payload, .. } => {
                            b.from_udp(SocketAddrV4::new(a_ip, 1798), false, &payload, 1)
                        }
                        Action::Ip {
                            dst,
                            proto,
                            payload,
                        } => {
                            ipbuf.clear();
                            Ipv4Hdr {
                                src: a_ip,
                                dst,
                                proto,
                                ttl: 64,
                                ident: 0,
                                df: false,
                            }
                            .encode(payload.len(), &mut ipbuf);
                            ipbuf.extend_from_slice(&payload);
                            b.from_ip(&ipbuf, 1)
                        }
                        _ => Vec::new(),
                    };
                    delivered += out.len();
                }
                assert_eq!(delivered, 1);
                black_box(delivered)
            })
        });
        g.bench_function("reference", |bch| {
            bch.iter(|| {
                let mut v = Vec::with_capacity(1500);
                v.extend_from_slice(black_box(&f));
                let mut w = Vec::with_capacity(1500);
                w.extend_from_slice(black_box(&v));
                black_box(w.len())
            })
        });
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(20);
    targets = bench_seal_open, bench_node
}
criterion_main!(benches);
