//! The data plane of one host, as pure decisions: bytes and a virtual clock
//! in, [`Action`]s out. The daemon only moves bytes between sockets, TAP
//! devices and this type.
//!
//! * From a local bridge ([`Node::from_tap`]): learn the source MAC as a
//!   local vif (announcing it once, gratuitously, as the original did); a
//!   unicast destination found in the VARP cache is tunnelled to its host,
//!   anything else is flooded to the VARP group 224.10.0.1 (the original's
//!   actual behaviour) together with a rate-limited VARP request.
//! * From the network ([`Node::from_udp`] for UDP 1798, [`Node::from_ip`]
//!   for raw protocol 97 and ESP): learn (vnet, source MAC) → outer source
//!   address (so a migrated MAC is re-learned by its next frame), answer
//!   VARP requests for local vifs, take announces, deliver frames to the
//!   vnet's TAP.
//! * Security: a secure vnet only accepts ESP with its SPI; clear frames
//!   for it are dropped and counted, as are ESP packets that are tampered,
//!   truncated, replayed, carry an unknown SPI, or whose decrypted vnet id is
//!   not the SA's vnet.
//! * Peer forwarding (for networks without multicast): every packet sent
//!   to, or received on, the group is also wrapped (`VnetMsgHdr` id 3, then
//!   the whole IPv4 packet) and sent to each peer except the one it came
//!   from. A receiving peer processes the inner packet and re-injects it
//!   into its own group with the original source. Loops are prevented by a
//!   hop limit carried in the header's opcode ([`MAX_HOPS`]) and a 2-second
//!   cache of packets already seen ([`DEDUP_WINDOW`]).
#![forbid(unsafe_code)]

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::net::{Ipv4Addr, SocketAddrV4};

use crate::config::{Security, VnetConfig};
use crate::esp::{EspError, EspStats, Inbound, Outbound, Sa};
use crate::id::{Mac, VnetId};
use crate::varp::{CacheEntry, Learned, Millis, VarpCache, VifTable};
use crate::wire::{
    self, Datagram, Ipv4Hdr, Varp, VarpOp, IPPROTO_ESP, IPPROTO_ETHERIP, IPPROTO_UDP, VARP_MCAST,
    VNET_PORT,
};

/// Hops a forwarded packet may take.
pub const MAX_HOPS: u16 = 8;
/// How long a forwarded packet is remembered for duplicate suppression.
pub const DEDUP_WINDOW: Millis = 2_000;

/// How frames travel between hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encaps {
    /// etherip in UDP 1798 (the original's default).
    Udp,
    /// Raw IP protocol 97.
    Raw,
}

/// Host-wide settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeConfig {
    /// This host's address on the physical network (the care-of address).
    pub local: Ipv4Addr,
    /// Encapsulation.
    pub encaps: Encaps,
    /// Whether the physical network carries multicast (else: peers only).
    pub multicast: bool,
}

/// Something the daemon must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// A UDP datagram from port 1798 to `dst` (maybe the group).
    Udp {
        /// Destination.
        dst: SocketAddrV4,
        /// The UDP payload.
        payload: Vec<u8>,
    },
    /// An IP packet of protocol `proto` (97 or 50) to `dst`; the kernel adds
    /// the IPv4 header.
    Ip {
        /// Destination.
        dst: Ipv4Addr,
        /// Protocol.
        proto: u8,
        /// The IP payload.
        payload: Vec<u8>,
    },
    /// A complete IPv4 packet to send unchanged (re-injection into the
    /// local group keeping the original source).
    RawIp {
        /// The packet.
        packet: Vec<u8>,
    },
    /// A frame for the vnet's TAP device.
    Deliver {
        /// The vnet.
        vnet: VnetId,
        /// The frame.
        frame: Vec<u8>,
    },
}

/// Counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NodeStats {
    /// Frames taken from local bridges.
    pub tx_frames: u64,
    /// Frames delivered to local bridges.
    pub rx_frames: u64,
    /// Frames flooded to the group (destination unknown or multicast).
    pub flooded: u64,
    /// VARP requests sent.
    pub varp_requests: u64,
    /// VARP announces sent (replies and gratuitous).
    pub varp_announces: u64,
    /// Entries learned or moved.
    pub learned: u64,
    /// MACs seen moving to another host.
    pub moved: u64,
    /// Packets forwarded to peers (per peer).
    pub forwarded: u64,
    /// Dropped: unknown vnet.
    pub drop_unknown_vnet: u64,
    /// Dropped: clear traffic for a secure vnet.
    pub drop_clear_on_secure: u64,
    /// Dropped: malformed.
    pub drop_malformed: u64,
    /// Dropped: duplicate or over the hop limit (loop prevention).
    pub drop_loop: u64,
    /// Dropped: forwarded packet from a host that is not a peer.
    pub drop_not_peer: u64,
    /// Dropped: ESP whose inner vnet id is not its SA's vnet.
    pub drop_wrong_vnet: u64,
    /// ESP results.
    pub esp: EspStats,
}

/// A forwarding peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peer {
    /// Address and port.
    pub addr: SocketAddrV4,
    /// Packets sent to it.
    pub tx_packets: u64,
    /// Packets received from it.
    pub rx_packets: u64,
}

/// Why a vnet could not be added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NodeError {
    /// The id is taken.
    #[error("vnet {0} already exists")]
    Exists(VnetId),
    /// Another vnet uses the SPI.
    #[error("SPI {0:#x} is already used by another vnet")]
    SpiInUse(u32),
    /// Keys the ESP code refuses.
    #[error("invalid ESP keys or SPI")]
    BadSa,
}

struct VnetState {
    cfg: VnetConfig,
    sa: Option<(Sa, Outbound)>,
    inbound: HashMap<Ipv4Addr, Inbound>,
}

/// One host's vnet data plane.
pub struct Node {
    cfg: NodeConfig,
    vnets: BTreeMap<VnetId, VnetState>,
    spis: HashMap<u32, VnetId>,
    varp: VarpCache,
    vifs: VifTable,
    peers: BTreeMap<Ipv4Addr, Peer>,
    seen: HashMap<u64, Millis>,
    stats: NodeStats,
    scratch: Vec<u8>,
}

fn digest(src: Ipv4Addr, dst: Ipv4Addr, proto: u8, payload: &[u8]) -> u64 {
    let mut h = DefaultHasher::new();
    (src, dst, proto, payload).hash(&mut h);
    h.finish()
}

impl Node {
    /// A node with no vnets and no peers.
    pub fn new(cfg: NodeConfig) -> Self {
        Node {
            cfg,
            vnets: BTreeMap::new(),
            spis: HashMap::new(),
            varp: VarpCache::new(),
            vifs: VifTable::default(),
            peers: BTreeMap::new(),
            seen: HashMap::new(),
            stats: NodeStats::default(),
            scratch: Vec::new(),
        }
    }

    /// Host settings.
    pub fn config(&self) -> &NodeConfig {
        &self.cfg
    }

    /// Counters.
    pub fn stats(&self) -> &NodeStats {
        &self.stats
    }

    /// Adds a vnet.
    pub fn add_vnet(&mut self, cfg: VnetConfig) -> Result<(), NodeError> {
        if self.vnets.contains_key(&cfg.id) {
            return Err(NodeError::Exists(cfg.id));
        }
        let sa = match &cfg.security {
            Security::None => None,
            Security::Esp { spi, keys } => {
                if self.spis.contains_key(spi) {
                    return Err(NodeError::SpiInUse(*spi));
                }
                let sa = Sa::new(*spi, keys.clone()).ok_or(NodeError::BadSa)?;
                self.spis.insert(*spi, cfg.id);
                Some((sa, Outbound::new_random()))
            }
        };
        self.vnets.insert(
            cfg.id,
            VnetState {
                cfg,
                sa,
                inbound: HashMap::new(),
            },
        );
        Ok(())
    }

    /// Removes a vnet; returns its configuration.
    pub fn del_vnet(&mut self, id: VnetId) -> Option<VnetConfig> {
        let st = self.vnets.remove(&id)?;
        if let Some((sa, _)) = &st.sa {
            self.spis.remove(&sa.spi());
        }
        self.varp.flush_vnet(id);
        Some(st.cfg)
    }

