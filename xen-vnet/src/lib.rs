//! Xen 3.x vnets rebuilt in Rust: virtual Ethernet networks tunnelled
//! over IP, byte-compatible with the original on the wire, with standard
//! ESP security.
//!
//! The core is pure (no sockets, no clocks): [`sxp`] and [`config`] read
//! and print configuration, [`wire`] encodes and decodes every packet
//! format, [`esp`] seals and opens ESP, [`varp`] keeps the address cache on
//! a caller-supplied clock, and [`node`] turns "a frame from a bridge" or
//! "a packet from the network" into [`node::Action`]s. [`daemon`] is the
//! thin tokio shell (`vnetd`), [`control`] its command language (spoken by
//! `vn`). Only `daemon::tap` contains `unsafe`.
#![deny(unsafe_code)]

pub mod config;
pub mod control;
pub mod daemon;
pub mod esp;
pub mod id;
pub mod node;
pub mod sxp;
pub mod varp;
pub mod wire;

/// Runs every decoder of the crate on `data` (the fuzz target and the
/// totality proptest both call this).
///
/// Besides "no panic" it checks that what a decoder accepts re-encodes to
/// the same bytes, and that no ESP packet opens under keys it was not made
/// with.
pub fn fuzz_all_decoders(data: &[u8]) {
    match wire::decode_datagram(data) {
        Ok(wire::Datagram::Varp(v)) => {
            // Everything but the 12 unused address bytes is reproduced.
            assert_eq!(v.to_bytes()[..31], data[..31]);
        }
        Ok(wire::Datagram::Data { vnet, frame }) => {
            let mut out = Vec::new();
            wire::encode_udp_data(vnet, frame, &mut out);
            assert_eq!(out[6..], data[6..]);
        }
        _ => {}
    }
    for sa in fuzz_sas() {
        let mut out = Vec::new();
        let r = esp::Inbound::new().open(sa, data, &mut out);
        assert!(r.is_err(), "forged ESP packet accepted");
    }
    let _ = wire::Varp::decode(data);
    let _ = wire::decode_raw_etherip(data);
    let _ = wire::decode_etherip(data);
    let _ = wire::decode_udp_packet(data);
    let _ = wire::UdpHdr::decode(data);
    let _ = wire::eth_addrs(data);
    if let Ok(s) = std::str::from_utf8(data) {
        let _ = sxp::parse_all(s);
        let _ = id::VnetId::parse_any(s);
        let _ = s.parse::<id::Mac>();
    }
}

fn fuzz_sas() -> &'static [esp::Sa] {
    static SAS: std::sync::OnceLock<Vec<esp::Sa>> = std::sync::OnceLock::new();
    SAS.get_or_init(|| {
        use esp::{Sa, SaKeys};
        [
            SaKeys::Auth {
                auth_key: vec![7; 20],
            },
            SaKeys::Conf {
                enc_key: [8; 16],
                auth_key: vec![9; 20],
            },
            SaKeys::Gcm {
                key: [10; 16],
                salt: [1, 2, 3, 4],
            },
        ]
        .into_iter()
        .enumerate()
        .filter_map(|(i, k)| Sa::new(0x100 + i as u32, k))
        .collect()
    })
}
