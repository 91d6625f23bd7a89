//! Wire formats, byte-compatible with Xen 3.x vnet (`tools/vnet/vnet-module`).
//!
//! * [`MsgHdr`]: the 4-byte `VnetMsgHdr` (`id`, `opcode`, both network
//!   order) that starts every UDP-1798 datagram; `id` selects VARP (1),
//!   etherip-in-UDP data (2) or a forwarded packet (3).
//! * [`EtheripHdr`]: the 18-byte extended etherip header. The original
//!   declared a 16-bit bitfield `reserved:12, version:4` in little-endian
//!   bitfield order, so x86 peers put **`00 40`** on the wire (version 4 in
//!   the high nibble of the *second* byte), followed by the 16-byte vnet id.
//! * [`Varp`]: the 43-byte VARP message (request / announce).
//! * [`Ipv4Hdr`] / [`UdpHdr`]: just enough IPv4 and UDP for the raw
//!   IP-protocol-97 mode, forwarded packets and transport-mode ESP.
//!
//! Every decoder takes `&[u8]`, never panics and returns a [`WireError`]
//! for anything it does not accept (see the fuzz crate and the proptests).
//!
//! Per-packet overhead: UDP mode 20 + 8 + 4 + 18 = 50 bytes over the inner
//! frame, raw mode 20 + 18 = 38 bytes; with the manual's advised inner MTU
//! of 1400 both fit a 1500-byte path even with ESP added ([`ESP_MTU_OVERHEAD_MAX`]).
#![forbid(unsafe_code)]

use std::net::Ipv4Addr;

use crate::id::{Mac, VnetId};

/// UDP port of VARP and of etherip-in-UDP data.
pub const VNET_PORT: u16 = 1798;
/// The VARP multicast group.
pub const VARP_MCAST: Ipv4Addr = Ipv4Addr::new(224, 10, 0, 1);
/// `VnetMsgHdr.id` of VARP control messages.
pub const VARP_ID: u16 = 1;
/// `VnetMsgHdr.id` of etherip-in-UDP data.
pub const VUDP_ID: u16 = 2;
/// `VnetMsgHdr.id` of a packet forwarded to a peer.
pub const VFWD_ID: u16 = 3;
/// The extended etherip header's version.
pub const ETHERIP_VERSION: u8 = 4;
/// IP protocol number of etherip.
pub const IPPROTO_ETHERIP: u8 = 97;
/// IP protocol number of UDP.
pub const IPPROTO_UDP: u8 = 17;
/// IP protocol number of ESP.
pub const IPPROTO_ESP: u8 = 50;
/// Length of `VnetMsgHdr`.
pub const MSG_HDR_LEN: usize = 4;
/// Length of the extended etherip header.
pub const ETHERIP_HDR_LEN: usize = 18;
/// Length of a VARP message.
pub const VARP_LEN: usize = 43;
/// Length of an IPv4 header without options.
pub const IPV4_HDR_LEN: usize = 20;
/// Length of a UDP header.
pub const UDP_HDR_LEN: usize = 8;
/// Length of an Ethernet header.
pub const ETH_HDR_LEN: usize = 14;
/// Overhead of UDP mode over the inner frame (outer IPv4 + UDP + msg + etherip).
pub const UDP_MODE_OVERHEAD: usize = IPV4_HDR_LEN + UDP_HDR_LEN + MSG_HDR_LEN + ETHERIP_HDR_LEN;
/// Overhead of raw mode over the inner frame (outer IPv4 + etherip).
pub const RAW_MODE_OVERHEAD: usize = IPV4_HDR_LEN + ETHERIP_HDR_LEN;
/// The most ESP adds (header 8 + IV 16 + padding 15 + trailer 2 + ICV 16).
pub const ESP_MTU_OVERHEAD_MAX: usize = 8 + 16 + 15 + 2 + 16;
/// AF_INET as the original put it in `VarpAddr.family`.
pub const AF_INET: u8 = 2;
/// VARP request opcode.
pub const VARP_OP_REQUEST: u16 = 1;
/// VARP announce opcode.
pub const VARP_OP_ANNOUNCE: u16 = 2;