    /// The vnets' configurations.
    pub fn vnets(&self) -> impl Iterator<Item = &VnetConfig> {
        self.vnets.values().map(|s| &s.cfg)
    }

    /// Adds (or replaces) a peer.
    pub fn add_peer(&mut self, addr: SocketAddrV4) {
        self.peers.insert(
            *addr.ip(),
            Peer {
                addr,
                tx_packets: 0,
                rx_packets: 0,
            },
        );
    }

    /// Removes a peer.
    pub fn del_peer(&mut self, addr: Ipv4Addr) -> bool {
        self.peers.remove(&addr).is_some()
    }

    /// The peers.
    pub fn peers(&self) -> impl Iterator<Item = &Peer> {
        self.peers.values()
    }

    /// Live VARP cache entries.
    pub fn varp_list(&self, now: Millis) -> Vec<CacheEntry> {
        self.varp.list(now)
    }

    /// Where (vnet, mac) is believed to be.
    pub fn lookup(&self, vnet: VnetId, mac: Mac, now: Millis) -> Option<Ipv4Addr> {
        self.varp.lookup(vnet, mac, now)
    }

    /// The last ESP sequence number sent on a secure vnet.
    pub fn tx_seq(&self, id: VnetId) -> Option<u32> {
        self.vnets.get(&id)?.sa.as_ref().map(|(_, o)| o.seq())
    }

    /// Continues a secure vnet's ESP sequence after `last` (see
    /// [`Outbound::set_seq`]); false if the vnet is not secure.
    pub fn set_tx_seq(&mut self, id: VnetId, last: u32) -> bool {
        match self.vnets.get_mut(&id).and_then(|v| v.sa.as_mut()) {
            Some((_, o)) => {
                o.set_seq(last);
                true
            }
            None => false,
        }
    }

    /// Periodic housekeeping.
    pub fn tick(&mut self, now: Millis) {
        self.varp.sweep(now);
        self.vifs.sweep(now);
        self.seen.retain(|_, &mut t| now < t + DEDUP_WINDOW);
    }

    /// Encapsulates a frame for `dst` (a host or the group).
    fn encap(&mut self, vnet: VnetId, dst: Ipv4Addr, frame: &[u8]) -> Option<Action> {
        let encaps = self.cfg.encaps;
        let st = self.vnets.get_mut(&vnet)?;
        match &mut st.sa {
            None => Some(match encaps {
                Encaps::Udp => {
                    let mut p =
                        Vec::with_capacity(wire::MSG_HDR_LEN + wire::ETHERIP_HDR_LEN + frame.len());
                    wire::encode_udp_data(vnet, frame, &mut p);
                    Action::Udp {
                        dst: SocketAddrV4::new(dst, VNET_PORT),
                        payload: p,
                    }
                }
                Encaps::Raw => {
                    let mut p = Vec::with_capacity(wire::ETHERIP_HDR_LEN + frame.len());
                    wire::EtheripHdr { vnet }.encode(&mut p);
                    p.extend_from_slice(frame);
                    Action::Ip {
                        dst,
                        proto: IPPROTO_ETHERIP,
                        payload: p,
                    }
                }
            }),
            Some((sa, out)) => {
                let plain = &mut self.scratch;
                plain.clear();
                let nh = match encaps {
                    Encaps::Udp => {
                        wire::encode_udp_segment(vnet, frame, plain);
                        IPPROTO_UDP
                    }
                    Encaps::Raw => {
                        wire::EtheripHdr { vnet }.encode(plain);
                        plain.extend_from_slice(frame);
                        IPPROTO_ETHERIP
                    }
                };
                let mut p = Vec::with_capacity(plain.len() + sa.overhead(plain.len()));
                out.seal(sa, nh, plain, &mut p).ok()?;
                Some(Action::Ip {
                    dst,
                    proto: IPPROTO_ESP,
                    payload: p,
                })
            }
        }
    }

