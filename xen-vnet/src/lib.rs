//! Xen 3.x vnets rebuilt in Rust.
#![deny(unsafe_code)]

pub mod config;
pub mod esp;
pub mod id;
pub mod sxp;
pub mod wire;

/// Runs every decoder of the crate on `data` (the fuzz target and the
/// totality proptest both call this).
pub fn fuzz_all_decoders(data: &[u8]) {
    let _ = wire::decode_datagram(data);
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