/// A decoding failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// Fewer bytes than the format needs.
    #[error("truncated {what}: need {need} bytes, have {have}")]
    Truncated {
        /// Which structure.
        what: &'static str,
        /// Bytes needed.
        need: usize,
        /// Bytes present.
        have: usize,
    },
    /// Etherip version other than 4.
    #[error("etherip version {0}, expected 4")]
    EtheripVersion(u8),
    /// Unknown `VnetMsgHdr.id`.
    #[error("unknown vnet message id {0}")]
    UnknownMsgId(u16),
    /// Unknown VARP opcode.
    #[error("unknown VARP opcode {0}")]
    VarpOpcode(u16),
    /// VARP address family other than AF_INET.
    #[error("VARP address family {0} unsupported (only AF_INET)")]
    VarpFamily(u8),
    /// Not IPv4 or header length out of range.
    #[error("not a valid IPv4 header")]
    BadIpv4,
    /// IPv4 header checksum mismatch.
    #[error("IPv4 header checksum mismatch")]
    Ipv4Checksum,
    /// A fragment (fragments are not reassembled).
    #[error("IPv4 fragment (not reassembled)")]
    Fragment,
    /// Unexpected IP protocol.
    #[error("IP protocol {0} where another was expected")]
    Protocol(u8),
    /// UDP length field inconsistent.
    #[error("bad UDP length")]
    UdpLength,
}

fn need(what: &'static str, buf: &[u8], n: usize) -> Result<(), WireError> {
    if buf.len() < n {
        Err(WireError::Truncated {
            what,
            need: n,
            have: buf.len(),
        })
    } else {
        Ok(())
    }
}

fn be16(b: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([b[at], b[at + 1]])
}

fn vnet_at(b: &[u8], at: usize) -> VnetId {
    let mut v = [0u8; 16];
    v.copy_from_slice(&b[at..at + 16]);
    VnetId(v)
}

/// `VnetMsgHdr`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MsgHdr {
    /// `VARP_ID`, `VUDP_ID` or `VFWD_ID`.
    pub id: u16,
    /// Opcode (VARP) or 0. For forwarded packets we carry a hop count here
    /// (the original sent 0 and ignored it).
    pub opcode: u16,
}

impl MsgHdr {
    /// Appends the 4 bytes.
    pub fn encode(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.id.to_be_bytes());
        out.extend_from_slice(&self.opcode.to_be_bytes());
    }

    /// Reads the 4 bytes.
    pub fn decode(b: &[u8]) -> Result<Self, WireError> {
        need("vnet message header", b, MSG_HDR_LEN)?;
        Ok(MsgHdr {
            id: be16(b, 0),
            opcode: be16(b, 2),
        })
    }
}

/// The 18-byte extended etherip header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EtheripHdr {
    /// The vnet.
    pub vnet: VnetId,
}

impl EtheripHdr {
    /// The first two bytes as x86 Xen 3.x sent them.
    pub const VERSION_BYTES: [u8; 2] = [0x00, ETHERIP_VERSION << 4];

    /// Appends the 18 bytes.
    pub fn encode(self, out: &mut Vec<u8>) {
        out.extend_from_slice(&Self::VERSION_BYTES);
        out.extend_from_slice(&self.vnet.0);
    }

    /// Reads the 18 bytes; the 12 reserved bits are ignored as the original did.
    pub fn decode(b: &[u8]) -> Result<Self, WireError> {
        need("etherip header", b, ETHERIP_HDR_LEN)?;
        // 16-bit little-endian bitfield: reserved = low 12 bits, version = high 4.
        let word = u16::from_le_bytes([b[0], b[1]]);
        let version = (word >> 12) as u8;
        if version != ETHERIP_VERSION {
            return Err(WireError::EtheripVersion(version));
        }
        Ok(EtheripHdr {
            vnet: vnet_at(b, 2),
        })
    }
}

/// VARP opcodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarpOp {
    /// "Who has (vnet, vmac)?"
    Request,
    /// "(vnet, vmac) is at addr."
    Announce,
}

/// A VARP message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Varp {
    /// Request or announce.
    pub op: VarpOp,
    /// The vnet.
    pub vnet: VnetId,
    /// The virtual MAC asked about or announced.
    pub vmac: Mac,
    /// Request: the asker's address; announce: the care-of address.
    pub addr: Ipv4Addr,
}