    /// Sends a group-addressed action: to the group (if multicast is on) and,
    /// wrapped, to every peer except `except`.
    fn send_group(
        &mut self,
        a: Action,
        hops: u16,
        except: Option<Ipv4Addr>,
        now: Millis,
        out: &mut Vec<Action>,
    ) {
        if !self.peers.is_empty() {
            let mut pkt = Vec::new();
            match &a {
                Action::Udp { payload, .. } => {
                    wire::encode_udp_packet(self.cfg.local, VARP_MCAST, payload, &mut pkt)
                }
                Action::Ip { proto, payload, .. } => {
                    Ipv4Hdr {
                        src: self.cfg.local,
                        dst: VARP_MCAST,
                        proto: *proto,
                        ttl: 64,
                        ident: 0,
                        df: false,
                    }
                    .encode(payload.len(), &mut pkt);
                    pkt.extend_from_slice(payload);
                }
                Action::RawIp { packet } => pkt.extend_from_slice(packet),
                Action::Deliver { .. } => {}
            }
            self.forward_to_peers(&pkt, hops, except, now, out);
        }
        if self.cfg.multicast {
            out.push(a);
        }
    }

    fn forward_to_peers(
        &mut self,
        pkt: &[u8],
        hops: u16,
        except: Option<Ipv4Addr>,
        now: Millis,
        out: &mut Vec<Action>,
    ) {
        if pkt.len() >= wire::IPV4_HDR_LEN {
            let key = digest(
                Ipv4Addr::new(pkt[12], pkt[13], pkt[14], pkt[15]),
                VARP_MCAST,
                pkt[9],
                &pkt[wire::IPV4_HDR_LEN..],
            );
            self.seen.insert(key, now);
        }
        for p in self.peers.values_mut() {
            if Some(*p.addr.ip()) == except {
                continue;
            }
            let mut payload = Vec::with_capacity(wire::MSG_HDR_LEN + pkt.len());
            wire::encode_forward(hops, pkt, &mut payload);
            p.tx_packets += 1;
            self.stats.forwarded += 1;
            out.push(Action::Udp {
                dst: p.addr,
                payload,
            });
        }
    }

    fn varp_action(&self, op: VarpOp, vnet: VnetId, vmac: Mac, dst: Ipv4Addr) -> Action {
        Action::Udp {
            dst: SocketAddrV4::new(dst, VNET_PORT),
            payload: Varp {
                op,
                vnet,
                vmac,
                addr: self.cfg.local,
            }
            .to_bytes(),
        }
    }

    /// A frame read from the TAP device of `vnet`.
    pub fn from_tap(&mut self, vnet: VnetId, frame: &[u8], now: Millis) -> Vec<Action> {
        let mut out = Vec::new();
        let Ok((dst, src)) = wire::eth_addrs(frame) else {
            self.stats.drop_malformed += 1;
            return out;
        };
        if !self.vnets.contains_key(&vnet) {
            self.stats.drop_unknown_vnet += 1;
            return out;
        }
        self.stats.tx_frames += 1;
        if !src.is_multicast() && self.vifs.update(vnet, src, now) {
            let a = self.varp_action(VarpOp::Announce, vnet, src, VARP_MCAST);
            self.stats.varp_announces += 1;
            self.send_group(a, 1, None, now, &mut out);
        }
        let host = if dst.is_multicast() {
            None
        } else {
            self.varp.lookup(vnet, dst, now)
        };
        match host {
            Some(h) => out.extend(self.encap(vnet, h, frame)),
            None => {
                if !dst.is_multicast() && self.varp.should_probe(vnet, dst, now) {
                    let a = self.varp_action(VarpOp::Request, vnet, dst, VARP_MCAST);
                    self.stats.varp_requests += 1;
                    self.send_group(a, 1, None, now, &mut out);
                }
                if let Some(a) = self.encap(vnet, VARP_MCAST, frame) {
                    self.stats.flooded += 1;
                    self.send_group(a, 1, None, now, &mut out);
                }
            }
        }
        out
    }

