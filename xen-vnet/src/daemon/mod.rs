//! `vnetd`: the thin tokio shell around [`Node`].
//!
//! * Sockets: UDP `local:1798` (unicast) and `224.10.0.1:1798` (the VARP
//!   group, joined on the local address's interface, loopback off); raw IP
//!   sockets for ESP (50) and etherip (97) — they receive whole IPv4
//!   packets; an `IPPROTO_RAW` socket to re-inject forwarded group packets
//!   with their original source.
//! * Per vnet a TAP device named by `vnetif`, enslaved to the configured
//!   bridge (created if missing); one task reads it.
//! * Configuration: every vnet is stored as `<state>/vnets/<id>.sxp`
//!   (mode 0600: it holds keys), the peers in `<state>/peers.sxp`; both are
//!   reloaded at start.
//! * ESP sequence numbers survive restarts: `<state>/seq/<id>` holds a
//!   number the sender has not reached; at start the sender continues from
//!   it and reserves [`SEQ_RESERVE`] more, and the once-a-second tick
//!   reserves again before half of a reservation is used. Otherwise the
//!   peers' anti-replay windows would drop a restarted sender's packets.
//! * Control: the unix socket takes one SXP command per connection, see
//!   [`crate::control`].
//!
//! All decisions are in [`Node`]; this module only moves bytes.

pub mod tap;

use std::collections::HashMap;
use std::io::{self, Read};
use std::net::{Ipv4Addr, SocketAddrV4};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, SockAddr, Socket, Type};
use tokio::io::unix::AsyncFd;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UdpSocket, UnixListener, UnixStream};
use tokio::task::JoinHandle;

use crate::config::VnetConfig;
use crate::control::{self, Command};
use crate::id::VnetId;
use crate::node::{Action, Encaps, Node, NodeConfig};
use crate::sxp::{self, Sxp};
use crate::varp::Millis;
use crate::wire::{IPPROTO_ESP, IPPROTO_ETHERIP, VARP_MCAST, VNET_PORT};

use tap::Tap;

/// Daemon settings.
#[derive(Debug, Clone)]
pub struct Options {
    /// This host's address on the physical network.
    pub local: Ipv4Addr,
    /// Where vnets and peers are persisted.
    pub state_dir: PathBuf,
    /// The control socket.
    pub control: PathBuf,
    /// Encapsulation.
    pub encaps: Encaps,
    /// Use multicast (else peers only).
    pub multicast: bool,
    /// MTU of the TAP devices.
    pub mtu: u32,
}

struct Io {
    ucast: UdpSocket,
    group: Option<UdpSocket>,
    esp: Option<AsyncFd<Socket>>,
    etherip: Option<AsyncFd<Socket>>,
    hdrincl: Option<Socket>,
}

/// Sequence numbers reserved per write of `<state>/seq/<id>` (2^24: 256
/// restarts before a key must change; 8 s of margin at 1 Mpps).
pub const SEQ_RESERVE: u32 = 1 << 24;

struct VnetIo {
    tap: Arc<Tap>,
    task: JoinHandle<()>,
}

struct Daemon {
    opts: Options,
    node: Mutex<Node>,
    io: Io,
    vnets: Mutex<HashMap<VnetId, VnetIo>>,
    /// Secure vnets: the sequence number reserved up to (persisted).
    seq_reserved: Mutex<HashMap<VnetId, u32>>,
    start: Instant,
}

/// Socket buffers: bursts from a bridge outrun a daemon that shares its
/// CPU; 4 MiB absorbs them (the kernel caps it at `net.core.*mem_max`).
const SOCK_BUF: usize = 4 << 20;

fn raw_socket(proto: i32, local: Ipv4Addr) -> io::Result<Socket> {
    let s = Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::from(proto)))?;
    let _ = s.set_recv_buffer_size(SOCK_BUF);
    let _ = s.set_send_buffer_size(SOCK_BUF);
    s.set_multicast_if_v4(&local)?;
    s.set_multicast_loop_v4(false)?;
    s.set_multicast_ttl_v4(8)?;
    s.set_nonblocking(true)?;
    Ok(s)
}

