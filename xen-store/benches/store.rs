//! XenStore benchmarks, each against a same-run reference:
//! - `read` / `write`: one request and its reply over the Unix socket to
//!   our daemon (started in this process on a tokio runtime configured like
//!   `xenstored`'s), blocking client; reference: a minimal framed echo
//!   server on the same kind of socket and runtime (read a 16-byte header
//!   and its payload, write both back), driven by a client that writes the
//!   same request frame and reads the echo. The ratio is what the store,
//!   its lock and the connection loop cost above the transport.
//! - `read, 1,000 idle clients`: the same `read` against a daemon that also
//!   has 1,000 connected, idle clients; reference: `read` against a second
//!   daemon without them (both daemons run side by side).
//! - `transactions`: 128 client threads each commit 500 read-modify-write
//!   transactions (read a counter, write it +1) over a shared set of 10
//!   nodes with the client's retry helper on EAGAIN; every run checks that
//!   all 64,000 committed and that the counters grew by 64,000. One
//!   iteration is the whole run (throughput in transactions). Reference:
//!   the same 128 threads doing 64,000 plain WRITEs without transactions.
//!   The committed tx/s and the largest number of retries of one
//!   transaction are printed at the end of the group.
//! - `memory`: not a timing. The resident-set growth (from
//!   `/proc/self/statm`) of a database core (`Store`, no daemon) holding
//!   100,000 nodes of 16-byte values, printed next to the raw bytes of their
//!   paths and values.
#![allow(missing_docs)]

use std::hint::black_box;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Barrier;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode, Throughput};
use xen_store::client::blocking::Client;
use xen_store::db::store::Config;
use xen_store::db::{ConnKind, Request, Store};
use xen_store::server::{self, LogLevel, ServerConfig};
use xen_store::wire::{encode_frame, msg, Header, HEADER_LEN};