    /// A UDP-1798 datagram from `src`; `to_group` if it was addressed to the
    /// VARP group.
    pub fn from_udp(
        &mut self,
        src: SocketAddrV4,
        to_group: bool,
        payload: &[u8],
        now: Millis,
    ) -> Vec<Action> {
        let mut out = Vec::new();
        let dst = if to_group { VARP_MCAST } else { self.cfg.local };
        self.receive(*src.ip(), dst, IPPROTO_UDP, payload, None, now, &mut out);
        out
    }

    /// A whole IPv4 packet from a raw socket (protocol 97 or 50).
    pub fn from_ip(&mut self, packet: &[u8], now: Millis) -> Vec<Action> {
        let mut out = Vec::new();
        match Ipv4Hdr::decode(packet) {
            Ok((ip, payload)) => {
                self.receive(ip.src, ip.dst, ip.proto, payload, None, now, &mut out)
            }
            Err(_) => self.stats.drop_malformed += 1,
        }
        out
    }

    /// Common receive path. `via` is the peer a forwarded packet came from
    /// and how many hops it took.
    #[allow(clippy::too_many_arguments)]
    fn receive(
        &mut self,
        src: Ipv4Addr,
        dst: Ipv4Addr,
        proto: u8,
        payload: &[u8],
        via: Option<(Ipv4Addr, u16)>,
        now: Millis,
        out: &mut Vec<Action>,
    ) {
        if src == self.cfg.local {
            return;
        }
        // Forwarded packets: unwrap and recurse once.
        if proto == IPPROTO_UDP && via.is_none() {
            if let Ok(Datagram::Forward { hops, packet }) = wire::decode_datagram(payload) {
                let Some(peer) = self.peers.get_mut(&src) else {
                    self.stats.drop_not_peer += 1;
                    return;
                };
                peer.rx_packets += 1;
                let Ok((ip, inner)) = Ipv4Hdr::decode(packet) else {
                    self.stats.drop_malformed += 1;
                    return;
                };
                let inner = if ip.proto == IPPROTO_UDP {
                    match wire::UdpHdr::decode(inner) {
                        Ok((_, d)) => d,
                        Err(_) => {
                            self.stats.drop_malformed += 1;
                            return;
                        }
                    }
                } else {
                    inner
                };
                return self.receive(ip.src, ip.dst, ip.proto, inner, Some((src, hops)), now, out);
            }
        }
        if dst.is_multicast() {
            let key = digest(src, VARP_MCAST, proto, payload);
            if via.is_some() && self.seen.get(&key).is_some_and(|&t| now < t + DEDUP_WINDOW) {
                self.stats.drop_loop += 1;
                return;
            }
            // Pass group traffic on to the peers (and, for forwarded packets,
            // into our own group keeping the original source).
            let hops = via.map_or(0, |(_, h)| h);
            if hops < MAX_HOPS && (!self.peers.is_empty() || via.is_some()) {
                let mut pkt = Vec::new();
                if proto == IPPROTO_UDP {
                    wire::encode_udp_packet(src, VARP_MCAST, payload, &mut pkt);
                } else {
                    Ipv4Hdr {
                        src,
                        dst: VARP_MCAST,
                        proto,
                        ttl: 64,
                        ident: 0,
                        df: false,
                    }
                    .encode(payload.len(), &mut pkt);
                    pkt.extend_from_slice(payload);
                }
                self.forward_to_peers(&pkt, hops + 1, via.map(|v| v.0), now, out);
                if via.is_some() && self.cfg.multicast {
                    out.push(Action::RawIp { packet: pkt });
                }
            } else if hops >= MAX_HOPS {
                self.stats.drop_loop += 1;
            }
            self.seen.insert(key, now);
        }
        match proto {
            IPPROTO_UDP => match wire::decode_datagram(payload) {
                Ok(Datagram::Varp(v)) => self.on_varp(src, v, now, out),
                Ok(Datagram::Data { vnet, frame }) => {
                    self.on_frame(src, vnet, frame, false, now, out)
                }
                Ok(Datagram::Forward { .. }) => self.stats.drop_loop += 1,
                Err(_) => self.stats.drop_malformed += 1,
            },
            IPPROTO_ETHERIP => match wire::decode_etherip(payload) {
                Ok((vnet, frame)) => self.on_frame(src, vnet, frame, false, now, out),
                Err(_) => self.stats.drop_malformed += 1,
            },
            IPPROTO_ESP => self.on_esp(src, payload, now, out),
            _ => self.stats.drop_malformed += 1,
        }
    }