fn udp_socket(bind: SocketAddrV4, local: Ipv4Addr) -> io::Result<UdpSocket> {
    let s = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP))?;
    let _ = s.set_recv_buffer_size(SOCK_BUF);
    let _ = s.set_send_buffer_size(SOCK_BUF);
    s.set_reuse_address(true)?;
    s.set_multicast_if_v4(&local)?;
    s.set_multicast_loop_v4(false)?;
    s.set_multicast_ttl_v4(8)?;
    s.set_nonblocking(true)?;
    s.bind(&SockAddr::from(bind))?;
    UdpSocket::from_std(s.into())
}

impl Io {
    fn open(o: &Options) -> io::Result<Io> {
        let ucast = udp_socket(SocketAddrV4::new(o.local, VNET_PORT), o.local)?;
        let group = if o.multicast {
            let g = udp_socket(SocketAddrV4::new(VARP_MCAST, VNET_PORT), o.local)?;
            g.join_multicast_v4(VARP_MCAST, o.local)?;
            Some(g)
        } else {
            None
        };
        let raw = |p| match raw_socket(p, o.local).and_then(tap::register) {
            Ok(s) => Some(s),
            Err(e) => {
                eprintln!(
                    "vnetd: no raw socket for IP protocol {p} ({e}); that traffic is disabled"
                );
                None
            }
        };
        Ok(Io {
            ucast,
            group,
            esp: raw(i32::from(IPPROTO_ESP)),
            etherip: if o.encaps == Encaps::Raw {
                raw(i32::from(IPPROTO_ETHERIP))
            } else {
                None
            },
            hdrincl: raw_socket(libc::IPPROTO_RAW, o.local).ok(),
        })
    }
}

impl Daemon {
    fn now(&self) -> Millis {
        self.start.elapsed().as_millis() as Millis
    }

    async fn exec(&self, acts: Vec<Action>) {
        for a in acts {
            match a {
                Action::Udp { dst, payload } => {
                    let _ = self.io.ucast.send_to(&payload, dst).await;
                }
                Action::Ip {
                    dst,
                    proto,
                    payload,
                } => {
                    let s = if proto == IPPROTO_ESP {
                        &self.io.esp
                    } else {
                        &self.io.etherip
                    };
                    if let Some(s) = s {
                        let _ = s
                            .get_ref()
                            .send_to(&payload, &SockAddr::from(SocketAddrV4::new(dst, 0)));
                    }
                }
                Action::RawIp { packet } => {
                    if let (Some(s), true) = (&self.io.hdrincl, packet.len() >= 20) {
                        let dst = Ipv4Addr::new(packet[16], packet[17], packet[18], packet[19]);
                        let _ = s.send_to(&packet, &SockAddr::from(SocketAddrV4::new(dst, 0)));
                    }
                }
                Action::Deliver { vnet, frame } => {
                    let tap = self
                        .vnets
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .get(&vnet)
                        .map(|v| v.tap.clone());
                    if let Some(t) = tap {
                        let _ = t.send(&frame);
                    }
                }
            }
        }
    }

    fn node(&self) -> std::sync::MutexGuard<'_, Node> {
        self.node.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A locally administered MAC that is the same on every start of this
    /// host's daemon for this vnet (`which`: 0 TAP, 1 bridge).
    fn stable_mac(&self, id: VnetId, which: u8) -> crate::id::Mac {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (self.opts.local, id).hash(&mut h);
        let x = h.finish().to_be_bytes();
        crate::id::Mac([0x02, which, x[0], x[1], x[2], x[3]])
    }

    fn seq_path(&self, id: VnetId) -> PathBuf {
        self.opts.state_dir.join("seq").join(id.path_component())
    }