impl Varp {
    /// Appends the 43 bytes.
    pub fn encode(&self, out: &mut Vec<u8>) {
        let opcode = match self.op {
            VarpOp::Request => VARP_OP_REQUEST,
            VarpOp::Announce => VARP_OP_ANNOUNCE,
        };
        MsgHdr {
            id: VARP_ID,
            opcode,
        }
        .encode(out);
        out.extend_from_slice(&self.vnet.0);
        out.extend_from_slice(&self.vmac.0);
        out.push(AF_INET);
        out.extend_from_slice(&self.addr.octets());
        out.extend_from_slice(&[0u8; 12]);
    }

    /// The encoded message.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(VARP_LEN);
        self.encode(&mut v);
        v
    }

    /// Reads a VARP message (the 4-byte header included).
    pub fn decode(b: &[u8]) -> Result<Self, WireError> {
        need("VARP message", b, VARP_LEN)?;
        let hdr = MsgHdr::decode(b)?;
        if hdr.id != VARP_ID {
            return Err(WireError::UnknownMsgId(hdr.id));
        }
        let op = match hdr.opcode {
            VARP_OP_REQUEST => VarpOp::Request,
            VARP_OP_ANNOUNCE => VarpOp::Announce,
            o => return Err(WireError::VarpOpcode(o)),
        };
        let mut vmac = [0u8; 6];
        vmac.copy_from_slice(&b[20..26]);
        if b[26] != AF_INET {
            return Err(WireError::VarpFamily(b[26]));
        }
        Ok(Varp {
            op,
            vnet: vnet_at(b, 4),
            vmac: Mac(vmac),
            addr: Ipv4Addr::new(b[27], b[28], b[29], b[30]),
        })
    }
}

/// The Ethernet addresses of a frame.
pub fn eth_addrs(frame: &[u8]) -> Result<(Mac, Mac), WireError> {
    need("Ethernet frame", frame, ETH_HDR_LEN)?;
    let mut d = [0u8; 6];
    let mut s = [0u8; 6];
    d.copy_from_slice(&frame[0..6]);
    s.copy_from_slice(&frame[6..12]);
    Ok((Mac(d), Mac(s)))
}

/// Appends the payload of a UDP-1798 data datagram: `VnetMsgHdr(2, 0)`,
/// etherip header, frame.
pub fn encode_udp_data(vnet: VnetId, frame: &[u8], out: &mut Vec<u8>) {
    out.reserve(MSG_HDR_LEN + ETHERIP_HDR_LEN + frame.len());
    MsgHdr {
        id: VUDP_ID,
        opcode: 0,
    }
    .encode(out);
    EtheripHdr { vnet }.encode(out);
    out.extend_from_slice(frame);
}

/// A decoded UDP-1798 datagram payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Datagram<'a> {
    /// VARP control.
    Varp(Varp),
    /// An encapsulated frame.
    Data {
        /// The vnet.
        vnet: VnetId,
        /// The inner Ethernet frame (at least 14 bytes).
        frame: &'a [u8],
    },
    /// A packet forwarded by a peer: a whole IPv4 packet.
    Forward {
        /// Hops so far (the header's opcode).
        hops: u16,
        /// The forwarded IPv4 packet.
        packet: &'a [u8],
    },
}

/// Decodes a UDP-1798 datagram payload.
pub fn decode_datagram(b: &[u8]) -> Result<Datagram<'_>, WireError> {
    let hdr = MsgHdr::decode(b)?;
    match hdr.id {
        VARP_ID => Ok(Datagram::Varp(Varp::decode(b)?)),
        VUDP_ID => {
            let rest = &b[MSG_HDR_LEN..];
            let eh = EtheripHdr::decode(rest)?;
            let frame = &rest[ETHERIP_HDR_LEN..];
            eth_addrs(frame)?;
            Ok(Datagram::Data {
                vnet: eh.vnet,
                frame,
            })
        }
        VFWD_ID => Ok(Datagram::Forward {
            hops: hdr.opcode,
            packet: &b[MSG_HDR_LEN..],
        }),
        id => Err(WireError::UnknownMsgId(id)),
    }
}

/// An IPv4 header without options (options are skipped on decode).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Hdr {
    /// Source.
    pub src: Ipv4Addr,
    /// Destination.
    pub dst: Ipv4Addr,
    /// Protocol.
    pub proto: u8,
    /// Time to live.
    pub ttl: u8,
    /// Identification.
    pub ident: u16,
    /// Don't-fragment flag.
    pub df: bool,
}