    fn on_varp(&mut self, src: Ipv4Addr, v: Varp, now: Millis, out: &mut Vec<Action>) {
        if !self.vnets.contains_key(&v.vnet) {
            self.stats.drop_unknown_vnet += 1;
            return;
        }
        match v.op {
            VarpOp::Request => {
                if self.vifs.contains(v.vnet, v.vmac, now) {
                    let to = if v.addr.is_unspecified() { src } else { v.addr };
                    self.stats.varp_announces += 1;
                    out.push(self.varp_action(VarpOp::Announce, v.vnet, v.vmac, to));
                }
            }
            VarpOp::Announce => {
                if v.addr != self.cfg.local && !v.addr.is_unspecified() {
                    self.learn(v.vnet, v.vmac, v.addr, now);
                }
            }
        }
    }

    fn learn(&mut self, vnet: VnetId, mac: Mac, host: Ipv4Addr, now: Millis) {
        if mac.is_multicast() {
            return;
        }
        match self.varp.learn(vnet, mac, host, now) {
            Learned::New => self.stats.learned += 1,
            Learned::Moved { .. } => {
                self.stats.learned += 1;
                self.stats.moved += 1;
            }
            Learned::Refreshed => {}
        }
        // It is remote now, whatever it was before.
        self.vifs.remove(vnet, mac);
    }

    fn on_frame(
        &mut self,
        src: Ipv4Addr,
        vnet: VnetId,
        frame: &[u8],
        secured: bool,
        now: Millis,
        out: &mut Vec<Action>,
    ) {
        let Some(st) = self.vnets.get(&vnet) else {
            self.stats.drop_unknown_vnet += 1;
            return;
        };
        if st.sa.is_some() && !secured {
            self.stats.drop_clear_on_secure += 1;
            return;
        }
        let Ok((_, smac)) = wire::eth_addrs(frame) else {
            self.stats.drop_malformed += 1;
            return;
        };
        self.learn(vnet, smac, src, now);
        self.stats.rx_frames += 1;
        out.push(Action::Deliver {
            vnet,
            frame: frame.to_vec(),
        });
    }

    fn on_esp(&mut self, src: Ipv4Addr, packet: &[u8], now: Millis, out: &mut Vec<Action>) {
        let Some(spi) = Sa::peek_spi(packet) else {
            self.stats.esp.record::<()>(&Err(EspError::Truncated));
            return;
        };
        let Some(&vnet) = self.spis.get(&spi) else {
            self.stats.esp.record::<()>(&Err(EspError::UnknownSpi(spi)));
            return;
        };
        let Some(st) = self.vnets.get_mut(&vnet) else {
            return;
        };
        let Some((sa, _)) = &st.sa else {
            return;
        };
        let mut plain = std::mem::take(&mut self.scratch);
        let r = st
            .inbound
            .entry(src)
            .or_default()
            .open(sa, packet, &mut plain);
        self.stats.esp.record(&r);
        let inner = match r {
            Ok(IPPROTO_UDP) => wire::UdpHdr::decode(&plain).ok().and_then(|(_, d)| {
                match wire::decode_datagram(d) {
                    Ok(Datagram::Data { vnet, frame }) => Some((vnet, frame)),
                    _ => None,
                }
            }),
            Ok(IPPROTO_ETHERIP) => wire::decode_etherip(&plain).ok(),
            _ => None,
        };
        match inner {
            Some((inner_vnet, frame)) if inner_vnet == vnet => {
                let frame = frame.to_vec();
                self.on_frame(src, vnet, &frame, true, now, out);
            }
            Some(_) => self.stats.drop_wrong_vnet += 1,
            None if r.is_ok() => self.stats.drop_malformed += 1,
            None => {}
        }
        self.scratch = plain;
    }
}

#[cfg(test)]
mod tests;