    /// Resumes a secure vnet's ESP sequence from its persisted reservation
    /// and reserves the next block.
    fn resume_seq(&self, id: VnetId) -> io::Result<()> {
        if self.node().tx_seq(id).is_none() {
            return Ok(());
        }
        let start: u32 = match std::fs::read_to_string(self.seq_path(id)) {
            Ok(t) => t
                .trim()
                .parse()
                .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad seq file"))?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => 0,
            Err(e) => return Err(e),
        };
        let reserved = start.saturating_add(SEQ_RESERVE);
        write_private(&self.seq_path(id), &format!("{reserved}\n"))?;
        self.node().set_tx_seq(id, start);
        self.seq_reserved
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, reserved);
        Ok(())
    }

    /// Extends reservations that are half used.
    fn reserve_seqs(&self) {
        let mut res = self.seq_reserved.lock().unwrap_or_else(|e| e.into_inner());
        for (id, reserved) in res.iter_mut() {
            let Some(seq) = self.node().tx_seq(*id) else {
                continue;
            };
            if seq >= reserved.saturating_sub(SEQ_RESERVE / 2) {
                let next = seq.saturating_add(SEQ_RESERVE);
                if write_private(&self.seq_path(*id), &format!("{next}\n")).is_ok() {
                    *reserved = next;
                }
            }
        }
    }

    fn vnet_path(&self, id: VnetId) -> PathBuf {
        self.opts
            .state_dir
            .join("vnets")
            .join(format!("{}.sxp", id.path_component()))
    }

    /// Brings a vnet up: node state, TAP, bridge, reader task; persists it
    /// when `persist`.
    fn add_vnet(self: &Arc<Self>, cfg: VnetConfig, persist: bool) -> io::Result<()> {
        self.node()
            .add_vnet(cfg.clone())
            .map_err(io::Error::other)?;
        let up = (|| {
            let tap = Arc::new(Tap::open(&cfg.vnetif)?);
            let (tm, bm) = (self.stable_mac(cfg.id, 0), self.stable_mac(cfg.id, 1));
            tap::attach(
                &cfg.vnetif,
                &cfg.bridge,
                self.opts.mtu,
                &tm.to_string(),
                &bm.to_string(),
            )?;
            if persist {
                write_private(&self.vnet_path(cfg.id), &format!("{}\n", cfg.to_sxp(true)))?;
            }
            Ok::<_, io::Error>(tap)
        })();
        let tap = match up.and_then(|t| self.resume_seq(cfg.id).map(|()| t)) {
            Ok(t) => t,
            Err(e) => {
                self.node().del_vnet(cfg.id);
                return Err(e);
            }
        };
        let me = self.clone();
        let t = tap.clone();
        let id = cfg.id;
        let task = tokio::spawn(async move {
            let mut buf = vec![0u8; 65_536];
            loop {
                let n = match t.recv(&mut buf).await {
                    Ok(n) => n,
                    Err(e) => {
                        eprintln!("vnetd: {}: {e}", t.name());
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        continue;
                    }
                };
                let now = me.now();
                let acts = me.node().from_tap(id, &buf[..n], now);
                me.exec(acts).await;
            }
        });
        self.vnets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(cfg.id, VnetIo { tap, task });
        Ok(())
    }

    fn del_vnet(&self, id: VnetId) -> io::Result<()> {
        if self.node().del_vnet(id).is_none() {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("no vnet {id}"),
            ));
        }
        if let Some(v) = self
            .vnets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id)
        {
            v.task.abort();
        }
        match std::fs::remove_file(self.vnet_path(id)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    fn save_peers(&self) -> io::Result<()> {
        let peers: Vec<Sxp> = self
            .node()
            .peers()
            .map(|p| {
                Sxp::List(vec![
                    Sxp::atom("peer"),
                    Sxp::pair("addr", p.addr.ip().to_string()),
                    Sxp::pair("port", p.addr.port().to_string()),
                ])
            })
            .collect();
        let mut v = vec![Sxp::atom("peers")];
        v.extend(peers);
        write_private(
            &self.opts.state_dir.join("peers.sxp"),
            &format!("{}\n", Sxp::List(v)),
        )
    }

    fn execute(self: &Arc<Self>, cmd: Command) -> Sxp {
        let now = self.now();
        let done = |r: io::Result<()>| match r {
            Ok(()) => control::ok(vec![]),
            Err(e) => control::err(e.to_string()),
        };
        match cmd {
            Command::VnetAdd(cfg) => done(self.add_vnet(cfg, true)),
            Command::VnetDel(id) => done(self.del_vnet(id)),
            Command::VnetList => {
                control::ok(self.node().vnets().map(|c| c.to_sxp(false)).collect())
            }
            Command::PeerAdd(a) => {
                self.node().add_peer(a);
                done(self.save_peers())
            }
            Command::PeerDel(a) => {
                if !self.node().del_peer(a) {
                    return control::err(format!("no peer {a}"));
                }
                done(self.save_peers())
            }
            Command::PeerList => control::ok(
                self.node()
                    .peers()
                    .map(|p| {
                        Sxp::List(vec![
                            Sxp::atom("vnet_peer"),
                            Sxp::pair("addr", p.addr.ip().to_string()),
                            Sxp::pair("port", p.addr.port().to_string()),
                            Sxp::pair("tx_packets", p.tx_packets.to_string()),
                            Sxp::pair("rx_packets", p.rx_packets.to_string()),
                        ])
                    })
                    .collect(),
            ),
            Command::VarpList => control::ok(
                self.node()
                    .varp_list(now)
                    .into_iter()
                    .map(|e| {
                        Sxp::List(vec![
                            Sxp::atom("varp"),
                            Sxp::pair("vnet", e.vnet.to_string()),
                            Sxp::pair("vmac", e.mac.to_string()),
                            Sxp::pair("addr", e.addr.to_string()),
                            Sxp::pair("ttl", (e.ttl_left / 1000).to_string()),
                        ])
                    })
                    .collect(),
            ),
            Command::Stats => {
                let s = *self.node().stats();
                let pairs = [
                    ("tx_frames", s.tx_frames),
                    ("rx_frames", s.rx_frames),
                    ("flooded", s.flooded),
                    ("varp_requests", s.varp_requests),
                    ("varp_announces", s.varp_announces),
                    ("learned", s.learned),
                    ("moved", s.moved),
                    ("forwarded", s.forwarded),
                    ("drop_unknown_vnet", s.drop_unknown_vnet),
                    ("drop_clear_on_secure", s.drop_clear_on_secure),
                    ("drop_malformed", s.drop_malformed),
                    ("drop_loop", s.drop_loop),
                    ("drop_not_peer", s.drop_not_peer),
                    ("drop_wrong_vnet", s.drop_wrong_vnet),
                    ("esp_ok", s.esp.ok),
                    ("esp_truncated", s.esp.truncated),
                    ("esp_tampered", s.esp.tampered),
                    ("esp_replayed", s.esp.replayed),
                    ("esp_unknown_spi", s.esp.unknown_spi),
                    ("esp_bad_padding", s.esp.bad_padding),
                ];
                control::ok(
                    pairs
                        .iter()
                        .map(|(k, v)| Sxp::pair(k, v.to_string()))
                        .collect(),
                )
            }
        }
    }

    async fn serve_control(self: Arc<Self>, mut conn: UnixStream) {
        let mut buf = Vec::new();
        let reply = match (&mut conn).take(1 << 16).read_to_end(&mut buf).await {
            Err(e) => control::err(format!("read: {e}")),
            Ok(_) => match std::str::from_utf8(&buf) {
                Err(_) => control::err("command is not UTF-8"),
                Ok(text) => match Command::parse(text) {
                    Err(e) => control::err(e.to_string()),
                    Ok(cmd) => self.execute(cmd),
                },
            },
        };
        let _ = conn.write_all(format!("{reply}\n").as_bytes()).await;
        let _ = conn.shutdown().await;
    }
}