/// The Internet checksum of `b`.
pub fn inet_checksum(b: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    let mut chunks = b.chunks_exact(2);
    for c in &mut chunks {
        sum += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [last] = chunks.remainder() {
        sum += u32::from(*last) << 8;
    }
    while sum >> 16 != 0 {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

impl Ipv4Hdr {
    /// Appends a 20-byte header for a payload of `payload_len` bytes.
    pub fn encode(&self, payload_len: usize, out: &mut Vec<u8>) {
        let start = out.len();
        let total = (IPV4_HDR_LEN + payload_len).min(usize::from(u16::MAX)) as u16;
        out.extend_from_slice(&[0x45, 0]);
        out.extend_from_slice(&total.to_be_bytes());
        out.extend_from_slice(&self.ident.to_be_bytes());
        out.extend_from_slice(&(if self.df { 0x4000u16 } else { 0 }).to_be_bytes());
        out.extend_from_slice(&[self.ttl, self.proto, 0, 0]);
        out.extend_from_slice(&self.src.octets());
        out.extend_from_slice(&self.dst.octets());
        let c = inet_checksum(&out[start..start + IPV4_HDR_LEN]);
        out[start + 10..start + 12].copy_from_slice(&c.to_be_bytes());
    }

    /// Reads an IPv4 header: returns it and the payload (cut to the total
    /// length). Refuses fragments and bad checksums.
    pub fn decode(b: &[u8]) -> Result<(Self, &[u8]), WireError> {
        need("IPv4 header", b, IPV4_HDR_LEN)?;
        if b[0] >> 4 != 4 {
            return Err(WireError::BadIpv4);
        }
        let ihl = usize::from(b[0] & 0xf) * 4;
        let total = usize::from(be16(b, 2));
        if ihl < IPV4_HDR_LEN || total < ihl {
            return Err(WireError::BadIpv4);
        }
        need("IPv4 packet", b, total)?;
        if inet_checksum(&b[..ihl]) != 0 {
            return Err(WireError::Ipv4Checksum);
        }
        let frag = be16(b, 6);
        if frag & 0x3fff != 0 {
            return Err(WireError::Fragment);
        }
        Ok((
            Ipv4Hdr {
                src: Ipv4Addr::new(b[12], b[13], b[14], b[15]),
                dst: Ipv4Addr::new(b[16], b[17], b[18], b[19]),
                proto: b[9],
                ttl: b[8],
                ident: be16(b, 4),
                df: frag & 0x4000 != 0,
            },
            &b[ihl..total],
        ))
    }
}

/// A UDP header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdpHdr {
    /// Source port.
    pub sport: u16,
    /// Destination port.
    pub dport: u16,
}

impl UdpHdr {
    /// Appends the 8 bytes (checksum 0, as the original sent).
    pub fn encode(self, payload_len: usize, out: &mut Vec<u8>) {
        let len = (UDP_HDR_LEN + payload_len).min(usize::from(u16::MAX)) as u16;
        out.extend_from_slice(&self.sport.to_be_bytes());
        out.extend_from_slice(&self.dport.to_be_bytes());
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&[0, 0]);
    }

    /// Reads a UDP header; returns it and the payload (cut to its length).
    /// The checksum is not verified.
    pub fn decode(b: &[u8]) -> Result<(Self, &[u8]), WireError> {
        need("UDP header", b, UDP_HDR_LEN)?;
        let len = usize::from(be16(b, 4));
        if len < UDP_HDR_LEN || len > b.len() {
            return Err(WireError::UdpLength);
        }
        Ok((
            UdpHdr {
                sport: be16(b, 0),
                dport: be16(b, 2),
            },
            &b[UDP_HDR_LEN..len],
        ))
    }
}

/// Appends UDP header + vnet data payload (the plaintext of transport-mode
/// ESP in UDP mode, next header 17).
pub fn encode_udp_segment(vnet: VnetId, frame: &[u8], out: &mut Vec<u8>) {
    UdpHdr {
        sport: VNET_PORT,
        dport: VNET_PORT,
    }
    .encode(MSG_HDR_LEN + ETHERIP_HDR_LEN + frame.len(), out);
    encode_udp_data(vnet, frame, out);
}

/// Appends a whole raw-mode packet: IPv4 (protocol 97, DF) | etherip | frame.
pub fn encode_raw_etherip(
    src: Ipv4Addr,
    dst: Ipv4Addr,
    ident: u16,
    vnet: VnetId,
    frame: &[u8],
    out: &mut Vec<u8>,
) {
    Ipv4Hdr {
        src,
        dst,
        proto: IPPROTO_ETHERIP,
        ttl: 64,
        ident,
        df: true,
    }
    .encode(ETHERIP_HDR_LEN + frame.len(), out);
    EtheripHdr { vnet }.encode(out);
    out.extend_from_slice(frame);
}

/// Decodes an etherip payload (raw mode, after the IP header): vnet and frame.
pub fn decode_etherip(b: &[u8]) -> Result<(VnetId, &[u8]), WireError> {
    let eh = EtheripHdr::decode(b)?;
    let frame = &b[ETHERIP_HDR_LEN..];
    eth_addrs(frame)?;
    Ok((eh.vnet, frame))
}

/// Decodes a whole raw-mode packet (IPv4 protocol 97).
pub fn decode_raw_etherip(b: &[u8]) -> Result<(Ipv4Hdr, VnetId, &[u8]), WireError> {
    let (ip, payload) = Ipv4Hdr::decode(b)?;
    if ip.proto != IPPROTO_ETHERIP {
        return Err(WireError::Protocol(ip.proto));
    }
    let (vnet, frame) = decode_etherip(payload)?;
    Ok((ip, vnet, frame))
}

/// Wraps a whole IPv4 packet for a peer: `VnetMsgHdr(3, hops)` | packet
/// (the UDP-1798 payload of a forwarded packet).
pub fn encode_forward(hops: u16, packet: &[u8], out: &mut Vec<u8>) {
    MsgHdr {
        id: VFWD_ID,
        opcode: hops,
    }
    .encode(out);
    out.extend_from_slice(packet);
}

/// Builds the IPv4/UDP packet of a UDP-1798 datagram from `src` to `dst`
/// (what a forwarding peer wraps).
pub fn encode_udp_packet(src: Ipv4Addr, dst: Ipv4Addr, payload: &[u8], out: &mut Vec<u8>) {
    Ipv4Hdr {
        src,
        dst,
        proto: IPPROTO_UDP,
        ttl: 64,
        ident: 0,
        df: false,
    }
    .encode(UDP_HDR_LEN + payload.len(), out);
    UdpHdr {
        sport: VNET_PORT,
        dport: VNET_PORT,
    }
    .encode(payload.len(), out);
    out.extend_from_slice(payload);
}

/// Decodes a forwarded packet's IPv4/UDP-1798 envelope: original source,
/// original destination and the UDP payload.
pub fn decode_udp_packet(b: &[u8]) -> Result<(Ipv4Hdr, &[u8]), WireError> {
    let (ip, payload) = Ipv4Hdr::decode(b)?;
    if ip.proto != IPPROTO_UDP {
        return Err(WireError::Protocol(ip.proto));
    }
    let (_udp, data) = UdpHdr::decode(payload)?;
    Ok((ip, data))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn frame() -> Vec<u8> {
        let mut f = vec![0xaa, 0, 0, 0, 0, 2, 0xaa, 0, 0, 0, 0, 1, 0x08, 0x00];
        f.extend_from_slice(b"payload");
        f
    }

    #[test]
    fn etherip_header_bytes_match_x86_xen() {
        let mut out = Vec::new();
        let vnet = VnetId::parse("97").unwrap();
        encode_udp_data(vnet, &frame(), &mut out);
        // VnetMsgHdr: id 2, opcode 0.
        assert_eq!(&out[0..4], &[0, 2, 0, 0]);
        // etherip: 00 40, then the id in network order.
        assert_eq!(&out[4..6], &[0x00, 0x40]);
        assert_eq!(
            &out[6..22],
            &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x97]
        );
        assert_eq!(&out[22..], &frame()[..]);
        assert_eq!(UDP_MODE_OVERHEAD, 50);
        assert_eq!(RAW_MODE_OVERHEAD, 38);
        assert_eq!(
            decode_datagram(&out).unwrap(),
            Datagram::Data {
                vnet,
                frame: &frame()
            }
        );
        // RFC 3378's 30 00 and a big-endian host's 40 00 are refused.
        let mut bad = out.clone();
        bad[4..6].copy_from_slice(&[0x30, 0x00]);
        assert_eq!(decode_datagram(&bad), Err(WireError::EtheripVersion(0)));
        bad[4..6].copy_from_slice(&[0x00, 0x30]);
        assert_eq!(decode_datagram(&bad), Err(WireError::EtheripVersion(3)));
        // Reserved bits are ignored.
        bad[4..6].copy_from_slice(&[0xff, 0x4f]);
        assert!(decode_datagram(&bad).is_ok());
    }

    #[test]
    fn varp_is_43_bytes_exactly_laid_out() {
        let v = Varp {
            op: VarpOp::Announce,
            vnet: VnetId::parse("1:2:3:4:5:6:7:8").unwrap(),
            vmac: "aa:00:00:01:02:03".parse().unwrap(),
            addr: Ipv4Addr::new(192, 0, 2, 200),
        };
        let b = v.to_bytes();
        assert_eq!(b.len(), VARP_LEN);
        let mut want = vec![0, 1, 0, 2, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8];
        want.extend_from_slice(&[0xaa, 0, 0, 1, 2, 3, 2, 192, 0, 2, 200]);
        want.extend_from_slice(&[0; 12]);
        assert_eq!(b, want);
        assert_eq!(Varp::decode(&b), Ok(v));
        assert_eq!(decode_datagram(&b), Ok(Datagram::Varp(v)));
        let mut r = b.clone();
        r[3] = 9;
        assert_eq!(Varp::decode(&r), Err(WireError::VarpOpcode(9)));
        r[3] = 1;
        r[26] = 10;
        assert_eq!(Varp::decode(&r), Err(WireError::VarpFamily(10)));
        assert!(matches!(
            Varp::decode(&b[..42]),
            Err(WireError::Truncated {
                need: 43,
                have: 42,
                ..
            })
        ));
    }

    #[test]
    fn raw_mode_and_forward_roundtrip() {
        let (s, d) = (Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 0, 2));
        let vnet = VnetId::parse("2").unwrap();
        let mut pkt = Vec::new();
        encode_raw_etherip(s, d, 7, vnet, &frame(), &mut pkt);
        assert_eq!(pkt.len(), RAW_MODE_OVERHEAD + frame().len());
        assert_eq!(pkt[9], 97);
        assert_eq!(pkt[6], 0x40, "DF set");
        let (ip, v, f) = decode_raw_etherip(&pkt).unwrap();
        assert_eq!((ip.src, ip.dst, v, f), (s, d, vnet, &frame()[..]));
        let mut bad = pkt.clone();
        bad[12] ^= 1;
        assert_eq!(decode_raw_etherip(&bad), Err(WireError::Ipv4Checksum));

        let mut inner = Vec::new();
        encode_udp_data(vnet, &frame(), &mut inner);
        let mut ippkt = Vec::new();
        encode_udp_packet(s, VARP_MCAST, &inner, &mut ippkt);
        let mut fwd = Vec::new();
        encode_forward(1, &ippkt, &mut fwd);
        let Ok(Datagram::Forward { hops: 1, packet }) = decode_datagram(&fwd) else {
            panic!("not a forward")
        };
        let (ip, data) = decode_udp_packet(packet).unwrap();
        assert_eq!((ip.src, ip.dst, data), (s, VARP_MCAST, &inner[..]));
    }

    #[test]
    fn checksum_known_value() {
        // RFC 1071 style example header (from a captured packet).
        let h = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8,
            0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
        ];
        assert_eq!(inet_checksum(&h), 0xb861);
    }

    proptest! {
        #[test]
        fn decoders_are_total(b in prop::collection::vec(any::<u8>(), 0..200)) {
            crate::fuzz_all_decoders(&b);
        }

        #[test]
        fn data_roundtrip(id in any::<u128>(), f in prop::collection::vec(any::<u8>(), 14..300)) {
            let mut out = Vec::new();
            encode_udp_data(VnetId::from_u128(id), &f, &mut out);
            prop_assert_eq!(decode_datagram(&out).unwrap(), Datagram::Data { vnet: VnetId::from_u128(id), frame: &f });
        }
    }
}