const VALUE: &[u8; 16] = b"0123456789abcdef";

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn temp_dir(name: &str) -> PathBuf {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("xs-bench-{}-{name}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("bench temp dir");
    dir
}

fn wait_for(p: &Path) {
    let t = Instant::now();
    while !p.exists() {
        assert!(t.elapsed() < Duration::from_secs(10), "no {}", p.display());
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The runtime `xenstored` builds (multi-threaded, one worker per core).
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Our daemon, serving in this process until the process exits.
struct Daemon {
    dir: PathBuf,
    sock: PathBuf,
}

impl Daemon {
    fn start(name: &str) -> Daemon {
        let dir = temp_dir(name);
        let sock = dir.join("socket");
        let cfg = ServerConfig {
            store: Config::default(),
            socket: sock.clone(),
            log_level: LogLevel::Warn,
            access_log: None,
            state_file: dir.join("state"),
            domain_sockets: Vec::new(),
            xen: xen_store::server::XenMode::Off,
        };
        let store = Store::new(cfg.store.clone());
        std::thread::spawn(move || {
            let _ = runtime().block_on(server::run(cfg, store));
        });
        wait_for(&sock);
        Daemon { dir, sock }
    }

    fn client(&self) -> Client {
        Client::connect(&self.sock).expect("connect to the daemon")
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The reference server: reads a frame (16-byte header, payload) and writes
/// it back, on the same kind of socket and runtime as the daemon.
struct Echo {
    dir: PathBuf,
    sock: PathBuf,
}

impl Echo {
    fn start() -> Echo {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let dir = temp_dir("echo");
        let sock = dir.join("socket");
        let path = sock.clone();
        std::thread::spawn(move || {
            runtime().block_on(async move {
                let l = tokio::net::UnixListener::bind(&path).expect("bind echo socket");
                while let Ok((mut s, _)) = l.accept().await {
                    tokio::spawn(async move {
                        let mut buf = vec![0u8; HEADER_LEN + 4096];
                        loop {
                            if s.read_exact(&mut buf[..HEADER_LEN]).await.is_err() {
                                return;
                            }
                            let hdr: &[u8; HEADER_LEN] = buf[..HEADER_LEN].try_into().unwrap();
                            let Ok(h) = Header::decode(hdr) else { return };
                            let end = HEADER_LEN + h.len as usize;
                            if s.read_exact(&mut buf[HEADER_LEN..end]).await.is_err()
                                || s.write_all(&buf[..end]).await.is_err()
                            {
                                return;
                            }
                        }
                    });
                }
            });
        });
        wait_for(&sock);
        Echo { dir, sock }
    }
}

impl Drop for Echo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A client of the echo server: sends `frame`, reads the same length back.
struct EchoClient {
    s: UnixStream,
    frame: Vec<u8>,
    back: Vec<u8>,
}

impl EchoClient {
    fn new(sock: &Path, frame: Vec<u8>) -> EchoClient {
        let back = vec![0; frame.len()];
        EchoClient {
            s: UnixStream::connect(sock).expect("connect to echo"),
            frame,
            back,
        }
    }

    fn round_trip(&mut self) {
        self.s.write_all(&self.frame).unwrap();
        self.s.read_exact(&mut self.back).unwrap();
        debug_assert_eq!(self.back, self.frame);
    }
}

fn write_payload(path: &str, value: &[u8]) -> Vec<u8> {
    let mut p = path.as_bytes().to_vec();
    p.push(0);
    p.extend_from_slice(value);
    p
}

fn bench_read_write(c: &mut Criterion) {
    let d = Daemon::start("rw");
    let echo = Echo::start();
    let mut cl = d.client();
    cl.write(0, "/bench/a", VALUE).unwrap();
    assert_eq!(cl.read(0, "/bench/a").unwrap(), VALUE);

    let mut g = c.benchmark_group("xen-store: read");
    g.bench_function("ours", |b| {
        b.iter(|| black_box(cl.read(0, "/bench/a").unwrap()))
    });
    let mut e = EchoClient::new(&echo.sock, encode_frame(msg::READ, 1, 0, b"/bench/a\0"));
    g.bench_function("reference", |b| b.iter(|| e.round_trip()));
    g.finish();

    let mut g = c.benchmark_group("xen-store: write");
    g.bench_function("ours", |b| {
        b.iter(|| cl.write(0, "/bench/a", black_box(VALUE)).unwrap())
    });
    let payload = write_payload("/bench/a", VALUE);
    let mut e = EchoClient::new(&echo.sock, encode_frame(msg::WRITE, 1, 0, &payload));
    g.bench_function("reference", |b| b.iter(|| e.round_trip()));
    g.finish();
}

fn bench_idle_clients(c: &mut Criterion) {
    const IDLE: usize = 1000;
    let busy = Daemon::start("idle");
    let plain = Daemon::start("plain");
    let mut idle: Vec<Client> = Vec::with_capacity(IDLE);
    for _ in 0..IDLE {
        let mut i = busy.client();
        // One round trip: the daemon has accepted and registered it.
        i.get_domain_path(0).unwrap();
        idle.push(i);
    }
    let mut ours = busy.client();
    let mut reference = plain.client();
    for cl in [&mut ours, &mut reference] {
        cl.write(0, "/bench/a", VALUE).unwrap();
    }
    let mut g = c.benchmark_group("xen-store: read, 1,000 idle clients");
    g.bench_function("ours", |b| {
        b.iter(|| black_box(ours.read(0, "/bench/a").unwrap()))
    });
    g.bench_function("reference", |b| {
        b.iter(|| black_box(reference.read(0, "/bench/a").unwrap()))
    });
    g.finish();
    // Still connected and served after the run.
    assert_eq!(idle[IDLE - 1].read(0, "/bench/a").unwrap(), VALUE);
}

const TX_CLIENTS: usize = 128;
const TX_PER_CLIENT: usize = 500;
const TX_NODES: usize = 10;

fn counter_path(i: usize) -> String {
    format!("/bench/tx/c{i}")
}

fn counters_sum(cl: &mut Client) -> u64 {
    (0..TX_NODES)
        .map(|i| {
            let v = cl.read(0, &counter_path(i)).unwrap();
            std::str::from_utf8(&v).unwrap().parse::<u64>().unwrap()
        })
        .sum()
}

/// Runs `TX_CLIENTS` threads, each calling `op` `TX_PER_CLIENT` times on
/// its own connection (connected before the clock starts); returns the
/// wall time.
fn run_clients(sock: &Path, op: impl Fn(&mut Client, usize, usize) + Sync) -> Duration {
    let barrier = Barrier::new(TX_CLIENTS + 1);
    std::thread::scope(|s| {
        for t in 0..TX_CLIENTS {
            let (barrier, op) = (&barrier, &op);
            std::thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn_scoped(s, move || {
                    let mut cl = Client::connect(sock).unwrap();
                    cl.get_domain_path(0).unwrap();
                    barrier.wait();
                    for j in 0..TX_PER_CLIENT {
                        op(&mut cl, t, j);
                    }
                })
                .unwrap();
        }
        barrier.wait();
        let start = Instant::now();
        // The scope joins every thread before returning.
        start
    })
    .elapsed()
}

fn bench_transactions(c: &mut Criterion) {
    let d = Daemon::start("tx");
    let mut cl = d.client();
    for i in 0..TX_NODES {
        cl.write(0, &counter_path(i), b"0").unwrap();
    }
    let total = (TX_CLIENTS * TX_PER_CLIENT) as u64;
    let max_retries = AtomicU64::new(0);
    let all_retries = AtomicU64::new(0);
    let (runs, busy) = (AtomicU64::new(0), AtomicU64::new(0));

    let mut g = c.benchmark_group("xen-store: transactions");
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .throughput(Throughput::Elements(total));
    g.bench_function("ours", |b| {
        b.iter_custom(|iters| {
            let mut time = Duration::ZERO;
            for _ in 0..iters {
                let before = counters_sum(&mut cl);
                let committed = AtomicU64::new(0);
                time += run_clients(&d.sock, |c, t, j| {
                    let p = counter_path((t * 7 + j) % TX_NODES);
                    let ((), retries) = c
                        .transaction(|c, tx| {
                            let v = c.read(tx, &p)?;
                            let n: u64 = std::str::from_utf8(&v).unwrap().parse().unwrap();
                            c.write(tx, &p, (n + 1).to_string().as_bytes())
                        })
                        .expect("transaction");
                    committed.fetch_add(1, Ordering::Relaxed);
                    max_retries.fetch_max(u64::from(retries), Ordering::Relaxed);
                    all_retries.fetch_add(u64::from(retries), Ordering::Relaxed);
                });
                assert_eq!(committed.load(Ordering::Relaxed), total);
                assert_eq!(counters_sum(&mut cl) - before, total, "lost updates");
            }
            runs.fetch_add(iters, Ordering::Relaxed);
            busy.fetch_add(time.as_nanos() as u64, Ordering::Relaxed);
            time
        })
    });
    let (wruns, wbusy) = (AtomicU64::new(0), AtomicU64::new(0));
    g.bench_function("reference", |b| {
        b.iter_custom(|iters| {
            let mut time = Duration::ZERO;
            for _ in 0..iters {
                time += run_clients(&d.sock, |c, t, j| {
                    let p = format!("/bench/plain/c{}", (t * 7 + j) % TX_NODES);
                    c.write(0, &p, j.to_string().as_bytes()).unwrap();
                });
            }
            wruns.fetch_add(iters, Ordering::Relaxed);
            wbusy.fetch_add(time.as_nanos() as u64, Ordering::Relaxed);
            time
        })
    });
    g.finish();
    let rate = |runs: &AtomicU64, ns: &AtomicU64| {
        (runs.load(Ordering::Relaxed) * total) as f64 / (ns.load(Ordering::Relaxed) as f64 / 1e9)
    };
    let n = runs.load(Ordering::Relaxed) * total;
    if n == 0 {
        return;
    }
    println!(
        "xen-store: transactions: {} clients x {} commits over {} nodes, {} runs: {:.0} committed tx/s \
         (target >= 7,000), {:.3} retries per tx on average, max retries of one tx {}; \
         reference plain WRITEs: {:.0}/s",
        TX_CLIENTS,
        TX_PER_CLIENT,
        TX_NODES,
        runs.load(Ordering::Relaxed),
        rate(&runs, &busy),
        all_retries.load(Ordering::Relaxed) as f64 / n.max(1) as f64,
        max_retries.load(Ordering::Relaxed),
        rate(&wruns, &wbusy),
    );
}

/// Resident set size in bytes (`/proc/self/statm`, second field, pages).
fn rss() -> u64 {
    let s = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    let pages: u64 = s.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

fn bench_memory(_c: &mut Criterion) {
    const NODES: usize = 100_000;
    let paths: Vec<String> = (0..NODES)
        .map(|i| format!("/local/domain/{}/data/n{}", i / 1000, i % 1000))
        .collect();
    let raw: usize = paths.iter().map(|p| p.len() + VALUE.len()).sum();
    let before = rss();
    let mut s = Store::new(Config::default());
    let cid = s.connect(0, ConnKind::Socket);
    for p in &paths {
        s.submit(
            cid,
            Request::new(msg::WRITE, 0, &write_payload(p, VALUE)),
            0,
        );
        let f = s.pop_frame(cid).expect("reply");
        assert_eq!(&f[HEADER_LEN..], b"OK\0");
    }
    let after = rss();
    let nodes = s.node_count();
    assert!(nodes >= NODES);
    assert!(s.check().is_empty());
    let delta = after.saturating_sub(before);
    println!(
        "xen-store: memory: {} nodes ({} with the directories) of 16-byte values: RSS +{:.1} MiB \
         ({:.0} B/node); raw paths+values {:.1} MiB ({:.0} B/node); ratio {:.1}x",
        NODES,
        nodes,
        delta as f64 / (1 << 20) as f64,
        delta as f64 / NODES as f64,
        raw as f64 / (1 << 20) as f64,
        raw as f64 / NODES as f64,
        delta as f64 / raw as f64,
    );
    black_box(&s);
}

criterion_group!(
    benches,
    bench_memory,
    bench_read_write,
    bench_idle_clients,
    bench_transactions
);
criterion_main!(benches);