fn write_private(path: &Path, text: &str) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("tmp");
    {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

/// Loads the persisted vnets and peers.
pub fn load_state(dir: &Path) -> io::Result<(Vec<VnetConfig>, Vec<SocketAddrV4>)> {
    let mut vnets = Vec::new();
    match std::fs::read_dir(dir.join("vnets")) {
        Ok(rd) => {
            for e in rd {
                let p = e?.path();
                if p.extension().is_some_and(|x| x == "sxp") {
                    let text = std::fs::read_to_string(&p)?;
                    let cfg = VnetConfig::parse(&text).map_err(|e| {
                        io::Error::new(io::ErrorKind::InvalidData, format!("{}: {e}", p.display()))
                    })?;
                    vnets.push(cfg);
                }
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    vnets.sort_by_key(|c| c.id);
    let mut peers = Vec::new();
    match std::fs::read_to_string(dir.join("peers.sxp")) {
        Ok(text) => {
            let v = sxp::parse(&text).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            for p in v.children(Some("peer")) {
                let addr = p
                    .child_value("addr")
                    .and_then(Sxp::as_atom)
                    .and_then(|a| a.parse().ok());
                let port = p
                    .child_value("port")
                    .and_then(Sxp::as_atom)
                    .and_then(|a| a.parse().ok());
                match (addr, port) {
                    (Some(a), Some(pt)) => peers.push(SocketAddrV4::new(a, pt)),
                    _ => {
                        return Err(io::Error::new(
                            io::ErrorKind::InvalidData,
                            format!("bad peer {p}"),
                        ))
                    }
                }
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    Ok((vnets, peers))
}

fn spawn_udp(d: &Arc<Daemon>, group: bool) {
    let d2 = d.clone();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 65_536];
        loop {
            let sock = if group {
                d2.io.group.as_ref()
            } else {
                Some(&d2.io.ucast)
            };
            let Some(sock) = sock else { return };
            let Ok((n, src)) = sock.recv_from(&mut buf).await else {
                continue;
            };
            let std::net::SocketAddr::V4(src) = src else {
                continue;
            };
            let now = d2.now();
            let acts = d2.node().from_udp(src, group, &buf[..n], now);
            d2.exec(acts).await;
        }
    });
}

fn spawn_raw(d: &Arc<Daemon>, esp: bool) {
    let d2 = d.clone();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 65_536];
        loop {
            let sock = if esp {
                d2.io.esp.as_ref()
            } else {
                d2.io.etherip.as_ref()
            };
            let Some(sock) = sock else { return };
            let n = {
                let Ok(mut g) = sock.readable().await else {
                    return;
                };
                match g.try_io(|s| s.get_ref().read(&mut buf)) {
                    Ok(Ok(n)) => n,
                    _ => continue,
                }
            };
            let now = d2.now();
            let acts = d2.node().from_ip(&buf[..n], now);
            d2.exec(acts).await;
        }
    });
}

/// Runs the daemon until SIGINT or SIGTERM.
pub async fn run(opts: Options) -> io::Result<()> {
    let io = Io::open(&opts)?;
    let node = Node::new(NodeConfig {
        local: opts.local,
        encaps: opts.encaps,
        multicast: opts.multicast,
    });
    let (vnets, peers) = load_state(&opts.state_dir)?;
    let d = Arc::new(Daemon {
        opts: opts.clone(),
        node: Mutex::new(node),
        io,
        vnets: Mutex::new(HashMap::new()),
        seq_reserved: Mutex::new(HashMap::new()),
        start: Instant::now(),
    });
    for p in peers {
        d.node().add_peer(p);
    }
    for cfg in vnets {
        let id = cfg.id;
        if let Err(e) = d.add_vnet(cfg, false) {
            eprintln!("vnetd: restoring vnet {id}: {e}");
        }
    }
    spawn_udp(&d, false);
    spawn_udp(&d, true);
    spawn_raw(&d, true);
    spawn_raw(&d, false);
    let d2 = d.clone();
    tokio::spawn(async move {
        let mut iv = tokio::time::interval(Duration::from_secs(1));
        loop {
            iv.tick().await;
            let now = d2.now();
            d2.node().tick(now);
            d2.reserve_seqs();
        }
    });
    let _ = std::fs::remove_file(&opts.control);
    let listener = UnixListener::bind(&opts.control)?;
    std::fs::set_permissions(&opts.control, std::fs::Permissions::from_mode(0o600))?;
    eprintln!(
        "vnetd: {} vnets, control {}, local {}",
        d.node().vnets().count(),
        opts.control.display(),
        opts.local
    );
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    loop {
        tokio::select! {
            c = listener.accept() => {
                if let Ok((conn, _)) = c {
                    tokio::spawn(d.clone().serve_control(conn));
                }
            }
            _ = tokio::signal::ctrl_c() => break,
            _ = term.recv() => break,
        }
    }
    let _ = std::fs::remove_file(&opts.control);
    Ok(())
}

/// Sends one command to a running daemon and returns its reply.
pub async fn request(socket: &Path, cmd: &Command) -> io::Result<Sxp> {
    let mut s = UnixStream::connect(socket).await?;
    s.write_all(cmd.to_sxp().to_string().as_bytes()).await?;
    s.shutdown().await?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).await?;
    sxp::parse(&buf).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}
